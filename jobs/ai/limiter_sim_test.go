package ai

import (
	"container/heap"
	"math"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"autopress/jobs/ai/aitest"
)

// simClock is the virtual time of a simulation: Now is what the simulation
// says; the limiter's timers are not needed (the simulation asks the limiter
// when it next wants to dispatch) and never fire.
type simClock struct {
	clockwork.Clock // nil: any other method is a bug of the simulation
	now             time.Time
}

func (c *simClock) Now() time.Time                  { return c.now }
func (c *simClock) Until(t time.Time) time.Duration { return t.Sub(c.now) }
func (c *simClock) AfterFunc(time.Duration, func()) clockwork.Timer {
	return stubTimer{}
}

type stubTimer struct{ clockwork.Timer }

func (stubTimer) Stop() bool { return true }

// simServer is a provider's rate limit: a token bucket per model, answering
// 429 with retry-after-ms (and Retry-After) like aitest's fake, optionally
// with x-ratelimit headers.
type simServer struct {
	limitPerMinute int
	bucket         *aitest.Bucket
	headers        bool
	coarse         bool // Retry-After in whole seconds only
}

func (s *simServer) request(now time.Time) (bool, http.Header) {
	h := http.Header{}
	wait := s.bucket.Wait(now, 1)
	if wait == 0 {
		s.bucket.Take(now, 1)
	}
	if s.headers {
		h.Set("X-Ratelimit-Limit-Requests", strconv.Itoa(s.limitPerMinute))
		h.Set("X-Ratelimit-Remaining-Requests", strconv.Itoa(s.bucket.Remaining(now)))
		h.Set("X-Ratelimit-Reset-Requests", s.bucket.Reset(now).String())
	}
	if wait == 0 {
		return true, h
	}
	if !s.coarse {
		h.Set("Retry-After-Ms", strconv.FormatInt(int64(math.Ceil(float64(wait)/float64(time.Millisecond))), 10))
	}
	h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(wait.Seconds())), 10))
	return false, h
}

var simTrace = os.Getenv("SIM_TRACE") != ""

type simEvent struct {
	at     time.Time
	seq    int
	worker int // -1: a dispatch
	ok     bool
	header http.Header
}

type simEvents []simEvent

func (e simEvents) Len() int { return len(e) }
func (e simEvents) Less(i, j int) bool {
	if !e[i].at.Equal(e[j].at) {
		return e[i].at.Before(e[j].at)
	}
	return e[i].seq < e[j].seq
}
func (e simEvents) Swap(i, j int) { e[i], e[j] = e[j], e[i] }
func (e *simEvents) Push(x any)   { *e = append(*e, x.(simEvent)) }
func (e *simEvents) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

type simResult struct {
	served, throttled int
	elapsed           time.Duration
	maxWait           time.Duration
}

// adherence is the requests served per second over the provider's limit.
func (r simResult) adherence(perMinute int) float64 {
	return float64(r.served) / r.elapsed.Seconds() / (float64(perMinute) / 60)
}

func (r simResult) throttledShare() float64 {
	return float64(r.throttled) / float64(r.served+r.throttled)
}

// simulate runs n calls through one limiter from `workers` callers that each
// make one call at a time, against server, each answer taking latency.
// change, when set, is called before every event and may change the server.
func simulate(t *testing.T, n, workers int, latency time.Duration, server *simServer, capPerMinute int, change func(now time.Time, s *simServer)) simResult {
	t.Helper()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &simClock{now: t0}
	server.bucket = aitest.NewBucket(server.limitPerMinute, t0)
	l := newLimiter(clock, "m", KindText, capPerMinute, workers)
	var (
		events  simEvents
		seq     int
		waiting = make([]*waiter, workers)
		since   = make([]time.Time, workers)
		left    = n
		res     simResult
		// dispatches are the times a dispatch is already scheduled at.
		dispatches = map[time.Time]bool{}
	)
	push := func(e simEvent) {
		seq++
		e.seq = seq
		heap.Push(&events, e)
	}
	enqueue := func(i int, front bool) {
		w := &waiter{ready: make(chan struct{}), since: since[i], enq: clock.now}
		waiting[i] = w
		l.mu.Lock()
		if front {
			l.queue = append([]*waiter{w}, l.queue...)
		} else {
			l.queue = append(l.queue, w)
		}
		l.mu.Unlock()
	}
	// settle lets the limiter dispatch, sends what it let through and
	// schedules its next dispatch.
	settle := func() {
		l.mu.Lock()
		at := l.dispatchLocked(clock.now)
		l.mu.Unlock()
		for i, w := range waiting {
			if w == nil || !w.granted {
				continue
			}
			waiting[i] = nil
			w.ticket.sent = clock.now
			res.maxWait = max(res.maxWait, clock.now.Sub(w.since))
			ok, h := server.request(clock.now)
			push(simEvent{at: clock.now.Add(latency), worker: i, ok: ok, header: h})
		}
		if !at.IsZero() && !dispatches[at] {
			dispatches[at] = true
			push(simEvent{at: at, worker: -1})
		}
	}
	for i := range workers {
		if left > 0 {
			left--
			since[i] = clock.now
			enqueue(i, false)
		}
	}
	settle()
	for events.Len() > 0 {
		e := heap.Pop(&events).(simEvent)
		clock.now = e.at
		if change != nil {
			change(clock.now, server)
		}
		if e.worker >= 0 {
			tk := &ticket{sent: e.at.Add(-latency)}
			if e.ok {
				res.served++
				l.succeeded(tk, e.header, "", 0, 0)
				if left > 0 {
					left--
					since[e.worker] = clock.now
					enqueue(e.worker, false)
				}
			} else {
				res.throttled++
				if simTrace {
					t.Logf("window: ok %d since %.3fs idle %s level %.2f", l.okSince, l.lastEmpty.Sub(t0).Seconds(), l.idle, float64(server.bucket.Remaining(clock.now)))
				}
				l.throttled(tk, e.header)
				if simTrace {
					t.Logf("%8.3fs 429 sent %8.3fs: est %.3f rate %.3f cwnd %.1f blocked %.3fs served %d", clock.now.Sub(t0).Seconds(), tk.sent.Sub(t0).Seconds(), l.est, l.rate, l.cwnd, l.blocked.Sub(t0).Seconds(), res.served)
				}
				enqueue(e.worker, true)
			}
			res.elapsed = clock.now.Sub(t0)
		}
		settle()
		if res.served+res.throttled > 20*n {
			t.Fatalf("runaway: %d requests for %d calls", res.served+res.throttled, n)
		}
	}
	if res.served != n {
		t.Fatalf("served %d of %d calls", res.served, n)
	}
	return res
}

// The limiter learns a limit nobody told it: it serves close to the limit
// with few 429s, in virtual time (deterministic, no sleeps).
func TestLimiterLearnsUnknownLimit(t *testing.T) {
	tests := []struct {
		name      string
		perMinute int
		n         int
		workers   int
		latency   time.Duration
		coarse    bool
		// wantAdherence is the least served rate over the limit (the
		// shortest runs spend a larger share learning).
		wantAdherence float64
	}{
		{"300 rpm, answers at once", 300, 534, 4, time.Millisecond, false, 0.9},
		{"300 rpm, 8 callers", 300, 534, 8, 5 * time.Millisecond, false, 0.9},
		{"300 rpm, 200 ms answers", 300, 534, 4, 200 * time.Millisecond, false, 0.9},
		{"60 images a minute", 60, 150, 4, 20 * time.Millisecond, false, 0.9},
		{"10 images a minute", 10, 40, 4, 20 * time.Millisecond, false, 0.85},
		{"3,000 rpm", 3000, 3000, 16, 10 * time.Millisecond, false, 0.9},
		{"Retry-After in whole seconds only", 300, 534, 4, time.Millisecond, true, 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := simulate(t, tt.n, tt.workers, tt.latency, &simServer{limitPerMinute: tt.perMinute, coarse: tt.coarse}, 0, nil)
			t.Logf("%d served, %d 429 (%.1f%%), %s, adherence %.3f, longest wait %s", r.served, r.throttled, 100*r.throttledShare(), r.elapsed, r.adherence(tt.perMinute), r.maxWait)
			if a := r.adherence(tt.perMinute); a < tt.wantAdherence {
				t.Errorf("served %.3f of the limit, want >= %.2f", a, tt.wantAdherence)
			}
			// Learning costs about one 429 per caller; after that about
			// one in a hundred requests.
			if most := tt.workers + 1 + tt.n/100; r.throttled > most {
				t.Errorf("%d answers 429, want <= %d", r.throttled, most)
			}
		})
	}
}

// With the limit told (a cap) or announced (x-ratelimit headers), no
// request is answered 429.
func TestLimiterPacesToKnownLimit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		server  simServer
		cap     int
		workers int
	}{
		{"configured", simServer{limitPerMinute: 300}, 300, 4},
		{"headers", simServer{limitPerMinute: 300, headers: true}, 0, 4},
		{"headers, 16 callers", simServer{limitPerMinute: 600, headers: true}, 0, 16},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := simulate(t, 300, tt.workers, time.Millisecond, &tt.server, tt.cap, nil)
			t.Logf("%d served, %d 429, %s, adherence %.3f", r.served, r.throttled, r.elapsed, r.adherence(tt.server.limitPerMinute))
			if r.throttled != 0 {
				t.Errorf("%d answers 429, want none", r.throttled)
			}
			if a := r.adherence(tt.server.limitPerMinute); a < 0.95 {
				t.Errorf("served %.3f of the limit, want >= 0.95", a)
			}
		})
	}
}

// When the provider's limit drops (another client shares the key), the
// limiter follows it down; when it rises again, it finds it.
func TestLimiterFollowsAChangingLimit(t *testing.T) {
	var changed [2]bool
	change := func(now time.Time, s *simServer) {
		el := now.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		switch {
		case el > 60*time.Second && !changed[0]:
			changed[0] = true
			s.limitPerMinute = 150
			s.bucket = aitest.NewBucket(150, now)
		case el > 150*time.Second && !changed[1]:
			changed[1] = true
			s.limitPerMinute = 300
			s.bucket = aitest.NewBucket(300, now)
		}
	}
	// 300/min for 60 s, 150/min for 90 s, then 300/min: about 300+225+…
	r := simulate(t, 900, 4, time.Millisecond, &simServer{limitPerMinute: 300}, 0, change)
	t.Logf("%d served, %d 429 (%.1f%%), %s", r.served, r.throttled, 100*r.throttledShare(), r.elapsed)
	// At the limits exactly: 300 in 60 s, 225 in 90 s, 375 more in 75 s.
	// Finding the raised limit again takes a minute or so.
	if floor := 225 * time.Second; r.elapsed > floor*120/100 {
		t.Errorf("took %s, want within 20%% of %s", r.elapsed, floor)
	}
	if s := r.throttledShare(); s > 0.03 {
		t.Errorf("%.1f%% of the answers were 429", 100*s)
	}
}
