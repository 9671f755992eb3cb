package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/auth"
	"autopress/handlers/input"
	"autopress/views"
)

// maxTokenName bounds a token's name, in characters.
const maxTokenName = 100

// tokenCreate mints an API token and shows its plaintext in this response
// only: it is rendered directly (no redirect), never kept in the session,
// and the page is marked not to be cached.
func (h *app) tokenCreate(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	errs := map[string]string{}
	if name == "" {
		errs["name"] = "Give the token a name, so you know later what uses it."
	}
	input.Line(maxTokenName).CheckField(errs, "name", name)
	if len(errs) > 0 {
		a, err := h.accountPage(c)
		if err != nil {
			return err
		}
		a.TokenName, a.TokenErrors = name, errs
		return h.render(c, http.StatusUnprocessableEntity, views.Account(h.page(c, "Account", "account"), a))
	}

	u := userOf(c)
	plain, hash, prefix := auth.NewAPIToken()
	if _, err := h.DB.CreateToken(c.Request().Context(), db.APIToken{AccountID: u.AccountID, UserID: u.ID,
		Name: name, TokenHash: hash, Prefix: prefix, CreatedAt: h.Clock.Now()}); err != nil {
		return err
	}
	a, err := h.accountPage(c)
	if err != nil {
		return err
	}
	a.NewToken, a.NewTokenName = plain, name
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return h.render(c, http.StatusOK, views.Account(h.page(c, "Account", "account"), a))
}
