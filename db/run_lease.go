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
	if err := oneRow(res, ErrLeaseLost); err != nil {
		return err
	}
	return nil
}

const activeStatuses = `'running','paused'`
