package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Event is one line of a run's log.
type Event struct {
	ID      int64     `db:"id" json:"id"`
	RunID   int64     `db:"run_id" json:"-"`
	At      time.Time `db:"at" json:"at"`
	Stage   int       `db:"stage" json:"stage,omitempty"`
	Level   string    `db:"level" json:"level"`
	Message string    `db:"message" json:"message"`
	Actor   string    `db:"actor" json:"actor"`
}

func (d *DB) addEventTx(ctx context.Context, tx sqlx.ExecerContext, e Event) error {
	if e.Level == "" {
		e.Level = "info"
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	if len(e.Message) > 2000 {
		e.Message = e.Message[:2000] + "…"
	}
	_, err := tx.ExecContext(ctx, d.q(`INSERT INTO run_events (run_id, at, stage, level, message, actor) VALUES (?, ?, ?, ?, ?, ?)`),
		e.RunID, T(e.At), e.Stage, e.Level, e.Message, e.Actor)
	if err != nil {
		return fmt.Errorf("db: run event: %w", err)
	}
	return nil
}

// AddEvent appends to a run's log outside any item transaction (lease
// changes, scheduler notes).
func (d *DB) AddEvent(ctx context.Context, e Event) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error { return d.addEventTx(ctx, tx, e) })
}

// ListEvents returns a run's log in order; afterID pages (0 = from start).
func (d *DB) ListEvents(ctx context.Context, runID, afterID int64, limit int) ([]Event, error) {
	var out []Event
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM run_events WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`), runID, afterID, limit)
	return out, err
}

// LastEvents returns the last limit events of a run's log, oldest first,
// and how many events the log holds in all.
func (d *DB) LastEvents(ctx context.Context, runID int64, limit int) ([]Event, int, error) {
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM run_events WHERE run_id = ?`), runID); err != nil {
		return nil, 0, fmt.Errorf("db: count run events: %w", err)
	}
	var out []Event
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM (SELECT * FROM run_events WHERE run_id = ? ORDER BY id DESC LIMIT ?) last ORDER BY id`),
		runID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("db: last run events: %w", err)
	}
	return out, total, nil
}
