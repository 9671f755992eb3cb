package auth

import (
	"net/netip"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Policy says how a Throttle treats a key's failures.
type Policy struct {
	// Free is how many failures within Window cost nothing.
	Free int
	// Base is the wait after the first failure beyond Free; each further
	// failure doubles it, up to Max.
	Base, Max time.Duration
	// Window is how long a failure counts.
	Window time.Duration
}

// wait is how long to wait after the n-th failure within the window.
func (p Policy) wait(n int) time.Duration {
	if n <= p.Free {
		return 0
	}
	w := p.Base
	for i := p.Free + 1; i < n && w < p.Max; i++ {
		w *= 2
	}
	return min(w, p.Max)
}

// Throttle slows down failed attempts per key (an email and a client
// address, a client address): each failure beyond the policy's free ones
// makes the key wait longer before its next attempt. It lives in the
// process's memory: each instance counts its own failures, which bounds
// guessing per instance without a shared store.
type Throttle struct {
	policy Policy
	clock  clockwork.Clock
	mu     sync.Mutex
	fails  map[string][]time.Time
}

// maxKeys is the number of keys above which a failure sweeps out the keys
// whose failures have all left the window.
const maxKeys = 10000

// NewThrottle builds a throttle.
func NewThrottle(clock clockwork.Clock, p Policy) *Throttle {
	return &Throttle{policy: p, clock: clock, fails: map[string][]time.Time{}}
}

// Wait returns how long key must wait before its next attempt; 0 means
// it may try now.
func (t *Throttle) Wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	f := t.recent(key, now)
	if len(f) == 0 {
		return 0
	}
	until := f[len(f)-1].Add(t.policy.wait(len(f)))
	if !until.After(now) {
		return 0
	}
	return until.Sub(now)
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	f := append(t.recent(key, now), now)
	// Beyond this many the wait is at its maximum anyway.
	if limit := t.policy.Free + 64; len(f) > limit {
		f = f[len(f)-limit:]
	}
	t.fails[key] = f
	if len(t.fails) > maxKeys {
		for k := range t.fails {
			t.recent(k, now)
		}
	}
}

// Reset forgets key's failures (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}

// recent returns key's failures still inside the window and drops the
// others (caller holds mu).
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	f := t.fails[key]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= t.policy.Window {
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

// AddressKey is the throttle key of a client address: the address itself
// for IPv4, its /64 network for IPv6, where one client commonly holds a
// whole /64 and could otherwise step through addresses.
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
