package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"autopress/db"
)

// contentRetryFailed retries every failed article of a site at once
// (POST /sites/:site/content/retry-failed): publishing failures go back in
// the queue, due now; pipeline failures become drafts again. It returns to
// the page the form came from with a message.
func (h *app) contentRetryFailed(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	back := localPath(c.FormValue("back"))
	if back == "" {
		back = fmt.Sprintf("/sites/%d/content?status=failed", s.ID)
	}
	ctx := c.Request().Context()
	n, err := h.DB.RetryFailed(ctx, userOf(c).AccountID, s.ID, h.Clock.Now())
	switch {
	case errors.Is(err, db.ErrConflict):
		h.flashError(c, "Some articles changed in the meantime: try again.")
		return c.Redirect(http.StatusSeeOther, back)
	case err != nil:
		return err
	}
	h.fillQueue(ctx, s.ID)
	h.flash(c, retriedMessage(n))
	return c.Redirect(http.StatusSeeOther, back)
}

func retriedMessage(n int) string {
	switch n {
	case 0:
		return "No failed articles to retry."
	case 1:
		return "Retrying 1 failed article: if it failed at publishing, the publisher takes it within a minute; if it failed before, it is a draft again for the next run."
	}
	return fmt.Sprintf("Retrying %d failed articles: those that failed at publishing are due now and go out within a minute; those that failed before are drafts again for the next run.", n)
}

// apiRetryFailed is the API's bulk retry
// (POST /api/v1/sites/:site/content/retry-failed): {"retried": n}.
func (h *app) apiRetryFailed(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	n, err := h.DB.RetryFailed(ctx, userOf(c).AccountID, s.ID, h.Clock.Now())
	if errors.Is(err, db.ErrConflict) {
		return c.JSON(http.StatusConflict, apiError{Error: "some articles changed in the meantime: try again"})
	}
	if err != nil {
		return err
	}
	h.fillQueue(ctx, s.ID)
	return c.JSON(http.StatusOK, map[string]int{"retried": n})
}
