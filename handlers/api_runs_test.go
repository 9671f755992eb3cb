package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

// runJSON is the API's run, as a client reads it.
type runJSON struct {
	ID                int64  `json:"id"`
	SiteID            int64  `json:"site_id"`
	Status            string `json:"status"`
	Trigger           string `json:"trigger"`
	CurrentStage      int    `json:"current_stage"`
	Progress          int    `json:"progress"`
	StoppedReason     string `json:"stopped_reason"`
	StoppedReasonText string `json:"stopped_reason_text"`
	StoppedDetail     string `json:"stopped_detail"`
	CreditsUsed       int64  `json:"credits_used"`
	Stages            []struct {
		Stage        int    `json:"stage"`
		Name         string `json:"name"`
		State        string `json:"state"`
		Expected     int    `json:"expected"`
		Processed    int    `json:"processed"`
		Failed       int    `json:"failed"`
		Skipped      int    `json:"skipped"`
		CreditsUsed  int64  `json:"credits_used"`
		LimitReached bool   `json:"limit_reached"`
		Progress     int    `json:"progress"`
	} `json:"stages"`
	Spend []struct {
		Operation string `json:"operation"`
		Budget    int64  `json:"budget"`
		Spent     int64  `json:"spent"`
	} `json:"spend"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
}

func TestAPIRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		importDemo(t, app, site)
		token := app.NewToken(t, ann)
		start := fmt.Sprintf("/api/v1/sites/%d/runs", site.ID)

		res := app.API(t, token, http.MethodPost, start, nil)
		var run runJSON
		res.JSON(t, &run)
		if res.Status != http.StatusCreated || run.ID == 0 || run.Status != "running" || run.Trigger != "manual" || run.SiteID != site.ID ||
			run.Progress != 0 || len(run.Stages) != 7 || run.Stages[0].Name != "Clustering" || len(run.Spend) != 5 {
			t.Fatalf("start: %d %+v", res.Status, run)
		}
		runPath := fmt.Sprintf("/api/v1/runs/%d", run.ID)

		// Busy: 409 with the active run's id.
		res = app.API(t, token, http.MethodPost, start, nil)
		var busy struct {
			Error string `json:"error"`
			RunID int64  `json:"run_id"`
		}
		res.JSON(t, &busy)
		if want := fmt.Sprintf("a run is already running for this site (run %d)", run.ID); res.Status != http.StatusConflict || busy.RunID != run.ID || busy.Error != want {
			t.Fatalf("second start: %d %+v", res.Status, busy)
		}

		// Transitions: 200 with the run, 409 when refused.
		for _, step := range []struct {
			verb   string
			status int
			want   string
		}{
			{"pause", http.StatusOK, "paused"},
			{"pause", http.StatusConflict, "cannot pause a paused run"},
			{"resume", http.StatusOK, "running"},
			{"resume", http.StatusConflict, "cannot resume a running run"},
		} {
			res := app.API(t, token, http.MethodPost, runPath+"/"+step.verb, nil)
			if res.Status != step.status {
				t.Fatalf("%s: %d, want %d\n%s", step.verb, res.Status, step.status, res.Body)
			}
			if step.status == http.StatusOK {
				var r runJSON
				res.JSON(t, &r)
				if r.Status != step.want || r.ID != run.ID {
					t.Errorf("%s: %+v", step.verb, r)
				}
			} else {
				var e apiErrorBody
				res.JSON(t, &e)
				if e.Error != step.want {
					t.Errorf("%s: error %q, want %q", step.verb, e.Error, step.want)
				}
			}
		}

		app.ExecuteRun(t, run.ID)
		res = app.API(t, token, http.MethodGet, runPath, nil)
		res.JSON(t, &run)
		if res.Status != http.StatusOK || run.Status != "completed" || run.Progress != 100 || run.StoppedReason != "completed" ||
			!strings.HasPrefix(run.StoppedReasonText, "Completed") || run.CreditsUsed == 0 || run.CompletedAt == nil || run.CurrentStage != 8 {
			t.Fatalf("completed run: %d %+v", res.Status, run)
		}
		var stageCredits, spent int64
		for _, s := range run.Stages {
			stageCredits += s.CreditsUsed
			if s.State != "done" || s.Progress != 100 || s.Processed == 0 {
				t.Errorf("stage %d: %+v", s.Stage, s)
			}
		}
		for _, s := range run.Spend {
			spent += s.Spent
		}
		if stageCredits != run.CreditsUsed || spent != run.CreditsUsed {
			t.Errorf("credits: run %d, stages %d, spend %d", run.CreditsUsed, stageCredits, spent)
		}
		res = app.API(t, token, http.MethodPost, runPath+"/cancel", nil)
		var e apiErrorBody
		res.JSON(t, &e)
		if res.Status != http.StatusConflict || e.Error != "cannot cancel a completed run" {
			t.Errorf("cancel a completed run: %d %+v", res.Status, e)
		}

		// Cancel a new run; the site is free at once.
		res = app.API(t, token, http.MethodPost, start, nil)
		res.JSON(t, &run)
		res = app.API(t, token, http.MethodPost, fmt.Sprintf("/api/v1/runs/%d/cancel", run.ID), nil)
		res.JSON(t, &run)
		if res.Status != http.StatusOK || run.Status != "cancelled" || run.StoppedReason != "cancelled" {
			t.Fatalf("cancel: %d %+v", res.Status, run)
		}
		if res := app.API(t, token, http.MethodPost, start, nil); res.Status != http.StatusCreated {
			t.Fatalf("start after cancel: %d", res.Status)
		}
	})
}

// configJSON is the API's automation config, as a client reads it.
type configJSON struct {
	Enabled             bool    `json:"enabled"`
	Frequency           string  `json:"frequency"`
	ScheduledTime       string  `json:"scheduled_time"`
	Weekday             int     `json:"weekday"`
	DayOfMonth          int     `json:"day_of_month"`
	NextRunAt           *string `json:"next_run_at"`
	Stage5Enabled       bool    `json:"stage5_enabled"`
	MaxTasksPerRun      int     `json:"max_tasks_per_run"`
	MaxCreditsPerRun    int64   `json:"max_credits_per_run"`
	Concurrency         int     `json:"concurrency"`
	AutoApprovalEnabled bool    `json:"auto_approval_enabled"`
	Estimate            struct {
		CreditsNextRun int64 `json:"credits_next_run"`
		Stages         []struct {
			Stage        int    `json:"stage"`
			Pending      int    `json:"pending"`
			ItemsNextRun int    `json:"items_next_run"`
			PerRun       *int   `json:"per_run"`
			RunsNeeded   *int   `json:"runs_needed"`
			CutBy        string `json:"cut_by"`
		} `json:"stages"`
	} `json:"estimate"`
	Hints []struct {
		Field string `json:"field"`
		Text  string `json:"text"`
	} `json:"hints"`
}

func TestAPIAutomationConfig(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		queueTasks(t, app, site.ID, 8)
		token := app.NewToken(t, ann)
		path := fmt.Sprintf("/api/v1/sites/%d/automation/config", site.ID)

		var cfg configJSON
		res := app.API(t, token, http.MethodGet, path, nil)
		res.JSON(t, &cfg)
		if res.Status != http.StatusOK || cfg.Frequency != "daily" || cfg.Concurrency != 4 || cfg.Enabled || cfg.NextRunAt != nil ||
			!cfg.AutoApprovalEnabled || len(cfg.Estimate.Stages) != 7 || cfg.Estimate.Stages[3].Pending != 8 || cfg.Estimate.Stages[3].ItemsNextRun != 8 {
			t.Fatalf("get: %d %+v", res.Status, cfg)
		}
		// 8 articles (160), 8 prompt extractions (16), 16 images (128).
		if cfg.Estimate.CreditsNextRun != 304 {
			t.Errorf("credits next run %d, want 304", cfg.Estimate.CreditsNextRun)
		}

		// Refused: 422 naming the field; nothing saved.
		for _, tc := range []struct {
			body  string
			field string
		}{
			{`{"max_tasks_per_run": -1}`, "max_tasks_per_run"},
			{`{"max_tasks_per_run": 1.5}`, "max_tasks_per_run"},
			{`{"scheduled_time": "25:99"}`, "scheduled_time"},
			{`{"frequency": "hourly"}`, "frequency"},
			{`{"concurrency": 0}`, "concurrency"},
			{`{"weekday": 7}`, "weekday"},
			{`{"day_of_month": 0}`, "day_of_month"},
			{`{"enabled": "maybe"}`, "enabled"},
			{`{"max_images_per_run": [1]}`, "max_images_per_run"},
		} {
			res := app.API(t, token, http.MethodPut, path, tc.body)
			var e struct {
				Error  string            `json:"error"`
				Field  string            `json:"field"`
				Errors map[string]string `json:"errors"`
			}
			res.JSON(t, &e)
			if res.Status != http.StatusUnprocessableEntity || e.Field != tc.field || e.Errors[tc.field] == "" || !strings.HasPrefix(e.Error, tc.field+": ") {
				t.Errorf("%s: %d %+v", tc.body, res.Status, e)
			}
		}
		if res := app.API(t, token, http.MethodPut, path, `{"max_tasks": 1}`); res.Status != http.StatusBadRequest {
			t.Errorf("unknown field: %d, want 400", res.Status)
		}
		if got, _ := d.GetAutomationConfig(ctx, site.ID); got.MaxTasksPerRun != 0 || got.Frequency != "daily" {
			t.Fatalf("refused bodies changed the config: %+v", got)
		}

		// Saved: fields left out keep their values; read-only fields sent back are ignored.
		res = app.API(t, token, http.MethodPut, path, map[string]any{"enabled": true, "frequency": "monthly", "scheduled_time": "23:15",
			"day_of_month": 31, "max_tasks_per_run": 5, "max_credits_per_run": 1000, "stage5_enabled": false,
			"next_run_at": "2030-01-01T00:00:00Z", "estimate": map[string]any{}, "hints": []any{}})
		res.JSON(t, &cfg)
		// Monthly on the 31st at 23:15 Berlin: 2026-03-31 23:15 CEST = 21:15 UTC.
		if res.Status != http.StatusOK || !cfg.Enabled || cfg.Frequency != "monthly" || cfg.DayOfMonth != 31 || cfg.MaxTasksPerRun != 5 ||
			cfg.Concurrency != 4 || cfg.Stage5Enabled || cfg.NextRunAt == nil || *cfg.NextRunAt != "2026-03-31T21:15:00Z" {
			t.Fatalf("put: %d %+v (next %v)\n%s", res.Status, cfg, cfg.NextRunAt, res.Body)
		}
		if s4 := cfg.Estimate.Stages[3]; s4.ItemsNextRun != 5 || s4.CutBy != "limit" || s4.RunsNeeded == nil || *s4.RunsNeeded != 2 {
			t.Errorf("stage 4 estimate %+v", s4)
		}
		if s5 := cfg.Estimate.Stages[4]; s5.PerRun != nil && *s5.PerRun != 0 || s5.RunsNeeded == nil || *s5.RunsNeeded != 0 {
			t.Errorf("disabled stage 5 estimate %+v", s5)
		}
		found := false
		for _, h := range cfg.Hints {
			found = found || (h.Field == "stage5_enabled" && h.Text == "Image prompts is switched off: drafts will wait in front of it.")
		}
		if !found {
			t.Errorf("hints %+v", cfg.Hints)
		}
		// The same validation as the form: the page shows what the API saved.
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		page := c.Get(t, fmt.Sprintf("/sites/%d/automation", site.ID))
		if page.FormValue(t, "max_tasks_per_run") != "5" || page.Selected(t, "frequency") != "monthly" || page.TestID(t, "next-run") != "2026-03-31 23:15 CEST" {
			t.Errorf("the page after the API's save: %q %q %q", page.FormValue(t, "max_tasks_per_run"), page.Selected(t, "frequency"), page.TestID(t, "next-run"))
		}
	})
}
