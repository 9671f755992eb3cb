package publishing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"

	"autopress/db"
)

// Reasons shown on approved content that is not scheduled.
const (
	ReasonAutoPublishOff = "Auto-publish is off: schedule or publish it by hand, or turn auto-publish on."
	ReasonNoDays         = "No publishing day is selected: choose at least one day in the publishing settings."
	reasonQueueFull      = "Queue full (%d/%d scheduled): it gets a slot when a scheduled item publishes or the limit is raised."
	reasonBadSettings    = "The publishing settings are invalid (%s): fix them to schedule this item."
)

// QueueFullReason is the reason for content waiting behind a full queue.
func QueueFullReason(queued, limit int) string { return fmt.Sprintf(reasonQueueFull, queued, limit) }

// Filler assigns slots to approved content (docs/publishing.md).
type Filler struct {
	db    *db.DB
	clock clockwork.Clock
	log   *slog.Logger
}

// NewFiller builds the queue filler.
func NewFiller(d *db.DB, clock clockwork.Clock, log *slog.Logger) *Filler {
	return &Filler{db: d, clock: clock, log: log.With("component", "queue-filler")}
}

// Tick fills every site's queue once. It is idempotent and safe to run on
// several instances at once (the settings row lock and the unique slot index).
func (f *Filler) Tick(ctx context.Context) error {
	sites, err := f.db.SitesWithApproved(ctx)
	if err != nil {
		return fmt.Errorf("publishing: sites with approved content: %w", err)
	}
	var errs []error
	for _, id := range sites {
		if _, err := f.FillSite(ctx, id); err != nil && !errors.Is(err, db.ErrConflict) {
			errs = append(errs, fmt.Errorf("site %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// FillSite schedules a site's approved content, oldest approval first, up to
// the queue's free capacity, and returns how many it scheduled.
func (f *Filler) FillSite(ctx context.Context, siteID int64) (int, error) {
	site, err := f.db.SiteByID(ctx, siteID)
	if err != nil {
		return 0, err
	}
	loc := site.Location()
	now := f.clock.Now()
	n, err := f.db.FillQueue(ctx, siteID, now, func(p db.QueuePlan) (db.QueueDecision, error) {
		return Decide(p, loc, now)
	})
	if n > 0 {
		f.log.Info("scheduled content", "site_id", siteID, "count", n)
	}
	return n, err
}

// Decide is the filler's pure decision for one site: how many slots, which,
// and the reason for what stays unscheduled.
func Decide(p db.QueuePlan, loc *time.Location, now time.Time) (db.QueueDecision, error) {
	s := p.Settings
	if !s.AutoPublishEnabled {
		return db.QueueDecision{Reason: ReasonAutoPublishOff}, nil
	}
	plan := Plan(s)
	if errs := plan.Validate(); errs != nil {
		if _, ok := errs["publish_days"]; ok {
			return db.QueueDecision{Reason: ReasonNoDays}, nil
		}
		return db.QueueDecision{Reason: fmt.Sprintf(reasonBadSettings, describe(errs))}, nil
	}
	free := s.MaxScheduledQueue - p.Queued
	n := min(max(free, 0), p.Approved)
	slots, err := NextSlots(s, loc, now, p.Taken, n)
	if err != nil {
		return db.QueueDecision{}, err
	}
	queued := p.Queued + len(slots)
	return db.QueueDecision{Slots: slots, Reason: QueueFullReason(queued, s.MaxScheduledQueue)}, nil
}

// NextSlots returns the n slots the filler would hand out next for settings
// p, given the slots already taken: what the settings page previews.
func NextSlots(p db.PublishingSettings, loc *time.Location, now time.Time, taken []time.Time, n int) ([]time.Time, error) {
	plan := Plan(p)
	from := now
	if plan.Mode == ModeImmediate {
		// Immediate: the first slot is the current minute, so an approved
		// item publishes at the next publisher tick rather than a minute on.
		from = now.Add(-time.Minute)
	}
	return PlanSlots(plan, loc, from, taken, n)
}
