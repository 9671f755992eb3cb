// Package automation runs the pipeline (the stage table in pipeline.go): it
// starts, pauses, resumes and cancels runs, executes them under a lease so
// exactly one executor works a run, and starts scheduled runs.
//
// Run state lives in the database. Pause, resume and cancel are status
// writes; executors re-read the status at every item boundary and every
// commit proves, in its first statement, that the run is still active and
// leased to the committing executor.
package automation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"autopress/db"
	"autopress/jobs"
	"autopress/jobs/ai"
)

// Config tunes the executor. Zero values take the defaults (docs/automation.md).
type Config struct {
	LeaseTTL         time.Duration // 30s; also how long an executor rides out an unreachable database
	RenewEvery       time.Duration // LeaseTTL/3
	WatchEvery       time.Duration // 2s (at most RenewEvery): how often an executor re-reads its run's status
	LostAfter        time.Duration // LeaseTTL*2/3 without a successful renewal (the database answering errors): stop
	PollEvery        time.Duration // 5s (at most LeaseTTL/2): how often idle instances look for claimable runs
	MaxTakeovers     int           // 5
	CatchUpWindow    time.Duration // 6h
	IdeasPerCluster  int           // 3
	ImagesPerArticle int           // 2
	// Blobs keeps the generated images' bytes (nil: the database's store).
	Blobs db.BlobStore
	// Registerer receives the executor's metrics (nil: none).
	Registerer prometheus.Registerer
	// OnStop, when set, is told the run's id each time one of this
	// instance's executors has stopped and written everything it will
	// write (tests wait on it).
	OnStop func(runID int64)
}

func (c *Config) defaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.LeaseTTL, 30*time.Second)
	def(&c.RenewEvery, c.LeaseTTL/3)
	def(&c.WatchEvery, min(2*time.Second, c.RenewEvery))
	def(&c.LostAfter, c.LeaseTTL*2/3)
	def(&c.PollEvery, min(5*time.Second, c.LeaseTTL/2))
	def(&c.CatchUpWindow, DefaultCatchUpWindow)
	if c.MaxTakeovers <= 0 {
		c.MaxTakeovers = 5
	}
	if c.IdeasPerCluster <= 0 {
		c.IdeasPerCluster = 3
	}
	if c.ImagesPerArticle < 0 {
		c.ImagesPerArticle = 0
	} else if c.ImagesPerArticle == 0 {
		c.ImagesPerArticle = 2
	}
}

// Service owns this instance's executors.
type Service struct {
	db     *db.DB
	ai     ai.Provider
	clock  clockwork.Clock
	log    *slog.Logger
	cfg    Config
	owner  string
	m      *metrics
	stages Pipeline

	wake chan struct{}

	mu      sync.Mutex
	running map[int64]*executor
	wg      sync.WaitGroup
	closed  bool
	// gaveUp: runs this instance gave up because the database was
	// unreachable, with when that began (outage.go).
	gaveUp map[int64]time.Time
}

// New builds the service. owner identifies this instance in leases.
func New(d *db.DB, provider ai.Provider, clock clockwork.Clock, log *slog.Logger, cfg Config) *Service {
	cfg.defaults()
	if cfg.Blobs == nil {
		cfg.Blobs = d.Blobs()
	}
	b := make([]byte, 4)
	rand.Read(b)
	host, _ := os.Hostname()
	return &Service{
		db: d, ai: provider, clock: clock, log: log.With("component", "automation"), cfg: cfg,
		owner:   fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		wake:    make(chan struct{}, 1),
		running: map[int64]*executor{},
		m:       newMetrics(cfg.Registerer),
		stages:  Stages,
	}
}

// Owner is this instance's lease owner name.
func (s *Service) Owner() string { return s.owner }

// Wake asks the poller to look for claimable runs now (after a start or a
// resume) instead of at its next tick.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start starts a manual run for a site the caller loaded for its account. A
// site with an active run fails with *db.ActiveRunError (errors.Is
// db.ErrRunActive).
func (s *Service) Start(ctx context.Context, site db.Site, actor string) (db.Run, error) {
	in, err := s.loadInputs(ctx, site)
	if err != nil {
		return db.Run{}, err
	}
	r, err := s.db.InsertRun(ctx, s.prepareRun(in, db.Run{TriggerType: "manual", CreatedBy: actor}))
	if err != nil {
		return r, err
	}
	e := db.Event{RunID: r.ID, At: r.CreatedAt, Message: "Run started by " + actor, Actor: actor}
	db.BestEffort(ctx, s.log, "run event", func(ctx context.Context) error { return s.db.AddEvent(ctx, e) })
	s.m.started("manual")
	s.log.Info("run started", "run_id", r.ID, "site_id", site.ID, "actor", actor)
	s.Wake()
	return r, nil
}

// Pause pauses a running run: no new item starts; items in flight finish.
func (s *Service) Pause(ctx context.Context, accountID, runID int64, actor string) (db.Run, error) {
	r, err := s.db.PauseRun(ctx, db.Transition{AccountID: accountID, RunID: runID, Actor: actor, Now: s.clock.Now()})
	if err == nil {
		s.notify(runID)
	}
	return r, err
}

// Resume resumes a paused run from where it stopped.
func (s *Service) Resume(ctx context.Context, accountID, runID int64, actor string) (db.Run, error) {
	r, err := s.db.ResumeRun(ctx, db.Transition{AccountID: accountID, RunID: runID, Actor: actor, Now: s.clock.Now()})
	if err == nil {
		s.notify(runID)
		s.Wake()
	}
	return r, err
}

// Cancel cancels a running or paused run. When it returns, the site is free
// and nothing of the run commits any more; AI calls in flight on this
// instance are interrupted (on other instances within WatchEvery).
func (s *Service) Cancel(ctx context.Context, accountID, runID int64, actor string) (db.Run, error) {
	r, err := s.db.CancelRun(ctx, db.Transition{AccountID: accountID, RunID: runID, Actor: actor, Now: s.clock.Now()})
	if err != nil {
		return r, err
	}
	s.mu.Lock()
	x := s.running[runID]
	s.mu.Unlock()
	if x != nil {
		x.cancel(errCancelled)
	}
	// Holds of calls that will now never commit go back to the account,
	// even if the request that cancelled goes away (SweepHolds would
	// catch it later anyway).
	now := s.clock.Now()
	db.BestEffort(ctx, s.log, "refund after cancel", func(ctx context.Context) error {
		_, err := s.db.RefundUnsettled(ctx, runID, "run cancelled", now)
		return err
	})
	return r, nil
}

func (s *Service) notify(runID int64) {
	s.mu.Lock()
	x := s.running[runID]
	s.mu.Unlock()
	if x != nil {
		x.poke()
	}
}

// SweepHolds refunds holds of ended runs that were never settled nor
// refunded (a refund lost to a crash). It runs every minute.
func (s *Service) SweepHolds(ctx context.Context) error {
	n, err := s.db.RefundOrphanHolds(ctx, s.clock.Now())
	if n > 0 {
		s.log.Warn("refunded holds of ended runs", "count", n)
	}
	return err
}

// Poll settles the pauses whose executor stopped while draining (their
// runs become paused), claims every claimable run and starts an executor
// for each. It returns how many it started.
func (s *Service) Poll(ctx context.Context) (int, error) {
	now := s.clock.Now()
	if n, err := s.db.FinishAbandonedPauses(ctx, now); err != nil {
		return 0, fmt.Errorf("automation: abandoned pauses: %w", err)
	} else if n > 0 {
		s.log.Warn("runs paused whose executor stopped while pausing", "count", n)
	}
	ids, err := s.db.ClaimableRuns(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("automation: claimable runs: %w", err)
	}
	started := 0
	for _, id := range ids {
		s.mu.Lock()
		_, busy := s.running[id]
		closed := s.closed
		s.mu.Unlock()
		if busy || closed {
			continue
		}
		x, err := s.claim(ctx, id)
		switch {
		case errors.Is(err, db.ErrConflict):
			continue // someone else was faster
		case errors.Is(err, errUnreadable):
			continue // failed and logged by claim
		case err != nil:
			return started, fmt.Errorf("automation: claim run %d: %w", id, err)
		case x == nil:
			continue // failed for too many takeovers, or shutting down
		}
		started++
		go func() {
			defer s.wg.Done()
			x.execute()
		}()
	}
	return started, nil
}

// TakeOverAfterRestart ends at once the leases a previous process left
// behind, for a single instance whose exclusive hold on its data directory
// proves that process is gone (SQLite): its runs continue now, not after
// their leases expire, and runs it was pausing become paused.
func (s *Service) TakeOverAfterRestart(ctx context.Context) error {
	n, err := s.db.ExpireLeases(ctx, s.owner, s.clock.Now())
	if err != nil {
		return fmt.Errorf("automation: take over after restart: %w", err)
	}
	if n > 0 {
		s.log.Info("took over the runs of the previous process at once", "runs", n)
		s.Wake()
	}
	return nil
}

// pollWhileDown is how often the poller looks again while the database is
// unreachable, so that runs given up in an outage are taken back as soon as
// it answers.
const pollWhileDown = time.Second

// Loop polls for claimable runs until ctx ends: every PollEvery, at once
// when woken, and every pollWhileDown while the database is unreachable.
// Every instance runs it (no distributed lock): the lease decides.
func (s *Service) Loop(ctx context.Context) {
	down := false
	for {
		wait := s.cfg.PollEvery
		_, err := s.Poll(ctx)
		switch {
		case ctx.Err() != nil:
		case err != nil && unreachable(err):
			if !down {
				s.log.Warn("database unreachable; looking for runs every second until it answers", "err", err)
			}
			down, wait = true, min(wait, pollWhileDown)
		case err != nil:
			s.log.Error("poll runs", "err", err)
		case down:
			down = false
			s.log.Info("database reachable again")
		}
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(wait):
		case <-s.wake:
		}
	}
}

// Shutdown stops this instance's executors: in-flight calls are cancelled,
// leases released so another instance can take the runs over at once (holds
// stay for the item's next attempt), and it waits for them until ctx ends.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for _, x := range s.running {
		x.cancel(errShutdown)
	}
	s.mu.Unlock()
	return jobs.Wait(ctx, &s.wg)
}
