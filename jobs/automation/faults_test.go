package automation

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// pausingCrash starts a run, pauses it while four article calls are in
// flight and makes executor a vanish before it finished pausing: the run is
// left "pausing" (paused, leased to a dead executor).
func pausingCrash(t *testing.T, e *env, a *Service) db.Run {
	t.Helper()
	e.config(func(c *db.AutomationConfig) { c.Concurrency = 4 })
	r := e.start()
	var inflight atomic.Int32
	all := make(chan struct{})
	e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
		if fn != "article" {
			return nil
		}
		if inflight.Add(1) == 4 {
			close(all)
		}
		<-ctx.Done()
		return ctx.Err()
	})
	done := make(chan struct{})
	go func() { defer close(done); e.execute(a, r.ID) }()
	<-all
	if _, err := a.Pause(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
		t.Fatal(err)
	}
	a.crash(r.ID)
	<-done
	e.ai.setBefore(nil)
	got := e.run(r.ID)
	if !got.Draining(e.clock.Now()) {
		t.Fatalf("after the crash: %s, lease %q until %v: want pausing", got.Status, got.LeaseOwner, got.LeaseExpiresAt)
	}
	return got
}

// TestPauseFinishesWhenItsExecutorDies: a run left "pausing" by a dead
// executor becomes "paused" once its lease expires — whoever sees it: the
// pages and the API at once, any instance's poller in the database —
// without a takeover; resumed, it completes with no takeover counted.
func TestPauseFinishesWhenItsExecutorDies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a, b := e.svc, e.newService()
		r := pausingCrash(t, e, a)
		if n, err := b.Poll(e.ctx); err != nil || n != 0 {
			t.Fatalf("poll while the lease is alive: %d, %v", n, err)
		}
		if rep, _ := b.Report(e.ctx, e.run(r.ID)); !rep.Pausing {
			t.Fatal("report: not pausing while the lease is alive")
		}

		e.clock.Advance(31 * time.Second)
		if rep, _ := b.Report(e.ctx, e.run(r.ID)); rep.Pausing {
			t.Fatal("report: still pausing after the lease expired")
		}
		if n, err := b.Poll(e.ctx); err != nil || n != 0 {
			t.Fatalf("poll after expiry: %d, %v (a paused run must not be claimed)", n, err)
		}
		got := e.run(r.ID)
		if got.Status != db.RunPaused || got.LeaseOwner != "" || got.Takeovers != 0 {
			t.Fatalf("after the poll: %s, lease %q, %d takeovers", got.Status, got.LeaseOwner, got.Takeovers)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%stopped before it finished pausing%'`, r.ID); n != 1 {
			t.Fatalf("%d events about the abandoned pause", n)
		}

		if _, err := b.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		e.execute(b, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted || got.Takeovers != 0 {
			t.Fatalf("after resume: %s, %d takeovers", got.Status, got.Takeovers)
		}
		e.assertDrained()
	})
}

// TestResumeOfAnAbandonedPauseIsNoTakeover: resumed before any poller
// settled it, the run is claimed without a takeover too: its executor was
// gone before the resume.
func TestResumeOfAnAbandonedPauseIsNoTakeover(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		a, b := e.svc, e.newService()
		r := pausingCrash(t, e, a)
		e.clock.Advance(31 * time.Second)
		if _, err := b.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		e.execute(b, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted || got.Takeovers != 0 {
			t.Fatalf("after resume: %s, %d takeovers", got.Status, got.Takeovers)
		}
		e.assertDrained()
	})
}

// TestTakeOverAfterRestart: single-instance SQLite restarting after a crash
// takes the dead process's run over at once — no lease expiry to wait for —
// and a run it was pausing becomes paused.
func TestTakeOverAfterRestart(t *testing.T) {
	t.Run("running", func(t *testing.T) {
		e := newEnv(t, dbtest.New(t, db.SQLite))
		a := e.svc
		r := e.start()
		crashed := make(chan struct{})
		var once atomic.Bool
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" && once.CompareAndSwap(false, true) {
				a.crash(r.ID)
				close(crashed)
			}
			if fn == "article" {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		})
		e.execute(a, r.ID)
		<-crashed
		e.ai.setBefore(nil)
		restarted := e.newService()
		if n, _ := restarted.Poll(e.ctx); n != 0 {
			t.Fatal("claimed a live lease before the restart step")
		}
		if err := restarted.TakeOverAfterRestart(e.ctx); err != nil {
			t.Fatal(err)
		}
		// Same instant: nothing expired, the restart step ended the lease.
		e.execute(restarted, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunCompleted || got.Takeovers != 1 {
			t.Fatalf("after the restart: %s, %d takeovers (a crash counts one)", got.Status, got.Takeovers)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%taken over at once%'`, r.ID); n != 1 {
			t.Fatalf("%d restart events", n)
		}
		e.assertDrained()
	})
	t.Run("pausing", func(t *testing.T) {
		e := newEnv(t, dbtest.New(t, db.SQLite))
		r := pausingCrash(t, e, e.svc)
		restarted := e.newService()
		if err := restarted.TakeOverAfterRestart(e.ctx); err != nil {
			t.Fatal(err)
		}
		got := e.run(r.ID)
		if got.Status != db.RunPaused || got.LeaseOwner != "" || got.Takeovers != 0 {
			t.Fatalf("after the restart: %s, lease %q, %d takeovers", got.Status, got.LeaseOwner, got.Takeovers)
		}
	})
}

// TestOutageRidesOutThenGivesUp drives an executor's outage on the fake
// clock: statements are tried again with a growing pause while the
// database stays unreachable for less than the lease TTL, the ride ends
// with "Database unreachable for N s" in the run's log, and an outage that
// outlasts the TTL stops the executor (errNoDB) so its run can be taken
// back.
func TestOutageRidesOutThenGivesUp(t *testing.T) {
	e := newEnv(t, dbtest.New(t, db.SQLite))
	r := e.start()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	x := &executor{s: e.svc, run: r, ctx: ctx, cancel: cancel}
	o := &outage{x: x}
	down := errors.New("dial tcp: connection refused")

	// wait runs one Wait and returns its result once the fake clock has
	// been moved past the pause it asked for.
	wait := func(step time.Duration) error {
		t.Helper()
		res := make(chan error, 1)
		go func() { res <- o.Wait(ctx, down) }()
		if err := e.clock.BlockUntilContext(ctx, 1); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(step)
		return <-res
	}
	for i, step := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 2 * time.Second} {
		if err := wait(step); err != nil {
			t.Fatalf("wait %d: %v (the outage is younger than the lease)", i, err)
		}
	}
	e.clock.Advance(5 * time.Second)
	o.Reached()
	o.logOver()
	if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Database unreachable for 11 s;%carried on'`, r.ID); n != 1 {
		t.Fatalf("%d events 'Database unreachable for 11 s'", n)
	}

	// A second outage that outlasts the lease: the executor gives up.
	if err := wait(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(e.svc.cfg.LeaseTTL)
	if err := o.Wait(ctx, down); !errors.Is(err, errNoDB) {
		t.Fatalf("after the lease TTL: %v, want errNoDB", err)
	}
	if cause := context.Cause(ctx); !errors.Is(cause, errNoDB) {
		t.Fatalf("executor stopped by %v, want errNoDB", cause)
	}
	if err := o.Wait(ctx, down); !errors.Is(err, errNoDB) {
		t.Fatal("a later statement tried again after giving up")
	}
	start, ok := e.svc.takeGaveUp(r.ID)
	if !ok || !start.Equal(e.clock.Now().Add(-e.svc.cfg.LeaseTTL-100*time.Millisecond)) {
		t.Fatalf("give-up not remembered for the take-back: %v %v", start, ok)
	}
	o.Reached() // a late answer revives nothing
	o.logOver()
	if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Database unreachable%'`, r.ID); n != 1 {
		t.Fatalf("%d outage events after giving up, want still 1", n)
	}
}
