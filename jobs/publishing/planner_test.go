package publishing_test

import (
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests need real zones wherever they run

	"autopress/jobs/publishing"
)

var (
	monFri  = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allDays = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

func slotsAt(days []time.Weekday, slots ...string) publishing.PlanSettings {
	return publishing.PlanSettings{Mode: publishing.ModeTimeSlots, Days: days, TimeSlots: slots}
}

func stagger(days []time.Weekday, start, end string, every int) publishing.PlanSettings {
	return publishing.PlanSettings{Mode: publishing.ModeStagger, Days: days, StaggerStart: start, StaggerEnd: end, StaggerInterval: every}
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

func TestParseClock(t *testing.T) {
	ok := map[string]int{"00:00": 0, "00:01": 1, "09:05": 545, "12:30": 750, "23:59": 1439}
	for in, want := range ok {
		got, err := publishing.ParseClock(in)
		if err != nil || got != want {
			t.Errorf("ParseClock(%q) = %d, %v; want %d, nil", in, got, err, want)
		}
	}
	for _, in := range []string{"", "9:00", "09:5", "24:00", "23:60", "99:99", "12-00", "12:00:00", " 12:00", "12:00 ", "+1:00", "1a:00", "１2:00", "-0:10"} {
		if got, err := publishing.ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) = %d, nil; want an error", in, got)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := slotsAt(monFri, "09:00", "14:00", "18:00")
	tests := []struct {
		name   string
		s      publishing.PlanSettings
		fields []string // keys expected in the result; none means valid
	}{
		{"defaults", valid, nil},
		{"empty mode", publishing.PlanSettings{Days: monFri, TimeSlots: []string{"09:00"}}, []string{"mode"}},
		{"unknown mode", publishing.PlanSettings{Mode: "weekly", Days: monFri}, []string{"mode"}},
		{"no days", slotsAt(nil, "09:00"), []string{"publish_days"}},
		{"weekday out of range", slotsAt([]time.Weekday{time.Monday, 7}, "09:00"), []string{"publish_days"}},
		{"negative weekday", slotsAt([]time.Weekday{-1}, "09:00"), []string{"publish_days"}},
		{"duplicate days are harmless", slotsAt([]time.Weekday{time.Monday, time.Monday}, "09:00"), nil},
		{"no slots", slotsAt(monFri), []string{"publish_time_slots"}},
		{"slot without leading zero", slotsAt(monFri, "9:00"), []string{"publish_time_slots"}},
		{"slot 24:00", slotsAt(monFri, "09:00", "24:00"), []string{"publish_time_slots"}},
		{"slot minute 60", slotsAt(monFri, "12:60"), []string{"publish_time_slots"}},
		{"empty slot", slotsAt(monFri, ""), []string{"publish_time_slots"}},
		{"duplicate slot", slotsAt(monFri, "09:00", "14:00", "09:00"), []string{"publish_time_slots"}},
		{"no days and no slots", slotsAt(nil), []string{"publish_days", "publish_time_slots"}},
		{"time_slots ignores the stagger fields", publishing.PlanSettings{
			Mode: publishing.ModeTimeSlots, Days: monFri, TimeSlots: []string{"09:00"},
			StaggerStart: "nonsense", StaggerEnd: "", StaggerInterval: 0,
		}, nil},
		{"stagger defaults", stagger(monFri, "09:00", "18:00", 15), nil},
		{"stagger ignores the slot list", publishing.PlanSettings{
			Mode: publishing.ModeStagger, Days: monFri, TimeSlots: []string{"bad", "bad"},
			StaggerStart: "09:00", StaggerEnd: "18:00", StaggerInterval: 15,
		}, nil},
		{"stagger interval bounds", stagger(monFri, "00:00", "23:59", 1), nil},
		{"stagger interval 1440", stagger(monFri, "00:00", "23:59", 1440), nil},
		{"stagger end equals start", stagger(monFri, "09:00", "09:00", 15), []string{"stagger_end_time"}},
		{"stagger end before start", stagger(monFri, "18:00", "09:00", 15), []string{"stagger_end_time"}},
		{"stagger bad start", stagger(monFri, "9", "18:00", 15), []string{"stagger_start_time"}},
		{"stagger bad end", stagger(monFri, "09:00", "18:61", 15), []string{"stagger_end_time"}},
		{"stagger both bad", stagger(monFri, "", "", 15), []string{"stagger_start_time", "stagger_end_time"}},
		{"stagger interval 0", stagger(monFri, "09:00", "18:00", 0), []string{"stagger_interval_minutes"}},
		{"stagger interval negative", stagger(monFri, "09:00", "18:00", -15), []string{"stagger_interval_minutes"}},
		{"stagger interval 1441", stagger(monFri, "09:00", "18:00", 1441), []string{"stagger_interval_minutes"}},
		{"stagger no days", stagger(nil, "09:00", "18:00", 15), []string{"publish_days"}},
		{"stagger everything wrong", stagger(nil, "18:00", "09:00", 0), []string{"publish_days", "stagger_end_time", "stagger_interval_minutes"}},
		{"immediate needs nothing else", publishing.PlanSettings{Mode: publishing.ModeImmediate}, nil},
		{"immediate ignores bad days and slots", publishing.PlanSettings{Mode: publishing.ModeImmediate, Days: []time.Weekday{9}, TimeSlots: []string{"x"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Validate()
			keys := slices.Sorted(maps.Keys(got))
			want := slices.Sorted(slices.Values(tt.fields))
			if !slices.Equal(keys, want) {
				t.Fatalf("Validate() = %v; want fields %v", got, want)
			}
			for k, msg := range got {
				if msg == "" {
					t.Errorf("field %s has an empty message", k)
				}
			}
			if len(tt.fields) == 0 && got != nil {
				t.Errorf("Validate() = %#v; want nil for valid settings", got)
			}
		})
	}
}

// TestPlanSlots pins each rule to hand-computed instants. Times are written
// with their UTC offset so that the DST cases say exactly which instant is
// meant.
func TestPlanSlots(t *testing.T) {
	defaults := slotsAt(monFri, "09:00", "14:00", "18:00")
	immediate := publishing.PlanSettings{Mode: publishing.ModeImmediate}
	tests := []struct {
		name  string
		s     publishing.PlanSettings
		zone  string
		now   string
		taken []string
		n     int
		want  []string
	}{
		// time_slots
		{
			name: "later today then the next day", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-02T10:00:00+01:00", n: 4, // Monday
			want: []string{"2026-03-02T14:00:00+01:00", "2026-03-02T18:00:00+01:00", "2026-03-03T09:00:00+01:00", "2026-03-03T14:00:00+01:00"},
		},
		{
			name: "after the last slot rolls to the next allowed day", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-03T18:30:00+01:00", n: 1,
			want: []string{"2026-03-04T09:00:00+01:00"},
		},
		{
			name: "mon-fri skips the weekend", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-06T18:10:00+01:00", n: 2, // Friday after 18:00
			want: []string{"2026-03-09T09:00:00+01:00", "2026-03-09T14:00:00+01:00"},
		},
		{
			name: "now exactly on a slot is not returned", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-02T14:00:00+01:00", n: 1,
			want: []string{"2026-03-02T18:00:00+01:00"},
		},
		{
			name: "a nanosecond before a slot still gets it", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-02T13:59:59.999999999+01:00", n: 1,
			want: []string{"2026-03-02T14:00:00+01:00"},
		},
		{
			name: "taken slots are skipped whatever their location", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-02T10:00:00+01:00", n: 3,
			taken: []string{
				"2026-03-02T13:00:00Z",      // 14:00 Berlin
				"2026-03-03T03:00:00-05:00", // 09:00 Berlin
				"2026-03-02T15:00:00Z",      // not a slot
				"2026-03-01T09:00:00+01:00", // in the past
				"2026-03-02T13:00:00Z",      // duplicate
			},
			want: []string{"2026-03-02T18:00:00+01:00", "2026-03-03T14:00:00+01:00", "2026-03-03T18:00:00+01:00"},
		},
		{
			name: "taken is compared at one-second resolution", s: defaults, zone: "Europe/Berlin",
			now: "2026-03-02T10:00:00+01:00", n: 1,
			taken: []string{"2026-03-02T13:00:00.5Z", "2026-03-02T17:00:01Z"},
			want:  []string{"2026-03-02T18:00:00+01:00"},
		},
		{
			name: "slot list order does not matter", s: slotsAt(monFri, "18:00", "09:00"), zone: "Europe/Berlin",
			now: "2026-03-02T08:00:00+01:00", n: 3,
			want: []string{"2026-03-02T09:00:00+01:00", "2026-03-02T18:00:00+01:00", "2026-03-03T09:00:00+01:00"},
		},
		{
			name: "one day a week", s: slotsAt([]time.Weekday{time.Sunday}, "09:00"), zone: "Europe/Berlin",
			now: "2026-03-02T10:00:00+01:00", n: 2,
			want: []string{"2026-03-08T09:00:00+01:00", "2026-03-15T09:00:00+01:00"},
		},
		{
			name: "weekday is the one in loc, not in UTC", s: slotsAt([]time.Weekday{time.Monday}, "00:30"), zone: "Asia/Tokyo",
			now: "2026-03-01T12:00:00Z", n: 1, // Sunday 21:00 in Tokyo
			want: []string{"2026-03-02T00:30:00+09:00"},
		},
		{
			name: "UTC", s: slotsAt(allDays, "00:00", "23:59"), zone: "UTC",
			now: "2026-03-02T23:59:00Z", n: 2,
			want: []string{"2026-03-03T00:00:00Z", "2026-03-03T23:59:00Z"},
		},
		{
			name: "many slots are found however far ahead", s: slotsAt([]time.Weekday{time.Wednesday}, "12:00"), zone: "Europe/Berlin",
			now: "2026-03-02T10:00:00+01:00", n: 3,
			taken: []string{"2026-03-04T11:00:00Z", "2026-03-11T11:00:00Z"},
			want:  []string{"2026-03-18T12:00:00+01:00", "2026-03-25T12:00:00+01:00", "2026-04-01T12:00:00+02:00"},
		},
		{
			name: "n = 0", s: defaults, zone: "Europe/Berlin", now: "2026-03-02T10:00:00+01:00", n: 0, want: []string{},
		},
		{
			name: "n < 0", s: defaults, zone: "Europe/Berlin", now: "2026-03-02T10:00:00+01:00", n: -3, want: []string{},
		},

		// stagger
		{
			name: "stagger includes the end and rolls over the weekend", s: stagger(monFri, "09:00", "10:00", 20), zone: "Europe/Berlin",
			now: "2026-03-06T09:30:00+01:00", n: 4, // Friday
			want: []string{"2026-03-06T09:40:00+01:00", "2026-03-06T10:00:00+01:00", "2026-03-09T09:00:00+01:00", "2026-03-09T09:20:00+01:00"},
		},
		{
			name: "stagger stops before an end off the grid", s: stagger(monFri, "09:00", "09:50", 20), zone: "Europe/Berlin",
			now: "2026-03-02T08:00:00+01:00", n: 4,
			want: []string{"2026-03-02T09:00:00+01:00", "2026-03-02T09:20:00+01:00", "2026-03-02T09:40:00+01:00", "2026-03-03T09:00:00+01:00"},
		},
		{
			name: "stagger interval of a day", s: stagger(monFri, "09:00", "23:59", 1440), zone: "Europe/Berlin",
			now: "2026-03-02T08:00:00+01:00", n: 2,
			want: []string{"2026-03-02T09:00:00+01:00", "2026-03-03T09:00:00+01:00"},
		},
		{
			name: "stagger skips taken", s: stagger(monFri, "09:00", "09:30", 15), zone: "Europe/Berlin",
			now: "2026-03-02T08:00:00+01:00", n: 3,
			taken: []string{"2026-03-02T08:15:00Z"},
			want:  []string{"2026-03-02T09:00:00+01:00", "2026-03-02T09:30:00+01:00", "2026-03-03T09:00:00+01:00"},
		},

		// immediate
		{
			name: "immediate: whole minutes after now, any day", s: immediate, zone: "Europe/Berlin",
			now: "2026-03-07T10:00:30.5+01:00", n: 3, // Saturday, no days configured
			want: []string{"2026-03-07T10:01:00+01:00", "2026-03-07T10:02:00+01:00", "2026-03-07T10:03:00+01:00"},
		},
		{
			name: "immediate: now on a minute", s: immediate, zone: "UTC",
			now: "2026-03-07T10:00:00Z", n: 1,
			want: []string{"2026-03-07T10:01:00Z"},
		},
		{
			name: "immediate skips taken", s: immediate, zone: "America/New_York",
			now: "2026-03-07T10:00:30+01:00", n: 3,
			taken: []string{"2026-03-07T09:02:00Z", "2026-03-07T09:03:00Z", "2026-03-07T09:00:00Z"},
			want:  []string{"2026-03-07T10:01:00+01:00", "2026-03-07T10:04:00+01:00", "2026-03-07T10:05:00+01:00"},
		},

		// Europe/Berlin, spring forward 2026-03-29 02:00 CET → 03:00 CEST.
		{
			name: "berlin spring: 02:30 moves to 03:30 CEST", s: slotsAt(allDays, "02:30"), zone: "Europe/Berlin",
			now: "2026-03-28T12:00:00+01:00", n: 2,
			want: []string{"2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"},
		},
		{
			name: "berlin spring: shifted slot sorts after 03:15", s: slotsAt(allDays, "02:30", "03:15"), zone: "Europe/Berlin",
			now: "2026-03-28T12:00:00+01:00", n: 3,
			want: []string{"2026-03-29T03:15:00+02:00", "2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"},
		},
		{
			name: "berlin spring: shifted slot equal to another is dropped", s: slotsAt(allDays, "02:30", "03:30"), zone: "Europe/Berlin",
			now: "2026-03-28T12:00:00+01:00", n: 2,
			want: []string{"2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"},
		},
		{
			name: "berlin spring: shifted slot that is taken is skipped", s: slotsAt(allDays, "02:30"), zone: "Europe/Berlin",
			now: "2026-03-28T12:00:00+01:00", n: 1,
			taken: []string{"2026-03-29T01:30:00Z"},
			want:  []string{"2026-03-30T02:30:00+02:00"},
		},
		{
			name: "berlin spring: stagger every 30 min", s: stagger(allDays, "01:00", "04:00", 30), zone: "Europe/Berlin",
			now: "2026-03-29T00:00:00+01:00", n: 5,
			want: []string{"2026-03-29T01:00:00+01:00", "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00", "2026-03-29T04:00:00+02:00"},
		},
		{
			name: "berlin spring: mon-fri never sees the Sunday gap", s: slotsAt(monFri, "02:30"), zone: "Europe/Berlin",
			now: "2026-03-27T12:00:00+01:00", n: 1,
			want: []string{"2026-03-30T02:30:00+02:00"},
		},

		// Europe/Berlin, fall back 2026-10-25 03:00 CEST → 02:00 CET.
		{
			name: "berlin fall: repeated 02:30 uses the CEST instant", s: slotsAt(allDays, "02:30"), zone: "Europe/Berlin",
			now: "2026-10-24T12:00:00+02:00", n: 2,
			want: []string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"},
		},
		{
			name: "berlin fall: after the first 02:30 the second is not a slot", s: slotsAt(allDays, "02:30"), zone: "Europe/Berlin",
			now: "2026-10-25T02:45:00+02:00", n: 1,
			want: []string{"2026-10-26T02:30:00+01:00"},
		},
		{
			name: "berlin fall: now in the repeated hour before 02:30 CET", s: slotsAt(allDays, "02:30"), zone: "Europe/Berlin",
			now: "2026-10-25T02:15:00+01:00", n: 1,
			want: []string{"2026-10-26T02:30:00+01:00"},
		},
		{
			name: "berlin fall: stagger every 30 min", s: stagger(allDays, "01:30", "03:30", 30), zone: "Europe/Berlin",
			now: "2026-10-25T00:00:00+02:00", n: 5,
			want: []string{"2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T03:00:00+01:00", "2026-10-25T03:30:00+01:00"},
		},

		// America/New_York, spring forward 2026-03-08 02:00 EST → 03:00 EDT.
		{
			name: "new york spring: 02:30 moves to 03:30 EDT", s: slotsAt(allDays, "02:30"), zone: "America/New_York",
			now: "2026-03-07T12:00:00-05:00", n: 2,
			want: []string{"2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"},
		},
		{
			name: "new york spring: stagger every 30 min", s: stagger(allDays, "01:00", "04:00", 30), zone: "America/New_York",
			now: "2026-03-08T00:00:00-05:00", n: 5,
			want: []string{"2026-03-08T01:00:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00", "2026-03-08T04:00:00-04:00"},
		},

		// America/New_York, fall back 2026-11-01 02:00 EDT → 01:00 EST.
		{
			name: "new york fall: repeated 01:30 uses the EDT instant", s: slotsAt(allDays, "01:30", "02:30"), zone: "America/New_York",
			now: "2026-10-31T12:00:00-04:00", n: 3,
			want: []string{"2026-11-01T01:30:00-04:00", "2026-11-01T02:30:00-05:00", "2026-11-02T01:30:00-05:00"},
		},
		{
			name: "new york fall: stagger every 30 min", s: stagger(allDays, "00:30", "02:30", 30), zone: "America/New_York",
			now: "2026-11-01T00:00:00-04:00", n: 5,
			want: []string{"2026-11-01T00:30:00-04:00", "2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T02:30:00-05:00"},
		},

		// Australia/Lord_Howe moves by 30 minutes.
		{
			name: "lord howe spring: 02:15 moves by half an hour", s: slotsAt(allDays, "02:15"), zone: "Australia/Lord_Howe",
			now: "2026-10-03T12:00:00+10:30", n: 1,
			want: []string{"2026-10-04T02:45:00+11:00"},
		},
		{
			name: "lord howe fall: repeated 01:45 uses the earlier instant", s: slotsAt(allDays, "01:45"), zone: "Australia/Lord_Howe",
			now: "2026-04-04T12:00:00+11:00", n: 2,
			want: []string{"2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"},
		},

		// Pacific/Apia skipped Friday 2011-12-30 entirely (−10 → +14).
		{
			name: "apia: a skipped day shifts onto the next and is deduplicated", s: slotsAt(allDays, "09:00"), zone: "Pacific/Apia",
			now: "2011-12-29T12:00:00-10:00", n: 2,
			want: []string{"2011-12-31T09:00:00+14:00", "2012-01-01T09:00:00+14:00"},
		},
		{
			name: "apia: the skipped Friday's slot lands on Saturday", s: slotsAt(monFri, "09:00"), zone: "Pacific/Apia",
			now: "2011-12-29T12:00:00-10:00", n: 2,
			want: []string{"2011-12-31T09:00:00+14:00", "2012-01-02T09:00:00+14:00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			now := mustTime(t, tt.now)
			var taken []time.Time
			for _, s := range tt.taken {
				taken = append(taken, mustTime(t, s))
			}
			got, err := publishing.PlanSlots(tt.s, loc, now, taken, tt.n)
			if err != nil {
				t.Fatalf("PlanSlots: %v", err)
			}
			if got == nil {
				t.Fatal("PlanSlots returned a nil slice")
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d slots %v; want %v", len(got), inZone(got, loc), tt.want)
			}
			for i, w := range tt.want {
				if !got[i].Equal(mustTime(t, w)) {
					t.Fatalf("slot %d = %s; want %s\n got %v", i, got[i].In(loc).Format(time.RFC3339), w, inZone(got, loc))
				}
				if got[i].Location() != time.UTC || got[i].Second() != 0 || got[i].Nanosecond() != 0 {
					t.Errorf("slot %d = %v; want a whole minute in UTC", i, got[i])
				}
			}
		})
	}
}

// TestPlanSlotsGapAcrossMidnight covers a zone whose spring-forward gap spans
// midnight: America/Nuuk jumps from Saturday 23:00 to Sunday 00:00 (since
// 2024), so Saturday's 23:30 lands after Sunday's 00:15.
func TestPlanSlotsGapAcrossMidnight(t *testing.T) {
	loc := mustLoc(t, "America/Nuuk")
	if probe := time.Date(2026, time.March, 28, 23, 30, 0, 0, loc); probe.Hour() == 23 {
		t.Skip("this system's tz data predates Nuuk's 2024 rules")
	}
	now := mustTime(t, "2026-03-28T12:00:00-02:00")
	got, err := publishing.PlanSlots(slotsAt(allDays, "23:30", "00:15"), loc, now, nil, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-03-29T00:15:00-01:00", "2026-03-29T00:30:00-01:00", "2026-03-29T23:30:00-01:00", "2026-03-30T00:15:00-01:00"}
	for i, w := range want {
		if !got[i].Equal(mustTime(t, w)) {
			t.Fatalf("got %v; want %v", inZone(got, loc), want)
		}
	}
}

func TestPlanSlotsErrors(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	now := mustTime(t, "2026-03-02T10:00:00+01:00")
	tests := []struct {
		name  string
		s     publishing.PlanSettings
		loc   *time.Location
		field string
	}{
		{"no days", slotsAt(nil, "09:00"), berlin, "publish_days"},
		{"no slots", slotsAt(monFri), berlin, "publish_time_slots"},
		{"bad slot", slotsAt(monFri, "25:00"), berlin, "publish_time_slots"},
		{"stagger window empty", stagger(monFri, "10:00", "09:00", 15), berlin, "stagger_end_time"},
		{"stagger interval 0", stagger(monFri, "09:00", "10:00", 0), berlin, "stagger_interval_minutes"},
		{"unknown mode", publishing.PlanSettings{Mode: "sometimes"}, berlin, "mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{1, 0} { // settings are judged even when nothing is asked for
				got, err := publishing.PlanSlots(tt.s, tt.loc, now, nil, n)
				if !errors.Is(err, publishing.ErrInvalidSettings) {
					t.Fatalf("n=%d: err = %v; want ErrInvalidSettings", n, err)
				}
				if !strings.Contains(err.Error(), tt.field) {
					t.Errorf("error %q does not name %s", err, tt.field)
				}
				if got != nil {
					t.Errorf("got slots %v with an error", got)
				}
			}
		})
	}
	t.Run("nil location", func(t *testing.T) {
		for _, s := range []publishing.PlanSettings{slotsAt(monFri, "09:00"), {Mode: publishing.ModeImmediate}} {
			if _, err := publishing.PlanSlots(s, nil, now, nil, 1); err == nil {
				t.Errorf("mode %s: no error for a nil location", s.Mode)
			}
		}
	})
}

// TestPlanSlotsProperties runs random settings, zones, times and taken sets
// through checkPlan, deterministically (fixed seed) so a failure reproduces;
// FuzzPlanSlots explores further when asked to.
func TestPlanSlotsProperties(t *testing.T) {
	iterations := 600
	if testing.Short() {
		iterations = 100
	}
	r := rand.New(rand.NewPCG(0x5107, 0xa11c))
	for i := range iterations {
		c := randomCase(t, r)
		full, err := publishing.PlanSlots(c.s, c.loc, c.now, nil, c.n+c.extra)
		if err != nil {
			t.Fatalf("case %d %+v: %v", i, c, err)
		}
		if len(full) > 0 && r.IntN(4) == 0 {
			// Stand exactly on a slot: it must not come back.
			c.now = full[r.IntN(len(full))].In(c.takenLoc)
			if full, err = publishing.PlanSlots(c.s, c.loc, c.now, nil, c.n+c.extra); err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
		}
		checkPlan(t, c.s, c.loc, c.now, nil, c.n+c.extra, full)

		// Take some of the free slots, plus noise, and plan again: the answer
		// must be the earlier plan without the taken slots.
		var taken []time.Time
		busy := map[int64]bool{}
		for _, f := range full {
			if r.IntN(3) == 0 {
				busy[f.Unix()] = true
				taken = append(taken, f.In(c.takenLoc))
			}
		}
		for range r.IntN(5) {
			noise := c.now.Add(time.Duration(r.Int64N(int64(30*24*time.Hour))) - time.Hour)
			if r.IntN(2) == 0 {
				noise = noise.Truncate(time.Minute)
			}
			busy[noise.Unix()] = true
			taken = append(taken, noise)
		}
		got, err := publishing.PlanSlots(c.s, c.loc, c.now, taken, c.n)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkPlan(t, c.s, c.loc, c.now, taken, c.n, got)
		var expect []time.Time
		for _, f := range full {
			if !busy[f.Unix()] {
				expect = append(expect, f)
			}
		}
		if len(expect) >= c.n && !slices.EqualFunc(got, expect[:c.n], time.Time.Equal) {
			t.Fatalf("case %d (%s %v now %s): with taken got %v; want %v", i, c.loc, c.s, c.now, got, expect[:c.n])
		}
	}
}

type planCase struct {
	s        publishing.PlanSettings
	loc      *time.Location
	takenLoc *time.Location
	now      time.Time
	n, extra int
}

// propertyZones mixes ordinary DST zones with ones that move by 30 minutes or
// 2 hours, change at midnight, skip a whole day or have none; all have had
// whole-minute offsets since 2000, which the minute-by-minute oracle assumes.
var propertyZones = []string{
	"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
	"America/Santiago", "America/Havana", "America/Nuuk", "Asia/Kolkata", "Asia/Kathmandu",
	"Africa/Casablanca", "Asia/Tehran", "Pacific/Apia", "America/St_Johns", "Antarctica/Troll",
	"Europe/Dublin", "Asia/Gaza", "Pacific/Kiritimati",
}

func randomCase(t testing.TB, r *rand.Rand) planCase {
	loc := mustLoc(t, propertyZones[r.IntN(len(propertyZones))])
	c := planCase{loc: loc, takenLoc: mustLoc(t, propertyZones[r.IntN(len(propertyZones))])}

	// Most of the time start shortly before one of the zone's transitions,
	// and aim the configured times and days at its wall clock: that is where
	// gaps, repeats and duplicates happen.
	year := 2000 + r.IntN(46)
	c.now = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
	aim := -1 // minute of day of a transition, on the wall clock before it
	var aimDays []time.Weekday
	if r.IntN(4) != 0 {
		if _, tr := c.now.In(loc).ZoneBounds(); !tr.IsZero() {
			c.now = tr.Add(-time.Duration(r.Int64N(int64(3*24*time.Hour))) + time.Hour)
			before := tr.Add(-time.Second).In(loc)
			aim = (before.Hour()*60 + before.Minute() + 1) % 1440
			aimDays = []time.Weekday{before.Weekday(), tr.In(loc).Weekday()}
		}
	}
	switch r.IntN(3) {
	case 0:
		c.now = c.now.Truncate(time.Minute) // often exactly on a slot
	case 1:
		c.now = c.now.Add(time.Duration(r.IntN(1e9))) // sub-second
	}

	var days []time.Weekday
	for mask := 1 + r.IntN(127); len(days) == 0; mask = 1 + r.IntN(127) {
		for d := range 7 {
			if mask&(1<<d) != 0 {
				days = append(days, time.Weekday(d))
			}
		}
	}
	if aim >= 0 && r.IntN(5) != 0 {
		days = append(days, aimDays...) // duplicates are allowed
	}
	clock := func() int {
		switch k := r.IntN(4); {
		case k < 2 && aim >= 0:
			return ((aim+r.IntN(241)-120)%1440 + 1440) % 1440
		case k < 3:
			h := []int{0, 1, 2, 3, 22, 23}[r.IntN(6)]
			return h*60 + []int{0, 15, 30, 45, r.IntN(60)}[r.IntN(5)]
		default:
			return r.IntN(1440)
		}
	}
	switch k := r.IntN(10); {
	case k < 5:
		seen := map[int]bool{}
		var slots []string
		for range 1 + r.IntN(6) {
			if m := clock(); !seen[m] {
				seen[m] = true
				slots = append(slots, formatClock(m))
			}
		}
		c.s = publishing.PlanSettings{Mode: publishing.ModeTimeSlots, Days: days, TimeSlots: slots}
	case k < 9:
		start := clock()
		for start == 1439 {
			start = clock()
		}
		end := start + 1 + r.IntN(1439-start)
		if r.IntN(2) == 0 {
			end = min(1439, start+1+r.IntN(240)) // short windows cross the transition more often
		}
		every := []int{1, 7, 15, 30, 45, 60, 90, 1440, 1 + r.IntN(300)}[r.IntN(9)]
		c.s = publishing.PlanSettings{Mode: publishing.ModeStagger, Days: days,
			StaggerStart: formatClock(start), StaggerEnd: formatClock(end), StaggerInterval: every}
	default:
		c.s = publishing.PlanSettings{Mode: publishing.ModeImmediate}
	}

	c.n = r.IntN(40)
	if r.IntN(10) == 0 {
		c.n = r.IntN(400)
	}
	c.extra = r.IntN(12)
	return c
}

func formatClock(m int) string {
	return time.Date(2000, 1, 1, m/60, m%60, 0, 0, time.UTC).Format("15:04")
}

// checkPlan asserts everything PlanSlots promises about got, and compares it
// with an oracle that walks the clock minute by minute.
func checkPlan(t testing.TB, s publishing.PlanSettings, loc *time.Location, now time.Time, taken []time.Time, n int, got []time.Time) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("settings %+v zone %s now %s n %d taken %d:\n"+format, append([]any{s, loc, now.Format(time.RFC3339Nano), n, len(taken)}, args...)...)
	}
	if len(got) != max(n, 0) {
		fail("got %d slots; want %d", len(got), n)
	}
	busy := map[int64]bool{}
	for _, tk := range taken {
		busy[tk.Unix()] = true
	}
	cfg := newSlotConfig(s)
	for i, g := range got {
		switch {
		case g.Location() != time.UTC || g.Second() != 0 || g.Nanosecond() != 0:
			fail("slot %d %v is not a whole minute in UTC", i, g)
		case !g.After(now):
			fail("slot %d %v is not after now", i, g)
		case i > 0 && !g.After(got[i-1]):
			fail("slot %d %v does not follow %v", i, g.In(loc), got[i-1].In(loc))
		case busy[g.Unix()]:
			fail("slot %d %v is taken", i, g)
		case s.Mode != publishing.ModeImmediate && !cfg.shapeOK(loc, g):
			fail("slot %d %v (%s) is neither a configured wall-clock time nor a gap-shifted one", i, g, g.In(loc).Format("Mon 15:04 MST"))
		}
	}
	if len(got) == 0 {
		return
	}

	// Completeness: nothing free was skipped. The oracle is slow on long
	// spans, so compare only the first 60 days.
	until := min(got[len(got)-1].Unix(), now.Unix()+60*24*3600)
	var want []int64
	if s.Mode == publishing.ModeImmediate {
		for u := now.Truncate(time.Minute).Unix() + 60; u <= until; u += 60 {
			want = append(want, u)
		}
	} else {
		want = cfg.oracle(loc, now, until)
	}
	want = slices.DeleteFunc(want, func(u int64) bool { return busy[u] })
	var prefix []int64
	for _, g := range got {
		if g.Unix() <= until {
			prefix = append(prefix, g.Unix())
		}
	}
	if !slices.Equal(prefix, want) {
		fail("got  %v\nwant %v", unixIn(prefix, loc), unixIn(want, loc))
	}
}

// slotConfig answers "is this wall-clock time a configured slot?" for the
// test oracle, independently of the planner.
type slotConfig struct {
	days    [7]bool
	minutes map[int64]bool
}

func newSlotConfig(s publishing.PlanSettings) slotConfig {
	c := slotConfig{minutes: map[int64]bool{}}
	for _, d := range s.Days {
		c.days[d] = true
	}
	switch s.Mode {
	case publishing.ModeTimeSlots:
		for _, v := range s.TimeSlots {
			m, _ := publishing.ParseClock(v)
			c.minutes[int64(m)] = true
		}
	case publishing.ModeStagger:
		start, _ := publishing.ParseClock(s.StaggerStart)
		end, _ := publishing.ParseClock(s.StaggerEnd)
		for m := start; m <= end; m += s.StaggerInterval {
			c.minutes[int64(m)] = true
		}
	}
	return c
}

// isSlot reports whether wall, the local wall-clock reading as seconds since
// 1970-01-01T00:00 local, is a configured time on an allowed day.
func (c slotConfig) isSlot(wall int64) bool {
	w := time.Unix(wall, 0).UTC()
	return w.Second() == 0 && c.days[w.Weekday()] && c.minutes[int64(w.Hour()*60+w.Minute())]
}

func wallOf(t time.Time) int64 {
	_, off := t.Zone()
	return t.Unix() + int64(off)
}

// shapeOK: g reads as a configured time, or g lies within a forward
// transition's gap length after it and, read with the offset before the
// transition, is a configured time.
func (c slotConfig) shapeOK(loc *time.Location, g time.Time) bool {
	lt := g.In(loc)
	if c.isSlot(wallOf(lt)) {
		return true
	}
	start, _ := lt.ZoneBounds()
	if start.IsZero() {
		return false
	}
	_, after := lt.Zone()
	_, before := start.Add(-time.Second).In(loc).Zone()
	gap := time.Duration(after-before) * time.Second
	return gap > 0 && g.Sub(start) < gap && c.isSlot(g.Unix()+int64(before))
}

// oracle lists the slot instants in (now, until] by walking every minute from
// two days before now: an instant is a slot when its wall clock is configured
// and has not been read before (a repeated time uses its first instant); when
// the wall clock jumps forward, each configured time it skipped becomes the
// instant as far past the jump as that time was past the jump's start.
func (c slotConfig) oracle(loc *time.Location, now time.Time, until int64) []int64 {
	var out []int64
	// A wall-clock reading is new when it is past every earlier reading, or
	// was skipped by a gap and is now read after a fall-back: the clock only
	// goes back at transitions.
	skipped := map[int64]bool{}
	maxWall := int64(math.MinInt64)
	var (
		zoneStart, zoneEnd int64 = 1, 0 // empty: look up on first use
		off                int64
		prevWall           int64
	)
	from := now.Truncate(time.Minute).Unix() - 2*24*3600
	for u := from; u <= until; u += 60 {
		if u < zoneStart || u >= zoneEnd {
			lt := time.Unix(u, 0).In(loc)
			_, o := lt.Zone()
			off = int64(o)
			zs, ze := lt.ZoneBounds()
			zoneStart, zoneEnd = -1<<62, 1<<62
			if !zs.IsZero() {
				zoneStart = zs.Unix()
			}
			if !ze.IsZero() {
				zoneEnd = ze.Unix()
			}
		}
		wall := u + off
		if u > from && wall-prevWall > 60 {
			first := prevWall + 60
			for w := first; w < wall; w += 60 {
				skipped[w] = true
				if c.isSlot(w) {
					out = append(out, u+(w-first))
				}
			}
		}
		if wall > maxWall || skipped[wall] {
			delete(skipped, wall)
			if c.isSlot(wall) {
				out = append(out, u)
			}
		}
		maxWall = max(maxWall, wall)
		prevWall = wall
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(u int64) bool { return u <= now.Unix() || u > until })
}

func inZone(ts []time.Time, loc *time.Location) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.In(loc).Format(time.RFC3339)
	}
	return out
}

func unixIn(us []int64, loc *time.Location) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = time.Unix(u, 0).In(loc).Format("2006-01-02T15:04Z07:00 Mon")
	}
	return out
}
