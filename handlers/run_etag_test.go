package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// The run page's polled partial names its copy (ETag) and answers a poll
// that already holds it with 304 and nothing else; a change to the run (a
// log line, a counter) gives a new copy with a new name.
func TestRunProgressRevalidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		importDemo(t, app, site)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		runID := runIDOf(t, c.PostForm(t, fmt.Sprintf("/sites/%d/runs", site.ID), nil))
		path := fmt.Sprintf("/runs/%d/progress", runID)
		poll := func(etag string) *handlertest.Response {
			t.Helper()
			req := c.NewRequest(t, http.MethodGet, path, nil)
			req.Header.Set("HX-Request", "true")
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			return c.Do(t, req)
		}

		first := poll("")
		etag := first.Header.Get("ETag")
		if first.Status != http.StatusOK || etag == "" || !first.Has("run-progress") {
			t.Fatalf("first poll: %d, ETag %q\n%.300s", first.Status, etag, first.Body)
		}
		if cc := first.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("Cache-Control %q, want no-cache (the browser revalidates each poll)", cc)
		}
		same := poll(etag)
		if same.Status != http.StatusNotModified || same.Body != "" {
			t.Fatalf("unchanged run: %d with %d bytes, want 304 and nothing", same.Status, len(same.Body))
		}
		if got := same.Header.Get("ETag"); got != etag {
			t.Errorf("304 names %q, want %q", got, etag)
		}
		if res := poll(`"other", ` + strings.TrimPrefix(etag, "W/")); res.Status != http.StatusNotModified {
			t.Errorf("a list holding the tag (strong form): %d, want 304", res.Status)
		}
		if res := poll(`W/"stale"`); res.Status != http.StatusOK || res.Header.Get("ETag") != etag {
			t.Errorf("a stale copy: %d %q, want 200 with %q", res.Status, res.Header.Get("ETag"), etag)
		}

		// A log line changes the copy.
		if err := d.AddEvent(ctx, db.Event{RunID: runID, At: app.Clock.Now(), Level: "warn", Message: "a new line of the log"}); err != nil {
			t.Fatal(err)
		}
		after := poll(etag)
		next := after.Header.Get("ETag")
		if after.Status != http.StatusOK || next == "" || next == etag || !strings.Contains(after.Body, "a new line of the log") {
			t.Fatalf("after a log line: %d, ETag %q (was %q)", after.Status, next, etag)
		}
		if res := poll(next); res.Status != http.StatusNotModified {
			t.Errorf("the new copy again: %d, want 304", res.Status)
		}

		// So does a counter.
		if _, err := dbtest.Exec(ctx, d, `UPDATE automation_runs SET credits_used = credits_used + 7 WHERE id = ?`, runID); err != nil {
			t.Fatal(err)
		}
		counted := poll(next)
		if counted.Status != http.StatusOK || counted.Header.Get("ETag") == next || counted.TestID(t, "run-credits") != "7" {
			t.Errorf("after a counter: %d, ETag %q (was %q), credits %q", counted.Status, counted.Header.Get("ETag"), next, counted.TestID(t, "run-credits"))
		}

		// The whole page is not a poll: no tag, no 304.
		if page := c.Get(t, fmt.Sprintf("/runs/%d", runID)); page.Status != http.StatusOK || page.Header.Get("ETag") != "" {
			t.Errorf("the run page: %d, ETag %q", page.Status, page.Header.Get("ETag"))
		}
	})
}
