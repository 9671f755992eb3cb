package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// siteEditPage shows a site's settings form.
func (h *app) siteEditPage(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	f := siteForm{Name: s.Name, URL: s.URL, Timezone: s.Timezone}
	return h.render(c, http.StatusOK, views.SiteFormPage(h.page(c, "Settings · "+s.Name, "sites"), f.view(s.ID, nil)))
}

// siteUpdate saves a site's name, address and time zone.
func (h *app) siteUpdate(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	f := parseSiteForm(c)
	if errs := f.validate(); len(errs) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, views.SiteFormPage(h.page(c, "Settings · "+s.Name, "sites"), f.view(s.ID, errs)))
	}
	if err := h.DB.UpdateSite(c.Request().Context(), f.apply(s), h.Clock.Now()); err != nil {
		return err
	}
	h.flash(c, "Site settings saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d", s.ID))
}
