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
// target's connection fields.
func Validate(p db.PublishingSettings) map[string]string {
	errs := Plan(p).Validate()
	if errs == nil {
		errs = map[string]string{}
	}
	for _, name := range p.Days() {
		if len(ParseDays([]string{name})) == 0 {
			errs["publish_days"] = fmt.Sprintf("%q is not a weekday (use mon, tue, …)", name)
		}
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
	case "wordpress":
		if !httpURL(p.WPURL) {
			errs["wp_url"] = "enter the WordPress site address, e.g. https://blog.example.com"
		}
		if strings.TrimSpace(p.WPUsername) == "" {
			errs["wp_username"] = "enter the WordPress username"
		}
	default:
		errs["target_kind"] = "choose local, webhook or wordpress"
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func httpURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
