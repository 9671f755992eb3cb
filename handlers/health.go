package handlers

import (
	"context"
	"net/http"
	"time"

	"autopress/db"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process serves HTTP, whatever the database does.
func (h *app) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// readyz answers 200 when the database is reachable and its schema is the
// one this binary knows; load balancers keep traffic away otherwise. A 503
// says why in a few words ("database unreachable: connection refused"),
// never with addresses or credentials.
func (h *app) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := h.DB.Ping(ctx); err != nil {
		h.Log.WarnContext(ctx, "readyz: database unreachable", "error", err)
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfter)
		return c.String(http.StatusServiceUnavailable, "database unreachable: "+db.UnavailableReason(err))
	}
	if err := h.DB.CheckSchema(ctx); db.Unreachable(err) {
		h.Log.WarnContext(ctx, "readyz: database unreachable", "error", err)
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfter)
		return c.String(http.StatusServiceUnavailable, "database unreachable: "+db.UnavailableReason(err))
	} else if err != nil {
		h.Log.WarnContext(ctx, "readyz: schema not current", "error", err)
		return c.String(http.StatusServiceUnavailable, "database schema is not the one this version expects")
	}
	return c.String(http.StatusOK, "ready")
}
