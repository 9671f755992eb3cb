package handlers

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// bodyLimit caps request bodies (CSV imports are the largest).
const bodyLimit = "10M"

// middleware installs the chain every request goes through, outermost first.
// Errors are rendered inside the session middleware, so an error page can
// still read and write the session.
func (h *app) middleware(e *echo.Echo) {
	e.Use(middleware.RequestID())
	e.Use(h.metrics())
	e.Use(h.requestLog)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		// The stack goes into the error, which the error handler logs once.
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			return fmt.Errorf("panic: %w\n%s", err, stack)
		},
	}))
	e.Use(middleware.BodyLimit(bodyLimit))
	e.Use(middleware.SecureWithConfig(h.secureHeaders()))
	e.Use(h.loadSession)
	e.Use(h.renderErrors)
	e.Use(h.csrf())
	e.Use(h.checkForm)
}

// stateless reports whether a path is served without session and CSRF: the
// API (bearer tokens), probes, metrics, static files and published pages
// (/p/, read by the public: no cookies for them). Keeping the session store
// out of /healthz means it answers even when the database is down.
func stateless(path string) bool {
	for _, p := range []string{"/api/", "/static/", "/p/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/") }

// renderErrors hands a handler's error to the error handler while the
// session is still loaded, and reports the request as handled.
func (h *app) renderErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	}
}

func (h *app) secureHeaders() middleware.SecureConfig {
	cfg := middleware.SecureConfig{
		ContentTypeNosniff: "nosniff",
		XFrameOptions:      "DENY",
		ReferrerPolicy:     "same-origin",
	}
	if h.Secure {
		cfg.HSTSMaxAge = 365 * 24 * 3600
	}
	return cfg
}
