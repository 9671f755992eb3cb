package handlers

import (
	"github.com/labstack/echo/v4"

	"autopress/jobs/publishing/targets"
)

// publishedPages serves what the local target published, under /p/ (public:
// these are the site's articles). Without a directory there is nothing to
// serve.
func (h *app) publishedPages() echo.HandlerFunc {
	if h.Targets.LocalDir == "" {
		return func(echo.Context) error { return errNotFound }
	}
	return echo.WrapHandler(targets.LocalHandlerDir(h.Targets.LocalDir))
}
