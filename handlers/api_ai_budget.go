package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/credits"
)

// apiAIBudget is a site's AI budget in the API. Percentages are strings
// with up to two decimals ("15", "15.25"): Shares is the site's own split
// (used in custom mode, kept in the others), Effective the split in force
// (the global defaults in global mode, empty when the budget is off) and
// Sum the sum of Shares.
type apiAIBudget struct {
	Mode      string            `json:"mode"`
	Shares    map[string]string `json:"shares"`
	Effective map[string]string `json:"effective"`
	Sum       string            `json:"sum"`
}

// apiAIBudgetRequest is the body of a PUT. Mode is required. Shares may be
// strings or numbers and are read in custom mode only; left out, the
// stored split is used. Effective and Sum are read-only: accepted (so a GET
// body can be sent back) and ignored.
type apiAIBudgetRequest struct {
	Mode      *string                    `json:"mode"`
	Shares    map[string]json.RawMessage `json:"shares"`
	Effective json.RawMessage            `json:"effective"`
	Sum       json.RawMessage            `json:"sum"`
}

// apiValidationError is a 422 with every field's message besides the
// first one's error and field.
type apiValidationError struct {
	apiError
	Errors map[string]string `json:"errors"`
}

// apiAIBudgetGet returns a site's AI budget.
func (h *app) apiAIBudgetGet(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	out, err := h.apiAIBudgetBody(c.Request().Context(), s.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiAIBudgetPut sets a site's mode and, in custom mode, its split, with
// the rules of the page (credits.ValidateShares): 422 naming the field
// ("shares.content_generation", or "shares" for the sum) on bad input.
func (h *app) apiAIBudgetPut(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	var req apiAIBudgetRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if req.Mode == nil {
		return unprocessable(credits.FieldMode, `mode is required: "global", "custom" or "off"`)
	}
	// Shares only matter in custom mode (as on the page); without any, the
	// site switches to (or stays in) custom with its stored split.
	var in, errs map[string]string
	if *req.Mode == credits.ModeCustom && req.Shares != nil {
		in, errs = apiShareStrings(req.Shares)
	} else if *req.Mode == credits.ModeCustom {
		b, err := h.DB.GetAIBudget(ctx, s.ID)
		if err != nil {
			return err
		}
		in = storedBudgetForm(b).Shares
	}
	var shares map[string]int
	if errs == nil {
		shares, errs = credits.ValidateShares(*req.Mode, in)
	}
	if errs != nil {
		return c.JSON(http.StatusUnprocessableEntity, validationBody(errs))
	}
	if err := h.saveAIBudget(ctx, s.ID, *req.Mode, shares); err != nil {
		return err
	}
	out, err := h.apiAIBudgetBody(ctx, s.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiShareStrings turns JSON shares (strings or numbers) into the strings
// ValidateShares parses. A number keeps its literal text, so 15.255 is
// refused for its three decimals like "15.255".
func apiShareStrings(raw map[string]json.RawMessage) (map[string]string, map[string]string) {
	in := make(map[string]string, len(raw))
	errs := map[string]string{}
	for op, v := range raw {
		v = bytes.TrimSpace(v)
		var s string
		switch {
		case len(v) > 0 && v[0] == '"':
			if err := json.Unmarshal(v, &s); err != nil {
				errs[credits.ShareField(op)] = "Not a valid JSON string."
				continue
			}
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			s = string(v)
		default:
			errs[credits.ShareField(op)] = `A share is a percentage: a string like "15.5" or a number.`
			continue
		}
		in[op] = s
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return in, nil
}

// validationBody is the 422 body for field errors: the first field (in a
// stable order: mode, the shares in pipeline order, others by name, the
// sum last) is the error; all of them are under "errors".
func validationBody(errs map[string]string) apiValidationError {
	order := []string{credits.FieldMode}
	for _, op := range db.Operations {
		order = append(order, credits.ShareField(op))
	}
	var rest []string
	for f := range errs {
		known := f == credits.FieldShares
		for _, o := range order {
			known = known || f == o
		}
		if !known {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	order = append(append(order, rest...), credits.FieldShares)
	for _, f := range order {
		if msg, ok := errs[f]; ok {
			return apiValidationError{apiError{Error: msg, Field: f}, errs}
		}
	}
	return apiValidationError{apiError: apiError{Error: "invalid input"}, Errors: errs}
}

// apiAIBudgetBody reads a site's budget as the API shows it.
func (h *app) apiAIBudgetBody(ctx context.Context, siteID int64) (apiAIBudget, error) {
	b, err := h.DB.GetAIBudget(ctx, siteID)
	if err != nil {
		return apiAIBudget{}, err
	}
	costs, err := h.DB.CreditCosts(ctx)
	if err != nil {
		return apiAIBudget{}, err
	}
	own := b.Shares()
	out := apiAIBudget{Mode: b.Mode, Shares: percentStrings(own), Effective: map[string]string{}, Sum: credits.FormatBP(credits.SumBP(own))}
	switch b.Mode {
	case credits.ModeCustom:
		out.Effective = percentStrings(own)
	case credits.ModeGlobal:
		out.Effective = percentStrings(db.DefaultShares(costs))
	}
	return out, nil
}

func percentStrings(shares map[string]int) map[string]string {
	out := make(map[string]string, len(shares))
	for op, bp := range shares {
		out[op] = credits.FormatBP(bp)
	}
	return out
}
