package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/automation"
	"autopress/views"
)

// automationSettings shows a site's automation settings with the estimate
// of the next run and the hints beside the limits.
func (h *app) automationSettings(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	a, err := h.automationPage(c.Request().Context(), s, nil, nil)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.AutomationSettingsPage(h.page(c, "Automation · "+s.Name, "sites"), a))
}

// automationSave validates and saves the settings form: 422 with a message
// per field and the input kept, or 303 back to the page with a flash.
func (h *app) automationSave(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	raw, err := automationForm(c)
	if err != nil {
		return err
	}
	base, err := h.DB.GetAutomationConfig(ctx, s.ID)
	if err != nil {
		return err
	}
	cfg, errs := parseAutomationConfig(raw, base)
	if errs != nil {
		a, err := h.automationPage(ctx, s, raw, errs)
		if err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, views.AutomationSettingsPage(h.page(c, "Automation · "+s.Name, "sites"), a))
	}
	saved, err := h.saveAutomationConfig(ctx, s, cfg)
	if err != nil {
		return err
	}
	msg := "Automation settings saved. No schedule: runs start by hand."
	if saved.Enabled {
		msg = "Automation settings saved. Next scheduled run: " + views.FormatTimePtr(saved.NextRunAt, s.Location()) + "."
	}
	h.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d/automation", s.ID))
}

// automationForm reads the form's fields as text. An unticked checkbox is
// absent from a form post, so every toggle is set: absent means off.
func automationForm(c echo.Context) (map[string]string, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, badRequest("", "The form could not be read.")
	}
	raw := map[string]string{}
	for _, f := range configFields {
		if vs, ok := form[f]; ok && len(vs) > 0 {
			raw[f] = vs[0]
		}
	}
	// Unchecked boxes send nothing: they mean off.
	raw["enabled"] = form.Get("enabled")
	for _, st := range automation.Stages {
		raw[st.ToggleColumn] = form.Get(st.ToggleColumn)
	}
	return raw, nil
}

// automationPage gathers the settings page: the form's values (the saved
// settings unless values is given), the estimate and the hints.
func (h *app) automationPage(ctx context.Context, s db.Site, values, errs map[string]string) (views.AutomationSettings, error) {
	f, err := h.Runs.Forecast(ctx, s)
	if err != nil {
		return views.AutomationSettings{}, err
	}
	if values == nil {
		values = configValues(f.Config)
	}
	a := views.AutomationSettings{Site: siteInfo(s), Values: values, Errors: errs, AutoApproval: f.Publishing.AutoApprovalEnabled,
		Hints: map[string][]string{}, CreditsNextRun: f.Estimate.Credits, Balance: f.Input.Balance, BudgetMode: f.Input.BudgetMode,
		IdeasPerCluster: f.Input.IdeasPerCluster, NextRun: "none: the schedule is off"}
	if f.Config.Enabled {
		a.NextRun = views.FormatTimePtr(f.Config.NextRunAt, s.Location())
	}
	for _, hint := range f.Hints {
		a.Hints[hint.Field] = append(a.Hints[hint.Field], hint.Text)
	}
	for _, st := range automation.Stages {
		se := f.Estimate.Stage(st.Number)
		a.Stages = append(a.Stages, views.SettingsStage{Number: st.Number, Name: st.Name, Input: st.Input,
			EnabledField: st.ToggleColumn, LimitField: st.LimitColumn, LimitUnit: st.Unit,
			Pending: se.Pending, Items: se.Items, Credits: se.Credits, PerRun: countOrInfinity(se.PerRun),
			RunsNeeded: countOrInfinity(se.RunsNeeded), CutBy: cutByWords[se.CutBy], CostNote: costNote(st, se, f.Input.Units)})
	}
	return a, nil
}

// costNote explains the price of one item of a stage whose units per call
// the writing profile sets ("" for the others, and when it costs nothing).
func costNote(st automation.Stage, se automation.StageEstimate, units map[string]int64) string {
	if st.UnitsHelp == "" || se.Cost <= 0 {
		return ""
	}
	return fmt.Sprintf("%d credits each: %d unit(s), %s", se.Cost, max(units[st.Operation], 1), st.UnitsHelp)
}

// countOrInfinity shows the estimate's Unlimited/Never (-1) as "∞".
func countOrInfinity(n int) string {
	if n < 0 {
		return "∞"
	}
	return strconv.Itoa(n)
}

// cutByWords say what keeps a stage from taking everything next run.
var cutByWords = map[string]string{
	automation.CutLimit:   "its limit per run",
	automation.CutBudget:  "its AI budget",
	automation.CutRunCap:  "the credits per run",
	automation.CutBalance: "the account balance",
}
