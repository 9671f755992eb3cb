package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func TestThrottleWaitGrowsPerFailure(t *testing.T) {
	clock := clockwork.NewFakeClock()
	th := NewThrottle(clock, Policy{Free: 3, Base: time.Second, Max: 8 * time.Second, Window: time.Hour})
	// The wait after each failure: none for the free ones, then doubling
	// up to the maximum.
	for i, want := range []time.Duration{0, 0, 0, 1, 2, 4, 8, 8, 8} {
		if w := th.Wait("a"); w != 0 {
			t.Fatalf("before failure %d: wait %v, want none (the previous wait was served)", i+1, w)
		}
		th.Fail("a")
		if got := th.Wait("a"); got != want*time.Second {
			t.Fatalf("after failure %d: wait %v, want %v", i+1, got, want*time.Second)
		}
		clock.Advance(want * time.Second)
	}
	if w := th.Wait("b"); w != 0 {
		t.Fatalf("another key waits %v", w)
	}

	// Half-way through a wait, the rest remains.
	th.Fail("a")
	clock.Advance(3 * time.Second)
	if w := th.Wait("a"); w != 5*time.Second {
		t.Fatalf("3 s into an 8 s wait: %v left, want 5s", w)
	}

	// A success forgets the key.
	th.Reset("a")
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("after reset: wait %v", w)
	}
}

func TestThrottleForgetsOldFailures(t *testing.T) {
	clock := clockwork.NewFakeClock()
	th := NewThrottle(clock, Policy{Free: 2, Base: time.Minute, Max: time.Hour, Window: 10 * time.Minute})
	for range 4 {
		th.Fail("a")
	}
	if w := th.Wait("a"); w != 2*time.Minute {
		t.Fatalf("after 4 failures: %v, want 2m", w)
	}
	clock.Advance(10 * time.Minute)
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("after the window: %v", w)
	}
	th.Fail("a")
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("a failure after the window counts as the first: %v", w)
	}
}

func TestThrottleSweepsStaleKeys(t *testing.T) {
	clock := clockwork.NewFakeClock()
	th := NewThrottle(clock, Policy{Free: 1, Base: time.Second, Max: time.Second, Window: time.Minute})
	for i := range maxKeys {
		th.Fail(fmt.Sprint(i))
	}
	clock.Advance(time.Minute)
	th.Fail("fresh")
	th.mu.Lock()
	n := len(th.fails)
	th.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d keys kept, want only the fresh one", n)
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
	} {
		if got := AddressKey(in); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", in, got, want)
		}
	}
}
