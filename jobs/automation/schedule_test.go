package automation

import (
	"strings"
	"testing"
	"time"

	_ "time/tzdata"

	"autopress/db"
	"autopress/db/dbtest"
)

func TestNextOccurrence(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name  string
		cfg   db.AutomationConfig
		loc   *time.Location
		after string
		want  string
	}{
		{"daily later today", db.AutomationConfig{Frequency: Daily, ScheduledTime: "06:00"}, berlin, "2026-03-02T04:00:00Z", "2026-03-02T05:00:00Z"},
		{"daily strictly after", db.AutomationConfig{Frequency: Daily, ScheduledTime: "06:00"}, berlin, "2026-03-02T05:00:00Z", "2026-03-03T05:00:00Z"},
		{"berlin spring forward gap moves forward", db.AutomationConfig{Frequency: Daily, ScheduledTime: "02:30"}, berlin, "2026-03-28T12:00:00Z", "2026-03-29T01:30:00Z"},
		{"berlin after the change", db.AutomationConfig{Frequency: Daily, ScheduledTime: "02:30"}, berlin, "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
		{"berlin fall back takes the earlier instant", db.AutomationConfig{Frequency: Daily, ScheduledTime: "02:30"}, berlin, "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"new york spring forward", db.AutomationConfig{Frequency: Daily, ScheduledTime: "02:30"}, ny, "2026-03-07T12:00:00Z", "2026-03-08T07:30:00Z"},
		{"new york fall back", db.AutomationConfig{Frequency: Daily, ScheduledTime: "01:30"}, ny, "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z"},
		{"weekly on friday", db.AutomationConfig{Frequency: Weekly, ScheduledTime: "09:00", Weekday: 5}, berlin, "2026-03-02T00:00:00Z", "2026-03-06T08:00:00Z"},
		{"monthly on the 31st in april", db.AutomationConfig{Frequency: Monthly, ScheduledTime: "09:00", DayOfMonth: 31}, berlin, "2026-04-01T00:00:00Z", "2026-04-30T07:00:00Z"},
		{"monthly next month", db.AutomationConfig{Frequency: Monthly, ScheduledTime: "09:00", DayOfMonth: 1}, berlin, "2026-04-01T08:00:00Z", "2026-05-01T07:00:00Z"},
	}
	for _, c := range cases {
		got, err := NextOccurrence(c.cfg, c.loc, utc(c.after))
		if err != nil || !got.Equal(utc(c.want)) {
			t.Errorf("%s: got %v (%v), want %s", c.name, got, err, c.want)
		}
	}
}

func (e *env) schedule(freq, at string) time.Time {
	e.t.Helper()
	var next time.Time
	e.config(func(c *db.AutomationConfig) {
		c.Enabled, c.Frequency, c.ScheduledTime = true, freq, at
		n, err := NextOccurrence(*c, e.site.Location(), e.clock.Now())
		if err != nil {
			e.t.Fatal(err)
		}
		c.NextRunAt, next = &n, n
	})
	return next
}

func TestScheduledRunStartsOnTimeAcrossDST(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.clock.Advance(time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
		due := e.schedule(Daily, "02:30")
		if want := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC); !due.Equal(want) {
			t.Fatalf("next_run_at %v, want %v (02:30 falls in the gap: 03:30 CEST)", due, want)
		}
		// Ticks before the due minute start nothing.
		e.clock.Advance(due.Sub(e.clock.Now()) - time.Second)
		if err := e.svc.TickSchedules(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`, e.site.ID); n != 0 {
			t.Fatal("a run started before its time")
		}
		e.clock.Advance(30 * time.Second) // the next minute tick
		if err := e.svc.TickSchedules(e.ctx); err != nil {
			t.Fatal(err)
		}
		r, err := d.ActiveRun(e.ctx, e.site.ID)
		if err != nil {
			t.Fatal("no scheduled run:", err)
		}
		if r.TriggerType != "scheduled" || r.CreatedAt.Before(due) || r.CreatedAt.Sub(due) >= time.Minute {
			t.Fatalf("run %s created %v for %v", r.TriggerType, r.CreatedAt, due)
		}
		cfg, _ := d.GetAutomationConfig(e.ctx, e.site.ID)
		if want := time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC); cfg.NextRunAt == nil || !cfg.NextRunAt.Equal(want) || cfg.LastScheduledOutcome != OutcomeStarted {
			t.Fatalf("after start: next %v outcome %q, want %v started", cfg.NextRunAt, cfg.LastScheduledOutcome, want)
		}
		// A repeated tick (another instance) does nothing more.
		if err := e.svc.TickSchedules(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`, e.site.ID); n != 1 {
			t.Fatalf("%d runs", n)
		}
	})
}

func TestScheduledRunSkippedWhilePaused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		due := e.schedule(Daily, "10:00")
		manual := e.start()
		if _, err := e.svc.Pause(e.ctx, e.user.AccountID, manual.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(due.Sub(e.clock.Now()) + 10*time.Second)
		if err := e.svc.TickSchedules(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.count(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`, e.site.ID); n != 1 {
			t.Fatalf("%d runs: the schedule must skip a site with a paused run", n)
		}
		cfg, _ := d.GetAutomationConfig(e.ctx, e.site.ID)
		if cfg.LastScheduledOutcome != OutcomeSkipped || !strings.Contains(cfg.LastScheduledDetail, "paused") || !cfg.NextRunAt.After(due) {
			t.Fatalf("outcome %q %q next %v", cfg.LastScheduledOutcome, cfg.LastScheduledDetail, cfg.NextRunAt)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Scheduled run%skipped%'`, manual.ID); n != 1 {
			t.Fatal("the skip is not in the paused run's log")
		}
	})
}

func TestMissedScheduleCatchUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		due := e.schedule(Daily, "10:00")
		// The server was down for 3 hours past the due time: run once, late.
		e.clock.Advance(due.Sub(e.clock.Now()) + 3*time.Hour)
		if err := e.svc.TickSchedules(e.ctx); err != nil {
			t.Fatal(err)
		}
		r, err := d.ActiveRun(e.ctx, e.site.ID)
		if err != nil || r.ScheduledFor == nil || !r.ScheduledFor.Equal(due) {
			t.Fatalf("catch-up run: %+v %v", r, err)
		}
		cfg, _ := d.GetAutomationConfig(e.ctx, e.site.ID)
		if !strings.Contains(cfg.LastScheduledDetail, "catch-up") {
			t.Fatalf("detail %q", cfg.LastScheduledDetail)
		}
		e.execute(e.svc, r.ID)
		// Down for 30 hours: yesterday's and today's occurrences are older
		// than the catch-up window → recorded as missed, no run.
		e.clock.Advance(30 * time.Hour)
		if err := e.svc.TickSchedules(e.ctx); err != nil {
			t.Fatal(err)
		}
		cfg, _ = d.GetAutomationConfig(e.ctx, e.site.ID)
		if cfg.LastScheduledOutcome != OutcomeMissed || !cfg.NextRunAt.After(e.clock.Now()) {
			t.Fatalf("outcome %q next %v", cfg.LastScheduledOutcome, cfg.NextRunAt)
		}
		if n := e.count(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`, e.site.ID); n != 1 {
			t.Fatalf("%d runs, want only the catch-up run", n)
		}
	})
}
