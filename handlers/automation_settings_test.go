package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// settingsForm is a complete, valid settings form; tests change fields.
func automationForm() url.Values {
	v := url.Values{
		"frequency": {"daily"}, "scheduled_time": {"06:00"}, "weekday": {"1"}, "day_of_month": {"1"},
		"max_keywords_per_run": {"0"}, "max_clusters_per_run": {"0"}, "max_ideas_per_run": {"0"}, "max_tasks_per_run": {"0"},
		"max_content_per_run": {"0"}, "max_images_per_run": {"0"}, "max_approvals_per_run": {"0"},
		"max_credits_per_run": {"0"}, "concurrency": {"4"},
	}
	for st := 1; st <= 7; st++ {
		v.Set(fmt.Sprintf("stage%d_enabled", st), "on")
	}
	return v
}

func TestAutomationSettingsForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/automation", site.ID)

		page := c.Get(t, path)
		if page.Status != http.StatusOK || page.Selected(t, "frequency") != "daily" || page.FormValue(t, "scheduled_time") != "06:00" ||
			page.FormValue(t, "concurrency") != "4" || !page.Checked("stage5_enabled") || page.Checked("enabled") {
			t.Fatalf("defaults:\n%s", page.Body)
		}
		if got := page.TestID(t, "next-run"); got != "none: the schedule is off" {
			t.Errorf("next run %q", got)
		}
		if got := page.TestID(t, "auto-approval"); got != "auto-approval on" {
			t.Errorf("auto-approval %q", got)
		}
		before, _ := d.GetAutomationConfig(ctx, site.ID)

		// Bad input: 422, each field's message, the input kept, nothing saved.
		bad := automationForm()
		for k, v := range map[string]string{"max_tasks_per_run": "-1", "max_images_per_run": "2.5", "max_credits_per_run": "lots",
			"scheduled_time": "25:99", "frequency": "hourly", "concurrency": "0", "weekday": "7", "day_of_month": "32"} {
			bad.Set(k, v)
		}
		res := c.PostForm(t, path, bad)
		if res.Status != http.StatusUnprocessableEntity || !res.Has("form-errors") {
			t.Fatalf("bad form: %d, want 422", res.Status)
		}
		for _, f := range []string{"max_tasks_per_run", "max_images_per_run", "max_credits_per_run", "scheduled_time", "frequency", "concurrency", "weekday", "day_of_month"} {
			if res.TestIDs("error-"+f) == nil {
				t.Errorf("no message for %s", f)
			}
		}
		for _, f := range []string{"max_keywords_per_run", "enabled", "stage1_enabled"} {
			if res.Has("error-" + f) {
				t.Errorf("a message for the valid field %s: %q", f, res.TestID(t, "error-"+f))
			}
		}
		if got := res.TestID(t, "error-scheduled_time"); !strings.Contains(got, "HH:MM") {
			t.Errorf("scheduled_time message %q", got)
		}
		for f, want := range map[string]string{"max_tasks_per_run": "-1", "max_images_per_run": "2.5", "scheduled_time": "25:99", "concurrency": "0", "day_of_month": "32"} {
			if got := res.FormValue(t, f); got != want {
				t.Errorf("%s lost the input: %q, want %q", f, got, want)
			}
		}
		if res.Selected(t, "frequency") != "hourly" || res.Selected(t, "weekday") != "7" {
			t.Errorf("selects lost the input: frequency %q, weekday %q", res.Selected(t, "frequency"), res.Selected(t, "weekday"))
		}
		if after, _ := d.GetAutomationConfig(ctx, site.ID); after != before {
			t.Fatalf("a refused form changed the config:\n%+v\n%+v", before, after)
		}

		// Good input: saved, next run computed in the site's time zone.
		good := automationForm()
		good.Set("enabled", "on")
		good.Set("frequency", "weekly")
		good.Set("scheduled_time", "07:30")
		good.Set("weekday", "3")
		good.Del("stage5_enabled")
		good.Set("max_tasks_per_run", "10")
		good.Set("max_ideas_per_run", "2")
		good.Set("max_approvals_per_run", "50")
		good.Set("max_credits_per_run", "500")
		good.Set("concurrency", "8")
		res = c.PostForm(t, path, good)
		if res.Status != http.StatusSeeOther || res.Location() != path {
			t.Fatalf("good form: %d %q\n%s", res.Status, res.Location(), res.Body)
		}
		page = c.Follow(t, res)
		// The fake clock says Sunday 2026-03-01 12:00 UTC: the next Wednesday 07:30 in Berlin.
		if got := page.TestID(t, "flash"); got != "Automation settings saved. Next scheduled run: 2026-03-04 07:30 CET." {
			t.Errorf("flash %q", got)
		}
		if got := page.TestID(t, "next-run"); got != "2026-03-04 07:30 CET" {
			t.Errorf("next run %q", got)
		}
		cfg, err := d.GetAutomationConfig(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Enabled || cfg.Frequency != "weekly" || cfg.ScheduledTime != "07:30" || cfg.Weekday != 3 || cfg.Stage5Enabled || !cfg.Stage4Enabled ||
			cfg.MaxTasksPerRun != 10 || cfg.MaxCreditsPerRun != 500 || cfg.Concurrency != 8 || cfg.NextRunAt == nil ||
			!cfg.NextRunAt.Equal(mustTime(t, "2026-03-04T06:30:00Z")) {
			t.Fatalf("saved config %+v (next %v)", cfg, cfg.NextRunAt)
		}
		if page.Checked("stage5_enabled") || !page.Checked("enabled") || page.Selected(t, "weekday") != "3" {
			t.Errorf("the page does not show the saved toggles")
		}

		// The hints name what disagrees, in the page's words (the API keeps
		// the field names).
		hints := strings.Join(page.TestIDs("hint"), "\n")
		for _, want := range []string{
			"Image prompts is switched off: drafts will wait in front of it.",
			"Writing may take 10 tasks per run, more than Tasks feeds it with its limit of 2 ideas.",
			"The Approval limit (50 approvals a run) is more than the publishing schedule takes before the next run (about 15 slots on mon–fri 09:00/14:00/18:00 until the next weekly run).",
		} {
			if !strings.Contains(hints, want) {
				t.Errorf("hints lack %q:\n%s", want, hints)
			}
		}
		ps, _ := d.GetPublishingSettings(ctx, site.ID)
		ps.AutoApprovalEnabled = false
		if err := d.SavePublishingSettings(ctx, ps, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		page = c.Get(t, path)
		if got := page.TestID(t, "auto-approval"); got != "auto-approval off" {
			t.Errorf("auto-approval %q", got)
		}
		if hints := strings.Join(page.TestIDs("hint"), "\n"); !strings.Contains(hints, "Auto-approval is off in the publishing settings, so Approval will not run") ||
			strings.Contains(hints, "The Approval limit (50") {
			t.Errorf("hints without auto-approval:\n%s", hints)
		}

		// Turning the schedule off clears the next run.
		off := automationForm()
		res = c.PostForm(t, path, off)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("schedule off: %d", res.Status)
		}
		if cfg, _ := d.GetAutomationConfig(ctx, site.ID); cfg.Enabled || cfg.NextRunAt != nil {
			t.Errorf("schedule off: enabled %v, next %v", cfg.Enabled, cfg.NextRunAt)
		}
	})
}

// queueTasks puts n writing tasks straight into stage 4's queue.
func queueTasks(t *testing.T, app *handlertest.App, siteID int64, n int) {
	t.Helper()
	d, now := app.DB, app.Clock.Now()
	for i := 0; i < n; i++ {
		var ideaID int64
		if err := dbtest.Get(context.Background(), d, &ideaID, d.Rebind(`INSERT INTO ideas (site_id, title, status, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?) RETURNING id`),
			siteID, fmt.Sprintf("Brewing guide %d", i), now, now); err != nil {
			t.Fatal(err)
		}
		if _, err := dbtest.Exec(context.Background(), d, d.Rebind(`INSERT INTO tasks (site_id, idea_id, title, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)`),
			siteID, ideaID, fmt.Sprintf("Brewing guide %d", i), now, now); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSettingsEstimateMatchesTheRun checks the settings page's credits for
// the next run against what the run then spends: 8 queued tasks, stages
// 1–3 off, a custom budget split and a run cap that cut stages 4 and 6.
func TestSettingsEstimateMatchesTheRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		path := fmt.Sprintf("/sites/%d/automation", site.ID)
		queueTasks(t, app, site.ID, 8)
		b, _ := d.GetAIBudget(ctx, site.ID)
		b.Mode = "custom"
		b.SetShares(map[string]int{"clustering": 500, "idea_generation": 500, "content_generation": 5000, "image_prompt_extraction": 1000, "image_generation": 3000})
		if err := d.SaveAIBudget(ctx, b, app.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		form := automationForm()
		form.Del("stage1_enabled")
		form.Del("stage2_enabled")
		form.Del("stage3_enabled")
		form.Set("max_credits_per_run", "300")
		if res := c.PostForm(t, path, form); res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", res.Status, res.Body)
		}
		page := c.Get(t, path)
		// content_generation: 150 of 300 → 7 articles; images: 90 → 11 of 14.
		for id, want := range map[string]string{"estimate-4-pending": "8", "estimate-4-items": "7", "estimate-4-cut": "cut by its AI budget", "estimate-4-runs": "2",
			"estimate-6-items": "11", "estimate-credits-total": "242"} {
			if got := page.TestID(t, id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		credits := map[int]string{}
		for st := 1; st <= 7; st++ {
			credits[st] = page.TestID(t, fmt.Sprintf("estimate-%d-credits", st))
		}
		total := page.TestID(t, "estimate-credits-total")

		runID := runIDOf(t, c.PostForm(t, fmt.Sprintf("/sites/%d/runs", site.ID), nil))
		app.ExecuteRun(t, runID)
		run, _ := d.GetRun(ctx, ann.AccountID, runID)
		if fmt.Sprint(run.CreditsUsed) != total {
			t.Errorf("the run spent %d credits, the settings page said %s", run.CreditsUsed, total)
		}
		results, _ := d.StageResults(ctx, runID)
		for _, sr := range results {
			if fmt.Sprint(sr.CreditsUsed) != credits[sr.Stage] {
				t.Errorf("stage %d spent %d, the page said %s", sr.Stage, sr.CreditsUsed, credits[sr.Stage])
			}
		}
		spend, _ := d.RunSpend(ctx, runID)
		byOp := map[string]int64{}
		for _, s := range spend {
			byOp[s.Operation] = s.Spent
		}
		if byOp["content_generation"] != 140 || byOp["image_prompt_extraction"] != 14 || byOp["image_generation"] != 88 {
			t.Errorf("spend by operation %v", byOp)
		}
		// After the partial run the page shows what is left.
		page = c.Get(t, fmt.Sprintf("/runs/%d", runID))
		if page.TestID(t, "remaining-4") != "1" || page.TestID(t, "remaining-6") != "3" {
			t.Errorf("remaining: tasks %s, images %s", page.TestID(t, "remaining-4"), page.TestID(t, "remaining-6"))
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
