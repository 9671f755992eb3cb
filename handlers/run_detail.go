package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/automation"
	"autopress/views"
)

// runLogOnPage is how many of the newest log events the run page shows;
// the whole log is the download.
const runLogOnPage = 200

// runDetail is a run's page (GET /runs/:run) and, for htmx, its progress
// partial (GET /runs/:run/progress, which the page polls every 2 s while
// the run is active). renderPage decides between the two, so a direct visit
// to the partial's URL gets the whole page.
func (h *app) runDetail(c echo.Context) error {
	r, err := h.run(c)
	if err != nil {
		return err
	}
	d, err := h.runView(c.Request().Context(), r)
	if err != nil {
		return err
	}
	d.CSRF = csrfToken(c)
	full := func() templ.Component {
		return views.RunPage(h.page(c, "Run #"+strconv.FormatInt(r.ID, 10)+" · "+d.Site.Name, "sites"), d)
	}
	return h.renderPageLazy(c, http.StatusOK, full, views.RunProgress(d))
}

// runView gathers everything the run page shows.
func (h *app) runView(ctx context.Context, r db.Run) (views.RunDetail, error) {
	site, err := h.DB.GetSite(ctx, r.AccountID, r.SiteID)
	if err != nil {
		return views.RunDetail{}, err
	}
	loc := site.Location()
	rep, err := h.Runs.Report(ctx, r)
	if err != nil {
		return views.RunDetail{}, err
	}
	d := views.RunDetail{Site: siteInfo(site), ID: r.ID, Status: r.Status, StatusLabel: runStatusLabel(r, h.Clock.Now()), Active: r.Active(),
		Trigger: r.TriggerType, CreatedBy: r.CreatedBy, StageNumber: r.CurrentStage, HasStage: rep.HasStage, StageName: rep.Current.Name,
		Progress: rep.Progress, Buttons: runButtons(r),
		ReasonCode: r.StoppedReason, Reason: automation.ReasonText(r.StoppedReason), Detail: r.StoppedDetail, Error: r.Error,
		CreditsUsed: r.CreditsUsed, CreditCap: r.CreditCap, BudgetBase: r.BudgetBase}
	for _, s := range rep.Stages {
		sr := s.Result
		d.Stages = append(d.Stages, views.RunStage{Number: sr.Stage, Name: s.Stage.Name, Enabled: s.Enabled,
			State: stageStateWords(sr.State), Expected: sr.Expected, Processed: sr.Processed, Failed: sr.Failed, Skipped: sr.Skipped, Credits: sr.CreditsUsed,
			LimitReached: sr.LimitReached, StopReason: stopReasonWords(sr.StopReason), StopDetail: sr.StopDetail,
			Started: views.FormatSecondsPtr(sr.StartedAt, loc), Finished: views.FormatSecondsPtr(sr.FinishedAt, loc), Progress: s.Progress})
	}
	if !r.Active() {
		pending, err := h.DB.PendingCounts(ctx, site.ID)
		if err != nil {
			return views.RunDetail{}, err
		}
		for _, st := range automation.Stages {
			if n := pending[st.Number]; n > 0 {
				d.Remaining = append(d.Remaining, views.StageRemaining{Number: st.Number, Name: st.Name, Input: st.Input, Pending: n})
			}
		}
	}
	for _, s := range rep.Spend {
		d.Spend = append(d.Spend, views.OperationSpend{Operation: s.Operation, Budget: s.Budget, Spent: s.Spent})
	}
	events, total, err := h.DB.LastEvents(ctx, r.ID, runLogOnPage)
	if err != nil {
		return views.RunDetail{}, err
	}
	d.EventsTotal = total
	for _, e := range events {
		d.Events = append(d.Events, views.LogEvent{At: views.FormatSeconds(e.At, loc), Level: e.Level, Stage: e.Stage, Actor: e.Actor, Message: e.Message})
	}
	d.Times = runTimes(r, loc)
	return d, nil
}

// runTimes lists the run's timestamps that are set, in loc, to the second
// (a short run is created, started and finished within one minute).
func runTimes(r db.Run, loc *time.Location) []views.TimeRow {
	rows := []views.TimeRow{{Label: "Created", Value: views.FormatSeconds(r.CreatedAt, loc)}}
	for _, t := range []struct {
		label string
		at    *time.Time
	}{
		{"Scheduled for", r.ScheduledFor}, {"Started", r.StartedAt}, {"Paused", r.PausedAt}, {"Resumed", r.ResumedAt},
		{"Cancelled", r.CancelledAt}, {"Finished", r.CompletedAt},
	} {
		if t.at != nil {
			rows = append(rows, views.TimeRow{Label: t.label, Value: views.FormatSeconds(*t.at, loc)})
		}
	}
	return rows
}

// stopReasonWords names a stage's stop reason in a few words (the API
// keeps the code).
func stopReasonWords(code string) string {
	switch code {
	case automation.ReasonCompleted:
		return "all done"
	case automation.ReasonLimitReached:
		return "limit reached"
	case automation.ReasonBudgetExhausted:
		return "AI budget used up"
	case automation.ReasonInsufficientCredits:
		return "out of credits"
	case automation.ReasonFailed:
		return "failed"
	case automation.ReasonCancelled:
		return "cancelled"
	}
	return strings.ReplaceAll(code, "_", " ")
}

// stageStateWords names a stage's state in a run.
func stageStateWords(state string) string {
	switch state {
	case "done":
		return "done"
	case "skipped":
		return "skipped"
	case "running":
		return "working"
	case "pending", "":
		return "waiting"
	}
	return strings.ReplaceAll(state, "_", " ")
}
