package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs"
)

func TestPGLockerExcludesSameKey(t *testing.T) {
	ctx := context.Background()
	d1, url := dbtest.NewWithURL(t, db.Postgres, true)
	// A second pool is what a second instance would have.
	d2, err := db.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d2.Close() })

	l1, err := jobs.NewPGLocker(d1)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := jobs.NewPGLocker(d2)
	if err != nil {
		t.Fatal(err)
	}

	held, err := l1.Lock(ctx, "queue-filler")
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if _, err := l2.Lock(ctx, "queue-filler"); !errors.Is(err, jobs.ErrLocked) {
		t.Fatalf("second lock on the same key: got %v, want ErrLocked", err)
	}
	// The same pool (another connection of one instance) is refused too.
	if _, err := l1.Lock(ctx, "queue-filler"); !errors.Is(err, jobs.ErrLocked) {
		t.Fatalf("second lock from the same instance: got %v, want ErrLocked", err)
	}

	other, err := l2.Lock(ctx, "due-schedules")
	if err != nil {
		t.Fatalf("a different key must not block: %v", err)
	}
	if err := other.Unlock(ctx); err != nil {
		t.Fatal(err)
	}

	if err := held.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := l2.Lock(ctx, "queue-filler")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if err := again.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	// Unlocking twice is harmless.
	if err := again.Unlock(ctx); err != nil {
		t.Fatalf("second unlock: %v", err)
	}
}

func TestPGLockerReleasedWhenContextEnds(t *testing.T) {
	d := dbtest.New(t, db.Postgres)
	l, err := jobs.NewPGLocker(d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := l.Lock(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	// A job cancelled by shutdown never reaches Unlock's rollback in time;
	// the cancelled context rolls the transaction back by itself.
	cancel()
	var lk interface{ Unlock(context.Context) error }
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if lk, err = l.Lock(context.Background(), "k"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("lock after the holder's context ended: %v", err)
	}
	lk.Unlock(context.Background())
}

func TestPGLockerNeedsPostgres(t *testing.T) {
	if _, err := jobs.NewPGLocker(dbtest.New(t, db.SQLite)); err == nil {
		t.Fatal("NewPGLocker on SQLite: want an error")
	}
}
