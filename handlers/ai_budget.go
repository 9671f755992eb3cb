package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/credits"
	"autopress/views"
)

// recentRunsShown is how many runs the AI budget page lists with their spend.
const recentRunsShown = 5

// aiBudgetForm is the AI budget form as submitted: the mode and the
// custom shares as typed, by operation.
type aiBudgetForm struct {
	Mode   string
	Shares map[string]string
}

func parseAIBudgetForm(c echo.Context) aiBudgetForm {
	f := aiBudgetForm{Mode: strings.TrimSpace(c.FormValue("mode")), Shares: map[string]string{}}
	for _, op := range db.Operations {
		f.Shares[op] = strings.TrimSpace(c.FormValue(credits.ShareField(op)))
	}
	return f
}

// storedBudgetForm is the form filled from the stored allocation.
func storedBudgetForm(b db.AIBudget) aiBudgetForm {
	f := aiBudgetForm{Mode: b.Mode, Shares: map[string]string{}}
	for op, bp := range b.Shares() {
		f.Shares[op] = credits.FormatBP(bp)
	}
	return f
}

// aiBudgetPage shows a site's AI budget: the mode, the custom split with
// the live sum and pie, and the spend of the last runs.
func (h *app) aiBudgetPage(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	b, err := h.DB.GetAIBudget(c.Request().Context(), s.ID)
	if err != nil {
		return err
	}
	v, err := h.aiBudgetView(c.Request().Context(), s, storedBudgetForm(b), nil)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.AIBudget(h.page(c, "AI budget · "+s.Name, "sites"), v))
}

// aiBudgetSave stores the mode and, in custom mode, the site's own split.
// In global and off mode the submitted shares are not checked and the
// stored custom split stays as it was (see credits.ValidateShares).
func (h *app) aiBudgetSave(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := parseAIBudgetForm(c)
	shares, errs := credits.ValidateShares(f.Mode, f.Shares)
	if errs != nil {
		v, err := h.aiBudgetView(ctx, s, f, errs)
		if err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, views.AIBudget(h.page(c, "AI budget · "+s.Name, "sites"), v))
	}
	if err := h.saveAIBudget(ctx, s.ID, f.Mode, shares); err != nil {
		return err
	}
	h.flash(c, budgetSavedMessage(f.Mode))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d/ai-budget", s.ID))
}

// saveAIBudget writes a validated mode and split (shares nil: keep the
// stored custom split).
func (h *app) saveAIBudget(ctx context.Context, siteID int64, mode string, shares map[string]int) error {
	b, err := h.DB.GetAIBudget(ctx, siteID)
	if err != nil {
		return err
	}
	b.Mode = mode
	if shares != nil {
		b.SetShares(shares)
	}
	return h.DB.SaveAIBudget(ctx, b, h.Clock.Now())
}

func budgetSavedMessage(mode string) string {
	switch mode {
	case credits.ModeCustom:
		return "AI budget saved: runs of this site use its own split."
	case credits.ModeOff:
		return "AI budget saved: no budget per AI function; only the run's credit cap and the balance limit a run."
	}
	return "AI budget saved: runs of this site use the global default split. The custom split was kept for later."
}

// aiBudgetView gathers the page's data around the form's state.
func (h *app) aiBudgetView(ctx context.Context, s db.Site, f aiBudgetForm, errs map[string]string) (views.AIBudgetPage, error) {
	costs, err := h.DB.CreditCosts(ctx)
	if err != nil {
		return views.AIBudgetPage{}, err
	}
	defaults := db.DefaultShares(costs)
	pv, err := h.budgetPreview(ctx, s, f, defaults)
	if err != nil {
		return views.AIBudgetPage{}, err
	}
	v := views.AIBudgetPage{Site: siteInfo(s), Location: s.Location(), Mode: f.Mode, Errors: errs, Preview: pv}
	for _, op := range db.Operations {
		v.Shares = append(v.Shares, views.ShareInput{Op: op, Field: credits.ShareField(op), Value: f.Shares[op],
			Default: credits.FormatBP(defaults[op])})
	}
	var last []db.OperationSpend
	if v.Runs, last, err = h.recentRunSpend(ctx, s.ID); err != nil {
		return v, err
	}
	if len(v.Runs) > 0 {
		title := fmt.Sprintf("Last run (#%d): each AI function's budget and spend", v.Runs[0].ID)
		v.LastRunChart, err = budgetChart("budget-chart", title, last)
	}
	return v, err
}

// budgetPreview computes the live part of the page from the form as typed:
// the sum of the shares, the split in force and the next run's budgets. A
// mode that is none of the three (only a hand-made request sends one) is
// previewed as global.
func (h *app) budgetPreview(ctx context.Context, s db.Site, f aiBudgetForm, defaults map[string]int) (views.BudgetPreview, error) {
	if !credits.ValidMode(f.Mode) {
		f.Mode = credits.ModeGlobal
	}
	cfg, err := h.DB.GetAutomationConfig(ctx, s.ID)
	if err != nil {
		return views.BudgetPreview{}, err
	}
	acc, err := h.DB.AccountByID(ctx, s.AccountID)
	if err != nil {
		return views.BudgetPreview{}, err
	}
	shares, perr := credits.ParseShares(f.Shares)
	sum := credits.SumBP(shares)
	pv := views.BudgetPreview{Mode: f.Mode, Sum: credits.FormatBP(sum), SumOK: perr == nil && sum == credits.FullShare,
		Base: acc.Credits, BaseSource: "the account balance now; a run uses its balance when it starts"}
	if cfg.MaxCreditsPerRun > 0 {
		pv.Base, pv.BaseSource = cfg.MaxCreditsPerRun, "the site's cap on credits per run (Automation page)"
	}
	for _, op := range db.Operations {
		if f.Mode == credits.ModeCustom && perr[credits.ShareField(op)] != "" {
			pv.Invalid = append(pv.Invalid, op)
		}
	}
	pv.Over = f.Mode == credits.ModeCustom && sum > credits.FullShare
	switch f.Mode {
	case credits.ModeCustom:
		pv.SplitTitle = "This site's split"
		pv.Split = splitSlices(shares)
		if sum < credits.FullShare {
			pv.Split = append(pv.Split, views.PieSlice{Label: "Unassigned", BP: credits.FullShare - sum, Color: views.UnassignedColor})
		}
	case credits.ModeGlobal:
		pv.SplitTitle = "In force: the global default split"
		pv.Split = splitSlices(defaults)
	}
	budgets := credits.OperationBudgets(f.Mode, shares, defaults, pv.Base, db.Operations)
	for _, op := range db.Operations {
		n := budgets[op]
		if f.Mode == credits.ModeCustom && perr[credits.ShareField(op)] != "" {
			n = views.BudgetUnknown
		}
		pv.NextRun = append(pv.NextRun, views.OpCredits{Label: views.OperationLabel(op), Credits: n})
	}
	return pv, nil
}

// splitSlices turns shares into pie slices in pipeline order.
func splitSlices(shares map[string]int) []views.PieSlice {
	out := make([]views.PieSlice, 0, len(db.Operations))
	for _, op := range db.Operations {
		out = append(out, views.PieSlice{Label: views.OperationLabel(op), BP: shares[op], Color: views.OperationColor(op)})
	}
	return out
}

// recentRunSpend lists the site's last runs with their spend and budget
// per operation, and the newest run's spend.
func (h *app) recentRunSpend(ctx context.Context, siteID int64) ([]views.RunSpendRow, []db.OperationSpend, error) {
	runs, err := h.DB.ListRuns(ctx, siteID, recentRunsShown)
	if err != nil {
		return nil, nil, err
	}
	out := make([]views.RunSpendRow, 0, len(runs))
	var last []db.OperationSpend
	for i, r := range runs {
		spend, err := h.DB.RunSpend(ctx, r.ID)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			last = spend
		}
		byOp := map[string]db.OperationSpend{}
		for _, sp := range spend {
			byOp[sp.Operation] = sp
		}
		row := views.RunSpendRow{ID: r.ID, Status: r.Status, CreatedAt: r.CreatedAt, Base: r.BudgetBase}
		for _, op := range db.Operations {
			sp, ok := byOp[op]
			row.Cells = append(row.Cells, views.SpendCell{Spent: sp.Spent, Budget: sp.Budget, Known: ok})
		}
		out = append(out, row)
	}
	return out, last, nil
}
