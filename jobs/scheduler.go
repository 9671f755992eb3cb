package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"autopress/db"
)

// StopTimeout is how long the scheduler's Shutdown waits for running jobs.
const StopTimeout = 10 * time.Second

// NewScheduler returns a gocron scheduler in UTC, driven by clock, logging
// to log at warn level. On PostgreSQL it carries the advisory-lock locker so
// several instances share the cluster-wide jobs; SQLite is single-instance
// and needs none. The scheduler is not started.
func NewScheduler(d *db.DB, clock clockwork.Clock, log *slog.Logger) (gocron.Scheduler, error) {
	opts := []gocron.SchedulerOption{
		gocron.WithClock(clock),
		gocron.WithLocation(time.UTC),
		gocron.WithLogger(slogAdapter{log: log.With("component", "gocron")}),
		gocron.WithStopTimeout(StopTimeout),
	}
	if d.Dialect == db.Postgres {
		locker, err := NewPGLocker(d)
		if err != nil {
			return nil, err
		}
		opts = append(opts, gocron.WithDistributedLocker(locker))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("jobs: new scheduler: %w", err)
	}
	return s, nil
}

// Job is a periodic piece of background work.
type Job struct {
	// Name identifies the job in logs and is the distributed lock key, so it
	// must be the same on every instance.
	Name string
	// Every is the interval between runs; the first run is one interval
	// after the scheduler starts.
	Every time.Duration
	// Run does the work. Its context is cancelled when the scheduler shuts
	// down.
	Run func(ctx context.Context) error
	// Singleton makes the job run on one instance at a time across the
	// cluster (under the PostgreSQL advisory lock; other instances skip that
	// tick). Without it every instance runs the job, like the run-claim
	// poller. On one instance a run never overlaps the previous one either
	// way: a tick that finds the job still running is skipped.
	Singleton bool
}

// Register adds jobs to s as interval jobs. Errors a job returns are logged
// with its name; a panic is recovered and logged with its stack, and the job
// runs again at its next tick.
func Register(s gocron.Scheduler, log *slog.Logger, jobs ...Job) error {
	for _, j := range jobs {
		if j.Name == "" || j.Every <= 0 || j.Run == nil {
			return fmt.Errorf("jobs: register %q: a job needs a name, a positive interval and a Run function", j.Name)
		}
		for _, existing := range s.Jobs() {
			if existing.Name() == j.Name {
				return fmt.Errorf("jobs: register %q: a job with this name exists", j.Name)
			}
		}
		jlog := log.With("job", j.Name)
		_, err := s.NewJob(
			gocron.DurationJob(j.Every),
			gocron.NewTask(guard(jlog, j.Run)),
			gocron.WithName(j.Name),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
			gocron.WithDisabledDistributedJobLocker(!j.Singleton),
			gocron.WithEventListeners(gocron.AfterLockError(func(_ uuid.UUID, name string, err error) {
				if errors.Is(err, ErrLocked) {
					jlog.Debug("job skipped: another instance runs it")
					return
				}
				jlog.Warn("job skipped: cannot take its lock", "err", err)
			})),
		)
		if err != nil {
			return fmt.Errorf("jobs: register %q: %w", j.Name, err)
		}
	}
	return nil
}

// guard wraps run so that errors and panics are logged, never lost or
// fatal; a tick the database was unavailable for is a warning.
func guard(log *slog.Logger, run func(context.Context) error) func(context.Context) {
	return func(ctx context.Context) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("job panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		start := time.Now()
		if err := run(ctx); err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				log.Info("job stopped by shutdown", "err", err)
				return
			}
			if errors.Is(err, db.ErrUnavailable) {
				// Nothing was done; the next tick tries again.
				log.Warn("job skipped: database unavailable", "reason", db.UnavailableReason(err))
				return
			}
			log.Error("job failed", "err", err, "duration", time.Since(start))
			return
		}
		log.Debug("job done", "duration", time.Since(start))
	}
}

// slogAdapter passes gocron's own warnings and errors to slog; its debug
// and info chatter is dropped.
type slogAdapter struct {
	log *slog.Logger
}

func (a slogAdapter) Debug(string, ...any)          {}
func (a slogAdapter) Info(string, ...any)           {}
func (a slogAdapter) Warn(msg string, args ...any)  { a.log.Warn(msg, args...) }
func (a slogAdapter) Error(msg string, args ...any) { a.log.Error(msg, args...) }
