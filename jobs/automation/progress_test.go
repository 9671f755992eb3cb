package automation

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestProgressProperty drives random runs (limits, toggles, concurrency, a
// pause at a random call) and samples the progress at every AI call: it
// never decreases, and it is 100 only once the run has completed.
func TestProgressProperty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for seed := uint64(1); seed <= 4; seed++ {
			r := rand.New(rand.NewPCG(seed, 99))
			e := newEnv(t, d)
			e.config(func(c *db.AutomationConfig) {
				c.Concurrency = 1 + r.IntN(4)
				c.MaxKeywordsPerRun = r.IntN(3) * 15
				c.MaxTasksPerRun = r.IntN(3) * 4
				c.MaxImagesPerRun = r.IntN(3) * 5
				c.Stage5Enabled = r.IntN(4) != 0
				c.Stage7Enabled = r.IntN(4) != 0
			})
			run := e.start()
			pauseAt := int64(1 + r.IntN(30))
			var mu sync.Mutex
			var samples []int
			var calls int64
			sample := func() {
				cur, err := d.RunByID(context.Background(), run.ID)
				if err != nil {
					return
				}
				snap, _ := ParseSnapshot(cur)
				rs, err := d.StageResults(context.Background(), run.ID)
				if err != nil {
					return
				}
				p := Stages.Progress(cur, snap, rs)
				if p == 100 && cur.Status != db.RunCompleted {
					t.Errorf("seed %d: 100%% before completion (status %s)", seed, cur.Status)
				}
				samples = append(samples, p)
			}
			e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				sample()
				if calls == pauseAt {
					e.svc.Pause(ctx, e.user.AccountID, run.ID, "tester")
				}
				return nil
			})
			e.execute(e.svc, run.ID)
			mu.Lock()
			sample()
			mu.Unlock()
			if got := e.run(run.ID); got.Status == db.RunPaused {
				e.svc.Resume(e.ctx, e.user.AccountID, run.ID, "tester")
				e.execute(e.svc, run.ID)
			}
			mu.Lock()
			sample()
			for i := 1; i < len(samples); i++ {
				if samples[i] < samples[i-1] {
					t.Fatalf("seed %d: progress went back from %d to %d (samples %v)", seed, samples[i-1], samples[i], samples)
				}
			}
			if last := samples[len(samples)-1]; last != 100 {
				t.Fatalf("seed %d: completed run at %d%%", seed, last)
			}
			mu.Unlock()
		}
	})
}
