package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// keywordsPerPage is the keyword list's page size.
const keywordsPerPage = 50

// keywordStatuses are the filter tabs after "all".
var keywordStatuses = []string{db.KeywordNew, db.KeywordClustered, db.KeywordUnclustered, db.KeywordFailed}

// keywords shows a site's keywords: status tabs with counts, a paged list
// (?status=&page=) and the import form. htmx tab and page links get the
// list alone.
func (h *app) keywords(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	if status != "" && !slices.Contains(keywordStatuses, status) {
		return badRequest("status", "Unknown keyword status "+strconv.Quote(status)+".")
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	k, err := h.keywordsPage(c.Request().Context(), s, status, page)
	if err != nil {
		return err
	}
	return h.renderPage(c, http.StatusOK, views.Keywords(h.page(c, "Keywords · "+s.Name, "sites"), k), views.KeywordList(k))
}

// keywordsPage gathers the page's data; page numbers out of range are
// brought back into it.
func (h *app) keywordsPage(ctx context.Context, s db.Site, status string, page int) (views.KeywordsPage, error) {
	pc, err := h.DB.Pipeline(ctx, s.ID)
	if err != nil {
		return views.KeywordsPage{}, err
	}
	k := views.KeywordsPage{Site: siteInfo(s), Location: s.Location(), Status: status}
	all := 0
	for _, st := range keywordStatuses {
		all += pc.Keywords[st]
	}
	k.Tabs = append(k.Tabs, views.StatusTab{Label: "all", Count: all})
	for _, st := range keywordStatuses {
		k.Tabs = append(k.Tabs, views.StatusTab{Status: st, Label: st, Count: pc.Keywords[st]})
	}
	for _, st := range []string{db.KeywordUnclustered, db.KeywordFailed} {
		if n := pc.Keywords[st]; n > 0 {
			k.Requeue = append(k.Requeue, views.StatusCount{Status: st, Count: n})
		}
	}

	k.Total = all
	if status != "" {
		k.Total = pc.Keywords[status]
	}
	k.Pages = max(1, (k.Total+keywordsPerPage-1)/keywordsPerPage)
	k.Page = min(max(page, 1), k.Pages)
	rows, _, err := h.DB.ListKeywords(ctx, s.ID, status, keywordsPerPage, (k.Page-1)*keywordsPerPage)
	if err != nil {
		return views.KeywordsPage{}, err
	}
	for _, r := range rows {
		k.Rows = append(k.Rows, views.KeywordRow{Keyword: r.Keyword, Volume: r.Volume, Difficulty: r.Difficulty,
			Status: r.Status, Attempts: r.Attempts, LastError: r.LastError, CreatedAt: r.CreatedAt})
	}
	return k, nil
}
