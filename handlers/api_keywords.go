package handlers

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/handlers/input"
)

// apiKeywordsRequest is the body of a keyword import: either a list of
// keywords with optional metrics, or text with one keyword per line.
type apiKeywordsRequest struct {
	Keywords []apiKeyword `json:"keywords"`
	Text     *string      `json:"text"`
}

type apiKeyword struct {
	Keyword string `json:"keyword"`
	// Volume and Difficulty stay numbers as sent, so 1.5 or -3 becomes a
	// row error like in a CSV instead of failing the whole body.
	Volume     json.Number `json:"volume"`
	Difficulty json.Number `json:"difficulty"`
}

// apiImportRefused is the 422 body of a batch with row errors.
type apiImportRefused struct {
	apiError
	Rows []input.RowError `json:"rows"`
}

// apiKeywordsImport imports keywords, all or nothing like the page: 201
// with the counts when something new was stored, 200 when all were already
// there, 422 with every refused row otherwise.
func (h *app) apiKeywordsImport(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	var req apiKeywordsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var res input.Result
	switch {
	case len(req.Keywords) > 0 && req.Text != nil:
		return unprocessable("keywords", "send either keywords or text, not both")
	case len(req.Keywords) > 0:
		res = parseKeywordItems(req.Keywords)
	case req.Text != nil:
		res = input.Parse(*req.Text)
	}
	if len(res.Rows) == 0 && len(res.Errors) == 0 {
		return unprocessable("keywords", `no keywords: send "keywords" (a list) or "text" (one keyword per line)`)
	}
	if n := len(res.Errors); n > 0 {
		msg := fmt.Sprintf("%d rows have errors", n)
		if n == 1 {
			msg = "1 row has errors"
		}
		return c.JSON(http.StatusUnprocessableEntity, apiImportRefused{apiError{Error: msg, Field: "keywords"}, res.Errors})
	}
	counts, err := importBatch(c.Request().Context(), h.DB, s.ID, res, h.Clock.Now())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if counts.Imported > 0 {
		status = http.StatusCreated
	}
	return c.JSON(status, counts)
}

// parseKeywordItems validates JSON items with exactly the rules of a CSV
// import by writing them as CSV and parsing that; a header row goes first
// so a keyword that is literally "keyword" is not taken for one. Line
// numbers in the result are the items' positions (1-based).
func parseKeywordItems(items []apiKeyword) input.Result {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"keyword", "volume", "difficulty"})
	for _, it := range items {
		w.Write([]string{it.Keyword, it.Volume.String(), it.Difficulty.String()})
	}
	w.Flush()
	// Reading from a bytes.Buffer cannot fail.
	res, _ := input.ParseCSV(&buf)
	for i := range res.Rows {
		res.Rows[i].Line--
	}
	for i := range res.Errors {
		e := &res.Errors[i]
		e.Line--
		if e.Input != "" && e.Line >= 1 && e.Line <= len(items) {
			e.Input = items[e.Line-1].Keyword
		}
	}
	return res
}
