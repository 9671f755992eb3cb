package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// runsPerPage is the run list's page size.
const runsPerPage = 20

// maxPage bounds page numbers taken from the URL, so the offset they make
// cannot overflow.
const maxPage = 1_000_000

// runsList shows all runs of a site, newest first (?page=).
func (h *app) runsList(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = min(max(page, 1), maxPage)
	runs, total, err := h.DB.ListRunsPage(ctx, s.ID, runsPerPage, (page-1)*runsPerPage)
	if err != nil {
		return err
	}
	pages := max(1, (total+runsPerPage-1)/runsPerPage)
	if page > pages {
		page = pages
		if runs, total, err = h.DB.ListRunsPage(ctx, s.ID, runsPerPage, (page-1)*runsPerPage); err != nil {
			return err
		}
	}
	rows, err := h.runRows(ctx, runs, s.Location())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.Runs(h.page(c, "Runs · "+s.Name, "sites"),
		views.RunsPage{Site: siteInfo(s), Rows: rows, Page: page, Pages: pages, Total: total}))
}
