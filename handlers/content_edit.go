package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/jobs/ai"
	"autopress/views"
)

// maxBodyHTML bounds the body's HTML a client sends, in characters.
const maxBodyHTML = 200_000

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// articleInput is a person's edit of an article, from the editor's form or
// the API.
type articleInput struct {
	// Version is the article's version the edit starts from (required).
	Version *int64        `json:"version"`
	Title   string        `json:"title"`
	Slug    string        `json:"slug"`
	Excerpt string        `json:"excerpt"`
	HTML    string        `json:"html"`
	Alts    []db.ImageAlt `json:"images"`
}

// validate checks the input and returns the text to store: the body reduced
// to the AI's HTML and sanitized (input.ArticleHTML), or field → message.
// A body that reduces to what the article already has keeps the stored
// bytes, so an unchanged body never counts as a change.
func (in articleInput) validate(current db.Content, images []db.Image, rules articleRules) (db.ArticleText, int, map[string]string) {
	errs := map[string]string{}
	if in.Version == nil {
		errs["version"] = "Send the article's version the edit starts from (GET it first)."
	}
	in.Title, in.Slug, in.Excerpt = strings.TrimSpace(in.Title), strings.TrimSpace(in.Slug), strings.TrimSpace(in.Excerpt)
	if in.Title == "" {
		errs["title"] = "Enter a title."
	}
	input.Line(views.MaxArticleTitle).CheckField(errs, "title", in.Title)
	if in.Slug == "" {
		errs["slug"] = "Enter a slug."
	}
	input.Line(views.MaxArticleSlug).CheckField(errs, "slug", in.Slug)
	if _, bad := errs["slug"]; !bad && !slugPattern.MatchString(in.Slug) {
		errs["slug"] = "Use lowercase letters, digits and single hyphens between them, like how-to-brew-coffee."
	}
	input.Text{Multiline: true, Max: views.MaxArticleExcerpt}.CheckField(errs, "excerpt", in.Excerpt)
	input.Text{Multiline: true, Max: maxBodyHTML}.CheckField(errs, "body", in.HTML)
	body, words := "", 0
	if _, bad := errs["body"]; !bad {
		body, words = input.ArticleHTML(in.HTML, rules.lang, rules.links)
		if words == 0 {
			errs["body"] = "The body has no text."
		} else if stored, _ := input.ArticleHTML(current.HTML, rules.lang, rules.links); stored == body {
			body = current.HTML
		}
	}
	known := map[int64]bool{}
	for _, im := range images {
		known[im.ID] = true
	}
	for _, a := range in.Alts {
		field := fmt.Sprintf("alt_%d", a.ID)
		if !known[a.ID] {
			errs[field] = fmt.Sprintf("The article has no image %d.", a.ID)
			continue
		}
		input.Line(views.MaxAltText).CheckField(errs, field, strings.TrimSpace(a.Alt))
	}
	alts := make([]db.ImageAlt, len(in.Alts))
	for i, a := range in.Alts {
		alts[i] = db.ImageAlt{ID: a.ID, Alt: strings.TrimSpace(a.Alt)}
	}
	return db.ArticleText{Title: in.Title, Slug: in.Slug, Excerpt: in.Excerpt, HTML: body, Alts: alts}, words, errs
}

// saveArticle validates an edit and stores it as a new revision. Refusals
// come back as *fieldError (422 with the fields, 409 when the article
// changed meanwhile or cannot be edited) with errs for the form.
func (h *app) saveArticle(ctx context.Context, u db.User, ct db.Content, in articleInput) (db.Revision, map[string]string, error) {
	images, err := h.DB.ImagesOf(ctx, ct.ID)
	if err != nil {
		return db.Revision{}, nil, err
	}
	rules, err := h.articleRules(ctx, ct.SiteID)
	if err != nil {
		return db.Revision{}, nil, err
	}
	text, words, errs := in.validate(ct, images, rules)
	if len(errs) > 0 {
		return db.Revision{}, errs, firstFieldError(errs)
	}
	rev, err := h.DB.SaveArticle(ctx, db.ArticleEdit{AccountID: u.AccountID, ContentID: ct.ID, Version: *in.Version, Text: text,
		WordCount: words, Actor: u.Email, Now: h.Clock.Now()})
	var na *db.NotAllowedError
	switch {
	case errors.Is(err, db.ErrSlugTaken):
		errs := map[string]string{"slug": "Another article of this site has this slug: choose another."}
		return rev, errs, firstFieldError(errs)
	case errors.Is(err, db.ErrStale):
		return rev, nil, &fieldError{Status: http.StatusConflict, Field: "version",
			Msg: "The article changed since you opened it (someone saved it, or a run moved it on): nothing was saved."}
	case errors.As(err, &na):
		return rev, nil, &fieldError{Status: http.StatusConflict, Msg: fmt.Sprintf("The article cannot be edited: it is %s.", na.Status)}
	}
	return rev, nil, err
}

// firstFieldError is a 422 naming one of errs' fields (the first in name
// order), with its message.
func firstFieldError(errs map[string]string) error {
	field := ""
	for f := range errs {
		if field == "" || f < field {
			field = f
		}
	}
	return unprocessable(field, errs[field])
}

// editorView is the editor's data for an article and the values shown.
func (h *app) editorView(ctx context.Context, s db.Site, ct db.Content, in articleInput, errs map[string]string, msg string) (views.ContentEditor, error) {
	images, err := h.DB.ImagesOf(ctx, ct.ID)
	if err != nil {
		return views.ContentEditor{}, err
	}
	revs, err := h.DB.Revisions(ctx, ct.ID)
	if err != nil {
		return views.ContentEditor{}, err
	}
	alts := map[int64]string{}
	for _, a := range in.Alts {
		alts[a.ID] = a.Alt
	}
	e := views.ContentEditor{Site: siteInfo(s), Location: s.Location(), ID: ct.ID, Version: ct.Version, Status: ct.Status,
		Title: in.Title, Slug: in.Slug, Excerpt: in.Excerpt, Body: in.HTML, EditedBy: ct.EditedBy, EditedAt: ct.EditedAt,
		Revisions: len(revs), Errors: errs, Error: msg}
	for _, im := range images {
		alt, ok := alts[im.ID]
		if !ok {
			alt = im.Alt
		}
		e.Images = append(e.Images, views.EditorImage{ID: im.ID, URL: fmt.Sprintf("/content/%d/images/%d", ct.ID, im.ID), Alt: alt})
	}
	return e, nil
}

// editable reports whether an article's text may be edited.
func editable(ct db.Content) bool {
	return ct.Status != db.ContentPublishing && ct.Status != db.ContentPublished
}

// contentEditPage shows the article editor.
func (h *app) contentEditPage(c echo.Context) error {
	ct, s, err := h.content(c)
	if err != nil {
		return err
	}
	if !editable(ct) {
		h.flashError(c, fmt.Sprintf("“%s” is %s: its text can no longer be edited.", ct.Title, ct.Status))
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/content/%d", ct.ID))
	}
	in := articleInput{Version: &ct.Version, Title: ct.Title, Slug: ct.Slug, Excerpt: ct.Excerpt, HTML: ct.HTML}
	e, err := h.editorView(c.Request().Context(), s, ct, in, nil, "")
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.ContentEditPage(h.page(c, "Edit · "+ct.Title, "sites"), e))
}

// contentSave saves the editor's form as a new revision; refused input
// re-renders the form with the person's text and the messages.
func (h *app) contentSave(c echo.Context) error {
	ct, s, err := h.content(c)
	if err != nil {
		return err
	}
	version, err := itemVersion(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("", "The form could not be read.")
	}
	in := articleInput{Version: &version, Title: c.FormValue("title"), Slug: c.FormValue("slug"), Excerpt: c.FormValue("excerpt"), HTML: c.FormValue("body")}
	for name, vs := range form {
		if id, ok := strings.CutPrefix(name, "alt_"); ok && len(vs) > 0 {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return unprocessable(name, "Unknown image field.")
			}
			in.Alts = append(in.Alts, db.ImageAlt{ID: n, Alt: vs[0]})
		}
	}
	ctx := c.Request().Context()
	u := userOf(c)
	rev, errs, err := h.saveArticle(ctx, u, ct, in)
	if errors.Is(err, db.ErrNoChange) {
		h.flash(c, "Nothing changed: no revision was made.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/content/%d", ct.ID))
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		msg := ""
		if len(errs) == 0 {
			msg = fe.Msg + " Your text is below. Saving it again replaces the newer text (compare them in Revisions first), or reload the article to start from it."
		}
		e, verr := h.editorView(ctx, s, ct, in, errs, msg)
		if verr != nil {
			return verr
		}
		return h.render(c, fe.Status, views.ContentEditPage(h.page(c, "Edit · "+ct.Title, "sites"), e))
	}
	if err != nil {
		return err
	}
	h.flashLink(c, fmt.Sprintf("Saved “%s” as revision %d.", rev.Title, rev.Number), fmt.Sprintf("/content/%d/revisions", ct.ID), "Revisions")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/content/%d", ct.ID))
}

// contentRevisions lists an article's revisions and compares two (?a=&b=,
// by default the last one with the one before).
func (h *app) contentRevisions(c echo.Context) error {
	ct, s, err := h.content(c)
	if err != nil {
		return err
	}
	revs, err := h.DB.Revisions(c.Request().Context(), ct.ID)
	if err != nil {
		return err
	}
	r := views.RevisionsPage{Site: siteInfo(s), Location: s.Location(), ID: ct.ID, Title: ct.Title, Version: ct.Version}
	byNumber := map[int]db.Revision{}
	for i, v := range revs {
		byNumber[v.Number] = v
		row := views.RevisionRow{Number: v.Number, Actor: v.Actor, At: v.CreatedAt, Changed: strings.Join(v.ChangedFields(), ", "), Current: i == 0}
		if row.Changed == "" {
			row.Changed = "the pipeline's text"
		}
		if v.RestoredFrom != nil {
			row.RestoredFrom = *v.RestoredFrom
		}
		r.Revisions = append(r.Revisions, row)
	}
	if len(revs) >= 2 {
		r.A, r.B = revs[1].Number, revs[0].Number
	}
	if a, err := strconv.Atoi(c.QueryParam("a")); err == nil {
		r.A = a
	}
	if b, err := strconv.Atoi(c.QueryParam("b")); err == nil {
		r.B = b
	}
	if r.A > r.B {
		r.A, r.B = r.B, r.A
	}
	ra, okA := byNumber[r.A]
	rb, okB := byNumber[r.B]
	if !okA || !okB {
		r.A, r.B = 0, 0
	} else {
		r.Diff = revisionDiff(ra, rb)
	}
	return h.render(c, http.StatusOK, views.ContentRevisionsPage(h.page(c, "Revisions · "+ct.Title, "sites"), r))
}

// revisionDiff compares every field of two revisions word by word.
func revisionDiff(a, b db.Revision) []views.FieldDiff {
	altText := func(r db.Revision) string {
		var lines []string
		for i, al := range r.Alts() {
			lines = append(lines, fmt.Sprintf("image %d: %s", i+1, al.Alt))
		}
		return strings.Join(lines, "\n")
	}
	fields := []struct{ label, a, b string }{
		{"Title", a.Title, b.Title}, {"Slug", a.Slug, b.Slug}, {"Excerpt", a.Excerpt, b.Excerpt},
		{"Body", a.HTML, b.HTML}, {"Alt texts", altText(a), altText(b)},
	}
	var out []views.FieldDiff
	for _, f := range fields {
		d := views.FieldDiff{Label: f.label, Changed: f.a != f.b}
		if d.Changed {
			d.Segments = wordDiff(f.a, f.b)
		}
		out = append(out, d)
	}
	return out
}

// contentRestore makes an old revision's text the article's again, byte
// for byte, as a new revision.
func (h *app) contentRestore(c echo.Context) error {
	ct, _, err := h.content(c)
	if err != nil {
		return err
	}
	number, err := strconv.Atoi(c.Param("number"))
	if err != nil || number <= 0 {
		return errNotFound
	}
	version, err := itemVersion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := h.DB.GetRevision(ctx, ct.ID, number)
	if err != nil {
		return err
	}
	u := userOf(c)
	_, words := input.ArticleHTML(old.HTML, "", ai.LinkPolicy{})
	rev, err := h.DB.SaveArticle(ctx, db.ArticleEdit{AccountID: u.AccountID, ContentID: ct.ID, Version: version, Text: old.Text(),
		WordCount: words, Actor: u.Email, Now: h.Clock.Now(), RestoredFrom: number})
	back := fmt.Sprintf("/content/%d/revisions", ct.ID)
	var na *db.NotAllowedError
	switch {
	case errors.Is(err, db.ErrNoChange):
		h.flash(c, fmt.Sprintf("The article already has the text of revision %d.", number))
	case errors.Is(err, db.ErrSlugTaken):
		h.flashError(c, fmt.Sprintf("Revision %d's slug “%s” is another article's now: edit the slug instead.", number, old.Slug))
	case errors.Is(err, db.ErrStale):
		h.flashError(c, "The article changed since you opened this page: nothing was restored. Look again.")
	case errors.As(err, &na):
		h.flashError(c, fmt.Sprintf("The article cannot be edited: it is %s.", na.Status))
	case err != nil:
		return err
	default:
		h.flash(c, fmt.Sprintf("Restored revision %d as revision %d.", number, rev.Number))
		back += fmt.Sprintf("?a=%d&b=%d", number, rev.Number)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// articleRules are what an edited body is held to: the site's language tag
// and the links its writing profile allows (its published articles, at most
// the profile's number), as for the articles the AI writes.
type articleRules struct {
	lang  string
	links ai.LinkPolicy
}

func (h *app) articleRules(ctx context.Context, siteID int64) (articleRules, error) {
	w, err := h.DB.GetWritingProfile(ctx, siteID)
	if err != nil {
		return articleRules{}, err
	}
	r := articleRules{lang: w.Language, links: ai.LinkPolicy{Max: w.MaxLinks}}
	if w.MaxLinks <= 0 {
		return r, nil
	}
	links, err := h.DB.PublishedLinks(ctx, siteID, maxEditorLinks)
	if err != nil {
		return articleRules{}, err
	}
	for _, l := range links {
		r.links.Allowed = append(r.links.Allowed, l.URL)
	}
	return r, nil
}

// maxEditorLinks bounds the published articles an edited body may link to
// (the newest ones).
const maxEditorLinks = 5000
