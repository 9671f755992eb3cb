package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"autopress/db"
	"autopress/db/secretbox"
	"autopress/jobs"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
	"autopress/jobs/publishing"
	"autopress/jobs/publishing/egress"
	"autopress/jobs/regenerate"
)

// components are the background parts of the server, built by newApp.
type components struct {
	provider ai.Provider
	runs     *automation.Service
	regen    *regenerate.Service
	box      *secretbox.Box
	targets  publishing.Targets
	filler   *publishing.Filler
	pub      *publishing.Publisher
}

// newProvider builds the configured AI provider. One provider serves the
// whole process, so its rate limiters and concurrency cap are process-wide.
func newProvider(cfg Config) (ai.Provider, error) {
	if cfg.AIProvider == "openai" {
		p, err := ai.NewOpenAI(ai.OpenAIConfig{
			BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey,
			TextModel: cfg.AITextModel, ImageModel: cfg.AIImageModel,
			Concurrency: cfg.AIConcurrency, RequestsPerMinute: cfg.AIRequestsPerMin, ImagesPerMinute: cfg.AIImagesPerMin,
			Timeout: cfg.AITimeout, MaxAttempts: cfg.AIMaxAttempts,
		})
		if err != nil {
			return nil, fmt.Errorf("autopress: AI provider: %w", err)
		}
		return p, nil
	}
	return ai.NewLocal(cfg.LocalAILatency), nil
}

// buildComponents builds the AI provider, the automation service and the
// publishing pipeline, and registers their jobs and workers on a.
func (a *app) buildComponents() (components, error) {
	var c components
	var err error
	if c.provider, err = newProvider(a.cfg); err != nil {
		return c, err
	}
	if c.box, err = secretbox.New(a.cfg.AppSecret); err != nil {
		return c, fmt.Errorf("autopress: secrets: %w", err)
	}
	c.runs = automation.New(a.db, c.provider, a.clock, a.log, automation.Config{LeaseTTL: a.cfg.RunLeaseTTL, Registerer: a.metrics})
	// Regenerations are leased like runs, with the same lease.
	c.regen = regenerate.New(a.db, c.provider, a.clock, a.log, regenerate.Config{LeaseTTL: a.cfg.RunLeaseTTL})
	// Webhook and WordPress requests go through the egress guard, which
	// refuses internal addresses unless PUBLISH_ALLOW_PRIVATE is set.
	c.targets = publishing.Targets{LocalDir: filepath.Join(a.cfg.DataDir, "published"), BaseURL: a.cfg.BaseURL, Box: c.box,
		Client: egress.NewClient(egress.Options{AllowPrivate: a.cfg.PublishAllowPrivate})}
	if a.cfg.PublishAllowPrivate {
		a.log.Warn("PUBLISH_ALLOW_PRIVATE is set: publishing targets and their connection tests may reach this server's network, cloud metadata included")
	}
	c.filler = publishing.NewFiller(a.db, a.clock, a.log)
	c.pub = publishing.NewPublisher(a.db, a.clock, a.log, c.targets.For, publishing.PublisherConfig{Registerer: a.metrics})

	a.jobs = append(a.jobs,
		// Due schedules: once per tick across instances.
		jobs.Job{Name: "automation-schedules", Every: time.Minute, Singleton: true, Run: c.runs.TickSchedules},
		// Holds of ended runs that lost their refund (a crash) go back.
		jobs.Job{Name: "credits-sweep", Every: time.Minute, Singleton: true, Run: c.runs.SweepHolds},
		// The queue filler is safe anywhere (row lock + unique slot index);
		// one instance per tick is enough.
		jobs.Job{Name: "publishing-queue", Every: 10 * time.Second, Singleton: true, Run: c.filler.Tick},
		// Every instance publishes: claims are row-level (SKIP LOCKED).
		jobs.Job{Name: "publishing-publisher", Every: 10 * time.Second, Run: func(ctx context.Context) error {
			_, err := c.pub.Tick(ctx)
			return err
		}},
	)
	// On SQLite this server holds the data directory's lock file, so no
	// other can hold a publishing claim: claims left by a crash are taken
	// back at once instead of waiting for them to expire.
	if a.db.Dialect == db.SQLite {
		a.startWorkers = append(a.startWorkers, c.pub.TakeBackClaims)
	}
	// The run and regeneration pollers run on every instance, outside any
	// lock: leases decide who executes a run or a regeneration.
	a.startWorkers = append(a.startWorkers, func(ctx context.Context) error {
		if !a.cfg.Postgres() {
			// The lock file proves no other process works these runs.
			if err := c.runs.TakeOverAfterRestart(ctx); err != nil {
				return err
			}
			if err := c.regen.TakeOverAfterRestart(ctx); err != nil {
				return err
			}
		}
		go c.runs.Loop(ctx)
		go c.regen.Loop(ctx)
		return nil
	})
	a.stopWorkers = append(a.stopWorkers, func(ctx context.Context) {
		if err := c.runs.Shutdown(ctx); err != nil {
			a.log.Warn("automation executors did not stop in time", "err", err)
		}
		if err := c.regen.Shutdown(ctx); err != nil {
			a.log.Warn("regeneration executors did not stop in time", "err", err)
		}
	})
	return c, nil
}
