// Package db opens autopress's database (SQLite or PostgreSQL), runs its
// embedded migrations and holds every SQL statement of the application.
//
// Queries are written once with `?` placeholders and rebound per dialect, so
// one string serves both databases. Files are named by what they store: one
// file per table family (sites.go, keywords.go, content.go, runs.go and its
// run_*.go children, ledger.go, credit_holds.go, …); stages.go holds the
// stored facts of each pipeline stage and item_commits.go the transaction
// that commits a stage's item.
//
// Naming: Get* methods take the caller's account id and return ErrNotFound
// for a row of another account (pages and the API use them); *ByID methods
// are unscoped (background jobs, which act for every account). Not found is
// always ErrNotFound, never a zero value with a nil error.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL flavour behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Sentinel errors returned by the store. Handlers map them to status codes.
var (
	ErrNotFound  = errors.New("db: not found")
	ErrDuplicate = errors.New("db: duplicate")
	// ErrRunActive means the site already has a running or paused run.
	ErrRunActive = errors.New("db: a run is already active for this site")
	// ErrConflict means a compare-and-set touched no row: the row changed
	// under us (status moved, lease lost, budget spent).
	ErrConflict = errors.New("db: conflict")
	// ErrSchemaTooNew means the database was migrated by a newer autopress.
	ErrSchemaTooNew = errors.New("db: the database schema is newer than this binary knows")
)

func init() {
	// The modernc driver registers as "sqlite", a name sqlx does not know.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// DB is the application's handle on its database. Reads go to a pool of
// connections; every write goes through InTx, on the writer: on SQLite one
// connection of its own (SQLite takes one writer at a time; queueing in Go
// rather than in busy_timeout keeps every transaction short and no reader
// waits for it), on PostgreSQL the same pool. SQLite's read connections are
// query-only, so a write that bypasses InTx fails at once ("attempt to write
// a readonly database") instead of contending for the lock.
type DB struct {
	read  *sqlx.DB
	write *sqlx.DB
	// Dialect is SQLite or Postgres.
	Dialect Dialect
	// Path is the SQLite file (empty for PostgreSQL).
	Path string
	// commits counts the write transactions committed.
	commits atomic.Int64
}

// Open connects to url: empty or "sqlite:PATH" selects SQLite (PATH relative
// paths are taken under dataDir; empty means dataDir/autopress.db), and
// "postgres://…" or "postgresql://…" selects PostgreSQL. It does not migrate.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		c, err := pq.NewConnector(url)
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", err)
		}
		x := sqlx.NewDb(sql.OpenDB(cachingConnector{c}), "postgres")
		x.SetMaxOpenConns(20)
		x.SetMaxIdleConns(10)
		x.SetConnMaxIdleTime(5 * time.Minute)
		if err := x.PingContext(ctx); err != nil {
			x.Close()
			return nil, fmt.Errorf("db: connect postgres: %w", err)
		}
		return &DB{read: x, write: x, Dialect: Postgres}, nil
	case url == "", strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			path = "autopress.db"
		}
		if !filepath.IsAbs(path) && dataDir != "" {
			path = filepath.Join(dataDir, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("db: create data dir: %w", err)
		}
		// The writer first: it creates the file and turns WAL on, which
		// the readers then find.
		w, err := openSQLite(ctx, SQLiteDSN(path), 1)
		if err != nil {
			return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
		}
		r, err := openSQLite(ctx, sqliteReadDSN(path), sqliteReaders)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
		}
		return &DB{read: r, write: w, Dialect: SQLite, Path: path}, nil
	default:
		return nil, fmt.Errorf("db: unsupported DATABASE_URL %q (want sqlite:PATH or postgres://…)", redact(url))
	}
}

// sqliteReaders is the size of SQLite's read pool: readers never wait for
// the writer (WAL), so a few serve many requests.
const sqliteReaders = 8

func openSQLite(ctx context.Context, dsn string, conns int) (*sqlx.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	x := sqlx.NewDb(sql.OpenDB(cachingConnector{c}), "sqlite")
	x.SetMaxOpenConns(conns)
	x.SetMaxIdleConns(conns)
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// SQLiteDSN is the modernc DSN of the writer: WAL, waits instead of
// failing, foreign keys, immediate write transactions, sortable UTC times.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite&_timezone=UTC&_texttotime=1"
}

// sqliteReadDSN is the DSN of the read pool: like the writer's, but the
// connections refuse every write.
func sqliteReadDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)" +
		"&_time_format=sqlite&_timezone=UTC&_texttotime=1&_query_only=1"
}

func redact(url string) string {
	if i := strings.Index(url, "@"); i > 0 {
		if j := strings.Index(url, "://"); j > 0 && j < i {
			return url[:j+3] + "…" + url[i:]
		}
	}
	return url
}

// T normalises a time for storage: UTC, microsecond precision (what
// PostgreSQL keeps), so values read back compare equal on both databases.
func T(t time.Time) time.Time { return t.UTC().Round(time.Microsecond) }

// NT is T for optional times.
func NT(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := T(*t)
	return &v
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// q rebinds a `?` query for this dialect.
func (d *DB) q(query string) string { return d.read.Rebind(query) }

// Rebind rebinds a `?` query for this dialect (tests' own queries).
func (d *DB) Rebind(query string) string { return d.read.Rebind(query) }

// Close closes the read pool, then the writer (on SQLite the last
// connection to close checkpoints the write-ahead log).
func (d *DB) Close() error {
	if d.read == d.write {
		return d.read.Close()
	}
	return errors.Join(d.read.Close(), d.write.Close())
}

// exec runs one write statement in a transaction of its own.
func (d *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// insertID runs an INSERT … RETURNING id and returns the id.
func insertID(ctx context.Context, x sqlx.QueryerContext, query string, args ...any) (int64, error) {
	var id int64
	if err := sqlx.GetContext(ctx, x, &id, query+" RETURNING id", args...); err != nil {
		return 0, err
	}
	return id, nil
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// oneRow checks that a statement touched exactly one row. When it did not,
// it returns none: the caller's sentinel (ErrNotFound, ErrConflict,
// ErrLeaseLost…).
func oneRow(res sql.Result, none error) error {
	ok, err := touched(res)
	if err != nil {
		return err
	}
	if !ok {
		return none
	}
	return nil
}

// touched reports whether a statement touched exactly one row.
func touched(res sql.Result) (bool, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("db: rows affected: %w", err)
	}
	return n == 1, nil
}

// bestEffortTimeout bounds a best-effort write.
const bestEffortTimeout = 5 * time.Second

// BestEffort runs a write whose failure must not stop its caller (a log
// event, a lease release, a refund the sweep would redo): with its own
// bounded context, detached from the caller's cancellation, and logging
// what it dropped.
func BestEffort(ctx context.Context, log *slog.Logger, what string, write func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bestEffortTimeout)
	defer cancel()
	if err := write(ctx); err != nil {
		log.WarnContext(ctx, "dropped a best-effort write", "write", what, "err", err)
	}
}

// AdvisoryLock is a PostgreSQL advisory lock held by an open transaction
// (see TryAdvisoryLock).
type AdvisoryLock struct{ tx *sql.Tx }

// TryAdvisoryLock takes the transaction-level advisory lock named key
// without waiting (PostgreSQL only): ok is false when another session holds
// it. The lock lives in a transaction of its own, so Release (a rollback)
// frees it and nothing leaks into a pooled connection, even when the
// process dies (the server ends the session).
func (d *DB) TryAdvisoryLock(ctx context.Context, key string) (_ *AdvisoryLock, ok bool, err error) {
	if d.Dialect != Postgres {
		return nil, false, fmt.Errorf("db: advisory locks need PostgreSQL, not %s", d.Dialect)
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("db: advisory lock %s: begin: %w", key, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))`, key).Scan(&ok); err != nil {
		tx.Rollback()
		return nil, false, fmt.Errorf("db: advisory lock %s: %w", key, err)
	}
	if !ok {
		tx.Rollback()
		return nil, false, nil
	}
	return &AdvisoryLock{tx: tx}, true, nil
}

// Release frees the lock.
func (l *AdvisoryLock) Release() error {
	if err := l.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("db: release advisory lock: %w", err)
	}
	return nil
}
