package automation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"autopress/db"
	"autopress/jobs/ai"
)

// Why an executor stops (its context's cause).
var (
	errCancelled = errors.New("automation: run cancelled")
	errShutdown  = errors.New("automation: instance shutting down")
	errLost      = errors.New("automation: lease lost")
	errNoDB      = errors.New("automation: database unreachable for longer than the lease")
	errPaused    = errors.New("automation: run paused")
)

// executor works one run while it holds the run's lease.
type executor struct {
	s    *Service
	run  db.Run
	site db.Site
	snap Snapshot
	// brief is who the run's AI calls work for (the site, its writing
	// profile).
	brief  ai.Site
	ctx    context.Context
	cancel context.CancelCauseFunc
	stopAF func() bool

	pokeCh chan struct{}
	status atomic.Value // string: the run's status as last seen
	// out rides out an unreachable database for every statement made with
	// ctx.
	out *outage

	// crashed makes the executor vanish without any cleanup (tests: an
	// instance that dies mid-stage).
	crashed atomic.Bool

	mu      sync.Mutex
	lastErr string
}

// errUnreadable marks a run whose stored snapshot cannot be parsed: it is
// failed, not retried.
var errUnreadable = errors.New("automation: run cannot be read")

// claim takes the run's lease and registers an executor for it. It returns
// nil (no error) when the run had to be failed for too many takeovers, or
// the instance is shutting down; errUnreadable (after failing the run) when
// its snapshot cannot be parsed.
func (s *Service) claim(parent context.Context, runID int64) (*executor, error) {
	now := s.clock.Now()
	r, takeover, err := s.db.ClaimRun(parent, runID, s.owner, now, s.cfg.LeaseTTL)
	if err != nil {
		return nil, err
	}
	if takeover && r.Takeovers > s.cfg.MaxTakeovers {
		detail := fmt.Sprintf("The run was taken over %d times after its executor stopped renewing its lease; giving up.", r.Takeovers)
		s.failRun(parent, r, detail)
		return nil, nil
	}
	snap, err := ParseSnapshot(r)
	if err != nil {
		s.failRun(parent, r, "The run's stored settings cannot be read ("+err.Error()+"); it cannot go on.")
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	site, err := s.db.SiteByID(parent, r.SiteID)
	if err != nil {
		s.release(parent, r.ID)
		return nil, err
	}
	brief, err := s.brief(parent, site, snap)
	if err != nil {
		s.release(parent, r.ID)
		return nil, err
	}
	s.noteClaim(parent, r, takeover, now)
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	x := &executor{s: s, run: r, site: site, snap: snap, brief: brief, cancel: cancel, pokeCh: make(chan struct{}, 1)}
	x.out = &outage{x: x}
	// The workers' item commits that arrive together share a transaction.
	x.ctx = db.WithGroup(db.WithOutage(ctx, x.out), &db.CommitGroup{})
	x.stopAF = context.AfterFunc(parent, func() { cancel(errShutdown) })
	x.status.Store(r.Status)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		x.stopAF()
		cancel(errShutdown)
		s.release(parent, r.ID)
		return nil, nil
	}
	s.running[r.ID] = x
	// Counted under the lock that Shutdown takes, so Shutdown waits for it.
	s.wg.Add(1)
	s.mu.Unlock()
	return x, nil
}

// noteClaim logs a claim in the run's log (and counts a takeover).
func (s *Service) noteClaim(ctx context.Context, r db.Run, takeover bool, now time.Time) {
	e := db.Event{RunID: r.ID, At: now, Stage: r.CurrentStage, Message: "Executor " + s.owner + " claimed the run"}
	if start, ok := s.takeGaveUp(r.ID); ok && !takeover {
		e.Level = "warn"
		e.Message = fmt.Sprintf("Database unreachable for %d s; executor %s gave the run up after %d s and took it back when the database answered",
			seconds(now.Sub(start)), s.owner, seconds(s.cfg.LeaseTTL))
	}
	if takeover {
		s.m.takeover()
		e.Level = "warn"
		e.Message = fmt.Sprintf("Executor %s took the run over: the previous executor's lease expired (takeover %d of at most %d)", s.owner, r.Takeovers, s.cfg.MaxTakeovers)
	}
	db.BestEffort(ctx, s.log, "claim event", func(ctx context.Context) error { return s.db.AddEvent(ctx, e) })
}

// failRun fails a run this instance just claimed but cannot work, and
// refunds its unsettled holds.
func (s *Service) failRun(ctx context.Context, r db.Run, detail string) {
	now := s.clock.Now()
	s.log.Error("run failed", "run_id", r.ID, "site_id", r.SiteID, "reason", detail)
	db.BestEffort(ctx, s.log, "fail run", func(ctx context.Context) error {
		return s.db.FailRunUnowned(ctx, r.ID, ReasonFailed, detail, now)
	})
	db.BestEffort(ctx, s.log, "refund failed run", func(ctx context.Context) error {
		_, err := s.db.RefundUnsettled(ctx, r.ID, "run failed", now)
		return err
	})
}

// release gives a run's lease back so any executor may claim it at once.
func (s *Service) release(ctx context.Context, runID int64) {
	db.BestEffort(ctx, s.log, "release lease", func(ctx context.Context) error {
		return s.db.ReleaseLease(ctx, runID, s.owner, s.clock.Now())
	})
}

func (x *executor) poke() {
	select {
	case x.pokeCh <- struct{}{}:
	default:
	}
}

func (x *executor) statusNow() string { return x.status.Load().(string) }

// refresh re-reads the run's status from the database (every item boundary).
// stillOurs reports whether the run is running and leased to this
// executor (a refused write was then a pause undone by a quick resume).
func (x *executor) stillOurs() bool {
	status, owner, err := x.s.db.RunStatus(x.ctx, x.run.ID)
	return err == nil && status == db.RunRunning && owner == x.s.owner
}

func (x *executor) refresh() string {
	status, owner, err := x.s.db.RunStatus(x.ctx, x.run.ID)
	if err != nil {
		return x.statusNow()
	}
	if owner != x.s.owner && status != db.RunPaused {
		if status == db.RunCancelled {
			x.cancel(errCancelled)
		} else {
			x.cancel(errLost)
		}
	}
	x.status.Store(status)
	return status
}

// run executes the run until it completes, pauses, or the executor stops.
func (x *executor) execute() {
	log := x.s.log.With("run_id", x.run.ID, "site_id", x.run.SiteID)
	defer func() {
		x.stopAF()
		x.s.mu.Lock()
		delete(x.s.running, x.run.ID)
		x.s.mu.Unlock()
		if x.s.cfg.OnStop != nil {
			x.s.cfg.OnStop(x.run.ID)
		}
	}()
	hbDone := make(chan struct{})
	go func() { defer close(hbDone); x.heartbeat() }()
	err := x.stages()
	cause := context.Cause(x.ctx)
	x.cancel(errors.New("executor finished")) // stops the heartbeat
	<-hbDone
	if x.crashed.Load() {
		return
	}
	switch {
	case errors.Is(err, errPaused):
		log.Info("run paused; executor released it")
	case cause != nil && errors.Is(cause, errShutdown):
		// Let another instance take the run over at once.
		x.s.release(x.ctx, x.run.ID)
		x.event(db.Event{Level: "warn", Message: "Executor " + x.s.owner + " stopped (instance shutting down); the run continues on the next executor"})
		log.Info("executor stopped for shutdown")
	case cause != nil && errors.Is(cause, errNoDB):
		// Release the lease if the database answers again in time; else it
		// expires (it was last renewed before the outage began).
		x.s.release(x.ctx, x.run.ID)
		log.Warn("executor gave the run up: database unreachable", "cause", cause)
		x.s.Wake()
	case cause != nil && errors.Is(cause, errLost):
		log.Warn("executor lost its lease", "cause", cause)
	case cause != nil && errors.Is(cause, errCancelled):
		log.Info("run cancelled")
	case err != nil:
		log.Error("executor stopped", "err", err)
	}
}

// heartbeat renews the lease every RenewEvery and re-reads the status every
// WatchEvery; it cancels the executor when the lease is gone, the run was
// cancelled, or no renewal succeeded for LostAfter.
func (x *executor) heartbeat() {
	c := x.s.cfg
	t := x.s.clock.NewTicker(c.WatchEvery)
	defer t.Stop()
	lastRenew, lastOK := x.now(), x.now()
	for {
		select {
		case <-x.ctx.Done():
			return
		case <-t.Chan():
		}
		x.out.logOver()
		now := x.now()
		if now.Sub(lastRenew) < c.RenewEvery {
			x.refresh()
			x.poke()
			continue
		}
		lastRenew = now
		status, err := x.s.db.RenewLease(x.ctx, x.run.ID, x.s.owner, now, c.LeaseTTL)
		switch {
		case errors.Is(err, db.ErrLeaseLost):
			if x.refresh() == db.RunCancelled {
				x.cancel(errCancelled)
			} else {
				x.cancel(errLost)
			}
			return
		case err != nil:
			if x.ctx.Err() != nil {
				return
			}
			// Unreachable: the outage rode it out until it gave up (and
			// stopped the executor). Other errors: give up after LostAfter.
			if now.Sub(lastOK) >= c.LostAfter && !unreachable(err) {
				x.cancel(errNoDB)
				return
			}
		default:
			lastOK = now
			x.status.Store(status)
			x.poke()
		}
	}
}

// stages works the run's stages from current_stage on, then finishes it.
// A pause seen anywhere (in a stage or while finishing) drains, then gives
// the lease up; if the run was resumed meanwhile it carries on.
func (x *executor) stages() error {
	n := x.run.CurrentStage
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		err := x.step(n)
		if errors.Is(err, errPaused) {
			if err := x.drained(); err != nil {
				return err
			}
			// Resumed while draining: carry on with the same step.
			x.status.Store(db.RunRunning)
			continue
		}
		if err != nil || n > x.s.stages.Last() {
			return err
		}
		n++
	}
}

// drained gives the lease up after a pause drained the items in flight
// (errPaused), or returns nil when the run was resumed meanwhile and this
// executor carries on.
func (x *executor) drained() error {
	for {
		released, err := x.s.db.ReleaseIfPaused(x.ctx, x.run.ID, x.s.owner, x.now())
		if err != nil {
			return err
		}
		if released {
			return errPaused
		}
		status, owner, err := x.s.db.RunStatus(x.ctx, x.run.ID)
		switch {
		case err != nil:
			return err
		case owner == x.s.owner && status == db.RunRunning:
			return nil
		case owner == x.s.owner && status == db.RunPaused:
			continue // resumed and paused again in between
		}
		// Neither paused under this executor's lease nor resumed for it:
		// the lease expired while it drained and another instance ended
		// the pause, or the run was cancelled.
		if status == db.RunCancelled {
			x.cancel(errCancelled)
		} else {
			x.cancel(errLost)
		}
		return x.cause()
	}
}

// step works stage n, or finishes the run after the last stage.
func (x *executor) step(n int) error {
	st, ok := x.s.stages.Numbered(n)
	switch {
	case !ok:
		return x.finish()
	case !x.snap.StageEnabled(n):
		return x.skipStage(st)
	}
	return x.runStage(st)
}

func (x *executor) skipStage(st Stage) error {
	pending, err := x.s.db.CountPending(x.ctx, st.Number, x.run.SiteID, 0)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s is switched off: %d item(s) wait in front of it", st.Name, pending)
	if st.NeedsAutoApproval && !x.snap.AutoApproval {
		msg = fmt.Sprintf("%s skipped: auto-approval is off, %d %s wait for a person", st.Name, pending, st.Input)
	}
	return x.s.db.FinishStage(x.ctx, db.StageEnd{RunID: x.run.ID, Owner: x.s.owner, Stage: st.Number, State: "skipped", Message: msg, Now: x.now()})
}

// finish ends the run with its most severe outcome.
func (x *executor) finish() error {
	results, err := x.s.db.StageResults(x.ctx, x.run.ID)
	if err != nil {
		return err
	}
	x.mu.Lock()
	lastErr := x.lastErr
	x.mu.Unlock()
	o := x.s.stages.Outcome(results, lastErr)
	err = x.s.db.FinishRun(x.ctx, x.run.ID, x.s.owner, o.Status, o.Reason, o.Detail, o.Error, x.now())
	if err != nil {
		return x.lost(err)
	}
	if n, err := x.s.db.RefundUnsettled(x.ctx, x.run.ID, "work never committed", x.now()); err != nil {
		// The minute's sweep (SweepHolds) refunds them later.
		x.s.log.Error("refund unsettled holds", "run_id", x.run.ID, "err", err)
	} else if n > 0 {
		x.event(db.Event{Message: fmt.Sprintf("Refunded %d hold(s) of work that never committed", n)})
	}
	x.s.m.finished(o.Status, o.Reason)
	x.s.log.Info("run finished", "run_id", x.run.ID, "status", o.Status, "reason", o.Reason)
	return nil
}

func (x *executor) noteError(msg string) {
	x.mu.Lock()
	x.lastErr = msg
	x.mu.Unlock()
}

// event adds a line to the run's log, best effort.
func (x *executor) event(e db.Event) {
	e.RunID = x.run.ID
	if e.At.IsZero() {
		e.At = x.now()
	}
	db.BestEffort(x.ctx, x.s.log, "run event", func(ctx context.Context) error { return x.s.db.AddEvent(ctx, e) })
}

// lost turns a write refused for the lease into what the executor does
// next: errPaused when the run is paused, or was paused and resumed again
// before this look (stages drains, then gives the lease up or carries on),
// else its stop (cancelled, or the lease went elsewhere).
func (x *executor) lost(err error) error {
	if !errors.Is(err, db.ErrLeaseLost) {
		return err
	}
	switch x.refresh() { // it stops the executor when the lease went elsewhere
	case db.RunPaused:
		return errPaused
	case db.RunRunning:
		if x.ctx.Err() == nil {
			return errPaused
		}
	case db.RunCancelled:
		x.cancel(errCancelled)
	default:
		x.cancel(errLost)
	}
	return x.cause()
}

// cause is why the executor's context ended (nil while it runs).
func (x *executor) cause() error {
	if x.ctx.Err() == nil {
		return nil
	}
	return context.Cause(x.ctx)
}
