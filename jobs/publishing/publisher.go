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
	"path/filepath"
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
	ClaimTTL    time.Duration // 10m: a claim older than this means the outcome is unknown
	Batch       int           // 20 items per tick
	Concurrency int           // 4 publications at once
	DataDir     string        // where images live (DATA_DIR)
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
		cfg.ClaimTTL = 10 * time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 20
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
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
		var wg sync.WaitGroup
		var mu sync.Mutex
		sem := make(chan struct{}, p.cfg.Concurrency)
		for _, c := range items {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				// Finish well before the claim expires, or another instance
				// may reclaim the item while this attempt still runs.
				ictx, cancel := context.WithTimeout(ctx, p.cfg.ClaimTTL/2)
				defer cancel()
				if p.publish(ictx, c) {
					mu.Lock()
					published++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if ctx.Err() != nil {
			return published, ctx.Err()
		}
	}
}

// publish publishes one claimed item outside any transaction.
func (p *Publisher) publish(ctx context.Context, c db.Content) bool {
	log := p.log.With("content_id", c.ID, "site_id", c.SiteID)
	settings, err := p.db.GetPublishingSettings(ctx, c.SiteID)
	if err != nil {
		p.failed(ctx, c, "unknown", err, log)
		return false
	}
	t, err := p.target(settings)
	if err != nil {
		p.failed(ctx, c, settings.TargetKind, err, log)
		return false
	}
	post, err := p.post(ctx, c, settings)
	if err != nil {
		p.failed(ctx, c, settings.TargetKind, err, log)
		return false
	}
	var res targets.Result
	found := false
	if c.OutcomeUnknown {
		// An earlier claim expired mid-publication: it may have gone out.
		res, found, err = t.Lookup(ctx, post)
		if err != nil {
			p.failed(ctx, c, settings.TargetKind, fmt.Errorf("looking up an earlier attempt: %w", err), log)
			return false
		}
	}
	if !found {
		res, err = t.Publish(ctx, post)
		if err != nil {
			p.failed(ctx, c, settings.TargetKind, err, log)
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
	log.Info("published", "target", t.Kind(), "url", res.URL, "late", late)
	return true
}

// failed schedules a retry with exponential backoff, or fails the item for
// good after the last attempt or on a permanent error.
func (p *Publisher) failed(ctx context.Context, c db.Content, kind string, cause error, log *slog.Logger) {
	now := p.clock.Now()
	msg := cause.Error()
	var retryAt *time.Time
	if !targets.Permanent(cause) && c.PublishAttempts < p.cfg.MaxAttempts {
		wait := time.Duration(float64(p.cfg.BaseBackoff) * math.Pow(2, float64(c.PublishAttempts-1)))
		wait = min(wait, time.Hour)
		at := now.Add(wait)
		retryAt = &at
		msg = fmt.Sprintf("attempt %d of %d failed: %s (next try %s)", c.PublishAttempts, p.cfg.MaxAttempts, msg, at.UTC().Format(time.RFC3339))
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
	log.Warn("publish failed", "err", cause, "retry", retryAt != nil)
}

// post assembles what the target needs.
func (p *Publisher) post(ctx context.Context, c db.Content, s db.PublishingSettings) (targets.Post, error) {
	site, err := p.db.SiteByID(ctx, c.SiteID)
	if err != nil {
		return targets.Post{}, err
	}
	at := p.clock.Now()
	if c.ScheduledAt != nil {
		at = *c.ScheduledAt
	}
	post := targets.Post{ContentID: c.ID, SiteID: c.SiteID, Title: c.Title, Slug: c.Slug, HTML: c.HTML, Excerpt: c.Excerpt,
		Tags: s.Tags(), Categories: s.Categories(), PublishedAt: at.In(site.Location())}
	imgs, err := p.db.ImagesOf(ctx, c.ID)
	if err != nil {
		return post, err
	}
	for _, im := range imgs {
		data, err := os.ReadFile(filepath.Join(p.cfg.DataDir, filepath.FromSlash(im.Path)))
		if err != nil {
			return post, fmt.Errorf("image %d: %w", im.ID, err)
		}
		img := targets.Image{Filename: filepath.Base(im.Path), MIME: im.MIME, Data: data, Alt: im.Alt}
		if post.FeaturedImage == nil {
			post.FeaturedImage = &img
		}
		post.Images = append(post.Images, img)
	}
	return post, nil
}

// ErrNoSecret means a site's target needs APP_SECRET to decrypt its secret.
var ErrNoSecret = errors.New("publishing: APP_SECRET is needed to use this target")
