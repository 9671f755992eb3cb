package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// aiBudgetPreview answers the AI budget form's live updates (htmx, while
// the user moves a slider or types): the sum of the shares as typed, the
// pie of the split in force and the next run's budgets. Nothing is stored,
// and a wrong sum is not an error here: the partial shows it, with 200 so
// htmx swaps it in.
func (h *app) aiBudgetPreview(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	costs, err := h.DB.CreditCosts(ctx)
	if err != nil {
		return err
	}
	pv, err := h.budgetPreview(ctx, s, parseAIBudgetForm(c), db.DefaultShares(costs))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.AIBudgetPreview(pv))
}
