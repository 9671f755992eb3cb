// Package regenerate runs regenerations: a person's request for a new
// version of an article (optionally with a note: "shorter", "more
// examples"), of its SEO title and meta description, or of one image.
//
// A regeneration is a job in the database (db.RegenJob), not part of a
// run: it never waits for the site's run nor blocks it. Any instance
// claims a job with a lease and works it with the engine's discipline: the
// credit hold first (keyed by the job, so a job taken over after its
// executor died reuses it), the AI call outside any transaction, then one
// transaction that proves the job is still running under this executor's
// lease, compares the article's (or the image prompt's) version the person
// asked from, writes the new text as a revision (or the new image),
// settles the hold and finishes the job. A failure refunds the hold in the
// transaction that records it; a cancel refunds it in the transaction
// that cancels, after which nothing of the job commits.
package regenerate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/jobs"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
	"autopress/jobs/credits"
)

// Config tunes the executor. Zero values take the defaults.
type Config struct {
	// LeaseTTL is how long a job's lease lasts without renewal (30s): how
	// soon another instance takes over the job of one that died.
	LeaseTTL time.Duration
	// RenewEvery is how often the lease is renewed (LeaseTTL/3); a renewal
	// also finds a cancel made on another instance.
	RenewEvery time.Duration
	// PollEvery is how often idle instances look for jobs (5s, at most
	// LeaseTTL/2).
	PollEvery time.Duration
	// Workers is how many jobs this instance works at once (2).
	Workers int
	// MaxClaims fails a job claimed more often than this (5): an executor
	// that dies on it every time must not loop for ever.
	MaxClaims int
	// Blobs keeps the images' bytes (nil: the database's store).
	Blobs db.BlobStore
	// OnStop, when set, is told a job's id each time one of this
	// instance's executors has stopped working it and written everything
	// it will write (tests wait on it).
	OnStop func(jobID int64)
}

func (c *Config) defaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.LeaseTTL, 30*time.Second)
	def(&c.RenewEvery, c.LeaseTTL/3)
	def(&c.PollEvery, min(5*time.Second, c.LeaseTTL/2))
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.MaxClaims <= 0 {
		c.MaxClaims = 5
	}
}

// Why a worker stops (its context's cause).
var (
	errCancelled = errors.New("regenerate: cancelled")
	errShutdown  = errors.New("regenerate: instance shutting down")
	errLost      = errors.New("regenerate: lease lost")
)

// Service asks for regenerations and works them on this instance.
type Service struct {
	db    *db.DB
	ai    ai.Provider
	clock clockwork.Clock
	log   *slog.Logger
	cfg   Config
	owner string

	wake  chan struct{}
	slots chan struct{}

	mu      sync.Mutex
	running map[int64]*worker
	wg      sync.WaitGroup
	closed  bool
}

// New builds the service.
func New(d *db.DB, provider ai.Provider, clock clockwork.Clock, log *slog.Logger, cfg Config) *Service {
	cfg.defaults()
	if cfg.Blobs == nil {
		cfg.Blobs = d.Blobs()
	}
	b := make([]byte, 4)
	rand.Read(b)
	host, _ := os.Hostname()
	return &Service{db: d, ai: provider, clock: clock, log: log.With("component", "regenerate"), cfg: cfg,
		owner: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		wake:  make(chan struct{}, 1), slots: make(chan struct{}, cfg.Workers), running: map[int64]*worker{}}
}

// Request is a person's request for a regeneration.
type Request struct {
	AccountID int64
	ContentID int64
	// Kind is db.RegenArticle, db.RegenSEO or db.RegenImage.
	Kind string
	// ImageID is the image to draw again (kind image).
	ImageID int64
	// Note says what to change ("" for nothing in particular).
	Note string
	// Version, when set, is the article's version the person saw (an
	// article or SEO regeneration of a changed article is db.ErrStale).
	Version *int64
	// Key is the request's idempotency key: the same key is the same job.
	Key   string
	Actor string
}

// ErrUnknownKind means a request's kind is not one of the three.
var ErrUnknownKind = errors.New("regenerate: unknown kind")

// Request queues a regeneration (created) or returns the job the same key
// asked for before. Errors are db.RequestRegeneration's, ErrNotFound for
// an article of another account, and ErrUnknownKind.
func (s *Service) Request(ctx context.Context, r Request) (job db.RegenJob, created bool, err error) {
	c, err := s.db.GetContent(ctx, r.AccountID, r.ContentID)
	if err != nil {
		return job, false, err
	}
	op, cost, err := s.Price(ctx, c.SiteID, r.Kind, r.Note)
	if err != nil {
		return job, false, err
	}
	job, created, err = s.db.RequestRegeneration(ctx, db.RegenRequest{AccountID: r.AccountID, ContentID: r.ContentID, Kind: r.Kind,
		ImageID: r.ImageID, Note: r.Note, Version: r.Version, Key: r.Key, Operation: op, Cost: cost, Actor: r.Actor, Now: s.clock.Now()})
	if err != nil {
		return job, false, err
	}
	if created {
		s.log.Info("regeneration requested", "job_id", job.ID, "content_id", job.ContentID, "kind", job.Kind, "actor", r.Actor)
		s.Wake()
	}
	return job, created, nil
}

// Price is what a regeneration of kind costs on a site now: an article
// is a content_generation call priced by the length its note asks for
// (as the writing stage prices one), the SEO fields one content_generation
// unit, an image one image_generation unit. An inactive operation costs
// nothing.
func (s *Service) Price(ctx context.Context, siteID int64, kind, note string) (op string, cost int64, err error) {
	units := int64(1)
	switch kind {
	case db.RegenArticle:
		op = db.OpContentGeneration
		w, err := s.db.GetWritingProfile(ctx, siteID)
		if err != nil {
			return "", 0, err
		}
		units = credits.ArticleUnits(automation.ProfileOf(w).ForNote(note).MaxWords)
	case db.RegenSEO:
		op = db.OpContentGeneration
	case db.RegenImage:
		op = db.OpImageGeneration
	default:
		return "", 0, ErrUnknownKind
	}
	costs, err := s.db.CreditCosts(ctx)
	if err != nil {
		return "", 0, err
	}
	for _, c := range costs {
		if c.Operation == op && c.Active {
			return op, c.CreditsPerUnit * units, nil
		}
	}
	return op, 0, nil
}

// Cancel cancels a queued or running job of the account: its hold is
// refunded and nothing of it commits any more; a call in flight on this
// instance is interrupted (on another instance it finds out at its next
// renewal and cannot commit meanwhile).
func (s *Service) Cancel(ctx context.Context, accountID, id int64, actor string) (db.RegenJob, error) {
	j, err := s.db.CancelRegeneration(ctx, accountID, id, actor, s.clock.Now())
	if err != nil {
		return j, err
	}
	s.mu.Lock()
	w := s.running[id]
	s.mu.Unlock()
	if w != nil {
		w.cancel(errCancelled)
	}
	s.log.Info("regeneration cancelled", "job_id", id, "actor", actor)
	return j, nil
}

// Wake asks the poller to look for jobs now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Poll claims claimable jobs while this instance has free workers and
// starts a worker for each. It returns how many it started.
func (s *Service) Poll(ctx context.Context) (int, error) {
	ids, err := s.db.ClaimableRegenerations(ctx, s.clock.Now(), 2*s.cfg.Workers)
	if err != nil {
		return 0, fmt.Errorf("regenerate: claimable jobs: %w", err)
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
		select {
		case s.slots <- struct{}{}:
		default:
			return started, nil // every worker is busy
		}
		w, err := s.claim(ctx, id)
		if w == nil {
			<-s.slots
		}
		switch {
		case errors.Is(err, db.ErrConflict):
			continue // another executor was faster
		case err != nil:
			return started, fmt.Errorf("regenerate: claim job %d: %w", id, err)
		case w == nil:
			continue // shutting down
		}
		started++
		go func() {
			defer s.wg.Done()
			defer func() { <-s.slots }()
			w.run()
		}()
	}
	return started, nil
}

// claim takes a job's lease and registers its worker (nil when the
// instance is shutting down).
func (s *Service) claim(parent context.Context, id int64) (*worker, error) {
	j, err := s.db.ClaimRegeneration(parent, id, s.owner, s.clock.Now(), s.cfg.LeaseTTL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	w := &worker{s: s, job: j, ctx: ctx, cancel: cancel, log: s.log.With("job_id", j.ID, "content_id", j.ContentID, "kind", j.Kind)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		cancel(errShutdown)
		s.release(parent, j.ID)
		return nil, nil
	}
	s.running[j.ID] = w
	s.wg.Add(1)
	return w, nil
}

// release gives a job's lease back so any executor may claim it at once.
func (s *Service) release(ctx context.Context, id int64) {
	db.BestEffort(ctx, s.log, "release regeneration", func(ctx context.Context) error {
		return s.db.ReleaseRegeneration(ctx, id, s.owner, s.clock.Now())
	})
}

// TakeOverAfterRestart ends at once the leases a previous process left
// behind, for a single instance whose hold on its data directory proves
// that process is gone (SQLite): its jobs go on now.
func (s *Service) TakeOverAfterRestart(ctx context.Context) error {
	n, err := s.db.ExpireRegenerationLeases(ctx, s.owner, s.clock.Now())
	if err != nil {
		return fmt.Errorf("regenerate: take over after restart: %w", err)
	}
	if n > 0 {
		s.log.Info("took over the regenerations of the previous process at once", "jobs", n)
		s.Wake()
	}
	return nil
}

// Loop polls for jobs until ctx ends: every PollEvery and at once when
// woken. Every instance runs it: the lease decides who works a job.
func (s *Service) Loop(ctx context.Context) {
	for {
		if _, err := s.Poll(ctx); err != nil && ctx.Err() == nil {
			if errors.Is(err, db.ErrUnavailable) {
				s.log.Warn("poll regenerations: database unavailable", "reason", db.UnavailableReason(err))
			} else {
				s.log.Error("poll regenerations", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.clock.After(s.cfg.PollEvery):
		case <-s.wake:
		}
	}
}

// Shutdown stops this instance's workers: calls in flight are cancelled
// and leases released (holds stay for the job's next executor); it waits
// for them until ctx ends.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for _, w := range s.running {
		w.cancel(errShutdown)
	}
	s.mu.Unlock()
	return jobs.Wait(ctx, &s.wg)
}

// maxErrorLen bounds the reason a failed job keeps, in bytes.
const maxErrorLen = 500

func shorten(msg string) string {
	if len(msg) <= maxErrorLen {
		return msg
	}
	cut := maxErrorLen
	for cut > 0 && !strings.HasPrefix(msg[cut:], " ") {
		cut--
	}
	if cut == 0 {
		cut = maxErrorLen
	}
	return strings.ToValidUTF8(msg[:cut], "") + "…"
}
