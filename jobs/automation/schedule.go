package automation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"autopress/db"
	"autopress/jobs/publishing"
)

// Schedule frequencies.
const (
	Daily   = "daily"
	Weekly  = "weekly"
	Monthly = "monthly"
)

// DefaultCatchUpWindow is how old a missed schedule may be and still run
// once on start (docs/automation.md).
const DefaultCatchUpWindow = 6 * time.Hour

// NextOccurrence returns the first scheduled instant strictly after `after`,
// at cfg's wall-clock time in loc (DST: a time in a gap moves forward by the
// gap, a repeated time takes its earlier instant). Monthly schedules on a day
// the month lacks (31 in April) run on the month's last day.
func NextOccurrence(cfg db.AutomationConfig, loc *time.Location, after time.Time) (time.Time, error) {
	minute, err := publishing.ParseClock(cfg.ScheduledTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("automation: scheduled time: %w", err)
	}
	local := after.In(loc)
	y, m, d := local.Date()
	// Walk day by day from the day before (an instant in a gap can land on
	// the previous wall-clock day); at most ~62 days for monthly schedules.
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for i := 0; i < 400; i++ {
		dy, dm, dd := day.Date()
		if matches(cfg, dy, dm, dd) {
			at := publishing.WallClock(loc, dy, dm, dd, minute)
			if at.After(after) {
				return at, nil
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, fmt.Errorf("automation: no occurrence of the %s schedule found", cfg.Frequency)
}

func matches(cfg db.AutomationConfig, y int, m time.Month, d int) bool {
	switch cfg.Frequency {
	case Weekly:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday() == time.Weekday(cfg.Weekday)
	case Monthly:
		last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
		want := cfg.DayOfMonth
		if want > last {
			want = last
		}
		return d == want
	default:
		return true
	}
}

// Schedule outcomes recorded on the config (shown on the dashboard).
const (
	OutcomeStarted = "started"
	OutcomeSkipped = "skipped"
	OutcomeMissed  = "missed"
)

// TickSchedules starts the runs whose schedule is due. It runs every minute
// (a gocron job, locked across instances); each due occurrence is handled
// once by compare-and-set on next_run_at, so a second instance or a repeated
// tick does nothing. A site with an active run is skipped and the reason
// recorded; an occurrence older than the catch-up window (the server was
// down) is recorded as missed; a younger one runs once, late.
func (s *Service) TickSchedules(ctx context.Context) error {
	now := s.clock.Now()
	due, err := s.db.DueSchedules(ctx, now)
	if err != nil {
		return fmt.Errorf("automation: due schedules: %w", err)
	}
	var errs []error
	for _, cfg := range due {
		if err := s.handleDue(ctx, cfg, now); err != nil {
			errs = append(errs, fmt.Errorf("site %d: %w", cfg.SiteID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) handleDue(ctx context.Context, cfg db.AutomationConfig, now time.Time) error {
	site, err := s.db.SiteByID(ctx, cfg.SiteID)
	if err != nil {
		return err
	}
	loc := site.Location()
	dueAt := *cfg.NextRunAt
	next, err := NextOccurrence(cfg, loc, now)
	if err != nil {
		return err
	}
	out := db.ScheduleOutcome{SiteID: cfg.SiteID, Due: dueAt, Next: &next, At: now}
	when := dueAt.In(loc).Format("Mon 2006-01-02 15:04 MST")
	if late := now.Sub(dueAt); late > s.cfg.CatchUpWindow {
		out.Outcome = OutcomeMissed
		out.Detail = fmt.Sprintf("The run due %s was missed: the server was down for longer than the %s catch-up window.", when, s.cfg.CatchUpWindow)
		_, err := s.db.AdvanceSchedule(ctx, out)
		s.log.Warn("scheduled run missed", "site_id", cfg.SiteID, "due", dueAt)
		return err
	}
	in, err := s.loadInputs(ctx, site)
	if err != nil {
		return err
	}
	run := s.prepareRun(in, db.Run{TriggerType: "scheduled", ScheduledFor: &dueAt, CreatedBy: "schedule"})
	out.Outcome = OutcomeStarted
	out.Detail = fmt.Sprintf("Started run #%%d for %s.", when)
	if now.Sub(dueAt) > 2*time.Minute {
		out.Detail = fmt.Sprintf("Started run #%%d late for %s (catch-up after downtime).", when)
	}
	run, won, err := s.db.StartScheduledRun(ctx, run, out)
	var active *db.ActiveRunError
	switch {
	case errors.As(err, &active):
		out.Outcome = OutcomeSkipped
		out.Detail = fmt.Sprintf("Skipped the run due %s: run #%d is %s.", when, active.RunID, active.Status)
		_, err = s.db.AdvanceSchedule(ctx, out)
		if err == nil {
			e := db.Event{RunID: active.RunID, At: now, Level: "warn", Message: "Scheduled run due " + when + " skipped: this run is still " + active.Status}
			db.BestEffort(ctx, s.log, "run event", func(ctx context.Context) error { return s.db.AddEvent(ctx, e) })
		}
		s.log.Info("scheduled run skipped", "site_id", cfg.SiteID, "active_run", active.RunID)
		return err
	case err != nil:
		return err
	case won:
		s.m.started("scheduled")
		s.log.Info("scheduled run started", "site_id", cfg.SiteID, "run_id", run.ID)
		s.Wake()
	}
	return nil
}
