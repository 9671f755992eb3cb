package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// apiPipeline returns a site's item counts per table and status.
func (h *app) apiPipeline(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	pc, err := h.DB.Pipeline(c.Request().Context(), s.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		SiteID int64 `json:"site_id"`
		db.PipelineCounts
	}{s.ID, pc})
}
