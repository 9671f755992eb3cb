package auth

import (
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Throttle limits failed logins per key (an email, a client address): after
// Max failures within Window the key is refused until the oldest failure
// leaves the window. It lives in the process's memory: each instance counts
// its own failures, which bounds guessing per instance without a shared
// store.
type Throttle struct {
	Max    int
	Window time.Duration

	clock clockwork.Clock
	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewThrottle builds a throttle.
func NewThrottle(clock clockwork.Clock, max int, window time.Duration) *Throttle {
	return &Throttle{Max: max, Window: window, clock: clock, fails: map[string][]time.Time{}}
}

// Blocked reports whether key is refused now, and for how long.
func (t *Throttle) Blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	f := t.recent(key, now)
	if len(f) < t.Max {
		return false, 0
	}
	return true, f[0].Add(t.Window).Sub(now)
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	t.fails[key] = append(t.recent(key, now), now)
	if len(t.fails) > 10000 {
		// Drop keys with no recent failure so the map cannot grow without bound.
		for k := range t.fails {
			if len(t.recent(k, now)) == 0 {
				delete(t.fails, k)
			}
		}
	}
}

// Reset forgets key's failures (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}

// recent returns key's failures still inside the window (caller holds mu).
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	f := t.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= t.Window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = f
	return f
}
