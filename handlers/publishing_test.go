package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
	"autopress/jobs/publishing/targets"
	"autopress/jobs/publishing/targets/wpfake"
)

// settingsForm is the publishing form as the page sends it with the seed's
// defaults; edit sets fields ("" deletes one, as an unchecked box).
func settingsForm(edit map[string]string) url.Values {
	f := url.Values{
		"auto_approval_enabled":    {"on"},
		"auto_publish_enabled":     {"on"},
		"scheduling_mode":          {"time_slots"},
		"publish_days":             {"mon", "tue", "wed", "thu", "fri"},
		"publish_time_slots":       {"09:00, 14:00, 18:00"},
		"stagger_start_time":       {"09:00"},
		"stagger_end_time":         {"18:00"},
		"stagger_interval_minutes": {"15"},
		"daily_target":             {"3"},
		"weekly_target":            {"15"},
		"monthly_target":           {"50"},
		"max_scheduled_queue":      {"100"},
		"target_kind":              {"local"},
	}
	for k, v := range edit {
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
	}
	return f
}

// publishingEnv is a signed-in owner of a Europe/Berlin site (the clock
// says Sunday 2026-03-01 12:00 UTC, 13:00 in Berlin).
type publishingEnv struct {
	app  *handlertest.App
	d    *db.DB
	user db.User
	site db.Site
	c    *handlertest.Client
	path string
}

func newPublishingEnv(t *testing.T, d *db.DB) *publishingEnv {
	t.Helper()
	app := handlertest.New(t, d)
	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")
	c := app.Client(t)
	c.Login(t, ann.Email, handlertest.Password)
	return &publishingEnv{app: app, d: d, user: ann, site: site, c: c, path: fmt.Sprintf("/sites/%d/publishing", site.ID)}
}

func (e *publishingEnv) settings(t *testing.T) db.PublishingSettings {
	t.Helper()
	p, err := e.d.GetPublishingSettings(context.Background(), e.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *publishingEnv) saveSettings(t *testing.T, edit func(p *db.PublishingSettings)) {
	t.Helper()
	p := e.settings(t)
	edit(&p)
	if err := e.d.SavePublishingSettings(context.Background(), p, e.app.Clock.Now()); err != nil {
		t.Fatal(err)
	}
}

func (e *publishingEnv) seal(t *testing.T, plain string) string {
	t.Helper()
	s, err := e.app.Deps.Box.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPublishingSettingsValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		before := e.settings(t)
		for _, tc := range []struct {
			name  string
			edit  map[string]string
			field string
			keep  string // the field's input keeps this value
		}{
			{"no day selected", map[string]string{"publish_days": ""}, "publish_days", ""},
			{"slot 25:00", map[string]string{"publish_time_slots": "09:00, 25:00"}, "publish_time_slots", "09:00, 25:00"},
			{"duplicate slots", map[string]string{"publish_time_slots": "09:00, 14:00, 09:00"}, "publish_time_slots", "09:00, 14:00, 09:00"},
			{"stagger end before start", map[string]string{"scheduling_mode": "stagger", "stagger_start_time": "18:00", "stagger_end_time": "09:00"}, "stagger_end_time", "09:00"},
			{"interval 0", map[string]string{"scheduling_mode": "stagger", "stagger_interval_minutes": "0"}, "stagger_interval_minutes", "0"},
			{"interval 1441", map[string]string{"scheduling_mode": "stagger", "stagger_interval_minutes": "1441"}, "stagger_interval_minutes", "1441"},
			{"interval not a number", map[string]string{"stagger_interval_minutes": "often"}, "stagger_interval_minutes", "often"},
			{"negative daily target", map[string]string{"daily_target": "-1"}, "daily_target", "-1"},
			{"negative weekly target", map[string]string{"weekly_target": "-5"}, "weekly_target", "-5"},
			{"negative monthly target", map[string]string{"monthly_target": "-50"}, "monthly_target", "-50"},
			{"queue 0", map[string]string{"max_scheduled_queue": "0"}, "max_scheduled_queue", "0"},
			{"queue 10001", map[string]string{"max_scheduled_queue": "10001"}, "max_scheduled_queue", "10001"},
			{"unknown mode", map[string]string{"scheduling_mode": "hourly"}, "scheduling_mode", ""},
			{"webhook without URL", map[string]string{"target_kind": "webhook", "webhook_secret": "hunter2-secret"}, "webhook_url", ""},
			{"webhook without secret", map[string]string{"target_kind": "webhook", "webhook_url": "https://hooks.example.com/in"}, "webhook_secret", ""},
			{"wordpress without address", map[string]string{"target_kind": "wordpress", "wp_username": "editor", "wp_app_password": "pw pw pw"}, "wp_url", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := e.c.PostForm(t, e.path, settingsForm(tc.edit))
				if res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422\n%s", res.Status, res.Body)
				}
				if !res.Has("form-error") || res.TestID(t, "error-"+tc.field) == "" {
					t.Fatalf("no error for %s", tc.field)
				}
				if tc.keep != "" {
					if got := res.FormValue(t, tc.field); got != tc.keep {
						t.Errorf("%s input %q, want the user's %q", tc.field, got, tc.keep)
					}
				}
				// The preview shows the schedule fields' errors too.
				if tc.field != "webhook_url" && tc.field != "webhook_secret" && tc.field != "wp_url" && !res.Has("preview-error-"+tc.field) {
					t.Errorf("the preview does not show the %s error", tc.field)
				}
				if strings.Contains(res.Body, "hunter2-secret") || strings.Contains(res.Body, "pw pw pw") {
					t.Error("a secret came back in the page")
				}
				if after := e.settings(t); after != before {
					t.Errorf("a refused form changed the settings:\n%+v\n%+v", before, after)
				}
			})
		}
		// Other values are kept as sent, along with the error.
		res := e.c.PostForm(t, e.path, settingsForm(map[string]string{"scheduling_mode": "stagger", "stagger_interval_minutes": "0",
			"publish_days": "sat", "daily_target": "7", "auto_approval_enabled": ""}))
		if !hasAttr(res, "mode-stagger", "checked") || hasAttr(res, "mode-time_slots", "checked") {
			t.Error("the stagger mode is not kept checked")
		}
		if !hasAttr(res, "day-sat", "checked") || hasAttr(res, "day-mon", "checked") {
			t.Error("the chosen days are not kept")
		}
		if hasAttr(res, "auto-approval", "checked") || !hasAttr(res, "auto-publish", "checked") {
			t.Error("the switches are not kept")
		}
		if got := res.FormValue(t, "daily_target"); got != "7" {
			t.Errorf("daily target %q, want 7", got)
		}
	})
}

func hasAttr(r *handlertest.Response, id, name string) bool {
	_, ok := r.Attr(id, name)
	return ok
}

func TestPublishingSettingsSave(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newPublishingEnv(t, d)
		now := e.app.Clock.Now()

		// Auto-publish off: approved content waits, with the reason shown.
		e.saveSettings(t, func(p *db.PublishingSettings) { p.AutoPublishEnabled = false })
		waiting := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentApproved, ApprovedAt: &now, Now: now})
		e.app.Deps.Filler.FillSite(ctx, e.site.ID)
		page := e.c.Get(t, e.path)
		if got := page.TestID(t, "unscheduled-reason"); !strings.HasPrefix(got, "Auto-publish is off") {
			t.Fatalf("unscheduled reason %q", got)
		}
		if got := page.TestID(t, "queue-usage"); got != "0 scheduled / limit 100" {
			t.Errorf("queue usage %q", got)
		}

		// A good save: 303, flash, and the filler follows the new settings at once.
		res := e.c.PostForm(t, e.path, settingsForm(map[string]string{"scheduling_mode": "immediate", "publish_days": "",
			"max_scheduled_queue": "40", "weekly_target": "20", "wp_categories": " News ,, Guides "}))
		if res.Status != http.StatusSeeOther || res.Location() != e.path {
			t.Fatalf("save: %d %q\n%s", res.Status, res.Location(), res.Body)
		}
		page = e.c.Follow(t, res)
		if got := page.TestID(t, "flash"); got != "Publishing settings saved." {
			t.Errorf("flash %q", got)
		}
		p := e.settings(t)
		if p.SchedulingMode != "immediate" || p.PublishDays != "" || p.MaxScheduledQueue != 40 || p.WeeklyTarget != 20 || !p.AutoPublishEnabled || p.WPCategories != "News, Guides" {
			t.Fatalf("saved %+v", p)
		}
		if c, _ := d.ContentByID(ctx, waiting.ID); c.Status != db.ContentScheduled {
			t.Fatalf("after the save the filler should have scheduled the waiting article: %s %q", c.Status, c.UnscheduledReason)
		}
		if got := page.TestID(t, "queue-usage"); got != "1 scheduled / limit 40" {
			t.Errorf("queue usage %q", got)
		}

		// Webhook with a secret: stored sealed, never shown.
		const secret = "whsec-plain-text-1234"
		res = e.c.PostForm(t, e.path, settingsForm(map[string]string{"target_kind": "webhook", "webhook_url": "https://hooks.example.com/in", "webhook_secret": secret}))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save webhook: %d\n%s", res.Status, res.Body)
		}
		p = e.settings(t)
		if p.WebhookSecretEnc == "" || strings.Contains(p.WebhookSecretEnc, secret) {
			t.Fatalf("webhook secret stored as %q", p.WebhookSecretEnc)
		}
		if plain, err := e.app.Deps.Box.Open(p.WebhookSecretEnc); err != nil || plain != secret {
			t.Fatalf("sealed secret opens to %q, %v", plain, err)
		}
		page = e.c.Get(t, e.path)
		if strings.Contains(page.Body, secret) || !page.Has("webhook-secret-set") || !page.Has("test-connection") {
			t.Fatalf("page after saving a secret: shown %v, set %v, test button %v", strings.Contains(page.Body, secret), page.Has("webhook-secret-set"), page.Has("test-connection"))
		}
		if v := page.FormValue(t, "webhook_secret"); v != "" {
			t.Errorf("the secret field holds %q", v)
		}

		// A blank secret keeps the stored one.
		sealed := p.WebhookSecretEnc
		res = e.c.PostForm(t, e.path, settingsForm(map[string]string{"target_kind": "webhook", "webhook_url": "https://hooks.example.com/other"}))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save without secret: %d\n%s", res.Status, res.Body)
		}
		if p = e.settings(t); p.WebhookSecretEnc != sealed || p.WebhookURL != "https://hooks.example.com/other" {
			t.Fatalf("blank secret: stored %q (was %q), url %q", p.WebhookSecretEnc, sealed, p.WebhookURL)
		}

		// Generating a secret shows it once, in this response only.
		res = e.c.PostForm(t, e.path, settingsForm(map[string]string{"target_kind": "webhook", "webhook_url": "https://hooks.example.com/other", "generate_webhook_secret": "on"}))
		if res.Status != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("generate: %d, Cache-Control %q", res.Status, res.Header.Get("Cache-Control"))
		}
		gen := res.TestID(t, "new-webhook-secret")
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(gen) {
			t.Fatalf("generated secret %q", gen)
		}
		if plain, _ := e.app.Deps.Box.Open(e.settings(t).WebhookSecretEnc); plain != gen {
			t.Fatal("the stored secret is not the one shown")
		}
		if page := e.c.Get(t, e.path); strings.Contains(page.Body, gen) || page.Has("new-webhook-secret") {
			t.Fatal("the generated secret is shown again")
		}

		// WordPress: the application password is write-only too.
		const pw = "abcd EFGH 1234 ijkl"
		res = e.c.PostForm(t, e.path, settingsForm(map[string]string{"target_kind": "wordpress", "wp_url": "https://blog.example.com",
			"wp_username": "editor", "wp_app_password": pw, "wp_tags": "coffee"}))
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save wordpress: %d\n%s", res.Status, res.Body)
		}
		p = e.settings(t)
		if plain, _ := e.app.Deps.Box.Open(p.WPAppPasswordEnc); plain != pw || p.WPUsername != "editor" || p.WPTags != "coffee" {
			t.Fatalf("wordpress settings %+v", p)
		}
		page = e.c.Get(t, e.path)
		if strings.Contains(page.Body, pw) || strings.Contains(page.Body, p.WPAppPasswordEnc) || strings.Contains(page.Body, p.WebhookSecretEnc) || !page.Has("wp-app-password-set") {
			t.Fatal("the WordPress page shows a secret or its ciphertext, or not that one is stored")
		}
	})
}

func TestPublishingPreview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		preview := func(edit map[string]string) *handlertest.Response {
			t.Helper()
			res := e.c.PostHTMX(t, e.path+"/preview", settingsForm(edit))
			if res.Status != http.StatusOK || strings.Contains(res.Body, "<html") {
				t.Fatalf("preview: %d, want a 200 partial\n%s", res.Status, res.Body)
			}
			return res
		}
		wantSlots := func(res *handlertest.Response, want ...string) {
			t.Helper()
			got := res.TestIDs("preview-slot")
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("slots\n got %q\nwant %q", got, want)
			}
		}

		// The defaults: Monday to Friday at 09:00, 14:00, 18:00 in Berlin.
		res := preview(nil)
		wantSlots(res, "Mon 2026-03-02 09:00 CET", "Mon 2026-03-02 14:00 CET", "Mon 2026-03-02 18:00 CET",
			"Tue 2026-03-03 09:00 CET", "Tue 2026-03-03 14:00 CET", "Tue 2026-03-03 18:00 CET",
			"Wed 2026-03-04 09:00 CET", "Wed 2026-03-04 14:00 CET", "Wed 2026-03-04 18:00 CET", "Thu 2026-03-05 09:00 CET")
		if got := res.TestID(t, "capacity-week"); got != "The schedule gives 15 slots a week; goal 15." {
			t.Errorf("capacity %q", got)
		}

		// Unsaved values are previewed; taken slots are skipped.
		mon9 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentScheduled, ScheduledAt: &mon9, Now: e.app.Clock.Now()})
		res = preview(map[string]string{"scheduling_mode": "stagger", "stagger_start_time": "09:00", "stagger_end_time": "10:00", "weekly_target": "30"})
		wantSlots(res, "Mon 2026-03-02 09:15 CET", "Mon 2026-03-02 09:30 CET", "Mon 2026-03-02 09:45 CET", "Mon 2026-03-02 10:00 CET",
			"Tue 2026-03-03 09:00 CET", "Tue 2026-03-03 09:15 CET", "Tue 2026-03-03 09:30 CET", "Tue 2026-03-03 09:45 CET", "Tue 2026-03-03 10:00 CET",
			"Wed 2026-03-04 09:00 CET")
		if got := res.TestID(t, "capacity-week"); got != "The schedule gives 25 slots a week; goal 30." {
			t.Errorf("stagger capacity %q", got)
		}
		if e.settings(t).SchedulingMode != "time_slots" {
			t.Fatal("the preview saved the settings")
		}

		// Weekend days only, with the clocks going forward in Berlin on 29 March.
		res = preview(map[string]string{"publish_days": "sun", "publish_time_slots": "02:30"})
		wantSlots(res, "Sun 2026-03-08 02:30 CET", "Sun 2026-03-15 02:30 CET", "Sun 2026-03-22 02:30 CET",
			"Sun 2026-03-29 03:30 CEST", "Sun 2026-04-05 02:30 CEST", "Sun 2026-04-12 02:30 CEST", "Sun 2026-04-19 02:30 CEST",
			"Sun 2026-04-26 02:30 CEST", "Sun 2026-05-03 02:30 CEST", "Sun 2026-05-10 02:30 CEST")

		// Immediate: one a minute from the current one.
		res = preview(map[string]string{"scheduling_mode": "immediate"})
		if got := res.TestIDs("preview-slot"); len(got) != 10 || got[0] != "Sun 2026-03-01 13:00 CET" || got[9] != "Sun 2026-03-01 13:09 CET" {
			t.Errorf("immediate slots %q", got)
		}

		// Invalid values: the field errors instead of slots.
		res = preview(map[string]string{"publish_days": "", "publish_time_slots": "09:00, 25:00", "daily_target": "-1"})
		if res.Has("preview-slot") || !res.Has("preview-error-publish_days") || !res.Has("preview-error-publish_time_slots") || !res.Has("preview-error-daily_target") {
			t.Errorf("invalid schedule preview:\n%s", res.Body)
		}
		res = preview(map[string]string{"scheduling_mode": "stagger", "stagger_start_time": "18:00", "stagger_end_time": "09:00", "stagger_interval_minutes": "0"})
		if res.Has("preview-slot") || !res.Has("preview-error-stagger_end_time") || !res.Has("preview-error-stagger_interval_minutes") {
			t.Errorf("invalid stagger preview:\n%s", res.Body)
		}
	})
}

func TestPublishingTestConnection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPublishingEnv(t, d)
		test := func() string {
			t.Helper()
			res := e.c.PostHTMX(t, e.path+"/test", url.Values{})
			if res.Status != http.StatusOK || strings.Contains(res.Body, "<html") {
				t.Fatalf("test connection: %d\n%s", res.Status, res.Body)
			}
			return res.TestID(t, "test-result")
		}
		// The button is part of the form (hidden by CSS for the local target).
		if page := e.c.Get(t, e.path); !strings.Contains(page.Body, `formaction="`+e.path+`/test"`) {
			t.Error("Test connection is not part of the settings form")
		}

		wp := wpfake.New()
		defer wp.Close()
		e.saveSettings(t, func(p *db.PublishingSettings) {
			p.TargetKind, p.WPURL, p.WPUsername, p.WPAppPasswordEnc = "wordpress", wp.URL, wpfake.DefaultUsername, e.seal(t, "wrong password")
		})
		steps := func() []string {
			t.Helper()
			res := e.c.PostHTMX(t, e.path+"/test", url.Values{})
			var out []string
			for _, status := range []string{"ok", "failed", "skipped"} {
				for range strings.Count(res.Body, `data-testid="test-step-`+status+`"`) {
					out = append(out, status)
				}
			}
			return out
		}
		want := `Sign in failed: WordPress did not accept user "editor" with this application password`
		if got := test(); !strings.HasPrefix(got, want) {
			t.Errorf("wrong password: %q\nwant it to start %q", got, want)
		}
		if got := strings.Join(steps(), ","); got != "ok,failed,skipped,skipped,skipped" {
			t.Errorf("wrong password: steps %s", got)
		}
		e.saveSettings(t, func(p *db.PublishingSettings) { p.WPAppPasswordEnc = e.seal(t, wpfake.DefaultPassword) })
		if got := test(); got != "Connected: WordPress passed every step publishing will take." {
			t.Errorf("right password: %q", got)
		}
		if got := strings.Join(steps(), ","); got != "ok,ok,ok,ok,ok" {
			t.Errorf("right password: steps %s", got)
		}
		wp.SetCapability("upload_files", false)
		if got := test(); !strings.HasPrefix(got, `Upload images failed: WordPress user "editor" may not upload media: give them the Author role or higher`) {
			t.Errorf("user without upload_files: %q", got)
		}

		// Webhook: the receiver checks the signature.
		var status atomic.Int32
		status.Store(http.StatusOK)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.Header.Get(targets.HeaderSignature) != targets.Sign("hook secret", body) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(int(status.Load()))
		}))
		defer hook.Close()
		e.saveSettings(t, func(p *db.PublishingSettings) {
			p.TargetKind, p.WebhookURL, p.WebhookSecretEnc = "webhook", hook.URL, e.seal(t, "hook secret")
		})
		if got := test(); got != "Connected: the webhook accepted a signed ping." {
			t.Errorf("webhook: %q", got)
		}
		e.saveSettings(t, func(p *db.PublishingSettings) { p.WebhookSecretEnc = e.seal(t, "another secret") })
		if got := test(); !strings.Contains(got, "refused the signature") {
			t.Errorf("wrong webhook secret: %q", got)
		}
		status.Store(http.StatusInternalServerError)
		e.saveSettings(t, func(p *db.PublishingSettings) { p.WebhookSecretEnc = e.seal(t, "hook secret") })
		if got := test(); got != "The webhook receiver failed (HTTP 500)." {
			t.Errorf("webhook 500: %q", got)
		}
		// A secret sealed under another APP_SECRET cannot be used.
		e.saveSettings(t, func(p *db.PublishingSettings) { p.WebhookSecretEnc = "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })
		if got := test(); !strings.Contains(got, "cannot be decrypted") {
			t.Errorf("undecryptable secret: %q", got)
		}

		// Before saving: the form's own values are tested; a blank secret
		// means the stored one, and nothing is saved.
		form := settingsForm(map[string]string{"target_kind": "wordpress", "wp_url": wp.URL, "wp_username": wpfake.DefaultUsername,
			"wp_app_password": "wrong password"})
		res := e.c.PostHTMX(t, e.path+"/test", form)
		if got := res.TestID(t, "test-result"); !strings.HasPrefix(got, `Sign in failed: WordPress did not accept user "editor"`) {
			t.Errorf("unsaved wrong password: %q", got)
		}
		wp.SetCapability("upload_files", true)
		form.Set("wp_app_password", wpfake.DefaultPassword)
		if got := e.c.PostHTMX(t, e.path+"/test", form).TestID(t, "test-result"); got != "Connected: WordPress passed every step publishing will take." {
			t.Errorf("unsaved right password: %q", got)
		}
		if p := e.settings(t); p.TargetKind != "webhook" {
			t.Errorf("testing the form saved it: target %q", p.TargetKind)
		}

		// Without htmx the whole page comes back with the result.
		res = e.c.PostForm(t, e.path+"/test", url.Values{})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "<html") || !res.Has("test-result") {
			t.Errorf("test without htmx: %d", res.Status)
		}
	})
}
