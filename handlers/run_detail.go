package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
	"autopress/views"
)

// runLogOnPage is how many of the newest log events the run page shows;
// the whole log is the download.
const runLogOnPage = 200

// runDetail is a run's page (GET /runs/:run) and, for htmx, its progress
// partial (GET /runs/:run/progress, which the page polls every 2 s while
// the run is active). wantsPartial decides between the two, so a direct
// visit to the partial's URL gets the whole page.
func (h *app) runDetail(c echo.Context) error {
	r, err := h.run(c)
	if err != nil {
		return err
	}
	if wantsPartial(c) {
		return h.runProgress(c, r)
	}
	d, at, err := h.runState(c, r)
	if err != nil {
		return err
	}
	if d.Log, err = h.keptRunLog(c, at); err != nil {
		return err
	}
	full := func() templ.Component {
		return views.RunPage(h.page(c, "Run #"+strconv.FormatInt(r.ID, 10)+" · "+d.Site.Name, "sites"), d)
	}
	return h.renderPageLazy(c, http.StatusOK, full, views.RunProgress(d))
}

// runProgress answers the partial the page polls, named (ETag) before
// anything is drawn: by the view data of the run (its row, site, stage
// results and spend, all small) and the mark of its log, so a poll of an
// unchanged run reads neither the log nor draws the fragment.
func (h *app) runProgress(c echo.Context, r db.Run) error {
	c.Response().Header().Add(echo.HeaderVary, hxRequest)
	d, at, err := h.runState(c, r)
	if err != nil {
		return err
	}
	tag, err := runProgressTag(d, at)
	if err != nil {
		return err
	}
	return h.renderRevalidated(c, tag, func() (templ.Component, error) {
		if d.Log, err = h.keptRunLog(c, at); err != nil {
			return nil, err
		}
		return views.RunProgress(d), nil
	})
}

// runProgressTag names the progress fragment by what it is drawn from:
// the view data without the log and the spend chart (so the run, its
// stages, spend, times, buttons and the CSRF token of their forms), the
// log's mark and the reader's filter and order (the log's lines and counts
// follow from those, as the chart follows from the spend), and the program
// that draws it.
func runProgressTag(d views.RunDetail, at runLogAt) (string, error) {
	d.Log, d.SpendChart = views.RunLog{}, nil
	key := struct {
		Program string
		View    views.RunDetail
		Log     runLogChoice
		Mark    int64
	}{renderProgram(), d, at.Choice, at.Mark}
	sum := sha256.New()
	if err := json.NewEncoder(sum).Encode(key); err != nil {
		return "", err
	}
	return `W/"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:18]) + `"`, nil
}

// renderRevalidated answers a fragment the browser polls, named tag by
// what it is drawn from. A request whose If-None-Match holds that name gets
// 304 with no body and render is not called, so a poll of an unchanged run
// sends nothing and costs little; Cache-Control: no-cache makes the
// browser ask each time (htmx's request then gets the copy the browser
// kept). The tag is weak: the same fragment compressed on the way is still
// the same.
func (h *app) renderRevalidated(c echo.Context, tag string, render func() (templ.Component, error)) error {
	hdr := c.Response().Header()
	if etagMatches(c.Request().Header.Get("If-None-Match"), tag) {
		hdr.Set("ETag", tag)
		hdr.Set(echo.HeaderCacheControl, "no-cache")
		return c.NoContent(http.StatusNotModified)
	}
	component, err := render()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := component.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	// Named only once drawn: an error page must not carry the tag.
	hdr.Set("ETag", tag)
	hdr.Set(echo.HeaderCacheControl, "no-cache")
	hdr.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	return c.Blob(http.StatusOK, echo.MIMETextHTMLCharsetUTF8, buf.Bytes())
}

// renderProgram names the program that draws the pages, for tags derived
// from a page's data: a new release may draw the same data differently. A
// build from a commit is named by it (every instance of a release agrees);
// any other (uncommitted changes, no VCS stamp, tests) by its start.
var renderProgram = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, modified := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" && !modified {
			return rev
		}
	}
	return time.Now().Format(time.RFC3339Nano)
})

// etagMatches is the weak comparison of If-None-Match: any of its tags,
// W/ or not, names the same fragment as tag ("*" names any).
func etagMatches(ifNoneMatch, tag string) bool {
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// runLogAt is what the part of a run's log a page shows is read by: the
// run, the log's mark (its newest line), the reader's filter and order, and
// the site's time zone.
type runLogAt struct {
	RunID  int64
	Mark   int64
	Choice runLogChoice
	Loc    *time.Location
}

// runState gathers what the run page shows save the log (keptRunLog reads
// it, at the returned mark): reads of the run's site, stage results, spend
// and newest log line, each small however large the run, and the spend
// chart, drawn once per set of figures. The CSRF token is the partial's
// own (it is drawn without the layout).
func (h *app) runState(c echo.Context, r db.Run) (views.RunDetail, runLogAt, error) {
	ctx := c.Request().Context()
	site, err := h.DB.GetSite(ctx, r.AccountID, r.SiteID)
	if err != nil {
		return views.RunDetail{}, runLogAt{}, err
	}
	loc := site.Location()
	rep, err := h.Runs.Report(ctx, r)
	if err != nil {
		return views.RunDetail{}, runLogAt{}, err
	}
	o := rep.Outcome
	d := views.RunDetail{Site: siteInfo(site), CSRF: csrfToken(c), ID: r.ID, Outcome: runOutcome(o), Active: r.Active(),
		Trigger: r.TriggerType, CreatedBy: r.CreatedBy, Progress: rep.Progress, ShowPercent: o.Code != automation.OutcomeNothingToDo,
		ProgressNote: progressNote(o.Code, rep.Progress), Timing: runTiming(rep), Buttons: runButtons(r), Pipeline: runPipeline(rep),
		Stages: runStages(rep, loc), Error: r.Error, CreditsUsed: r.CreditsUsed, CreditCap: r.CreditCap, BudgetBase: r.BudgetBase,
		ProviderWait: providerWaitText(rep.ProviderWait), Times: runTimes(r, loc)}
	if rep.HasStage && r.Active() {
		d.Stage = fmt.Sprintf("Stage %d of %d: %s", rep.Current.Number, automation.Stages.Last(), rep.Current.Name)
	}
	if !r.Active() {
		pending, err := h.DB.PendingCounts(ctx, site.ID)
		if err != nil {
			return views.RunDetail{}, runLogAt{}, err
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
	if d.SpendChart, err = h.runSpendChart(rep.Spend); err != nil {
		return views.RunDetail{}, runLogAt{}, err
	}
	mark, err := h.DB.NewestEventID(ctx, r.ID)
	if err != nil {
		return views.RunDetail{}, runLogAt{}, err
	}
	return d, runLogAt{RunID: r.ID, Mark: mark, Choice: runLogChoiceOf(c), Loc: loc}, nil
}

// runStages is the table of the run's stage results, times in loc.
func runStages(rep automation.Report, loc *time.Location) []views.RunStage {
	var out []views.RunStage
	for _, s := range rep.Stages {
		sr := s.Result
		rs := views.RunStage{Number: sr.Stage, Name: s.Stage.Name, Enabled: s.Enabled,
			State: stageStateWords(sr.State), Expected: sr.Expected, Processed: sr.Processed, Failed: sr.Failed, Skipped: sr.Skipped, Credits: sr.CreditsUsed,
			LimitReached: sr.LimitReached, StopReason: stopReasonWords(sr.StopReason), StopDetail: sr.StopDetail,
			Started: views.FormatSecondsPtr(sr.StartedAt, loc), Progress: s.Progress}
		if s.HasDuration {
			rs.Duration = views.Duration(s.Duration)
		}
		out = append(out, rs)
	}
	return out
}

// keptRunLog reads the part of the run's log at asks for, once per mark of
// the log, choice and time zone, and keeps it: a working run's partial
// changes every second (its clock) while its log changes less often, and
// everyone watching the run reads the same lines.
func (h *app) keptRunLog(c echo.Context, at runLogAt) (views.RunLog, error) {
	key := fmt.Sprintf("%d:%d:%s:%t:%s", at.RunID, at.Mark, at.Choice.Filter, at.Choice.NewestFirst, at.Loc)
	return h.runLogs.get(key, func() (views.RunLog, error) { return h.runLogView(c, at) })
}

// runSpendChart is the chart of a run's budget and spend per AI function.
func (h *app) runSpendChart(spend []db.OperationSpend) (*views.Chart, error) {
	var k strings.Builder
	k.WriteString("spend:")
	for _, s := range spend {
		fmt.Fprintf(&k, "%s:%d:%d;", s.Operation, s.Budget, s.Spent)
	}
	return h.charts.get(k.String(), func() (*views.Chart, error) {
		return budgetChart("run-spend-chart", "Budget and spend per AI function", spend)
	})
}

// logLevels are the levels each log filter keeps (nil: all).
var logLevels = map[string][]string{"": nil, "problems": {"warn", "error"}, "errors": {"error"}}

// runLogChoice is the part of the log the reader asked for: ?log= a
// filter of logLevels (an unknown one is everything), ?order=newest for
// newest first.
type runLogChoice struct {
	Filter      string
	NewestFirst bool
}

func runLogChoiceOf(c echo.Context) runLogChoice {
	filter := c.QueryParam("log")
	if _, ok := logLevels[filter]; !ok {
		filter = ""
	}
	return runLogChoice{Filter: filter, NewestFirst: c.QueryParam("order") == "newest"}
}

// runLogView reads the part of the log at asks for.
func (h *app) runLogView(c echo.Context, at runLogAt) (views.RunLog, error) {
	filter, loc := at.Choice.Filter, at.Loc
	l := views.RunLog{RunID: at.RunID, Filter: filter, NewestFirst: at.Choice.NewestFirst, Counts: map[string]int{}}
	events, byLevel, err := h.DB.LastEvents(c.Request().Context(), at.RunID, db.EventFilter{Levels: logLevels[filter], Limit: runLogOnPage, NewestFirst: l.NewestFirst})
	if err != nil {
		return l, err
	}
	for f, lv := range logLevels {
		for level, n := range byLevel {
			if lv == nil || slices.Contains(lv, level) {
				l.Counts[f] += n
			}
		}
	}
	l.Matching = l.Counts[filter]
	for _, e := range events {
		local := e.At.In(loc)
		ev := views.LogEvent{Clock: local.Format("15:04:05"), At: views.FormatSeconds(e.At, loc), ISO: local.Format(time.RFC3339),
			Level: e.Level, Actor: e.Actor, Message: e.Message}
		if st, ok := automation.Stages.Numbered(e.Stage); ok {
			ev.Stage = st.Name
		}
		l.Events = append(l.Events, ev)
	}
	return l, nil
}

// progressNote says what a run's percentage means when it stopped short
// of 100 % ("" when there is nothing to add).
func progressNote(outcome string, progress int) string {
	switch outcome {
	case automation.OutcomeCancelled:
		return fmt.Sprintf("Stopped at %d%%: the run was cancelled there, and the bar stays where it stopped.", progress)
	case automation.OutcomeFailed:
		return fmt.Sprintf("Stopped at %d%%: the run failed there.", progress)
	case automation.OutcomePaused:
		return fmt.Sprintf("Paused at %d%%: it goes on from there when resumed.", progress)
	}
	return ""
}

// runTiming is how long a run worked and, while it runs, the time left.
func runTiming(rep automation.Report) views.RunTiming {
	t := views.RunTiming{Worked: views.Duration(rep.Worked)}
	switch {
	case rep.HasETA:
		t.ETA = views.Duration(rep.ETA)
	case rep.Run.Status == db.RunRunning:
		t.Estimating = true
	}
	return t
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

// providerWaitText says in words that a run waits for the AI provider's
// rate limit ("" when it does not).
func providerWaitText(w *automation.ProviderWait) string {
	if w == nil {
		return ""
	}
	source := map[string]string{ai.SourceConfigured: "your cap", ai.SourceHeaders: "announced by the provider", ai.SourceLearned: "learned from the provider's answers"}[w.Source]
	unit := "requests"
	if w.Kind == ai.KindImages {
		unit = "images"
	}
	s := fmt.Sprintf("Waiting for the AI provider's rate limit for %s (%s", w.For.Round(time.Second), w.Model)
	if w.RequestsPerMinute > 0 {
		s += fmt.Sprintf(": about %.0f %s a minute, %s", w.RequestsPerMinute, unit, source)
	}
	return s + ")"
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
