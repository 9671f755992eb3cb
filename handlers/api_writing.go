package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/credits"
)

// apiWriting is a site's writing profile in the API: the saved fields
// (the form's names) and, read-only, what an article costs in
// content_generation units at its maximum length.
type apiWriting struct {
	db.WritingProfile
	ContentGenerationUnits int64 `json:"content_generation_units"`
}

// apiWritingRequest is the body of a PUT: the fields sent change, the
// others keep their values. The read-only fields of a GET are accepted
// (so a client may send back what it read) and ignored.
type apiWritingRequest struct {
	Language        *string `json:"language"`
	Tone            *string `json:"tone"`
	PointOfView     *string `json:"point_of_view"`
	Audience        *string `json:"audience"`
	MinWords        *int    `json:"min_words"`
	MaxWords        *int    `json:"max_words"`
	BrandVoice      *string `json:"brand_voice"`
	Avoid           *string `json:"avoid"`
	FAQ             *bool   `json:"faq"`
	TableOfContents *bool   `json:"table_of_contents"`
	Conclusion      *bool   `json:"conclusion"`
	MaxLinks        *int    `json:"max_internal_links"`

	UpdatedAt json.RawMessage `json:"updated_at"`
	Units     json.RawMessage `json:"content_generation_units"`
}

// apply sets the fields the request sends.
func (r apiWritingRequest) apply(p *db.WritingProfile) {
	for _, s := range []struct {
		from *string
		to   *string
	}{{r.Language, &p.Language}, {r.Tone, &p.Tone}, {r.PointOfView, &p.PointOfView}, {r.Audience, &p.Audience},
		{r.BrandVoice, &p.BrandVoice}, {r.Avoid, &p.Avoid}} {
		if s.from != nil {
			*s.to = *s.from
		}
	}
	for _, n := range []struct {
		from *int
		to   *int
	}{{r.MinWords, &p.MinWords}, {r.MaxWords, &p.MaxWords}, {r.MaxLinks, &p.MaxLinks}} {
		if n.from != nil {
			*n.to = *n.from
		}
	}
	for _, b := range []struct {
		from *bool
		to   *bool
	}{{r.FAQ, &p.FAQ}, {r.TableOfContents, &p.TableOfContents}, {r.Conclusion, &p.Conclusion}} {
		if b.from != nil {
			*b.to = *b.from
		}
	}
	p.Language = languageTag(p.Language)
	trimProfile(p)
}

// apiWritingGet returns a site's writing profile.
func (h *app) apiWritingGet(c echo.Context) error {
	_, p, err := h.siteWriting(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWriting{WritingProfile: p, ContentGenerationUnits: credits.ArticleUnits(p.MaxWords)})
}

// apiWritingPut changes the fields sent, with the page's validation: a
// wrong JSON type is a 400 naming the field, a refused value a 422 naming
// the first refused field (form order) and listing all of them.
func (h *app) apiWritingPut(c echo.Context) error {
	_, saved, err := h.siteWriting(c)
	if err != nil {
		return err
	}
	var req apiWritingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := saved
	req.apply(&p)
	if errs := validateWriting(p, nil); errs != nil {
		field, msg := firstWritingError(errs)
		return c.JSON(http.StatusUnprocessableEntity, apiFieldErrors{apiError{Error: field + ": " + msg, Field: field}, errs})
	}
	ctx := c.Request().Context()
	if err := h.DB.SaveWritingProfile(ctx, p, h.Clock.Now()); err != nil {
		return err
	}
	p, err = h.DB.GetWritingProfile(ctx, p.SiteID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiWriting{WritingProfile: p, ContentGenerationUnits: credits.ArticleUnits(p.MaxWords)})
}
