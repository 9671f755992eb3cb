package publishing

import (
	"time"

	"autopress/db"
)

// FreeSlots returns the slots the planner would offer in [from, to) for
// settings p, after now, that no queued article takes: what a calendar
// shows as free, ascending, at most limit. Immediate mode has no slots to
// show (nil); settings that fail Validate give an error wrapping
// ErrInvalidSettings.
func FreeSlots(p db.PublishingSettings, loc *time.Location, now, from, to time.Time, taken []time.Time, limit int) ([]time.Time, error) {
	plan := Plan(p)
	if plan.Mode == ModeImmediate {
		return nil, nil
	}
	// PlanSlots gives slots strictly after its start: a second before from
	// keeps a slot at from itself.
	start := from.Add(-time.Second)
	if now.After(start) {
		start = now
	}
	if !start.Before(to) || limit <= 0 {
		return []time.Time{}, nil
	}
	for n := min(64, limit); ; n = min(n*4, limit) {
		slots, err := PlanSlots(plan, loc, start, taken, n)
		if err != nil {
			return nil, err
		}
		if !slots[len(slots)-1].Before(to) || n == limit {
			out := slots[:0]
			for _, s := range slots {
				if s.Before(to) {
					out = append(out, s)
				}
			}
			return out, nil
		}
	}
}
