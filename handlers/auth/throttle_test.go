package auth

import (
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

func TestThrottle(t *testing.T) {
	clock := clockwork.NewFakeClock()
	th := NewThrottle(clock, 3, 10*time.Minute)
	for i := 0; i < 3; i++ {
		if blocked, _ := th.Blocked("a"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		th.Fail("a")
		clock.Advance(time.Minute)
	}
	blocked, wait := th.Blocked("a")
	if !blocked || wait != 7*time.Minute {
		t.Fatalf("after 3 failures: blocked %v, wait %v; want 7m", blocked, wait)
	}
	if blocked, _ := th.Blocked("b"); blocked {
		t.Fatal("another key is blocked")
	}
	clock.Advance(7 * time.Minute)
	if blocked, _ := th.Blocked("a"); blocked {
		t.Fatal("still blocked after the oldest failure left the window")
	}
	th.Fail("a")
	th.Reset("a")
	if blocked, _ := th.Blocked("a"); blocked {
		t.Fatal("blocked after reset")
	}
}
