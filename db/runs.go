package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunPaused    = "paused"
	RunCompleted = "completed"
	RunCancelled = "cancelled"
	RunFailed    = "failed"
)

// Run is one automation run of a site.
type Run struct {
	ID              int64      `db:"id" json:"id"`
	SiteID          int64      `db:"site_id" json:"site_id"`
	AccountID       int64      `db:"account_id" json:"-"`
	TriggerType     string     `db:"trigger_type" json:"trigger"`
	Status          string     `db:"status" json:"status"`
	CurrentStage    int        `db:"current_stage" json:"current_stage"`
	InitialSnapshot string     `db:"initial_snapshot" json:"-"`
	StageFlags      string     `db:"stage_flags" json:"-"`
	Concurrency     int        `db:"concurrency" json:"concurrency"`
	CreditsUsed     int64      `db:"credits_used" json:"credits_used"`
	CreditCap       int64      `db:"credit_cap" json:"credit_cap"`
	BudgetBase      int64      `db:"budget_base" json:"budget_base"`
	StoppedReason   string     `db:"stopped_reason" json:"stopped_reason"`
	StoppedDetail   string     `db:"stopped_detail" json:"stopped_detail"`
	Error           string     `db:"error" json:"error,omitempty"`
	LeaseOwner      string     `db:"lease_owner" json:"-"`
	LeaseExpiresAt  *time.Time `db:"lease_expires_at" json:"-"`
	Takeovers       int        `db:"takeovers" json:"takeovers"`
	ScheduledFor    *time.Time `db:"scheduled_for" json:"scheduled_for,omitempty"`
	CreatedBy       string     `db:"created_by" json:"created_by"`
	CreatedAt       time.Time  `db:"created_at" json:"created_at"`
	StartedAt       *time.Time `db:"started_at" json:"started_at,omitempty"`
	PausedAt        *time.Time `db:"paused_at" json:"paused_at,omitempty"`
	ResumedAt       *time.Time `db:"resumed_at" json:"resumed_at,omitempty"`
	CancelledAt     *time.Time `db:"cancelled_at" json:"cancelled_at,omitempty"`
	CompletedAt     *time.Time `db:"completed_at" json:"completed_at,omitempty"`
	UpdatedAt       time.Time  `db:"updated_at" json:"updated_at"`

	// OpBudgets is written to run_operation_spend at insert: operation →
	// budget in credits (-1 = unlimited). Not a column of the run row.
	OpBudgets map[string]int64 `db:"-" json:"-"`
}

// Active reports whether the run holds its site (running or paused).
func (r Run) Active() bool { return r.Status == RunRunning || r.Status == RunPaused }

// ActiveRunError is returned when a site already has an active run; it
// matches ErrRunActive with errors.Is.
type ActiveRunError struct {
	RunID  int64
	Status string
}

func (e *ActiveRunError) Error() string {
	return fmt.Sprintf("a run is already %s for this site (run %d)", e.Status, e.RunID)
}

// Is makes errors.Is(err, ErrRunActive) true.
func (e *ActiveRunError) Is(target error) bool { return target == ErrRunActive }

// InsertRun inserts a new run; the partial unique index on active runs is the
// only site lock, so a second active run fails with *ActiveRunError. Stage
// result rows (one per stage) are created in the same transaction.
func (d *DB) InsertRun(ctx context.Context, r Run) (Run, error) {
	r.CreatedAt, r.UpdatedAt = T(r.CreatedAt), T(r.CreatedAt)
	r.StartedAt = NT(r.StartedAt)
	r.ScheduledFor = NT(r.ScheduledFor)
	if r.InitialSnapshot == "" {
		r.InitialSnapshot = "{}"
	}
	if r.CurrentStage < 1 {
		r.CurrentStage = Stages[0].Number
	}
	err := d.InTx(ctx, func(tx *sqlx.Tx) error { return d.insertRunTx(ctx, tx, &r) })
	if err != nil {
		if isUnique(err) {
			// The failed transaction is gone; read the winner outside it.
			active, aerr := d.ActiveRun(ctx, r.SiteID)
			if aerr != nil {
				return r, &ActiveRunError{Status: "active"}
			}
			return r, &ActiveRunError{RunID: active.ID, Status: active.Status}
		}
		return r, fmt.Errorf("db: insert run: %w", err)
	}
	return r, nil
}

func (d *DB) insertRunTx(ctx context.Context, tx *sqlx.Tx, r *Run) error {
	id, err := insertID(ctx, tx, d.q(`INSERT INTO automation_runs
		(site_id, account_id, trigger_type, status, current_stage, initial_snapshot, stage_flags, concurrency, credit_cap, budget_base,
		 scheduled_for, created_by, created_at, started_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		r.SiteID, r.AccountID, r.TriggerType, r.Status, r.CurrentStage, r.InitialSnapshot, r.StageFlags, r.Concurrency, r.CreditCap, r.BudgetBase,
		r.ScheduledFor, r.CreatedBy, r.CreatedAt, r.StartedAt, r.UpdatedAt)
	if err != nil {
		return err
	}
	r.ID = id
	for op, budget := range r.OpBudgets {
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO run_operation_spend (run_id, operation, budget) VALUES (?, ?, ?)`), id, op, budget); err != nil {
			return fmt.Errorf("db: run budgets: %w", err)
		}
	}
	for _, st := range Stages {
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO run_stage_results (run_id, stage) VALUES (?, ?)`), id, st.Number); err != nil {
			return fmt.Errorf("db: stage rows: %w", err)
		}
	}
	return nil
}

// ActiveRun returns the site's running or paused run, or ErrNotFound.
func (d *DB) ActiveRun(ctx context.Context, siteID int64) (Run, error) {
	var r Run
	err := d.GetContext(ctx, &r, d.q(`SELECT * FROM automation_runs WHERE site_id = ? AND status IN ('running','paused')`), siteID)
	return r, notFound(err)
}

// GetRun loads a run of the account; another account's run is ErrNotFound.
func (d *DB) GetRun(ctx context.Context, accountID, runID int64) (Run, error) {
	var r Run
	err := d.GetContext(ctx, &r, d.q(`SELECT * FROM automation_runs WHERE id = ? AND account_id = ?`), runID, accountID)
	return r, notFound(err)
}

// RunByID loads a run without account scoping (executors only).
func (d *DB) RunByID(ctx context.Context, runID int64) (Run, error) {
	var r Run
	err := d.GetContext(ctx, &r, d.q(`SELECT * FROM automation_runs WHERE id = ?`), runID)
	return r, notFound(err)
}

// ListRuns lists a site's most recent runs.
func (d *DB) ListRuns(ctx context.Context, siteID int64, limit int) ([]Run, error) {
	var out []Run
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM automation_runs WHERE site_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`), siteID, limit)
	return out, err
}

// StartScheduledRun inserts a scheduled run and records the schedule's
// outcome in one transaction, only if the schedule still has the due
// next_run_at (won=false otherwise: another instance handled it). Detail may
// hold one %d for the new run's id. An active run fails with *ActiveRunError
// and changes nothing.
func (d *DB) StartScheduledRun(ctx context.Context, r Run, o ScheduleOutcome) (Run, bool, error) {
	r.CreatedAt, r.UpdatedAt = T(r.CreatedAt), T(r.CreatedAt)
	r.StartedAt, r.ScheduledFor = NT(r.StartedAt), NT(r.ScheduledFor)
	won := false
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_configs SET next_run_at = ?, last_scheduled_at = ? WHERE site_id = ? AND next_run_at = ?`),
			NT(o.Next), T(o.At), o.SiteID, T(o.Due))
		if err != nil {
			return fmt.Errorf("db: advance schedule: %w", err)
		}
		if ok, err := touched(res); err != nil || !ok {
			return err
		}
		if err := d.insertRunTx(ctx, tx, &r); err != nil {
			return err
		}
		won = true
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE automation_configs SET last_scheduled_outcome = ?, last_scheduled_detail = ? WHERE site_id = ?`),
			o.Outcome, fmt.Sprintf(o.Detail, r.ID), o.SiteID); err != nil {
			return err
		}
		return d.addEventTx(ctx, tx, Event{RunID: r.ID, At: r.CreatedAt, Message: fmt.Sprintf(o.Detail, r.ID), Actor: "schedule"})
	})
	if err != nil && isUnique(err) {
		active, aerr := d.ActiveRun(ctx, r.SiteID)
		if aerr != nil {
			return r, false, &ActiveRunError{Status: "active"}
		}
		return r, false, &ActiveRunError{RunID: active.ID, Status: active.Status}
	}
	if err != nil {
		return r, false, fmt.Errorf("db: start scheduled run: %w", err)
	}
	return r, won, nil
}

// ListRunsPage returns one page of a site's runs, newest first, and the
// site's total number of runs.
func (d *DB) ListRunsPage(ctx context.Context, siteID int64, limit, offset int) ([]Run, int, error) {
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`), siteID); err != nil {
		return nil, 0, fmt.Errorf("db: count runs: %w", err)
	}
	var out []Run
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM automation_runs WHERE site_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`),
		siteID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("db: list runs: %w", err)
	}
	return out, total, nil
}
