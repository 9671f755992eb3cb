package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// Idea statuses.
const (
	IdeaNew    = "new"
	IdeaQueued = "queued"
)

// IdeasByIDs loads ideas.
func (d *DB) IdeasByIDs(ctx context.Context, ids []int64) ([]Idea, error) {
	var out []Idea
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := sqlx.In(`SELECT * FROM ideas WHERE id IN (?) ORDER BY created_at, id`, ids)
	if err != nil {
		return nil, err
	}
	err = d.SelectContext(ctx, &out, d.q(q), args...)
	return out, err
}

// Idea is an article idea (stage 2 output, stage 3 input).
type Idea struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	ClusterID *int64    `db:"cluster_id"`
	RunID     *int64    `db:"run_id"`
	Title     string    `db:"title"`
	Summary   string    `db:"summary"`
	Keywords  string    `db:"keywords"`
	Status    string    `db:"status"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
	// Version counts the changes of the item's editable fields and status:
	// a person's edit and a stage's commit both compare and increment it.
	Version int64 `db:"version"`
}
