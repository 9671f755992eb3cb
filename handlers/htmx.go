package handlers

import (
	"github.com/labstack/echo/v4"
)

// htmx request and response headers.
const (
	hxRequest        = "HX-Request"
	hxHistoryRestore = "HX-History-Restore-Request"
	hxBoosted        = "HX-Boosted"
	hxCurrentURL     = "HX-Current-URL"
	hxRedirect       = "HX-Redirect"
	hxRefresh        = "HX-Refresh"
)

func isHTMX(c echo.Context) bool { return c.Request().Header.Get(hxRequest) == "true" }

// wantsPartial reports whether to answer with a fragment: an htmx request
// that is neither boosted nor restoring history (those need the whole page).
func wantsPartial(c echo.Context) bool {
	hdr := c.Request().Header
	return isHTMX(c) && hdr.Get(hxHistoryRestore) != "true" && hdr.Get(hxBoosted) != "true"
}
