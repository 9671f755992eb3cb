package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/jobs/regenerate"
	"autopress/views"
)

// regenInput is a request for a regeneration, from the article page's
// form or the API.
type regenInput struct {
	Kind    string
	ImageID int64
	Note    string
	// Key is the request's idempotency key.
	Key string
	// Version is the article's version the person saw (nil: not checked).
	Version *int64
}

// maxRegenKey bounds an idempotency key, in characters.
const maxRegenKey = 200

// validate checks the input; a refusal is a 422 naming the field (API
// names: kind, image_id, note, idempotency_key).
func (in *regenInput) validate() error {
	errs := map[string]string{}
	switch in.Kind {
	case db.RegenArticle, db.RegenSEO:
		in.ImageID = 0
	case db.RegenImage:
		if in.ImageID <= 0 {
			errs["image_id"] = "Name the image to draw again (image_id)."
		}
	default:
		errs["kind"] = "Choose what to regenerate: article, seo or image."
	}
	in.Note = collapseSpace(in.Note)
	input.Line(views.MaxRegenNote).CheckField(errs, "note", in.Note)
	input.Line(maxRegenKey).CheckField(errs, "idempotency_key", in.Key)
	if len(errs) > 0 {
		return firstFieldError(errs)
	}
	if in.Key == "" {
		in.Key = uuid.NewString()
	}
	return nil
}

// requestRegeneration asks for a regeneration of an article of the user's
// account; refusals come back as *fieldError with the person's words.
func (h *app) requestRegeneration(ctx context.Context, u db.User, ct db.Content, in regenInput) (db.RegenJob, bool, error) {
	if err := in.validate(); err != nil {
		return db.RegenJob{}, false, err
	}
	j, created, err := h.Regenerations.Request(ctx, regenerate.Request{AccountID: u.AccountID, ContentID: ct.ID, Kind: in.Kind, ImageID: in.ImageID,
		Note: in.Note, Key: in.Key, Version: in.Version, Actor: u.Email})
	var na *db.NotAllowedError
	switch {
	case errors.Is(err, db.ErrNotFound):
		// The article is the user's (loaded before): the image is not its.
		return j, false, unprocessable("image_id", fmt.Sprintf("The article has no image %d.", in.ImageID))
	case errors.Is(err, db.ErrRegenActive):
		return j, false, &fieldError{Status: http.StatusConflict, Msg: "The article is already being regenerated: wait for it to finish, or cancel it."}
	case errors.Is(err, db.ErrKeyReused):
		return j, false, &fieldError{Status: http.StatusConflict, Field: "idempotency_key", Msg: "This idempotency key was used for another request."}
	case errors.Is(err, db.ErrStale):
		return j, false, &fieldError{Status: http.StatusConflict, Field: "version",
			Msg: "The article changed since you opened it (someone saved it, or a run moved it on): nothing was asked. Look at it again."}
	case errors.As(err, &na):
		return j, false, &fieldError{Status: http.StatusConflict, Msg: fmt.Sprintf("The article is %s: it can no longer be regenerated.", na.Status)}
	case errors.Is(err, db.ErrInsufficientCredits):
		return j, false, &fieldError{Status: http.StatusConflict, Msg: "Not enough credits for this regeneration."}
	}
	return j, created, err
}

// parseWhat reads the form's choice: "article", "seo" or "image-<id>".
func parseWhat(what string) (kind string, imageID int64) {
	if id, ok := strings.CutPrefix(what, "image-"); ok {
		n, _ := strconv.ParseInt(id, 10, 64)
		return db.RegenImage, n
	}
	return what, 0
}

// contentRegenerate asks for a regeneration from the article page's form
// (POST /content/:content/regenerate) and goes back to the article, where
// the panel follows it.
func (h *app) contentRegenerate(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	version, err := itemVersion(c)
	if err != nil {
		return err
	}
	kind, imageID := parseWhat(c.FormValue("what"))
	back := fmt.Sprintf("/content/%d#regenerate", ct.ID)
	j, created, err := h.requestRegeneration(c.Request().Context(), userOf(c), ct, regenInput{Kind: kind, ImageID: imageID,
		Note: c.FormValue("note"), Key: c.FormValue("key"), Version: &version})
	var fe *fieldError
	switch {
	case errors.As(err, &fe) && fe.Status < 500:
		h.flashError(c, "Nothing was regenerated: "+fe.Msg)
		return c.Redirect(http.StatusSeeOther, back)
	case err != nil:
		return err
	case !created:
		h.flash(c, fmt.Sprintf("You already asked for this regeneration (#%d): it is %s.", j.ID, j.Status))
	default:
		images, _ := h.DB.ImagesOf(c.Request().Context(), ct.ID) // only to name the image
		h.flash(c, fmt.Sprintf("Regenerating %s: this page shows the new version when it is done.", regenWhat(j, images)))
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// contentRegenerations is the regeneration panel of an article: the
// partial its page polls while a regeneration is in progress (GET
// /content/:content/regenerations?active=<job>), or the article's page.
// When the job the page watched has finished, the answer tells htmx to
// reload the page, which then shows the new version.
func (h *app) contentRegenerations(c echo.Context) error {
	ct, s, err := h.content(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	panel, err := h.regenPanel(ctx, c, s, ct)
	if err != nil {
		return err
	}
	if watched, err := strconv.ParseInt(c.QueryParam("active"), 10, 64); err == nil && watched > 0 && watched != panel.Active && wantsPartial(c) {
		if j, err := h.DB.GetRegeneration(ctx, userOf(c).AccountID, watched); err == nil && j.Status == db.RegenDone {
			c.Response().Header().Set(hxRefresh, "true")
		}
	}
	full := func() templ.Component {
		v, err := h.previewOf(ctx, s, ct)
		if err != nil {
			return views.ErrorPartial("The article cannot be shown.")
		}
		v.Regen = &panel
		return views.ContentPreviewPage(h.page(c, ct.Title+" · "+s.Name, "sites"), v)
	}
	return h.renderPageLazy(c, http.StatusOK, full, views.RegenerationPanel(panel))
}

// contentRegenCancel cancels a regeneration of the article (POST
// /content/:content/regenerations/:job/cancel).
func (h *app) contentRegenCancel(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	j, err := h.regenJobOf(c, ct)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/content/%d#regenerate", ct.ID)
	u := userOf(c)
	_, err = h.Regenerations.Cancel(c.Request().Context(), u.AccountID, j.ID, u.Email)
	var na *db.NotAllowedError
	switch {
	case errors.As(err, &na):
		h.flashError(c, fmt.Sprintf("The regeneration is %s: there is nothing to cancel.", na.Status))
	case err != nil:
		return err
	default:
		images, _ := h.DB.ImagesOf(c.Request().Context(), ct.ID) // only to name the image
		h.flash(c, fmt.Sprintf("Cancelled the regeneration of %s: nothing of it is kept, and its credits are refunded.", regenWhat(j, images)))
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// regenJobOf loads the :job of the request's account, which must be one
// of the article's.
func (h *app) regenJobOf(c echo.Context, ct db.Content) (db.RegenJob, error) {
	id, err := idParam(c, "job")
	if err != nil {
		return db.RegenJob{}, err
	}
	j, err := h.DB.GetRegeneration(c.Request().Context(), userOf(c).AccountID, id)
	if err != nil {
		return j, err
	}
	if j.ContentID != ct.ID {
		return j, errNotFound
	}
	return j, nil
}

// regenPanelJobs is how many of an article's regenerations its page lists.
const regenPanelJobs = 5

// regenPanel is the regeneration panel of an article's page.
func (h *app) regenPanel(ctx context.Context, c echo.Context, s db.Site, ct db.Content) (views.RegenPanel, error) {
	jobs, err := h.DB.RegenerationsOf(ctx, ct.ID, regenPanelJobs)
	if err != nil {
		return views.RegenPanel{}, err
	}
	images, err := h.DB.ImagesOf(ctx, ct.ID)
	if err != nil {
		return views.RegenPanel{}, err
	}
	p := views.RegenPanel{ContentID: ct.ID, Version: ct.Version, CSRF: csrfToken(c), Location: s.Location(), Key: uuid.NewString(),
		Editable: editable(ct), Status: ct.Status}
	for _, j := range jobs {
		row := views.RegenRow{ID: j.ID, What: upperFirst(regenWhat(j, images)), Note: j.Note, Status: j.Status, RequestedBy: j.RequestedBy, At: j.CreatedAt,
			Error: j.Error, CancelledBy: j.CancelledBy, Cost: j.Cost, Active: j.Active(), BackToReview: j.BackToReview}
		if j.Revision != nil {
			row.Revision = *j.Revision
		}
		if j.Active() {
			p.Active = j.ID
		}
		p.Jobs = append(p.Jobs, row)
	}
	if !p.Editable || p.Active > 0 {
		return p, nil
	}
	for _, ch := range []struct{ kind, value, label string }{
		{db.RegenArticle, "article", "The article: title, body, excerpt and SEO fields"},
		{db.RegenSEO, "seo", "The SEO title and meta description"},
	} {
		_, cost, err := h.Regenerations.Price(ctx, ct.SiteID, ch.kind, "")
		if err != nil {
			return p, err
		}
		p.Choices = append(p.Choices, views.RegenChoice{Value: ch.value, Label: ch.label, Cost: cost})
	}
	if len(images) > 0 {
		_, cost, err := h.Regenerations.Price(ctx, ct.SiteID, db.RegenImage, "")
		if err != nil {
			return p, err
		}
		for i, im := range images {
			p.Choices = append(p.Choices, views.RegenChoice{Value: fmt.Sprintf("image-%d", im.ID), Label: imageLabel(i), Cost: cost})
		}
	}
	return p, nil
}

// regenWhat names what a job regenerates ("the SEO fields", "image 2"),
// with the article's images to number an image ("an image" without them).
func regenWhat(j db.RegenJob, images []db.Image) string {
	switch j.Kind {
	case db.RegenArticle:
		return "the article"
	case db.RegenSEO:
		return "the SEO fields"
	}
	for i, im := range images {
		if j.ImageID != nil && im.ID == *j.ImageID {
			return strings.ToLower(imageLabel(i))
		}
	}
	return "an image"
}

// imageLabel names the i-th image of an article (0: the featured one).
func imageLabel(i int) string {
	if i == 0 {
		return "The featured image"
	}
	return fmt.Sprintf("Image %d", i+1)
}
