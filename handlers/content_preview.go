package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// contentPreview shows one article of the account as it will be published:
// its sanitized body, images, status, slot and actions.
func (h *app) contentPreview(c echo.Context) error {
	ct, s, err := h.content(c)
	if err != nil {
		return err
	}
	v, err := h.previewOf(c.Request().Context(), s, ct)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.ContentPreviewPage(h.page(c, ct.Title+" · "+s.Name, "sites"), v))
}

// content loads the :content of the request's account with its site:
// another account's article is a 404, like one that does not exist.
func (h *app) content(c echo.Context) (db.Content, db.Site, error) {
	id, err := idParam(c, "content")
	if err != nil {
		return db.Content{}, db.Site{}, err
	}
	accountID := userOf(c).AccountID
	ct, err := h.DB.GetContent(c.Request().Context(), accountID, id)
	if err != nil {
		return db.Content{}, db.Site{}, err
	}
	s, err := h.DB.GetSite(c.Request().Context(), accountID, ct.SiteID)
	return ct, s, err
}
