package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/views"
)

// adminAccounts lists every account of the instance (instance admins only).
func (h *app) adminAccounts(c echo.Context) error {
	list, err := h.DB.ListAccounts(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]views.AccountRow, 0, len(list))
	for _, a := range list {
		rows = append(rows, views.AccountRow{ID: a.ID, Name: a.Name, Users: a.Users, Sites: a.Sites,
			Credits: a.Credits, CreatedAt: a.CreatedAt})
	}
	return h.render(c, http.StatusOK, views.AdminAccounts(h.page(c, "Accounts", "admin"), rows))
}
