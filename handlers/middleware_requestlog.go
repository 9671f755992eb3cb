package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// requestLog logs one line per request with its request id. An error that
// reaches it (a panic turned into an error) is rendered first, so the line
// carries the status the client got.
func (h *app) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		level := slog.LevelInfo
		switch {
		case res.Status == http.StatusServiceUnavailable:
			// The database was unreachable (or the server not ready):
			// worth a warning, not a server fault.
			level = slog.LevelWarn
		case res.Status >= 500:
			level = slog.LevelError
		case stateless(req.URL.Path) && res.Status < 400:
			level = slog.LevelDebug
		}
		h.Log.LogAttrs(req.Context(), level, "http request",
			slog.String("request_id", requestID(c)),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", c.Path()),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", time.Since(start)),
		)
		return nil
	}
}

// requestID is the id the RequestID middleware gave this request.
func requestID(c echo.Context) string {
	if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
		return id
	}
	return c.Request().Header.Get(echo.HeaderXRequestID)
}
