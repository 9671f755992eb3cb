package handlers

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// runLogPage is how many events one query of the log download reads.
const runLogPage = 1000

// runLog downloads a run's whole log as text, oldest first, one line per
// event: time (site time zone, RFC 3339), level, stage, actor and message,
// separated by tabs.
func (h *app) runLog(c echo.Context) error {
	r, err := h.run(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	site, err := h.DB.GetSite(ctx, r.AccountID, r.SiteID)
	if err != nil {
		return err
	}
	loc := site.Location()
	// Read the first page before answering, so a failing database is still
	// an error page rather than a cut-off file.
	events, err := h.DB.ListEvents(ctx, r.ID, 0, runLogPage)
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "text/plain; charset=utf-8")
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="run-%d.log"`, r.ID))
	c.Response().WriteHeader(http.StatusOK)
	w := bufio.NewWriter(c.Response())
	for len(events) > 0 {
		for _, e := range events {
			stage := "-"
			if e.Stage > 0 {
				stage = fmt.Sprintf("stage %d", e.Stage)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.At.In(loc).Format(time.RFC3339), e.Level, stage, e.Actor, oneLine(e.Message))
		}
		if len(events) < runLogPage {
			break
		}
		if events, err = h.DB.ListEvents(ctx, r.ID, events[len(events)-1].ID, runLogPage); err != nil {
			// The status is sent; all that is left is to stop and log it.
			h.Log.ErrorContext(ctx, "run log download cut short", "run_id", r.ID, "error", err)
			break
		}
	}
	return w.Flush()
}

// oneLine keeps a message on its line of the log file.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}
