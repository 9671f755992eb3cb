package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"autopress/db"
	"autopress/handlers/input"
	"autopress/jobs/publishing"
	"autopress/views"
)

// publishingForm is the publishing settings form as sent. Numbers stay
// text until parsed, so a bad value comes back to the user as typed.
type publishingForm struct {
	AutoApproval    bool
	AutoPublish     bool
	Mode            string
	Days            []string
	TimeSlots       string
	StaggerStart    string
	StaggerEnd      string
	StaggerInterval string
	DailyTarget     string
	WeeklyTarget    string
	MonthlyTarget   string
	MaxQueue        string
	TargetKind      string
	WebhookURL      string
	// WebhookSecret and WPAppPassword are write-only: blank keeps the
	// stored secret.
	WebhookSecret  string
	GenerateSecret bool
	WPURL          string
	WPUsername     string
	WPAppPassword  string
	WPCategories   string
	WPTags         string
}

// publishingFields are the settings' form and API field names in form
// order: the order errors are reported in.
var publishingFields = []string{
	"scheduling_mode", "publish_days", "publish_time_slots", "stagger_start_time", "stagger_end_time", "stagger_interval_minutes",
	"daily_target", "weekly_target", "monthly_target", "max_scheduled_queue",
	"target_kind", "webhook_url", "webhook_secret", "wp_url", "wp_username", "wp_app_password", "wp_categories", "wp_tags",
}

// scheduleFields decide the slots; previewFields are the fields whose
// changes refresh the slot preview, which shows their errors.
var (
	scheduleFields = publishingFields[:6]
	previewFields  = publishingFields[:10]
)

// publishingLabels name the fields in the preview's error list.
var publishingLabels = map[string]string{
	"scheduling_mode":          "Schedule",
	"publish_days":             "Publishing days",
	"publish_time_slots":       "Time slots",
	"stagger_start_time":       "From",
	"stagger_end_time":         "Until",
	"stagger_interval_minutes": "Every (minutes)",
	"daily_target":             "Goal per day",
	"weekly_target":            "Goal per week",
	"monthly_target":           "Goal per month",
	"max_scheduled_queue":      "Queue limit",
}

func parsePublishingForm(c echo.Context) (publishingForm, error) {
	vals, err := c.FormParams()
	if err != nil {
		return publishingForm{}, badRequest("", "The form could not be read.")
	}
	get := func(name string) string { return strings.TrimSpace(vals.Get(name)) }
	return publishingForm{
		AutoApproval:    vals.Get("auto_approval_enabled") != "",
		AutoPublish:     vals.Get("auto_publish_enabled") != "",
		Mode:            get("scheduling_mode"),
		Days:            vals["publish_days"],
		TimeSlots:       get("publish_time_slots"),
		StaggerStart:    get("stagger_start_time"),
		StaggerEnd:      get("stagger_end_time"),
		StaggerInterval: get("stagger_interval_minutes"),
		DailyTarget:     get("daily_target"),
		WeeklyTarget:    get("weekly_target"),
		MonthlyTarget:   get("monthly_target"),
		MaxQueue:        get("max_scheduled_queue"),
		TargetKind:      get("target_kind"),
		WebhookURL:      get("webhook_url"),
		WebhookSecret:   get("webhook_secret"),
		GenerateSecret:  vals.Get("generate_webhook_secret") != "",
		WPURL:           get("wp_url"),
		WPUsername:      get("wp_username"),
		WPAppPassword:   get("wp_app_password"),
		WPCategories:    get("wp_categories"),
		WPTags:          get("wp_tags"),
	}, nil
}

// formFromSettings fills the form with saved settings (secrets stay blank).
func formFromSettings(p db.PublishingSettings) publishingForm {
	return publishingForm{
		AutoApproval:    p.AutoApprovalEnabled,
		AutoPublish:     p.AutoPublishEnabled,
		Mode:            p.SchedulingMode,
		Days:            p.Days(),
		TimeSlots:       strings.Join(p.Slots(), ", "),
		StaggerStart:    p.StaggerStartTime,
		StaggerEnd:      p.StaggerEndTime,
		StaggerInterval: strconv.Itoa(p.StaggerIntervalMinutes),
		DailyTarget:     strconv.Itoa(p.DailyTarget),
		WeeklyTarget:    strconv.Itoa(p.WeeklyTarget),
		MonthlyTarget:   strconv.Itoa(p.MonthlyTarget),
		MaxQueue:        strconv.Itoa(p.MaxScheduledQueue),
		TargetKind:      p.TargetKind,
		WebhookURL:      p.WebhookURL,
		WPURL:           p.WPURL,
		WPUsername:      p.WPUsername,
		WPCategories:    p.WPCategories,
		WPTags:          p.WPTags,
	}
}

// settings applies the form to the saved settings. errs holds the fields
// that did not parse (numbers); secrets are not touched here (sealSecrets).
func (f publishingForm) settings(saved db.PublishingSettings) (p db.PublishingSettings, errs map[string]string) {
	p, errs = saved, map[string]string{}
	p.AutoApprovalEnabled, p.AutoPublishEnabled = f.AutoApproval, f.AutoPublish
	p.SchedulingMode = f.Mode
	p.PublishDays = strings.Join(publishing.NormalizeDays(f.Days), ",")
	p.PublishTimeSlots = strings.Join(splitSlots(f.TimeSlots), ",")
	p.StaggerStartTime, p.StaggerEndTime = f.StaggerStart, f.StaggerEnd
	for _, n := range []struct {
		field string
		text  string
		dst   *int
	}{
		{"stagger_interval_minutes", f.StaggerInterval, &p.StaggerIntervalMinutes},
		{"daily_target", f.DailyTarget, &p.DailyTarget},
		{"weekly_target", f.WeeklyTarget, &p.WeeklyTarget},
		{"monthly_target", f.MonthlyTarget, &p.MonthlyTarget},
		{"max_scheduled_queue", f.MaxQueue, &p.MaxScheduledQueue},
	} {
		v, err := strconv.Atoi(n.text)
		if err != nil {
			errs[n.field] = "enter a whole number"
			continue
		}
		*n.dst = v
	}
	p.TargetKind = f.TargetKind
	p.WebhookURL = f.WebhookURL
	p.WPURL, p.WPUsername = f.WPURL, f.WPUsername
	p.WPCategories, p.WPTags = joinList(f.WPCategories), joinList(f.WPTags)
	return p, errs
}

// splitSlots splits "09:00, 14:00 18:00" at commas and spaces.
func splitSlots(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// joinList tidies a comma-separated list: "a ,, b" becomes "a, b".
func joinList(s string) string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return strings.Join(out, ", ")
}

// newSecrets are the secrets a save brings: typed in, or generated.
type newSecrets struct {
	WebhookSecret string
	// Generated is true when WebhookSecret was made by the server, to be
	// shown once.
	Generated     bool
	WPAppPassword string
}

// sealSecrets stores new secrets in p, sealed; a blank one keeps what is
// stored. Without a secretbox (no APP_SECRET) a new secret is a field error.
func (h *app) sealSecrets(p *db.PublishingSettings, s newSecrets, errs map[string]string) error {
	for _, sec := range []struct {
		field, plain string
		dst          *string
	}{
		{"webhook_secret", s.WebhookSecret, &p.WebhookSecretEnc},
		{"wp_app_password", s.WPAppPassword, &p.WPAppPasswordEnc},
	} {
		if sec.plain == "" {
			continue
		}
		if h.Box == nil {
			errs[sec.field] = "cannot be stored: the server has no APP_SECRET to encrypt it with"
			continue
		}
		if err := input.Line(maxSecret).Check(sec.plain); err != nil {
			errs[sec.field] = err.Error()
			continue
		}
		sealed, err := h.Box.Seal(sec.plain)
		if err != nil {
			return fmt.Errorf("handlers: seal secret: %w", err)
		}
		*sec.dst = sealed
	}
	return nil
}

// secrets returns what the form brings for the stored secrets.
func (f publishingForm) secrets() newSecrets {
	if f.GenerateSecret {
		return newSecrets{WebhookSecret: publishing.NewWebhookSecret(), Generated: true, WPAppPassword: f.WPAppPassword}
	}
	return newSecrets{WebhookSecret: f.WebhookSecret, WPAppPassword: f.WPAppPassword}
}

// view is the form as the page shows it; saved says which secrets are stored.
func (f publishingForm) view(saved db.PublishingSettings, errs map[string]string) views.PublishingForm {
	days := map[string]bool{}
	for _, d := range f.Days {
		days[strings.ToLower(d)] = true
	}
	return views.PublishingForm{
		AutoApproval: f.AutoApproval, AutoPublish: f.AutoPublish, Mode: f.Mode, Days: days,
		TimeSlots: f.TimeSlots, StaggerStart: f.StaggerStart, StaggerEnd: f.StaggerEnd, StaggerInterval: f.StaggerInterval,
		DailyTarget: f.DailyTarget, WeeklyTarget: f.WeeklyTarget, MonthlyTarget: f.MonthlyTarget, MaxQueue: f.MaxQueue,
		TargetKind: f.TargetKind, WebhookURL: f.WebhookURL, WebhookSecretSet: saved.WebhookSecretEnc != "", GenerateSecret: f.GenerateSecret,
		WPURL: f.WPURL, WPUsername: f.WPUsername, WPPasswordSet: saved.WPAppPasswordEnc != "",
		WPCategories: f.WPCategories, WPTags: f.WPTags, Errors: errs,
	}
}

// Limits of the publishing settings' text, in characters.
const (
	maxSecret     = 1000
	maxWPUsername = 200
	maxTermList   = 2000
)

// validatePublishing merges parse errors with publishing.Validate's; nil
// when the settings can be saved. Text fields are checked here (input.Text)
// before publishing.Validate's rules, whose message a bad character would
// only confuse.
func validatePublishing(p db.PublishingSettings, parseErrs map[string]string) map[string]string {
	errs := map[string]string{}
	for k, v := range publishing.Validate(p) {
		errs[k] = v
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{
		{"scheduling_mode", p.SchedulingMode, 0},
		{"publish_days", p.PublishDays, 0},
		{"publish_time_slots", p.PublishTimeSlots, 0},
		{"stagger_start_time", p.StaggerStartTime, 0},
		{"stagger_end_time", p.StaggerEndTime, 0},
		{"target_kind", p.TargetKind, 0},
		{"webhook_url", p.WebhookURL, maxURL},
		{"wp_url", p.WPURL, maxURL},
		{"wp_username", p.WPUsername, maxWPUsername},
		{"wp_categories", p.WPCategories, maxTermList},
		{"wp_tags", p.WPTags, maxTermList},
	} {
		if err := input.Line(f.max).Check(f.value); err != nil {
			errs[f.field] = err.Error()
		}
	}
	for k, v := range parseErrs {
		errs[k] = v // a field that did not parse says so, not what its old value broke
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// firstError is the first field in form order with an error (the API's
// "field"), or any field Validate knows and the list does not.
func firstError(errs map[string]string) (field, msg string) {
	for _, f := range publishingFields {
		if m, ok := errs[f]; ok {
			return f, m
		}
	}
	for f, m := range errs {
		if field == "" || f < field {
			field, msg = f, m
		}
	}
	return field, msg
}
