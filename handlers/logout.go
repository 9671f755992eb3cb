package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// logout ends the session (a POST with the CSRF token, so no other site
// can log a user out).
func (h *app) logout(c echo.Context) error {
	ctx := c.Request().Context()
	if err := h.Sessions.Destroy(ctx); err != nil {
		return err
	}
	h.flash(c, "You are logged out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}
