package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"autopress/db"
	"autopress/jobs/automation"
	"autopress/jobs/publishing"
)

// Limits of the automation config's numbers (the columns are 32-bit
// integers, max_credits_per_run 64-bit).
const (
	maxItemLimit   = 1_000_000
	maxCreditLimit = 1_000_000_000_000
)

// configFields are the editable fields of the automation config, in form
// order; the form and the API use the same names.
var configFields = func() []string {
	f := []string{"enabled", "frequency", "scheduled_time", "weekday", "day_of_month"}
	for _, st := range automation.Stages {
		f = append(f, st.ToggleColumn)
	}
	for _, st := range automation.Stages {
		f = append(f, st.LimitColumn)
	}
	return append(f, "max_credits_per_run", "concurrency")
}()

// configReadOnly are fields the API shows but a PUT ignores, so a client
// may send back what it read.
var configReadOnly = []string{"next_run_at", "last_scheduled_at", "last_scheduled_outcome", "last_scheduled_detail",
	"updated_at", "auto_approval_enabled", "estimate", "hints"}

// parseAutomationConfig is the one validation of the automation settings,
// for the form and the API: it applies raw (field → the value as text) to
// base and returns the result with a message per refused field. A field
// missing from raw keeps base's value; next_run_at is left to the caller.
func parseAutomationConfig(raw map[string]string, base db.AutomationConfig) (db.AutomationConfig, map[string]string) {
	c := base
	errs := map[string]string{}
	get := func(name string) (string, bool) {
		v, ok := raw[name]
		return strings.TrimSpace(v), ok
	}
	boolean := func(name string, dst *bool) {
		v, ok := get(name)
		if !ok {
			return
		}
		switch strings.ToLower(v) {
		case "on", "true", "1", "yes":
			*dst = true
		case "", "off", "false", "0", "no":
			*dst = false
		default:
			errs[name] = "must be true or false"
		}
	}
	integer := func(name string, lo, hi int64, msg string) (int64, bool) {
		v, ok := get(name)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			errs[name] = msg
			return 0, false
		}
		return n, true
	}
	intField := func(name string, dst *int, lo, hi int64, msg string) {
		if n, ok := integer(name, lo, hi, msg); ok {
			*dst = int(n)
		}
	}

	boolean("enabled", &c.Enabled)
	if v, ok := get("frequency"); ok {
		switch f := strings.ToLower(v); f {
		case automation.Daily, automation.Weekly, automation.Monthly:
			c.Frequency = f
		default:
			errs["frequency"] = "choose daily, weekly or monthly"
		}
	}
	if v, ok := get("scheduled_time"); ok {
		if _, err := publishing.ParseClock(v); err != nil {
			errs["scheduled_time"] = "enter a time as HH:MM, from 00:00 to 23:59"
		} else {
			c.ScheduledTime = v
		}
	}
	intField("weekday", &c.Weekday, 0, 6, "choose a weekday from 0 (Sunday) to 6 (Saturday)")
	intField("day_of_month", &c.DayOfMonth, 1, 31, "enter a day of the month from 1 to 31")
	limitMsg := fmt.Sprintf("enter a whole number from 0 to %d (0 = unlimited)", maxItemLimit)
	for _, st := range automation.Stages {
		enabled, limit := st.Enabled(c), st.Limit(c)
		boolean(st.ToggleColumn, &enabled)
		intField(st.LimitColumn, &limit, 0, maxItemLimit, limitMsg)
		st.Set(&c, enabled, limit)
	}
	if n, ok := integer("max_credits_per_run", 0, maxCreditLimit, fmt.Sprintf("enter a whole number of credits from 0 to %d (0 = no cap)", int64(maxCreditLimit))); ok {
		c.MaxCreditsPerRun = n
	}
	intField("concurrency", &c.Concurrency, 1, 64, "enter a number from 1 to 64")
	if len(errs) == 0 {
		return c, nil
	}
	return c, errs
}

// configValues is a config's fields as the form shows them.
func configValues(c db.AutomationConfig) map[string]string {
	on := func(b bool) string {
		if b {
			return "on"
		}
		return ""
	}
	v := map[string]string{
		"enabled": on(c.Enabled), "frequency": c.Frequency, "scheduled_time": c.ScheduledTime,
		"weekday": strconv.Itoa(c.Weekday), "day_of_month": strconv.Itoa(c.DayOfMonth),
		"max_credits_per_run": strconv.FormatInt(c.MaxCreditsPerRun, 10), "concurrency": strconv.Itoa(c.Concurrency),
	}
	for _, st := range automation.Stages {
		v[st.ToggleColumn] = on(st.Enabled(c))
		v[st.LimitColumn] = strconv.Itoa(st.Limit(c))
	}
	return v
}

// saveAutomationConfig stores a validated config with its next scheduled
// run (none when the schedule is off), computed in the site's time zone.
func (h *app) saveAutomationConfig(ctx context.Context, s db.Site, c db.AutomationConfig) (db.AutomationConfig, error) {
	now := h.Clock.Now()
	c.SiteID = s.ID
	c.NextRunAt = nil
	if c.Enabled {
		next, err := automation.NextOccurrence(c, s.Location(), now)
		if err != nil {
			return c, err
		}
		c.NextRunAt = &next
	}
	if err := h.DB.SaveAutomationConfig(ctx, c, now); err != nil {
		return c, err
	}
	return h.DB.GetAutomationConfig(ctx, s.ID)
}
