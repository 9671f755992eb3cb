package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/views"
)

// keywordsImport imports pasted lines or a CSV file. The batch is all or
// nothing: if any row is refused, nothing is stored and the form comes back
// (422) with each refused row and the user's text still in place.
func (h *app) keywordsImport(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	text := c.FormValue("text")
	res, formErr, err := parseKeywordUpload(c, text)
	if err != nil {
		return err
	}
	if formErr != "" || len(res.Errors) > 0 {
		return h.keywordsImportRefused(c, s, views.KeywordImport{Text: text, Error: formErr, Rows: viewRowErrors(res.Errors)})
	}
	n, err := importBatch(c.Request().Context(), h.DB, s.ID, res, h.Clock.Now())
	if err != nil {
		return err
	}
	h.flash(c, fmt.Sprintf("Imported %d new keywords (%d already present, %d duplicates in the batch).", n.Imported, n.AlreadyPresent, n.Duplicates))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/sites/%d/keywords", s.ID))
}

// parseKeywordUpload parses the textarea or the CSV file (exactly one of
// them). formErr is a message about the form as a whole.
func parseKeywordUpload(c echo.Context, text string) (res input.Result, formErr string, err error) {
	fh, err := c.FormFile("csv")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		fh, err = nil, nil
	}
	if err != nil {
		return res, "", badRequest("csv", "The upload could not be read.")
	}
	hasText := strings.TrimSpace(text) != ""
	switch {
	case fh != nil && hasText:
		return res, "Paste keywords or upload a CSV file, not both.", nil
	case fh == nil && !hasText:
		return res, "Paste keywords (one per line) or choose a CSV file.", nil
	case hasText:
		return input.Parse(text), "", nil
	}
	f, err := fh.Open()
	if err != nil {
		return res, "", fmt.Errorf("handlers: open upload: %w", err)
	}
	defer f.Close()
	res, err = input.ParseCSV(f)
	if err != nil {
		return res, "", badRequest("csv", "The CSV file could not be read.")
	}
	return res, "", nil
}

// keywordsImportRefused re-renders the keywords page with the import form's errors.
func (h *app) keywordsImportRefused(c echo.Context, s db.Site, imp views.KeywordImport) error {
	k, err := h.keywordsPage(c.Request().Context(), s, keywordsQuery{})
	if err != nil {
		return err
	}
	k.Import = imp
	return h.render(c, http.StatusUnprocessableEntity, views.Keywords(h.page(c, "Keywords · "+s.Name, "sites"), k))
}
