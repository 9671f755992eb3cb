package publishing_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"autopress/jobs/publishing"
)

// FuzzPlanSlots builds settings straight from the fuzzer's bytes, valid or
// not: invalid ones must be refused with ErrInvalidSettings, valid ones must
// pass checkPlan. The seeds sit on the DST changes the table tests pin.
func FuzzPlanSlots(f *testing.F) {
	berlinSpring := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC).Unix()
	berlinFall := time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC).Unix()
	nySpring := time.Date(2026, 3, 7, 17, 0, 0, 0, time.UTC).Unix()
	nyFall := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC).Unix()
	// mode, days mask, a, b, c (clocks/interval), zone index, now, taken mask, n
	f.Add(uint8(0), uint8(0x7f), uint16(150), uint16(540), uint16(1080), uint8(1), berlinSpring, uint64(0), uint8(10))
	f.Add(uint8(1), uint8(0x7f), uint16(60), uint16(240), uint16(30), uint8(1), berlinSpring, uint64(0b1010), uint8(20))
	f.Add(uint8(0), uint8(0x7f), uint16(150), uint16(90), uint16(200), uint8(1), berlinFall, uint64(1), uint8(10))
	f.Add(uint8(1), uint8(0x7f), uint16(90), uint16(210), uint16(30), uint8(1), berlinFall, uint64(0), uint8(20))
	f.Add(uint8(0), uint8(0x3e), uint16(150), uint16(90), uint16(200), uint8(2), nySpring, uint64(0), uint8(10))
	f.Add(uint8(1), uint8(0x7f), uint16(60), uint16(240), uint16(30), uint8(2), nySpring, uint64(0xff), uint8(30))
	f.Add(uint8(0), uint8(0x7f), uint16(90), uint16(150), uint16(1439), uint8(2), nyFall, uint64(0), uint8(10))
	f.Add(uint8(1), uint8(0x7f), uint16(30), uint16(150), uint16(30), uint8(2), nyFall, uint64(0), uint8(10))
	f.Add(uint8(2), uint8(0), uint16(0), uint16(0), uint16(0), uint8(0), int64(1772445630), uint64(0b110), uint8(5))
	f.Add(uint8(3), uint8(0x7f), uint16(0), uint16(0), uint16(0), uint8(0), int64(0), uint64(0), uint8(5))                  // bad mode
	f.Add(uint8(0), uint8(0), uint16(540), uint16(0), uint16(0), uint8(0), int64(0), uint64(0), uint8(5))                   // no days
	f.Add(uint8(0), uint8(1), uint16(540), uint16(540), uint16(1500), uint8(0), int64(0), uint64(0), uint8(5))              // duplicate, 25:00
	f.Add(uint8(1), uint8(1), uint16(600), uint16(540), uint16(0), uint8(0), int64(0), uint64(0), uint8(5))                 // end before start
	f.Add(uint8(0), uint8(0x7f), uint16(1410), uint16(15), uint16(1380), uint8(7), int64(1774656000), uint64(0), uint8(10)) // Nuuk
	f.Add(uint8(0), uint8(0x3e), uint16(540), uint16(540), uint16(540), uint8(12), int64(1325152800), uint64(0), uint8(4))  // Apia

	f.Fuzz(func(t *testing.T, mode, dayMask uint8, a, b, c uint16, zone uint8, nowUnix int64, takenMask uint64, n uint8) {
		loc := mustLoc(t, propertyZones[int(zone)%len(propertyZones)])
		// Keep now in 2000–2045, where the zones have whole-minute offsets.
		const lo, span = 946684800, 45 * 365 * 24 * 3600
		now := time.Unix(lo+((nowUnix%span)+span)%span, 0)

		var days []time.Weekday
		for d := range 7 {
			if dayMask&(1<<d) != 0 {
				days = append(days, time.Weekday(d))
			}
		}
		clock := func(v uint16) string { v %= 1500; return fmt.Sprintf("%02d:%02d", v/60, v%60) }
		var s publishing.PlanSettings
		switch mode % 4 {
		case 0:
			s = publishing.PlanSettings{Mode: publishing.ModeTimeSlots, Days: days, TimeSlots: []string{clock(a), clock(b), clock(c)}}
			if dayMask&0x80 != 0 {
				s.TimeSlots = s.TimeSlots[:1]
			}
		case 1:
			s = publishing.PlanSettings{Mode: publishing.ModeStagger, Days: days, StaggerStart: clock(a), StaggerEnd: clock(b), StaggerInterval: int(c)}
		case 2:
			s = publishing.PlanSettings{Mode: publishing.ModeImmediate, Days: days}
		default:
			s = publishing.PlanSettings{Mode: "bogus", Days: days}
		}
		count := int(n % 64)

		if errs := s.Validate(); errs != nil {
			if _, err := publishing.PlanSlots(s, loc, now, nil, count); !errors.Is(err, publishing.ErrInvalidSettings) {
				t.Fatalf("Validate() = %v but PlanSlots err = %v", errs, err)
			}
			return
		}
		full, err := publishing.PlanSlots(s, loc, now, nil, count+8)
		if err != nil {
			t.Fatal(err)
		}
		var taken []time.Time
		for i, f := range full {
			if takenMask&(1<<i) != 0 {
				taken = append(taken, f)
			}
		}
		got, err := publishing.PlanSlots(s, loc, now, taken, count)
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, s, loc, now, taken, count, got)
	})
}
