package db

import (
	"context"
	"fmt"
	"strings"
)

// MaxItemAttempts is how many failed attempts (across runs) make an item
// failed for good.
const MaxItemAttempts = 3

// stageQueue describes where a stage finds its pending items.
type stageQueue struct {
	table   string
	where   string
	attempt bool // the table tracks last_attempt_run_id
}

var stageQueues = [8]stageQueue{
	1: {"keywords", "status = 'new'", true},
	2: {"clusters", "status = 'new'", true},
	3: {"ideas", "status = 'new'", false},
	4: {"tasks", "status = 'queued'", true},
	5: {"content", "status = 'draft' AND prompts_extracted_at IS NULL", true},
	6: {"image_prompts", "status = 'pending'", true},
	7: {"content", "status = 'review'", false},
}

// PendingCounts counts each stage's pending items for a site (index 1–7).
func (d *DB) PendingCounts(ctx context.Context, siteID int64) ([8]int, error) {
	var out [8]int
	var parts []string
	args := []any{}
	for stage := 1; stage <= 7; stage++ {
		q := stageQueues[stage]
		parts = append(parts, fmt.Sprintf("SELECT %d AS stage, COUNT(*) AS n FROM %s WHERE site_id = ? AND %s", stage, q.table, q.where))
		args = append(args, siteID)
	}
	rows := []struct {
		Stage int `db:"stage"`
		N     int `db:"n"`
	}{}
	if err := d.SelectContext(ctx, &rows, d.q(strings.Join(parts, " UNION ALL ")), args...); err != nil {
		return out, fmt.Errorf("db: pending counts: %w", err)
	}
	for _, r := range rows {
		out[r.Stage] = r.N
	}
	return out, nil
}

func (d *DB) pendingWhere(stage int, siteID, runID int64) (string, []any) {
	q := stageQueues[stage]
	where, args := "site_id = ? AND "+q.where, []any{siteID}
	if q.attempt && runID > 0 {
		// An item that already failed in this run waits for the next run.
		where += " AND (last_attempt_run_id IS NULL OR last_attempt_run_id <> ?)"
		args = append(args, runID)
	}
	return where, args
}

// CountPending counts a stage's items that this run may still take.
func (d *DB) CountPending(ctx context.Context, stage int, siteID, runID int64) (int, error) {
	where, args := d.pendingWhere(stage, siteID, runID)
	var n int
	err := d.GetContext(ctx, &n, d.q(`SELECT COUNT(*) FROM `+stageQueues[stage].table+` WHERE `+where), args...)
	return n, err
}

// PendingIDs returns up to limit ids of a stage's pending items, oldest
// first (created_at, id).
func (d *DB) PendingIDs(ctx context.Context, stage int, siteID, runID int64, limit int) ([]int64, error) {
	where, args := d.pendingWhere(stage, siteID, runID)
	var ids []int64
	err := d.SelectContext(ctx, &ids, d.q(`SELECT id FROM `+stageQueues[stage].table+` WHERE `+where+` ORDER BY created_at, id LIMIT ?`), append(args, limit)...)
	return ids, err
}
