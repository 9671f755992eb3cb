package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// ledgerPerPage is the credits ledger's page size.
const ledgerPerPage = 50

// accountCredits shows the account's balance, its spend of the last days
// (a summary and charts per day and per run), and its ledger, newest first,
// ledgerPerPage entries a page (?page=; out-of-range pages are brought back
// into range).
func (h *app) accountCredits(c echo.Context) error {
	ctx := c.Request().Context()
	accountID := userOf(c).AccountID
	acc, err := h.DB.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = min(max(page, 1), maxPage)
	rows, total, err := h.DB.ListLedger(ctx, accountID, ledgerPerPage, (page-1)*ledgerPerPage)
	if err != nil {
		return err
	}
	pages := max(1, (total+ledgerPerPage-1)/ledgerPerPage)
	if page > pages {
		page = pages
		if rows, total, err = h.DB.ListLedger(ctx, accountID, ledgerPerPage, (page-1)*ledgerPerPage); err != nil {
			return err
		}
	}
	sites, err := h.DB.ListSites(ctx, accountID)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(sites))
	for _, s := range sites {
		names[s.ID] = s.Name
	}
	pg := h.page(c, "Credits", "account")
	summary, err := h.creditSummary(ctx, accountID, pg.Location)
	if err != nil {
		return err
	}
	v := views.CreditsPage{Balance: acc.Credits, Summary: summary, Page: page, Pages: pages, Total: total}
	for _, r := range rows {
		row := views.LedgerRow{At: r.CreatedAt, Kind: r.Kind, Amount: r.Amount, BalanceAfter: r.BalanceAfter,
			Operation: r.Operation, SiteID: r.SiteID, RunID: r.RunID, Note: r.Note}
		if r.SiteID != nil {
			row.SiteName = names[*r.SiteID]
		}
		v.Rows = append(v.Rows, row)
	}
	return h.render(c, http.StatusOK, views.Credits(pg, v))
}
