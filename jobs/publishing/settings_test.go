package publishing_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/publishing"
)

// defaults are the seed's publishing settings with a local target.
func defaults() db.PublishingSettings {
	return db.PublishingSettings{AutoApprovalEnabled: true, AutoPublishEnabled: true, SchedulingMode: "time_slots",
		PublishDays: "mon,tue,wed,thu,fri", PublishTimeSlots: "09:00,14:00,18:00", StaggerStartTime: "09:00", StaggerEndTime: "18:00",
		StaggerIntervalMinutes: 15, DailyTarget: 3, WeeklyTarget: 15, MonthlyTarget: 50, MaxScheduledQueue: 100, TargetKind: "local"}
}

func TestValidateSettings(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(p *db.PublishingSettings)
		fields []string
	}{
		{"defaults", func(p *db.PublishingSettings) {}, nil},
		{"unknown mode is scheduling_mode", func(p *db.PublishingSettings) { p.SchedulingMode = "weekly" }, []string{"scheduling_mode"}},
		{"no day", func(p *db.PublishingSettings) { p.PublishDays = "" }, []string{"publish_days"}},
		{"unknown day", func(p *db.PublishingSettings) { p.PublishDays = "mon,funday" }, []string{"publish_days"}},
		{"slot 25:00", func(p *db.PublishingSettings) { p.PublishTimeSlots = "09:00,25:00" }, []string{"publish_time_slots"}},
		{"duplicate slots", func(p *db.PublishingSettings) { p.PublishTimeSlots = "09:00,09:00" }, []string{"publish_time_slots"}},
		{"interval checked in any mode", func(p *db.PublishingSettings) { p.StaggerIntervalMinutes = 0 }, []string{"stagger_interval_minutes"}},
		{"interval 1441 in stagger", func(p *db.PublishingSettings) { p.SchedulingMode, p.StaggerIntervalMinutes = "stagger", 1441 }, []string{"stagger_interval_minutes"}},
		{"negative targets", func(p *db.PublishingSettings) { p.DailyTarget, p.WeeklyTarget, p.MonthlyTarget = -1, -1, -1 },
			[]string{"daily_target", "weekly_target", "monthly_target"}},
		{"queue 0", func(p *db.PublishingSettings) { p.MaxScheduledQueue = 0 }, []string{"max_scheduled_queue"}},
		{"queue 10001", func(p *db.PublishingSettings) { p.MaxScheduledQueue = 10001 }, []string{"max_scheduled_queue"}},
		{"queue 10000", func(p *db.PublishingSettings) { p.MaxScheduledQueue = 10000 }, nil},
		{"unknown target", func(p *db.PublishingSettings) { p.TargetKind = "ftp" }, []string{"target_kind"}},
		{"webhook needs a URL and a secret", func(p *db.PublishingSettings) { p.TargetKind = "webhook" }, []string{"webhook_url", "webhook_secret"}},
		{"webhook URL must be http(s)", func(p *db.PublishingSettings) {
			p.TargetKind, p.WebhookURL, p.WebhookSecretEnc = "webhook", "ftp://x", "v1:x"
		}, []string{"webhook_url"}},
		{"webhook complete", func(p *db.PublishingSettings) {
			p.TargetKind, p.WebhookURL, p.WebhookSecretEnc = "webhook", "https://hooks.example.com/x", "v1:x"
		}, nil},
		{"wordpress needs address, user and password", func(p *db.PublishingSettings) { p.TargetKind = "wordpress" },
			[]string{"wp_url", "wp_username", "wp_app_password"}},
		{"immediate ignores days and slots", func(p *db.PublishingSettings) {
			p.SchedulingMode, p.PublishDays, p.PublishTimeSlots = "immediate", "", ""
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := defaults()
			tt.edit(&p)
			got := publishing.Validate(p)
			if keys, want := slices.Sorted(maps.Keys(got)), slices.Sorted(slices.Values(tt.fields)); !slices.Equal(keys, want) {
				t.Fatalf("Validate = %v, want fields %v", got, want)
			}
			if len(tt.fields) == 0 && got != nil {
				t.Fatalf("Validate = %#v, want nil", got)
			}
		})
	}
}

func TestNormalizeDays(t *testing.T) {
	got := publishing.NormalizeDays([]string{"Sun", " fri", "mon", "MON", "", "funday"})
	if want := []string{"mon", "fri", "sun", "funday"}; !slices.Equal(got, want) {
		t.Fatalf("NormalizeDays = %v, want %v", got, want)
	}
}

func TestScheduleCapacity(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    publishing.PlanSettings
		want publishing.Capacity
	}{
		{"defaults", slotsAt(monFri, "09:00", "14:00", "18:00"), publishing.Capacity{PerDay: 3, Days: 5, PerWeek: 15, PerMonth: 65}},
		{"stagger 09:00-18:00 every 15", stagger(monFri, "09:00", "18:00", 15), publishing.Capacity{PerDay: 37, Days: 5, PerWeek: 185, PerMonth: 801}},
		{"repeated days count once", slotsAt([]time.Weekday{time.Monday, time.Monday}, "09:00"), publishing.Capacity{PerDay: 1, Days: 1, PerWeek: 1, PerMonth: 4}},
		{"immediate", publishing.PlanSettings{Mode: publishing.ModeImmediate}, publishing.Capacity{Unlimited: true}},
	} {
		got, err := publishing.ScheduleCapacity(tt.s)
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.name, got, err, tt.want)
		}
	}
	if _, err := publishing.ScheduleCapacity(slotsAt(nil, "09:00")); !errors.Is(err, publishing.ErrInvalidSettings) {
		t.Errorf("no days: %v, want ErrInvalidSettings", err)
	}
}

func TestNewWebhookSecret(t *testing.T) {
	a, b := publishing.NewWebhookSecret(), publishing.NewWebhookSecret()
	if len(a) != 64 || a == b {
		t.Fatalf("secrets %q %q: want 64 hex digits, different each time", a, b)
	}
}

// TestActionsForMatchTheStore checks that the buttons offered for each
// status are exactly the actions the store accepts from it.
func TestActionsForMatchTheStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u, err := d.CreateAccountWithUser(ctx, "Acme", "a@example.com", "x", false, t0)
		if err != nil {
			t.Fatal(err)
		}
		site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Blog", URL: "https://blog.example.com", Timezone: "UTC"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		statuses := []string{"draft", "review", "approved", "rejected", "scheduled", "publishing", "published", "failed"}
		actions := []db.ContentAction{db.ActionApprove, db.ActionReject, db.ActionUnschedule, db.ActionPublishNow, db.ActionRetry, db.ActionRequeue, publishing.ActionSchedule}
		for i, st := range statuses {
			for j, a := range actions {
				slot := t0.Add(time.Duration(i*100+j+1) * time.Hour)
				c := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: st, ScheduledAt: &slot, ApprovedAt: &t0, Now: t0})
				// Publish now and retry take the slot "now": a distinct now per
				// article keeps them from meeting in one slot.
				now := t0.Add(time.Duration(i*100+j) * time.Millisecond)
				if a == publishing.ActionSchedule {
					err = d.ScheduleContentAt(ctx, u.AccountID, c.ID, slot.Add(30*time.Minute), now)
				} else {
					err = d.ApplyContentAction(ctx, u.AccountID, c.ID, a, "tester", now)
				}
				offered := slices.Contains(publishing.ActionsFor(st), a)
				if offered != (err == nil) {
					t.Errorf("%s on %s: offered %v, store says %v", a, st, offered, err)
				}
				if err != nil && !errors.Is(err, db.ErrBadTransition) {
					t.Errorf("%s on %s: %v, want ErrBadTransition", a, st, err)
				}
				if !publishing.IsAction(string(a)) {
					t.Errorf("IsAction(%q) = false", a)
				}
			}
		}
		if publishing.IsAction("delete") {
			t.Error(`IsAction("delete") = true`)
		}
	})
}

func TestIsLate(t *testing.T) {
	slot := t0
	for _, tt := range []struct {
		c    db.Content
		now  time.Time
		want bool
	}{
		{db.Content{Status: db.ContentScheduled, ScheduledAt: &slot}, slot.Add(5 * time.Minute), false},
		{db.Content{Status: db.ContentScheduled, ScheduledAt: &slot}, slot.Add(5*time.Minute + time.Second), true},
		{db.Content{Status: db.ContentPublishing, ScheduledAt: &slot}, slot.Add(time.Hour), true},
		{db.Content{Status: db.ContentPublished, ScheduledAt: &slot, Late: true}, slot, true},
		{db.Content{Status: db.ContentPublished, ScheduledAt: &slot}, slot.Add(time.Hour), false},
		{db.Content{Status: db.ContentApproved}, slot.Add(time.Hour), false},
	} {
		if got := publishing.IsLate(tt.c, tt.now); got != tt.want {
			t.Errorf("IsLate(%s, slot+%s) = %v", tt.c.Status, tt.now.Sub(slot), got)
		}
	}
}

func TestNextSlotsImmediateStartsThisMinute(t *testing.T) {
	now := time.Date(2026, 3, 2, 7, 0, 30, 0, time.UTC)
	p := defaults()
	p.SchedulingMode = "immediate"
	got, err := publishing.NextSlots(p, time.UTC, now, []time.Time{now.Truncate(time.Minute).Add(time.Minute)}, 3)
	if err != nil {
		t.Fatal(err)
	}
	m := now.Truncate(time.Minute)
	if want := []time.Time{m, m.Add(2 * time.Minute), m.Add(3 * time.Minute)}; !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("NextSlots = %v, want %v", got, want)
	}
}
