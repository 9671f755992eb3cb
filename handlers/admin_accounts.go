package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// adminAccounts lists every account of the instance (instance admins only),
// each with a grant form carrying a fresh idempotency key.
func (h *app) adminAccounts(c echo.Context) error {
	rows, err := h.adminAccountRows(c.Request().Context(), 0, views.GrantForm{})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.AdminAccounts(h.page(c, "Accounts", "admin"), rows))
}

// adminAccountRows lists the accounts; the account with id refused (if
// any) shows the given grant form, the others a fresh one.
func (h *app) adminAccountRows(ctx context.Context, refused int64, form views.GrantForm) ([]views.AccountRow, error) {
	list, err := h.DB.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]views.AccountRow, 0, len(list))
	for _, a := range list {
		g := views.GrantForm{Key: newGrantKey()}
		if a.ID == refused {
			g = form
		}
		rows = append(rows, views.AccountRow{ID: a.ID, Name: a.Name, Users: a.Users, Sites: a.Sites,
			Credits: a.Credits, CreatedAt: a.CreatedAt, Grant: g})
	}
	return rows, nil
}
