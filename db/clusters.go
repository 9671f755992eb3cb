package db

import (
	"context"
	"time"
)

// Cluster statuses.
const (
	ClusterNew            = "new"
	ClusterIdeasGenerated = "ideas_generated"
	ClusterFailed         = "failed"
)

// ClusterWithKeywords loads a cluster and the texts of its keywords.
func (d *DB) ClusterWithKeywords(ctx context.Context, id int64) (Cluster, []string, error) {
	var c Cluster
	if err := d.GetContext(ctx, &c, d.q(`SELECT * FROM clusters WHERE id = ?`), id); err != nil {
		return c, nil, notFound(err)
	}
	var kws []string
	err := d.SelectContext(ctx, &kws, d.q(`SELECT keyword FROM keywords WHERE cluster_id = ? ORDER BY created_at, id`), id)
	return c, kws, err
}

// Cluster groups keywords (stage 1 output, stage 2 input).
type Cluster struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	RunID     *int64    `db:"run_id"`
	Name      string    `db:"name"`
	Status    string    `db:"status"`
	Attempts  int       `db:"attempts"`
	LastError string    `db:"last_error"`
	LastRunID *int64    `db:"last_attempt_run_id"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	// Version counts the changes of the item's editable fields and status:
	// a person's edit and a stage's commit both compare and increment it.
	Version int64 `db:"version"`
}
