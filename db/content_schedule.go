package db

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors of ScheduleContentAt.
var (
	// ErrSlotTaken means another article of the site is already scheduled
	// (or publishing) at that instant: the unique (site, slot) index said so.
	// It wraps ErrConflict.
	ErrSlotTaken = fmt.Errorf("%w: another article of the site is scheduled at that time", ErrConflict)
	// ErrSlotInPast means the chosen time is not after now.
	ErrSlotInPast = errors.New("db: the slot is not in the future")
)

// ScheduleContentAt puts an approved or scheduled article of the account in
// the slot at, chosen by a person: approved|scheduled → scheduled by
// compare-and-set, with a fresh publishing attempt count. The queue limit
// does not apply (it bounds the automatic filler, not people).
//
// Errors: ErrSlotInPast when at is not after now, ErrSlotTaken when another
// article of the site holds that slot, ErrNotFound for another account's
// article, and a *TransitionError (ErrBadTransition) from any other status.
func (d *DB) ScheduleContentAt(ctx context.Context, accountID, contentID int64, at, now time.Time) error {
	at, now = T(at), T(now)
	if !at.After(now) {
		return ErrSlotInPast
	}
	res, err := d.ExecContext(ctx, d.q(`UPDATE content SET status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL,
		publish_attempts = 0, unscheduled_reason = '', last_error = '', updated_at = ?
		WHERE id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status IN ('approved','scheduled')`),
		at, now, contentID, accountID)
	if err != nil {
		if isUnique(err) {
			return ErrSlotTaken
		}
		return fmt.Errorf("db: schedule content: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	c, err := d.GetContent(ctx, accountID, contentID)
	if err != nil {
		return err
	}
	return &TransitionError{Status: c.Status, Want: "schedule"}
}
