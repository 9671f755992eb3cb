package db_test

import (
	"context"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// A run's log mark is its newest line's id: 0 before any, then each line
// appended moves it, and another run's lines do not.
func TestRunNewestEventID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u, s := seedSite(t, d, "a@example.com")
		runs := make([]db.Run, 2)
		for i, status := range []string{db.RunCompleted, db.RunRunning} {
			r, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: status, CreatedAt: t0})
			if err != nil {
				t.Fatal(err)
			}
			runs[i] = r
		}
		mark := func(r db.Run) int64 {
			t.Helper()
			id, err := d.NewestEventID(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		before := mark(runs[0])
		if before != 0 {
			t.Fatalf("a run without a log: mark %d, want 0", before)
		}
		for i := range 3 {
			for _, r := range runs {
				if err := d.AddEvent(ctx, db.Event{RunID: r.ID, At: t0, Level: []string{"info", "warn", "error"}[i], Message: "a line"}); err != nil {
					t.Fatal(err)
				}
			}
			events, err := d.ListEvents(ctx, runs[0].ID, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			got := mark(runs[0])
			if got == before || got != events[len(events)-1].ID {
				t.Errorf("after %d lines: mark %d (was %d), want the newest line's id %d", i+1, got, before, events[len(events)-1].ID)
			}
			before = got
		}
		if other := mark(runs[1]); other == before {
			t.Errorf("the other run's mark %d is this run's", other)
		}
	})
}
