package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// reviewQueue shows the site's articles in review one at a time, oldest
// first (?at=ID shows that one), with approve, reject and edit, and the
// keyboard shortcuts to walk the queue. An approval or a rejection comes
// back to the article after it.
func (h *app) reviewQueue(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ids, err := h.DB.ReviewQueue(ctx, s.ID)
	if err != nil {
		return err
	}
	q := views.ReviewQueue{Site: siteInfo(s), Total: len(ids)}
	if len(ids) > 0 {
		at, _ := strconv.ParseInt(c.QueryParam("at"), 10, 64)
		i := max(slices.Index(ids, at), 0)
		q.Position = i + 1
		ct, err := h.DB.GetContent(ctx, userOf(c).AccountID, ids[i])
		if err != nil {
			return err
		}
		v, err := h.previewOf(ctx, s, ct)
		if err != nil {
			return err
		}
		q.Article = &v
		queueURL := func(id int64) string { return fmt.Sprintf("/sites/%d/review?at=%d", s.ID, id) }
		q.After = fmt.Sprintf("/sites/%d/review", s.ID)
		if i > 0 {
			q.PrevURL = queueURL(ids[i-1])
			q.After = queueURL(ids[i-1])
		}
		if i+1 < len(ids) {
			q.NextURL = queueURL(ids[i+1])
			q.After = queueURL(ids[i+1])
		}
	}
	return h.render(c, http.StatusOK, views.ReviewQueuePage(h.page(c, "Review · "+s.Name, "sites"), q))
}

// previewOf is an article as its page (and the review queue) shows it.
func (h *app) previewOf(ctx context.Context, s db.Site, ct db.Content) (views.ContentPreview, error) {
	imgs, err := h.DB.ImagesOf(ctx, ct.ID)
	if err != nil {
		return views.ContentPreview{}, err
	}
	settings, err := h.DB.GetPublishingSettings(ctx, s.ID)
	if err != nil {
		return views.ContentPreview{}, err
	}
	loc, now := s.Location(), h.Clock.Now()
	v := views.ContentPreview{Site: siteInfo(s), Location: loc, Row: contentRow(ct, loc, now),
		Excerpt: ct.Excerpt, Keywords: ct.Keywords, Words: ct.WordCount, HTML: ct.HTML, SEOTitle: ct.SEOTitle, MetaDescription: ct.MetaDescription,
		EditedBy: ct.EditedBy, EditedAt: ct.EditedAt, Editable: editable(ct)}
	v.Row.Publishing = publishingState(ct, loc, now, settings.TargetKind)
	for _, im := range imgs {
		v.Images = append(v.Images, views.PreviewImage{URL: imageURL(ct.ID, im), Alt: im.Alt})
	}
	return v, nil
}
