package db

import (
	"context"
	"fmt"
	"strings"
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

// The AI functions that cost credits (credit operations).
const (
	OpClustering            = "clustering"
	OpIdeaGeneration        = "idea_generation"
	OpContentGeneration     = "content_generation"
	OpImagePromptExtraction = "image_prompt_extraction"
	OpImageGeneration       = "image_generation"
)

// Operations are the credit operations of the stages, in pipeline order.
var Operations = stageOperations()

func stageOperations() []string {
	var ops []string
	for _, st := range Stages {
		if st.Operation != "" {
			ops = append(ops, st.Operation)
		}
	}
	return ops
}

// operationOrder sorts rows by operation in pipeline order.
var operationOrder = orderBy("operation", Operations)

// orderBy is an ORDER BY expression that sorts column by its position in
// values (values are the package's own constants, never user input).
func orderBy(column string, values []string) string {
	var b strings.Builder
	b.WriteString("CASE " + column)
	for i, v := range values {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", v, i+1)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(values)+1)
	return b.String()
}

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
