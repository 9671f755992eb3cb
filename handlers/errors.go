package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/views"
)

// fieldError is an error whose message the user may read: a status, the
// form or JSON field it is about (optional) and the message.
type fieldError struct {
	Status int
	Field  string
	Msg    string
}

func (e *fieldError) Error() string { return e.Msg }

// errNotFound is the answer for anything missing or not the user's: other
// accounts' ids and admin pages for non-admins look exactly like ids that
// do not exist.
var errNotFound = &fieldError{Status: http.StatusNotFound, Msg: "Not found"}

func badRequest(field, msg string) error {
	return &fieldError{Status: http.StatusBadRequest, Field: field, Msg: msg}
}

func unprocessable(field, msg string) error {
	return &fieldError{Status: http.StatusUnprocessableEntity, Field: field, Msg: msg}
}

// errUnavailable is the answer while the database cannot be reached: a 503
// with Retry-After, which clients and proxies may try again.
var errUnavailable = &fieldError{Status: http.StatusServiceUnavailable,
	Msg: "The database cannot be reached right now. Nothing was changed; try again in a few seconds."}

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "5"

// publicError maps err to what the client may see. Anything it does not
// recognise is a 500 whose text stays in the log.
func publicError(err error) *fieldError {
	var fe *fieldError
	var he *echo.HTTPError
	var active *db.ActiveRunError
	var transition *db.TransitionError
	var notAllowed *db.NotAllowedError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.Is(err, db.ErrUnavailable):
		return errUnavailable
	case errors.As(err, &active):
		return &fieldError{Status: http.StatusConflict, Msg: active.Error()}
	case errors.As(err, &transition):
		return &fieldError{Status: http.StatusConflict, Msg: transition.Error()}
	case errors.As(err, &notAllowed):
		return &fieldError{Status: http.StatusConflict, Msg: upperFirst(notAllowed.Error()) + "."}
	case errors.Is(err, db.ErrStale):
		return &fieldError{Status: http.StatusConflict, Field: "version", Msg: "It changed since you loaded it: nothing was saved. Load it again."}
	case errors.Is(err, db.ErrNotFound):
		return errNotFound
	case errors.Is(err, db.ErrRunActive):
		return &fieldError{Status: http.StatusConflict, Msg: "A run is already active for this site."}
	case errors.Is(err, db.ErrConflict):
		return &fieldError{Status: http.StatusConflict, Msg: "This changed in the meantime. Reload and try again."}
	case errors.Is(err, db.ErrDuplicate):
		return &fieldError{Status: http.StatusConflict, Msg: "That already exists."}
	case errors.Is(err, db.ErrInsufficientCredits):
		return &fieldError{Status: http.StatusConflict, Msg: "Not enough credits."}
	case errors.As(err, &he):
		return httpErrorMessage(he)
	}
	return &fieldError{Status: http.StatusInternalServerError}
}

// httpErrorMessage keeps Echo's own 4xx messages (routing, body limit) and
// hides the rest.
func httpErrorMessage(he *echo.HTTPError) *fieldError {
	switch he.Code {
	case http.StatusNotFound:
		return errNotFound
	case http.StatusMethodNotAllowed:
		return &fieldError{Status: he.Code, Msg: "Method not allowed"}
	case http.StatusRequestEntityTooLarge:
		return &fieldError{Status: he.Code, Msg: "The request is too large (at most " + bodyLimit + "B)."}
	}
	if msg, ok := he.Message.(string); ok && he.Code < 500 {
		return &fieldError{Status: he.Code, Msg: msg}
	}
	if he.Code < 500 {
		return &fieldError{Status: he.Code, Msg: http.StatusText(he.Code)}
	}
	return &fieldError{Status: he.Code}
}

// handleError is the app's one HTTPErrorHandler: JSON under /api/, an
// error page (or an htmx partial) elsewhere. Errors of 500 and above are
// logged with the request id, which the user sees instead of the error text.
func (h *app) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	pe := publicError(err)
	rid := requestID(c)
	switch {
	case pe == errUnavailable:
		// Not a fault of this server: said as it is, and logged as a warning.
		h.Log.WarnContext(c.Request().Context(), "database unavailable", "error", err, "request_id", rid,
			"method", c.Request().Method, "path", c.Request().URL.Path)
		c.Response().Header().Set(echo.HeaderRetryAfter, retryAfter)
	case pe.Status >= 500:
		msg := "request failed"
		if errors.Is(err, context.Canceled) {
			msg = "request cancelled"
		}
		h.Log.ErrorContext(c.Request().Context(), msg, "error", err, "request_id", rid,
			"method", c.Request().Method, "path", c.Request().URL.Path, "status", pe.Status)
		pe = &fieldError{Status: pe.Status, Msg: fmt.Sprintf("Something went wrong (request id %s).", rid)}
	}
	if pe.Status == http.StatusUnauthorized && isAPI(c) {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="autopress"`)
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(pe.Status)
	case isAPI(c):
		werr = c.JSON(pe.Status, apiError{Error: pe.Msg, Field: pe.Field})
	case wantsPartial(c):
		werr = h.render(c, pe.Status, views.ErrorPartial(pe.Msg))
	default:
		werr = h.render(c, pe.Status, views.ErrorPage(h.page(c, http.StatusText(pe.Status), ""), pe.Status, pe.Msg))
	}
	if werr != nil {
		h.Log.WarnContext(c.Request().Context(), "writing the error response failed", "error", werr, "request_id", rid)
	}
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
