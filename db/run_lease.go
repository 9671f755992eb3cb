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
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &status, d.q(`UPDATE automation_runs SET lease_expires_at = ?
			WHERE id = ? AND lease_owner = ? AND status IN ('running','paused') RETURNING status`), T(now.Add(ttl)), runID, owner)
	})
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
	_, err := d.exec(ctx, d.q(`UPDATE automation_runs SET lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?`),
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
	if err := oneRow(res, ErrLeaseLost); err != nil {
		return err
	}
	return nil
}

const activeStatuses = `'running','paused'`

// Draining reports whether the run is paused but its executor still holds
// a live lease to finish the items in flight ("pausing…"). A lease that
// expired means that executor is gone: the run is simply paused.
func (r Run) Draining(now time.Time) bool {
	return r.Status == RunPaused && r.LeaseOwner != "" && r.LeaseExpiresAt != nil && r.LeaseExpiresAt.After(now)
}

// abandonedPause is a paused run whose executor stopped while draining.
type abandonedPause struct {
	ID    int64  `db:"id"`
	Owner string `db:"lease_owner"`
	Stage int    `db:"current_stage"`
}

// FinishAbandonedPauses ends the pauses whose executor stopped while it
// drained (its lease expired while the run was paused): the lease is
// released and the run is simply paused — no executor takes it over, so
// no takeover is counted. Any instance may call it; it returns how many
// runs it settled.
func (d *DB) FinishAbandonedPauses(ctx context.Context, now time.Time) (int, error) {
	const where = `status = 'paused' AND lease_owner <> '' AND (lease_expires_at IS NULL OR lease_expires_at < ?)`
	var found []abandonedPause
	if err := d.SelectContext(ctx, &found, d.q(`SELECT id, lease_owner, current_stage FROM automation_runs WHERE `+where), T(now)); err != nil || len(found) == 0 {
		return 0, err
	}
	n := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		n = 0
		for _, r := range found {
			res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET lease_owner = '', lease_expires_at = NULL, updated_at = ?
				WHERE id = ? AND lease_owner = ? AND `+where), T(now), r.ID, r.Owner, T(now))
			if err != nil {
				return fmt.Errorf("db: finish abandoned pause: %w", err)
			}
			if ok, err := touched(res); err != nil {
				return err
			} else if !ok {
				continue
			}
			n++
			msg := "Executor " + r.Owner + " stopped before it finished pausing (its lease expired); the run is paused"
			if err := d.addEventTx(ctx, tx, Event{RunID: r.ID, At: now, Stage: r.Stage, Level: "warn", Message: msg}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// ExpireLeases ends every lease held by another owner than owner at once.
// Single-instance SQLite calls it at start: the data directory's lock file
// proves the process that held them is gone, so nothing is gained by
// waiting for them to expire. Running runs become claimable (their claim
// counts a takeover, which bounds crash loops); runs that were pausing
// become paused. It returns how many runs it touched.
func (d *DB) ExpireLeases(ctx context.Context, owner string, now time.Time) (int, error) {
	var found []struct {
		abandonedPause
		Status string `db:"status"`
	}
	if err := d.SelectContext(ctx, &found, d.q(`SELECT id, lease_owner, current_stage, status FROM automation_runs
		WHERE status IN ('running','paused') AND lease_owner <> '' AND lease_owner <> ?`), owner); err != nil || len(found) == 0 {
		return 0, err
	}
	n := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		n = 0
		for _, r := range found {
			set, msg := `lease_expires_at = NULL`, "The process that ran executor "+r.Owner+" stopped (this restart holds the data directory's lock); the run is taken over at once"
			if r.Status == RunPaused {
				set, msg = `lease_owner = '', lease_expires_at = NULL`, "Executor "+r.Owner+" stopped before it finished pausing (its process is gone); the run is paused"
			}
			res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET `+set+`, updated_at = ? WHERE id = ? AND status = ? AND lease_owner = ?`),
				T(now), r.ID, r.Status, r.Owner)
			if err != nil {
				return fmt.Errorf("db: expire lease: %w", err)
			}
			if ok, err := touched(res); err != nil {
				return err
			} else if !ok {
				continue
			}
			n++
			if err := d.addEventTx(ctx, tx, Event{RunID: r.ID, At: now, Stage: r.Stage, Level: "warn", Message: msg}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
