// Package handlertest runs the real web app (handlers.New) on an
// httptest.Server for handler tests: a fake clock, clients with a cookie
// jar that read CSRF tokens from the pages like a browser, and helpers to
// create users, sites and API tokens.
//
//	dbtest.Each(t, func(t *testing.T, d *db.DB) {
//		app := handlertest.New(t, d)
//		u := app.NewUser(t, "a@example.com", handlertest.Password, false)
//		c := app.Client(t)
//		c.Login(t, u.Email, handlertest.Password)
//		page := c.Get(t, "/sites")
//		...
//	})
package handlertest

import (
	"path/filepath"

	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"autopress/db"
	"autopress/db/secretbox"
	"autopress/handlers"
	"autopress/handlers/auth"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
	"autopress/jobs/publishing"
	"autopress/jobs/publishing/egress"
	"autopress/jobs/regenerate"
)

// Password is a valid password for test users.
const Password = "correct horse battery"

// MetricsToken is the bearer token /metrics wants in the app under test.
const MetricsToken = "handlertest-metrics-token"

// Start is the fake clock's initial time.
var Start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// App is the web app under test.
type App struct {
	Echo   *echo.Echo
	Server *httptest.Server
	// URL is the server's base URL (no trailing slash).
	URL   string
	DB    *db.DB
	Clock *clockwork.FakeClock
	// Deps is what handlers.New was given.
	Deps handlers.Deps

	logs       *syncBuffer
	stops      *stopWaiter
	regenStops *stopWaiter
}

// stopWaiter hands each executor stop to whoever waits for that run (or
// regeneration).
type stopWaiter struct {
	mu      sync.Mutex
	stopped map[int64]chan struct{}
}

func (w *stopWaiter) ch(runID int64) chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped[runID] == nil {
		w.stopped[runID] = make(chan struct{}, 16)
	}
	return w.stopped[runID]
}

func (w *stopWaiter) stop(runID int64) { w.ch(runID) <- struct{}{} }

// stopWithin bounds the wait for an executor to stop: a demo run takes a
// second or two, but minutes under the race detector on a loaded machine.
const stopWithin = 3 * time.Minute

// ExecuteRun has the app's automation service claim the claimable runs
// and waits until the executor of runID has stopped (the run completed,
// paused or was lost) and written everything it will write.
func (a *App) ExecuteRun(t testing.TB, runID int64) {
	t.Helper()
	ch := a.stops.ch(runID)
	if _, err := a.Deps.Runs.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(stopWithin):
		t.Fatalf("run %d: the executor did not stop within %s", runID, stopWithin)
	}
}

// ExecuteRegeneration has the app's regeneration service claim the
// claimable jobs and waits until the executor of jobID has stopped (the
// job finished, failed, or was cancelled or lost).
func (a *App) ExecuteRegeneration(t testing.TB, jobID int64) {
	t.Helper()
	ch := a.regenStops.ch(jobID)
	if _, err := a.Deps.Regenerations.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(stopWithin):
		t.Fatalf("regeneration %d: the executor did not stop within %s", jobID, stopWithin)
	}
}

type config struct {
	clock *clockwork.FakeClock
	ai    ai.Provider
	deps  []func(*handlers.Deps)
}

// Option changes how New builds the app.
type Option func(*config)

// WithClock uses the given fake clock (default: one at Start).
func WithClock(c *clockwork.FakeClock) Option { return func(cfg *config) { cfg.clock = c } }

// WithAI runs the app's runs and regenerations with the given AI provider (default: the
// local one, with no latency), e.g. one that fails some calls.
func WithAI(p ai.Provider) Option { return func(cfg *config) { cfg.ai = p } }

// WithDeps edits the handlers.Deps before the app is built, for fields other
// tests need (new dependencies added to Deps).
func WithDeps(f func(*handlers.Deps)) Option {
	return func(cfg *config) { cfg.deps = append(cfg.deps, f) }
}

// New builds handlers.New on d and serves it until the test ends. The app's
// log is kept and printed if the test fails (see Logs).
func New(t testing.TB, d *db.DB, opts ...Option) *App {
	t.Helper()
	cfg := config{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.clock == nil {
		cfg.clock = clockwork.NewFakeClockAt(Start)
	}
	if cfg.ai == nil {
		cfg.ai = ai.NewLocal(0)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dataDir := t.TempDir()
	stops := &stopWaiter{stopped: map[int64]chan struct{}{}}
	regenStops := &stopWaiter{stopped: map[int64]chan struct{}{}}
	box, err := secretbox.New("handlertest secret")
	if err != nil {
		t.Fatal(err)
	}
	deps := handlers.Deps{
		DB:            d,
		Sessions:      handlers.NewSessions(d, false),
		Clock:         cfg.clock,
		Log:           log,
		DataDir:       dataDir,
		Runs:          automation.New(d, cfg.ai, cfg.clock, log, automation.Config{OnStop: stops.stop}),
		Regenerations: regenerate.New(d, cfg.ai, cfg.clock, log, regenerate.Config{OnStop: regenStops.stop}),
		AIProvider:    "local",
		BaseURL:       "http://autopress.test",
		Box:           box,
		// The fake WordPress and webhook servers of the tests listen on
		// loopback, which the default client refuses.
		Targets: publishing.Targets{LocalDir: filepath.Join(dataDir, "published"), BaseURL: "http://autopress.test", Box: box,
			Client: egress.NewClient(egress.Options{AllowPrivate: true})},
		Filler: publishing.NewFiller(d, cfg.clock, log),

		MetricsToken: MetricsToken,
	}
	for _, f := range cfg.deps {
		f(&deps)
	}
	e := handlers.New(deps)
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		if s, ok := deps.Sessions.Store.(interface{ StopCleanup() }); ok {
			s.StopCleanup()
		}
		if t.Failed() {
			t.Logf("app log:\n%s", logs.String())
		}
	})
	return &App{Echo: e, Server: srv, URL: srv.URL, DB: d, Clock: cfg.clock, Deps: deps, logs: logs, stops: stops, regenStops: regenStops}
}

// Logs returns everything the app logged so far.
func (a *App) Logs() string { return a.logs.String() }

// NewUser creates an account with its first user and the signup grant,
// like auth.CreateUser, but with a cheap bcrypt hash: at the default
// cost one hash takes about 1.5 s under -race, which would dominate every
// handler test. Logging in still runs the real bcrypt comparison.
func (a *App) NewUser(t testing.TB, email, password string, admin bool) db.User {
	t.Helper()
	u, err := a.DB.CreateAccountWithUser(context.Background(), db.NormEmail(email), email, cheapHash(t, password), admin, a.Clock.Now())
	if err != nil {
		t.Fatalf("handlertest: create user %s: %v", email, err)
	}
	return u
}

var (
	hashMu sync.Mutex
	hashes = map[string]string{}
)

// cheapHash is a minimum-cost bcrypt hash of pw, computed once per password.
func cheapHash(t testing.TB, pw string) string {
	t.Helper()
	hashMu.Lock()
	defer hashMu.Unlock()
	if h, ok := hashes[pw]; ok {
		return h
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes[pw] = string(b)
	return string(b)
}

// NewSite creates a site of the user's account (https://example.com, Europe/Berlin).
func (a *App) NewSite(t testing.TB, u db.User, name string) db.Site {
	t.Helper()
	s, err := a.DB.CreateSite(context.Background(), db.Site{AccountID: u.AccountID, Name: name,
		URL: "https://example.com", Timezone: "Europe/Berlin"}, a.Clock.Now())
	if err != nil {
		t.Fatalf("handlertest: create site: %v", err)
	}
	return s
}

// NewToken creates an API token for the user and returns its plaintext.
func (a *App) NewToken(t testing.TB, u db.User) string {
	t.Helper()
	plain, _ := a.NewTokenRow(t, u)
	return plain
}

// NewTokenRow is NewToken that also returns the stored row (for its id).
func (a *App) NewTokenRow(t testing.TB, u db.User) (string, db.APIToken) {
	t.Helper()
	plain, hash, prefix := auth.NewAPIToken()
	row, err := a.DB.CreateToken(context.Background(), db.APIToken{AccountID: u.AccountID, UserID: u.ID,
		Name: "test", TokenHash: hash, Prefix: prefix, CreatedAt: a.Clock.Now()})
	if err != nil {
		t.Fatalf("handlertest: create token: %v", err)
	}
	return plain, row
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
