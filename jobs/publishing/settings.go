package publishing

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"autopress/db"
)

// DayNames are the stored names of the weekdays, Sunday first (time.Weekday order).
var DayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDays turns stored day names into weekdays, ignoring unknown names.
func ParseDays(names []string) []time.Weekday {
	var out []time.Weekday
	for _, n := range names {
		for i, d := range DayNames {
			if strings.EqualFold(strings.TrimSpace(n), d) {
				out = append(out, time.Weekday(i))
			}
		}
	}
	return out
}

// NormalizeDays lower-cases and de-duplicates day names and puts the known
// ones in week order, Monday first; unknown names follow as given, for
// Validate to name them.
func NormalizeDays(names []string) []string {
	var known [7]bool
	var out, unknown []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		if d := ParseDays([]string{n}); len(d) == 1 {
			known[d[0]] = true
		} else {
			unknown = append(unknown, n)
		}
	}
	for i := 1; i <= 7; i++ {
		if d := time.Weekday(i % 7); known[d] {
			out = append(out, DayNames[d])
		}
	}
	return append(out, unknown...)
}

// Plan returns the planner's view of a site's settings.
func Plan(p db.PublishingSettings) PlanSettings {
	return PlanSettings{
		Mode:            Mode(p.SchedulingMode),
		Days:            ParseDays(p.Days()),
		TimeSlots:       p.Slots(),
		StaggerStart:    p.StaggerStartTime,
		StaggerEnd:      p.StaggerEndTime,
		StaggerInterval: p.StaggerIntervalMinutes,
	}
}

// Validate checks a site's publishing settings and returns field → message
// (nil when valid): the planner's rules plus targets, queue limit and the
// target's connection fields. Keys are the form and API field names
// ("scheduling_mode", "publish_days", "webhook_url", …).
//
// The target's secrets must already be stored, sealed: a webhook needs
// WebhookSecretEnc and WordPress WPAppPasswordEnc, since neither can
// publish without them.
func Validate(p db.PublishingSettings) map[string]string {
	errs := PlanErrors(p)
	if errs == nil {
		errs = map[string]string{}
	}
	// The column has a CHECK whatever the mode, so an interval that only a
	// stagger schedule would use is still refused here rather than by the
	// database.
	if _, ok := errs["stagger_interval_minutes"]; !ok && (p.StaggerIntervalMinutes < 1 || p.StaggerIntervalMinutes > 1440) {
		errs["stagger_interval_minutes"] = "must be between 1 and 1440 minutes"
	}
	for field, v := range map[string]int{"daily_target": p.DailyTarget, "weekly_target": p.WeeklyTarget, "monthly_target": p.MonthlyTarget} {
		if v < 0 {
			errs[field] = "must be 0 or more"
		}
	}
	if p.MaxScheduledQueue < 1 || p.MaxScheduledQueue > 10000 {
		errs["max_scheduled_queue"] = "must be between 1 and 10000"
	}
	switch p.TargetKind {
	case "local":
	case "webhook":
		if !httpURL(p.WebhookURL) {
			errs["webhook_url"] = "enter the http(s) URL that receives the JSON POST"
		}
		if p.WebhookSecretEnc == "" {
			errs["webhook_secret"] = "enter a signing secret or generate one"
		}
	case "wordpress":
		if !httpURL(p.WPURL) {
			errs["wp_url"] = "enter the WordPress site address, e.g. https://blog.example.com"
		}
		if strings.TrimSpace(p.WPUsername) == "" {
			errs["wp_username"] = "enter the WordPress username"
		}
		if p.WPAppPasswordEnc == "" {
			errs["wp_app_password"] = "enter an application password (WordPress: Users → Profile → Application Passwords)"
		}
	default:
		errs["target_kind"] = "choose local, webhook or wordpress"
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// PlanErrors returns the problems of the schedule part of the settings
// (mode, days, slots, stagger window), keyed by form and API field names:
// what the slot preview shows instead of slots.
func PlanErrors(p db.PublishingSettings) map[string]string {
	errs := Plan(p).Validate()
	if msg, ok := errs["mode"]; ok {
		delete(errs, "mode")
		errs["scheduling_mode"] = msg
	}
	for _, name := range p.Days() {
		if len(ParseDays([]string{name})) == 0 {
			if errs == nil {
				errs = map[string]string{}
			}
			errs["publish_days"] = fmt.Sprintf("%q is not a weekday (use mon, tue, …)", name)
		}
	}
	return errs
}

// maxURL bounds the target addresses (a browser's practical limit).
const maxURL = 2000

func httpURL(s string) bool {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	return err == nil && len(s) <= maxURL && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
