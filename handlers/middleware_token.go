package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/auth"
)

// requireToken authenticates the API: "Authorization: Bearer ap_…" names an
// unrevoked token, whose user then acts with the same account scoping as
// on the pages.
func (h *app) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return &fieldError{Status: http.StatusUnauthorized, Msg: "missing bearer token (Authorization: Bearer ap_…)"}
		}
		u, err := h.DB.TokenUser(c.Request().Context(), auth.HashToken(token), h.Clock.Now())
		if errors.Is(err, db.ErrNotFound) {
			return &fieldError{Status: http.StatusUnauthorized, Msg: "invalid or revoked token"}
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}
