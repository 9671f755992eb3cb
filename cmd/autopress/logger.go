package main

import (
	"io"
	"log/slog"
)

// newLogger builds the process logger from LOG_LEVEL and LOG_FORMAT; every
// record carries service=autopress.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h).With("service", "autopress")
}
