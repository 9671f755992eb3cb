package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// sites lists the account's sites with their keyword counts.
func (h *app) sites(c echo.Context) error {
	ctx := c.Request().Context()
	u := userOf(c)
	sites, err := h.DB.ListSites(ctx, u.AccountID)
	if err != nil {
		return err
	}
	counts, err := h.DB.KeywordCountsBySite(ctx, u.AccountID)
	if err != nil {
		return err
	}
	rows := make([]views.SiteRow, 0, len(sites))
	for _, s := range sites {
		rows = append(rows, views.SiteRow{SiteInfo: siteInfo(s), Keywords: counts[s.ID]})
	}
	return h.render(c, http.StatusOK, views.Sites(h.page(c, "Sites", "sites"), rows))
}
