package automation

import (
	"strings"
	"testing"
	"time"

	"autopress/db"
)

func TestHints(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // a Sunday
	defaults := func() db.AutomationConfig {
		return db.AutomationConfig{Frequency: Daily, ScheduledTime: "06:00", Weekday: 1, DayOfMonth: 1,
			Stage1Enabled: true, Stage2Enabled: true, Stage3Enabled: true, Stage4Enabled: true,
			Stage5Enabled: true, Stage6Enabled: true, Stage7Enabled: true, Concurrency: 4}
	}
	publishing := db.PublishingSettings{AutoApprovalEnabled: true, AutoPublishEnabled: true, SchedulingMode: "time_slots",
		PublishDays: "mon,tue,wed,thu,fri", PublishTimeSlots: "09:00,14:00,18:00"}
	for _, tc := range []struct {
		name  string
		cfg   func(c *db.AutomationConfig)
		pub   func(p *db.PublishingSettings)
		est   func(e *RunEstimate)
		want  map[string]string // field → a part of its hint
		never []string          // fields that must have no hint
	}{
		{"defaults give no hints", nil, nil, nil, nil,
			[]string{"stage5_enabled", "stage7_enabled", "max_tasks_per_run", "max_approvals_per_run"}},
		{"limits that disagree", func(c *db.AutomationConfig) {
			c.MaxIdeasPerRun, c.MaxTasksPerRun = 2, 10
			c.MaxContentPerRun, c.MaxImagesPerRun = 5, 4
		}, nil, nil, map[string]string{
			"max_tasks_per_run":  "Writing may take 10 tasks per run, more than Tasks feeds it with its limit of 2 ideas.",
			"max_images_per_run": "Image prompts, with its limit of 5 articles, feeds more than Images takes per run (4 images) (10 image prompts): image prompts pile up.",
		}, []string{"max_approvals_per_run"}},
		{"disabled stage and auto-approval off", func(c *db.AutomationConfig) { c.Stage5Enabled = false },
			func(p *db.PublishingSettings) { p.AutoApprovalEnabled = false }, nil, map[string]string{
				"stage5_enabled": "Image prompts is switched off: drafts will wait in front of it.",
				"stage7_enabled": "Auto-approval is off in the publishing settings, so Approval will not run",
			}, []string{"max_approvals_per_run"}},
		{"approvals beyond the slots until the next daily run", func(c *db.AutomationConfig) {
			next := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC) // Monday 06:00 CET
			c.Enabled, c.NextRunAt, c.MaxApprovalsPerRun = true, &next, 50
		}, nil, nil, map[string]string{
			"max_approvals_per_run": "The Approval limit (50 approvals a run) is more than the publishing schedule takes before the next run (about 3 slots on mon–fri 09:00/14:00/18:00 until the next daily run).",
		}, nil},
		{"approvals without a schedule, per day", func(c *db.AutomationConfig) { c.MaxApprovalsPerRun = 5 }, nil, nil, map[string]string{
			"max_approvals_per_run": "(about 2.1 slots a day on mon–fri 09:00/14:00/18:00",
		}, nil},
		{"unlimited approvals use the estimate", func(c *db.AutomationConfig) {
			c.Frequency, c.Weekday, c.Enabled = Weekly, 1, true
		}, func(p *db.PublishingSettings) {
			p.SchedulingMode, p.PublishDays, p.StaggerStartTime, p.StaggerEndTime, p.StaggerIntervalMinutes = "stagger", "mon,wed,fri", "09:00", "10:00", 30
		}, func(e *RunEstimate) { e.Stages[6].Items = 12 }, map[string]string{
			"max_approvals_per_run": "The ~12 approvals expected next run (no limit) is more than the publishing schedule takes before the next run (about 9 slots on mon, wed, fri every 30 min 09:00–10:00 until the next weekly run).",
		}, nil},
		{"immediate publishing absorbs anything", func(c *db.AutomationConfig) { c.MaxApprovalsPerRun = 500 },
			func(p *db.PublishingSettings) { p.SchedulingMode = "immediate" }, nil, nil, []string{"max_approvals_per_run"}},
		{"a stage that can pay for nothing", nil, nil, func(e *RunEstimate) {
			e.Stages[5] = StageEstimate{Stage: 6, Runs: true, PerRun: 0, CutBy: CutBudget, Operation: "image_generation", Cost: 8, Budget: 5}
		}, map[string]string{
			"max_images_per_run": "Images can take nothing per run: its credit budget (5 credits) is less than one call (8 credits).",
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, pub := defaults(), publishing
			var est RunEstimate
			for _, st := range Stages {
				est.Stages = append(est.Stages, StageEstimate{Stage: st.Number, Runs: true, PerRun: Unlimited})
			}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			if tc.pub != nil {
				tc.pub(&pub)
			}
			if tc.est != nil {
				tc.est(&est)
			}
			hints := Stages.Hints(HintInput{Config: cfg, Estimate: est, Publishing: pub, Location: berlin, Now: now, IdeasPerCluster: 3, ImagesPerArticle: 2})
			byField := map[string]string{}
			for _, h := range hints {
				byField[h.Field] += h.Text + "\n"
			}
			for field, part := range tc.want {
				if !strings.Contains(byField[field], part) {
					t.Errorf("%s: hint %q, want it to contain %q", field, byField[field], part)
				}
			}
			for _, field := range tc.never {
				if byField[field] != "" {
					t.Errorf("%s: unexpected hint %q", field, byField[field])
				}
			}
		})
	}
}

func TestDescribeDays(t *testing.T) {
	for _, tc := range []struct {
		days []time.Weekday
		want string
	}{
		{[]time.Weekday{1, 2, 3, 4, 5}, "mon–fri"},
		{[]time.Weekday{0, 6, 1}, "mon, sat, sun"},
		{[]time.Weekday{0, 1, 2, 3, 4, 5, 6}, "mon–sun"},
		{[]time.Weekday{1, 3, 5}, "mon, wed, fri"},
		{[]time.Weekday{5, 4, 3, 1}, "mon, wed–fri"},
		{nil, ""},
	} {
		if got := describeDays(tc.days); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.days, got, tc.want)
		}
	}
}
