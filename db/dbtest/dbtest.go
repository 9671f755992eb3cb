// Package dbtest gives each test a fresh, migrated database: SQLite always,
// PostgreSQL when TEST_DATABASE_URL is set (REQUIRE_POSTGRES=1 turns its
// absence into a failure, as in CI).
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"autopress/db"
)

// Dialects lists the databases available to this test binary.
func Dialects(t testing.TB) []db.Dialect {
	t.Helper()
	ds := []db.Dialect{db.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		ds = append(ds, db.Postgres)
	} else {
		warnNoPostgres(t)
	}
	return ds
}

var warnOnce sync.Once

func warnNoPostgres(t testing.TB) {
	if os.Getenv("REQUIRE_POSTGRES") == "1" {
		t.Fatal("dbtest: REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
	}
	warnOnce.Do(func() {
		fmt.Fprintln(os.Stderr, "\n*** dbtest: TEST_DATABASE_URL is not set: PostgreSQL tests are SKIPPED (only SQLite runs) ***")
	})
}

// Each runs fn as a subtest once per available dialect, each with a fresh
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) {
			fn(t, New(t, dialect))
		})
	}
}

// New returns a fresh migrated database of the dialect, closed and dropped
// when the test ends.
func New(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	d, _ := NewWithURL(t, dialect, true)
	return d
}

// NewWithURL is New that also returns the database URL (for tests that start
// a second connection pool, like a second instance). migrate=false gives an
// empty database.
func NewWithURL(t testing.TB, dialect db.Dialect, migrate bool) (*db.DB, string) {
	t.Helper()
	ctx := context.Background()
	switch dialect {
	case db.SQLite:
		dir := t.TempDir()
		u := "sqlite:" + filepath.Join(dir, "test.db")
		d, err := db.Open(ctx, u, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if migrate {
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return d, u
	case db.Postgres:
		base := os.Getenv("TEST_DATABASE_URL")
		if base == "" {
			warnNoPostgres(t)
			t.Skip("dbtest: TEST_DATABASE_URL not set")
		}
		name := "t_" + randHex(8)
		tmpl := ""
		if migrate {
			tmpl = template(t, base)
		}
		admin := mustOpen(t, base)
		defer admin.Close()
		stmt := "CREATE DATABASE " + name
		if tmpl != "" {
			stmt += " TEMPLATE " + tmpl
		}
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("dbtest: %s: %v", stmt, err)
		}
		u := withDB(t, base, name)
		d, err := db.Open(ctx, u, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			d.Close()
			a := mustOpen(t, base)
			defer a.Close()
			a.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		})
		return d, u
	}
	t.Fatalf("dbtest: unknown dialect %q", dialect)
	return nil, ""
}

var (
	tmplMu   sync.Mutex
	tmplName string
)

// template returns a migrated template database named after a hash of the
// migrations, created once (under an advisory lock, so parallel test
// binaries agree) and reused by later runs.
func template(t testing.TB, base string) string {
	t.Helper()
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplName != "" {
		return tmplName
	}
	ctx := context.Background()
	name := "autopress_tmpl_" + migrationsHash(t)
	admin := mustOpen(t, base)
	defer admin.Close()
	conn, err := admin.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(74218)"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(74218)")
	var exists bool
	if err := conn.GetContext(ctx, &exists, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name); err != nil {
		t.Fatal(err)
	}
	if !exists {
		building := name + "_b"
		conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
		if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
			t.Fatal(err)
		}
		d, err := db.Open(ctx, withDB(t, base, building), "")
		if err != nil {
			t.Fatal(err)
		}
		err = d.Migrate(ctx)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
			t.Fatal(err)
		}
	}
	tmplName = name
	return name
}

func migrationsHash(t testing.TB) string {
	h := sha256.New()
	root := migrationsDir()
	err := filepath.WalkDir(filepath.Join(root, "postgres"), func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		h.Write([]byte(p[len(root):]))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// migrationsDir finds db/migrations from this source file's package dir.
func migrationsDir() string {
	wd, _ := os.Getwd()
	for dir := wd; dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "db", "migrations")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return filepath.Join(wd, "migrations")
}

func mustOpen(t testing.TB, u string) *sqlx.DB {
	t.Helper()
	x, err := sqlx.Open("postgres", u)
	if err != nil {
		t.Fatal(err)
	}
	x.SetMaxOpenConns(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := x.PingContext(ctx); err != nil {
		t.Fatalf("dbtest: connect %s: %v", u, err)
	}
	return x
}

func withDB(t testing.TB, base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}

// LedgerSum sums an account's ledger: it must equal the account's balance.
func LedgerSum(t testing.TB, d *db.DB, accountID int64) int64 {
	t.Helper()
	var sum int64
	if err := d.GetContext(context.Background(), &sum, d.Rebind(`SELECT COALESCE(SUM(amount), 0) FROM credit_transactions WHERE account_id = ?`), accountID); err != nil {
		t.Fatalf("ledger sum: %v", err)
	}
	return sum
}

// MigrateDownTo rolls the schema back to version (0 = empty).
func MigrateDownTo(t testing.TB, d *db.DB, version int64) {
	t.Helper()
	p, err := d.MigrationProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), version); err != nil {
		t.Fatalf("migrate down to %d: %v", version, err)
	}
}

// Exec runs one write statement (rebound for the dialect) in a transaction
// of its own: the database refuses writes outside its writer.
func Exec(ctx context.Context, d *db.DB, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, d.Rebind(query), args...)
		return err
	})
	return res, err
}

// Get runs one write statement that returns a row (INSERT … RETURNING)
// in a transaction of its own and scans the row into dest.
func Get(ctx context.Context, d *db.DB, dest any, query string, args ...any) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, dest, d.Rebind(query), args...)
	})
}
