package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// PublishingSettings is a site's publishing configuration (DESIGN.md §5).
type PublishingSettings struct {
	SiteID                 int64     `db:"site_id" json:"-"`
	AutoApprovalEnabled    bool      `db:"auto_approval_enabled" json:"auto_approval_enabled"`
	AutoPublishEnabled     bool      `db:"auto_publish_enabled" json:"auto_publish_enabled"`
	SchedulingMode         string    `db:"scheduling_mode" json:"scheduling_mode"`
	PublishDays            string    `db:"publish_days" json:"-"`
	PublishTimeSlots       string    `db:"publish_time_slots" json:"-"`
	StaggerStartTime       string    `db:"stagger_start_time" json:"stagger_start_time"`
	StaggerEndTime         string    `db:"stagger_end_time" json:"stagger_end_time"`
	StaggerIntervalMinutes int       `db:"stagger_interval_minutes" json:"stagger_interval_minutes"`
	DailyTarget            int       `db:"daily_target" json:"daily_target"`
	WeeklyTarget           int       `db:"weekly_target" json:"weekly_target"`
	MonthlyTarget          int       `db:"monthly_target" json:"monthly_target"`
	MaxScheduledQueue      int       `db:"max_scheduled_queue" json:"max_scheduled_queue"`
	TargetKind             string    `db:"target_kind" json:"target_kind"`
	WebhookURL             string    `db:"webhook_url" json:"webhook_url"`
	WebhookSecretEnc       string    `db:"webhook_secret_enc" json:"-"`
	WPURL                  string    `db:"wp_url" json:"wp_url"`
	WPUsername             string    `db:"wp_username" json:"wp_username"`
	WPAppPasswordEnc       string    `db:"wp_app_password_enc" json:"-"`
	WPCategories           string    `db:"wp_categories" json:"wp_categories"`
	WPTags                 string    `db:"wp_tags" json:"wp_tags"`
	UpdatedAt              time.Time `db:"updated_at" json:"updated_at"`
}

// Days returns the allowed weekdays as their three-letter names.
func (p PublishingSettings) Days() []string { return splitList(p.PublishDays) }

// Slots returns the HH:MM time slots.
func (p PublishingSettings) Slots() []string { return splitList(p.PublishTimeSlots) }

// Categories returns the category names sent with every article.
func (p PublishingSettings) Categories() []string { return splitList(p.WPCategories) }

// Tags returns the tag names sent with every article.
func (p PublishingSettings) Tags() []string { return splitList(p.WPTags) }

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// GetPublishingSettings loads a site's publishing settings.
func (d *DB) GetPublishingSettings(ctx context.Context, siteID int64) (PublishingSettings, error) {
	var p PublishingSettings
	err := d.GetContext(ctx, &p, d.q(`SELECT * FROM publishing_settings WHERE site_id = ?`), siteID)
	return p, notFound(err)
}

// SavePublishingSettings writes every field.
func (d *DB) SavePublishingSettings(ctx context.Context, p PublishingSettings, now time.Time) error {
	res, err := d.ExecContext(ctx, d.q(`UPDATE publishing_settings SET auto_approval_enabled = ?, auto_publish_enabled = ?, scheduling_mode = ?,
		publish_days = ?, publish_time_slots = ?, stagger_start_time = ?, stagger_end_time = ?, stagger_interval_minutes = ?,
		daily_target = ?, weekly_target = ?, monthly_target = ?, max_scheduled_queue = ?, target_kind = ?, webhook_url = ?, webhook_secret_enc = ?,
		wp_url = ?, wp_username = ?, wp_app_password_enc = ?, wp_categories = ?, wp_tags = ?, updated_at = ? WHERE site_id = ?`),
		p.AutoApprovalEnabled, p.AutoPublishEnabled, p.SchedulingMode, p.PublishDays, p.PublishTimeSlots, p.StaggerStartTime, p.StaggerEndTime,
		p.StaggerIntervalMinutes, p.DailyTarget, p.WeeklyTarget, p.MonthlyTarget, p.MaxScheduledQueue, p.TargetKind, p.WebhookURL, p.WebhookSecretEnc,
		p.WPURL, p.WPUsername, p.WPAppPasswordEnc, p.WPCategories, p.WPTags, T(now), p.SiteID)
	if err != nil {
		return fmt.Errorf("db: save publishing settings: %w", err)
	}
	return oneRow(res)
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
// to publishing under owner's claim until claimUntil.
func (d *DB) ClaimDue(ctx context.Context, owner string, now, claimUntil time.Time, limit int) ([]Content, error) {
	now = T(now)
	skip := ""
	if d.Dialect == Postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	var out []Content
	err := d.SelectContext(ctx, &out, d.q(`UPDATE content SET
		outcome_unknown = CASE WHEN status = 'publishing' THEN TRUE ELSE outcome_unknown END,
		status = 'publishing', claim_owner = ?, claim_expires_at = ?, publish_attempts = publish_attempts + 1, updated_at = ?
		WHERE id IN (SELECT id FROM content WHERE
			(status = 'scheduled' AND scheduled_at <= ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?))
			OR (status = 'publishing' AND claim_expires_at < ?)
			ORDER BY scheduled_at, id LIMIT ?`+skip+`)
		AND ((status = 'scheduled' AND scheduled_at <= ?) OR (status = 'publishing' AND claim_expires_at < ?))
		RETURNING *`), owner, T(claimUntil), now, now, now, now, limit, now, now)
	if err != nil {
		return nil, fmt.Errorf("db: claim due content: %w", err)
	}
	return out, nil
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
	res, err := d.ExecContext(ctx, d.q(`UPDATE content SET status = 'published', published_at = ?, remote_id = ?, remote_url = ?, late = ?,
		claim_owner = '', claim_expires_at = NULL, outcome_unknown = FALSE, last_error = '', updated_at = ?
		WHERE id = ? AND status = 'publishing' AND claim_owner = ?`), T(r.At), r.RemoteID, r.RemoteURL, r.Late, T(r.At), r.ContentID, r.Owner)
	if err != nil {
		return fmt.Errorf("db: mark published: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
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
	res, err := d.ExecContext(ctx, d.q(`UPDATE content SET status = ?, next_attempt_at = ?, last_error = ?, claim_owner = '', claim_expires_at = NULL,
		outcome_unknown = FALSE, updated_at = ? WHERE id = ? AND status = 'publishing' AND claim_owner = ?`), status, NT(retryAt), msg, T(now), contentID, owner)
	if err != nil {
		return fmt.Errorf("db: mark publish failed: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrConflict
	}
	return nil
}

// ImagesOf lists an article's images in prompt order.
func (d *DB) ImagesOf(ctx context.Context, contentID int64) ([]Image, error) {
	var out []Image
	err := d.SelectContext(ctx, &out, d.q(`SELECT i.* FROM images i JOIN image_prompts p ON p.id = i.image_prompt_id WHERE i.content_id = ? ORDER BY p.position, i.id`), contentID)
	return out, err
}

// ContentAction is a person's move on one article.
type ContentAction string

// Content actions and the statuses they start from.
const (
	ActionApprove    ContentAction = "approve"
	ActionReject     ContentAction = "reject"
	ActionUnschedule ContentAction = "unschedule"
	ActionPublishNow ContentAction = "publish-now"
	ActionRetry      ContentAction = "retry"
	ActionRequeue    ContentAction = "requeue" // rejected → review
)

// ApplyContentAction moves one article of the account by compare-and-set.
// ErrBadTransition (with the current status) when it is not allowed.
func (d *DB) ApplyContentAction(ctx context.Context, accountID, contentID int64, action ContentAction, actor string, now time.Time) error {
	now = T(now)
	var set, from string
	args := []any{}
	switch action {
	case ActionApprove:
		set, from = `status = 'approved', approved_at = ?, approved_by = ?, unscheduled_reason = ''`, `'review','rejected'`
		args = append(args, now, actor)
	case ActionReject:
		set, from = `status = 'rejected', scheduled_at = NULL`, `'review','approved','scheduled','failed'`
	case ActionUnschedule:
		// Back to review, not to approved: an approved article would be
		// queued again by the filler at once, often in the same slot.
		set, from = `status = 'review', scheduled_at = NULL, next_attempt_at = NULL, approved_at = NULL, approved_by = '', unscheduled_reason = ''`, `'scheduled'`
	case ActionPublishNow:
		set, from = `status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL, publish_attempts = 0, unscheduled_reason = '', last_error = '',
			approved_at = COALESCE(approved_at, ?), approved_by = CASE WHEN approved_by = '' THEN ? ELSE approved_by END`, `'review','approved','scheduled'`
		args = append(args, now, now, actor)
	case ActionRetry:
		// A publishing failure goes back in the queue, due now. An article
		// that failed in the pipeline (image prompts; never published) goes
		// back to draft for the next run — never straight to publishing,
		// which would skip its review.
		res, err := d.ExecContext(ctx, d.q(`UPDATE content SET status = 'draft', attempts = 0, last_attempt_run_id = NULL, last_error = '',
			scheduled_at = NULL, next_attempt_at = NULL, updated_at = ?
			WHERE id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status = 'failed' AND publish_attempts = 0`), now, contentID, accountID)
		if err != nil {
			return fmt.Errorf("db: content retry: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		set, from = `status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL, publish_attempts = 0`, `'failed'`
		args = append(args, now)
	case ActionRequeue:
		set, from = `status = 'review'`, `'rejected'`
	default:
		return fmt.Errorf("db: unknown content action %q", action)
	}
	args = append(args, now, contentID, accountID)
	res, err := d.ExecContext(ctx, d.q(`UPDATE content SET `+set+`, updated_at = ?
		WHERE id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status IN (`+from+`)`), args...)
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("%w: another article already has this exact slot; try again", ErrConflict)
		}
		return fmt.Errorf("db: content %s: %w", action, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	c, err := d.GetContent(ctx, accountID, contentID)
	if err != nil {
		return err
	}
	return &TransitionError{Status: c.Status, Want: string(action)}
}

// GetContent loads an article of the account; another account's is ErrNotFound.
func (d *DB) GetContent(ctx context.Context, accountID, contentID int64) (Content, error) {
	var c Content
	err := d.GetContext(ctx, &c, d.q(`SELECT c.* FROM content c JOIN sites s ON s.id = c.site_id WHERE c.id = ? AND s.account_id = ?`), contentID, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	return c, err
}

// ListContent pages a site's content by status ("" = all), in the order that
// fits the status (scheduled by slot, others newest first).
func (d *DB) ListContent(ctx context.Context, siteID int64, status string, limit, offset int) ([]Content, int, error) {
	where, args := "site_id = ?", []any{siteID}
	order := "updated_at DESC, id DESC"
	if status != "" {
		where += " AND status = ?"
		args = append(args, status)
		switch status {
		case ContentScheduled:
			order = "scheduled_at, id"
		case ContentApproved:
			order = "approved_at, id"
		}
	}
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM content WHERE `+where), args...); err != nil {
		return nil, 0, err
	}
	var out []Content
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM content WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	return out, total, err
}
