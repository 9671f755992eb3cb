package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// runStart starts a manual run of the site and shows its page. A site that
// already has an active run goes back to its dashboard with a message and a
// link to that run.
func (h *app) runStart(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	r, err := h.Runs.Start(c.Request().Context(), s, userOf(c).Email)
	var active *db.ActiveRunError
	if errors.As(err, &active) {
		h.flashErrorLink(c, fmt.Sprintf("A run is already %s for this site (run #%d)", active.Status, active.RunID),
			runLink(active.RunID), fmt.Sprintf("Open run #%d", active.RunID))
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d", s.ID))
	}
	if err != nil {
		return err
	}
	h.flash(c, fmt.Sprintf("Run #%d started.", r.ID))
	return c.Redirect(http.StatusSeeOther, runLink(r.ID))
}
