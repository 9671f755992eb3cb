package automation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"autopress/db"
)

// Why an executor stops (its context's cause).
var (
	errCancelled = errors.New("automation: run cancelled")
	errShutdown  = errors.New("automation: instance shutting down")
	errLost      = errors.New("automation: lease lost")
	errNoDB      = errors.New("automation: database unreachable, lease could not be renewed")
	errPaused    = errors.New("automation: run paused")
)

// executor works one run while it holds the run's lease.
type executor struct {
	s      *Service
	run    db.Run
	site   db.Site
	snap   Snapshot
	ctx    context.Context
	cancel context.CancelCauseFunc
	stopAF func() bool

	pokeCh chan struct{}
	status atomic.Value // string: the run's status as last seen

	// crashed makes the executor vanish without any cleanup (tests: an
	// instance that dies mid-stage).
	crashed atomic.Bool

	mu      sync.Mutex
	lastErr string
}

// claim takes the run's lease and registers an executor for it. It returns
// nil (no error) when the run had to be failed for too many takeovers.
func (s *Service) claim(parent context.Context, runID int64) (*executor, error) {
	now := s.clock.Now()
	r, takeover, err := s.db.ClaimRun(parent, runID, s.owner, now, s.cfg.LeaseTTL)
	if err != nil {
		return nil, err
	}
	if takeover {
		if r.Takeovers > s.cfg.MaxTakeovers {
			detail := fmt.Sprintf("The run was taken over %d times after its executor stopped renewing its lease; giving up.", r.Takeovers)
			if err := s.db.FailRunUnowned(parent, r.ID, "failed", detail, now); err != nil {
				return nil, err
			}
			s.db.RefundUnsettled(parent, r.ID, "run failed", now)
			s.log.Error("run failed: too many takeovers", "run_id", r.ID)
			return nil, nil
		}
		s.m.takeover()
		s.db.AddEvent(parent, db.Event{RunID: r.ID, At: now, Level: "warn", Stage: r.CurrentStage,
			Message: fmt.Sprintf("Executor %s took the run over: the previous executor's lease expired (takeover %d of at most %d)", s.owner, r.Takeovers, s.cfg.MaxTakeovers)})
	} else {
		s.db.AddEvent(parent, db.Event{RunID: r.ID, At: now, Stage: r.CurrentStage, Message: "Executor " + s.owner + " claimed the run"})
	}
	site, err := s.db.SiteByID(parent, r.SiteID)
	if err != nil {
		s.db.ReleaseLease(parent, r.ID, s.owner, now)
		return nil, err
	}
	snap, err := ParseSnapshot(r)
	if err != nil {
		s.db.ReleaseLease(parent, r.ID, s.owner, now)
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	x := &executor{s: s, run: r, site: site, snap: snap, ctx: ctx, cancel: cancel, pokeCh: make(chan struct{}, 1)}
	x.stopAF = context.AfterFunc(parent, func() { cancel(errShutdown) })
	x.status.Store(r.Status)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		x.stopAF()
		cancel(errShutdown)
		s.db.ReleaseLease(context.WithoutCancel(parent), r.ID, s.owner, s.clock.Now())
		return nil, nil
	}
	s.running[r.ID] = x
	// Counted under the lock that Shutdown takes, so Shutdown waits for it.
	s.wg.Add(1)
	s.mu.Unlock()
	return x, nil
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
		x.s.db.ReleaseLease(context.Background(), x.run.ID, x.s.owner, x.now())
		x.s.db.AddEvent(context.Background(), db.Event{RunID: x.run.ID, At: x.now(), Level: "warn", Message: "Executor " + x.s.owner + " stopped (instance shutting down); the run continues on the next executor"})
		log.Info("executor stopped for shutdown")
	case cause != nil && (errors.Is(cause, errLost) || errors.Is(cause, errNoDB)):
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
			if now.Sub(lastOK) >= c.LostAfter {
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
	stage := x.run.CurrentStage
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		var err error
		switch {
		case stage > 7:
			err = x.finish()
		case !x.snap.Enabled[stage]:
			err = x.skipStage(stage)
		default:
			err = x.runStage(stage)
		}
		if errors.Is(err, errPaused) {
			released, rerr := x.s.db.ReleaseIfPaused(x.ctx, x.run.ID, x.s.owner, x.now())
			if rerr != nil {
				return rerr
			}
			if released {
				return errPaused
			}
			// Resumed while draining: carry on with the same step.
			x.status.Store(db.RunRunning)
			continue
		}
		if err != nil || stage > 7 {
			return err
		}
		stage++
	}
}

func (x *executor) skipStage(stage int) error {
	pending, err := x.s.db.CountPending(x.ctx, stage, x.run.SiteID, 0)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Stage %d (%s) is disabled: %d item(s) wait in front of it", stage, StageNames[stage], pending)
	if stage == 7 && !x.snap.AutoApproval {
		msg = fmt.Sprintf("Stage 7 skipped: auto-approval is off, %d article(s) wait in review for a person", pending)
	}
	return x.s.db.FinishStage(x.ctx, db.StageEnd{RunID: x.run.ID, Owner: x.s.owner, Stage: stage, State: "skipped", Message: msg, Now: x.now()})
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
	o := Outcome(results, lastErr)
	err = x.s.db.FinishRun(x.ctx, x.run.ID, x.s.owner, o.Status, o.Reason, o.Detail, o.Error, x.now())
	if errors.Is(err, db.ErrLeaseLost) {
		if x.refresh() == db.RunPaused {
			return errPaused
		}
		return err
	}
	if err != nil {
		return err
	}
	if n, err := x.s.db.RefundUnsettled(x.ctx, x.run.ID, "work never committed", x.now()); err != nil {
		x.s.log.Error("refund unsettled holds", "run_id", x.run.ID, "err", err)
	} else if n > 0 {
		x.s.db.AddEvent(x.ctx, db.Event{RunID: x.run.ID, At: x.now(), Message: fmt.Sprintf("Refunded %d hold(s) of work that never committed", n)})
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
