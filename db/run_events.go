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

// NewestEventID is the id of the newest line of a run's log (0 while it
// has none): a mark of where the log stands that costs one step down the
// run's index however long the log. Lines are only ever appended (never
// changed or removed, save with their run), and on SQLite they commit in
// id order, so the same mark means the same log. On PostgreSQL two
// transactions can commit their lines out of id order; a line that lands
// below the mark shows with the next line after it.
func (d *DB) NewestEventID(ctx context.Context, runID int64) (int64, error) {
	var id int64
	if err := d.GetContext(ctx, &id, d.q(`SELECT COALESCE(MAX(id), 0) FROM run_events WHERE run_id = ?`), runID); err != nil {
		return 0, fmt.Errorf("db: newest run event: %w", err)
	}
	return id, nil
}

// EventFilter chooses which of a run's log events LastEvents returns.
type EventFilter struct {
	// Levels keeps only events of these levels (empty: all).
	Levels []string
	// Limit is how many of the newest matching events to return.
	Limit int
	// NewestFirst orders them newest first (default: oldest first).
	NewestFirst bool
}

// LastEvents returns the newest f.Limit events of a run's log that match
// f.Levels, in the order f asks for, and how many events the whole log
// holds of each level.
func (d *DB) LastEvents(ctx context.Context, runID int64, f EventFilter) ([]Event, map[string]int, error) {
	counts := []struct {
		Level string `db:"level"`
		N     int    `db:"n"`
	}{}
	if err := d.SelectContext(ctx, &counts, d.q(`SELECT level, COUNT(*) AS n FROM run_events WHERE run_id = ? GROUP BY level`), runID); err != nil {
		return nil, nil, fmt.Errorf("db: count run events: %w", err)
	}
	byLevel := make(map[string]int, len(counts))
	for _, c := range counts {
		byLevel[c.Level] = c.N
	}
	where, args := "run_id = ?", []any{runID}
	if len(f.Levels) > 0 {
		q, largs, err := sqlx.In(" AND level IN (?)", f.Levels)
		if err != nil {
			return nil, nil, fmt.Errorf("db: run events: %w", err)
		}
		where += q
		args = append(args, largs...)
	}
	order := "ASC"
	if f.NewestFirst {
		order = "DESC"
	}
	var out []Event
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM (SELECT * FROM run_events WHERE `+where+` ORDER BY id DESC LIMIT ?) last ORDER BY id `+order),
		append(args, f.Limit)...)
	if err != nil {
		return nil, nil, fmt.Errorf("db: last run events: %w", err)
	}
	return out, byLevel, nil
}
