package db

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// OnQueued makes g call f, under its lock, with the queue's length each
// time a commit joins it.
func (g *CommitGroup) OnQueued(f func(queued int)) { g.onQueued = f }

// BeforeBatch makes g's leader call f with a batch's size before it
// commits the batch.
func (g *CommitGroup) BeforeBatch(f func(size int)) { g.beforeBatch = f }

// Batches says how many batches g committed and how many items they held.
func (g *CommitGroup) Batches() (batches, items int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.batches, g.items
}

// Commits says how many write transactions d committed.
func (d *DB) Commits() int64 { return d.commits.Load() }

// OneConnection makes d's pools keep one connection each, so consecutive
// statements meet the same connection's kept statements.
func (d *DB) OneConnection() {
	d.read.SetMaxOpenConns(1)
	d.write.SetMaxOpenConns(1)
}

// QueryxForTest runs a query on the read pool.
func (d *DB) QueryxForTest(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	return d.read.QueryxContext(ctx, query, args...)
}
