package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// site loads the :site of the request's account. Every site-scoped handler
// starts here: another account's site is a 404, like one that does not exist.
func (h *app) site(c echo.Context) (db.Site, error) {
	id, err := idParam(c, "site")
	if err != nil {
		return db.Site{}, err
	}
	return h.DB.GetSite(c.Request().Context(), userOf(c).AccountID, id)
}

// idParam parses a positive integer path parameter; anything else is a 404.
func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
