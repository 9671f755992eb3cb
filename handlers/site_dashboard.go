package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/jobs/automation"
	"autopress/views"
)

// recentRuns is how many runs the dashboard lists.
const recentRuns = 5

// siteDashboard is a site's home: what waits in front of each pipeline
// stage, the active run with its buttons (or Start), the schedule and the
// recent runs.
func (h *app) siteDashboard(c echo.Context) error {
	s, err := h.site(c)
	if err != nil {
		return err
	}
	d, err := h.dashboard(c.Request().Context(), s)
	if err != nil {
		return err
	}
	// An htmx poll of a running site gets only the live part (without
	// taking the pending flash message, which is the full page's).
	return h.renderPageLazy(c, http.StatusOK,
		func() templ.Component { return views.SiteDashboard(h.page(c, s.Name, "sites"), d) },
		views.DashboardLive(csrfToken(c), d))
}

// dashboard gathers the dashboard's sections; each new section is one more
// field of views.Dashboard filled here.
func (h *app) dashboard(ctx context.Context, s db.Site) (views.Dashboard, error) {
	pc, err := h.DB.Pipeline(ctx, s.ID)
	if err != nil {
		return views.Dashboard{}, err
	}
	counts, err := h.DB.SitePipeline(ctx, s.ID)
	if err != nil {
		return views.Dashboard{}, err
	}
	cfg, err := h.DB.GetAutomationConfig(ctx, s.ID)
	if err != nil {
		return views.Dashboard{}, err
	}
	autoApprove, err := h.DB.AutoApprovalEnabled(ctx, s.ID)
	if err != nil {
		return views.Dashboard{}, err
	}
	d := views.Dashboard{Site: siteInfo(s), Images: pc.Images, Schedule: scheduleInfo(cfg, s, h.Clock.Now()), Review: pc.Content[db.ContentReview]}
	for _, n := range pc.Keywords {
		d.Keywords += n
	}
	for _, st := range contentStatuses {
		d.Content = append(d.Content, views.StatusCount{Status: st, Count: pc.Content[st]})
	}
	active, err := h.DB.ActiveRun(ctx, s.ID)
	runStage := 0
	switch {
	case errors.Is(err, db.ErrNotFound):
	case err != nil:
		return views.Dashboard{}, err
	default:
		rep, err := h.Runs.Report(ctx, active)
		if err != nil {
			return views.Dashboard{}, err
		}
		d.Run = &views.RunPanel{ID: active.ID, Outcome: runOutcome(rep.Outcome), Progress: rep.Progress, Timing: runTiming(rep), Buttons: runButtons(active)}
		if rep.HasStage {
			runStage = rep.Current.Number
			d.Run.Stage = fmt.Sprintf("Stage %d of %d: %s", rep.Current.Number, automation.Stages.Last(), rep.Current.Name)
		}
	}
	d.Pipeline = sitePipeline(automation.Stages, s.Name, counts, cfg, autoApprove, runStage)
	runs, err := h.DB.ListRuns(ctx, s.ID, recentRuns)
	if err != nil {
		return views.Dashboard{}, err
	}
	if d.RecentRuns, err = h.runRows(ctx, runs, s.Location()); err != nil {
		return views.Dashboard{}, err
	}
	if d.Run == nil && len(d.RecentRuns) > 0 {
		d.LastRun = &d.RecentRuns[0]
	}
	if d.ArticlesChart, err = h.articlesChart(ctx, s); err != nil {
		return views.Dashboard{}, err
	}
	if len(runs) == 0 && d.Run == nil {
		if d.Checklist, err = h.firstUse(ctx, s, cfg, d.Keywords); err != nil {
			return views.Dashboard{}, err
		}
	}
	return d, nil
}

// firstUse is the checklist a site shows until its first run: what is set
// up and what is missing, each step with a link. A step counts as done
// once a person has saved its page (its row is newer than the site).
func (h *app) firstUse(ctx context.Context, s db.Site, cfg db.AutomationConfig, keywords int) ([]views.ChecklistStep, error) {
	budget, err := h.DB.GetAIBudget(ctx, s.ID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	pub, err := h.DB.GetPublishingSettings(ctx, s.ID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	path := func(rest string) string { return fmt.Sprintf("/sites/%d%s", s.ID, rest) }
	return []views.ChecklistStep{
		{Key: "keywords", Title: "Add keywords", Done: keywords > 0, Link: path("/keywords"), LinkText: "Import keywords",
			Why: "Every article starts from the keywords you give: paste them one per line or upload a CSV."},
		{Key: "budget", Title: "Check the AI budget and the limits", Done: budget.UpdatedAt.After(s.CreatedAt) || cfg.UpdatedAt.After(s.CreatedAt),
			Link: path("/ai-budget"), LinkText: "AI budget",
			Why: "How a run's credits are split across the AI functions, and how much one run may take (on the Automation page)."},
		{Key: "publishing", Title: "Choose where articles are published", Done: pub.UpdatedAt.After(s.CreatedAt), Link: path("/publishing"), LinkText: "Publishing",
			Why: "This server, a webhook or WordPress; and when approved articles go out."},
		{Key: "run", Title: "Start the first run", Done: false, Link: path(""), LinkText: "Start a run below",
			Why: "A run works every stage once: keywords become clusters, ideas, articles and images."},
	}, nil
}

// scheduleInfo describes the site's schedule and its last scheduled attempt
// in the site's time zone.
func scheduleInfo(cfg db.AutomationConfig, s db.Site, now time.Time) views.ScheduleInfo {
	loc := s.Location()
	info := views.ScheduleInfo{Enabled: cfg.Enabled, NextRun: views.FormatTimePtr(cfg.NextRunAt, loc), NextRunIn: views.RelativePtr(cfg.NextRunAt, now),
		LastAt: views.FormatTimePtr(cfg.LastScheduledAt, loc), LastOutcome: cfg.LastScheduledOutcome, LastDetail: cfg.LastScheduledDetail}
	switch cfg.Frequency {
	case automation.Weekly:
		info.Summary = fmt.Sprintf("weekly on %s at %s", weekdayName(cfg.Weekday), cfg.ScheduledTime)
	case automation.Monthly:
		info.Summary = fmt.Sprintf("monthly on day %d at %s", cfg.DayOfMonth, cfg.ScheduledTime)
	default:
		info.Summary = "daily at " + cfg.ScheduledTime
	}
	info.Summary += " " + s.Timezone
	return info
}

func weekdayName(d int) string {
	if d < 0 || d >= len(views.Weekdays) {
		return fmt.Sprintf("weekday %d", d)
	}
	return views.Weekdays[d]
}

// contentStatuses are the article statuses in the order they are reached.
var contentStatuses = []string{"draft", "review", "approved", "rejected", "scheduled", "publishing", "published", "failed"}
