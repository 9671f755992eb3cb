package handlers

import (
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// contentSecurityPolicy allows only this server's scripts: confirmations
// and other behaviour live in static/app.js, never in inline handlers.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// render writes an HTML component with a status.
func (h *app) render(c echo.Context, status int, component templ.Component) error {
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

// renderPage renders the full page, or only the partial when htmx asks for
// one.
func (h *app) renderPage(c echo.Context, status int, full, partial templ.Component) error {
	return h.renderPageLazy(c, status, func() templ.Component { return full }, partial)
}

// renderPageLazy is renderPage for a full page built only when it is
// rendered: the single place where the choice is made. A page polled in the
// background needs it, because building the layout's data takes the
// pending flash message, which a poll must leave for the next full page.
func (h *app) renderPageLazy(c echo.Context, status int, full func() templ.Component, partial templ.Component) error {
	c.Response().Header().Add(echo.HeaderVary, hxRequest)
	if partial != nil && wantsPartial(c) {
		return h.render(c, status, partial)
	}
	return h.render(c, status, full())
}

// page is the layout data of a page: title, navigation, CSRF token, the
// signed-in user with their time zone, the pending flash message, and on
// site pages the account's sites for the switcher.
func (h *app) page(c echo.Context, title, nav string) views.Page {
	p := views.Page{Title: title, Nav: nav, CSRF: csrfToken(c), Flash: h.popFlash(c), Now: h.Clock.Now(), Location: time.UTC}
	if u, ok := c.Get(ctxUser).(db.User); ok {
		p.User = &views.User{Email: u.Email, Admin: u.IsAdmin}
		p.Location, p.Zone = userZone(c, u)
		if nav == "sites" {
			// The switcher is a convenience: a page still renders without it.
			sites, err := h.DB.ListSites(c.Request().Context(), u.AccountID)
			if err != nil {
				h.Log.WarnContext(c.Request().Context(), "list sites for the switcher", "error", err)
			}
			for _, s := range sites {
				p.Sites = append(p.Sites, siteInfo(s))
			}
		}
	}
	return p
}

// siteInfo is a site as the views show it.
func siteInfo(s db.Site) views.SiteInfo {
	return views.SiteInfo{ID: s.ID, Name: s.Name, URL: s.URL, Timezone: s.Timezone}
}
