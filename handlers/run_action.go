package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// runTransitions are the status changes a person may ask for, by verb,
// with the word the confirmation uses.
var runTransitions = map[string]string{"pause": "paused", "resume": "resumed", "cancel": "cancelled"}

// transition applies a verb of runTransitions through the run service.
func (h *app) transition(ctx context.Context, verb string, accountID, runID int64, actor string) (db.Run, error) {
	switch verb {
	case "pause":
		return h.Runs.Pause(ctx, accountID, runID, actor)
	case "resume":
		return h.Runs.Resume(ctx, accountID, runID, actor)
	case "cancel":
		return h.Runs.Cancel(ctx, accountID, runID, actor)
	}
	return db.Run{}, fmt.Errorf("handlers: unknown run transition %q", verb)
}

// runAction returns the handler of POST /runs/:run/<verb>: it changes the
// run's status and goes back to the run page with a message. A transition
// the run's status does not allow ("Cannot pause a completed run") is a
// message, not an error page.
func (h *app) runAction(verb string) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, err := h.run(c)
		if err != nil {
			return err
		}
		u := userOf(c)
		_, err = h.transition(c.Request().Context(), verb, u.AccountID, r.ID, u.Email)
		var bad *db.TransitionError
		switch {
		case errors.As(err, &bad):
			h.flashError(c, transitionMessage(bad))
		case err != nil:
			return err
		default:
			h.flash(c, fmt.Sprintf("Run #%d %s.", r.ID, runTransitions[verb]))
		}
		return c.Redirect(http.StatusSeeOther, runLink(r.ID))
	}
}

// transitionMessage is a refused transition in a sentence:
// "Cannot pause a completed run".
func transitionMessage(e *db.TransitionError) string {
	msg := e.Error()
	return strings.ToUpper(msg[:1]) + msg[1:]
}
