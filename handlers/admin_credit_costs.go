package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/jobs/credits"
	"autopress/views"
)

// Limits of the credit costs form.
const (
	maxCreditsPerUnit = 1_000_000
	maxUnitLength     = 60
)

// creditCostsForm is the admin's costs form as submitted, one row per
// operation in pipeline order.
type creditCostsForm struct {
	Rows []views.CreditCostInput
}

func parseCreditCostsForm(c echo.Context, stored []db.CreditCost) creditCostsForm {
	updated := map[string]db.CreditCost{}
	for _, s := range stored {
		updated[s.Operation] = s
	}
	var f creditCostsForm
	for _, op := range db.Operations {
		f.Rows = append(f.Rows, views.CreditCostInput{
			Op:             op,
			CreditsPerUnit: strings.TrimSpace(c.FormValue("credits_per_unit." + op)),
			Unit:           strings.TrimSpace(c.FormValue("unit." + op)),
			DefaultShare:   strings.TrimSpace(c.FormValue("default_share." + op)),
			Active:         c.FormValue("active."+op) != "",
			UpdatedAt:      updated[op].UpdatedAt,
		})
	}
	return f
}

// storedCostsForm is the form filled from the stored costs.
func storedCostsForm(stored []db.CreditCost) creditCostsForm {
	var f creditCostsForm
	for _, s := range stored {
		f.Rows = append(f.Rows, views.CreditCostInput{Op: s.Operation, CreditsPerUnit: strconv.FormatInt(s.CreditsPerUnit, 10),
			Unit: s.Unit, DefaultShare: credits.FormatBP(s.DefaultShareBP), Active: s.Active, UpdatedAt: s.UpdatedAt})
	}
	return f
}

// validate returns the costs to store, or the errors by field; the sum of
// the default shares is checked once every share parses.
func (f creditCostsForm) validate() ([]db.CreditCost, map[string]string) {
	errs := map[string]string{}
	var out []db.CreditCost
	for _, r := range f.Rows {
		c := db.CreditCost{Operation: r.Op, Unit: r.Unit, Active: r.Active}
		n, err := strconv.ParseInt(r.CreditsPerUnit, 10, 64)
		switch {
		case r.CreditsPerUnit == "":
			errs["credits_per_unit."+r.Op] = "Enter the credits one unit costs (0 makes it free)."
		case err != nil || n < 0 || n > maxCreditsPerUnit:
			errs["credits_per_unit."+r.Op] = "Use a whole number from 0 to 1000000."
		}
		c.CreditsPerUnit = n
		if r.Unit == "" {
			errs["unit."+r.Op] = "Name the unit, like “article” or “image”."
		}
		input.Line(maxUnitLength).CheckField(errs, "unit."+r.Op, r.Unit)
		bp, err := credits.ParsePercent(r.DefaultShare)
		if err != nil {
			errs["default_share."+r.Op] = "Use a percentage from 0 to 100 with at most two decimals."
		}
		c.DefaultShareBP = bp
		out = append(out, c)
	}
	if len(errs) == 0 {
		sum := 0
		for _, c := range out {
			sum += c.DefaultShareBP
		}
		if msg := credits.SumError(sum); msg != "" {
			errs["default_share"] = msg + "."
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// sum is the default shares' sum as typed (those that parse).
func (f creditCostsForm) sum() string {
	total := 0
	for _, r := range f.Rows {
		if bp, err := credits.ParsePercent(r.DefaultShare); err == nil {
			total += bp
		}
	}
	return credits.FormatBP(total)
}

func (f creditCostsForm) view(errs map[string]string) views.CreditCostsPage {
	return views.CreditCostsPage{Rows: f.Rows, Errors: errs, Sum: f.sum()}
}

// adminCreditCosts shows the credit costs form (instance admins only).
func (h *app) adminCreditCosts(c echo.Context) error {
	stored, err := h.DB.CreditCosts(c.Request().Context())
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.AdminCreditCosts(h.page(c, "Credit costs", "admin"), storedCostsForm(stored).view(nil)))
}

// adminCreditCostsSave stores all five costs at once; the default shares
// must add up to exactly 100%. New prices and shares apply to runs started
// afterwards (a run fixes its prices and budgets when it starts).
func (h *app) adminCreditCostsSave(c echo.Context) error {
	ctx := c.Request().Context()
	stored, err := h.DB.CreditCosts(ctx)
	if err != nil {
		return err
	}
	f := parseCreditCostsForm(c, stored)
	costs, errs := f.validate()
	if errs != nil {
		return h.render(c, http.StatusUnprocessableEntity, views.AdminCreditCosts(h.page(c, "Credit costs", "admin"), f.view(errs)))
	}
	if err := h.DB.SaveCreditCosts(ctx, costs, h.Clock.Now()); err != nil {
		return err
	}
	h.Log.InfoContext(ctx, "credit costs saved", "by", userOf(c).Email)
	h.flash(c, "Credit costs saved. They apply to runs started from now on.")
	return c.Redirect(http.StatusSeeOther, "/admin/credit-costs")
}
