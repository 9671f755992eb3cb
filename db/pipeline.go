package db

import (
	"context"
	"fmt"
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
// zero when empty), from the site's counters.
func (d *DB) Pipeline(ctx context.Context, siteID int64) (PipelineCounts, error) {
	tables := []string{"images"}
	for _, t := range itemTables {
		tables = append(tables, t.table)
	}
	c, err := d.siteStatusCounts(ctx, siteID, tables...)
	if err != nil {
		return PipelineCounts{}, fmt.Errorf("db: pipeline counts: %w", err)
	}
	return PipelineCounts{Keywords: c["keywords"], Clusters: c["clusters"], Ideas: c["ideas"], Tasks: c["tasks"],
		Content: c["content"], ImagePrompts: c["image_prompts"], Images: c["images"][""]}, nil
}
