package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// SaveCreditCosts updates several operations' costs in one transaction
// (the admin's form saves all five together, so the default shares never
// stand half-edited). An unknown operation is ErrNotFound and saves nothing.
func (d *DB) SaveCreditCosts(ctx context.Context, costs []CreditCost, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, c := range costs {
			res, err := tx.ExecContext(ctx, d.q(`UPDATE credit_costs SET credits_per_unit = ?, unit = ?, default_share_bp = ?, active = ?, updated_at = ? WHERE operation = ?`),
				c.CreditsPerUnit, c.Unit, c.DefaultShareBP, c.Active, T(now), c.Operation)
			if err != nil {
				return fmt.Errorf("db: save credit costs: %w", err)
			}
			if err := oneRow(res); err != nil {
				return fmt.Errorf("db: save credit costs: %s: %w", c.Operation, err)
			}
		}
		return nil
	})
}

// DefaultShares returns the global default split by operation, in basis
// points (what a site in global mode uses).
func DefaultShares(costs []CreditCost) map[string]int {
	out := make(map[string]int, len(costs))
	for _, c := range costs {
		out[c.Operation] = c.DefaultShareBP
	}
	return out
}
