// Package publishing places approved content in publishing slots and publishes
// it when its slot comes.
package publishing

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Mode is how a site spreads its publications over time.
type Mode string

// Scheduling modes, as stored in publishing_settings.scheduling_mode.
const (
	// ModeTimeSlots publishes at each listed wall-clock time on each allowed day.
	ModeTimeSlots Mode = "time_slots"
	// ModeStagger publishes every StaggerInterval minutes from StaggerStart up
	// to and including StaggerEnd on each allowed day.
	ModeStagger Mode = "stagger"
	// ModeImmediate publishes one item a minute from now, whatever the day.
	ModeImmediate Mode = "immediate"
)

// ErrInvalidSettings is returned (wrapped) by PlanSlots when the settings fail
// Validate; the message names the offending fields.
var ErrInvalidSettings = errors.New("publishing: invalid settings")

// PlanSettings is the part of a site's publishing settings the planner needs.
type PlanSettings struct {
	Mode            Mode
	Days            []time.Weekday // allowed weekdays (ignored for immediate)
	TimeSlots       []string       // "HH:MM" wall-clock times (time_slots mode)
	StaggerStart    string         // "HH:MM"
	StaggerEnd      string         // "HH:MM" (inclusive)
	StaggerInterval int            // minutes, 1..1440
}

// ParseClock parses "HH:MM" (00:00..23:59, exactly two digits each) into
// minutes after midnight.
func ParseClock(s string) (int, error) {
	// Strict on purpose: "9:00" or "09:00:00" would round-trip through the
	// settings form differently from what the user typed.
	if len(s) != 5 || s[2] != ':' || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[3]) || !isDigit(s[4]) {
		return 0, fmt.Errorf("publishing: parse clock %q: want HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("publishing: parse clock %q: out of range 00:00-23:59", s)
	}
	return h*60 + m, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Validate returns field → message for every problem in s, or nil when s is
// usable. Keys are the form/API field names: "mode", "publish_days",
// "publish_time_slots", "stagger_start_time", "stagger_end_time",
// "stagger_interval_minutes".
//
// Only the fields the chosen mode uses are checked, so that a site in
// time_slots mode is not refused because of a stagger window it does not use;
// switching modes goes through Validate again.
func (s PlanSettings) Validate() map[string]string {
	errs := map[string]string{}
	switch s.Mode {
	case ModeTimeSlots, ModeStagger, ModeImmediate:
	default:
		errs["mode"] = "must be one of time_slots, stagger, immediate"
		return errs // nothing else can be judged without a mode
	}
	if s.Mode == ModeImmediate {
		return nil
	}

	if len(s.Days) == 0 {
		errs["publish_days"] = "choose at least one publishing day"
	}
	for _, d := range s.Days {
		if d < time.Sunday || d > time.Saturday {
			errs["publish_days"] = fmt.Sprintf("unknown weekday %d", int(d))
			break
		}
	}

	switch s.Mode {
	case ModeTimeSlots:
		if msg := validateTimeSlots(s.TimeSlots); msg != "" {
			errs["publish_time_slots"] = msg
		}
	case ModeStagger:
		start, errStart := ParseClock(s.StaggerStart)
		if errStart != nil {
			errs["stagger_start_time"] = "must be a time HH:MM between 00:00 and 23:59"
		}
		end, errEnd := ParseClock(s.StaggerEnd)
		if errEnd != nil {
			errs["stagger_end_time"] = "must be a time HH:MM between 00:00 and 23:59"
		}
		if errStart == nil && errEnd == nil && end <= start {
			errs["stagger_end_time"] = "must be after the start time"
		}
		if s.StaggerInterval < 1 || s.StaggerInterval > 1440 {
			errs["stagger_interval_minutes"] = "must be between 1 and 1440 minutes"
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func validateTimeSlots(slots []string) string {
	if len(slots) == 0 {
		return "add at least one time slot"
	}
	seen := make(map[int]bool, len(slots))
	for _, v := range slots {
		m, err := ParseClock(v)
		if err != nil {
			return fmt.Sprintf("%q is not a time HH:MM between 00:00 and 23:59", v)
		}
		if seen[m] {
			return fmt.Sprintf("%s is listed twice", v)
		}
		seen[m] = true
	}
	return ""
}

// maxZoneOffset bounds |UTC offset| of any zone the planner meets. The largest
// in the tz database are local mean times just under 16h (Asia/Manila −15:56,
// America/Metlakatla +15:13); the margin costs only a few candidates a call.
// It lets the planner know, without asking the zone, that a wall-clock time on
// civil day D is an instant within D ± maxZoneOffset.
const maxZoneOffset = 18 * 60 * 60

const secondsPerDay = 24 * 60 * 60

// PlanSlots returns exactly n free slots strictly after now, in ascending
// order, as UTC times on whole minutes. (Wall-clock slots are whole minutes of
// loc's clock; only for pre-1972 local mean times, whose offsets have seconds,
// is the UTC instant not a whole minute, and it is not rounded: that would
// move the slot off its wall-clock time.)
//
//   - time_slots: each listed wall-clock time on each allowed day in loc;
//   - stagger: StaggerStart + k×StaggerInterval on the wall clock, up to and
//     including StaggerEnd, on each allowed day in loc;
//   - immediate: now truncated to the minute, plus i minutes (i = 1, 2, …),
//     whatever the day — so slots stay on whole minutes and the first one is
//     at most a minute away.
//
// A wall-clock time that does not exist because of a DST gap moves forward by
// the gap's length (02:30 on a Europe/Berlin spring-forward day is 03:30
// CEST); a wall-clock time that happens twice uses its earlier instant; an
// instant produced twice this way is returned once.
//
// A slot is free when no element of taken is the same instant; taken may be in
// any location and is compared at one-second resolution (sub-second parts are
// ignored, since databases keep timestamps at differing precisions). There is
// no horizon: the planner walks as many days as n needs, in
// O(n + len(taken)) time.
//
// n <= 0 gives an empty slice. Settings that fail Validate give an error
// wrapping ErrInvalidSettings, so the planner never loops looking for a day
// that cannot come; a nil loc is an error too.
func PlanSlots(s PlanSettings, loc *time.Location, now time.Time, taken []time.Time, n int) ([]time.Time, error) {
	if loc == nil {
		return nil, errors.New("publishing: plan slots: nil location")
	}
	if errs := s.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidSettings, describe(errs))
	}
	if n <= 0 {
		return []time.Time{}, nil
	}

	nowSec := now.Unix() // floor: an instant u (whole seconds) is after now iff u > nowSec
	busy := make(map[int64]struct{}, len(taken))
	for _, t := range taken {
		if u := t.Unix(); u > nowSec {
			busy[u] = struct{}{}
		}
	}

	// Capacity is only a hint; cap it so a huge n fails by running, not by
	// one giant allocation up front.
	out := make([]time.Time, 0, min(n, 1<<16))
	if s.Mode == ModeImmediate {
		for u := now.Truncate(time.Minute).Unix() + 60; len(out) < n; u += 60 {
			if _, ok := busy[u]; !ok {
				out = append(out, time.Unix(u, 0).UTC())
			}
		}
		return out, nil
	}

	walls := wallTimes(s) // seconds after midnight, ascending, unique
	var allowed [7]bool
	for _, d := range s.Days {
		allowed[d] = true
	}

	// Wall-clock order and instant order disagree around DST gaps (02:30
	// shifted to 03:30 CEST comes after 03:15 CEST) and a gap can even push a
	// late slot past the next day's early ones (America/Nuuk springs forward
	// at 23:00). So candidates wait in a sorted buffer until no later day can
	// produce an earlier instant: day D's instants are all at or after
	// midnight(D) − maxZoneOffset.
	var (
		pending []int64
		periods []zonePeriod
	)
	//
	// Days are civil days counted from 1970-01-01; the first one is the
	// earliest whose instants can still be after now.
	for day := floorDiv(nowSec-maxZoneOffset, secondsPerDay); len(out) < n; day++ {
		midnight := day * secondsPerDay // in "local seconds", see resolveWall
		if allowed[weekdayOf(day)] {
			periods = zonePeriodsFor(loc, midnight-maxZoneOffset, midnight+secondsPerDay+maxZoneOffset, periods)
			for _, w := range walls {
				u := resolveWall(midnight+w, periods)
				if u <= nowSec {
					continue
				}
				if _, ok := busy[u]; ok {
					continue
				}
				pending = append(pending, u)
			}
			slices.Sort(pending)
			pending = slices.Compact(pending)
		}

		bound := midnight + secondsPerDay - maxZoneOffset
		i := 0
		for ; i < len(pending) && pending[i] < bound && len(out) < n; i++ {
			out = append(out, time.Unix(pending[i], 0).UTC())
		}
		pending = append(pending[:0], pending[i:]...)
	}
	return out, nil
}

// describe renders Validate's map deterministically for an error message.
func describe(errs map[string]string) string {
	keys := slices.Sorted(maps.Keys(errs))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + errs[k]
	}
	return strings.Join(parts, "; ")
}

// wallTimes lists the configured wall-clock times of a validated, non-immediate
// s as seconds after midnight, ascending and unique.
func wallTimes(s PlanSettings) []int64 {
	var walls []int64
	switch s.Mode {
	case ModeTimeSlots:
		for _, v := range s.TimeSlots {
			m, _ := ParseClock(v) // validated
			walls = append(walls, int64(m)*60)
		}
		slices.Sort(walls)
		walls = slices.Compact(walls)
	case ModeStagger:
		start, _ := ParseClock(s.StaggerStart)
		end, _ := ParseClock(s.StaggerEnd)
		for m := start; m <= end; m += s.StaggerInterval {
			walls = append(walls, int64(m)*60)
		}
	}
	return walls
}

// zonePeriod is a stretch [start, end) of Unix seconds during which loc keeps
// one UTC offset; start and end are ±MaxInt64 when unbounded.
type zonePeriod struct {
	start, end int64
	offset     int64
}

// zonePeriodsFor returns loc's periods covering the instants [from, to],
// reusing cached when it already covers them (most days lie inside one long
// period, so this saves the zone lookups).
func zonePeriodsFor(loc *time.Location, from, to int64, cached []zonePeriod) []zonePeriod {
	if len(cached) > 0 && cached[0].start <= from && to < cached[len(cached)-1].end {
		return cached
	}
	ps := cached[:0]
	for t := from; ; {
		lt := time.Unix(t, 0).In(loc)
		_, off := lt.Zone()
		zs, ze := lt.ZoneBounds()
		p := zonePeriod{start: math.MinInt64, end: math.MaxInt64, offset: int64(off)}
		if !zs.IsZero() {
			p.start = zs.Unix()
		}
		if !ze.IsZero() {
			p.end = ze.Unix()
		}
		ps = append(ps, p)
		if p.end > to || p.end <= t { // covered, or no progress (defensive)
			return ps
		}
		t = p.end
	}
}

// resolveWall turns a wall-clock time, given as "local seconds" (the Unix time
// it would be if loc were UTC), into an instant. It does not use time.Date:
// in a gap time.Date moves Europe/Berlin forward but America/New_York
// backward, and in an overlap it picks the later instant in Berlin; neither is
// what §5 asks.
//
// periods must cover local ± maxZoneOffset. Over that span the wall clock
// (u + offset(u)) starts at or below local and ends at or above it, rising
// except at transitions, so either some period holds an instant reading local
// — the first such is the earliest — or the wall clock jumps over local at a
// transition: a gap.
func resolveWall(local int64, periods []zonePeriod) int64 {
	for _, p := range periods {
		if u := local - p.offset; p.start <= u && u < p.end {
			return u
		}
	}
	for i := 0; i+1 < len(periods); i++ {
		t, before, after := periods[i].end, periods[i].offset, periods[i+1].offset
		if t+before <= local && local < t+after {
			// The gap is [t+before, t+after) on the wall clock. Moving forward
			// by its length (after−before) and reading with the new offset
			// lands at local−before: as far past the transition as local was
			// past the gap's start.
			return local - before
		}
	}
	// Unreachable while offsets stay within maxZoneOffset; read the wall clock
	// with the offset of the first period rather than fail.
	return local - periods[0].offset
}

// weekdayOf returns the weekday of a civil day counted from 1970-01-01, a
// Thursday.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday((floorMod(day, 7) + 4) % 7)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// WallClock returns the instant at which loc's wall clock reads the given
// date and minute of day, with the planner's DST rules: a time in a gap moves
// forward by the gap's length, a repeated time takes its earlier instant.
// (Other schedules, such as automation runs, share these rules.)
func WallClock(loc *time.Location, year int, month time.Month, day, minuteOfDay int) time.Time {
	local := time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() + int64(minuteOfDay)*60
	periods := zonePeriodsFor(loc, local-maxZoneOffset, local+maxZoneOffset, nil)
	return time.Unix(resolveWall(local, periods), 0).UTC()
}
