package automation

import (
	"time"

	"autopress/db"
)

// ProviderWaitShown is how long a call must have waited for the provider's
// rate limit before a run is reported as waiting on it (shorter waits are
// the pacing of requests at work).
const ProviderWaitShown = time.Second

// ProviderWait says that a run's current stage waits for the AI provider's
// rate limit, and for how long.
type ProviderWait struct {
	Model string
	Kind  string // "text" or "images"
	Since time.Time
	For   time.Duration
	// RequestsPerMinute is the pace the provider's limiter keeps to now and
	// Source where it comes from ("configured", "headers", "learned").
	RequestsPerMinute float64
	Source            string
}

// providerWait reports the wait of a run executing on this instance whose
// current stage calls the AI, nil when none is that long (or the run
// executes on another instance, whose limiter this one cannot see).
func (s *Service) providerWait(r db.Run, st Stage, ok bool) *ProviderWait {
	if !ok || st.Free() || r.Status != db.RunRunning {
		return nil
	}
	s.mu.Lock()
	_, here := s.running[r.ID]
	s.mu.Unlock()
	if !here {
		return nil
	}
	l, ok := s.ai.Limit(st.Operation)
	if !ok || l.WaitingSince.IsZero() {
		return nil
	}
	waited := s.clock.Since(l.WaitingSince)
	if waited < ProviderWaitShown {
		return nil
	}
	return &ProviderWait{Model: l.Model, Kind: l.Kind, Since: l.WaitingSince, For: waited, RequestsPerMinute: l.RequestsPerMinute, Source: l.Source}
}
