package db

import (
	"context"
	"fmt"
	"strings"
)

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
	{"clusters", []string{"new", "ideas_generated", "failed"}},
	{"ideas", []string{"new", "queued"}},
	{"tasks", []string{"queued", "done", "failed", "skipped"}},
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
