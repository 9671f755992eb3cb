package handlers

import (
	"bytes"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// svgPolicy is the Content-Security-Policy of an SVG image opened on its
// own: an SVG is a document that could run scripts on this origin.
const svgPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// contentImage serves an image of an article of the account from the blob
// store, only when the image belongs to that article. Every instance serves
// every image: the bytes are in the shared store, not on a local disk.
func (h *app) contentImage(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	imageID, err := idParam(c, "image")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	im, err := h.DB.ContentImage(ctx, ct.ID, imageID)
	if err != nil {
		return err
	}
	data, err := h.Blobs.Get(ctx, im.Path)
	if err != nil {
		return err
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
	http.ServeContent(c.Response(), c.Request(), path.Base(im.Path), im.CreatedAt, bytes.NewReader(data))
	return nil
}
