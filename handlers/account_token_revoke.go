package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// tokenRevoke revokes one of the account's tokens; another account's token
// (or one already revoked) is a 404.
func (h *app) tokenRevoke(c echo.Context) error {
	id, err := idParam(c, "token")
	if err != nil {
		return err
	}
	if err := h.DB.RevokeToken(c.Request().Context(), userOf(c).AccountID, id, h.Clock.Now()); err != nil {
		return err
	}
	h.flash(c, "Token revoked. Requests using it are now refused.")
	return c.Redirect(http.StatusSeeOther, "/account")
}
