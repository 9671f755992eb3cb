package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"autopress/handlers/input"
	"autopress/views"
)

// Limits of a grant.
const (
	maxGrant     = 1_000_000
	maxGrantNote = 200
	grantPrefix  = "grant:"
)

// newGrantKey is the idempotency key of one rendering of a grant form.
func newGrantKey() string { return grantPrefix + uuid.NewString() }

// grantForm is the grant form as submitted.
type grantForm struct {
	Key    string
	Amount string
	Note   string
}

func parseGrantForm(c echo.Context) grantForm {
	return grantForm{
		Key:    strings.TrimSpace(c.FormValue("key")),
		Amount: strings.TrimSpace(c.FormValue("amount")),
		Note:   strings.TrimSpace(c.FormValue("note")),
	}
}

// validate returns the amount, or the errors by field (amount, note, and
// grant for a form without a valid key: a stale or hand-made form).
func (f grantForm) validate() (int64, map[string]string) {
	errs := map[string]string{}
	n, err := strconv.ParseInt(f.Amount, 10, 64)
	switch {
	case f.Amount == "":
		errs["amount"] = "Enter the credits to grant."
	case err != nil || n < 1 || n > maxGrant:
		errs["amount"] = "Use a whole number from 1 to 1000000."
	}
	if f.Note == "" {
		errs["note"] = "Say why, for the account's history."
	}
	input.Line(maxGrantNote).CheckField(errs, "note", f.Note)
	if id, ok := strings.CutPrefix(f.Key, grantPrefix); !ok || uuid.Validate(id) != nil {
		errs["grant"] = "This form is out of date: check the values and grant again."
	}
	if len(errs) > 0 {
		return 0, errs
	}
	return n, nil
}

// adminGrant grants credits to an account: one ledger row keyed by the
// form's idempotency key, so sending the same form twice (a double click,
// a reload) grants once. Refused input re-renders the accounts page (422).
func (h *app) adminGrant(c echo.Context) error {
	id, err := idParam(c, "account")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	acc, err := h.DB.AccountByID(ctx, id)
	if err != nil {
		return err
	}
	f := parseGrantForm(c)
	amount, errs := f.validate()
	if errs != nil {
		if errs["grant"] != "" {
			f.Key = newGrantKey()
		}
		rows, err := h.adminAccountRows(ctx, acc.ID, views.GrantForm{Key: f.Key, Amount: f.Amount, Note: f.Note, Errors: errs})
		if err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, views.AdminAccounts(h.page(c, "Accounts", "admin"), rows))
	}
	applied, err := h.DB.GrantCredits(ctx, acc.ID, amount, f.Key, f.Note, h.Clock.Now())
	if err != nil {
		return err
	}
	after, err := h.DB.AccountByID(ctx, acc.ID)
	if err != nil {
		return err
	}
	if applied {
		h.Log.InfoContext(ctx, "credits granted", "account_id", acc.ID, "amount", amount, "key", f.Key, "by", userOf(c).Email)
		h.flash(c, fmt.Sprintf("Granted %d credits to %s. New balance: %d credits.", amount, acc.Name, after.Credits))
	} else {
		h.flash(c, fmt.Sprintf("That grant was already made (the form was sent twice); nothing more was added. Balance of %s: %d credits.", acc.Name, after.Credits))
	}
	return c.Redirect(http.StatusSeeOther, "/admin/accounts")
}
