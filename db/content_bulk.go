package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// BulkAction is a person's move on many articles at once.
type BulkAction string

// The bulk actions.
const (
	BulkApprove  BulkAction = "approve"
	BulkReject   BulkAction = "reject"
	BulkSchedule BulkAction = "schedule" // into the site's next free slots
	BulkDraft    BulkAction = "draft"    // back to draft, out of the review queue
	BulkReview   BulkAction = "review"   // (back) to review
)

// finishedDraft is a draft the pipeline is done with (its images drawn):
// one a person sent back to draft, which only a person moves on.
const finishedDraft = `(status = 'draft' AND prompts_extracted_at IS NOT NULL AND images_pending = 0)`

// bulkMoves holds each bulk action's SQL: the condition an article must
// meet and what it sets (the first ? of set is now, the second the actor,
// where set has them).
var bulkMoves = map[BulkAction]struct{ from, set string }{
	BulkApprove: {`status IN ('review','rejected')`,
		`status = 'approved', approved_at = ?, approved_by = ?, unscheduled_reason = ''`},
	BulkReject: {`(status IN ('review','approved','scheduled','failed') OR ` + finishedDraft + `)`,
		`status = 'rejected', scheduled_at = NULL, next_attempt_at = NULL`},
	BulkSchedule: {`status = 'approved'`, ``}, // one slot each: BulkContent sets them
	BulkDraft: {`status IN ('review','approved','rejected','scheduled','failed')`,
		`status = 'draft', approved_at = NULL, approved_by = '', scheduled_at = NULL, next_attempt_at = NULL, unscheduled_reason = '',
		attempts = 0, last_attempt_run_id = NULL, last_error = ''`},
	BulkReview: {`(status = 'rejected' OR ` + finishedDraft + `)`,
		`status = 'review', approved_at = NULL, approved_by = ''`},
}

// IsBulkAction reports whether name is a bulk action.
func IsBulkAction(name string) bool {
	_, ok := bulkMoves[BulkAction(name)]
	return ok
}

// BulkRequest chooses articles of one site and what to do with them: the
// listed IDs, or (All) every article of the site in Status ("" any), of
// which the person saw Expect.
type BulkRequest struct {
	AccountID int64
	SiteID    int64
	Action    BulkAction
	IDs       []int64
	All       bool
	Status    string
	Expect    int
	Actor     string
	Now       time.Time
	// Slots returns n free publishing slots for the site's settings, after
	// the slots already taken (BulkSchedule only).
	Slots func(s PublishingSettings, taken []time.Time, n int) ([]time.Time, error)
}

// BlockedArticle is an article a bulk action cannot move.
type BlockedArticle struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

// BulkBlockedError means some chosen articles are in a status the action
// does not start from: nothing was done. It wraps ErrConflict.
type BulkBlockedError struct {
	Action  BulkAction
	Total   int
	Blocked []BlockedArticle
}

func (e *BulkBlockedError) Error() string {
	var names []string
	for i, b := range e.Blocked {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(e.Blocked)-5))
			break
		}
		st := b.Status
		if st == ContentDraft {
			st = "a draft still in the pipeline"
		}
		names = append(names, fmt.Sprintf("“%s” is %s", b.Title, st))
	}
	return fmt.Sprintf("Nothing was done: %d of the %d articles cannot %s: %s.", len(e.Blocked), e.Total, bulkVerb(e.Action), strings.Join(names, "; "))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *BulkBlockedError) Is(target error) bool { return target == ErrConflict }

func bulkVerb(a BulkAction) string {
	switch a {
	case BulkDraft:
		return "go back to draft"
	case BulkReview:
		return "go to review"
	}
	return "be " + strings.TrimSuffix(string(a), "e") + "ed"
}

// FilterChangedError means the articles matching a filter are not the
// number the person saw: nothing was done. It wraps ErrConflict.
type FilterChangedError struct{ Saw, Now int }

func (e *FilterChangedError) Error() string {
	return fmt.Sprintf("Nothing was done: the filter matched %d articles on your page and matches %d now. Reload and choose again.", e.Saw, e.Now)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *FilterChangedError) Is(target error) bool { return target == ErrConflict }

// UnknownArticlesError lists chosen ids that are no article of the site.
type UnknownArticlesError struct{ IDs []int64 }

func (e *UnknownArticlesError) Error() string {
	return fmt.Sprintf("%d of the chosen articles do not exist on this site (first: #%d).", len(e.IDs), e.IDs[0])
}

// ErrNoSlots means the site's publishing settings give no slot (no
// publishing day chosen, or invalid settings).
var ErrNoSlots = fmt.Errorf("db: the publishing settings give no free slot")

// BulkContent applies a bulk action to the chosen articles of an account's
// site, all or nothing, in one transaction: every article must be in a
// status the action starts from (*BulkBlockedError names those that are
// not), every id must be an article of the site (*UnknownArticlesError),
// and a filter must still match the number the person saw
// (*FilterChangedError). Scheduling gives the articles the site's next free
// slots, oldest approval first. It returns how many articles moved.
func (d *DB) BulkContent(ctx context.Context, r BulkRequest) (int, error) {
	move, ok := bulkMoves[r.Action]
	if !ok {
		return 0, fmt.Errorf("db: unknown bulk action %q", r.Action)
	}
	now := T(r.Now)
	moved := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		moved = 0
		var site int
		if err := tx.GetContext(ctx, &site, d.q(`SELECT COUNT(*) FROM sites WHERE id = ? AND account_id = ?`), r.SiteID, r.AccountID); err != nil {
			return err
		}
		if site == 0 {
			return ErrNotFound
		}
		type row struct {
			BlockedArticle
			OK bool `db:"ok"`
		}
		var rows []row
		cols := `SELECT id, title, status, CASE WHEN ` + move.from + ` THEN TRUE ELSE FALSE END AS ok FROM content`
		if r.All {
			where, args := ` WHERE site_id = ?`, []any{r.SiteID}
			if r.Status != "" {
				where += ` AND status = ?`
				args = append(args, r.Status)
			}
			if err := tx.SelectContext(ctx, &rows, d.q(cols+where+` ORDER BY id`), args...); err != nil {
				return fmt.Errorf("db: bulk select: %w", err)
			}
			if len(rows) != r.Expect {
				return &FilterChangedError{Saw: r.Expect, Now: len(rows)}
			}
		} else {
			q, args, err := sqlx.In(cols+` WHERE site_id = ? AND id IN (?) ORDER BY id`, r.SiteID, r.IDs)
			if err != nil {
				return err
			}
			if err := tx.SelectContext(ctx, &rows, d.q(q), args...); err != nil {
				return fmt.Errorf("db: bulk select: %w", err)
			}
			found := map[int64]bool{}
			for _, x := range rows {
				found[x.ID] = true
			}
			var unknown []int64
			for _, id := range r.IDs {
				if !found[id] {
					unknown = append(unknown, id)
				}
			}
			if len(unknown) > 0 {
				return &UnknownArticlesError{IDs: unknown}
			}
		}
		blocked := &BulkBlockedError{Action: r.Action, Total: len(rows)}
		ids := make([]int64, 0, len(rows))
		for _, x := range rows {
			if !x.OK {
				blocked.Blocked = append(blocked.Blocked, x.BlockedArticle)
			}
			ids = append(ids, x.ID)
		}
		if len(blocked.Blocked) > 0 {
			return blocked
		}
		if len(ids) == 0 {
			return nil
		}
		if r.Action == BulkSchedule {
			n, err := d.bulkSchedule(ctx, tx, r, ids, now)
			moved = n
			return err
		}
		set, args := move.set, []any{}
		if strings.Count(set, "?") == 2 {
			args = append(args, now, r.Actor)
		}
		q, qargs, err := sqlx.In(`UPDATE content SET `+set+`, updated_at = ? WHERE site_id = ? AND id IN (?) AND `+move.from,
			append(args, now, r.SiteID, ids)...)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, d.q(q), qargs...)
		if err != nil {
			return fmt.Errorf("db: bulk %s: %w", r.Action, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if int(n) != len(ids) {
			return ErrConflict // moved by someone else between the read and the write
		}
		moved = len(ids)
		return nil
	})
	if err != nil && isUnique(err) {
		return 0, ErrSlotTaken
	}
	if err != nil {
		return 0, err
	}
	return moved, nil
}

// bulkSchedule gives the approved articles ids the site's next free slots,
// oldest approval first, under the lock of the site's publishing settings
// (like the queue filler). The queue limit does not apply: it bounds the
// automatic filler, not people.
func (d *DB) bulkSchedule(ctx context.Context, tx *sqlx.Tx, r BulkRequest, ids []int64, now time.Time) (int, error) {
	lock := ""
	if d.Dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var s PublishingSettings
	if err := tx.GetContext(ctx, &s, d.q(`SELECT * FROM publishing_settings WHERE site_id = ?`+lock), r.SiteID); err != nil {
		return 0, notFound(err)
	}
	var taken []time.Time
	if err := tx.SelectContext(ctx, &taken, d.q(`SELECT scheduled_at FROM content WHERE site_id = ? AND status IN ('scheduled','publishing') AND scheduled_at IS NOT NULL`), r.SiteID); err != nil {
		return 0, fmt.Errorf("db: queue slots: %w", err)
	}
	slots, err := r.Slots(s, taken, len(ids))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoSlots, err)
	}
	if len(slots) < len(ids) {
		return 0, ErrNoSlots
	}
	q, args, err := sqlx.In(`SELECT id FROM content WHERE id IN (?) ORDER BY approved_at, id`, ids)
	if err != nil {
		return 0, err
	}
	var ordered []int64
	if err := tx.SelectContext(ctx, &ordered, d.q(q), args...); err != nil {
		return 0, err
	}
	for i, id := range ordered {
		if err := cas(ctx, tx, d.q(`UPDATE content SET status = 'scheduled', scheduled_at = ?, unscheduled_reason = '', publish_attempts = 0,
			next_attempt_at = NULL, last_error = '', updated_at = ? WHERE id = ? AND status = 'approved'`), T(slots[i]), now, id); err != nil {
			return 0, err
		}
	}
	return len(ordered), nil
}
