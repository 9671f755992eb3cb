package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// keywordsRequeue moves a site's unclustered or failed keywords back to new,
// so the next run tries them again.
func (h *app) keywordsRequeue(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	status := c.FormValue("status")
	if status != db.KeywordUnclustered && status != db.KeywordFailed {
		return badRequest("status", "Only unclustered or failed keywords can be requeued.")
	}
	n, err := h.DB.RequeueKeywords(c.Request().Context(), s.ID, status, h.Clock.Now())
	if err != nil {
		return err
	}
	h.flash(c, fmt.Sprintf("Moved %d %s keywords back to new.", n, status))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d/keywords", s.ID))
}
