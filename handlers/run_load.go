package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/automation"
	"autopress/views"
)

// run loads the :run of the request's account: another account's run is a
// 404, like one that does not exist.
func (h *app) run(c echo.Context) (db.Run, error) {
	id, err := idParam(c, "run")
	if err != nil {
		return db.Run{}, err
	}
	return h.DB.GetRun(c.Request().Context(), userOf(c).AccountID, id)
}

// runStatusLabel is a run's status as the pages say it at now: a paused run
// whose executor still finishes the items in flight (it holds a live lease)
// is "pausing…".
func runStatusLabel(r db.Run, now time.Time) string {
	if r.Draining(now) {
		return "pausing…"
	}
	return r.Status
}

// runButtons are the transitions the run's status allows.
func runButtons(r db.Run) views.RunButtons {
	return views.RunButtons{RunID: r.ID, CanPause: r.Status == db.RunRunning,
		CanResume: r.Status == db.RunPaused, CanCancel: r.Active()}
}

// runRows turns runs into list rows, times in loc.
func (h *app) runRows(ctx context.Context, runs []db.Run, loc *time.Location) ([]views.RunRow, error) {
	rows := make([]views.RunRow, 0, len(runs))
	for _, r := range runs {
		p := 100
		if r.Status != db.RunCompleted {
			rep, err := h.Runs.Report(ctx, r)
			if err != nil {
				return nil, err
			}
			p = rep.Progress
		}
		row := views.RunRow{ID: r.ID, Status: r.Status, StatusLabel: runStatusLabel(r, h.Clock.Now()), Trigger: r.TriggerType, CreatedBy: r.CreatedBy,
			Created: views.FormatSeconds(r.CreatedAt, loc), CreatedAgo: views.Relative(r.CreatedAt, h.Clock.Now()),
			Finished: views.FormatSecondsPtr(runEnd(r), loc), Progress: p, Credits: r.CreditsUsed}
		if !r.Active() {
			row.Reason = automation.ReasonText(r.StoppedReason)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// runEnd is when a run ended (nil while active).
func runEnd(r db.Run) *time.Time {
	if r.CompletedAt != nil {
		return r.CompletedAt
	}
	return r.CancelledAt
}

// runLink is the path of a run's page.
func runLink(id int64) string { return fmt.Sprintf("/runs/%d", id) }
