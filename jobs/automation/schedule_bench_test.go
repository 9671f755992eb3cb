package automation

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
)

// BenchmarkTickSchedules times one schedule tick (TickSchedules, every
// minute) with 10,000 sites whose schedules are on: none due, and 1,000 due
// (each tick starts their 1,000 runs; between ticks they are made due again
// and their runs ended, outside the timer).
func BenchmarkTickSchedules(b *testing.B) {
	const sites, due = 10_000, 1_000
	for _, dialect := range dbtest.Dialects(b) {
		b.Run(string(dialect), func(b *testing.B) {
			d := dbtest.New(b, dialect)
			ctx := context.Background()
			clock := clockwork.NewFakeClockAt(t0)
			svc := New(d, ai.NewLocal(0), clock, quiet, Config{})
			u, err := d.CreateAccountWithUser(ctx, "Bench", "bench@example.com", "x", false, t0)
			if err != nil {
				b.Fatal(err)
			}
			ids := dbtest.SeedScheduledSites(b, d, u.AccountID, sites, t0.Add(time.Hour))
			b.Run("none_due", func(b *testing.B) {
				for b.Loop() {
					if err := svc.TickSchedules(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("1000_due", func(b *testing.B) {
				dueIDs := ids[:due]
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					dbtest.ScheduleAt(b, d, dueIDs, t0.Add(-time.Minute))
					b.StartTimer()
					if err := svc.TickSchedules(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				var started int
				if err := d.GetContext(ctx, &started, d.Rebind(`SELECT COUNT(*) FROM automation_runs WHERE status = 'running'`)); err != nil || started != due {
					b.Fatalf("%d runs running after the tick, want %d (%v)", started, due, err)
				}
			})
		})
	}
}

// TestTickStartsSeededSites keeps the benchmark's seed honest: sites made
// by dbtest.SeedScheduledSites are complete enough for a tick to start
// their runs.
func TestTickStartsSeededSites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := New(d, ai.NewLocal(0), clockwork.NewFakeClockAt(t0), quiet, Config{})
		u, err := d.CreateAccountWithUser(ctx, "Bench", "bench@example.com", "x", false, t0)
		if err != nil {
			t.Fatal(err)
		}
		dbtest.SeedScheduledSites(t, d, u.AccountID, 3, t0.Add(-time.Minute))
		if err := svc.TickSchedules(ctx); err != nil {
			t.Fatal(err)
		}
		var started int
		if err := d.GetContext(ctx, &started, d.Rebind(`SELECT COUNT(*) FROM automation_runs WHERE status = 'running'`)); err != nil || started != 3 {
			t.Fatalf("%d runs started by the tick, want 3 (%v)", started, err)
		}
	})
}
