package publishing

import (
	"errors"
	"testing"
	"time"

	"autopress/db"
)

// TestFreeSlots: the planner's slots in a range, after now, less the taken
// ones; a slot at the range's start counts; across a DST change the wall
// clock holds; immediate mode has none; bad settings are an error.
func TestFreeSlots(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, berlin) }
	p := db.PublishingSettings{SchedulingMode: string(ModeTimeSlots), PublishDays: "mon,tue,wed,thu,fri", PublishTimeSlots: "09:00,14:00"}
	week := at(2026, 3, 2, 0, 0) // a Monday
	hm := func(ts []time.Time) []string {
		var out []string
		for _, s := range ts {
			out = append(out, s.In(berlin).Format("Mon 15:04"))
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		settings db.PublishingSettings
		now      time.Time
		from, to time.Time
		taken    []time.Time
		limit    int
		want     []string
	}{
		{"the rest of a week", p, at(2026, 3, 3, 10, 0), week, week.AddDate(0, 0, 7), []time.Time{at(2026, 3, 4, 14, 0)}, 100,
			[]string{"Tue 14:00", "Wed 09:00", "Thu 09:00", "Thu 14:00", "Fri 09:00", "Fri 14:00"}},
		{"a future range starts at its first slot", func() db.PublishingSettings { q := p; q.PublishTimeSlots = "00:00"; return q }(),
			at(2026, 2, 20, 10, 0), week, week.AddDate(0, 0, 2), nil, 100, []string{"Mon 00:00", "Tue 00:00"}},
		{"a range in the past", p, at(2026, 3, 20, 10, 0), week, week.AddDate(0, 0, 7), nil, 100, nil},
		{"limit", p, at(2026, 2, 1, 0, 0), week, week.AddDate(0, 1, 0), nil, 3, []string{"Mon 09:00", "Mon 14:00", "Tue 09:00"}},
		{"spring forward keeps the wall clock", db.PublishingSettings{SchedulingMode: string(ModeTimeSlots), PublishDays: "sat,sun,mon", PublishTimeSlots: "09:00"},
			at(2026, 3, 27, 0, 0), at(2026, 3, 28, 0, 0), at(2026, 3, 31, 0, 0), nil, 100, []string{"Sat 09:00", "Sun 09:00", "Mon 09:00"}},
	} {
		got, err := FreeSlots(tc.settings, berlin, tc.now, tc.from, tc.to, tc.taken, tc.limit)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := hm(got); len(g) != len(tc.want) || (len(g) > 0 && !equal(g, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, g, tc.want)
		}
	}
	// Many slots a day over a month: the planner is asked for more until
	// the range is covered.
	stagger := db.PublishingSettings{SchedulingMode: string(ModeStagger), PublishDays: "mon,tue,wed,thu,fri,sat,sun",
		StaggerStartTime: "08:00", StaggerEndTime: "20:00", StaggerIntervalMinutes: 15}
	got, err := FreeSlots(stagger, berlin, at(2026, 2, 1, 0, 0), week, week.AddDate(0, 0, 28), nil, 5000)
	if err != nil || len(got) != 28*49 {
		t.Errorf("a month of stagger slots: %d (%v), want %d", len(got), err, 28*49)
	}
	if got, err := FreeSlots(db.PublishingSettings{SchedulingMode: string(ModeImmediate)}, berlin, week, week, week.AddDate(0, 0, 7), nil, 10); got != nil || err != nil {
		t.Errorf("immediate: %v %v", got, err)
	}
	if _, err := FreeSlots(db.PublishingSettings{SchedulingMode: string(ModeTimeSlots), PublishTimeSlots: "09:00"}, berlin, week, week, week.AddDate(0, 0, 7), nil, 10); !errors.Is(err, ErrInvalidSettings) {
		t.Errorf("no days: %v, want ErrInvalidSettings", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
