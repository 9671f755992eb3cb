package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The pages' counts of a site's items (per table and status, per stage)
// come from item_counts: rows of deltas that triggers append in the
// transaction that inserts, moves or deletes an item (migration
// 00011_item_counts), summed per bucket on read. Reading them costs a few
// rows however many keywords a site has; FoldItemCounts keeps the number of
// rows per site small.

// countsTable is the SQL of a site's counters of one item table, with the
// columns db.Stages' conditions read (status, prompts_extracted_at,
// approved_at) and n, the number of items in that bucket.
const countsTable = `item_counts WHERE site_id = ? AND tbl = ?`

// sumWhere is the SQL sum of the items of the buckets that meet cond ("": none).
func sumWhere(cond string) string {
	if cond == "" {
		return "0"
	}
	return "COALESCE(SUM(CASE WHEN " + cond + " THEN n ELSE 0 END), 0)"
}

// siteStatusCounts counts a site's items per status in each of tables,
// every status of itemTables present (zero when none); images, which have
// no status, under "".
func (d *DB) siteStatusCounts(ctx context.Context, siteID int64, tables ...string) (map[string]StatusCounts, error) {
	out := map[string]StatusCounts{}
	q := `SELECT tbl, status, SUM(n) AS n FROM item_counts WHERE site_id = ? AND tbl IN (?) GROUP BY tbl, status`
	q, args, err := sqlx.In(q, siteID, tables)
	if err != nil {
		return nil, err
	}
	rows := []struct {
		Tbl    string `db:"tbl"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}{}
	if err := d.SelectContext(ctx, &rows, d.q(q), args...); err != nil {
		return nil, fmt.Errorf("db: item counts: %w", err)
	}
	for _, t := range tables {
		out[t] = StatusCounts{}
	}
	for _, t := range itemTables {
		if m, ok := out[t.table]; ok {
			for _, s := range t.statuses {
				m[s] = 0
			}
		}
	}
	for _, r := range rows {
		if r.N != 0 {
			out[r.Tbl][r.Status] = r.N
		}
	}
	return out, nil
}

// ContentCountsMark names where a site's article counters stand: the id
// of the newest counter row of its articles. Every insert, delete or move
// of an article between the buckets the counters keep (its status, its
// prompts taken or not, approved or not) appends a row, and a fold
// replaces them, so the mark changes whenever an article is approved,
// unapproved, published or deleted — what the dashboard's chart of
// approvals and publications is drawn from.
func (d *DB) ContentCountsMark(ctx context.Context, siteID int64) (int64, error) {
	var id int64
	if err := d.GetContext(ctx, &id, d.q(`SELECT COALESCE(MAX(id), 0) FROM `+countsTable), siteID, "content"); err != nil {
		return 0, fmt.Errorf("db: content counts mark: %w", err)
	}
	return id, nil
}

// foldBatch bounds how many sites one fold transaction takes.
const foldBatch = 200

// FoldItemCounts replaces each site's counter rows by one per bucket (and
// none for a bucket that sums to zero, such as a deleted site's), for the
// sites that have rows appended since the last fold. It returns how many
// rows it removed. Rows are summed as they are deleted (DELETE …
// RETURNING), so a delta a writer appends meanwhile is either folded or
// left for the next fold, never lost or counted twice — even when two
// instances fold at once.
func (d *DB) FoldItemCounts(ctx context.Context) (int, error) {
	removed := 0
	for {
		n, err := d.foldSome(ctx)
		removed += n
		if err != nil || n == 0 {
			return removed, err
		}
	}
}

type countRow struct {
	SiteID    int64  `db:"site_id"`
	Tbl       string `db:"tbl"`
	Status    string `db:"status"`
	Extracted *int   `db:"prompts_extracted_at"`
	Approved  *int   `db:"approved_at"`
	N         int64  `db:"n"`
}

// foldSome folds the counters of up to foldBatch sites with unfolded rows.
func (d *DB) foldSome(ctx context.Context) (int, error) {
	removed := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var sites []int64
		if err := tx.SelectContext(ctx, &sites, d.q(`SELECT DISTINCT site_id FROM item_counts WHERE folded = FALSE LIMIT ?`), foldBatch); err != nil {
			return err
		}
		if len(sites) == 0 {
			return nil
		}
		q, args, err := sqlx.In(`DELETE FROM item_counts WHERE site_id IN (?)
			RETURNING site_id, tbl, status, prompts_extracted_at, approved_at, n`, sites)
		if err != nil {
			return err
		}
		var rows []countRow
		if err := tx.SelectContext(ctx, &rows, d.q(q), args...); err != nil {
			return err
		}
		removed = len(rows)
		return insertFolded(ctx, d, tx, sumBuckets(rows))
	})
	if err != nil {
		return removed, fmt.Errorf("db: fold item counts: %w", err)
	}
	return removed, nil
}

// sumBuckets adds up rows per bucket, leaving out buckets that sum to zero.
func sumBuckets(rows []countRow) []countRow {
	type key struct {
		site          int64
		tbl, status   string
		extr, approve int
	}
	flag := func(p *int) int {
		if p == nil {
			return 0
		}
		return 1
	}
	sums := map[key]*countRow{}
	var order []key
	for _, r := range rows {
		k := key{r.SiteID, r.Tbl, r.Status, flag(r.Extracted), flag(r.Approved)}
		if s, ok := sums[k]; ok {
			s.N += r.N
			continue
		}
		c := r
		sums[k] = &c
		order = append(order, k)
	}
	var out []countRow
	for _, k := range order {
		if s := sums[k]; s.N != 0 {
			out = append(out, *s)
		}
	}
	return out
}

func insertFolded(ctx context.Context, d *DB, tx *sqlx.Tx, rows []countRow) error {
	const per = 100 // rows per INSERT (7 parameters each)
	for len(rows) > 0 {
		chunk := rows[:min(per, len(rows))]
		rows = rows[len(chunk):]
		var vals []string
		var args []any
		for _, r := range chunk {
			vals = append(vals, "(?, ?, ?, ?, ?, ?, TRUE)")
			args = append(args, r.SiteID, r.Tbl, r.Status, r.Extracted, r.Approved, r.N)
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO item_counts (site_id, tbl, status, prompts_extracted_at, approved_at, n, folded) VALUES `+
			strings.Join(vals, ", ")), args...); err != nil {
			return err
		}
	}
	return nil
}
