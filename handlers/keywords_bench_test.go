package handlers_test

import (
	"fmt"
	"net/http"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// BenchmarkLargeSitePages times whole pages (handler, queries, rendering,
// over HTTP) of a site with 100,000 keywords and 20,000 articles: the
// keywords page (first page, 1,000 pages in, a tab, a search), the
// dashboard, the publishing page and the run page's progress partial of a
// run with 20,000 lines in its log (rendered, and answered 304 to a poll
// that holds the current copy) — the in-process side of the bench
// driver's pages scenario, for a profile
// (go test -run '^$' -bench LargeSitePages -cpuprofile cpu.out ./handlers/).
func BenchmarkLargeSitePages(b *testing.B) {
	for _, dialect := range dbtest.Dialects(b) {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.New(b, dialect)
			app := handlertest.New(b, d)
			ann := app.NewUser(b, "ann@example.com", handlertest.Password, false)
			site := app.NewSite(b, ann, "Large")
			dbtest.SeedLargeSite(b, d, site.ID, dbtest.LargeSite{Keywords: 100_000, Content: 20_000}, handlertest.Start)
			c := app.Client(b)
			c.Login(b, ann.Email, handlertest.Password)
			kw := fmt.Sprintf("/sites/%d/keywords", site.ID)
			var deep int64
			if err := d.GetContext(b.Context(), &deep, d.Rebind(`SELECT id FROM keywords WHERE site_id = ? ORDER BY created_at, id LIMIT 1 OFFSET 50000`), site.ID); err != nil {
				b.Fatal(err)
			}
			kws, err := d.KeywordsByIDs(b.Context(), []int64{deep})
			if err != nil || len(kws) != 1 {
				b.Fatal(err)
			}
			runID := runIDOf(b, c.PostForm(b, fmt.Sprintf("/sites/%d/runs", site.ID), nil))
			// A long run's log: a line per item.
			if _, err := dbtest.Exec(b.Context(), d, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
				INSERT INTO run_events (run_id, at, stage, level, message, actor)
				SELECT ?, ?, 1, CASE WHEN i % 50 = 0 THEN 'warn' ELSE 'info' END, 'item ' || i || ' done', 'system' FROM n`, runID, db.T(app.Clock.Now())); err != nil {
				b.Fatal(err)
			}
			for _, p := range []struct {
				name, path string
				htmx       bool
			}{
				{"keywords", kw, false},
				{"keywords-deep", fmt.Sprintf("%s?after=%d.%d", kw, kws[0].CreatedAt.UnixMicro(), deep), false},
				{"keywords-tab", kw + "?status=unclustered", false},
				{"keywords-search", kw + "?q=espresso+milk", false},
				{"dashboard", fmt.Sprintf("/sites/%d", site.ID), false},
				{"publishing", fmt.Sprintf("/sites/%d/publishing", site.ID), false},
				{"articles", fmt.Sprintf("/sites/%d/content", site.ID), false},
				{"articles-published", fmt.Sprintf("/sites/%d/content?status=published", site.ID), false},
				{"run-partial", fmt.Sprintf("/runs/%d/progress", runID), true},
			} {
				b.Run(p.name, func(b *testing.B) {
					for b.Loop() {
						req := c.NewRequest(b, http.MethodGet, p.path, nil)
						if p.htmx {
							req.Header.Set("HX-Request", "true")
						}
						if res := c.Do(b, req); res.Status != http.StatusOK {
							b.Fatalf("%s: %d", p.path, res.Status)
						}
					}
				})
			}
			// The poll of an unchanged run: the browser holds the last copy
			// and asks with its tag.
			b.Run("run-partial-304", func(b *testing.B) {
				path := fmt.Sprintf("/runs/%d/progress", runID)
				poll := func(etag string) *handlertest.Response {
					req := c.NewRequest(b, http.MethodGet, path, nil)
					req.Header.Set("HX-Request", "true")
					if etag != "" {
						req.Header.Set("If-None-Match", etag)
					}
					return c.Do(b, req)
				}
				etag := poll("").Header.Get("ETag")
				for b.Loop() {
					if res := poll(etag); res.Status != http.StatusNotModified {
						b.Fatalf("%s with %s: %d", path, etag, res.Status)
					}
				}
			})
		})
	}
}
