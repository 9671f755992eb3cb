package publishing

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// Capacity is how many slots a schedule offers, to set beside a site's
// daily, weekly and monthly targets (which are informational: they never
// block anything).
type Capacity struct {
	// Unlimited is true in immediate mode: a slot every minute, any day.
	Unlimited bool
	// PerDay is the number of slots on each allowed day.
	PerDay int
	// Days is the number of allowed days in a week.
	Days int
	// PerWeek is PerDay × Days.
	PerWeek int
	// PerMonth is an average month's share of a year of weeks:
	// PerWeek × 52 / 12, rounded down.
	PerMonth int
}

// ScheduleCapacity counts the slots of valid settings on an ordinary day
// (a DST change can add or drop one wall-clock hour's slots that day). It
// returns an error wrapping ErrInvalidSettings when s fails Validate.
func ScheduleCapacity(s PlanSettings) (Capacity, error) {
	if errs := s.Validate(); len(errs) > 0 {
		return Capacity{}, fmt.Errorf("%w: %s", ErrInvalidSettings, describe(errs))
	}
	if s.Mode == ModeImmediate {
		return Capacity{Unlimited: true}, nil
	}
	var days [7]bool
	n := 0
	for _, d := range s.Days {
		if !days[d] {
			days[d] = true
			n++
		}
	}
	c := Capacity{PerDay: len(wallTimes(s)), Days: n}
	c.PerWeek = c.PerDay * c.Days
	c.PerMonth = c.PerWeek * 52 / 12
	return c, nil
}

// NewWebhookSecret returns a fresh random signing secret for a webhook
// target: 32 bytes from crypto/rand as 64 hex digits.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	// rand.Read never returns an error (since Go 1.24 it crashes instead).
	rand.Read(b)
	return hex.EncodeToString(b)
}
