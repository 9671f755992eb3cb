package db_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestWritesOnlyThroughTheWriter: on SQLite the read pool refuses every
// write, so a statement that bypasses InTx fails loudly in the tests
// instead of contending for the lock at run time; through InTx it works.
func TestWritesOnlyThroughTheWriter(t *testing.T) {
	d := dbtest.New(t, db.SQLite)
	ctx := context.Background()
	var id int64
	err := d.GetContext(ctx, &id, `INSERT INTO accounts (name, credits, created_at) VALUES ('x', 0, '2026-01-01 00:00:00') RETURNING id`)
	if err == nil {
		t.Fatal("a write on the read pool succeeded")
	}
	if err := dbtest.Get(ctx, d, &id, `INSERT INTO accounts (name, credits, created_at) VALUES ('x', 0, '2026-01-01 00:00:00') RETURNING id`); err != nil || id == 0 {
		t.Fatalf("the same write through InTx: id %d, %v", id, err)
	}
}

// TestParallelWritersNeverSeeBusy: 100 concurrent read-then-write
// transactions (the pattern that gave "database is locked" with a pool of
// writers) all commit on both databases.
func TestParallelWritersNeverSeeBusy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u, err := d.CreateAccountWithUser(ctx, "Acme", "w@example.com", "x", false, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		before, err := d.AccountByID(ctx, u.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- d.InTx(ctx, func(tx *sqlx.Tx) error {
					var credits int64
					if err := tx.GetContext(ctx, &credits, d.Rebind(`SELECT credits FROM accounts WHERE id = ?`), u.AccountID); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, d.Rebind(`UPDATE accounts SET credits = ? WHERE id = ?`), credits+1, u.AccountID)
					return err
				})
				// Reads go on meanwhile, on their own connections.
				if _, err := d.AccountByID(ctx, u.AccountID); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		acc, _ := d.AccountByID(ctx, u.AccountID)
		if d.Dialect == db.SQLite && acc.Credits != before.Credits+100 {
			// One writer: the read-then-write transactions are serial.
			t.Fatalf("credits %d after 100 increments", acc.Credits)
		}
	})
}

// TestBusyIsUnavailable: a write lock held by another process (here a
// connection of its own that does not wait) is SQLite busy, which the layer
// treats as unavailable (503), never as a failure of the statement.
func TestBusyIsUnavailable(t *testing.T) {
	d := dbtest.New(t, db.SQLite)
	ctx := context.Background()
	other := func() *sqlx.DB {
		x, err := sqlx.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(0)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		return x
	}
	holder, waiter := other(), other()
	tx, err := holder.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	_, err = waiter.BeginTxx(ctx, nil)
	if err == nil {
		t.Fatal("a second writer got the lock")
	}
	if !db.Unreachable(err) || db.UnavailableReason(err) != "busy: another writer holds the lock" {
		t.Fatalf("busy error %v: unreachable %v, reason %q", err, db.Unreachable(err), db.UnavailableReason(err))
	}
}

// countingOutage rides out an outage: at its first wait it runs onWait (the
// test restores the database), and it counts waits and answers.
type countingOutage struct {
	waits, reached atomic.Int32
	onWait         func()
}

func (o *countingOutage) Wait(ctx context.Context, cause error) error {
	if o.waits.Add(1) == 1 && o.onWait != nil {
		o.onWait()
	}
	return nil
}

func (o *countingOutage) Reached() { o.reached.Add(1) }

// TestUnreachablePostgres cuts every connection to PostgreSQL: reads and
// transactions fail with ErrUnavailable (what handlers turn into 503),
// /readyz's reason names the cause without the address, and a caller that
// rides outages out (an executor) gets its statement through once the
// database is back.
func TestUnreachablePostgres(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		dbtest.Dialects(t) // fails under REQUIRE_POSTGRES=1
		t.Skip("PostgreSQL not configured")
	}
	_, u := dbtest.NewWithURL(t, db.Postgres, true)
	proxy, through := dbtest.NewProxy(t, u)
	ctx := context.Background()
	d, err := db.Open(ctx, through, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CountUsers(ctx); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	// A read may meet a pooled connection's end (its reset: "connection
	// lost"); once the pool's connections are dropped, every read meets the
	// refused dial of a new one.
	for range 10 {
		_, err = d.CountUsers(ctx)
		if !errors.Is(err, db.ErrUnavailable) {
			t.Fatalf("read while down: %v, want ErrUnavailable", err)
		}
		if db.UnavailableReason(err) != "connection lost" {
			break
		}
	}
	if got := db.UnavailableReason(err); got != "connection refused" {
		t.Errorf("reason %q (from %v)", got, err)
	}
	if _, err := d.CreateAccountWithUser(ctx, "A", "a@example.com", "x", false, time.Now()); !errors.Is(err, db.ErrUnavailable) {
		t.Fatalf("write while down: %v, want ErrUnavailable", err)
	}
	if err := d.Ping(ctx); !errors.Is(err, db.ErrUnavailable) {
		t.Fatalf("ping while down: %v", err)
	}

	o := &countingOutage{onWait: proxy.Restore}
	octx := db.WithOutage(ctx, o)
	u1, err := d.CreateAccountWithUser(octx, "A", "a@example.com", "x", false, time.Now())
	if err != nil {
		t.Fatalf("a write that rides the outage out: %v", err)
	}
	if o.waits.Load() == 0 || o.reached.Load() == 0 {
		t.Fatalf("outage waits %d, answers %d", o.waits.Load(), o.reached.Load())
	}
	// Committed exactly once.
	var n int
	if err := d.GetContext(ctx, &n, d.Rebind(`SELECT COUNT(*) FROM users WHERE id = ?`), u1.ID); err != nil || n != 1 {
		t.Fatalf("%d users, %v", n, err)
	}
}

// TestParallelRefusedTransitions: 50 pauses of an already paused run at
// once are each refused as a transition (409), never "database is locked":
// the refusal reads the run's status inside its own transaction, not on
// another connection that a writer waiting for the lock may hold.
func TestParallelRefusedTransitions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u, s := seedSite(t, d, "p@example.com")
		r, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: db.RunPaused, CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = d.PauseRun(ctx, db.Transition{AccountID: u.AccountID, RunID: r.ID, Actor: "t", Now: t0})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, db.ErrBadTransition) {
				t.Fatalf("pause %d: %v, want ErrBadTransition", i, err)
			}
		}
	})
}
