package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// apiSite is a site in the API.
type apiSite struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	Timezone string `json:"timezone"`
}

// apiSites lists the token's account's sites: {"sites": [...]}.
func (h *app) apiSites(c echo.Context) error {
	sites, err := h.DB.ListSites(c.Request().Context(), userOf(c).AccountID)
	if err != nil {
		return err
	}
	out := make([]apiSite, 0, len(sites))
	for _, s := range sites {
		out = append(out, apiSite{ID: s.ID, Name: s.Name, URL: s.URL, Timezone: s.Timezone})
	}
	return c.JSON(http.StatusOK, map[string][]apiSite{"sites": out})
}
