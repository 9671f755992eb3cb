package handlers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// TestBrowserEditorial drives a real browser through the editorial work on
// articles a run wrote: edit one in the rich-text editor, save, see the
// revision and its diff, restore the pipeline's text; bulk-approve 20
// articles from the content list; walk the review queue with the keyboard.
// All under the pages' Content-Security-Policy.
//
// With SCREENSHOTS=DIR it writes the editor at 1280 px (editor.png, the
// README's picture: SCREENSHOTS=docs/img) and at 375 px (editor-375.png).
func TestBrowserEditorial(t *testing.T) {
	ctx := browserTab(t)
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Home Coffee Blog")
	importDemo(t, app, site)
	bg := context.Background()
	ps, err := d.GetPublishingSettings(bg, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	ps.AutoApprovalEnabled = false // the articles wait for a person
	if err := d.SavePublishingSettings(bg, ps, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	run, err := app.Deps.Runs.Start(bg, site, ann.Email)
	if err != nil {
		t.Fatal(err)
	}
	app.ExecuteRun(t, run.ID) // the demo keywords make 21 illustrated articles
	app.Clock.Advance(time.Minute)
	dbtest.InsertReviewBatch(t, d, site.ID, 3)
	review, err := d.ReviewQueue(bg, site.ID)
	if err != nil || len(review) != 24 {
		t.Fatalf("the run left %d articles in review (%v), want 24", len(review), err)
	}
	article, err := d.ContentByID(bg, review[0])
	if err != nil {
		t.Fatal(err)
	}

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			page, _ := chromedp.Run(c, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 1500)`))
			t.Fatalf("%s: %v\nthe page:\n%s\napp log:\n%s", name, err, page, app.Logs())
		}
	}
	testid := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }
	// waitJS waits until expr is true, across the navigation a click or a
	// key may start (a poll inside a page that goes away fails: it is
	// tried again in the next page).
	waitJS := func(expr string) chromedp.Action[chromedp.Void] {
		return func(c context.Context, _ *chromedp.Target) (chromedp.Void, error) {
			deadline := time.Now().Add(5 * time.Second)
			for {
				pc, cancel := context.WithTimeout(c, time.Second)
				err := chromedp.Do(pc, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Second)))
				cancel()
				if err == nil || time.Now().After(deadline) || c.Err() != nil {
					return chromedp.Void{}, err
				}
			}
		}
	}
	text := func(id string) string {
		return `((document.querySelector('[data-testid="` + id + `"]') || {}).textContent || "")`
	}
	textIs := func(id, want string) chromedp.Action[chromedp.Void] {
		return waitJS(text(id) + ` === ` + strconv.Quote(want))
	}
	textHas := func(id, want string) chromedp.Action[chromedp.Void] {
		return waitJS(text(id) + `.includes(` + strconv.Quote(want) + `)`)
	}
	watchCSP := chromedp.Evaluate[chromedp.Void](`window.cspViolations = []; document.addEventListener("securitypolicyviolation", e => cspViolations.push(e.violatedDirective + " " + e.blockedURI))`)
	checkCSP := func(where string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		v, err := chromedp.Run(c, chromedp.Evaluate[[]string](`window.cspViolations || []`))
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > 0 {
			t.Errorf("%s: Content-Security-Policy violations: %v", where, v)
		}
	}
	key := func(k string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(k) }

	step("log in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), ann.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(testid("logout")),
	)

	// The editor: Trix starts from the article's body (h2 headings kept).
	edit := fmt.Sprintf("%s/content/%d/edit", app.URL, article.ID)
	step("open the editor",
		chromedp.Navigate(edit),
		watchCSP,
		chromedp.WaitVisible(chromedp.CSS(`trix-toolbar [data-trix-attribute="heading3"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector("trix-editor").editor.getDocument().toString().length > 100`, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("trix-editor h2").length > 0`, chromedp.WithPollingTimeout(5*time.Second)),
	)
	step("type a new title and a new opening",
		chromedp.Clear(testid("editor-title")),
		chromedp.SendKeys(testid("editor-title"), "Edited by a person"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("trix-editor").focus(); document.querySelector("trix-editor").editor.setSelectedRange([0, 0])`),
		chromedp.SendKeys(testid("editor-body"), "A person wrote this opening line."),
		key("\r"),
	)
	shoot := func(name string, width int64) {
		t.Helper()
		dir := os.Getenv("SCREENSHOTS")
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		// Tall enough to show the fields, the body and the first image.
		if err := chromedp.Do(c, chromedp.EmulateViewport(width, 1600), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		png, err := chromedp.Run(c, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	shoot("editor.png", 1280)
	shoot("editor-375.png", 375)
	step("save",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(testid("editor-save")),
		chromedp.WaitVisible(testid("article")),
		textIs("flash", "Saved “Edited by a person” as revision 2."),
	)
	checkCSP("the editor")
	saved, _ := d.ContentByID(bg, article.ID)
	if !strings.HasPrefix(saved.HTML, "<div lang=\"en\">\n<p>A person wrote this opening line.</p>\n") || saved.EditedBy != ann.Email {
		t.Fatalf("saved body %q by %q", saved.HTML[:min(len(saved.HTML), 120)], saved.EditedBy)
	}
	if strings.Replace(saved.HTML, "<p>A person wrote this opening line.</p>\n", "", 1) != article.HTML {
		t.Errorf("the editor changed more than the typed line:\n got %q\nwant %q", saved.HTML, article.HTML)
	}

	step("see the revision",
		chromedp.Click(testid("flash-link")),
		chromedp.WaitVisible(testid("revisions-table")),
		textIs("revision-actor", ann.Email),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="diff-Body"] ins`)),
		textHas("diff-Body", "A person wrote this opening line."),
	)
	step("restore the pipeline's text",
		chromedp.Click(testid("restore-1")),
		chromedp.WaitVisible(testid("restore-2")),
		textIs("flash", "Restored revision 1 as revision 3."),
	)
	if restored, _ := d.ContentByID(bg, article.ID); restored.HTML != article.HTML || restored.Title != article.Title {
		t.Errorf("restore: %q, want the pipeline's text back byte for byte", restored.Title)
	}

	// Bulk: tick 20 articles of the review list and approve them at once.
	step("bulk-approve 20",
		chromedp.Navigate(fmt.Sprintf("%s/sites/%d/content?status=review", app.URL, site.ID)),
		watchCSP,
		chromedp.WaitVisible(testid("bulk-form")),
		chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll('[data-testid="select-row"]')).slice(0, 20).forEach(b => b.click())`),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-testid="select-row"]:checked').length === 20`, chromedp.WithPollingTimeout(2*time.Second)),
		chromedp.Click(testid("bulk-approve")),
		chromedp.WaitVisible(testid("flash")),
		textIs("flash", "Approved 20 articles."),
	)
	checkCSP("the content list")
	if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM content WHERE site_id = ? AND status IN ('approved','scheduled') AND approved_by = ?`, site.ID, ann.Email); n != 20 {
		t.Errorf("%d articles approved by Ann, want 20", n)
	}
	left, _ := d.ReviewQueue(bg, site.ID)
	if len(left) != 4 {
		t.Fatalf("%d articles left in review, want 4", len(left))
	}
	titleOf := func(id int64) string {
		c, err := d.ContentByID(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Title
	}

	// The review queue, by keyboard only.
	step("open the review queue from the dashboard",
		chromedp.Navigate(fmt.Sprintf("%s/sites/%d", app.URL, site.ID)),
		textIs("review-link", "4 articles wait for your review"),
		chromedp.Click(testid("review-link")),
		chromedp.WaitVisible(testid("shortcuts")),
		textIs("review-count", "Article 1 of 4 in review, oldest first."),
		textIs("article-title", titleOf(left[0])),
		watchCSP,
	)
	step("j: next", key("j"), textIs("article-title", titleOf(left[1])))
	step("j: next", key("j"), textIs("article-title", titleOf(left[2])))
	step("k: previous", key("k"), textIs("article-title", titleOf(left[1])))
	step("a: approve, on to the next", key("a"), textHas("flash", "Approved “"+titleOf(left[1])+"”"), textIs("article-title", titleOf(left[2])),
		textIs("review-count", "Article 2 of 3 in review, oldest first."))
	step("r: reject, on to the next", key("r"), textIs("article-title", titleOf(left[3])),
		textIs("review-count", "Article 2 of 2 in review, oldest first."))
	step("e: edit", key("e"), chromedp.WaitVisible(testid("editor-form")))
	checkCSP("the review queue")
	for id, want := range map[int64]string{left[0]: db.ContentReview, left[1]: db.ContentScheduled, left[2]: db.ContentRejected, left[3]: db.ContentReview} {
		if c, _ := d.ContentByID(bg, id); c.Status != want {
			t.Errorf("after the queue, %q is %s, want %s", c.Title, c.Status, want)
		}
	}
}
