package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
	"autopress/views"
)

// actionVerbs start the message shown after each action.
var actionVerbs = map[db.ContentAction]string{
	db.ActionApprove:          "Approved",
	db.ActionReject:           "Rejected",
	db.ActionUnschedule:       "Unscheduled",
	db.ActionPublishNow:       "Publishing now",
	db.ActionRetry:            "Retrying",
	db.ActionRequeue:          "Moved back to review",
	publishing.ActionSchedule: "Scheduled",
}

// contentAction applies a person's action to an article of the account
// (POST /content/:content/:action, actions from an allow-list), refills the
// site's queue so immediate mode and freed slots react at once, and goes
// back to the page the form came from with a message. An action the
// article's status does not allow is a message too, not an error page.
func (h *app) contentAction(c echo.Context) error {
	action := db.ContentAction(c.Param("action"))
	if !publishing.IsAction(string(action)) {
		return errNotFound
	}
	ct, s, err := h.content(c)
	if err != nil {
		return err
	}
	back := localPath(c.FormValue("back"))
	if back == "" {
		back = fmt.Sprintf("/sites/%d/content", s.ID)
	}
	ctx := c.Request().Context()
	u := userOf(c)
	if action == db.ActionPublishNow && ct.ApprovedAt == nil && c.FormValue("confirm") != "yes" {
		// Nobody approved it: publishing approves it in the person's
		// name, so ask first.
		return h.render(c, http.StatusOK, views.ConfirmPublishPage(h.page(c, "Publish now? · "+ct.Title, "sites"),
			views.ConfirmPublish{Site: siteInfo(s), ID: ct.ID, Title: ct.Title, Actor: u.Email, Back: back}))
	}
	if action == publishing.ActionSchedule {
		err = h.scheduleContent(c, ct, s)
	} else {
		err = h.DB.ApplyContentAction(ctx, u.AccountID, ct.ID, action, u.Email, h.Clock.Now())
	}
	var refused *actionRefused
	var te *db.TransitionError
	switch {
	case errors.As(err, &refused):
		h.flashError(c, refused.msg)
		return c.Redirect(http.StatusSeeOther, back)
	case errors.As(err, &te):
		h.flashError(c, fmt.Sprintf("Cannot %s “%s”: it is %s now.", strings.ReplaceAll(string(action), "-", " "), ct.Title, te.Status))
		return c.Redirect(http.StatusSeeOther, back)
	case errors.Is(err, db.ErrConflict):
		h.flashError(c, fmt.Sprintf("“%s” changed in the meantime, or its slot was just taken: try again.", ct.Title))
		return c.Redirect(http.StatusSeeOther, back)
	case err != nil:
		return err
	}
	h.fillQueue(ctx, s.ID)
	h.flash(c, h.actionDone(ctx, action, ct, s))
	return c.Redirect(http.StatusSeeOther, back)
}

// actionRefused is an action refused for the user's input, with the
// message to show.
type actionRefused struct{ msg string }

func (e *actionRefused) Error() string { return e.msg }

// actionDone describes the article after the action and the queue refill:
// where it is now, in the site's time zone.
func (h *app) actionDone(ctx context.Context, action db.ContentAction, ct db.Content, s db.Site) string {
	msg := fmt.Sprintf("%s “%s”", actionVerbs[action], ct.Title)
	now, err := h.DB.GetContent(ctx, s.AccountID, ct.ID)
	if err != nil {
		return msg + "."
	}
	switch {
	case action == db.ActionRetry && now.Status == db.ContentDraft:
		return msg + ": it failed before publishing, so it is a draft again; the next run works on it."
	case action == db.ActionPublishNow || action == db.ActionRetry:
		return msg + ": the publisher takes it within a minute."
	case action == publishing.ActionSchedule && now.ScheduledAt != nil:
		return msg + " for " + views.FormatTime(*now.ScheduledAt, s.Location()) + "."
	case now.Status == db.ContentScheduled && now.ScheduledAt != nil:
		return msg + ": scheduled for " + views.FormatTime(*now.ScheduledAt, s.Location()) + "."
	case now.Status == db.ContentApproved && now.UnscheduledReason != "":
		return msg + ". Not scheduled: " + now.UnscheduledReason
	}
	return msg + "."
}
