package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/jobs/publishing"
)

// act posts a content action from the page at back, as its button does,
// and returns the page the redirect leads to.
func act(t *testing.T, e *publishingEnv, id int64, action, back string, extra url.Values) *handlertest.Response {
	t.Helper()
	form := url.Values{"back": {back}}
	for k, v := range extra {
		form[k] = v
	}
	res := e.c.PostForm(t, fmt.Sprintf("/content/%d/%s", id, action), form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("%s %d: %d, want 303\n%s", action, id, res.Status, res.Body)
	}
	if res.Location() != back {
		t.Fatalf("%s %d: back to %q, want %q", action, id, res.Location(), back)
	}
	return e.c.Follow(t, res)
}

func (e *publishingEnv) content(t *testing.T, id int64) db.Content {
	t.Helper()
	c, err := e.d.ContentByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContentActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPublishingEnv(t, d)
		clock := e.app.Clock
		list := fmt.Sprintf("/sites/%d/content", e.site.ID)
		review := list + "?status=review"
		newArticle := func(status, title string) db.Content {
			now := clock.Now()
			c := dbtest.Content{SiteID: e.site.ID, Status: status, Title: title, Now: now}
			if status == db.ContentApproved {
				c.ApprovedAt = &now
			}
			return dbtest.InsertContent(t, d, c)
		}
		a := newArticle(db.ContentReview, "Pour over")
		b := newArticle(db.ContentReview, "Cold brew")

		// The review tab offers approve, publish now and a confirmed reject.
		page := e.c.Get(t, review)
		if got := page.TestIDs("content-title"); len(got) != 2 || !page.Has("action-approve") || !page.Has("action-publish-now") {
			t.Fatalf("review tab: %q", got)
		}
		if msg, ok := page.Attr("action-reject", "data-confirm"); ok || msg != "" {
			t.Error("data-confirm belongs on the reject form, not its button")
		}
		if !strings.Contains(page.Body, `data-confirm="Reject “Pour over”? It will not be published."`) {
			t.Error("reject does not ask for confirmation")
		}

		// Approve: the filler gives it the first slot (Monday 09:00 in Berlin).
		page = act(t, e, a.ID, "approve", review, nil)
		if got := page.TestID(t, "flash"); got != "Approved “Pour over”: scheduled for 2026-03-02 09:00 CET." {
			t.Errorf("approve flash %q", got)
		}
		if c := e.content(t, a.ID); c.Status != db.ContentScheduled || c.ApprovedBy != e.user.Email {
			t.Fatalf("approved: %s by %q", c.Status, c.ApprovedBy)
		}

		// Reject, requeue to review, approve from rejected.
		page = act(t, e, b.ID, "reject", review, nil)
		if got := page.TestID(t, "flash"); got != "Rejected “Cold brew”." || e.content(t, b.ID).Status != db.ContentRejected {
			t.Errorf("reject: %q %s", got, e.content(t, b.ID).Status)
		}
		act(t, e, b.ID, "requeue", list, nil)
		if c := e.content(t, b.ID); c.Status != db.ContentReview {
			t.Fatalf("requeue: %s", c.Status)
		}
		page = act(t, e, b.ID, "approve", list, nil)
		if got := page.TestID(t, "flash"); got != "Approved “Cold brew”: scheduled for 2026-03-02 14:00 CET." {
			t.Errorf("second approval %q", got)
		}

		// An action the status does not allow is a message, not an error page.
		page = act(t, e, b.ID, "retry", list, nil)
		if got := page.TestID(t, "flash"); got != "Cannot retry “Cold brew”: it is scheduled now." {
			t.Errorf("bad transition flash %q", got)
		}
		if page.Status != http.StatusOK {
			t.Errorf("bad transition page %d", page.Status)
		}

		// Unscheduling takes the article out of the queue, back to review,
		// so the filler does not put it straight back.
		page = act(t, e, a.ID, "unschedule", list+"?status=scheduled", nil)
		if c := e.content(t, a.ID); c.Status != db.ContentReview || c.ScheduledAt != nil || c.ApprovedAt != nil {
			t.Fatalf("unschedule: %s %v %v", c.Status, c.ScheduledAt, c.ApprovedAt)
		}
		if got := page.TestID(t, "flash"); !strings.HasPrefix(got, "Unscheduled “Pour over”") {
			t.Errorf("unschedule flash %q", got)
		}
		// With auto-publish off, an approved article waits, with why.
		e.saveSettings(t, func(p *db.PublishingSettings) { p.AutoPublishEnabled = false })
		act(t, e, a.ID, "approve", list, nil)
		if c := e.content(t, a.ID); c.Status != db.ContentApproved || !strings.HasPrefix(c.UnscheduledReason, "Auto-publish is off") {
			t.Fatalf("approve with auto-publish off: %s %q", c.Status, c.UnscheduledReason)
		}
		page = e.c.Get(t, list+"?status=approved")
		if got := page.TestID(t, "content-reason"); !strings.HasPrefix(got, "Auto-publish is off") || !page.Has("schedule-date") || !page.Has("schedule-time") {
			t.Errorf("approved row: reason %q, schedule fields %v %v", got, page.Has("schedule-date"), page.Has("schedule-time"))
		}

		// Schedule at a chosen time in the site's time zone.
		page = act(t, e, a.ID, "schedule", list, url.Values{"at": {"2026-03-04T10:30"}})
		if got := page.TestID(t, "flash"); got != "Scheduled “Pour over” for 2026-03-04 10:30 CET." {
			t.Errorf("schedule flash %q", got)
		}
		if c := e.content(t, a.ID); c.Status != db.ContentScheduled || !c.ScheduledAt.Equal(time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)) {
			t.Fatalf("scheduled: %s %v", c.Status, c.ScheduledAt)
		}
		// The page's two fields (a date and a 24-hour time) schedule too.
		a2 := newArticle(db.ContentApproved, "Two fields")
		page = act(t, e, a2.ID, "schedule", list, url.Values{"date": {"2026-03-06"}, "time": {"16:45"}})
		if c := e.content(t, a2.ID); c.Status != db.ContentScheduled || !c.ScheduledAt.Equal(time.Date(2026, 3, 6, 15, 45, 0, 0, time.UTC)) {
			t.Errorf("scheduled from date and time: %s %v (flash %q)", c.Status, c.ScheduledAt, page.TestID(t, "flash"))
		}
		// The same time for another article: a clear conflict.
		c3 := newArticle(db.ContentApproved, "Espresso")
		page = act(t, e, c3.ID, "schedule", list, url.Values{"at": {"2026-03-04T10:30"}})
		if got := page.TestID(t, "flash"); got != "Another article is already scheduled at 2026-03-04 10:30 CET: choose another time." {
			t.Errorf("conflict flash %q", got)
		}
		if c := e.content(t, c3.ID); c.Status != db.ContentApproved {
			t.Fatalf("conflict changed the article: %s", c.Status)
		}
		for in, want := range map[string]string{
			"":                 "Choose the date and time to publish “Espresso”.",
			"tomorrow":         `"tomorrow" is not a date and time like 2026-03-05T14:30.`,
			"2026-03-01T12:59": "2026-03-01 12:59 CET has already passed: choose a time in the future.",
		} {
			page = act(t, e, c3.ID, "schedule", list, url.Values{"at": {in}})
			if got := page.TestID(t, "flash"); got != want {
				t.Errorf("schedule %q: flash %q, want %q", in, got, want)
			}
		}

		// Publish now: due at once, published by the publisher's next tick.
		pub := publishing.NewPublisher(d, clock, e.app.Deps.Log, e.app.Deps.Targets.For, publishing.PublisherConfig{})
		page = act(t, e, c3.ID, "publish-now", list, nil)
		if got := page.TestID(t, "flash"); got != "Publishing now “Espresso”: the publisher takes it within a minute." {
			t.Errorf("publish now flash %q", got)
		}
		if n, err := pub.Tick(ctx); err != nil || n != 1 {
			t.Fatalf("publisher tick: %d %v", n, err)
		}
		c := e.content(t, c3.ID)
		wantURL := fmt.Sprintf("http://autopress.test/p/%d/%s/", e.site.ID, c.Slug)
		if c.Status != db.ContentPublished || c.RemoteURL != wantURL {
			t.Fatalf("published: %s %q, want %q", c.Status, c.RemoteURL, wantURL)
		}
		page = e.c.Get(t, list+"?status=published")
		if got := page.TestID(t, "content-remote"); got != wantURL || page.Has("action-approve") {
			t.Errorf("published row: remote %q", got)
		}
		// The local page is served by the app under /p/.
		res := e.c.Get(t, strings.TrimPrefix(wantURL, "http://autopress.test"))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "<title>Espresso</title>") {
			t.Fatalf("published page: %d\n%.300s", res.Status, res.Body)
		}

		// Retry an article whose publishing failed: back in the queue, due now.
		clock.Advance(time.Second)
		failed := newArticle(db.ContentFailed, "Latte")
		if _, err := dbtest.Exec(context.Background(), d, d.Rebind(`UPDATE content SET publish_attempts = 5 WHERE id = ?`), failed.ID); err != nil {
			t.Fatal(err)
		}
		page = e.c.Get(t, fmt.Sprintf("/sites/%d/publishing", e.site.ID))
		if !page.Has("failed-item") || !page.Has("action-retry") {
			t.Fatal("the publishing page does not list the failed article with a retry button")
		}
		act(t, e, failed.ID, "retry", fmt.Sprintf("/sites/%d/publishing", e.site.ID), nil)
		if c := e.content(t, failed.ID); c.Status != db.ContentScheduled || !c.ScheduledAt.Equal(db.T(clock.Now())) || c.PublishAttempts != 0 {
			t.Fatalf("retry: %s %v attempts %d", c.Status, c.ScheduledAt, c.PublishAttempts)
		}

		// An unknown action does not exist; a foreign "back" is not followed.
		if res := e.c.PostForm(t, fmt.Sprintf("/content/%d/delete", a.ID), nil); res.Status != http.StatusNotFound {
			t.Errorf("unknown action: %d", res.Status)
		}
		res = e.c.PostForm(t, fmt.Sprintf("/content/%d/reject", a.ID), url.Values{"back": {"//evil.example/x"}})
		if res.Status != http.StatusSeeOther || res.Location() != list {
			t.Errorf("foreign back: %d %q", res.Status, res.Location())
		}
	})
}

func TestContentListAndPreview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		list := fmt.Sprintf("/sites/%d/content", e.site.ID)
		if page := e.c.Get(t, list); !page.Has("content-empty") || page.TestID(t, "count-all") != "0" {
			t.Fatalf("empty content page:\n%s", page.Body)
		}
		for i := range 30 {
			e.app.Clock.Advance(time.Second)
			dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentReview, Title: fmt.Sprintf("Review %02d", i), Now: e.app.Clock.Now()})
		}
		now := e.app.Clock.Now()
		slot := now.Add(90 * time.Minute)
		sched := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentScheduled, Title: `<script>alert(1)</script> & co`,
			HTML: `<h2 id="x">Heading</h2><p>Body <em>text</em></p>`, ApprovedAt: &now, ScheduledAt: &slot, Now: now})
		failed := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentFailed, LastError: "failed after 5 attempt(s): HTTP 500", Now: now})

		page := e.c.Get(t, list)
		for status, n := range map[string]string{"all": "32", "review": "30", "scheduled": "1", "failed": "1", "published": "0"} {
			if got := page.TestID(t, "count-"+status); got != n {
				t.Errorf("count %s = %s, want %s", status, got, n)
			}
		}
		if got := page.TestID(t, "page-info"); got != "Page 1 of 2" || len(page.TestIDs("content-row")) != 25 {
			t.Errorf("paging: %q, %d rows", got, len(page.TestIDs("content-row")))
		}
		if strings.Contains(page.Body, "<script>alert(1)</script>") {
			t.Fatal("a title was not escaped")
		}
		part := e.c.GetHTMX(t, list+"?status=review&page=2")
		if part.Status != http.StatusOK || strings.Contains(part.Body, "<html") || len(part.TestIDs("content-row")) != 5 {
			t.Errorf("htmx page 2: %d, %d rows", part.Status, len(part.TestIDs("content-row")))
		}
		if res := e.c.Get(t, list+"?status=bogus"); res.Status != http.StatusBadRequest {
			t.Errorf("status=bogus: %d", res.Status)
		}

		// Times in the site's time zone; the slot as the schedule field's value.
		page = e.c.Get(t, list+"?status=scheduled")
		if got := page.TestID(t, "content-slot"); got != "2026-03-01 14:30 CET" {
			t.Errorf("slot %q", got)
		}
		date, _ := page.Attr("schedule-date", "value")
		clock, _ := page.Attr("schedule-time", "value")
		if date != "2026-03-01" || clock != "14:30" {
			t.Errorf("schedule fields %q %q", date, clock)
		}
		if v, _ := page.Attr("schedule-date", "min"); v != "2026-03-01" {
			t.Errorf("schedule date min %q", v)
		}
		page = e.c.Get(t, list+"?status=failed")
		if got := page.TestID(t, "content-error"); got != "failed after 5 attempt(s): HTTP 500" || !page.Has("action-retry") {
			t.Errorf("failed row: %q", got)
		}

		// The preview renders the stored (sanitized) body as HTML, the rest as text.
		prev := e.c.Get(t, fmt.Sprintf("/content/%d", sched.ID))
		if prev.Status != http.StatusOK || !strings.Contains(prev.Body, `<h2 id="x">Heading</h2><p>Body <em>text</em></p>`) {
			t.Fatalf("preview body: %d\n%s", prev.Status, prev.Body)
		}
		if strings.Contains(prev.Body, "<script>alert(1)</script>") || prev.TestID(t, "article-title") != "<script>alert(1)</script> & co" {
			t.Error("the preview does not escape the title")
		}
		if prev.TestID(t, "article-status") != "scheduled" || prev.TestID(t, "article-slot") != "2026-03-01 14:30 CET" || !prev.Has("action-unschedule") {
			t.Error("the preview lacks the status, slot or actions")
		}
		if v, _ := prev.Attr("action-unschedule", "type"); v != "submit" {
			t.Error("unschedule is not a button")
		}
		prev = e.c.Get(t, fmt.Sprintf("/content/%d", failed.ID))
		if prev.TestID(t, "article-error") != "failed after 5 attempt(s): HTTP 500" {
			t.Error("the preview does not show the last error")
		}
	})
}

func TestContentImagesAndPublishedPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPublishingEnv(t, d)
		bob := e.app.NewUser(t, "bob@example.com", handlertest.Password, false)
		bobC := e.app.Client(t)
		bobC.Login(t, bob.Email, handlertest.Password)
		now := e.app.Clock.Now()
		a := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentReview, Title: "Moka pot", Now: now})
		other := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentReview, Now: now})
		svg := dbtest.InsertImage(t, d, a, "cover.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>`))
		png := dbtest.InsertImage(t, d, a, "detail.png", "image/png", []byte("\x89PNG\r\n\x1a\nrest"))
		otherImg := dbtest.InsertImage(t, d, other, "o.png", "image/png", []byte("\x89PNG\r\n\x1a\nother"))

		prev := e.c.Get(t, fmt.Sprintf("/content/%d", a.ID))
		if got := len(prev.TestIDs("article-image")); got != 2 {
			t.Fatalf("preview shows %d images, want 2", got)
		}
		if src, _ := prev.Attr("article-image", "src"); src != fmt.Sprintf("/content/%d/images/%d", a.ID, svg.ID) {
			t.Errorf("first image src %q", src)
		}

		res := e.c.Get(t, fmt.Sprintf("/content/%d/images/%d", a.ID, svg.ID))
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") ||
			!strings.Contains(res.Body, "<circle") {
			t.Errorf("svg: %d %q %q", res.Status, res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"))
		}
		res = e.c.Get(t, fmt.Sprintf("/content/%d/images/%d", a.ID, png.ID))
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("png: %d %q", res.Status, res.Header.Get("Content-Type"))
		}
		// Another article's image through this article, and another account: 404.
		if res := e.c.Get(t, fmt.Sprintf("/content/%d/images/%d", a.ID, otherImg.ID)); res.Status != http.StatusNotFound {
			t.Errorf("another article's image: %d", res.Status)
		}
		for _, p := range []string{fmt.Sprintf("/content/%d/images/%d", a.ID, svg.ID), fmt.Sprintf("/content/%d", a.ID)} {
			if res := bobC.Get(t, p); res.Status != http.StatusNotFound {
				t.Errorf("bob %s: %d", p, res.Status)
			}
		}
		if res := bobC.PostForm(t, fmt.Sprintf("/content/%d/approve", a.ID), nil); res.Status != http.StatusNotFound || e.content(t, a.ID).Status != db.ContentReview {
			t.Errorf("bob approving: %d", res.Status)
		}

		// Published through the local target, with its images, under /p/.
		e.saveSettings(t, func(p *db.PublishingSettings) { p.SchedulingMode = "immediate" })
		act(t, e, a.ID, "approve", fmt.Sprintf("/content/%d", a.ID), nil)
		pub := publishing.NewPublisher(d, e.app.Clock, e.app.Deps.Log, e.app.Deps.Targets.For, publishing.PublisherConfig{})
		if n, err := pub.Tick(ctx); err != nil || n != 1 {
			t.Fatalf("publish: %d %v", n, err)
		}
		c := e.content(t, a.ID)
		path := strings.TrimPrefix(c.RemoteURL, "http://autopress.test")
		anon := e.app.Client(t)
		res = anon.Get(t, path)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Moka pot") || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("published page %s: %d, cookies %q", path, res.Status, res.Header.Get("Set-Cookie"))
		}
		if res := anon.Get(t, path+"cover.svg"); res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg+xml") {
			t.Errorf("published image: %d %q", res.Status, res.Header.Get("Content-Type"))
		}
		for _, p := range []string{fmt.Sprintf("/p/%d/", e.site.ID), "/p/", "/p/../go.mod", fmt.Sprintf("/p/%d/nothing/", e.site.ID)} {
			if res := anon.Get(t, p); res.Status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", p, res.Status)
			}
		}
		// The preview shows where it went, and that it is done.
		prev = e.c.Get(t, fmt.Sprintf("/content/%d", a.ID))
		if prev.TestID(t, "article-remote") != c.RemoteURL || prev.Has("action-approve") || prev.Has("late") {
			t.Error("the preview of a published article")
		}
	})
}
