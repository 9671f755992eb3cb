package db

import (
	"context"
	"time"
)

// Writing task statuses.
const (
	TaskQueued = "queued"
	TaskDone   = "done"
	TaskFailed = "failed"
	// TaskSkipped: a person chose not to have it written.
	TaskSkipped = "skipped"
)

// TaskWithIdea loads a writing task and its idea.
func (d *DB) TaskWithIdea(ctx context.Context, id int64) (Task, Idea, error) {
	var t Task
	var i Idea
	if err := d.GetContext(ctx, &t, d.q(`SELECT * FROM tasks WHERE id = ?`), id); err != nil {
		return t, i, notFound(err)
	}
	err := d.GetContext(ctx, &i, d.q(`SELECT * FROM ideas WHERE id = ?`), t.IdeaID)
	return t, i, notFound(err)
}

// Task is a writing task (stage 3 output, stage 4 input).
type Task struct {
	ID        int64     `db:"id"`
	SiteID    int64     `db:"site_id"`
	IdeaID    int64     `db:"idea_id"`
	RunID     *int64    `db:"run_id"`
	Title     string    `db:"title"`
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
