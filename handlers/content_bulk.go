package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/publishing"
)

// maxBulkIDs bounds the articles one bulk request may list (a filter's
// "all matching" has no such bound).
const maxBulkIDs = 5000

// bulkDone start the message after each bulk action.
var bulkDone = map[db.BulkAction]string{
	db.BulkApprove:  "Approved",
	db.BulkReject:   "Rejected",
	db.BulkSchedule: "Scheduled",
	db.BulkDraft:    "Sent back to draft:",
	db.BulkReview:   "Sent to review:",
}

// bulkInput is a bulk action as a form or the API sends it.
type bulkInput struct {
	Action string  `json:"action"`
	IDs    []int64 `json:"ids"`
	// All chooses every article of the site in Status ("" any); Expect is
	// how many the client saw.
	All    bool   `json:"all"`
	Status string `json:"status"`
	Expect int    `json:"expect"`
}

// validate checks a bulk action's input: 422 naming the field.
func (in bulkInput) validate() error {
	switch {
	case !db.IsBulkAction(in.Action):
		return unprocessable("action", "Choose an action: approve, reject, schedule, draft or review.")
	case in.Status != "" && !slices.Contains(contentStatuses, in.Status):
		return unprocessable("status", "Unknown content status "+strconv.Quote(in.Status)+".")
	case in.All && in.Expect <= 0:
		return unprocessable("expect", "Say how many articles the filter matched when you chose them (expect).")
	case !in.All && len(in.IDs) == 0:
		return unprocessable("ids", "Choose at least one article.")
	case len(in.IDs) > maxBulkIDs:
		return unprocessable("ids", fmt.Sprintf("Choose at most %d articles by id, or all matching a filter.", maxBulkIDs))
	}
	for _, id := range in.IDs {
		if id <= 0 {
			return unprocessable("ids", fmt.Sprintf("%d is not an article id.", id))
		}
	}
	return nil
}

// runBulk applies a validated bulk action to the site's articles in one
// transaction and refills the site's queue (an approval may be scheduled
// at once). It returns how many articles moved.
func (h *app) runBulk(c echo.Context, s db.Site, in bulkInput) (int, error) {
	u := userOf(c)
	now := h.Clock.Now()
	loc := s.Location()
	req := db.BulkRequest{AccountID: u.AccountID, SiteID: s.ID, Action: db.BulkAction(in.Action), IDs: in.IDs,
		All: in.All, Status: in.Status, Expect: in.Expect, Actor: u.Email, Now: now,
		Slots: func(p db.PublishingSettings, taken []time.Time, n int) ([]time.Time, error) {
			return publishing.NextSlots(p, loc, now, taken, n)
		}}
	n, err := h.DB.BulkContent(c.Request().Context(), req)
	if err == nil {
		h.fillQueue(c.Request().Context(), s.ID)
	}
	return n, err
}

// bulkRefused is the message for a bulk action the database refused (ok
// false: another error), and its status for the API.
func bulkRefused(err error) (*fieldError, bool) {
	var blocked *db.BulkBlockedError
	var changed *db.FilterChangedError
	var unknown *db.UnknownArticlesError
	switch {
	case errors.As(err, &blocked):
		return &fieldError{Status: http.StatusConflict, Field: "ids", Msg: blocked.Error()}, true
	case errors.As(err, &changed):
		return &fieldError{Status: http.StatusConflict, Field: "expect", Msg: changed.Error()}, true
	case errors.As(err, &unknown):
		return &fieldError{Status: http.StatusUnprocessableEntity, Field: "ids", Msg: unknown.Error()}, true
	case errors.Is(err, db.ErrNoSlots):
		return &fieldError{Status: http.StatusUnprocessableEntity, Field: "action",
			Msg: "Nothing was scheduled: the publishing settings give no free slot (choose publishing days and times on the Publishing page)."}, true
	case errors.Is(err, db.ErrConflict):
		return &fieldError{Status: http.StatusConflict, Msg: "Nothing was done: some of the articles changed in the meantime. Reload and try again."}, true
	}
	return nil, false
}

// contentBulk applies a bulk action from the content list (the ids ticked,
// or all articles matching the list's filter) and goes back to the list
// with what happened.
func (h *app) contentBulk(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("", "The form could not be read.")
	}
	in := bulkInput{Action: c.FormValue("action"), All: c.FormValue("all") == "1", Status: c.FormValue("status")}
	in.Expect, _ = strconv.Atoi(c.FormValue("expect"))
	if !in.All {
		for _, v := range form["ids"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return unprocessable("ids", strconv.Quote(v)+" is not an article id.")
			}
			in.IDs = append(in.IDs, id)
		}
	}
	back := localPath(c.FormValue("back"))
	if back == "" {
		back = fmt.Sprintf("/sites/%d/content", s.ID)
	}
	if !in.All && len(in.IDs) == 0 && db.IsBulkAction(in.Action) {
		h.flashError(c, "Choose the articles first: tick them, or “all matching this filter”.")
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err := in.validate(); err != nil {
		return err
	}
	n, err := h.runBulk(c, s, in)
	if fe, ok := bulkRefused(err); ok {
		if fe.Status == http.StatusUnprocessableEntity && fe.Field == "ids" {
			return fe
		}
		h.flashError(c, fe.Msg)
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	h.flash(c, fmt.Sprintf("%s %s.", bulkDone[db.BulkAction(in.Action)], pluralArticles(n)))
	return c.Redirect(http.StatusSeeOther, back)
}

func pluralArticles(n int) string {
	if n == 1 {
		return "1 article"
	}
	return fmt.Sprintf("%d articles", n)
}
