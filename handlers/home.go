package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// home sends a signed-in user to their sites and everyone else to log in.
func (h *app) home(c echo.Context) error {
	if h.Sessions.GetInt64(c.Request().Context(), sessUserID) != 0 {
		return c.Redirect(http.StatusSeeOther, "/sites")
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
