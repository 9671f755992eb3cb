package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Ledger kinds.
const (
	KindGrant  = "grant"
	KindCharge = "charge"
	KindRefund = "refund"
)

// ErrInsufficientCredits means the account balance cannot cover a charge.
var ErrInsufficientCredits = errors.New("db: insufficient credits")

// CreditTransaction is one ledger row.
type CreditTransaction struct {
	ID             int64     `db:"id"`
	AccountID      int64     `db:"account_id"`
	Kind           string    `db:"kind"`
	Amount         int64     `db:"amount"`
	BalanceAfter   int64     `db:"balance_after"`
	Operation      string    `db:"operation"`
	SiteID         *int64    `db:"site_id"`
	RunID          *int64    `db:"run_id"`
	Stage          int       `db:"stage"`
	ItemID         *int64    `db:"item_id"`
	IdempotencyKey string    `db:"idempotency_key"`
	Settled        bool      `db:"settled"`
	Note           string    `db:"note"`
	CreatedAt      time.Time `db:"created_at"`
}

// GrantCredits adds credits to an account with a ledger row. A repeated key
// is a no-op (applied=false).
func (d *DB) GrantCredits(ctx context.Context, accountID, amount int64, key, note string, now time.Time) (applied bool, err error) {
	if amount <= 0 {
		return false, fmt.Errorf("db: grant must be positive")
	}
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		applied, err = d.grantTx(ctx, tx, accountID, amount, key, note, T(now))
		return err
	})
	return applied, err
}

// grantTx credits the account and writes the ledger row, keyed for
// idempotency: a repeated key credits nothing.
func (d *DB) grantTx(ctx context.Context, tx *sqlx.Tx, accountID, amount int64, key, note string, now time.Time) (bool, error) {
	return d.ledgerTx(ctx, tx, CreditTransaction{AccountID: accountID, Kind: KindGrant, Amount: amount, IdempotencyKey: key, Note: note, CreatedAt: now})
}

// ledgerTx applies one ledger entry: it moves the balance by Amount,
// refusing to go below zero, and writes the row with the balance it left.
// It returns applied=false, and moves nothing, for a repeated idempotency
// key.
//
// The balance moves first, so the row goes in whole (two statements, not
// an insert and an update of what it inserted). A repeated key is rare (a
// retried or taken-over item's hold): its insert does nothing (ON CONFLICT
// DO NOTHING, since a unique error would abort a PostgreSQL transaction)
// and the balance is moved back. Every entry takes the account row before
// the key, so two entries with one key wait for each other on the account
// and cannot deadlock.
func (d *DB) ledgerTx(ctx context.Context, tx *sqlx.Tx, e CreditTransaction) (bool, error) {
	var balance int64
	err := tx.GetContext(ctx, &balance, d.q(`UPDATE accounts SET credits = credits + ? WHERE id = ? AND credits + ? >= 0 RETURNING credits`),
		e.Amount, e.AccountID, e.Amount)
	if errors.Is(err, sql.ErrNoRows) {
		// Not enough credits — unless the entry exists: then nothing is
		// charged again, whatever the balance is now.
		var exists bool
		if err := tx.GetContext(ctx, &exists, d.q(`SELECT EXISTS (SELECT 1 FROM credit_transactions WHERE idempotency_key = ?)`), e.IdempotencyKey); err != nil {
			return false, fmt.Errorf("db: ledger key: %w", err)
		}
		if exists {
			return false, nil
		}
		return false, ErrInsufficientCredits
	}
	if err != nil {
		return false, fmt.Errorf("db: ledger balance: %w", err)
	}
	var id int64
	err = tx.GetContext(ctx, &id, d.q(`INSERT INTO credit_transactions
		(account_id, kind, amount, balance_after, operation, site_id, run_id, stage, item_id, idempotency_key, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`),
		e.AccountID, e.Kind, e.Amount, balance, e.Operation, e.SiteID, e.RunID, e.Stage, e.ItemID, e.IdempotencyKey, e.Note, T(e.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE accounts SET credits = credits - ? WHERE id = ?`), e.Amount, e.AccountID); err != nil {
			return false, fmt.Errorf("db: ledger balance back: %w", err)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("db: ledger insert: %w", err)
	}
	return true, nil
}

// ListLedger pages an account's ledger, newest first.
func (d *DB) ListLedger(ctx context.Context, accountID int64, limit, offset int) ([]CreditTransaction, int, error) {
	var out []CreditTransaction
	if err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM credit_transactions WHERE account_id = ? ORDER BY id DESC LIMIT ? OFFSET ?`), accountID, limit, offset); err != nil {
		return nil, 0, fmt.Errorf("db: ledger: %w", err)
	}
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM credit_transactions WHERE account_id = ?`), accountID); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SpendActivity sums an account's net credit spend (charges less their
// refunds) since a time, per time bucket and AI function (Kind is the
// operation).
func (d *DB) SpendActivity(ctx context.Context, accountID int64, since time.Time) ([]TimeCount, error) {
	var rows []bucketRow
	err := d.SelectContext(ctx, &rows, d.q(`SELECT operation AS kind, `+d.bucketOf("created_at")+` AS bucket, -SUM(amount) AS n
		FROM credit_transactions WHERE account_id = ? AND kind IN ('charge','refund') AND created_at >= ?
		GROUP BY operation, `+d.bucketOf("created_at")), accountID, T(since))
	if err != nil {
		return nil, fmt.Errorf("db: spend activity: %w", err)
	}
	return timeCounts(rows), nil
}

// RunOperationSpend is what one run spent on one AI function, net of
// refunds.
type RunOperationSpend struct {
	RunID     int64  `db:"run_id"`
	SiteID    int64  `db:"site_id"`
	Operation string `db:"operation"`
	Spent     int64  `db:"spent"`
}

// RecentRunSpend sums the net spend per AI function of an account's last
// limit runs (runs without a charge are left out), newest run first.
func (d *DB) RecentRunSpend(ctx context.Context, accountID int64, limit int) ([]RunOperationSpend, error) {
	var out []RunOperationSpend
	err := d.SelectContext(ctx, &out, d.q(`SELECT c.run_id, r.site_id, c.operation, -SUM(c.amount) AS spent
		FROM credit_transactions c JOIN automation_runs r ON r.id = c.run_id
		WHERE c.run_id IN (SELECT id FROM automation_runs WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?)
		AND c.kind IN ('charge','refund')
		GROUP BY c.run_id, r.site_id, c.operation
		ORDER BY c.run_id DESC, c.operation`), accountID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: recent run spend: %w", err)
	}
	return out, nil
}
