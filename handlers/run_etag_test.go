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
// log line, a counter, a stage's result, its status) or to the part of the
// log asked for gives a new copy with a new name. The name is derived from
// the run's state before drawing, so each change below is one the name
// must see: the log line changes nothing but the log.
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
		pollURL := func(url, etag string) *handlertest.Response {
			t.Helper()
			req := c.NewRequest(t, http.MethodGet, url, nil)
			req.Header.Set("HX-Request", "true")
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			return c.Do(t, req)
		}
		poll := func(etag string) *handlertest.Response { t.Helper(); return pollURL(path, etag) }
		// changed wants a new copy of url for a poll holding etag, under a
		// new name that the next poll holding it revalidates.
		changed := func(what, url, etag string) *handlertest.Response {
			t.Helper()
			res := pollURL(url, etag)
			next := res.Header.Get("ETag")
			if res.Status != http.StatusOK || next == "" || next == etag || !res.Has("run-progress") {
				t.Fatalf("after %s: %d, ETag %q (was %q)", what, res.Status, next, etag)
			}
			if again := pollURL(url, next); again.Status != http.StatusNotModified || again.Body != "" {
				t.Fatalf("after %s, the new copy again: %d with %d bytes, want 304", what, again.Status, len(again.Body))
			}
			return res
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
		etag = counted.Header.Get("ETag")

		// An item of a stage processed: the stage's result alone (no line).
		processed := counted.TestID(t, "result-1-processed")
		if _, err := dbtest.Exec(ctx, d, `UPDATE run_stage_results SET processed = processed + 1 WHERE run_id = ? AND stage = 1`, runID); err != nil {
			t.Fatal(err)
		}
		res := changed("an item processed", path, etag)
		if got := res.TestID(t, "result-1-processed"); got == processed {
			t.Errorf("stage 1 processed %q, still %q", got, processed)
		}
		etag = res.Header.Get("ETag")

		// Pause, then resume: the status and the buttons.
		for _, step := range []struct{ verb, status, button string }{{"pause", "Paused", "resume-run"}, {"resume", "Running", "pause-run"}} {
			if res := c.PostForm(t, fmt.Sprintf("/runs/%d/%s", runID, step.verb), nil); res.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d", step.verb, res.Status)
			}
			res := changed(step.verb, path, etag)
			if res.TestID(t, "run-status") != step.status || !res.Has(step.button) {
				t.Errorf("after %s: status %q, %s button %v", step.verb, res.TestID(t, "run-status"), step.button, res.Has(step.button))
			}
			etag = res.Header.Get("ETag")
		}

		// Another part of the log is another copy, though the run is the
		// same; and each filter's copy sees a line it does not show (its
		// count of everything).
		problems := changed("the log filter", path+"?log=problems", etag).Header.Get("ETag")
		newest := changed("the log order", path+"?log=problems&order=newest", problems).Header.Get("ETag")
		if res := pollURL(path, etag); res.Status != http.StatusNotModified {
			t.Errorf("the whole log again: %d, want 304", res.Status)
		}
		if err := d.AddEvent(ctx, db.Event{RunID: runID, At: app.Clock.Now(), Message: "an info line"}); err != nil {
			t.Fatal(err)
		}
		for url, tag := range map[string]string{path: etag, path + "?log=problems": problems, path + "?log=problems&order=newest": newest} {
			changed("an info line, at "+url, url, tag)
		}

		// The whole page is not a poll: no tag, no 304.
		if page := c.Get(t, fmt.Sprintf("/runs/%d", runID)); page.Status != http.StatusOK || page.Header.Get("ETag") != "" {
			t.Errorf("the run page: %d, ETag %q", page.Status, page.Header.Get("ETag"))
		}
	})
}
