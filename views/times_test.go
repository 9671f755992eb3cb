package views

import (
	"testing"
	"time"
)

func TestRelative(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{now, "just now"},
		{now.Add(-44 * time.Second), "just now"},
		{now.Add(50 * time.Second), "in 1 min"},
		{now.Add(-5 * time.Minute), "5 min ago"},
		{now.Add(89 * time.Minute), "in 89 min"},
		{now.Add(3 * time.Hour), "in 3 h"},
		{now.Add(-26 * time.Hour), "26 h ago"},
		{now.Add(48 * time.Hour), "in 2 days"},
		{now.Add(-90 * 24 * time.Hour), "3 months ago"},
		{time.Time{}, ""},
	} {
		if got := Relative(tc.at, now); got != tc.want {
			t.Errorf("Relative(%v) = %q, want %q", tc.at.Sub(now), got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1375: "1,375", 1234567: "1,234,567", -20: "−20", -12345: "−12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)
	if got := FormatSeconds(at, berlin); got != "2026-03-01 13:00:05 CET" {
		t.Errorf("FormatSeconds = %q", got)
	}
	if got := FormatSecondsPtr(nil, berlin); got != "—" {
		t.Errorf("nil = %q", got)
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"},
		{-time.Second, "0 s"},
		{1400 * time.Millisecond, "1 s"},
		{59 * time.Second, "59 s"},
		{60 * time.Second, "1 min"},
		{252 * time.Second, "4 min 12 s"},
		{time.Hour + 3*time.Minute + 20*time.Second, "1 h 3 min"},
		{24 * time.Hour, "1 day"},
		{53 * time.Hour, "2 days 5 h"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
