package publishing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"autopress/db"
	"autopress/jobs/publishing/targets"
)

// LateAfter is how far past its slot a publication counts as late.
const LateAfter = 5 * time.Minute

// PublisherConfig tunes the publisher; zero values take the defaults.
type PublisherConfig struct {
	MaxAttempts int           // 5: after that the item is failed (retry by hand)
	BaseBackoff time.Duration // 1m, doubling per attempt, at most 1h
	// ClaimTTL is how long a claim lasts unless renewed (2m); the publisher
	// renews its claims every ClaimTTL/4 while their attempts run, so a
	// claim outlives its instance by at most ClaimTTL.
	ClaimTTL time.Duration
	// AttemptTimeout bounds one attempt at one article (5m).
	AttemptTimeout time.Duration
	Batch          int // 20 items per tick
	Concurrency    int // 4 publications at once
	// Blobs holds the images' bytes (nil: the database's store).
	Blobs db.BlobStore
	// Registerer receives the publisher's metrics (nil: none).
	Registerer prometheus.Registerer
}

// TargetFor builds the target of a site from its settings.
type TargetFor func(s db.PublishingSettings) (targets.Target, error)

// Publisher publishes due content (docs/publishing.md).
type Publisher struct {
	db     *db.DB
	clock  clockwork.Clock
	log    *slog.Logger
	cfg    PublisherConfig
	target TargetFor
	owner  string

	published *prometheus.CounterVec // by target and timeliness
	failures  *prometheus.CounterVec // by target and whether it will retry
}

// NewPublisher builds the publisher.
func NewPublisher(d *db.DB, clock clockwork.Clock, log *slog.Logger, target TargetFor, cfg PublisherConfig) *Publisher {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = time.Minute
	}
	if cfg.ClaimTTL <= 0 {
		cfg.ClaimTTL = 2 * time.Minute
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 5 * time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Blobs == nil {
		cfg.Blobs = d.Blobs()
	}
	b := make([]byte, 4)
	rand.Read(b)
	host, _ := os.Hostname()
	p := &Publisher{db: d, clock: clock, log: log.With("component", "publisher"), cfg: cfg, target: target,
		owner: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "autopress_published_total",
			Help: "Articles published, by target and whether they were late (> 5 min after the slot)."}, []string{"target", "late"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "autopress_publish_failures_total",
			Help: "Failed publication attempts, by target and outcome (retry, failed)."}, []string{"target", "outcome"}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(p.published, p.failures)
	}
	return p
}

// TakeBackClaims makes every article left "publishing" by a previous run
// of this server due again at once, marked outcome unknown, so the next
// tick checks whether its target already has it before publishing it. Call
// it at start, and only where no other instance can hold a claim: on
// SQLite, whose server holds the data directory's lock file.
func (p *Publisher) TakeBackClaims(ctx context.Context) error {
	ids, err := p.db.ExpireClaims(ctx, p.clock.Now())
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		p.log.Warn("taking back articles left publishing by the previous run; each is checked on its target before it is published again",
			"count", len(ids), "content_ids", ids)
	}
	return nil
}

// Tick claims due items (on PostgreSQL with SKIP LOCKED, so instances share
// the work) and publishes them, until nothing is due. It returns how many
// were published.
func (p *Publisher) Tick(ctx context.Context) (int, error) {
	published := 0
	for {
		now := p.clock.Now()
		items, err := p.db.ClaimDue(ctx, p.owner, now, now.Add(p.cfg.ClaimTTL), p.cfg.Batch)
		if err != nil {
			return published, err
		}
		if len(items) == 0 {
			return published, nil
		}
		n := p.publishBatch(ctx, items)
		published += n
		if ctx.Err() != nil {
			return published, ctx.Err()
		}
	}
}

// publishBatch publishes claimed items, Concurrency at a time, renewing
// their claims while any attempt runs.
func (p *Publisher) publishBatch(ctx context.Context, items []db.Content) int {
	// Every claim is renewed from the start, the ones waiting for a free
	// slot of Concurrency too.
	claims := newClaimSet()
	ctxs := make(map[int64]context.Context, len(items))
	for _, c := range items {
		cctx, cancel := context.WithCancel(ctx)
		ctxs[c.ID] = cctx
		claims.add(c.ID, cancel)
	}
	stopRenew := p.renew(ctx, claims)
	defer stopRenew()

	var wg sync.WaitGroup
	var mu sync.Mutex
	published := 0
	sem := make(chan struct{}, p.cfg.Concurrency)
	for _, c := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer claims.done(c.ID)
			actx, cancel := context.WithTimeout(ctxs[c.ID], p.cfg.AttemptTimeout)
			defer cancel()
			if p.publish(actx, c) {
				mu.Lock()
				published++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return published
}

// renew extends the claims in set every ClaimTTL/4 until stopped. An item
// whose claim was lost (it expired and another instance took it) has its
// attempt cancelled; when renewing keeps failing until the claims are
// about to expire, every attempt is cancelled, so none outlives its claim.
func (p *Publisher) renew(ctx context.Context, set *claimSet) (stop func()) {
	ticker := p.clock.NewTicker(p.cfg.ClaimTTL / 4)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer ticker.Stop()
		expires := p.clock.Now().Add(p.cfg.ClaimTTL)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-ticker.Chan():
			}
			ids := set.ids()
			if len(ids) == 0 {
				continue
			}
			now := p.clock.Now()
			held, err := p.db.RenewClaims(ctx, p.owner, ids, now.Add(p.cfg.ClaimTTL))
			if err != nil {
				p.log.Warn("renewing publishing claims failed", "err", err)
				if !now.Before(expires.Add(-p.cfg.ClaimTTL / 4)) {
					p.log.Error("stopping publication attempts whose claims are about to expire", "content_ids", ids)
					set.cancelAll()
				}
				continue
			}
			expires = now.Add(p.cfg.ClaimTTL)
			for _, id := range set.lost(ids, held) {
				p.log.Error("lost the claim on an article while publishing it; stopping this attempt", "content_id", id)
				set.cancelOne(id)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// claimSet is the claims of a batch whose attempts have not ended.
type claimSet struct {
	mu      sync.Mutex
	cancels map[int64]context.CancelFunc
}

func newClaimSet() *claimSet { return &claimSet{cancels: map[int64]context.CancelFunc{}} }

func (s *claimSet) add(id int64, cancel context.CancelFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancels[id] = cancel
}

func (s *claimSet) done(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.cancels[id]; ok {
		c()
		delete(s.cancels, id)
	}
}

func (s *claimSet) ids() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, len(s.cancels))
	for id := range s.cancels {
		out = append(out, id)
	}
	return out
}

func (s *claimSet) lost(asked, held []int64) []int64 {
	h := map[int64]bool{}
	for _, id := range held {
		h[id] = true
	}
	var out []int64
	for _, id := range asked {
		if !h[id] {
			out = append(out, id)
		}
	}
	return out
}

func (s *claimSet) cancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cancels {
		c()
	}
}

func (s *claimSet) cancelOne(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.cancels[id]; ok {
		c()
	}
}

// publish publishes one claimed item outside any transaction.
func (p *Publisher) publish(ctx context.Context, c db.Content) bool {
	log := p.log.With("content_id", c.ID, "site_id", c.SiteID)
	site, err := p.db.SiteByID(ctx, c.SiteID)
	if err != nil {
		p.failed(ctx, c, "unknown", time.UTC, err, log)
		return false
	}
	loc := site.Location()
	settings, err := p.db.GetPublishingSettings(ctx, c.SiteID)
	if err != nil {
		p.failed(ctx, c, "unknown", loc, err, log)
		return false
	}
	t, err := p.target(settings)
	if err != nil {
		p.failed(ctx, c, settings.TargetKind, loc, err, log)
		return false
	}
	post, err := p.post(ctx, c, loc, settings)
	if err != nil {
		p.failed(ctx, c, settings.TargetKind, loc, err, log)
		return false
	}
	var res targets.Result
	found := false
	if c.OutcomeUnknown {
		// An earlier attempt was interrupted (its claim expired, or the
		// server stopped): it may have gone out.
		log.Info("an earlier attempt was interrupted: checking whether the target already has the article", "target", t.Kind(), "attempt", c.PublishAttempts)
		res, found, err = t.Lookup(ctx, post)
		if err != nil {
			p.failed(ctx, c, settings.TargetKind, loc, fmt.Errorf("checking for an earlier attempt: %w", err), log)
			return false
		}
	}
	if !found {
		res, err = t.Publish(ctx, post)
		if err != nil {
			p.failed(ctx, c, settings.TargetKind, loc, err, log)
			return false
		}
	}
	now := p.clock.Now()
	late := c.ScheduledAt != nil && now.Sub(*c.ScheduledAt) > LateAfter
	// Record the outcome even if the attempt's deadline has just passed.
	if err := p.db.MarkPublished(context.WithoutCancel(ctx), db.PublishResult{ContentID: c.ID, Owner: p.owner, RemoteID: res.RemoteID, RemoteURL: res.URL, At: now, Late: late}); err != nil {
		log.Error("record publication", "err", err)
		return false
	}
	p.published.WithLabelValues(t.Kind(), fmt.Sprint(late)).Inc()
	if found || res.Adopted {
		log.Info("adopted an existing post as this article's publication (an earlier attempt had made it)",
			"target", t.Kind(), "remote_id", res.RemoteID, "url", res.URL)
	}
	log.Info("published", "target", t.Kind(), "url", res.URL, "late", late, "attempt", c.PublishAttempts)
	return true
}

// failed schedules a retry with exponential backoff, or fails the item for
// good after the last attempt or on a permanent error. Times in the message
// are in the site's zone (loc), as the pages show them.
func (p *Publisher) failed(ctx context.Context, c db.Content, kind string, loc *time.Location, cause error, log *slog.Logger) {
	now := p.clock.Now()
	msg := cause.Error()
	switch {
	case errors.Is(cause, context.DeadlineExceeded) && ctx.Err() != nil:
		msg = fmt.Sprintf("the attempt took longer than %s and was stopped", p.cfg.AttemptTimeout)
	case errors.Is(cause, context.Canceled):
		msg = "the attempt was stopped (the server was shutting down, or lost its claim on the article)"
	}
	var retryAt *time.Time
	if !targets.Permanent(cause) && c.PublishAttempts < p.cfg.MaxAttempts {
		wait := time.Duration(float64(p.cfg.BaseBackoff) * math.Pow(2, float64(c.PublishAttempts-1)))
		wait = min(wait, time.Hour)
		at := now.Add(wait)
		retryAt = &at
		msg = fmt.Sprintf("attempt %d of %d failed: %s (next try %s)", c.PublishAttempts, p.cfg.MaxAttempts, msg, at.In(loc).Format("2006-01-02 15:04 MST"))
	} else {
		msg = fmt.Sprintf("failed after %d attempt(s): %s", c.PublishAttempts, msg)
	}
	outcome := "failed"
	if retryAt != nil {
		outcome = "retry"
	}
	p.failures.WithLabelValues(kind, outcome).Inc()
	if err := p.db.MarkPublishFailed(context.WithoutCancel(ctx), c.ID, p.owner, msg, retryAt, now); err != nil {
		log.Error("record publish failure", "err", err)
	}
	log.Warn("publish failed", "err", cause, "retry", retryAt != nil, "attempt", c.PublishAttempts)
}

// post assembles what the target needs: the first image (in prompt order)
// is the featured one, each other illustrates the section its prompt was
// made for.
func (p *Publisher) post(ctx context.Context, c db.Content, loc *time.Location, s db.PublishingSettings) (targets.Post, error) {
	at := p.clock.Now()
	if c.ScheduledAt != nil {
		at = *c.ScheduledAt
	}
	post := targets.Post{ContentID: c.ID, SiteID: c.SiteID, Title: c.Title, Slug: c.Slug, HTML: c.HTML, Excerpt: c.Excerpt,
		SEOTitle: c.SEOTitle, MetaDescription: c.MetaDescription, Keywords: keywordsOf(c),
		Tags: s.Tags(), Categories: s.Categories(), PublishedAt: at.In(loc)}
	imgs, err := p.db.ImagesOf(ctx, c.ID)
	if err != nil {
		return post, err
	}
	for _, im := range imgs {
		data, err := p.imageData(ctx, im)
		if err != nil {
			return post, err
		}
		img := targets.Image{Filename: path.Base(im.Path), MIME: im.MIME, Data: data, Alt: im.Alt, Section: im.Position}
		if post.FeaturedImage == nil {
			post.FeaturedImage = &img
			continue
		}
		post.Images = append(post.Images, img)
	}
	return post, nil
}

// keywordsOf lists an article's search keywords (stored one per line).
func keywordsOf(c db.Content) []string {
	var out []string
	for _, k := range strings.Split(c.Keywords, "\n") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// imageData is how the publisher and its targets get an image's bytes:
// from the blob store, which every instance shares. A missing image is
// named by its id, never by where it was looked for.
func (p *Publisher) imageData(ctx context.Context, im db.Image) ([]byte, error) {
	data, err := p.cfg.Blobs.Get(ctx, im.Path)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, fmt.Errorf("image %d is missing from the image store", im.ID)
	case err != nil:
		return nil, fmt.Errorf("image %d: %w", im.ID, err)
	}
	return data, nil
}

// ErrNoSecret means a site's target needs APP_SECRET to decrypt its secret.
var ErrNoSecret = errors.New("publishing: APP_SECRET is needed to use this target")
