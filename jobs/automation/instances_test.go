package automation

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestTwoInstancesShareRuns starts runs on several sites and lets two
// instances (each with its own connection pool on PostgreSQL) poll for them
// at the same time: every run is executed by exactly one executor, and every
// item is processed once.
func TestTwoInstancesShareRuns(t *testing.T) {
	for _, dialect := range dbtest.Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) {
			d, url := dbtest.NewWithURL(t, dialect, true)
			e := newEnv(t, d)
			d2 := d
			if dialect == db.Postgres {
				var err error
				if d2, err = db.Open(e.ctx, url, t.TempDir()); err != nil {
					t.Fatal(err)
				}
				defer d2.Close()
			}
			a := e.svc
			b := New(d2, e.ai, e.clock, quiet, Config{})
			var runs []int64
			sites := []db.Site{e.site}
			for i := 0; i < 4; i++ {
				s, err := d.CreateSite(e.ctx, db.Site{AccountID: e.user.AccountID, Name: fmt.Sprintf("Site %d", i), URL: "https://x.example.com", Timezone: "UTC"}, t0)
				if err != nil {
					t.Fatal(err)
				}
				var kws []db.NewKeyword
				for _, k := range db.DemoKeywords[i*10 : i*10+10] {
					kws = append(kws, db.NewKeyword{Text: k, Norm: k})
				}
				if _, err := d.ImportKeywords(e.ctx, s.ID, kws, t0); err != nil {
					t.Fatal(err)
				}
				sites = append(sites, s)
			}
			for _, s := range sites {
				r, err := a.Start(e.ctx, s, "tester")
				if err != nil {
					t.Fatal(err)
				}
				runs = append(runs, r.ID)
			}
			ctx, cancel := context.WithTimeout(e.ctx, 60*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for _, s := range []*Service{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						s.Poll(ctx)
						if e.count(`SELECT COUNT(*) FROM automation_runs WHERE status = 'running'`) == 0 {
							return
						}
						time.Sleep(5 * time.Millisecond)
					}
				}()
			}
			wg.Wait()
			a.wg.Wait()
			b.wg.Wait()
			for _, id := range runs {
				if got := e.run(id); got.Status != db.RunCompleted || got.Takeovers != 0 {
					t.Errorf("run %d: %s, %d takeovers", id, got.Status, got.Takeovers)
				}
				if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Executor % claimed the run'`, id); n != 1 {
					t.Errorf("run %d claimed %d times", id, n)
				}
			}
			if n := e.count(`SELECT COUNT(*) FROM tasks t WHERE (SELECT COUNT(*) FROM content c WHERE c.task_id = t.id) <> 1`); n != 0 {
				t.Fatalf("%d tasks without exactly one article", n)
			}
			if calls, tasks := e.ai.count("article"), e.count(`SELECT COUNT(*) FROM tasks`); calls != int64(tasks) {
				t.Fatalf("%d article calls for %d tasks: an item was processed twice", calls, tasks)
			}
			e.assertLedger()
		})
	}
}
