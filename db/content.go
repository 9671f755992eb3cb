package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Content statuses.
const (
	ContentDraft      = "draft"
	ContentReview     = "review"
	ContentApproved   = "approved"
	ContentRejected   = "rejected"
	ContentScheduled  = "scheduled"
	ContentPublishing = "publishing"
	ContentPublished  = "published"
	ContentFailed     = "failed"
)

// Content actions and the statuses they start from.
const (
	ActionApprove    ContentAction = "approve"
	ActionReject     ContentAction = "reject"
	ActionUnschedule ContentAction = "unschedule"
	ActionPublishNow ContentAction = "publish-now"
	ActionRetry      ContentAction = "retry"
	ActionRequeue    ContentAction = "requeue" // rejected → review
)

// TimelineEntry is an article as the publishing timeline shows it.
type TimelineEntry struct {
	ID          int64     `db:"id"`
	Title       string    `db:"title"`
	Status      string    `db:"status"`
	ScheduledAt time.Time `db:"scheduled_at"`
	Late        bool      `db:"late"`
	RemoteURL   string    `db:"remote_url"`
}

// timelineColumns are TimelineEntry's: reading a whole article's row per
// entry tripled the timeline's time (2.8 against 1.0 ms for 200 entries).
var timelineColumns = columnsExcept(TimelineEntry{})

// ContentTimeline lists a site's queue (scheduled and publishing content)
// and what was published from a slot at or after since, in slot order, at
// most limit rows. Each status is its own range of the slot-order index
// (site, status, slot), at most limit rows each, merged: a site with years
// of published articles reads no more than the rows shown.
func (d *DB) ContentTimeline(ctx context.Context, siteID int64, since time.Time, limit int) ([]TimelineEntry, error) {
	var out []TimelineEntry
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM (
		SELECT * FROM (SELECT `+timelineColumns+` FROM content WHERE site_id = ? AND status = 'scheduled' AND scheduled_at IS NOT NULL
			ORDER BY scheduled_at, id LIMIT ?) queued
		UNION ALL
		SELECT * FROM (SELECT `+timelineColumns+` FROM content WHERE site_id = ? AND status = 'publishing' AND scheduled_at IS NOT NULL
			ORDER BY scheduled_at, id LIMIT ?) going
		UNION ALL
		SELECT * FROM (SELECT `+timelineColumns+` FROM content WHERE site_id = ? AND status = 'published' AND scheduled_at >= ?
			ORDER BY scheduled_at, id LIMIT ?) done
		) timeline ORDER BY scheduled_at, id LIMIT ?`), siteID, limit, siteID, limit, siteID, T(since), limit, limit)
	if err != nil {
		return nil, fmt.Errorf("db: content timeline: %w", err)
	}
	return out, nil
}

// ArticlesAwaitingImages counts a site's drafts whose image prompts were
// extracted and whose images are not all done yet: stage 6 moves each to
// review when its last image finishes.
func (d *DB) ArticlesAwaitingImages(ctx context.Context, siteID int64) (int, error) {
	var n int
	err := d.GetContext(ctx, &n, d.q(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'draft'
		AND prompts_extracted_at IS NOT NULL AND images_pending > 0`), siteID)
	if err != nil {
		return 0, fmt.Errorf("db: articles awaiting images: %w", err)
	}
	return n, nil
}

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
	res, err := d.exec(ctx, d.q(`UPDATE content SET status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL,
		publish_attempts = 0, unscheduled_reason = '', last_error = '', updated_at = ?
		WHERE id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status IN ('approved','scheduled')`),
		at, now, contentID, accountID)
	if err != nil {
		if isUnique(err) {
			return ErrSlotTaken
		}
		return fmt.Errorf("db: schedule content: %w", err)
	}
	if ok, err := touched(res); err != nil || ok {
		return err
	}
	c, err := d.GetContent(ctx, accountID, contentID)
	if err != nil {
		return err
	}
	return &TransitionError{Status: c.Status, Want: "schedule"}
}

// ContentByID loads an article without account scoping (executors).
func (d *DB) ContentByID(ctx context.Context, id int64) (Content, error) {
	var c Content
	err := d.GetContext(ctx, &c, d.q(`SELECT * FROM content WHERE id = ?`), id)
	return c, notFound(err)
}

// contentListColumns are the columns lists of articles read: every one of
// Content's but the body (html), which no list shows and which is most of
// the table's bytes.
var contentListColumns = columnsExcept(Content{}, "html")

// columnsExcept lists the db columns of struct v's fields, but skip.
func columnsExcept(v any, skip ...string) string {
	t := reflect.TypeOf(v)
	var cols []string
	for i := range t.NumField() {
		if c := t.Field(i).Tag.Get("db"); c != "" && c != "-" && !slices.Contains(skip, c) {
			cols = append(cols, c)
		}
	}
	return strings.Join(cols, ", ")
}

// Content is an article, from draft to published.
type Content struct {
	ID                 int64      `db:"id"`
	SiteID             int64      `db:"site_id"`
	TaskID             *int64     `db:"task_id"`
	RunID              *int64     `db:"run_id"`
	Title              string     `db:"title"`
	Slug               string     `db:"slug"`
	HTML               string     `db:"html"`
	Excerpt            string     `db:"excerpt"`
	SEOTitle           string     `db:"seo_title"`
	MetaDescription    string     `db:"meta_description"`
	Keywords           string     `db:"keywords"`
	WordCount          int        `db:"word_count"`
	Status             string     `db:"status"`
	Attempts           int        `db:"attempts"`
	LastError          string     `db:"last_error"`
	LastRunID          *int64     `db:"last_attempt_run_id"`
	PromptsExtractedAt *time.Time `db:"prompts_extracted_at"`
	ImagesPending      int        `db:"images_pending"`
	ApprovedAt         *time.Time `db:"approved_at"`
	ApprovedBy         string     `db:"approved_by"`
	ScheduledAt        *time.Time `db:"scheduled_at"`
	UnscheduledReason  string     `db:"unscheduled_reason"`
	PublishAttempts    int        `db:"publish_attempts"`
	NextAttemptAt      *time.Time `db:"next_attempt_at"`
	ClaimOwner         string     `db:"claim_owner"`
	ClaimExpiresAt     *time.Time `db:"claim_expires_at"`
	ClaimedAt          *time.Time `db:"claimed_at"`
	OutcomeUnknown     bool       `db:"outcome_unknown"`
	PublishedAt        *time.Time `db:"published_at"`
	Late               bool       `db:"late"`
	RemoteID           string     `db:"remote_id"`
	RemoteURL          string     `db:"remote_url"`
	CreatedAt          time.Time  `db:"created_at"`
	UpdatedAt          time.Time  `db:"updated_at"`
	// Version counts the changes of the article's text and of its
	// pipeline state: the editor and a stage's commit both compare and
	// increment it.
	Version int64 `db:"version"`
	// EditedAt and EditedBy say when and by whom a person last edited the
	// text (nil: never): no stage overwrites an edited article's text.
	EditedAt *time.Time `db:"edited_at"`
	EditedBy string     `db:"edited_by"`
}

// ContentAction is a person's move on one article.
type ContentAction string

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
		res, err := d.exec(ctx, d.q(`UPDATE content SET status = 'draft', attempts = 0, last_attempt_run_id = NULL, last_error = '',
			scheduled_at = NULL, next_attempt_at = NULL, updated_at = ?
			WHERE id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status = 'failed' AND publish_attempts = 0`), now, contentID, accountID)
		if err != nil {
			return fmt.Errorf("db: content retry: %w", err)
		}
		if ok, err := touched(res); err != nil || ok {
			return err
		}
		set, from = `status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL, publish_attempts = 0`, `'failed'`
		args = append(args, now)
	case ActionRequeue:
		set, from = `status = 'review'`, `'rejected'`
	default:
		return fmt.Errorf("db: unknown content action %q", action)
	}
	args = append(args, now, contentID, accountID)
	res, err := d.exec(ctx, d.q(`UPDATE content SET `+set+`, updated_at = ?
		WHERE id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status IN (`+from+`)`), args...)
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("%w: another article already has this exact slot; try again", ErrConflict)
		}
		return fmt.Errorf("db: content %s: %w", action, err)
	}
	if ok, err := touched(res); err != nil || ok {
		return err
	}
	c, err := d.GetContent(ctx, accountID, contentID)
	if err != nil {
		return err
	}
	return &TransitionError{Status: c.Status, Want: string(action)}
}

// RetryFailed retries every failed article of one of the account's sites,
// as ActionRetry does each: publishing failures back in the queue, due now,
// with fresh attempts; pipeline failures back to draft. It returns how many
// it moved.
func (d *DB) RetryFailed(ctx context.Context, accountID, siteID int64, now time.Time) (int, error) {
	now = T(now)
	moved := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		moved = 0
		owned := `site_id = ? AND site_id IN (SELECT id FROM sites WHERE account_id = ?) AND status = 'failed'`
		res, err := tx.ExecContext(ctx, d.q(`UPDATE content SET status = 'draft', attempts = 0, last_attempt_run_id = NULL, last_error = '',
			scheduled_at = NULL, next_attempt_at = NULL, updated_at = ? WHERE `+owned+` AND publish_attempts = 0`), now, siteID, accountID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		moved += int(n)
		// Due now, one microsecond apart: the queue's slots are unique.
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, d.q(`SELECT id FROM content WHERE `+owned+` ORDER BY scheduled_at, id`), siteID, accountID); err != nil {
			return err
		}
		for i, id := range ids {
			if err := cas(ctx, tx, d.q(`UPDATE content SET status = 'scheduled', scheduled_at = ?, next_attempt_at = NULL, publish_attempts = 0, updated_at = ?
				WHERE id = ? AND status = 'failed'`), now.Add(time.Duration(i)*time.Microsecond), now, id); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		if isUnique(err) {
			return 0, fmt.Errorf("%w: another article already has one of these slots; try again", ErrConflict)
		}
		return 0, fmt.Errorf("db: retry failed content: %w", err)
	}
	return moved, nil
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
	err := d.SelectContext(ctx, &out, d.q(`SELECT `+contentListColumns+` FROM content WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	return out, total, err
}

// PublishedLink is a published article an article may link to.
type PublishedLink struct {
	Title string `db:"title"`
	URL   string `db:"remote_url"`
}

// PublishedLinks lists up to limit of a site's published articles that
// have a public URL, newest first.
func (d *DB) PublishedLinks(ctx context.Context, siteID int64, limit int) ([]PublishedLink, error) {
	var out []PublishedLink
	err := d.SelectContext(ctx, &out, d.q(`SELECT title, remote_url FROM content WHERE site_id = ? AND status = 'published'
		AND remote_url <> '' ORDER BY published_at DESC, id DESC LIMIT ?`), siteID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: published links: %w", err)
	}
	return out, nil
}

// Kinds of ContentActivity.
const (
	ActivityApproved  = "approved"
	ActivityPublished = "published"
)

// ContentActivity counts a site's articles approved and published since a
// time, per time bucket (ActivityApproved, ActivityPublished). An article
// counts as approved while it keeps its approval (unscheduling it back to
// review takes it back).
func (d *DB) ContentActivity(ctx context.Context, siteID int64, since time.Time) ([]TimeCount, error) {
	since = T(since)
	var rows []bucketRow
	err := d.SelectContext(ctx, &rows, d.q(`SELECT 'approved' AS kind, `+d.bucketOf("approved_at")+` AS bucket, COUNT(*) AS n
		FROM content WHERE site_id = ? AND approved_at >= ? GROUP BY `+d.bucketOf("approved_at")+`
		UNION ALL
		SELECT 'published', `+d.bucketOf("published_at")+`, COUNT(*)
		FROM content WHERE site_id = ? AND published_at >= ? GROUP BY `+d.bucketOf("published_at")), siteID, since, siteID, since)
	if err != nil {
		return nil, fmt.Errorf("db: content activity: %w", err)
	}
	return timeCounts(rows), nil
}

// CalendarContent lists a site's articles on a publishing calendar between
// two times: the queue (scheduled, publishing) by slot, and the published
// ones by when they went out; at most limit, in time order.
func (d *DB) CalendarContent(ctx context.Context, siteID int64, from, to time.Time, limit int) ([]Content, error) {
	from, to = T(from), T(to)
	var out []Content
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM content WHERE site_id = ? AND (
		(status IN ('scheduled','publishing') AND scheduled_at >= ? AND scheduled_at < ?)
		OR (status = 'published' AND published_at >= ? AND published_at < ?))
		ORDER BY COALESCE(published_at, scheduled_at), id LIMIT ?`), siteID, from, to, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("db: calendar content: %w", err)
	}
	return out, nil
}
