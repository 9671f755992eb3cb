package handlers_test

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/jobs/publishing"
)

// axeSource is axe-core 4.14.1 from npm (handlers/testdata/axe, with its
// licence), injected into each page by the crawl; the app never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// crawlWidths are a phone's and a laptop's viewport widths.
var crawlWidths = []int64{375, 1280}

// crawlPage is one page the crawl visits.
type crawlPage struct {
	name string
	path string
	// shot: a screenshot of it goes to AUTOPRESS_SCREENSHOTS.
	shot bool
	// status is the page's expected console noise: a 404 page logs its
	// own failed load.
	notFound bool
}

// crawlSite is the data the crawl shows: a site with a finished run and
// articles scheduled and published, and a new, empty site.
type crawlSite struct {
	app     *handlertest.App
	user    db.User
	site    db.Site
	empty   db.Site
	runID   int64
	article int64
	// scheduled is an article in the queue (the calendar moves it).
	scheduled int64
}

// seedCrawl builds the crawl's data as a person would meet it: the demo
// site with its keywords, auto-approval on, one run worked to its end, the
// queue filled and the first slots published a day later.
func seedCrawl(t *testing.T) crawlSite {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, true)
	site, err := d.SeedDemoSite(ctx, ann.AccountID, app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	empty := app.NewSite(t, ann, "Garden notes")
	// The empty site's settings disagree with themselves, so its automation
	// page shows the hints (and a cap on credits per run, the budget's base).
	ec, err := d.GetAutomationConfig(ctx, empty.ID)
	if err != nil {
		t.Fatal(err)
	}
	ec.Stage5Enabled, ec.MaxIdeasPerRun, ec.MaxTasksPerRun, ec.MaxCreditsPerRun = false, 2, 10, 500
	if err := d.SaveAutomationConfig(ctx, ec, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	ps, err := d.GetPublishingSettings(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	ps.AutoApprovalEnabled, ps.AutoPublishEnabled = true, true
	ps.DailyTarget, ps.WeeklyTarget, ps.MonthlyTarget = 2, 10, 40
	if err := d.SavePublishingSettings(ctx, ps, app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	run, err := app.Deps.Runs.Start(ctx, site, ann.Email)
	if err != nil {
		t.Fatal(err)
	}
	app.Clock.Advance(90 * time.Second)
	app.ExecuteRun(t, run.ID)
	if _, err := app.Deps.Filler.FillSite(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	app.Clock.Advance(26 * time.Hour)
	pub := publishing.NewPublisher(d, app.Clock, app.Deps.Log, app.Deps.Targets.For, publishing.PublisherConfig{})
	if n, err := pub.Tick(ctx); err != nil || n == 0 {
		t.Fatalf("publish the first slots: %d published, %v", n, err)
	}
	if _, err := app.Deps.Filler.FillSite(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	var article int64
	if err := d.GetContext(ctx, &article, d.Rebind(`SELECT id FROM content WHERE site_id = ? AND status = 'published' ORDER BY id LIMIT 1`), site.ID); err != nil {
		t.Fatal(err)
	}
	var scheduled int64
	if err := d.GetContext(ctx, &scheduled, d.Rebind(`SELECT id FROM content WHERE site_id = ? AND status = 'scheduled' ORDER BY scheduled_at LIMIT 1`), site.ID); err != nil {
		t.Fatal(err)
	}
	app.NewToken(t, ann)
	return crawlSite{app: app, user: ann, site: site, empty: empty, runID: run.ID, article: article, scheduled: scheduled}
}

func (s crawlSite) pages() []crawlPage {
	site := fmt.Sprintf("/sites/%d", s.site.ID)
	empty := fmt.Sprintf("/sites/%d", s.empty.ID)
	return []crawlPage{
		{name: "sites", path: "/sites"},
		{name: "site-new", path: "/sites/new"},
		{name: "dashboard", path: site, shot: true},
		{name: "keywords", path: site + "/keywords"},
		{name: "runs", path: site + "/runs"},
		{name: "run", path: fmt.Sprintf("/runs/%d", s.runID), shot: true},
		{name: "run-log-filtered", path: fmt.Sprintf("/runs/%d?log=problems&order=newest", s.runID)},
		{name: "automation", path: site + "/automation", shot: true},
		{name: "writing", path: site + "/writing"},
		{name: "content", path: site + "/content", shot: true},
		{name: "content-published", path: site + "/content?status=published"},
		{name: "article", path: fmt.Sprintf("/content/%d", s.article)},
		{name: "publishing", path: site + "/publishing", shot: true},
		{name: "calendar", path: site + "/calendar", shot: true},
		{name: "calendar-week", path: site + "/calendar?view=week"},
		// Next week has articles and free slots: the slots are buttons.
		{name: "calendar-move", path: fmt.Sprintf("%s/calendar?view=week&date=%s&move=%d", site,
			s.app.Clock.Now().AddDate(0, 0, 7).Format("2006-01-02"), s.scheduled), shot: true},
		{name: "ai-budget", path: site + "/ai-budget", shot: true},
		{name: "site-edit", path: site + "/edit"},
		{name: "first-use", path: empty, shot: true},
		{name: "empty-keywords", path: empty + "/keywords"},
		{name: "empty-runs", path: empty + "/runs"},
		{name: "empty-content", path: empty + "/content"},
		{name: "empty-publishing", path: empty + "/publishing"},
		{name: "empty-calendar", path: empty + "/calendar"},
		{name: "empty-ai-budget", path: empty + "/ai-budget"},
		{name: "empty-automation", path: empty + "/automation"},
		{name: "account", path: "/account"},
		{name: "credits", path: "/account/credits", shot: true},
		{name: "admin-accounts", path: "/admin/accounts"},
		{name: "admin-credit-costs", path: "/admin/credit-costs"},
		{name: "not-found", path: "/sites/999999", notFound: true},
	}
}

// shotHeight is the most of a page a screenshot shows: the top of a long
// page is what a reader of the docs needs.
const shotHeight = 1800

// screenshotTop captures the top of the page, up to height px, as PNG.
func screenshotTop(width int64, height float64) chromedp.Action[[]byte] {
	return func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		h, err := chromedp.Evaluate[float64](`document.documentElement.scrollHeight`)(ctx, tg)
		if err != nil {
			return nil, err
		}
		r, err := cdp.Call(ctx, tg, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{
			Clip:                  &cdppage.Viewport{Width: float64(width), Height: min(h, height), Scale: 1},
			CaptureBeyondViewport: ptrTo(true)})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}
}

func ptrTo[T any](v T) *T { return &v }

// pageReport is what the crawl's script finds on a page.
type pageReport struct {
	// Width is the document's width when it is wider than the viewport.
	Width int `json:"width"`
	// Clipped are tables whose columns are cut off at this width.
	Clipped []string `json:"clipped"`
	// Unreachable are scrolling tables that the keyboard cannot reach or
	// that have no name.
	Unreachable []string `json:"unreachable"`
	// Snake are words_with_underscores in visible text (or in a field's
	// visible label, placeholder or title) outside code samples.
	Snake []string `json:"snake"`
	// Title is the document's title.
	Title string `json:"title"`
}

// inspectJS measures the page; see pageReport.
const inspectJS = `(function () {
	var vw = document.documentElement.clientWidth;
	var out = {width: 0, clipped: [], unreachable: [], snake: [], title: document.title};
	if (document.documentElement.scrollWidth > vw) out.width = document.documentElement.scrollWidth;
	function name(el) {
		return (el.getAttribute("data-testid") || el.className || el.tagName).toString();
	}
	document.querySelectorAll("table").forEach(function (table) {
		if (!table.checkVisibility()) return;
		var box = null;
		for (var el = table; el && el !== document.body; el = el.parentElement) {
			if (getComputedStyle(el).overflowX !== "visible") { box = el; break; }
		}
		if (box && box.scrollWidth > box.clientWidth + 1) {
			if (vw >= 1000) out.clipped.push(name(table) + " scrolls (" + box.scrollWidth + " > " + box.clientWidth + " px)");
			var label = box.getAttribute("aria-label") || box.getAttribute("aria-labelledby");
			if (box.tabIndex < 0 || !label) out.unreachable.push(name(table));
		}
		if (!box && table.getBoundingClientRect().right > vw + 1) out.clipped.push(name(table) + " spills out of the page");
	});
	var re = /[a-z]+_[a-z_]+/g;
	var skip = "code, pre, kbd, samp, script, style, template, noscript";
	var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (var n = walker.nextNode(); n; n = walker.nextNode()) {
		var p = n.parentElement;
		if (!p || p.closest(skip) || !p.checkVisibility()) continue;
		(n.nodeValue.match(re) || []).forEach(function (m) { out.snake.push(m + " in “" + n.nodeValue.trim().slice(0, 80) + "”"); });
	}
	document.querySelectorAll("[placeholder], [title], [aria-label]").forEach(function (el) {
		if (el.closest(skip)) return;
		["placeholder", "title", "aria-label"].forEach(function (a) {
			var v = el.getAttribute(a) || "";
			(v.match(re) || []).forEach(function (m) { out.snake.push(m + " in " + a + " “" + v.slice(0, 80) + "”"); });
		});
	});
	return out;
})()`

// axeFinding is one serious or critical axe violation.
type axeFinding struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

const axeRunJS = `axe.run(document, {resultTypes: ["violations"]}).then(function (r) {
	return r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; }).map(function (v) {
		return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map(function (n) { return n.target.join(" ") + " — " + (n.failureSummary || "").split("\n").slice(1, 2).join(""); })};
	});
})`

// TestBrowserCrawl visits every page, logged in with real data, at a
// phone's and a laptop's width, in light and dark mode: no page is wider
// than the viewport, no table is clipped at laptop width, a table that
// scrolls on a phone can be reached with the keyboard and has a name, the
// console stays free of errors, axe-core finds nothing serious or critical,
// and no visible text shows a snake_case name. With AUTOPRESS_SCREENSHOTS
// set to a directory it writes screenshots of the main pages there (of
// every page with AUTOPRESS_SCREENSHOTS_ALL=1).
func TestBrowserCrawl(t *testing.T) {
	tab := browserTab(t)
	s := seedCrawl(t)
	shots := os.Getenv("AUTOPRESS_SCREENSHOTS")
	// AUTOPRESS_SCREENSHOTS_ALL=1 shoots every page, not only the main ones.
	all := os.Getenv("AUTOPRESS_SCREENSHOTS_ALL") == "1"
	if shots != "" {
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				console = append(console, m.String())
				mu.Unlock()
			}
		}
	}()
	takeConsole := func() []string {
		mu.Lock()
		defer mu.Unlock()
		c := console
		console = nil
		return c
	}

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\napp log:\n%s", what, err, s.app.Logs())
		}
	}
	scheme := func(dark bool) chromedp.Action[chromedp.Void] {
		v := "light"
		if dark {
			v = "dark"
		}
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}})
			return chromedp.Void{}, err
		}
	}

	check := func(p crawlPage, width int64, dark bool) {
		t.Helper()
		mode := "light"
		if dark {
			mode = "dark"
		}
		where := fmt.Sprintf("%s at %d px (%s)", p.path, width, mode)
		takeConsole()
		do(where, chromedp.Navigate(s.app.URL+p.path), chromedp.WaitReady(chromedp.CSS("body")))
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		rep, err := chromedp.Run(ctx, chromedp.Evaluate[pageReport](inspectJS))
		if err != nil {
			t.Fatalf("%s: inspect: %v", where, err)
		}
		if rep.Width > 0 {
			t.Errorf("%s: the page is %d px wide", where, rep.Width)
		}
		for _, c := range rep.Clipped {
			t.Errorf("%s: table clipped: %s", where, c)
		}
		for _, c := range rep.Unreachable {
			t.Errorf("%s: table %s scrolls in a box without tabindex=0 and a label", where, c)
		}
		if !strings.HasSuffix(rep.Title, " · autopress") {
			t.Errorf("%s: title %q does not name autopress", where, rep.Title)
		}
		for _, w := range rep.Snake {
			t.Errorf("%s: snake_case in visible text: %s", where, w)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			t.Fatalf("%s: inject axe: %v", where, err)
		}
		found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeFinding](axeRunJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: run axe: %v", where, err)
		}
		for _, f := range found {
			t.Errorf("%s: axe %s (%s): %s: %s", where, f.ID, f.Impact, f.Help, strings.Join(f.Nodes, "; "))
		}
		if shots != "" && (p.shot || all) && (!dark || p.name == "dashboard" || all) {
			png, err := chromedp.Run(ctx, screenshotTop(width, shotHeight))
			if err != nil {
				t.Fatalf("%s: screenshot: %v", where, err)
			}
			file := fmt.Sprintf("%s-%d.png", p.name, width)
			if dark {
				file = fmt.Sprintf("%s-%d-dark.png", p.name, width)
			}
			if err := os.WriteFile(filepath.Join(shots, file), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range takeConsole() {
			if p.notFound && strings.Contains(m, "404") {
				continue
			}
			t.Errorf("%s: console: %s", where, m)
		}
	}

	// The login page, as a visitor meets it; then everything else, signed in.
	login := crawlPage{name: "login", path: "/login"}
	for _, w := range crawlWidths {
		do("viewport", chromedp.EmulateViewport(w, 900))
		check(login, w, false)
	}
	do("log in",
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), s.user.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="logout"]`)))
	for _, dark := range []bool{false, true} {
		do("colour scheme", scheme(dark))
		for _, w := range crawlWidths {
			if dark && w != 1280 {
				continue // dark mode changes colours, not the layout
			}
			do("viewport", chromedp.EmulateViewport(w, 900))
			for _, p := range s.pages() {
				check(p, w, dark)
			}
		}
	}
}

// TestBrowserPhoneHeader: on a phone the header's sections fold behind the
// Menu button, the site switcher lists the account's sites, and the site's
// navigation marks the current page.
func TestBrowserPhoneHeader(t *testing.T) {
	tab := browserTab(t)
	d := dbtest.New(t, db.SQLite)
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")
	app.NewSite(t, ann, "Garden")
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	visible := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { var el = document.querySelector(`+strconv.Quote(sel)+`);
			return !!el && el.checkVisibility(); })()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), ann.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="logout"]`)),
		chromedp.EmulateViewport(375, 800),
		chromedp.Navigate(fmt.Sprintf("%s/sites/%d/runs", app.URL, site.ID)),
		chromedp.WaitReady(chromedp.CSS(`[data-testid="sitebar"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if visible(`[data-testid="logout"]`) || !visible(`[data-testid="menu-toggle"]`) {
		t.Fatal("on a phone Log out shows without the menu, or there is no Menu button")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="menu-toggle"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="logout"]`))); err != nil {
		t.Fatalf("the Menu button does not open the menu: %v", err)
	}
	expanded, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="menu-toggle"]').getAttribute("aria-expanded")`))
	if err != nil || expanded != "true" {
		t.Errorf("aria-expanded %q after opening the menu (%v)", expanded, err)
	}
	current, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.sitenav [aria-current="page"]').textContent`))
	if err != nil || current != "Runs" {
		t.Errorf("the site navigation marks %q as current (%v)", current, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="site-switcher"] summary`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-switcher"] ul`))); err != nil {
		t.Fatalf("the site switcher does not open: %v", err)
	}
	sites, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="site-switcher"] li a')).map(function (a) { return a.textContent; })`))
	if err != nil || strings.Join(sites, ",") != "Coffee,Garden,All sites,Add a site" {
		t.Errorf("site switcher lists %q (%v)", sites, err)
	}
}
