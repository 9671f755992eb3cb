package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"
)

// decodeJSON reads the request body as one JSON object into v. Unknown
// fields are refused, so a misspelt field is an error rather than ignored.
// Errors are 400s with a message about the body, never about Go types.
// (The API's middleware has already refused text no field accepts:
// checkJSON.)
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		return badRequest("", "invalid JSON: the body must hold a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var he *echo.HTTPError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &he):
		return he // the body limit
	case errors.Is(err, io.EOF):
		return badRequest("", "the request body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "invalid JSON: the body ends too early")
	case errors.As(err, &syntax):
		return badRequest("", fmt.Sprintf("invalid JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("", "invalid JSON: the body must be "+jsonKind(typ.Type))
		}
		return badRequest(typ.Field, fmt.Sprintf("invalid JSON: %s must be %s", typ.Field, jsonKind(typ.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(field, fmt.Sprintf("invalid JSON: unknown field %q", field))
	}
	return badRequest("", "invalid JSON body")
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		if t.PkgPath() == "encoding/json" && t.Name() == "Number" {
			return "a number"
		}
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a number"
}
