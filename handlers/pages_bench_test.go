package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// BenchmarkBigSitePages requests the pages of a site with 100,000 keywords
// and 20,000 articles (SQLite) and a run with 20,000 lines in its log, one
// request at a time: the in-process side of the
// bench driver's pages scenario, for a profile
// (go test -run '^$' -bench BigSitePages -cpuprofile cpu.out ./handlers/).
func BenchmarkBigSitePages(b *testing.B) {
	d := dbtest.New(b, db.SQLite)
	app := handlertest.New(b, d)
	ann := app.NewUser(b, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(b, ann, "Coffee")
	if err := dbtest.SeedSiteContent(context.Background(), d, site.ID, 100_000, 20_000, app.Clock.Now()); err != nil {
		b.Fatal(err)
	}
	c := app.Client(b)
	c.Login(b, ann.Email, handlertest.Password)
	runID := runIDOf(b, c.PostForm(b, fmt.Sprintf("/sites/%d/runs", site.ID), nil))
	// A long run's log: a line per item.
	if _, err := dbtest.Exec(context.Background(), d, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
		INSERT INTO run_events (run_id, at, stage, level, message, actor)
		SELECT ?, ?, 1, CASE WHEN i % 50 = 0 THEN 'warn' ELSE 'info' END, 'item ' || i || ' done', 'system' FROM n`, runID, db.T(app.Clock.Now())); err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct {
		name, path string
		htmx       bool
	}{
		{"publishing", fmt.Sprintf("/sites/%d/publishing", site.ID), false},
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
}
