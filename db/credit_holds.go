package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Why a hold was refused: each stops the stage with its own reason.
var (
	// ErrOperationBudget: the run's budget for this AI function is spent.
	ErrOperationBudget = errors.New("db: operation budget exhausted")
	// ErrRunCreditCap: the run's max_credits_per_run is spent.
	ErrRunCreditCap = errors.New("db: run credit cap reached")
)

// Hold is a charge taken before an AI call.
type Hold struct {
	AccountID int64
	SiteID    int64
	RunID     int64
	Owner     string
	Stage     int
	ItemID    int64
	Operation string
	Amount    int64 // credits, > 0
	Now       time.Time
}

// Key is the hold's idempotency key: a retried, resumed or taken-over item
// finds its hold and never pays twice.
func (h Hold) Key() string {
	return fmt.Sprintf("run:%d:%d:%d:%s", h.RunID, h.Stage, h.ItemID, h.Operation)
}

// TakeHold charges a hold in one transaction: the ledger row (a repeated key
// means the hold exists: held=false, nothing charged), the run's active+lease
// check and its credit cap, the operation's budget, and the account balance.
// It fails with ErrLeaseLost, ErrRunCreditCap, ErrOperationBudget or
// ErrInsufficientCredits and then charges nothing.
func (d *DB) TakeHold(ctx context.Context, h Hold) (held bool, err error) {
	now := T(h.Now)
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		// The run check comes first: it serialises this run's holds on
		// PostgreSQL and refuses holds for paused or cancelled runs.
		res, err := tx.ExecContext(ctx, d.q(`UPDATE automation_runs SET credits_used = credits_used + ?, updated_at = ?
			WHERE id = ? AND status = 'running' AND lease_owner = ?`), h.Amount, now, h.RunID, h.Owner)
		if err != nil {
			return fmt.Errorf("db: hold: %w", err)
		}
		if err := oneRow(res, ErrLeaseLost); err != nil {
			return err
		}
		applied, err := d.ledgerTx(ctx, tx, CreditTransaction{AccountID: h.AccountID, Kind: KindCharge, Amount: -h.Amount,
			Operation: h.Operation, SiteID: &h.SiteID, RunID: &h.RunID, Stage: h.Stage, ItemID: &h.ItemID,
			IdempotencyKey: h.Key(), CreatedAt: now})
		if err != nil {
			return err
		}
		if !applied {
			// Already held by an earlier attempt of this item in this run:
			// roll back the credits_used bump above, charge nothing.
			return errAlreadyHeld
		}
		var capOK bool
		if err := tx.GetContext(ctx, &capOK, d.q(`SELECT credit_cap = 0 OR credits_used <= credit_cap FROM automation_runs WHERE id = ?`), h.RunID); err != nil {
			return err
		}
		if !capOK {
			return ErrRunCreditCap
		}
		res, err = tx.ExecContext(ctx, d.q(`UPDATE run_operation_spend SET spent = spent + ? WHERE run_id = ? AND operation = ? AND (budget < 0 OR spent + ? <= budget)`),
			h.Amount, h.RunID, h.Operation, h.Amount)
		if err != nil {
			return fmt.Errorf("db: hold spend: %w", err)
		}
		if err := oneRow(res, ErrOperationBudget); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, d.q(`UPDATE run_stage_results SET credits_used = credits_used + ? WHERE run_id = ? AND stage = ?`), h.Amount, h.RunID, h.Stage)
		return err
	})
	if errors.Is(err, errAlreadyHeld) {
		return false, nil
	}
	return err == nil, err
}

var errAlreadyHeld = errors.New("db: already held")

// Refund gives a hold back.
type Refund struct {
	Hold
	Reason string
}

// refundTx writes the refund row (keyed "refund:<hold key>", so at most one)
// for an existing, unsettled charge and takes the spend back off the run.
func (d *DB) refundTx(ctx context.Context, tx *sqlx.Tx, r Refund) error {
	var charge CreditTransaction
	err := tx.GetContext(ctx, &charge, d.q(`SELECT * FROM credit_transactions WHERE idempotency_key = ? AND kind = 'charge'`), r.Key())
	if errors.Is(err, sql.ErrNoRows) {
		return nil // nothing was charged
	}
	if err != nil {
		return fmt.Errorf("db: refund: %w", err)
	}
	if charge.Settled {
		return nil // the work committed: it stays paid
	}
	return d.refundChargeTx(ctx, tx, charge, r.Reason, T(r.Now))
}

func (d *DB) refundChargeTx(ctx context.Context, tx *sqlx.Tx, charge CreditTransaction, reason string, now time.Time) error {
	applied, err := d.ledgerTx(ctx, tx, CreditTransaction{AccountID: charge.AccountID, Kind: KindRefund, Amount: -charge.Amount,
		Operation: charge.Operation, SiteID: charge.SiteID, RunID: charge.RunID, Stage: charge.Stage, ItemID: charge.ItemID,
		IdempotencyKey: "refund:" + charge.IdempotencyKey, Note: reason, CreatedAt: now})
	if err != nil || !applied {
		return err
	}
	if charge.RunID == nil {
		return nil
	}
	amount := -charge.Amount
	for _, stmt := range []struct {
		q    string
		args []any
	}{
		{`UPDATE automation_runs SET credits_used = credits_used - ? WHERE id = ?`, []any{amount, *charge.RunID}},
		{`UPDATE run_operation_spend SET spent = spent - ? WHERE run_id = ? AND operation = ?`, []any{amount, *charge.RunID, charge.Operation}},
		{`UPDATE run_stage_results SET credits_used = credits_used - ? WHERE run_id = ? AND stage = ?`, []any{amount, *charge.RunID, charge.Stage}},
	} {
		if _, err := tx.ExecContext(ctx, d.q(stmt.q), stmt.args...); err != nil {
			return fmt.Errorf("db: refund spend: %w", err)
		}
	}
	return nil
}

// RefundUnsettled refunds every hold of a run whose work never committed
// (an executor died or the run was cancelled mid-call). Idempotent; called
// when a run ends.
func (d *DB) RefundUnsettled(ctx context.Context, runID int64, reason string, now time.Time) (int, error) {
	return d.refundWhere(ctx, `c.run_id = ?`, []any{runID}, reason, now)
}

// RefundOrphanHolds refunds the unsettled holds of every run that has ended:
// the sweep behind RefundUnsettled, for a refund that was lost (the process
// died, or the request that cancelled the run went away).
func (d *DB) RefundOrphanHolds(ctx context.Context, now time.Time) (int, error) {
	return d.refundWhere(ctx, `c.run_id IN (SELECT id FROM automation_runs WHERE status IN ('completed','cancelled','failed'))`, nil,
		"work never committed (run ended)", now)
}

func (d *DB) refundWhere(ctx context.Context, where string, args []any, reason string, now time.Time) (int, error) {
	n := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		n = 0
		var charges []CreditTransaction
		if err := tx.SelectContext(ctx, &charges, d.q(`SELECT c.* FROM credit_transactions c WHERE `+where+` AND c.kind = 'charge' AND c.settled = FALSE
			AND NOT EXISTS (SELECT 1 FROM credit_transactions r WHERE r.idempotency_key = 'refund:' || c.idempotency_key) ORDER BY c.id`), args...); err != nil {
			return fmt.Errorf("db: unsettled holds: %w", err)
		}
		for _, c := range charges {
			if err := d.refundChargeTx(ctx, tx, c, reason, T(now)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
