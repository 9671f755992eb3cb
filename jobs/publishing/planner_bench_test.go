package publishing_test

import (
	"testing"
	"time"

	"autopress/jobs/publishing"
)

// BenchmarkPlanSlots10kTaken10k plans 10,000 slots for a site that already
// has 10,000 scheduled, interleaved with the free ones (every other slot of
// the first 20,000 is taken): stagger every 15 minutes, 09:00–18:00, mon–fri,
// in a DST zone — about two and a half years of slots.
func BenchmarkPlanSlots10kTaken10k(b *testing.B) {
	loc := mustLoc(b, "Europe/Berlin")
	s := stagger(monFri, "09:00", "18:00", 15)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, loc)
	all, err := publishing.PlanSlots(s, loc, now, nil, 20_000)
	if err != nil {
		b.Fatal(err)
	}
	taken := make([]time.Time, 0, 10_000)
	for i := 0; i < len(all); i += 2 {
		taken = append(taken, all[i])
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := publishing.PlanSlots(s, loc, now, taken, 10_000)
		if err != nil || len(got) != 10_000 {
			b.Fatalf("got %d slots, err %v", len(got), err)
		}
	}
}

// BenchmarkPlanSlotsDefaults is the common call: the seed's default settings
// filling an empty queue of 100.
func BenchmarkPlanSlotsDefaults(b *testing.B) {
	loc := mustLoc(b, "America/New_York")
	s := slotsAt(monFri, "09:00", "14:00", "18:00")
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, loc)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := publishing.PlanSlots(s, loc, now, nil, 100); err != nil {
			b.Fatal(err)
		}
	}
}
