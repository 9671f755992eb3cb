package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// post posts a form and fails unless the answer is want.
func post(t *testing.T, c *handlertest.Client, path string, form url.Values, want int) *handlertest.Response {
	t.Helper()
	res := c.PostForm(t, path, form)
	if res.Status != want {
		t.Fatalf("POST %s: %d, want %d\n%s", path, res.Status, want, res.Body)
	}
	return res
}

func TestPipelinePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPublishingEnv(t, d)
		items := dbtest.InsertPipelineItems(t, d, e.site.ID)
		other := dbtest.InsertPipelineItems(t, d, e.site.ID) // a second new cluster to move keywords to
		base := fmt.Sprintf("/sites/%d", e.site.ID)

		// Lists, filtered by status.
		page := e.c.Get(t, base+"/ideas?status=new")
		if got := page.TestIDs("item-title"); len(got) != 2 || got[0] != "Pour over for beginners" {
			t.Fatalf("new ideas: %q", got)
		}
		if n := page.TestID(t, "count-queued"); n != "2" {
			t.Errorf("queued ideas counted %s, want 2", n)
		}
		if page := e.c.Get(t, base+"/ideas?status=bogus"); page.Status != http.StatusBadRequest {
			t.Errorf("unknown status: %d", page.Status)
		}
		for _, table := range []string{"clusters", "tasks", "image-prompts"} {
			if page := e.c.Get(t, base+"/"+table); page.Status != http.StatusOK || !page.Has("pipeline-nav") {
				t.Errorf("%s page: %d", table, page.Status)
			}
		}

		// Edit an idea from its page, with the version the page carries.
		idea, _ := d.GetIdea(ctx, e.site.ID, items.Idea)
		form := e.c.Get(t, fmt.Sprintf("%s/ideas/%d", base, idea.ID))
		version := form.FormValue(t, "version")
		post(t, e.c, fmt.Sprintf("%s/ideas/%d", base, idea.ID), url.Values{"version": {version}, "title": {"Pour over, step by step"}, "summary": {"Two\nlines"}}, http.StatusSeeOther)
		if got, _ := d.GetIdea(ctx, e.site.ID, idea.ID); got.Title != "Pour over, step by step" || got.Summary != "Two\nlines" || got.Version != idea.Version+1 {
			t.Errorf("after the edit: %+v", got)
		}
		// The same form again (an old version): refused, nothing saved.
		res := post(t, e.c, fmt.Sprintf("%s/ideas/%d", base, idea.ID), url.Values{"version": {version}, "title": {"Stale"}}, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); !strings.Contains(flash, "changed since you opened it") {
			t.Errorf("stale edit flash %q", flash)
		}
		if got, _ := d.GetIdea(ctx, e.site.ID, idea.ID); got.Title != "Pour over, step by step" {
			t.Errorf("a stale edit saved %q", got.Title)
		}
		// An empty title is a field error on the form.
		res = post(t, e.c, fmt.Sprintf("%s/ideas/%d", base, idea.ID), url.Values{"version": {fmt.Sprint(idea.Version + 1)}, "title": {" "}}, http.StatusUnprocessableEntity)
		if !res.Has("error-title") {
			t.Error("no title error")
		}
		// Delete it.
		post(t, e.c, fmt.Sprintf("%s/ideas/%d/delete", base, idea.ID), url.Values{"version": {fmt.Sprint(idea.Version + 1)}}, http.StatusSeeOther)
		if _, err := d.GetIdea(ctx, e.site.ID, idea.ID); err != db.ErrNotFound {
			t.Errorf("after delete: %v", err)
		}

		// Skip a task, then requeue it.
		post(t, e.c, fmt.Sprintf("%s/tasks/%d/skip", base, items.Task), url.Values{"version": {"0"}}, http.StatusSeeOther)
		tasks := e.c.Get(t, base+"/tasks?status=skipped")
		if got := tasks.TestIDs("item-status"); len(got) != 1 || got[0] != "skipped" || !tasks.Has("item-requeue") {
			t.Fatalf("skipped tasks: %q", got)
		}
		post(t, e.c, fmt.Sprintf("%s/tasks/%d/requeue", base, items.Task), url.Values{"version": {"1"}}, http.StatusSeeOther)
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM tasks WHERE id = ? AND status = 'queued'`, items.Task); n != 1 {
			t.Error("the task was not requeued")
		}

		// Rename a cluster and move a keyword to the other cluster.
		post(t, e.c, fmt.Sprintf("%s/clusters/%d", base, items.Cluster), url.Values{"version": {"0"}, "name": {"Manual brewing"}}, http.StatusSeeOther)
		cl := e.c.Get(t, fmt.Sprintf("%s/clusters/%d", base, items.Cluster))
		if got := cl.TestIDs("move-keyword"); len(got) != 2 {
			t.Fatalf("keywords on the cluster page: %d", len(got))
		}
		target := cl.Selected(t, "to")
		if target != fmt.Sprintf("%d:0", other.Cluster) {
			t.Fatalf("move target %q", target)
		}
		post(t, e.c, fmt.Sprintf("%s/clusters/%d/move", base, items.Cluster), url.Values{"version": {cl.FormValue(t, "version")}, "to": {target},
			"keyword": {fmt.Sprint(items.Keywords[0])}}, http.StatusSeeOther)
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM keywords WHERE cluster_id = ?`, other.Cluster); n != 3 {
			t.Errorf("%d keywords in the target cluster, want 3", n)
		}
		if c, _, _ := d.GetCluster(ctx, e.site.ID, items.Cluster); c.Name != "Manual brewing" || c.Version != 2 {
			t.Errorf("cluster after rename and move: %+v", c)
		}

		// Edit a pending image prompt.
		art := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentDraft})
		var prompt int64
		if err := dbtest.Get(ctx, d, &prompt, (`INSERT INTO image_prompts (site_id, content_id, prompt, alt, status, created_at, updated_at) VALUES (?, ?, 'a cup', 'A cup', 'pending', ?, ?) RETURNING id`),
			e.site.ID, art.ID, art.CreatedAt, art.CreatedAt); err != nil {
			t.Fatal(err)
		}
		post(t, e.c, fmt.Sprintf("%s/image-prompts/%d", base, prompt), url.Values{"version": {"0"}, "prompt": {"a blue mug on oak"}, "alt": {"A blue mug"}}, http.StatusSeeOther)
		if p, _ := d.GetImagePrompt(ctx, e.site.ID, prompt); p.Prompt != "a blue mug on oak" || p.Alt != "A blue mug" {
			t.Errorf("prompt after edit: %+v", p)
		}
	})
}

func TestArticleEditorAndRevisions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPublishingEnv(t, d)
		orig := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Cold brew", HTML: "<p>Steep it overnight.</p>\n<h2>Ratio</h2>\n<p>One to eight.</p>"})
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Slug: "taken"})
		img := dbtest.InsertImage(t, d, orig, "cover.png", "image/png", []byte("png"))
		edit := fmt.Sprintf("/content/%d/edit", orig.ID)

		page := e.c.Get(t, edit)
		if page.FormValue(t, "body") != orig.HTML || page.FormValue(t, "slug") != orig.Slug || page.FormValue(t, fmt.Sprintf("alt_%d", img.ID)) != img.Alt {
			t.Fatal("the editor does not start from the article")
		}
		save := url.Values{"version": {page.FormValue(t, "version")}, "title": {"Cold brew at home"}, "slug": {"cold-brew-at-home"}, "excerpt": {"Steep, wait, pour."},
			"body":                        {`<div>Steep it <strong>overnight</strong>.<br><br>Then <a href="javascript:alert(1)">strain</a> it.</div><h1>Ratio</h1><script>alert(1)</script>`},
			fmt.Sprintf("alt_%d", img.ID): {"A jar of cold brew"}}
		res := post(t, e.c, edit, save, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); flash != "Saved “Cold brew at home” as revision 2." {
			t.Errorf("flash %q", flash)
		}
		c := e.content(t, orig.ID)
		wantBody := "<div lang=\"en\">\n<p>Steep it <strong>overnight</strong>.</p>\n<p>Then strain it.</p>\n<h2>Ratio</h2>\n</div>"
		if c.HTML != wantBody || c.Slug != "cold-brew-at-home" || c.EditedBy != e.user.Email || c.WordCount != 7 {
			t.Errorf("saved %q (slug %q, by %q, %d words)", c.HTML, c.Slug, c.EditedBy, c.WordCount)
		}
		if im, _ := d.ContentImage(ctx, orig.ID, img.ID); im.Alt != "A jar of cold brew" {
			t.Errorf("alt text %q", im.Alt)
		}

		// The revisions page: the pipeline's text is revision 1, the edit 2,
		// and the diff shows words inserted and deleted.
		revs := e.c.Get(t, fmt.Sprintf("/content/%d/revisions", orig.ID))
		if got := revs.TestIDs("revision-actor"); len(got) != 2 || got[0] != e.user.Email || got[1] != "automation" {
			t.Fatalf("revision authors %q", got)
		}
		if got := revs.TestID(t, "revision-changed"); got != "title, slug, excerpt, body, alt_texts" {
			t.Errorf("changed fields %q", got)
		}
		if !strings.Contains(revs.Body, "<del>Cold brew</del>") && !strings.Contains(revs.Body, "<ins> at home</ins>") {
			t.Errorf("title diff missing:\n%s", revs.TestID(t, "diff-Title"))
		}
		if d := revs.TestID(t, "diff-Body"); !strings.Contains(d, "overnight") {
			t.Errorf("body diff %q", d)
		}

		// Stale saves and taken slugs are refused with the person's text kept.
		stale := post(t, e.c, edit, save, http.StatusConflict)
		if !stale.Has("editor-error") || stale.FormValue(t, "title") != "Cold brew at home" {
			t.Error("a stale save lost the person's text or its message")
		}
		fresh := e.c.Get(t, edit)
		taken := url.Values{"version": {fresh.FormValue(t, "version")}, "title": {"x"}, "slug": {"taken"}, "body": {"<p>x</p>"}}
		if res := post(t, e.c, edit, taken, http.StatusUnprocessableEntity); !strings.Contains(res.TestID(t, "error-slug"), "Another article") {
			t.Error("taken slug not named")
		}
		bad := url.Values{"version": {fresh.FormValue(t, "version")}, "title": {"x"}, "slug": {"Not A Slug"}, "body": {"<p> </p>"}}
		res = post(t, e.c, edit, bad, http.StatusUnprocessableEntity)
		if !res.Has("error-slug") || !res.Has("error-body") {
			t.Error("bad slug and empty body not both named")
		}

		// Restore revision 1: byte for byte, as revision 3.
		post(t, e.c, fmt.Sprintf("/content/%d/revisions/1/restore", orig.ID), url.Values{"version": {fresh.FormValue(t, "version")}}, http.StatusSeeOther)
		back := e.content(t, orig.ID)
		if back.HTML != orig.HTML || back.Title != orig.Title || back.Slug != orig.Slug || back.Excerpt != orig.Excerpt {
			t.Errorf("restored %q %q, want %q %q", back.Title, back.HTML, orig.Title, orig.HTML)
		}
		if im, _ := d.ContentImage(ctx, orig.ID, img.ID); im.Alt != img.Alt {
			t.Errorf("restored alt %q, want %q", im.Alt, img.Alt)
		}
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM content_revisions WHERE content_id = ? AND number = 3 AND restored_from = 1`, orig.ID); n != 1 {
			t.Error("the restore is not revision 3")
		}

		// Published articles are not edited.
		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentPublished})
		if res := e.c.Get(t, fmt.Sprintf("/content/%d/edit", pub.ID)); res.Status != http.StatusSeeOther {
			t.Errorf("editor of a published article: %d", res.Status)
		}
	})
}

// TestSanitizingWhatABrowserSends posts, through the editor and the API,
// bodies with scripts, event handlers, javascript: and other dangerous
// links, frames and styles: what is stored holds only the AI's HTML.
func TestSanitizingWhatABrowserSends(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		token := e.app.NewToken(t, e.user)
		art := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID})
		attacks := []string{
			`<p>a</p><script>alert(1)</script>`,
			`<p onclick="alert(1)">a</p><img src=x onerror=alert(1)>`,
			`<p><a href="javascript:alert(1)">a</a> <a href=" JAVASCRIPT:alert(1)">b</a> <a href="java&#x0A;script:alert(1)">c</a></p>`,
			`<p><a href="data:text/html,<script>alert(1)</script>">a</a> <a href="vbscript:x">b</a></p>`,
			`<iframe src="https://evil.example"></iframe><object data=x></object><embed src=x><p>a</p>`,
			`<svg><script>alert(1)</script></svg><math><mi xlink:href="javascript:alert(1)">a</mi></math>`,
			`<p style="background:url(javascript:alert(1))">a</p><style>*{}</style><link rel=stylesheet href=//evil>`,
			`<form action=//evil><button formaction="javascript:alert(1)">a</button></form><p>b</p>`,
			`<div data-trix-attachment='{"content":"<img src=x onerror=alert(1)>"}'>a</div>`,
			`<a href="https://off-site.example/x" target="_blank" onmouseover="x()">a</a>`,
		}
		for i, body := range attacks {
			page := e.c.Get(t, fmt.Sprintf("/content/%d/edit", art.ID))
			post(t, e.c, fmt.Sprintf("/content/%d/edit", art.ID), url.Values{"version": {page.FormValue(t, "version")}, "title": {fmt.Sprint("T", i)},
				"slug": {fmt.Sprint("t-", i)}, "body": {body}}, http.StatusSeeOther)
			if problem := outsideAIHTML(e.content(t, art.ID).HTML); problem != "" {
				t.Errorf("editor, %q: stored %q: %s", body, e.content(t, art.ID).HTML, problem)
			}
			c := e.content(t, art.ID)
			res := e.app.API(t, token, http.MethodPut, fmt.Sprintf("/api/v1/content/%d", art.ID),
				map[string]any{"version": c.Version, "title": fmt.Sprint("API ", i), "slug": fmt.Sprint("api-", i), "html": body})
			if res.Status != http.StatusOK {
				t.Fatalf("API PUT: %d %s", res.Status, res.Body)
			}
			if problem := outsideAIHTML(e.content(t, art.ID).HTML); problem != "" {
				t.Errorf("API, %q: stored %q: %s", body, e.content(t, art.ID).HTML, problem)
			}
		}
	})
}

// outsideAIHTML names the first element, attribute or link of body that is
// not the AI's restricted HTML ("" when there is none).
func outsideAIHTML(body string) string {
	nodes, err := html.ParseFragment(strings.NewReader(body), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return err.Error()
	}
	allowed := map[string]bool{"div": true, "p": true, "h2": true, "h3": true, "ul": true, "ol": true, "li": true, "strong": true, "em": true, "a": true}
	problem := ""
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && problem == "" {
			if !allowed[n.Data] {
				problem = "element " + n.Data
			}
			for _, a := range n.Attr {
				u, _ := url.Parse(a.Val)
				switch {
				case n.Data == "a" && a.Key == "rel":
				case n.Data == "div" && a.Key == "lang" && a.Val == "en": // the site's language tag
				case n.Data == "a" && a.Key == "href" && u != nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == ""):
				default:
					problem = fmt.Sprintf("attribute %s=%q on %s", a.Key, a.Val, n.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for _, n := range nodes {
		visit(n)
	}
	return problem
}

func TestArticleAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		token := e.app.NewToken(t, e.user)
		art := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Espresso"})
		path := fmt.Sprintf("/api/v1/content/%d", art.ID)
		var got struct {
			Version  int64  `json:"version"`
			Title    string `json:"title"`
			Revision int    `json:"revision"`
		}
		e.app.API(t, token, http.MethodGet, path, nil).JSON(t, &got)
		if got.Title != "Espresso" || got.Version != art.Version {
			t.Fatalf("GET: %+v", got)
		}
		for _, tc := range []struct {
			name  string
			body  map[string]any
			want  int
			field string
		}{
			{"no version", map[string]any{"title": "x", "slug": "x", "html": "<p>x</p>"}, http.StatusUnprocessableEntity, "version"},
			{"bad slug", map[string]any{"version": art.Version, "title": "x", "slug": "X Y", "html": "<p>x</p>"}, http.StatusUnprocessableEntity, "slug"},
			{"empty body", map[string]any{"version": art.Version, "title": "x", "slug": "x", "html": "<script>x</script>"}, http.StatusUnprocessableEntity, "body"},
			{"unknown image", map[string]any{"version": art.Version, "title": "x", "slug": "x", "html": "<p>x</p>", "images": []map[string]any{{"id": 999, "alt": "x"}}},
				http.StatusUnprocessableEntity, "alt_999"},
			{"old version", map[string]any{"version": art.Version + 5, "title": "x", "slug": "x", "html": "<p>x</p>"}, http.StatusConflict, "version"},
		} {
			res := e.app.API(t, token, http.MethodPut, path, tc.body)
			var apiErr struct{ Error, Field string }
			res.JSON(t, &apiErr)
			if res.Status != tc.want || apiErr.Field != tc.field {
				t.Errorf("%s: %d %+v, want %d naming %s", tc.name, res.Status, apiErr, tc.want, tc.field)
			}
		}
		// Fields not sent keep their value.
		res := e.app.API(t, token, http.MethodPut, path, map[string]any{"version": art.Version, "title": "Espresso at home"})
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.Revision != 2 || got.Version != art.Version+1 {
			t.Errorf("PUT: %d %+v", res.Status, got)
		}
		if c := e.content(t, art.ID); c.Title != "Espresso at home" || c.HTML != art.HTML || c.Slug != art.Slug {
			t.Errorf("after a PUT of the title: %q %q %q", c.Title, c.Slug, c.HTML)
		}
	})
}

func TestBulkReview500(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		e.saveSettings(t, func(p *db.PublishingSettings) { p.AutoPublishEnabled = false })
		token := e.app.NewToken(t, e.user)
		ids := dbtest.InsertReviewBatch(t, d, e.site.ID, 500)
		list := fmt.Sprintf("/sites/%d/content?status=review", e.site.ID)
		page := e.c.Get(t, list)
		if !page.Has("bulk-form") || page.FormValue(t, "expect") != "500" {
			t.Fatal("no bulk form with the filter's count")
		}
		form := url.Values{"action": {"approve"}, "back": {list}}
		for _, id := range ids {
			form.Add("ids", fmt.Sprint(id))
		}
		res := post(t, e.c, fmt.Sprintf("/sites/%d/content/bulk", e.site.ID), form, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); flash != "Approved 500 articles." {
			t.Errorf("flash %q", flash)
		}
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved' AND approved_by = ?`, e.site.ID, e.user.Email); n != 500 {
			t.Fatalf("%d approved by the person, want 500", n)
		}
		// One published article blocks the API's bulk reject of all of them:
		// 409 naming it, and nothing moves.
		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Out already", Status: db.ContentPublished})
		bulk := fmt.Sprintf("/api/v1/sites/%d/content/bulk", e.site.ID)
		res = e.app.API(t, token, http.MethodPost, bulk, map[string]any{"action": "reject", "ids": append(ids, pub.ID)})
		var blocked struct {
			Error   string
			Blocked []struct {
				ID    int64
				Title string
			}
		}
		res.JSON(t, &blocked)
		if res.Status != http.StatusConflict || len(blocked.Blocked) != 1 || blocked.Blocked[0].ID != pub.ID || !strings.Contains(blocked.Error, "Out already") {
			t.Fatalf("blocked bulk: %d %s", res.Status, res.Body)
		}
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'rejected'`, e.site.ID); n != 0 {
			t.Fatalf("a refused bulk action rejected %d", n)
		}
		// All approved ones, by filter, back the other way in one request.
		res = e.app.API(t, token, http.MethodPost, bulk, map[string]any{"action": "reject", "all": true, "status": "approved", "expect": 500})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `"moved":500`) {
			t.Fatalf("bulk reject all: %d %s", res.Status, res.Body)
		}
		for _, tc := range []struct {
			body  map[string]any
			want  int
			field string
		}{
			{map[string]any{"action": "publish", "ids": ids[:1]}, http.StatusUnprocessableEntity, "action"},
			{map[string]any{"action": "approve"}, http.StatusUnprocessableEntity, "ids"},
			{map[string]any{"action": "approve", "all": true, "status": "rejected"}, http.StatusUnprocessableEntity, "expect"},
			{map[string]any{"action": "approve", "all": true, "status": "rejected", "expect": 499}, http.StatusConflict, "expect"},
			{map[string]any{"action": "approve", "ids": []int64{pub.ID + 100}}, http.StatusUnprocessableEntity, "ids"},
		} {
			res := e.app.API(t, token, http.MethodPost, bulk, tc.body)
			var apiErr struct{ Field string }
			res.JSON(t, &apiErr)
			if res.Status != tc.want || apiErr.Field != tc.field {
				t.Errorf("%v: %d %s, want %d naming %s", tc.body, res.Status, res.Body, tc.want, tc.field)
			}
		}
	})
}

func TestReviewQueueDashboardAndPublishNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		var ids []int64
		for _, title := range []string{"First", "Second", "Third"} {
			ids = append(ids, dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: title, Now: e.app.Clock.Now()}).ID)
			e.app.Clock.Advance(1)
		}
		dash := e.c.Get(t, fmt.Sprintf("/sites/%d", e.site.ID))
		if got := dash.TestID(t, "review-link"); got != "3 articles wait for your review" {
			t.Errorf("dashboard says %q", got)
		}
		queue := fmt.Sprintf("/sites/%d/review", e.site.ID)
		if href, _ := dash.Attr("review-link", "href"); href != queue {
			t.Errorf("review link %q", href)
		}
		page := e.c.Get(t, queue)
		if page.TestID(t, "review-count") != "Article 1 of 3 in review, oldest first." || page.TestID(t, "article-title") != "First" || page.Has("review-prev") {
			t.Fatalf("queue start: %q %q", page.TestID(t, "review-count"), page.TestID(t, "article-title"))
		}
		if !strings.Contains(page.TestID(t, "shortcuts"), "j next · k previous · a approve · r reject · e edit") {
			t.Error("the shortcuts are not shown")
		}
		if key, _ := page.Attr("review-approve", "data-key"); key != "a" {
			t.Errorf("approve key %q", key)
		}
		next, _ := page.Attr("review-next", "href")
		page = e.c.Get(t, next)
		if page.TestID(t, "article-title") != "Second" {
			t.Fatal("next is not the second article")
		}
		// Approving the second goes on to the third.
		res := post(t, e.c, fmt.Sprintf("/content/%d/approve", ids[1]), url.Values{"back": {page.FormValue(t, "back")}}, http.StatusSeeOther)
		page = e.c.Follow(t, res)
		if page.TestID(t, "article-title") != "Third" || page.TestID(t, "review-count") != "Article 2 of 2 in review, oldest first." {
			t.Errorf("after approving: %q, %q", page.TestID(t, "article-title"), page.TestID(t, "review-count"))
		}

		// Publish now on an unapproved article asks first, then records the
		// approval.
		confirm := post(t, e.c, fmt.Sprintf("/content/%d/publish-now", ids[0]), url.Values{"back": {queue}}, http.StatusOK)
		if !confirm.Has("confirm-publish") || e.content(t, ids[0]).Status != db.ContentReview {
			t.Fatal("publish now did not ask first")
		}
		post(t, e.c, fmt.Sprintf("/content/%d/publish-now", ids[0]), url.Values{"back": {queue}, "confirm": {confirm.FormValue(t, "confirm")}}, http.StatusSeeOther)
		c := e.content(t, ids[0])
		if c.Status != db.ContentScheduled || c.ApprovedBy != e.user.Email || c.ApprovedAt == nil {
			t.Errorf("after confirming: %s, approved by %q at %v", c.Status, c.ApprovedBy, c.ApprovedAt)
		}
		// An approved article publishes without asking.
		post(t, e.c, fmt.Sprintf("/content/%d/publish-now", ids[1]), url.Values{"back": {queue}}, http.StatusSeeOther)
	})
}
