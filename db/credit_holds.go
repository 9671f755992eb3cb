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
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockRunForHolds(ctx, tx, h); err != nil {
			return err
		}
		held, err = d.holdTx(ctx, tx, h)
		return err
	})
	return held && err == nil, err
}

// TakeHolds takes holds of one run in order in one transaction, each as
// TakeHold would alone: it returns how many were taken (or found taken
// already) and, when that is fewer than all, why the next was refused;
// that one and those after it charge nothing.
func (d *DB) TakeHolds(ctx context.Context, hs []Hold) (int, error) {
	if len(hs) == 0 {
		return 0, nil
	}
	refused := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		refused = 0
		if err := d.lockRunForHolds(ctx, tx, hs[0]); err != nil {
			return err
		}
		for i, h := range hs {
			if h.RunID != hs[0].RunID || h.Owner != hs[0].Owner {
				return fmt.Errorf("db: holds of runs %d and %d in one transaction", hs[0].RunID, h.RunID)
			}
			if _, err := d.holdTx(ctx, tx, h); err != nil {
				refused = i
				return err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return len(hs), nil
	case refused > 0:
		// The holds before the refused one are taken as if alone.
		if n, perr := d.TakeHolds(ctx, hs[:refused]); perr != nil {
			return n, perr
		}
		return refused, err
	}
	return 0, err
}

// lockRunForHolds comes first in a hold's transaction: it refuses holds for
// a run that is not running under owner's lease, and on PostgreSQL it
// serialises the run's holds (the row stays locked to the commit).
func (d *DB) lockRunForHolds(ctx context.Context, tx *sqlx.Tx, h Hold) error {
	return d.lockRun(ctx, tx, h.RunID, h.Owner, h.Now, `'running'`)
}

// holdTx charges one hold after the run is locked: the ledger row (held
// false when its key exists: taken by an earlier attempt, nothing charged),
// the run's spend within its cap, the operation's spend within its budget
// and the stage's credits.
func (d *DB) holdTx(ctx context.Context, tx *sqlx.Tx, h Hold) (held bool, err error) {
	now := T(h.Now)
	applied, err := d.ledgerTx(ctx, tx, CreditTransaction{AccountID: h.AccountID, Kind: KindCharge, Amount: -h.Amount,
		Operation: h.Operation, SiteID: &h.SiteID, RunID: &h.RunID, Stage: h.Stage, ItemID: &h.ItemID,
		IdempotencyKey: h.Key(), CreatedAt: now})
	if err != nil || !applied {
		return false, err
	}
	var capOK bool
	if err := tx.GetContext(ctx, &capOK, d.q(`UPDATE automation_runs SET credits_used = credits_used + ? WHERE id = ?
		RETURNING credit_cap = 0 OR credits_used <= credit_cap`), h.Amount, h.RunID); err != nil {
		return false, fmt.Errorf("db: hold: %w", err)
	}
	if !capOK {
		return false, ErrRunCreditCap
	}
	res, err := tx.ExecContext(ctx, d.q(`UPDATE run_operation_spend SET spent = spent + ? WHERE run_id = ? AND operation = ? AND (budget < 0 OR spent + ? <= budget)`),
		h.Amount, h.RunID, h.Operation, h.Amount)
	if err != nil {
		return false, fmt.Errorf("db: hold spend: %w", err)
	}
	if err := oneRow(res, ErrOperationBudget); err != nil {
		return false, err
	}
	if _, err = tx.ExecContext(ctx, d.q(`UPDATE run_stage_results SET credits_used = credits_used + ? WHERE run_id = ? AND stage = ?`), h.Amount, h.RunID, h.Stage); err != nil {
		return false, err
	}
	return true, nil
}

// Refund gives a hold back.
type Refund struct {
	Hold
	Reason string
}

// refundTx writes the refund row (keyed "refund:<hold key>", so at most one)
// for an existing, unsettled charge and takes the spend back off the run.
func (d *DB) refundTx(ctx context.Context, tx *sqlx.Tx, r Refund) error {
	return d.refundKeyTx(ctx, tx, r.Key(), r.Reason, T(r.Now))
}

// refundKeyTx refunds the charge keyed key, if there is one and it is
// neither settled nor refunded yet.
func (d *DB) refundKeyTx(ctx context.Context, tx *sqlx.Tx, key, reason string, now time.Time) error {
	var charge CreditTransaction
	err := tx.GetContext(ctx, &charge, d.q(`SELECT * FROM credit_transactions WHERE idempotency_key = ? AND kind = 'charge'`), key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // nothing was charged
	}
	if err != nil {
		return fmt.Errorf("db: refund: %w", err)
	}
	if charge.Settled {
		return nil // the work committed: it stays paid
	}
	return d.refundChargeTx(ctx, tx, charge, reason, now)
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
