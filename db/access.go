package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrUnavailable means the database could not be reached (connection
// refused or cut, server starting or shutting down) or stayed busy after
// the retries: nothing was done, and trying again later may work. Handlers
// answer 503 with Retry-After.
var ErrUnavailable = errors.New("db: database unavailable")

// unavailableError wraps the driver's error: errors.Is(err, ErrUnavailable)
// holds and the cause stays in the chain for logs.
type unavailableError struct{ cause error }

func (e *unavailableError) Error() string        { return "db: database unavailable: " + e.cause.Error() }
func (e *unavailableError) Unwrap() error        { return e.cause }
func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

// Outage lets a caller ride out a database that cannot be reached: every
// statement made with a context carrying it (WithOutage) that fails for that
// reason is tried again for as long as Wait allows. Other failures return at
// once.
type Outage interface {
	// Wait is told that a statement failed because the database could not
	// be reached; it waits before the next try and returns nil, or returns
	// an error to give up (the statement then fails with ErrUnavailable).
	Wait(ctx context.Context, cause error) error
	// Reached is told that a statement got an answer from the database.
	Reached()
}

type outageKey struct{}

// WithOutage returns ctx carrying o: the statements made with it ride out
// an unreachable database as o decides.
func WithOutage(ctx context.Context, o Outage) context.Context {
	return context.WithValue(ctx, outageKey{}, o)
}

func outageOf(ctx context.Context) Outage {
	o, _ := ctx.Value(outageKey{}).(Outage)
	return o
}

// busyRetries is how often a statement refused for contention (SQLite
// busy, a PostgreSQL deadlock or serialization failure) is tried again
// before it counts as unavailable.
const busyRetries = 3

// attempt runs f until it succeeds, fails for another reason than the
// database being unreachable, or may not be tried again: busy errors a few
// times with a short backoff, unreachable ones as ctx's Outage allows.
// f must be safe to run again (a rolled-back transaction, a read).
func (d *DB) attempt(ctx context.Context, f func() error) error {
	o := outageOf(ctx)
	busy := 0
	for {
		err := f()
		switch {
		case err == nil, !Unreachable(err):
			if o != nil && ctx.Err() == nil {
				o.Reached()
			}
			return err
		case ctx.Err() != nil:
			return err
		case contended(err) && busy < busyRetries:
			busy++
			if werr := sleep(ctx, time.Duration(busy*busy)*20*time.Millisecond); werr != nil {
				return err
			}
			continue
		}
		if o == nil || o.Wait(ctx, err) != nil {
			return &unavailableError{cause: err}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// InTx runs fn in a transaction on the writer, committing when it returns
// nil. It is the only way to write. A transaction refused for contention or
// cut by a lost connection is rolled back and run again (see attempt), so
// fn must only touch the transaction and variables it sets afresh on each
// run. fn must not read through d (another connection) nor open another
// transaction: on SQLite the writer is one connection, which fn holds.
func (d *DB) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return d.attempt(ctx, func() error {
		tx, err := d.write.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		defer tx.Rollback()
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("db: commit: %w", err)
		}
		d.commits.Add(1)
		return nil
	})
}

// GetContext reads one row into dest on the read pool.
func (d *DB) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return d.attempt(ctx, func() error { return d.read.GetContext(ctx, dest, query, args...) })
}

// SelectContext reads rows into the slice dest on the read pool.
func (d *DB) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return d.attempt(ctx, func() error {
		// A try cut off mid-scan must not leave its rows for the next.
		if v := reflect.ValueOf(dest); v.Kind() == reflect.Pointer && !v.IsNil() {
			v.Elem().SetZero()
		}
		return d.read.SelectContext(ctx, dest, query, args...)
	})
}

// Ping checks the database answers (for /readyz).
func (d *DB) Ping(ctx context.Context) error {
	return d.attempt(ctx, func() error { return d.read.PingContext(ctx) })
}

// Unreachable reports whether err means the database could not be reached
// or did not take the statement for contention, rather than refusing it:
// the same statement may succeed later.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || contended(err) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch {
		case pe.Code.Class() == "08", // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutdown, crash, starting up
			pe.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var ne net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED),
		errors.As(err, &ne):
		return true
	}
	// lib/pq reports a connection the server closed as plain text.
	return strings.Contains(err.Error(), "server closed the connection unexpectedly")
}

// contended reports a statement refused because another transaction held
// what it needed: SQLite busy or locked (after busy_timeout), a PostgreSQL
// deadlock or serialization failure.
func contended(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// UnavailableReason says in a few words why the database is unavailable,
// without addresses or credentials (for /readyz and logs).
func UnavailableReason(err error) string {
	var pe *pq.Error
	switch {
	case err == nil:
		return ""
	case contended(err):
		return "busy: another writer holds the lock"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, driver.ErrBadConn):
		return "connection lost"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT):
		return "timed out"
	case errors.As(err, &pe) && (pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"):
		return "server starting up or shutting down"
	case errors.As(err, &pe) && pe.Code == "53300":
		return "too many connections"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return "unreachable"
}
