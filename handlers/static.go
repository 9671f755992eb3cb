package handlers

import (
	"io/fs"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"

	"autopress/static"
)

// static serves the embedded assets. URLs from static.Path carry a content
// hash, so those responses may be cached for a year.
func (h *app) static(c echo.Context) error {
	name := path.Clean(c.Param("*"))
	if st, err := fs.Stat(static.FS, name); err != nil || st.IsDir() {
		return errNotFound
	}
	cache := "public, max-age=3600"
	if c.QueryParam("v") != "" {
		cache = "public, max-age=31536000, immutable"
	}
	c.Response().Header().Set(echo.HeaderCacheControl, cache)
	http.ServeFileFS(c.Response(), c.Request(), static.FS, name)
	return nil
}
