package handlers

import (
	"fmt"
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
	ctx := c.Request().Context()
	imgs, err := h.DB.ImagesOf(ctx, ct.ID)
	if err != nil {
		return err
	}
	settings, err := h.DB.GetPublishingSettings(ctx, s.ID)
	if err != nil {
		return err
	}
	loc, now := s.Location(), h.Clock.Now()
	v := views.ContentPreview{Site: siteInfo(s), Location: loc, Row: contentRow(ct, loc, now),
		Excerpt: ct.Excerpt, Keywords: ct.Keywords, Words: ct.WordCount, HTML: ct.HTML}
	v.Row.Publishing = publishingState(ct, loc, now, settings.TargetKind)
	for _, im := range imgs {
		v.Images = append(v.Images, views.PreviewImage{URL: fmt.Sprintf("/content/%d/images/%d", ct.ID, im.ID), Alt: im.Alt})
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
