package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// OperationSpend is a run's budget and spend for one AI function.
type OperationSpend struct {
	RunID     int64  `db:"run_id" json:"-"`
	Operation string `db:"operation" json:"operation"`
	Budget    int64  `db:"budget" json:"budget"` // -1 = unlimited
	Spent     int64  `db:"spent" json:"spent"`
}

// RunSpend lists a run's per-operation budgets and spend.
func (d *DB) RunSpend(ctx context.Context, runID int64) ([]OperationSpend, error) {
	var out []OperationSpend
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM run_operation_spend WHERE run_id = ? ORDER BY `+operationOrder), runID)
	return out, err
}

// StageResult is a run's outcome for one stage.
type StageResult struct {
	RunID        int64      `db:"run_id" json:"-"`
	Stage        int        `db:"stage" json:"stage"`
	State        string     `db:"state" json:"state"`
	Expected     int        `db:"expected" json:"expected"`
	Processed    int        `db:"processed" json:"processed"`
	Failed       int        `db:"failed" json:"failed"`
	Skipped      int        `db:"skipped" json:"skipped"`
	Units        int        `db:"units" json:"units"`
	CreditsUsed  int64      `db:"credits_used" json:"credits_used"`
	LimitReached bool       `db:"limit_reached" json:"limit_reached"`
	StopReason   string     `db:"stop_reason" json:"stop_reason,omitempty"`
	StopDetail   string     `db:"stop_detail" json:"stop_detail,omitempty"`
	StartedAt    *time.Time `db:"started_at" json:"started_at,omitempty"`
	FinishedAt   *time.Time `db:"finished_at" json:"finished_at,omitempty"`
	// InFlight counts the stage's AI calls under way (charges not settled
	// yet); only StageResults fills it.
	InFlight int `db:"in_flight" json:"in_flight"`
}

// Taken is how many items the stage has taken in this run (its quota use).
func (s StageResult) Taken() int { return s.Processed + s.Failed + s.Skipped }

// StageResults returns the stage rows of a run, in order, each with its AI
// calls in flight: one statement for the whole picture of a run.
func (d *DB) StageResults(ctx context.Context, runID int64) ([]StageResult, error) {
	var out []StageResult
	err := d.SelectContext(ctx, &out, d.q(`SELECT r.*, COALESCE(f.n, 0) AS in_flight FROM run_stage_results r
		LEFT JOIN (SELECT stage, COUNT(*) AS n FROM credit_transactions WHERE run_id = ? AND kind = 'charge' AND settled = FALSE GROUP BY stage) f
		ON f.stage = r.stage
		WHERE r.run_id = ? ORDER BY r.stage`), runID, runID)
	return out, err
}

// StageResultsOfRuns returns the stage rows of several runs (a list page)
// in one statement, by run id, each run's rows in stage order.
func (d *DB) StageResultsOfRuns(ctx context.Context, runIDs []int64) (map[int64][]StageResult, error) {
	out := make(map[int64][]StageResult, len(runIDs))
	if len(runIDs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT * FROM run_stage_results WHERE run_id IN (?) ORDER BY run_id, stage`, runIDs)
	if err != nil {
		return nil, fmt.Errorf("db: stage results of runs: %w", err)
	}
	var rows []StageResult
	if err := d.SelectContext(ctx, &rows, d.q(q), args...); err != nil {
		return nil, fmt.Errorf("db: stage results of runs: %w", err)
	}
	for _, r := range rows {
		out[r.RunID] = append(out[r.RunID], r)
	}
	return out, nil
}

// BeginStage marks a pending stage running with its fixed expected count and
// moves the run's current_stage to it. A stage already running (resume,
// takeover) keeps its expected count. It returns the stage row.
func (d *DB) BeginStage(ctx context.Context, runID int64, owner string, stage, expected int, now time.Time) (StageResult, error) {
	now = T(now)
	var sr StageResult
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockRun(ctx, tx, runID, owner, now, `'running'`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET current_stage = ? WHERE id = ?`), stage, runID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, d.q(`UPDATE run_stage_results SET state = 'running', expected = ?, started_at = ? WHERE run_id = ? AND stage = ? AND state = 'pending'`),
			expected, now, runID, stage)
		if err != nil {
			return err
		}
		started, err := touched(res)
		if err != nil {
			return err
		}
		if started {
			if err := d.addEventTx(ctx, tx, Event{RunID: runID, At: now, Stage: stage, Message: fmt.Sprintf("Stage %d started: %d item(s) to process", stage, expected)}); err != nil {
				return err
			}
		}
		return tx.GetContext(ctx, &sr, d.q(`SELECT * FROM run_stage_results WHERE run_id = ? AND stage = ?`), runID, stage)
	})
	return sr, err
}

// StageEnd is how a stage finished.
type StageEnd struct {
	RunID        int64
	Owner        string
	Stage        int
	State        string // done or skipped
	LimitReached bool
	StopReason   string
	StopDetail   string
	Message      string
	Level        string
	Now          time.Time
}

// FinishStage closes a stage and moves the run to the next one.
func (d *DB) FinishStage(ctx context.Context, e StageEnd) error {
	now := T(e.Now)
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockRun(ctx, tx, e.RunID, e.Owner, now, `'running','paused'`); err != nil {
			return err
		}
		startedAt := any(nil)
		if e.State == "skipped" {
			startedAt = now
		}
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE run_stage_results SET state = ?, limit_reached = ?, stop_reason = ?, stop_detail = ?,
			started_at = COALESCE(started_at, ?), finished_at = ? WHERE run_id = ? AND stage = ?`),
			e.State, e.LimitReached, e.StopReason, e.StopDetail, startedAt, now, e.RunID, e.Stage); err != nil {
			return fmt.Errorf("db: finish stage: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET current_stage = ? WHERE id = ?`), e.Stage+1, e.RunID); err != nil {
			return err
		}
		return d.addEventTx(ctx, tx, Event{RunID: e.RunID, At: now, Stage: e.Stage, Level: e.Level, Message: e.Message})
	})
}
