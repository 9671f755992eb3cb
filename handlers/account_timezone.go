package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// timezoneSave stores the user's time zone for the account and admin pages:
// an IANA name, or empty for the browser's zone.
func (h *app) timezoneSave(c echo.Context) error {
	u := userOf(c)
	tz := strings.TrimSpace(c.FormValue("timezone"))
	if _, ok := loadZone(tz); tz != "" && !ok {
		a, err := h.accountPage(c)
		if err != nil {
			return err
		}
		a.Timezone = tz
		a.TimezoneErrors = map[string]string{"timezone": "Not a time zone: use a name such as Europe/Berlin, or leave it empty for your browser's zone."}
		return h.render(c, http.StatusUnprocessableEntity, views.Account(h.page(c, "Account", "account"), a))
	}
	if err := h.DB.SetUserTimezone(c.Request().Context(), u.ID, tz); err != nil {
		return err
	}
	if tz == "" {
		h.flash(c, "Times on your account pages now follow your browser's time zone.")
	} else {
		h.flash(c, "Times on your account pages are now in "+tz+".")
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}
