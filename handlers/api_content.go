package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// apiArticle is an article as the API shows it, with what editing it needs
// (its version, its images' alt texts).
type apiArticle struct {
	ID        int64         `json:"id"`
	SiteID    int64         `json:"site_id"`
	Version   int64         `json:"version"`
	Status    string        `json:"status"`
	Title     string        `json:"title"`
	Slug      string        `json:"slug"`
	Excerpt   string        `json:"excerpt"`
	HTML      string        `json:"html"`
	WordCount int           `json:"word_count"`
	Images    []db.ImageAlt `json:"images"`
	EditedAt  *time.Time    `json:"edited_at"`
	EditedBy  string        `json:"edited_by"`
	// Revision is the number of the revision a PUT just made.
	Revision int `json:"revision,omitempty"`
}

func (h *app) apiArticleOf(c echo.Context, id int64) (apiArticle, error) {
	ctx := c.Request().Context()
	ct, err := h.DB.GetContent(ctx, userOf(c).AccountID, id)
	if err != nil {
		return apiArticle{}, err
	}
	imgs, err := h.DB.ImagesOf(ctx, ct.ID)
	if err != nil {
		return apiArticle{}, err
	}
	a := apiArticle{ID: ct.ID, SiteID: ct.SiteID, Version: ct.Version, Status: ct.Status, Title: ct.Title, Slug: ct.Slug, Excerpt: ct.Excerpt,
		HTML: ct.HTML, WordCount: ct.WordCount, EditedAt: ct.EditedAt, EditedBy: ct.EditedBy, Images: []db.ImageAlt{}}
	for _, im := range imgs {
		a.Images = append(a.Images, db.ImageAlt{ID: im.ID, Alt: im.Alt})
	}
	return a, nil
}

// apiContentGet returns an article of the account (GET /api/v1/content/:content).
func (h *app) apiContentGet(c echo.Context) error {
	id, err := idParam(c, "content")
	if err != nil {
		return err
	}
	a, err := h.apiArticleOf(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

// apiArticleInput is the body of a PUT: the fields sent change, the others
// keep their value; version is required.
type apiArticleInput struct {
	Version *int64        `json:"version"`
	Title   *string       `json:"title"`
	Slug    *string       `json:"slug"`
	Excerpt *string       `json:"excerpt"`
	HTML    *string       `json:"html"`
	Alts    []db.ImageAlt `json:"images"`
}

// apiContentPut edits an article like the editor (PUT /api/v1/content/:content):
// the same checks, the body reduced to the AI's HTML and sanitized, a new
// revision; 409 when the version is not the article's any more.
func (h *app) apiContentPut(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	var body apiArticleInput
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in := articleInput{Version: body.Version, Title: ct.Title, Slug: ct.Slug, Excerpt: ct.Excerpt, HTML: ct.HTML, Alts: body.Alts}
	for _, f := range []struct{ dst, src *string }{{&in.Title, body.Title}, {&in.Slug, body.Slug}, {&in.Excerpt, body.Excerpt}, {&in.HTML, body.HTML}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	rev, _, err := h.saveArticle(c.Request().Context(), userOf(c), ct, in)
	if errors.Is(err, db.ErrNoChange) {
		a, err := h.apiArticleOf(c, ct.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, a)
	}
	if err != nil {
		return err
	}
	a, err := h.apiArticleOf(c, ct.ID)
	if err != nil {
		return err
	}
	a.Revision = rev.Number
	return c.JSON(http.StatusOK, a)
}

// apiBulkResult is the answer of a bulk action.
type apiBulkResult struct {
	Action string `json:"action"`
	Moved  int    `json:"moved"`
}

// apiBulkError is a refused bulk action: what blocked it.
type apiBulkError struct {
	Error   string              `json:"error"`
	Field   string              `json:"field,omitempty"`
	Blocked []db.BlockedArticle `json:"blocked,omitempty"`
}

// apiContentBulk applies a bulk action to a site's articles
// (POST /api/v1/sites/:site/content/bulk): all or nothing, 409 naming the
// articles that blocked it.
func (h *app) apiContentBulk(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	var in bulkInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	n, err := h.runBulk(c, s, in)
	if fe, ok := bulkRefused(err); ok {
		body := apiBulkError{Error: fe.Msg, Field: fe.Field}
		var blocked *db.BulkBlockedError
		if errors.As(err, &blocked) {
			body.Blocked = blocked.Blocked
		}
		return c.JSON(fe.Status, body)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiBulkResult{Action: in.Action, Moved: n})
}
