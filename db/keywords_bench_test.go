package db_test

import (
	"context"
	"fmt"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// largeSite seeds one site with 100,000 keywords and 20,000 articles.
func largeSite(b *testing.B, dialect db.Dialect) (*db.DB, int64) {
	d := dbtest.New(b, dialect)
	ctx := context.Background()
	u, err := d.CreateAccountWithUser(ctx, "Acme", "large@example.com", "x", false, wpNow)
	if err != nil {
		b.Fatal(err)
	}
	s, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Large", URL: "https://large.example", Timezone: "UTC"}, wpNow)
	if err != nil {
		b.Fatal(err)
	}
	dbtest.SeedLargeSite(b, d, s.ID, dbtest.LargeSite{Keywords: 100_000, Content: 20_000}, wpNow)
	return d, s.ID
}

func BenchmarkLargeSite(b *testing.B) {
	ctx := context.Background()
	for _, dialect := range dbtest.Dialects(b) {
		b.Run(string(dialect), func(b *testing.B) {
			d, site := largeSite(b, dialect)
			run := func(name string, f func() error) {
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						if err := f(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			// The list's place 99,000 keywords in, and 14,000 into the
			// unclustered tab (15,000 keywords).
			var deep, tabDeep db.KeywordKey
			if err := d.GetContext(ctx, &deep.ID, d.Rebind(`SELECT id FROM keywords WHERE site_id = ? ORDER BY created_at, id LIMIT 1 OFFSET 99000`), site); err != nil {
				b.Fatal(err)
			}
			if err := d.GetContext(ctx, &tabDeep.ID, d.Rebind(`SELECT id FROM keywords WHERE site_id = ? AND status = 'unclustered' ORDER BY created_at, id LIMIT 1 OFFSET 14000`), site); err != nil {
				b.Fatal(err)
			}
			for _, k := range []*db.KeywordKey{&deep, &tabDeep} {
				kws, err := d.KeywordsByIDs(ctx, []int64{k.ID})
				if err != nil || len(kws) != 1 {
					b.Fatal(err)
				}
				*k = kws[0].Key()
			}
			page := func(f db.KeywordFilter, after, before *db.KeywordKey) func() error {
				return func() error {
					p, err := d.KeywordsPage(ctx, site, f, after, before, 50)
					if err == nil && len(p.Rows) == 0 {
						err = fmt.Errorf("no rows")
					}
					return err
				}
			}
			count := func(f db.KeywordFilter) func() error {
				return func() error { _, err := d.CountKeywords(ctx, site, f); return err }
			}
			all, tab := db.KeywordFilter{}, db.KeywordFilter{Status: db.KeywordUnclustered}
			run("keywords-first", page(all, nil, nil))
			run("keywords-deep-next", page(all, &deep, nil))
			run("keywords-deep-prev", page(all, nil, &deep))
			run("keywords-tab", page(tab, nil, nil))
			run("keywords-tab-deep", page(tab, &tabDeep, nil))
			// "espresso" starts 5,000 keywords; "espresso milk" 250;
			// "espresso milk 000181" one.
			for _, q := range []string{"espresso", "espresso milk", "espresso milk 000181"} {
				run("search-"+q, page(db.KeywordFilter{Prefix: q}, nil, nil))
				run("search-count-"+q, count(db.KeywordFilter{Prefix: q}))
			}
			run("search-tab-espresso", page(db.KeywordFilter{Status: db.KeywordNew, Prefix: "espresso"}, nil, nil))
			run("search-tab-count-espresso", count(db.KeywordFilter{Status: db.KeywordNew, Prefix: "espresso"}))
			run("search-none", count(db.KeywordFilter{Prefix: "zzz"}))
			run("keyword-status-counts", func() error { _, err := d.KeywordStatusCounts(ctx, site); return err })
			run("pipeline", func() error { _, err := d.Pipeline(ctx, site); return err })
			run("site-pipeline", func() error { _, err := d.SitePipeline(ctx, site); return err })
			run("content-activity", func() error { _, err := d.ContentActivity(ctx, site, wpNow); return err })
		})
	}
}
