package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// seedEveryTable gives a site items in every table and status: keywords
// and articles from the large seed, and clusters, ideas, tasks, image
// prompts and images of its own.
func seedEveryTable(t *testing.T, d *db.DB, siteID int64) {
	t.Helper()
	ctx := context.Background()
	if err := dbtest.SeedLarge(ctx, d, siteID, dbtest.LargeSite{Keywords: 300, Content: 120, HTMLBytes: 100}, wpNow); err != nil {
		t.Fatal(err)
	}
	for i, q := range []string{
		`INSERT INTO clusters (site_id, name, status, created_at, updated_at) SELECT site_id, 'c' || id, CASE id % 3 WHEN 0 THEN 'new' WHEN 1 THEN 'ideas_generated' ELSE 'failed' END, created_at, created_at FROM keywords WHERE site_id = ? AND id % 10 = 0`,
		`INSERT INTO ideas (site_id, title, status, created_at, updated_at) SELECT site_id, 'i' || id, CASE id % 2 WHEN 0 THEN 'new' ELSE 'queued' END, created_at, created_at FROM keywords WHERE site_id = ? AND id % 5 = 0`,
		`INSERT INTO tasks (site_id, idea_id, title, status, created_at, updated_at) SELECT site_id, id, title, CASE id % 4 WHEN 0 THEN 'queued' WHEN 1 THEN 'done' WHEN 2 THEN 'failed' ELSE 'skipped' END, created_at, created_at FROM ideas WHERE site_id = ? AND status = 'queued'`,
		`INSERT INTO image_prompts (site_id, content_id, prompt, status, created_at, updated_at) SELECT site_id, id, title, CASE id % 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'done' ELSE 'failed' END, created_at, created_at FROM content WHERE site_id = ?`,
		`INSERT INTO images (site_id, content_id, image_prompt_id, path, mime, created_at) SELECT site_id, content_id, id, 'p' || id, 'image/png', created_at FROM image_prompts WHERE site_id = ? AND status = 'done'`,
	} {
		if _, err := dbtest.Exec(ctx, d, q, siteID); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
	}
}

// The counters follow every way items move — inserts of many rows in one
// statement, updates of one row and of many, the columns the stage table
// reads besides the status, deletes, a whole site deleted — and a fold
// keeps the sums while it shrinks the rows to one per bucket.
func TestItemCountsFollowEveryChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := newSite(t, d), newSiteNamed(t, d, "b@example.com")
		seedEveryTable(t, d, a.ID)
		seedEveryTable(t, d, b.ID)
		check := func(step string) {
			t.Helper()
			for _, s := range []int64{a.ID, b.ID} {
				if err := dbtest.ItemCountsMatch(ctx, d, s); err != nil {
					t.Fatalf("%s: %v", step, err)
				}
			}
			bySite, err := d.KeywordCountsBySite(ctx, a.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			if want := dbtest.Count(t, d, `SELECT COUNT(*) FROM keywords WHERE site_id = ?`, a.ID); bySite[a.ID] != want {
				t.Fatalf("%s: the sites list counts %d keywords, rows %d", step, bySite[a.ID], want)
			}
		}
		check("seeded")
		for _, m := range []struct{ step, q string }{
			{"one keyword clustered", `UPDATE keywords SET status = 'clustered' WHERE id = (SELECT MIN(id) FROM keywords WHERE site_id = ? AND status = 'new')`},
			{"many keywords failed", `UPDATE keywords SET status = 'failed' WHERE site_id = ? AND id % 7 = 0`},
			{"an update that moves nothing", `UPDATE keywords SET attempts = attempts + 1 WHERE site_id = ?`},
			{"prompts taken", `UPDATE content SET prompts_extracted_at = created_at WHERE site_id = ? AND prompts_extracted_at IS NULL AND id % 2 = 0`},
			{"approved", `UPDATE content SET status = 'approved', approved_at = created_at WHERE site_id = ? AND status = 'review'`},
			{"un-approved", `UPDATE content SET approved_at = NULL WHERE site_id = ? AND id % 3 = 0`},
			{"tasks deleted", `DELETE FROM tasks WHERE site_id = ? AND status = 'skipped'`},
			{"articles deleted (prompts and images cascade)", `DELETE FROM content WHERE site_id = ? AND id % 4 = 0`},
			{"images deleted", `DELETE FROM images WHERE site_id = ? AND id % 2 = 0`},
		} {
			if _, err := dbtest.Exec(ctx, d, m.q, a.ID); err != nil {
				t.Fatalf("%s: %v", m.step, err)
			}
			check(m.step)
		}
		if _, err := dbtest.Exec(ctx, d, `DELETE FROM sites WHERE id = ?`, b.ID); err != nil {
			t.Fatal(err)
		}
		check("site b deleted")
		removed, err := d.FoldItemCounts(ctx)
		if err != nil || removed == 0 {
			t.Fatalf("fold: %d removed, %v", removed, err)
		}
		check("folded")
		var left []struct {
			SiteID int64 `db:"site_id"`
			N      int   `db:"n"`
		}
		if err := d.SelectContext(ctx, &left, `SELECT site_id, COUNT(*) AS n FROM item_counts GROUP BY site_id`); err != nil {
			t.Fatal(err)
		}
		// Site a has at most one row per bucket: far fewer than its
		// items; site b none.
		if len(left) != 1 || left[0].SiteID != a.ID || left[0].N > 40 {
			t.Fatalf("rows after the fold: %+v", left)
		}
		if again, err := d.FoldItemCounts(ctx); err != nil || again != 0 {
			t.Fatalf("a second fold removed %d (%v), want 0: nothing new to fold", again, err)
		}
	})
}

// Writers moving items in many goroutines while two folders fold: no
// delta is lost or counted twice, on either database.
func TestItemCountsUnderConcurrentWritesAndFolds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSite(t, d)
		seedEveryTable(t, d, s.ID)
		var ids []int64
		if err := d.SelectContext(ctx, &ids, d.Rebind(`SELECT id FROM keywords WHERE site_id = ? ORDER BY id`), s.ID); err != nil {
			t.Fatal(err)
		}
		const writers, moves = 8, 40
		statuses := []string{db.KeywordNew, db.KeywordClustered, db.KeywordUnclustered, db.KeywordFailed}
		var wg sync.WaitGroup
		errs := make(chan error, writers+2)
		stop := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 1))
				for range moves {
					id := ids[r.IntN(len(ids))]
					q := `UPDATE keywords SET status = ? WHERE id = ?`
					args := []any{statuses[r.IntN(len(statuses))], id}
					if r.IntN(4) == 0 { // a statement moving many rows
						q, args = `UPDATE keywords SET status = ? WHERE site_id = ? AND id % 13 = ?`, []any{statuses[r.IntN(len(statuses))], s.ID, r.IntN(13)}
					}
					if _, err := dbtest.Exec(ctx, d, q, args...); err != nil {
						errs <- fmt.Errorf("writer %d: %w", w, err)
						return
					}
				}
			}()
		}
		var folders sync.WaitGroup
		for range 2 {
			folders.Add(1)
			go func() {
				defer folders.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := d.FoldItemCounts(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(stop)
		folders.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		dbtest.CheckItemCounts(t, d, s.ID)
		if _, err := d.FoldItemCounts(ctx); err != nil {
			t.Fatal(err)
		}
		dbtest.CheckItemCounts(t, d, s.ID)
	})
}
