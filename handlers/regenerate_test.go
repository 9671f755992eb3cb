package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestRegenerateFromTheArticlePage asks for a regeneration with the
// article page's form, follows it in the panel the page polls (which
// reloads the page once it is done), cancels another, and finds the form
// gone from a published article.
func TestRegenerateFromTheArticlePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		art := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Cold brew", Excerpt: "Steep it.",
			HTML: "<p>Steep it overnight.</p>\n<h2>Ratio</h2>\n<p>One to eight.</p>", SEOTitle: "Cold brew"})
		img := dbtest.InsertImage(t, d, art, "cover.svg", "image/svg+xml", []byte("<svg/>"))
		path := fmt.Sprintf("/content/%d", art.ID)

		page := e.c.Get(t, path)
		if !page.Has("regen-form") || page.Has("regen-list") {
			t.Fatal("a new article's page has no regeneration form, or lists regenerations")
		}
		options := page.TestIDs("regen-what")
		if len(options) != 1 || !strings.Contains(options[0], "The article: title, body, excerpt and SEO fields — 20 credits") ||
			!strings.Contains(options[0], "The featured image — 8 credits") {
			t.Errorf("choices %q", options)
		}
		form := url.Values{"version": {page.FormValue(t, "version")}, "key": {page.FormValue(t, "key")}, "what": {"article"}, "note": {"shorter"}}
		res := post(t, e.c, path+"/regenerate", form, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); !strings.HasPrefix(flash, "Regenerating the article") {
			t.Errorf("flash %q", flash)
		}
		// The same form sent twice asks once.
		res = post(t, e.c, path+"/regenerate", form, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); !strings.HasPrefix(flash, "You already asked for this regeneration") {
			t.Errorf("flash of a repeated form %q", flash)
		}
		if n := dbtest.Count(t, d, `SELECT COUNT(*) FROM regeneration_jobs WHERE content_id = ?`, art.ID); n != 1 {
			t.Fatalf("%d regenerations, want 1", n)
		}
		var jobID int64
		if err := d.GetContext(t.Context(), &jobID, d.Rebind(`SELECT id FROM regeneration_jobs WHERE content_id = ?`), art.ID); err != nil {
			t.Fatal(err)
		}

		// While it waits: listed, cancellable, polled, no second form.
		page = e.c.Get(t, path)
		if page.Has("regen-form") || !page.Has("regen-busy") || !page.Has("regen-cancel") {
			t.Error("a waiting regeneration: form shown or cancel missing")
		}
		poll, ok := page.Attr("regenerate-panel", "hx-get")
		if !ok || poll != fmt.Sprintf("/content/%d/regenerations?active=%d", art.ID, jobID) {
			t.Fatalf("the panel polls %q", poll)
		}
		if st := page.TestID(t, "regen-status"); st != "waiting" {
			t.Errorf("status %q", st)
		}
		partial := e.c.GetHTMX(t, poll)
		if partial.Status != http.StatusOK || strings.Contains(partial.Body, "<html") || partial.Header.Get("HX-Refresh") != "" {
			t.Errorf("partial while waiting: %d, refresh %q", partial.Status, partial.Header.Get("HX-Refresh"))
		}

		e.app.ExecuteRegeneration(t, jobID)
		partial = e.c.GetHTMX(t, poll)
		if partial.Header.Get("HX-Refresh") != "true" {
			t.Error("the poll that sees the regeneration done does not reload the page")
		}
		if _, polling := partial.Attr("regenerate-panel", "hx-get"); polling {
			t.Error("the panel still polls after the regeneration")
		}
		page = e.c.Get(t, path)
		if st := page.TestID(t, "regen-status"); st != "done" || page.TestID(t, "regen-revision") != "Revision 2" || !page.Has("regen-form") {
			t.Errorf("after: status %q, %q, form %v", st, page.TestID(t, "regen-revision"), page.Has("regen-form"))
		}
		if body := page.TestID(t, "article-body"); strings.Contains(body, "Steep it overnight") {
			t.Errorf("the page still shows the old text: %q", body)
		}
		revs := e.c.Get(t, path+"/revisions")
		if got := revs.TestIDs("revision-actor"); len(got) != 2 || got[0] != "regeneration" || got[1] != "automation" {
			t.Errorf("revision authors %q", got)
		}
		if note := revs.TestID(t, "revision-note"); note != "(asked: “shorter”)" {
			t.Errorf("the revision's note %q", note)
		}

		// An image, asked for and cancelled before it is drawn.
		page = e.c.Get(t, path)
		post(t, e.c, path+"/regenerate", url.Values{"version": {page.FormValue(t, "version")}, "key": {page.FormValue(t, "key")},
			"what": {fmt.Sprintf("image-%d", img.ID)}}, http.StatusSeeOther)
		var imgJob int64
		if err := d.GetContext(t.Context(), &imgJob, d.Rebind(`SELECT MAX(id) FROM regeneration_jobs WHERE content_id = ?`), art.ID); err != nil {
			t.Fatal(err)
		}
		res = post(t, e.c, fmt.Sprintf("%s/regenerations/%d/cancel", path, imgJob), url.Values{}, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); !strings.HasPrefix(flash, "Cancelled the regeneration of the featured image") {
			t.Errorf("cancel flash %q", flash)
		}
		if j, _ := d.RegenerationByID(t.Context(), imgJob); j.Status != db.RegenCancelled || j.CancelledBy != e.user.Email {
			t.Errorf("cancelled job %+v", j)
		}
		res = post(t, e.c, fmt.Sprintf("%s/regenerations/%d/cancel", path, imgJob), url.Values{}, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); !strings.Contains(flash, "is cancelled: there is nothing to cancel") {
			t.Errorf("second cancel flash %q", flash)
		}

		// A stale page asks nothing; a published article offers nothing.
		res = post(t, e.c, path+"/regenerate", url.Values{"version": {"0"}, "key": {"stale"}, "what": {"seo"}}, http.StatusSeeOther)
		if flash := e.c.Follow(t, res).TestID(t, "flash"); !strings.Contains(flash, "changed since you opened it") {
			t.Errorf("stale flash %q", flash)
		}
		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentPublished})
		if page := e.c.Get(t, fmt.Sprintf("/content/%d", pub.ID)); page.Has("regen-form") || !page.Has("regen-closed") {
			t.Error("a published article offers a regeneration")
		}
		// One article regenerated (20 credits); the image cancelled before
		// its hold.
		if sum, balance := dbtest.LedgerSum(t, d, e.user.AccountID), dbtest.Count(t, d, `SELECT credits FROM accounts WHERE id = ?`, e.user.AccountID); sum != int64(balance) || balance != db.SignupGrant-20 {
			t.Errorf("ledger %d, balance %d, want %d", sum, balance, db.SignupGrant-20)
		}
	})
}

// TestRegenerationAPI: POST …/regenerate answers 202 with the job (200 for
// a repeated Idempotency-Key), GET follows it, cancel ends it; refusals
// name their field.
func TestRegenerationAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		token := e.app.NewToken(t, e.user)
		art := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Title: "Espresso", Excerpt: "A shot.", HTML: "<p>A shot of espresso.</p>"})
		other := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID})
		otherImg := dbtest.InsertImage(t, d, other, "x.svg", "image/svg+xml", []byte("<svg/>"))
		path := fmt.Sprintf("/api/v1/content/%d/regenerate", art.ID)
		type job struct {
			ID        int64  `json:"id"`
			ContentID int64  `json:"content_id"`
			Kind      string `json:"kind"`
			Note      string `json:"note"`
			Status    string `json:"status"`
			Cost      int64  `json:"cost"`
			Error     string `json:"error"`
			Revision  *int   `json:"revision"`
		}
		for _, tc := range []struct {
			name  string
			body  any
			want  int
			field string
		}{
			{"no kind", map[string]any{}, http.StatusUnprocessableEntity, "kind"},
			{"unknown kind", map[string]any{"kind": "video"}, http.StatusUnprocessableEntity, "kind"},
			{"image without its id", map[string]any{"kind": "image"}, http.StatusUnprocessableEntity, "image_id"},
			{"another article's image", map[string]any{"kind": "image", "image_id": otherImg.ID}, http.StatusUnprocessableEntity, "image_id"},
			{"long note", map[string]any{"kind": "article", "note": strings.Repeat("n", 301)}, http.StatusUnprocessableEntity, "note"},
			{"old version", map[string]any{"kind": "article", "version": art.Version + 3}, http.StatusConflict, "version"},
			{"unknown field", map[string]any{"kind": "article", "colour": "red"}, http.StatusBadRequest, "colour"},
		} {
			res := e.app.API(t, token, http.MethodPost, path, tc.body)
			var apiErr struct{ Error, Field string }
			res.JSON(t, &apiErr)
			if res.Status != tc.want || apiErr.Field != tc.field {
				t.Errorf("%s: %d %+v, want %d naming %s", tc.name, res.Status, apiErr, tc.want, tc.field)
			}
		}
		key := http.Header{"Idempotency-Key": {"req-1"}}
		body := map[string]any{"kind": "article", "note": "longer", "version": art.Version}
		res := e.app.APIWithHeader(t, token, http.MethodPost, path, key, body)
		var got job
		res.JSON(t, &got)
		if res.Status != http.StatusAccepted || got.Status != db.RegenQueued || got.Kind != "article" || got.Note != "longer" || got.Cost != 40 ||
			res.Header.Get("Location") != fmt.Sprintf("/api/v1/regenerations/%d", got.ID) {
			t.Fatalf("POST: %d %+v (Location %q)", res.Status, got, res.Header.Get("Location"))
		}
		var again job
		res = e.app.APIWithHeader(t, token, http.MethodPost, path, key, body)
		res.JSON(t, &again)
		if res.Status != http.StatusOK || again.ID != got.ID {
			t.Errorf("repeated POST: %d %+v", res.Status, again)
		}
		res = e.app.APIWithHeader(t, token, http.MethodPost, path, key, map[string]any{"kind": "seo"})
		var apiErr struct{ Error, Field string }
		res.JSON(t, &apiErr)
		if res.Status != http.StatusConflict || apiErr.Field != "idempotency_key" {
			t.Errorf("another body under the key: %d %+v", res.Status, apiErr)
		}
		if res := e.app.API(t, token, http.MethodPost, path, map[string]any{"kind": "seo"}); res.Status != http.StatusConflict ||
			!strings.Contains(res.Body, "already being regenerated") {
			t.Errorf("a second regeneration while one waits: %d %s", res.Status, res.Body)
		}

		e.app.ExecuteRegeneration(t, got.ID)
		var done job
		e.app.API(t, token, http.MethodGet, fmt.Sprintf("/api/v1/regenerations/%d", got.ID), nil).JSON(t, &done)
		if done.Status != db.RegenDone || done.Revision == nil || *done.Revision != 2 {
			t.Errorf("GET after the work: %+v", done)
		}
		if c, _ := d.ContentByID(t.Context(), art.ID); c.WordCount < 1200 || c.EditedBy != "regeneration" {
			t.Errorf("the longer article has %d words, edited by %q", c.WordCount, c.EditedBy)
		}

		// Cancel: 200 with the job; again, 409.
		var seo job
		e.app.API(t, token, http.MethodPost, path, map[string]any{"kind": "seo"}).JSON(t, &seo)
		cancel := fmt.Sprintf("/api/v1/regenerations/%d/cancel", seo.ID)
		var cancelled job
		res = e.app.API(t, token, http.MethodPost, cancel, map[string]any{})
		res.JSON(t, &cancelled)
		if res.Status != http.StatusOK || cancelled.Status != db.RegenCancelled {
			t.Errorf("cancel: %d %+v", res.Status, cancelled)
		}
		if res := e.app.API(t, token, http.MethodPost, cancel, map[string]any{}); res.Status != http.StatusConflict {
			t.Errorf("cancel twice: %d %s", res.Status, res.Body)
		}
		if sum, acc := dbtest.LedgerSum(t, d, e.user.AccountID), dbtest.Count(t, d, `SELECT credits FROM accounts WHERE id = ?`, e.user.AccountID); sum != int64(acc) {
			t.Errorf("ledger %d, balance %d", sum, acc)
		}
	})
}
