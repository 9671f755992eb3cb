package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/automation"
)

// apiAutomationConfig is a site's automation config in the API: the saved
// fields (the names of the settings form), auto-approval (stage 7 needs
// it; it belongs to the publishing settings), the estimate of the next run
// and the hints.
type apiAutomationConfig struct {
	db.AutomationConfig
	AutoApprovalEnabled bool              `json:"auto_approval_enabled"`
	Estimate            apiEstimate       `json:"estimate"`
	Hints               []automation.Hint `json:"hints"`
}

// apiEstimate is automation.RunEstimate in the API.
type apiEstimate struct {
	CreditsNextRun int64              `json:"credits_next_run"`
	Stages         []apiStageEstimate `json:"stages"`
}

// apiStageEstimate is one stage's estimate: per_run null means nothing
// caps the stage, runs_needed null that it can take nothing per run.
type apiStageEstimate struct {
	Stage          int    `json:"stage"`
	Name           string `json:"name"`
	Runs           bool   `json:"runs"`
	Pending        int    `json:"pending"`
	ItemsNextRun   int    `json:"items_next_run"`
	CreditsNextRun int64  `json:"credits_next_run"`
	PerRun         *int   `json:"per_run"`
	RunsNeeded     *int   `json:"runs_needed"`
	CutBy          string `json:"cut_by,omitempty"`
}

// apiFieldErrors is the 422 body of a refused config: the first refused
// field as usual, and every refused field in errors.
type apiFieldErrors struct {
	apiError
	Errors map[string]string `json:"errors"`
}

// apiAutomationConfigGet returns the site's automation config.
func (h *app) apiAutomationConfigGet(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	return h.apiAutomationConfigJSON(c, s, http.StatusOK)
}

// apiAutomationConfigPut changes the config: fields left out keep their
// values, read-only fields (next_run_at, estimate, …) are ignored so a
// client may send back what it read. The validation is the settings
// form's; a refused field is a 422 naming it.
func (h *app) apiAutomationConfigPut(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	raw := map[string]string{}
	shape := map[string]string{}
	for k, v := range body {
		switch {
		case slices.Contains(configReadOnly, k):
			continue
		case !slices.Contains(configFields, k):
			return badRequest(k, fmt.Sprintf("invalid JSON: unknown field %q", k))
		}
		text, ok, valid := jsonScalar(v)
		switch {
		case !valid:
			shape[k] = "must be a number, a string or true/false"
		case ok:
			raw[k] = text
		}
	}
	ctx := c.Request().Context()
	base, err := h.DB.GetAutomationConfig(ctx, s.ID)
	if err != nil {
		return err
	}
	cfg, errs := parseAutomationConfig(raw, base)
	for k, msg := range shape {
		if errs == nil {
			errs = map[string]string{}
		}
		errs[k] = msg
	}
	if len(errs) > 0 {
		first := ""
		for _, f := range configFields {
			if errs[f] != "" {
				first = f
				break
			}
		}
		return c.JSON(http.StatusUnprocessableEntity, apiFieldErrors{apiError{Error: first + ": " + errs[first], Field: first}, errs})
	}
	if _, err := h.saveAutomationConfig(ctx, s, cfg); err != nil {
		return err
	}
	return h.apiAutomationConfigJSON(c, s, http.StatusOK)
}

// jsonScalar turns a JSON value into the text the shared validation reads:
// strings as they are, numbers as written, true/false. ok is false for
// null (the field keeps its value); valid is false for lists and objects.
func jsonScalar(v json.RawMessage) (text string, ok, valid bool) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || bytes.Equal(v, []byte("null")):
		return "", false, true
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false, false
		}
		return s, true, true
	case v[0] == '[' || v[0] == '{':
		return "", false, false
	}
	return string(v), true, true
}

// apiAutomationConfigJSON answers with the saved config and its forecast.
func (h *app) apiAutomationConfigJSON(c echo.Context, s db.Site, status int) error {
	f, err := h.Runs.Forecast(c.Request().Context(), s)
	if err != nil {
		return err
	}
	out := apiAutomationConfig{AutomationConfig: f.Config, AutoApprovalEnabled: f.Publishing.AutoApprovalEnabled,
		Estimate: apiEstimate{CreditsNextRun: f.Estimate.Credits, Stages: []apiStageEstimate{}}, Hints: f.Hints}
	if out.Hints == nil {
		out.Hints = []automation.Hint{}
	}
	for _, st := range automation.Stages {
		se := f.Estimate.Stage(st.Number)
		out.Estimate.Stages = append(out.Estimate.Stages, apiStageEstimate{Stage: st.Number, Name: st.Name, Runs: se.Runs,
			Pending: se.Pending, ItemsNextRun: se.Items, CreditsNextRun: se.Credits, PerRun: nonNegative(se.PerRun),
			RunsNeeded: nonNegative(se.RunsNeeded), CutBy: se.CutBy})
	}
	return c.JSON(status, out)
}

// nonNegative is nil for the estimate's -1 (unlimited, never).
func nonNegative(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}
