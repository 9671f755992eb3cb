package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// QueuedSlots returns the slots of a site's queue (scheduled and publishing
// content), in time order: the times the slot planner must not hand out.
func (d *DB) QueuedSlots(ctx context.Context, siteID int64) ([]time.Time, error) {
	var out []time.Time
	err := d.SelectContext(ctx, &out, d.q(`SELECT scheduled_at FROM content
		WHERE site_id = ? AND status IN ('scheduled','publishing') AND scheduled_at IS NOT NULL ORDER BY scheduled_at`), siteID)
	if err != nil {
		return nil, fmt.Errorf("db: queued slots: %w", err)
	}
	return out, nil
}

// SitesWithApproved lists the sites that have approved content waiting.
func (d *DB) SitesWithApproved(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := d.SelectContext(ctx, &ids, `SELECT DISTINCT site_id FROM content WHERE status = 'approved' ORDER BY site_id`)
	return ids, err
}

// QueuePlan is what the queue filler decides inside its transaction.
type QueuePlan struct {
	Settings PublishingSettings
	Queued   int         // scheduled + publishing now
	Taken    []time.Time // their slots
	Approved int         // approved content waiting
}

// QueueDecision is the filler's answer: slots for the oldest approved items
// (in order) and the reason shown on the rest.
type QueueDecision struct {
	Slots  []time.Time
	Reason string
}

// FillQueue runs one site's queue filling in a transaction: it locks the
// site's publishing settings (PostgreSQL), reads the queue, asks decide for
// slots, assigns them to the oldest approved content (approved_at, id) by
// compare-and-set, and records the reason on every approved item left over.
// The unique (site, slot) index among queued rows stops a double booking
// even if two fillers raced past the lock.
func (d *DB) FillQueue(ctx context.Context, siteID int64, now time.Time, decide func(QueuePlan) (QueueDecision, error)) (scheduled int, err error) {
	now = T(now)
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		scheduled = 0
		lock := ""
		if d.Dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var plan QueuePlan
		if err := tx.GetContext(ctx, &plan.Settings, d.q(`SELECT * FROM publishing_settings WHERE site_id = ?`+lock), siteID); err != nil {
			return notFound(err)
		}
		if err := tx.SelectContext(ctx, &plan.Taken, d.q(`SELECT scheduled_at FROM content WHERE site_id = ? AND status IN ('scheduled','publishing') AND scheduled_at IS NOT NULL`), siteID); err != nil {
			return fmt.Errorf("db: queue slots: %w", err)
		}
		plan.Queued = len(plan.Taken)
		if err := tx.GetContext(ctx, &plan.Approved, d.q(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved'`), siteID); err != nil {
			return err
		}
		dec, err := decide(plan)
		if err != nil {
			return err
		}
		if len(dec.Slots) > 0 {
			var ids []int64
			if err := tx.SelectContext(ctx, &ids, d.q(`SELECT id FROM content WHERE site_id = ? AND status = 'approved' ORDER BY approved_at, id LIMIT ?`), siteID, len(dec.Slots)); err != nil {
				return err
			}
			for i, id := range ids {
				if err := cas(ctx, tx, d.q(`UPDATE content SET status = 'scheduled', scheduled_at = ?, unscheduled_reason = '', publish_attempts = 0,
					next_attempt_at = NULL, last_error = '', updated_at = ? WHERE id = ? AND status = 'approved'`), T(dec.Slots[i]), now, id); err != nil {
					return err
				}
				scheduled++
			}
		}
		_, err = tx.ExecContext(ctx, d.q(`UPDATE content SET unscheduled_reason = ? WHERE site_id = ? AND status = 'approved' AND unscheduled_reason <> ?`),
			dec.Reason, siteID, dec.Reason)
		return err
	})
	if err != nil && isUnique(err) {
		return 0, fmt.Errorf("%w: slot already booked", ErrConflict)
	}
	return scheduled, err
}

// ClaimDue claims up to limit content items whose slot (or retry time) has
// come, and items whose earlier claim expired (outcome unknown), moving them
// to publishing under owner's claim until claimUntil (renewed by
// RenewClaims while the attempt runs).
func (d *DB) ClaimDue(ctx context.Context, owner string, now, claimUntil time.Time, limit int) ([]Content, error) {
	now = T(now)
	skip := ""
	if d.Dialect == Postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	var out []Content
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		out = nil
		return tx.SelectContext(ctx, &out, d.q(`UPDATE content SET
		outcome_unknown = CASE WHEN status = 'publishing' THEN TRUE ELSE outcome_unknown END,
		status = 'publishing', claim_owner = ?, claim_expires_at = ?, claimed_at = ?, publish_attempts = publish_attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM content WHERE
			(status = 'scheduled' AND scheduled_at <= ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
			OR (status = 'publishing' AND claim_expires_at < ?)
			ORDER BY scheduled_at, id LIMIT ?`+skip+`)
		AND ((status = 'scheduled' AND scheduled_at <= ?) OR (status = 'publishing' AND claim_expires_at < ?))
		RETURNING *`), owner, T(claimUntil), now, now, now, now, now, limit, now, now)
	})
	if err != nil {
		return nil, fmt.Errorf("db: claim due content: %w", err)
	}
	return out, nil
}

// RenewClaims extends owner's claims on ids until until and returns the ids
// it still holds; a missing id's claim was taken over (it had expired).
func (d *DB) RenewClaims(ctx context.Context, owner string, ids []int64, until time.Time) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := sqlx.In(`UPDATE content SET claim_expires_at = ? WHERE status = 'publishing' AND claim_owner = ? AND id IN (?) RETURNING id`, T(until), owner, ids)
	if err != nil {
		return nil, err
	}
	var held []int64
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		held = nil
		return tx.SelectContext(ctx, &held, d.q(q), args...)
	})
	if err != nil {
		return nil, fmt.Errorf("db: renew claims: %w", err)
	}
	return held, nil
}

// ExpireClaims makes every publishing claim expire at now, so the next
// ClaimDue takes the articles back (with their outcome unknown), and
// returns their ids. Only for a server that knows no other holds a claim:
// SQLite's, which holds the data directory's lock file.
func (d *DB) ExpireClaims(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		ids = nil
		return tx.SelectContext(ctx, &ids, d.q(`UPDATE content SET claim_expires_at = ? WHERE status = 'publishing' RETURNING id`), T(now))
	})
	if err != nil {
		return nil, fmt.Errorf("db: expire claims: %w", err)
	}
	return ids, nil
}

// PublishResult is a successful publication.
type PublishResult struct {
	ContentID int64
	Owner     string
	RemoteID  string
	RemoteURL string
	At        time.Time
	Late      bool
}

// MarkPublished records a publication made under owner's claim.
func (d *DB) MarkPublished(ctx context.Context, r PublishResult) error {
	res, err := d.exec(ctx, d.q(`UPDATE content SET status = 'published', published_at = ?, remote_id = ?, remote_url = ?, late = ?,
		claim_owner = '', claim_expires_at = NULL, claimed_at = NULL, outcome_unknown = FALSE, last_error = '', updated_at = ?
		WHERE id = ? AND status = 'publishing' AND claim_owner = ?`), T(r.At), r.RemoteID, r.RemoteURL, r.Late, T(r.At), r.ContentID, r.Owner)
	if err != nil {
		return fmt.Errorf("db: mark published: %w", err)
	}
	if err := oneRow(res, ErrConflict); err != nil {
		return err
	}
	return nil
}

// MarkPublishFailed records a failed attempt: back to scheduled with a retry
// time, or failed for good when retryAt is nil.
func (d *DB) MarkPublishFailed(ctx context.Context, contentID int64, owner, msg string, retryAt *time.Time, now time.Time) error {
	status := ContentScheduled
	if retryAt == nil {
		status = ContentFailed
	}
	res, err := d.exec(ctx, d.q(`UPDATE content SET status = ?, next_attempt_at = ?, last_error = ?, claim_owner = '', claim_expires_at = NULL,
		claimed_at = NULL, outcome_unknown = FALSE, updated_at = ? WHERE id = ? AND status = 'publishing' AND claim_owner = ?`), status, NT(retryAt), msg, T(now), contentID, owner)
	if err != nil {
		return fmt.Errorf("db: mark publish failed: %w", err)
	}
	if err := oneRow(res, ErrConflict); err != nil {
		return err
	}
	return nil
}
