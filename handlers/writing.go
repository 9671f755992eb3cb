package handlers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// writingPage shows a site's writing profile form.
func (h *app) writingPage(c echo.Context) error {
	s, saved, err := h.siteWriting(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, views.Writing(h.page(c, "Writing · "+s.Name, "sites"), writingFormOf(saved).view(s, saved, nil)))
}

// writingSave saves the profile form: 422 with a message per field and
// the input kept, or 303 back to the page with a flash.
func (h *app) writingSave(c echo.Context) error {
	s, saved, err := h.siteWriting(c)
	if err != nil {
		return err
	}
	f, err := parseWritingForm(c)
	if err != nil {
		return err
	}
	p, parseErrs := f.profile(saved)
	if errs := validateWriting(p, parseErrs); errs != nil {
		return h.render(c, http.StatusUnprocessableEntity, views.Writing(h.page(c, "Writing · "+s.Name, "sites"), f.view(s, saved, errs)))
	}
	if err := h.DB.SaveWritingProfile(c.Request().Context(), p, h.Clock.Now()); err != nil {
		return err
	}
	h.flash(c, "Writing profile saved. Runs started from now on follow it.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d/writing", s.ID))
}

// siteWriting loads the account's site named in the path and its writing
// profile.
func (h *app) siteWriting(c echo.Context) (db.Site, db.WritingProfile, error) {
	s, err := h.site(c)
	if err != nil {
		return s, db.WritingProfile{}, err
	}
	p, err := h.DB.GetWritingProfile(c.Request().Context(), s.ID)
	return s, p, err
}

// parseWritingForm reads the form: every field as text, trimmed; an
// unticked box is absent from a form post, so absent is off.
func parseWritingForm(c echo.Context) (writingForm, error) {
	vals, err := c.FormParams()
	if err != nil {
		return writingForm{}, badRequest("", "The form could not be read.")
	}
	f := writingForm{Values: map[string]string{}, Checked: map[string]bool{}}
	for _, name := range writingFields {
		switch name {
		case "faq", "table_of_contents", "conclusion":
			f.Checked[name] = vals.Get(name) != ""
		default:
			// Multi-line texts lose only their outer blank lines and
			// spaces; inner line breaks stay.
			f.Values[name] = strings.TrimSpace(vals.Get(name))
		}
	}
	return f, nil
}
