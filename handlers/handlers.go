// Package handlers is autopress's web layer: the Echo app with its
// middleware, the server-rendered pages (templ components from views/, htmx
// partials) and the JSON API under /api/v1.
//
// Handlers are thin: parse the request, validate, call the store (db/) or a
// domain package (jobs/), then render a page, a partial, JSON or a redirect.
// Errors go to one HTTPErrorHandler (errors.go) that maps them to statuses.
package handlers

import (
	"log/slog"
	"net"
	"path/filepath"

	"github.com/alexedwards/scs/v2"
	"github.com/jonboulle/clockwork"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"autopress/db"
	"autopress/db/secretbox"
	"autopress/handlers/auth"
	"autopress/jobs/automation"
	"autopress/jobs/publishing"
	"autopress/jobs/regenerate"
)

// Deps is what the web layer needs from the rest of the program.
type Deps struct {
	DB       *db.DB
	Sessions *scs.SessionManager
	// Clock is the source of every "now" the handlers store or compare.
	Clock   clockwork.Clock
	Log     *slog.Logger
	DataDir string
	// Blobs holds the generated images' bytes (nil: the database's store).
	Blobs db.BlobStore
	// Secure marks cookies Secure (the server is reached over https).
	Secure bool
	// Registry receives the HTTP metrics. Nil means a fresh registry with
	// the Go and process collectors; pass one to share it with the
	// background jobs' metrics.
	Registry *prometheus.Registry
	// MetricsToken, when set, serves Registry at /metrics to requests
	// bearing it. Empty: no /metrics route (the registry may still be
	// served elsewhere with MetricsHandler).
	MetricsToken string

	// Runs starts, pauses, resumes and cancels automation runs.
	Runs *automation.Service
	// Regenerations asks for and cancels regenerations of articles.
	Regenerations *regenerate.Service
	// AIProvider names the configured AI provider ("local", "openai").
	AIProvider string
	// BaseURL is the server's public address (links to published pages).
	BaseURL string
	// Box encrypts the secrets stored with publishing settings.
	Box *secretbox.Box
	// Targets builds a site's publishing target ("test connection").
	Targets publishing.Targets
	// Filler fills publishing queues right after a person's change.
	Filler *publishing.Filler
	// TrustedProxies are the proxies whose X-Forwarded-For is believed for
	// the client's address (login throttling, logs). None: the connection's
	// own address is used and forwarded headers are ignored.
	TrustedProxies []*net.IPNet
}

// app carries the dependencies into the handlers (methods on app).
type app struct {
	Deps
	// loginsByPair and loginsByAddress slow down failed logins per
	// (email, client address) and per client address.
	loginsByPair    *auth.Throttle
	loginsByAddress *auth.Throttle
	// charts and runLogs keep what pages are made from this database.
	charts  *chartCache
	runLogs *logCache
}

// ipExtractor believes X-Forwarded-For only from the trusted proxies, so a
// client cannot choose its own address by sending the header.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// New builds the Echo app with every route and middleware. Clock, Log,
// Sessions and Registry get defaults when nil; Targets takes Box and BaseURL
// when it has none, and DATA_DIR/published as its local directory.
func New(d Deps) *echo.Echo {
	if d.Clock == nil {
		d.Clock = clockwork.NewRealClock()
	}
	if d.Sessions == nil {
		d.Sessions = NewSessions(d.DB, d.Secure)
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Blobs == nil {
		d.Blobs = d.DB.Blobs()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
		d.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	// The publishing target factory shares the app's secrets and address,
	// and the local target writes under DATA_DIR unless told otherwise.
	if d.Targets.Box == nil {
		d.Targets.Box = d.Box
	}
	if d.Targets.BaseURL == "" {
		d.Targets.BaseURL = d.BaseURL
	}
	if d.Targets.LocalDir == "" && d.DataDir != "" {
		d.Targets.LocalDir = filepath.Join(d.DataDir, "published")
	}
	h := &app{Deps: d,
		loginsByPair:    auth.NewThrottle(d.Clock, loginPairPolicy),
		loginsByAddress: auth.NewThrottle(d.Clock, loginAddressPolicy),
		charts:          &chartCache{},
		runLogs:         &logCache{},
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = ipExtractor(d.TrustedProxies)
	// scs answers a failed session load itself; route it to the error
	// handler so the user sees the usual page and the log gets the error.
	d.Sessions.ErrorFunc = h.sessionStoreError(e)
	h.middleware(e)
	h.routes(e)
	return e
}
