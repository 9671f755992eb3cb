package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Keyword statuses.
const (
	KeywordNew         = "new"
	KeywordClustered   = "clustered"
	KeywordUnclustered = "unclustered"
	KeywordFailed      = "failed"
)

// Keyword is stage 1's input.
type Keyword struct {
	ID          int64     `db:"id"`
	SiteID      int64     `db:"site_id"`
	Keyword     string    `db:"keyword"`
	KeywordNorm string    `db:"keyword_norm"`
	Volume      int       `db:"volume"`
	Difficulty  int       `db:"difficulty"`
	Status      string    `db:"status"`
	ClusterID   *int64    `db:"cluster_id"`
	Attempts    int       `db:"attempts"`
	LastError   string    `db:"last_error"`
	LastRunID   *int64    `db:"last_attempt_run_id"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// NewKeyword is one keyword to import; Norm must be set by the caller.
type NewKeyword struct {
	Text       string
	Norm       string
	Volume     int
	Difficulty int
}

// ImportKeywords inserts keywords for a site in one transaction, skipping
// those already present (by normalised text). It returns how many were new.
// Rows get increasing created_at so stage 1 takes them in import order.
func (d *DB) ImportKeywords(ctx context.Context, siteID int64, kws []NewKeyword, now time.Time) (inserted int, err error) {
	now = T(now)
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		stmt, err := tx.PreparexContext(ctx, d.q(`INSERT INTO keywords (site_id, keyword, keyword_norm, volume, difficulty, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'new', ?, ?) ON CONFLICT (site_id, keyword_norm) DO NOTHING`))
		if err != nil {
			return fmt.Errorf("db: import keywords: %w", err)
		}
		defer stmt.Close()
		for _, k := range kws {
			res, err := stmt.ExecContext(ctx, siteID, k.Text, k.Norm, k.Volume, k.Difficulty, now, now)
			if err != nil {
				return fmt.Errorf("db: import keyword %q: %w", k.Text, err)
			}
			n, _ := res.RowsAffected()
			inserted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return inserted, nil
}

// ListKeywords pages a site's keywords, optionally filtered by status.
func (d *DB) ListKeywords(ctx context.Context, siteID int64, status string, limit, offset int) ([]Keyword, int, error) {
	where, args := "site_id = ?", []any{siteID}
	if status != "" {
		where += " AND status = ?"
		args = append(args, status)
	}
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM keywords WHERE `+where), args...); err != nil {
		return nil, 0, fmt.Errorf("db: count keywords: %w", err)
	}
	var out []Keyword
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM keywords WHERE `+where+` ORDER BY created_at, id LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: list keywords: %w", err)
	}
	return out, total, nil
}

// RequeueKeywords moves a site's unclustered (or failed) keywords back to new.
func (d *DB) RequeueKeywords(ctx context.Context, siteID int64, status string, now time.Time) (int, error) {
	if status != KeywordUnclustered && status != KeywordFailed {
		return 0, fmt.Errorf("db: requeue: bad status %q", status)
	}
	res, err := d.ExecContext(ctx, d.q(`UPDATE keywords SET status = 'new', attempts = 0, last_error = '', updated_at = ? WHERE site_id = ? AND status = ?`), T(now), siteID, status)
	if err != nil {
		return 0, fmt.Errorf("db: requeue keywords: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// StatusCounts maps a status to its number of rows.
type StatusCounts map[string]int

// PipelineCounts holds per-table status counts of a site's items.
type PipelineCounts struct {
	Keywords     StatusCounts `json:"keywords"`
	Clusters     StatusCounts `json:"clusters"`
	Ideas        StatusCounts `json:"ideas"`
	Tasks        StatusCounts `json:"tasks"`
	Content      StatusCounts `json:"content"`
	ImagePrompts StatusCounts `json:"image_prompts"`
	Images       int          `json:"images"`
}

// itemTables maps the pipeline's item tables to their status lists.
var itemTables = []struct {
	table    string
	statuses []string
}{
	{"keywords", []string{"new", "clustered", "unclustered", "failed"}},
	{"clusters", []string{"new", "ideas_generated"}},
	{"ideas", []string{"new", "queued"}},
	{"tasks", []string{"queued", "done", "failed"}},
	{"content", []string{"draft", "review", "approved", "rejected", "scheduled", "publishing", "published", "failed"}},
	{"image_prompts", []string{"pending", "done", "failed"}},
}

// Pipeline counts a site's items per table and status (every status present,
// zero when empty).
func (d *DB) Pipeline(ctx context.Context, siteID int64) (PipelineCounts, error) {
	var parts []string
	for _, t := range itemTables {
		parts = append(parts, fmt.Sprintf("SELECT '%s' AS tbl, status, COUNT(*) AS n FROM %s WHERE site_id = ? GROUP BY status", t.table, t.table))
	}
	rows := []struct {
		Tbl    string `db:"tbl"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}{}
	args := make([]any, len(itemTables))
	for i := range args {
		args[i] = siteID
	}
	if err := d.SelectContext(ctx, &rows, d.q(strings.Join(parts, " UNION ALL ")), args...); err != nil {
		return PipelineCounts{}, fmt.Errorf("db: pipeline counts: %w", err)
	}
	byTable := map[string]StatusCounts{}
	for _, t := range itemTables {
		m := StatusCounts{}
		for _, s := range t.statuses {
			m[s] = 0
		}
		byTable[t.table] = m
	}
	for _, r := range rows {
		byTable[r.Tbl][r.Status] = r.N
	}
	pc := PipelineCounts{Keywords: byTable["keywords"], Clusters: byTable["clusters"], Ideas: byTable["ideas"],
		Tasks: byTable["tasks"], Content: byTable["content"], ImagePrompts: byTable["image_prompts"]}
	if err := d.GetContext(ctx, &pc.Images, d.q(`SELECT COUNT(*) FROM images WHERE site_id = ?`), siteID); err != nil {
		return PipelineCounts{}, fmt.Errorf("db: count images: %w", err)
	}
	return pc, nil
}
