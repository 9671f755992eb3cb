package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// account shows the user's account: email, credits and API tokens.
func (h *app) account(c echo.Context) error {
	a, err := h.accountPage(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.Account(h.page(c, "Account", "account"), a))
}

// accountPage gathers the account page's data.
func (h *app) accountPage(c echo.Context) (views.AccountPage, error) {
	ctx := c.Request().Context()
	u := userOf(c)
	acc, err := h.DB.AccountByID(ctx, u.AccountID)
	if err != nil {
		return views.AccountPage{}, err
	}
	tokens, err := h.DB.ListTokens(ctx, u.AccountID)
	if err != nil {
		return views.AccountPage{}, err
	}
	a := views.AccountPage{Email: u.Email, AccountName: acc.Name, Credits: acc.Credits, Timezone: u.Timezone}
	for _, t := range tokens {
		a.Tokens = append(a.Tokens, views.TokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix,
			CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt})
	}
	return a, nil
}
