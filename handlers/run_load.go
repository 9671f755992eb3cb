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

// runButtons are the transitions the run's status allows.
func runButtons(r db.Run) views.RunButtons {
	return views.RunButtons{RunID: r.ID, CanPause: r.Status == db.RunRunning,
		CanResume: r.Status == db.RunPaused, CanCancel: r.Active()}
}

// runRows turns runs into list rows, times in loc, from one query of their
// stage results.
func (h *app) runRows(ctx context.Context, runs []db.Run, loc *time.Location) ([]views.RunRow, error) {
	reps, err := h.Runs.Reports(ctx, runs)
	if err != nil {
		return nil, err
	}
	rows := make([]views.RunRow, 0, len(runs))
	for i, r := range runs {
		rep := reps[i]
		row := views.RunRow{ID: r.ID, Outcome: runOutcome(rep.Outcome), Trigger: r.TriggerType, CreatedBy: r.CreatedBy,
			Created: views.FormatSeconds(r.CreatedAt, loc), CreatedAgo: views.Relative(r.CreatedAt, h.Clock.Now()),
			Took: views.Duration(rep.Worked), Progress: rep.Progress, ShowPercent: rep.Outcome.Code != automation.OutcomeNothingToDo,
			Credits: r.CreditsUsed}
		if !r.Active() {
			row.Summary = rep.Outcome.Summary
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// runLink is the path of a run's page.
func runLink(id int64) string { return fmt.Sprintf("/runs/%d", id) }
