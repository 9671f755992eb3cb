package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"autopress/db"
	"autopress/handlers"
	"autopress/jobs"
)

// Shutdown deadlines, in the order the steps run.
const (
	httpShutdownTimeout    = 15 * time.Second
	workersShutdownTimeout = 30 * time.Second
)

// itemCountsFoldEvery is how often the site counters' appended rows are
// folded into one per bucket: a page sums what is not folded yet, and a
// run clustering keywords appends a thousand rows a second on SQLite (at
// two seconds, the pages' reads while a run worked were twice as slow as
// idle ones). A fold with nothing to do is one index probe.
const itemCountsFoldEvery = time.Second

// serve is the serve command: it runs the server until SIGINT or SIGTERM.
func (c cli) serve(ctx context.Context, args []string) error {
	fs := c.flagSet("serve", "serve")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, log, err := c.config()
	if err != nil {
		return err
	}
	return run(ctx, cfg, log, nil, c.stderr, nil)
}

// listening is where a started server answers.
type listening struct {
	// HTTP is the main listener's address.
	HTTP net.Addr
	// Metrics is METRICS_ADDR's listener, nil when there is none.
	Metrics net.Addr
}

// run starts autopress and serves until ctx ends, then shuts down in order.
// ln is the listener to serve on; nil listens on cfg.ListenAddr once
// everything else is ready. The first-start banner goes to console, before
// any request is answered; ready, when not nil, is called once the server
// answers requests.
func run(ctx context.Context, cfg Config, log *slog.Logger, ln net.Listener, console io.Writer, ready func(listening)) error {
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.serve(ctx, ln, console, ready)
}

// app holds the running server's components. To add one (AI provider,
// automation executor, publisher), build it in newApp from the fields
// here, append its periodic work to jobs and, if it runs goroutines of its
// own, the functions that start and stop them to startWorkers and
// stopWorkers.
type app struct {
	cfg   Config
	log   *slog.Logger
	clock clockwork.Clock

	lock  *lockFile
	db    *db.DB
	sched gocron.Scheduler
	web   http.Handler
	// metrics holds every collector; it is served at /metrics with
	// METRICS_TOKEN, or on METRICS_ADDR's listener by metricsServer.
	metrics       *prometheus.Registry
	metricsServer *http.Server

	// jobs are registered with the scheduler when serving starts.
	jobs []jobs.Job
	// startWorkers run once the scheduler has started, before the HTTP
	// server; the context they get ends only after stopWorkers have run.
	startWorkers []func(context.Context) error
	// stopWorkers run at shutdown, in order, after the scheduler has
	// stopped and before the database closes; each must return by the
	// context's deadline.
	stopWorkers []func(context.Context)
	// cancelWorkers ends the context given to startWorkers.
	cancelWorkers context.CancelFunc

	// firstAdmin is set when this start created the admin with a
	// generated password.
	firstAdmin *credentials
}

// newApp opens and prepares everything the server needs, without serving.
// On error it releases whatever it had taken.
func newApp(ctx context.Context, cfg Config, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log, clock: clockwork.NewRealClock()}
	defer func() {
		if err != nil {
			if a.sched != nil {
				a.sched.Shutdown()
			}
			a.close()
		}
	}()
	if err := os.MkdirAll(a.cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("autopress: create DATA_DIR: %w", err)
	}
	if !a.cfg.Postgres() {
		if a.lock, err = acquireLockFile(filepath.Join(a.cfg.DataDir, "autopress.lock")); err != nil {
			return nil, err
		}
	}
	if err := ensureAppSecret(&a.cfg, log); err != nil {
		return nil, err
	}
	if a.db, err = openMigrated(ctx, a.cfg); err != nil {
		return nil, err
	}
	if err := moveImageFilesIn(ctx, a.db, a.cfg.DataDir, log, a.clock.Now()); err != nil {
		return nil, err
	}
	if a.firstAdmin, err = firstStart(ctx, a.db, a.cfg, log, a.clock.Now()); err != nil {
		return nil, err
	}
	if a.sched, err = jobs.NewScheduler(a.db, a.clock, log); err != nil {
		return nil, err
	}
	a.metrics = prometheus.NewRegistry()
	a.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	comp, err := a.buildComponents()
	if err != nil {
		return nil, err
	}

	sessions := handlers.NewSessions(a.db, a.cfg.SecureCookies)
	a.jobs = append(a.jobs, jobs.Job{Name: "sessions-cleanup", Every: 5 * time.Minute, Singleton: true, Run: func(ctx context.Context) error {
		_, err := a.db.Sessions().DeleteExpired(ctx, a.clock.Now())
		return err
	}})
	a.jobs = append(a.jobs, jobs.Job{Name: "item-counts-fold", Every: itemCountsFoldEvery, Singleton: true, Run: func(ctx context.Context) error {
		_, err := a.db.FoldItemCounts(ctx)
		return err
	}})
	a.web = handlers.New(handlers.Deps{
		DB:           a.db,
		Sessions:     sessions,
		Clock:        a.clock,
		Log:          log,
		DataDir:      a.cfg.DataDir,
		Secure:       a.cfg.SecureCookies,
		Registry:     a.metrics,
		MetricsToken: a.cfg.mainMetricsToken(),

		Runs:          comp.runs,
		Regenerations: comp.regen,
		AIProvider:    comp.provider.Name(),
		BaseURL:       a.cfg.BaseURL,
		Box:           comp.box,
		Targets:       comp.targets,
		Filler:        comp.filler,

		TrustedProxies: a.cfg.TrustedProxies,
	})
	return a, nil
}

// serve starts the scheduler and the HTTP server, waits for ctx to end or
// the server to fail, then shuts everything down in order.
func (a *app) serve(ctx context.Context, ln net.Listener, console io.Writer, ready func(listening)) error {
	if err := jobs.Register(a.sched, a.log, a.jobs...); err != nil {
		return errors.Join(err, a.shutdown(nil))
	}
	a.sched.Start()
	var workersCtx context.Context
	workersCtx, a.cancelWorkers = context.WithCancel(context.WithoutCancel(ctx))
	for _, start := range a.startWorkers {
		if err := start(workersCtx); err != nil {
			return errors.Join(fmt.Errorf("autopress: start workers: %w", err), a.shutdown(nil))
		}
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.ListenAddr); err != nil {
			return errors.Join(fmt.Errorf("autopress: listen on %s: %w", a.cfg.ListenAddr, err), a.shutdown(nil))
		}
	}
	var metricsLn net.Listener
	if a.cfg.MetricsAddr != "" {
		var err error
		if metricsLn, err = net.Listen("tcp", a.cfg.MetricsAddr); err != nil {
			ln.Close()
			return errors.Join(fmt.Errorf("autopress: listen on METRICS_ADDR %s: %w", a.cfg.MetricsAddr, err), a.shutdown(nil))
		}
	}
	srv := &http.Server{
		Handler:           a.web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// The log line and the banner come before the first request is
	// answered: whoever waits for the server finds them printed.
	a.log.Info("autopress listening", "url", a.cfg.BaseURL, "addr", ln.Addr().String(), "database", a.db.Dialect, "data_dir", a.cfg.DataDir)
	if a.firstAdmin != nil {
		printBanner(console, a.cfg.BaseURL, a.firstAdmin)
	}
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	at := listening{HTTP: ln.Addr()}
	if metricsLn != nil {
		a.metricsServer = newMetricsServer(a.metrics, a.cfg.MetricsToken, a.cfg.Pprof, a.log)
		go func() { served <- a.metricsServer.Serve(metricsLn) }()
		at.Metrics = metricsLn.Addr()
		a.log.Info("metrics listening", "addr", metricsLn.Addr().String(), "token", a.cfg.MetricsToken != "", "pprof", a.cfg.Pprof)
	} else if a.cfg.MetricsToken == "" {
		a.log.Info("metrics are not served: set METRICS_TOKEN (served at /metrics to that bearer token) or METRICS_ADDR (a listener of their own)")
	}
	if ready != nil {
		ready(at)
	}

	var serveErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down", "reason", context.Cause(ctx))
	case serveErr = <-served:
		serveErr = fmt.Errorf("autopress: http server: %w", serveErr)
		a.log.Error("http server stopped", "err", serveErr)
	}
	return errors.Join(serveErr, a.shutdown(srv))
}

// shutdown stops the components in order, each with a deadline: HTTP
// (in-flight requests finish), the scheduler (running jobs see their context
// end), the workers, the database, the lock file.
func (a *app) shutdown(srv *http.Server) error {
	var errs []error
	for _, s := range []*http.Server{srv, a.metricsServer} {
		if s == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("autopress: http shutdown: %w", err))
			s.Close()
		}
		cancel()
	}
	if srv != nil {
		a.log.Info("shutdown: http server stopped")
	}
	if err := a.sched.Shutdown(); err != nil {
		errs = append(errs, fmt.Errorf("autopress: scheduler shutdown: %w", err))
	}
	a.log.Info("shutdown: scheduler stopped")
	if len(a.stopWorkers) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), workersShutdownTimeout)
		for _, stop := range a.stopWorkers {
			stop(ctx)
		}
		cancel()
		a.log.Info("shutdown: workers stopped")
	}
	if a.cancelWorkers != nil {
		a.cancelWorkers()
	}
	errs = append(errs, a.close())
	a.log.Info("shutdown complete")
	return errors.Join(errs...)
}

// close releases the database and the lock file, in that order.
func (a *app) close() error {
	var errs []error
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("autopress: close database: %w", err))
		}
		a.db = nil
	}
	if a.lock != nil {
		if err := a.lock.release(); err != nil {
			errs = append(errs, err)
		}
		a.lock = nil
	}
	return errors.Join(errs...)
}

// mainMetricsToken is the token /metrics wants on the main listener, or ""
// when the main listener does not serve metrics: they have a listener of
// their own (METRICS_ADDR), or no token protects them.
func (c Config) mainMetricsToken() string {
	if c.MetricsAddr != "" {
		return ""
	}
	return c.MetricsToken
}

// newMetricsServer serves /metrics on METRICS_ADDR, and with PPROF Go's
// profiles at /debug/pprof/ (both behind the token when there is one).
func newMetricsServer(reg *prometheus.Registry, token string, withPprof bool, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", handlers.MetricsHandler(reg, token))
	if withPprof {
		mux.Handle("/debug/pprof/", handlers.BearerOnly(token, "metrics", http.HandlerFunc(pprof.Index)))
		mux.Handle("/debug/pprof/cmdline", handlers.BearerOnly(token, "metrics", http.HandlerFunc(pprof.Cmdline)))
		mux.Handle("/debug/pprof/profile", handlers.BearerOnly(token, "metrics", http.HandlerFunc(pprof.Profile)))
		mux.Handle("/debug/pprof/symbol", handlers.BearerOnly(token, "metrics", http.HandlerFunc(pprof.Symbol)))
		mux.Handle("/debug/pprof/trace", handlers.BearerOnly(token, "metrics", http.HandlerFunc(pprof.Trace)))
	}
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// printBanner tells whoever started the server where it is and how to log
// in the first time.
func printBanner(w io.Writer, url string, c *credentials) {
	fmt.Fprintf(w, `
  ────────────────────────────────────────────────────────────
  autopress is ready: %s
  log in as  %s
  password   %s
`, url, c.Email, c.Password)
	if c.File != "" {
		fmt.Fprintf(w, "  (also in %s — delete it after changing the password)\n", c.File)
	}
	fmt.Fprint(w, "  ────────────────────────────────────────────────────────────\n\n")
}
