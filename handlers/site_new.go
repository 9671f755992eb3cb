package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// siteNewPage shows the empty new-site form.
func (h *app) siteNewPage(c echo.Context) error {
	f := siteForm{Timezone: "UTC"}
	return h.render(c, http.StatusOK, views.SiteFormPage(h.page(c, "Add a site", "sites"), f.view(0, nil)))
}

// siteCreate creates a site and opens its dashboard.
func (h *app) siteCreate(c echo.Context) error {
	f := parseSiteForm(c)
	if errs := f.validate(); len(errs) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, views.SiteFormPage(h.page(c, "Add a site", "sites"), f.view(0, errs)))
	}
	s, err := h.DB.CreateSite(c.Request().Context(), f.apply(db.Site{AccountID: userOf(c).AccountID}), h.Clock.Now())
	if err != nil {
		return err
	}
	h.flash(c, fmt.Sprintf("Site “%s” added. Import keywords to give its pipeline work.", s.Name))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d", s.ID))
}
