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
			if err := oneRow(res, ErrNotFound); err != nil {
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

// Operations are the AI functions that cost credits, in pipeline order.
var Operations = []string{"clustering", "idea_generation", "content_generation", "image_prompt_extraction", "image_generation"}

// operationOrder sorts rows by operation in pipeline order.
const operationOrder = `CASE operation WHEN 'clustering' THEN 1 WHEN 'idea_generation' THEN 2
	WHEN 'content_generation' THEN 3 WHEN 'image_prompt_extraction' THEN 4 ELSE 5 END`

// CreditCost is the price of one AI function.
type CreditCost struct {
	Operation      string    `db:"operation" json:"operation"`
	CreditsPerUnit int64     `db:"credits_per_unit" json:"credits_per_unit"`
	Unit           string    `db:"unit" json:"unit"`
	DefaultShareBP int       `db:"default_share_bp" json:"default_share_bp"`
	Active         bool      `db:"active" json:"active"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
}

// CreditCosts lists the global costs.
func (d *DB) CreditCosts(ctx context.Context) ([]CreditCost, error) {
	var out []CreditCost
	err := d.SelectContext(ctx, &out, `SELECT * FROM credit_costs ORDER BY `+operationOrder)
	return out, err
}
