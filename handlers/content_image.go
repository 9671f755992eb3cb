package handlers

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"
)

// svgPolicy is the Content-Security-Policy of an SVG image opened on its
// own: an SVG is a document that could run scripts on this origin.
const svgPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// contentImage serves an image of an article of the account from DATA_DIR,
// only when the image belongs to that article.
func (h *app) contentImage(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	imageID, err := idParam(c, "image")
	if err != nil {
		return err
	}
	im, err := h.DB.ContentImage(c.Request().Context(), ct.ID, imageID)
	if err != nil {
		return err
	}
	rel := filepath.FromSlash(im.Path)
	if !filepath.IsLocal(rel) || h.DataDir == "" {
		return errNotFound
	}
	f, err := os.Open(filepath.Join(h.DataDir, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return errNotFound
	}
	mime := strings.ToLower(strings.TrimSpace(im.MIME))
	if !strings.HasPrefix(mime, "image/") {
		mime = echo.MIMEOctetStream
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, mime)
	hdr.Set(echo.HeaderCacheControl, "private, max-age=3600")
	if strings.HasPrefix(mime, "image/svg") {
		hdr.Set("Content-Security-Policy", svgPolicy)
	}
	http.ServeContent(c.Response(), c.Request(), path.Base(im.Path), st.ModTime(), f)
	return nil
}
