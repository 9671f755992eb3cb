package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

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

// ResumeRun moves paused → running. A live lease is untouched (the
// executor still draining carries on); one that expired is released, so
// the executor that claims the run next is not counted as a takeover: its
// predecessor was gone before the resume.
func (d *DB) ResumeRun(ctx context.Context, t Transition) (Run, error) {
	now := T(t.Now)
	return d.transition(ctx, t, "resume", `status = 'running', resumed_at = ?,
		lease_owner = CASE WHEN lease_expires_at IS NULL OR lease_expires_at < ? THEN '' ELSE lease_owner END,
		lease_expires_at = CASE WHEN lease_expires_at < ? THEN NULL ELSE lease_expires_at END`, []any{now, now, now}, `'paused'`, "Resumed")
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
			// Read in the transaction: the status that refused the change.
			var status string
			if err := tx.GetContext(ctx, &status, d.q(`SELECT status FROM automation_runs WHERE id = ? AND account_id = ?`), t.RunID, t.AccountID); err != nil {
				return notFound(err)
			}
			return &TransitionError{Status: status, Want: verb}
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
			current_stage = ?, lease_owner = '', lease_expires_at = NULL, updated_at = ?
			WHERE id = ? AND status = 'running' AND lease_owner = ?`), status, reason, detail, errText, now, afterLastStage(), now, runID, owner)
		if err != nil {
			return fmt.Errorf("db: finish run: %w", err)
		}
		if err := oneRow(res, ErrLeaseLost); err != nil {
			return err
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
		if err := oneRow(res, ErrLeaseLost); err != nil {
			return err
		}
		return d.addEventTx(ctx, tx, Event{RunID: runID, At: now, Level: "error", Message: "Run failed: " + detail})
	})
}

// ReleaseIfPaused gives the lease up after draining, only while the run is
// still paused; released=false means it was resumed meanwhile and the
// caller carries on.
func (d *DB) ReleaseIfPaused(ctx context.Context, runID int64, owner string, now time.Time) (bool, error) {
	res, err := d.exec(ctx, d.q(`UPDATE automation_runs SET lease_owner = '', lease_expires_at = NULL, updated_at = ?
		WHERE id = ? AND lease_owner = ? AND status = 'paused'`), T(now), runID, owner)
	if err != nil {
		return false, fmt.Errorf("db: release lease: %w", err)
	}
	return touched(res)
}
