package views

import (
	"fmt"
	"time"
)

// TimeLayoutSeconds is TimeLayout to the second, for times that would
// otherwise collide (a run created, started and finished in one minute).
const TimeLayoutSeconds = "2006-01-02 15:04:05 MST"

// FormatSeconds is FormatTime to the second.
func FormatSeconds(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(TimeLayoutSeconds)
}

// FormatSecondsPtr is FormatSeconds for optional times.
func FormatSecondsPtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "—"
	}
	return FormatSeconds(*t, loc)
}

// Relative says how far t is from now in a few characters: "in 3 h",
// "5 min ago", "just now", "in 2 days". The zero time is "".
func Relative(t, now time.Time) string {
	if t.IsZero() || now.IsZero() {
		return ""
	}
	d := t.Sub(now)
	future := d > 0
	if !future {
		d = -d
	}
	var s string
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < 90*time.Minute:
		s = fmt.Sprintf("%d min", max(1, int((d+30*time.Second)/time.Minute)))
	case d < 36*time.Hour:
		s = fmt.Sprintf("%d h", int((d+30*time.Minute)/time.Hour))
	case d < 60*24*time.Hour:
		s = fmt.Sprintf("%d days", int((d+12*time.Hour)/(24*time.Hour)))
	default:
		s = fmt.Sprintf("%d months", int(d/(30*24*time.Hour)))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// RelativePtr is Relative for optional times ("" when nil).
func RelativePtr(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	return Relative(*t, now)
}

// Duration says how long something took in at most two units: "12 s",
// "4 min 12 s", "1 h 3 min", "2 days 5 h".
func Duration(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600:
		return twoUnits(s/60, "min", s%60, "s")
	case s < 86400:
		return twoUnits(s/3600, "h", s%3600/60, "min")
	}
	days := "days"
	if s/86400 == 1 {
		days = "day"
	}
	return twoUnits(s/86400, days, s%86400/3600, "h")
}

func twoUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d %s", a, ua)
	}
	return fmt.Sprintf("%d %s %d %s", a, ua, b, ub)
}
