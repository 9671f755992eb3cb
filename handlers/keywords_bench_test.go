package handlers_test

import (
	"fmt"
	"net/http"
	"testing"

	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// BenchmarkLargeSitePages times whole pages (handler, queries, rendering,
// over HTTP) of a site with 100,000 keywords and 20,000 articles: the
// keywords page (first page, 1,000 pages in, a tab, a search) and the
// dashboard.
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
			for _, p := range []struct{ name, path string }{
				{"keywords", kw},
				{"keywords-deep", fmt.Sprintf("%s?after=%d.%d", kw, kws[0].CreatedAt.UnixMicro(), deep)},
				{"keywords-tab", kw + "?status=unclustered"},
				{"keywords-search", kw + "?q=espresso+milk"},
				{"dashboard", fmt.Sprintf("/sites/%d", site.ID)},
			} {
				b.Run(p.name, func(b *testing.B) {
					for b.Loop() {
						if res := c.Get(b, p.path); res.Status != http.StatusOK {
							b.Fatalf("%s: %d", p.path, res.Status)
						}
					}
				})
			}
		})
	}
}
