package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrLeaseLost means the run is no longer active or no longer leased to the
// caller: whatever the caller was about to commit must not commit.
var ErrLeaseLost = errors.New("db: run is no longer active or leased to this executor")

// ClaimableRuns lists running runs whose lease is free or expired at now.
func (d *DB) ClaimableRuns(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	err := d.SelectContext(ctx, &ids, d.q(`SELECT id FROM automation_runs WHERE status = 'running'
		AND (lease_owner = '' OR lease_expires_at IS NULL OR lease_expires_at < ?) ORDER BY id`), T(now))
	return ids, err
}

// ClaimRun takes the lease of a running run whose lease is free or expired,
// with one conditional UPDATE … RETURNING. takeover reports that the lease
// was taken from another owner whose lease expired (counted on the row).
// ErrConflict when the run is not claimable.
func (d *DB) ClaimRun(ctx context.Context, runID int64, owner string, now time.Time, ttl time.Duration) (Run, bool, error) {
	var prev struct {
		Takeovers int `db:"takeovers"`
	}
	var r Run
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		// The count before the claim; the conditional UPDATE below decides
		// who wins and whether it took the lease over.
		if err := tx.GetContext(ctx, &prev, d.q(`SELECT takeovers FROM automation_runs WHERE id = ?`), runID); err != nil {
			return notFound(err)
		}
		err := tx.GetContext(ctx, &r, d.q(`UPDATE automation_runs SET lease_owner = ?, lease_expires_at = ?,
			takeovers = takeovers + CASE WHEN lease_owner <> '' AND lease_owner <> ? THEN 1 ELSE 0 END, updated_at = ?
			WHERE id = ? AND status = 'running' AND (lease_owner = '' OR lease_expires_at IS NULL OR lease_expires_at < ?)
			RETURNING *`), owner, T(now.Add(ttl)), owner, T(now), runID, T(now))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrConflict
		}
		return err
	})
	if err != nil {
		return r, false, err
	}
	// The UPDATE counted a takeover if it took another owner's lease; its
	// own row says so, whatever a concurrent release did before it.
	return r, r.Takeovers > prev.Takeovers, nil
}

// RenewLease extends the caller's lease and returns the run's status.
// ErrLeaseLost when the run is no longer active or leased to owner.
func (d *DB) RenewLease(ctx context.Context, runID int64, owner string, now time.Time, ttl time.Duration) (string, error) {
	var status string
	err := d.GetContext(ctx, &status, d.q(`UPDATE automation_runs SET lease_expires_at = ?
		WHERE id = ? AND lease_owner = ? AND status IN ('running','paused') RETURNING status`), T(now.Add(ttl)), runID, owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrLeaseLost
	}
	if err != nil {
		return "", fmt.Errorf("db: renew lease: %w", err)
	}
	return status, nil
}

// ReleaseLease gives the lease up (after draining a paused run).
func (d *DB) ReleaseLease(ctx context.Context, runID int64, owner string, now time.Time) error {
	_, err := d.ExecContext(ctx, d.q(`UPDATE automation_runs SET lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`),
		T(now), runID, owner)
	return err
}

// RunStatus reads only the status and lease owner of a run.
func (d *DB) RunStatus(ctx context.Context, runID int64) (status, owner string, err error) {
	var row struct {
		Status string `db:"status"`
		Owner  string `db:"lease_owner"`
	}
	err = d.GetContext(ctx, &row, d.q(`SELECT status, lease_owner FROM automation_runs WHERE id = ?`), runID)
	return row.Status, row.Owner, notFound(err)
}

// lockRun is the first statement of every transaction that commits work of
// a run: it must touch exactly one row, which proves the run is still active
// and leased to owner, and (on PostgreSQL) serialises the run's commits.
func (d *DB) lockRun(ctx context.Context, tx *sqlx.Tx, runID int64, owner string, now time.Time, statuses string) error {
	res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET updated_at = ? WHERE id = ? AND status IN (`+statuses+`) AND lease_owner = ?`), T(now), runID, owner)
	if err != nil {
		return fmt.Errorf("db: lock run: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrLeaseLost
	}
	return nil
}

const activeStatuses = `'running','paused'`

// Transition is a run status change requested by a person or the API.
type Transition struct {
	AccountID int64
	RunID     int64
	Actor     string
	Now       time.Time
}

// ErrBadTransition is a transition the state machine does not allow; the
// wrapped message names the run's current status.
var ErrBadTransition = errors.New("db: transition not allowed")

// TransitionError carries the run's current status.
type TransitionError struct{ Status, Want string }

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s a %s run", e.Want, e.Status)
}

// Is makes errors.Is(err, ErrBadTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrBadTransition }

// PauseRun moves running → paused (the lease stays: in-flight items finish).
func (d *DB) PauseRun(ctx context.Context, t Transition) (Run, error) {
	return d.transition(ctx, t, "pause", `status = 'paused', paused_at = ?`, []any{T(t.Now)}, `'running'`, "Paused")
}

// ResumeRun moves paused → running; the lease is untouched.
func (d *DB) ResumeRun(ctx context.Context, t Transition) (Run, error) {
	return d.transition(ctx, t, "resume", `status = 'running', resumed_at = ?`, []any{T(t.Now)}, `'paused'`, "Resumed")
}

// CancelRun moves running|paused → cancelled and frees the site at once.
func (d *DB) CancelRun(ctx context.Context, t Transition) (Run, error) {
	return d.transition(ctx, t, "cancel", `status = 'cancelled', cancelled_at = ?, lease_owner = '', lease_expires_at = NULL,
		stopped_reason = 'cancelled', stopped_detail = ?`, []any{T(t.Now), "Cancelled by " + t.Actor}, activeStatuses, "Cancelled")
}

func (d *DB) transition(ctx context.Context, t Transition, verb, set string, setArgs []any, from, msg string) (Run, error) {
	now := T(t.Now)
	var r Run
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		args := append(setArgs, now, t.RunID, t.AccountID)
		err := tx.GetContext(ctx, &r, d.q(`UPDATE automation_runs SET `+set+`, updated_at = ?
			WHERE id = ? AND account_id = ? AND status IN (`+from+`) RETURNING *`), args...)
		if errors.Is(err, sql.ErrNoRows) {
			cur, gerr := d.GetRun(ctx, t.AccountID, t.RunID)
			if gerr != nil {
				return gerr
			}
			return &TransitionError{Status: cur.Status, Want: verb}
		}
		if err != nil {
			return fmt.Errorf("db: %s run: %w", verb, err)
		}
		return d.addEventTx(ctx, tx, Event{RunID: r.ID, At: now, Level: "info", Message: msg + " by " + t.Actor, Actor: t.Actor})
	})
	return r, err
}

// FinishRun ends a run the caller holds: running → completed or failed,
// freeing the site and the lease.
func (d *DB) FinishRun(ctx context.Context, runID int64, owner, status, reason, detail, errText string, now time.Time) error {
	now = T(now)
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET status = ?, stopped_reason = ?, stopped_detail = ?, error = ?, completed_at = ?,
			current_stage = 8, lease_owner = '', lease_expires_at = NULL, updated_at = ?
			WHERE id = ? AND status = 'running' AND lease_owner = ?`), status, reason, detail, errText, now, now, runID, owner)
		if err != nil {
			return fmt.Errorf("db: finish run: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLeaseLost
		}
		level := "info"
		if status == RunFailed {
			level = "error"
		}
		return d.addEventTx(ctx, tx, Event{RunID: runID, At: now, Level: level, Message: fmt.Sprintf("Run %s: %s", status, detail)})
	})
}

// FailRunUnowned fails an active run regardless of its lease (too many
// takeovers: no executor can finish it).
func (d *DB) FailRunUnowned(ctx context.Context, runID int64, reason, detail string, now time.Time) error {
	now = T(now)
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET status = 'failed', stopped_reason = ?, stopped_detail = ?, error = ?, completed_at = ?,
			lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE id = ? AND status IN ('running','paused')`), reason, detail, detail, now, now, runID)
		if err != nil {
			return fmt.Errorf("db: fail run: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLeaseLost
		}
		return d.addEventTx(ctx, tx, Event{RunID: runID, At: now, Level: "error", Message: "Run failed: " + detail})
	})
}

// ReleaseIfPaused gives the lease up after draining, only while the run is
// still paused; released=false means it was resumed meanwhile and the
// caller carries on.
func (d *DB) ReleaseIfPaused(ctx context.Context, runID int64, owner string, now time.Time) (bool, error) {
	res, err := d.ExecContext(ctx, d.q(`UPDATE automation_runs SET lease_owner = '', lease_expires_at = NULL, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND status = 'paused'`), T(now), runID, owner)
	if err != nil {
		return false, fmt.Errorf("db: release lease: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
