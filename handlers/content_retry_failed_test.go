package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// failedArticles inserts n articles that failed at publishing.
func failedArticles(t *testing.T, e *publishingEnv, n int) []int64 {
	t.Helper()
	now := e.app.Clock.Now()
	var ids []int64
	for i := range n {
		slot := now.Add(-time.Duration(i+1) * time.Hour)
		c := dbtest.InsertContent(t, e.d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentFailed, ApprovedAt: &slot, ScheduledAt: &slot,
			LastError: "failed after 1 attempt(s): WordPress did not accept …", Now: now})
		dbtest.Exec(t.Context(), e.d, `UPDATE content SET publish_attempts = 1 WHERE id = ?`, c.ID)
		ids = append(ids, c.ID)
	}
	return ids
}

func TestRetryAllFailedPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		ids := failedArticles(t, e, 3)
		failedTab := fmt.Sprintf("/sites/%d/content?status=failed", e.site.ID)

		// Both the failed tab and the publishing page offer it.
		if page := e.c.Get(t, e.path); page.TestID(t, "retry-all-failed") != "Retry all 3 failed" {
			t.Errorf("publishing page: %q", page.TestID(t, "retry-all-failed"))
		}
		page := e.c.Get(t, failedTab)
		if got := page.TestID(t, "retry-all-failed"); got != "Retry all 3 failed" {
			t.Fatalf("failed tab: %q", got)
		}
		res := e.c.PostForm(t, fmt.Sprintf("/sites/%d/content/retry-failed", e.site.ID), url.Values{"back": {failedTab}})
		if res.Status != http.StatusSeeOther || res.Location() != failedTab {
			t.Fatalf("retry all: %d → %s", res.Status, res.Location())
		}
		page = e.c.Follow(t, res)
		if got := page.TestID(t, "flash"); !strings.HasPrefix(got, "Retrying 3 failed articles:") {
			t.Errorf("flash %q", got)
		}
		for _, id := range ids {
			if c := e.content(t, id); c.Status != db.ContentScheduled || c.PublishAttempts != 0 {
				t.Errorf("article %d: %s, %d attempts", id, c.Status, c.PublishAttempts)
			}
		}
		if page.Has("retry-all-failed") {
			t.Error("the button stays with nothing failed")
		}

		// Another account's site: 404, nothing moves.
		other := e.app.NewUser(t, "bob@example.com", handlertest.Password, false)
		bobSite := e.app.NewSite(t, other, "Tea")
		res = e.c.PostForm(t, fmt.Sprintf("/sites/%d/content/retry-failed", bobSite.ID), url.Values{})
		if res.Status != http.StatusNotFound {
			t.Errorf("another account's site: %d", res.Status)
		}
	})
}

func TestAPIRetryAllFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		ids := failedArticles(t, e, 2)
		token := e.app.NewToken(t, e.user)
		path := fmt.Sprintf("/api/v1/sites/%d/content/retry-failed", e.site.ID)
		var got struct {
			Retried int `json:"retried"`
		}
		res := e.app.API(t, token, http.MethodPost, path, nil)
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.Retried != 2 {
			t.Fatalf("%d %s", res.Status, res.Body)
		}
		if c := e.content(t, ids[1]); c.Status != db.ContentScheduled {
			t.Errorf("article %d: %s", ids[1], c.Status)
		}
		if res = e.app.API(t, token, http.MethodPost, path, nil); !strings.Contains(res.Body, `"retried":0`) {
			t.Errorf("again: %s", res.Body)
		}
		bob := e.app.NewUser(t, "bob@example.com", handlertest.Password, false)
		if res = e.app.API(t, e.app.NewToken(t, bob), http.MethodPost, path, nil); res.Status != http.StatusNotFound {
			t.Errorf("another account's token: %d", res.Status)
		}
	})
}

func TestPublishingStateOnTheArticle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		e.saveSettings(t, func(p *db.PublishingSettings) {
			p.TargetKind, p.WPURL, p.WPUsername = "wordpress", "http://wp.example", "ed"
		})
		now := e.app.Clock.Now()
		c := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentScheduled, ApprovedAt: &now, ScheduledAt: &now, Now: now})
		set := func(unknown bool, expires time.Time) string {
			t.Helper()
			dbtest.Exec(t.Context(), d, `UPDATE content SET status = 'publishing', claim_owner = 'x', claimed_at = ?, claim_expires_at = ?, publish_attempts = 2, outcome_unknown = ? WHERE id = ?`,
				db.T(now), db.T(expires), unknown, c.ID)
			page := e.c.Get(t, fmt.Sprintf("/content/%d", c.ID))
			list := e.c.Get(t, fmt.Sprintf("/sites/%d/content?status=publishing", e.site.ID))
			if got := list.TestID(t, "content-publishing"); got != page.TestID(t, "article-publishing") {
				t.Errorf("list says %q, the article page %q", got, page.TestID(t, "article-publishing"))
			}
			return page.TestID(t, "article-publishing")
		}
		// The test clock reads 2026-03-01 12:00 UTC: 13:00 in Berlin.
		if got := set(false, now.Add(2*time.Minute)); got != "Publishing since 2026-03-01 13:00 CET, attempt 2." {
			t.Errorf("publishing: %q", got)
		}
		if got := set(true, now.Add(2*time.Minute)); got != "An earlier attempt was interrupted: checking whether WordPress already has it (attempt 2, since 2026-03-01 13:00 CET)." {
			t.Errorf("checking: %q", got)
		}
		if got := set(false, now.Add(-time.Second)); got != "Interrupted during attempt 2 (the server stopped or lost its claim); the next try starts by checking whether WordPress already has it." {
			t.Errorf("interrupted: %q", got)
		}
	})
}
