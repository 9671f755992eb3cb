package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"autopress/handlers/input"
)

// multilineFields are the form and JSON fields that hold several lines
// (textareas): the only ones where line breaks and tabs are text.
var multilineFields = map[string]bool{
	"text":        true, // keywords, one per line (the page's textarea, the API's "text")
	"brand_voice": true, // a writing profile's house rules
	"avoid":       true, // a writing profile's words to avoid, one per line
	"summary":     true, // an idea's summary
	"prompt":      true, // an image prompt
	"excerpt":     true, // an article's excerpt
	"body":        true, // an article's body (the editor's HTML)
	"html":        true, // an article's body in the API
}

// checkForm refuses a form (the body's fields and the query's, which
// handlers read alike) whose values are not text any field accepts
// (input.Text: invalid UTF-8, NUL and other control characters, bidi
// overrides, a single-line value over input.MaxLine characters), before a
// handler sees it: 422 naming the field. It covers every form, fields a
// handler never reads included; the forms' own validation adds each
// field's limits on top and re-renders the form.
func (h *app) checkForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead || isAPI(c) {
			return next(c)
		}
		form, err := c.FormParams()
		if err != nil {
			return badRequest("", "The form could not be read.")
		}
		for _, name := range slices.Sorted(maps.Keys(form)) {
			for _, v := range form[name] {
				if err := (input.Text{Multiline: multilineFields[name]}).Check(v); err != nil {
					return unprocessable(name, fmt.Sprintf("The field %q was refused: %s", name, err))
				}
			}
		}
		return next(c)
	}
}

// checkJSON guards the API's request bodies: a body not declared as JSON
// (Content-Type: application/json, charset UTF-8 if any) is a 415, and a
// JSON body with a string no field accepts, anywhere in it, keys included,
// a 422 naming its field (checkJSONText) — before any handler reads it.
// Requests without a body pass.
func (h *app) checkJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
		charset, hasCharset := params["charset"]
		if err != nil || mt != echo.MIMEApplicationJSON || (hasCharset && !strings.EqualFold(charset, "utf-8")) {
			return &fieldError{Status: http.StatusUnsupportedMediaType,
				Msg: "send the body as JSON with Content-Type: application/json"}
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return jsonError(err) // the body limit
		}
		if err := checkJSONText(body); err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		return next(c)
	}
}

// checkJSONText checks every string of a JSON body, object keys included,
// with input.Text: several lines only in the top-level multilineFields, a
// single line of at most input.MaxLine characters elsewhere
// (each field's own limits are its validator's). A refused string, or a
// byte that is not UTF-8 (which decoding would silently replace), is a 422
// naming the top-level field it is in. A body that is not JSON passes:
// decoding says what is wrong with it.
func checkJSONText(body []byte) error {
	bad := -1 // offset of the first byte that is not UTF-8
	if !utf8.Valid(body) {
		for i := 0; i < len(body); {
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				bad = i
				break
			}
			i += n
		}
	}
	// containers are the open objects and arrays; for an object, whether
	// its next string is a key.
	type container struct{ object, wantKey bool }
	var open []container
	field := "" // the top-level field being read
	refuse := func(msg string) error {
		if field == "" {
			return unprocessable("", msg)
		}
		return unprocessable(field, field+": "+msg)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: decoding reports it
		}
		end := dec.InputOffset()
		isKey := len(open) > 0 && open[len(open)-1].object && open[len(open)-1].wantKey
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				open = append(open, container{object: t == '{', wantKey: t == '{'})
				continue
			}
			open = open[:len(open)-1]
			isKey = false // the container closed was a value
		case string:
			invalid := bad >= 0 && bad < int(end)
			if isKey {
				// A refused name is not repeated in the answer.
				if err := input.Line(0).Check(t); err != nil || invalid {
					return unprocessable("", "a field name was refused: it must be plain text on one line")
				}
				if len(open) == 1 {
					field = t
				}
				break
			}
			if invalid {
				return refuse("This is not valid UTF-8 text.")
			}
			if err := (input.Text{Multiline: multilineFields[field]}).Check(t); err != nil {
				return refuse(err.Error())
			}
		}
		// A key is followed by its value; a value (or a closed container)
		// by the next key.
		if len(open) > 0 && open[len(open)-1].object {
			open[len(open)-1].wantKey = !isKey
		}
	}
}
