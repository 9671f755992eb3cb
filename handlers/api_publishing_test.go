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

// apiSettings is the API's publishing settings object.
type apiSettings struct {
	SiteID                 int64    `json:"site_id"`
	AutoApprovalEnabled    bool     `json:"auto_approval_enabled"`
	AutoPublishEnabled     bool     `json:"auto_publish_enabled"`
	SchedulingMode         string   `json:"scheduling_mode"`
	PublishDays            []string `json:"publish_days"`
	PublishTimeSlots       []string `json:"publish_time_slots"`
	StaggerStartTime       string   `json:"stagger_start_time"`
	StaggerEndTime         string   `json:"stagger_end_time"`
	StaggerIntervalMinutes int      `json:"stagger_interval_minutes"`
	DailyTarget            int      `json:"daily_target"`
	WeeklyTarget           int      `json:"weekly_target"`
	MonthlyTarget          int      `json:"monthly_target"`
	MaxScheduledQueue      int      `json:"max_scheduled_queue"`
	TargetKind             string   `json:"target_kind"`
	WebhookURL             string   `json:"webhook_url"`
	WebhookSecretSet       bool     `json:"webhook_secret_set"`
	WPURL                  string   `json:"wp_url"`
	WPUsername             string   `json:"wp_username"`
	WPAppPasswordSet       bool     `json:"wp_app_password_set"`
	WPCategories           []string `json:"wp_categories"`
	WPTags                 []string `json:"wp_tags"`
}

func TestAPIPublishingSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		token := app.NewToken(t, ann)
		path := fmt.Sprintf("/api/v1/sites/%d/publishing", site.ID)

		var got apiSettings
		res := app.API(t, token, http.MethodGet, path, nil)
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.SiteID != site.ID || got.SchedulingMode != "time_slots" ||
			strings.Join(got.PublishDays, ",") != "mon,tue,wed,thu,fri" || strings.Join(got.PublishTimeSlots, ",") != "09:00,14:00,18:00" ||
			got.MaxScheduledQueue != 100 || got.TargetKind != "local" || got.WebhookSecretSet || got.WPAppPasswordSet ||
			got.WPCategories == nil || !strings.Contains(res.Body, `"wp_tags":[]`) {
			t.Fatalf("defaults: %d %+v\n%s", res.Status, got, res.Body)
		}

		// Only the fields sent change; secrets go in and never come out.
		const secret, pw = "api-webhook-secret-99", "wp app pass 42"
		res = app.API(t, token, http.MethodPut, path, map[string]any{
			"scheduling_mode": "stagger", "publish_days": []string{"Sat", "sun", "sat"}, "stagger_interval_minutes": 30,
			"target_kind": "webhook", "webhook_url": "https://hooks.example.com/in", "webhook_secret": secret,
			"wp_app_password": pw, "wp_tags": []string{" coffee ", "", "tea"},
		})
		res.JSON(t, &got)
		if res.Status != http.StatusOK || got.SchedulingMode != "stagger" || strings.Join(got.PublishDays, ",") != "sat,sun" ||
			got.StaggerIntervalMinutes != 30 || got.DailyTarget != 3 || !got.WebhookSecretSet || !got.WPAppPasswordSet ||
			strings.Join(got.WPTags, ",") != "coffee,tea" || !got.AutoApprovalEnabled {
			t.Fatalf("put: %d %+v\n%s", res.Status, got, res.Body)
		}
		for _, s := range []string{secret, pw} {
			if strings.Contains(res.Body, s) || strings.Contains(app.API(t, token, http.MethodGet, path, nil).Body, s) {
				t.Fatalf("the API returned a secret: %s", res.Body)
			}
		}
		if strings.Contains(res.Body, `"webhook_secret"`) || strings.Contains(res.Body, `"wp_app_password"`) || strings.Contains(res.Body, "v1:") {
			t.Fatalf("the API shows secret fields: %s", res.Body)
		}
		p, _ := d.GetPublishingSettings(ctx, site.ID)
		sealed := p.WebhookSecretEnc
		if plain, err := app.Deps.Box.Open(sealed); err != nil || plain != secret {
			t.Fatalf("stored webhook secret opens to %q, %v", plain, err)
		}

		// What GET returned can be PUT back as it is: read-only fields are
		// ignored and the blank secrets keep the stored ones.
		get := app.API(t, token, http.MethodGet, path, nil)
		res = app.API(t, token, http.MethodPut, path, get.Body)
		if res.Status != http.StatusOK {
			t.Fatalf("round trip: %d %s", res.Status, res.Body)
		}
		if p, _ := d.GetPublishingSettings(ctx, site.ID); p.WebhookSecretEnc != sealed || p.WPAppPasswordEnc == "" {
			t.Fatal("a PUT without secrets changed the stored ones")
		}

		// The form's validation: 422 with the field, and all fields.
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"no day", map[string]any{"publish_days": []string{}}, "publish_days"},
			{"25:00", map[string]any{"scheduling_mode": "time_slots", "publish_time_slots": []string{"09:00", "25:00"}}, "publish_time_slots"},
			{"duplicate slots", map[string]any{"scheduling_mode": "time_slots", "publish_time_slots": []string{"09:00", "09:00"}}, "publish_time_slots"},
			{"end before start", map[string]any{"stagger_start_time": "18:00", "stagger_end_time": "09:00"}, "stagger_end_time"},
			{"interval 0", map[string]any{"stagger_interval_minutes": 0}, "stagger_interval_minutes"},
			{"interval 1441", map[string]any{"stagger_interval_minutes": 1441}, "stagger_interval_minutes"},
			{"negative target", map[string]any{"monthly_target": -1}, "monthly_target"},
			{"queue 0", map[string]any{"max_scheduled_queue": 0}, "max_scheduled_queue"},
			{"queue 10001", map[string]any{"max_scheduled_queue": 10001}, "max_scheduled_queue"},
			{"webhook without URL", map[string]any{"webhook_url": ""}, "webhook_url"},
			{"unknown mode", map[string]any{"scheduling_mode": "hourly"}, "scheduling_mode"},
		} {
			res := app.API(t, token, http.MethodPut, path, tc.body)
			var e struct {
				Error  string            `json:"error"`
				Field  string            `json:"field"`
				Errors map[string]string `json:"errors"`
			}
			res.JSON(t, &e)
			if res.Status != http.StatusUnprocessableEntity || e.Field != tc.field || e.Errors[tc.field] == "" || !strings.HasPrefix(e.Error, tc.field+": ") {
				t.Errorf("%s: %d %+v", tc.name, res.Status, e)
			}
		}
		if p2, _ := d.GetPublishingSettings(ctx, site.ID); p2.SchedulingMode != "stagger" || p2.MaxScheduledQueue != 100 {
			t.Fatalf("refused PUTs changed the settings: %+v", p2)
		}

		// Types and unknown fields are 400s, like the rest of the API.
		for body, want := range map[string]string{
			`{"publish_days": "mon"}`:       "publish_days must be a list",
			`{"max_scheduled_queue": "10"}`: "max_scheduled_queue must be a number",
			`{"webhook_secret_enc": "x"}`:   `unknown field \"webhook_secret_enc\"`,
		} {
			res := app.API(t, token, http.MethodPut, path, body)
			if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, want) {
				t.Errorf("%s: %d %s", body, res.Status, res.Body)
			}
		}
	})
}
