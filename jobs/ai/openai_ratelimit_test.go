package ai

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/openai/openai-go/v3"

	"autopress/jobs/ai/aitest"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// newClockedOpenAI is newTestOpenAI on a fake clock shared with the fake
// server.
func newClockedOpenAI(t *testing.T, edit func(*OpenAIConfig)) (*OpenAI, *aitest.Fake, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(t0)
	o, fake := newTestOpenAI(t, func(c *OpenAIConfig) {
		c.Clock = clock
		if edit != nil {
			edit(c)
		}
	})
	fake.SetClock(clock)
	return o, fake, clock
}

// guard is a context for a test's calls and waits that ends, failing the
// test instead of hanging it, when something never happens.
func guard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitArrived waits until the fake has seen n requests.
func waitArrived(t *testing.T, fake *aitest.Fake, n int) {
	t.Helper()
	select {
	case <-fake.Arrived(n):
	case <-guard(t).Done():
		t.Fatalf("request %d never arrived", n)
	}
}

// blockUntilTimer waits until something waits on the clock.
func blockUntilTimer(t *testing.T, clock *clockwork.FakeClock) {
	t.Helper()
	if err := clock.BlockUntilContext(guard(t), 1); err != nil {
		t.Fatal(err)
	}
}

// settled waits until no request of l is in flight, so the clock moves on
// only once every request let through has reached the server at the time
// it was let through.
func settled(t *testing.T, l *limiter) {
	t.Helper()
	for {
		l.mu.Lock()
		n, ch := l.inflight, l.changed
		l.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-ch:
		case <-guard(t).Done():
			t.Fatal("requests never finished")
		}
	}
}

// drive advances the clock by step each time something waits on it and no
// request of o is in flight, until done is closed.
func drive(t *testing.T, o *OpenAI, clock *clockwork.FakeClock, step time.Duration, done <-chan struct{}) {
	t.Helper()
	for {
		ctx, cancel := context.WithCancel(guard(t))
		go func() {
			select {
			case <-done:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := clock.BlockUntilContext(ctx, 1)
		cancel()
		select {
		case <-done:
			return
		default:
		}
		if err != nil {
			t.Fatal(err)
		}
		// A timer is armed together with the grants it follows, so what
		// was let through is counted in flight by now.
		settled(t, o.text)
		settled(t, o.images)
		clock.Advance(step)
	}
}

// A configured cap spaces requests exactly 60s/RPM apart: the next request
// leaves when the clock reaches its turn, not a moment before.
func TestOpenAIRateLimit(t *testing.T) {
	t.Parallel()
	ctx := guard(t)
	o, fake, clock := newClockedOpenAI(t, func(c *OpenAIConfig) { c.RequestsPerMinute = 600 }) // one per 100ms
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if _, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1); err != nil {
				t.Error(err)
			}
		})
	}
	waitArrived(t, fake, 1)
	for i := 2; i <= 5; i++ {
		blockUntilTimer(t, clock)
		clock.Advance(99 * time.Millisecond)
		if n := fake.Count(""); n != i-1 {
			t.Fatalf("%d requests 99ms after request %d, want %d", n, i-1, i-1)
		}
		clock.Advance(time.Millisecond)
		waitArrived(t, fake, i)
	}
	wg.Wait()
	reqs := fake.Requests()
	for i := 1; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-1].At); gap != 100*time.Millisecond {
			t.Errorf("requests %d and %d %s apart, want 100ms", i-1, i, gap)
		}
	}
	if st, _ := o.Limit(opIdeas); st.Source != SourceConfigured || st.RequestsPerMinute != 600 || st.Served != 5 || st.Throttled != 0 {
		t.Errorf("limit state %+v", st)
	}
}

// A 429 fails nothing, even with a single attempt allowed: every call of
// the model waits for the provider's Retry-After, then goes through.
func TestOpenAIThrottledCallsWait(t *testing.T) {
	t.Parallel()
	ctx := guard(t)
	o, fake, clock := newClockedOpenAI(t, func(c *OpenAIConfig) { c.MaxAttempts = 1 })
	fake.SetLimits(aitest.Limits{RequestsPerMinute: 60}) // one a second, burst 1
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1); err != nil {
				t.Error(err)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	drive(t, o, clock, 250*time.Millisecond, done)

	reqs := fake.Requests()
	var throttledAt time.Time
	ok := 0
	for _, r := range reqs {
		switch {
		case r.Throttled && throttledAt.IsZero():
			throttledAt = r.At
		case !r.Throttled:
			ok++
			if !throttledAt.IsZero() && r.At.Before(throttledAt.Add(time.Second)) {
				t.Errorf("a request left at %s, within the Retry-After of the 429 at %s", r.At.Sub(t0), throttledAt.Sub(t0))
			}
		}
	}
	if ok != 4 || fake.Throttled() == 0 {
		t.Errorf("%d answered, %d throttled; want 4 and some", ok, fake.Throttled())
	}
	if st, _ := o.Limit(opArticle); st.Throttled != int64(fake.Throttled()) || st.Served != 4 || st.Source != SourceLearned {
		t.Errorf("limit state %+v", st)
	}
}

// Text and images have limiters of their own: a 429 of the image model
// holds no text request back.
func TestOpenAITextAndImagesApart(t *testing.T) {
	t.Parallel()
	ctx := guard(t)
	o, fake, clock := newClockedOpenAI(t, nil)
	fake.Script(aitest.PathImages, aitest.Reply{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	imageDone := make(chan error, 1)
	go func() {
		_, err := o.GenerateImage(ctx, Site{Name: "s"}, ImagePrompt{Prompt: "p"})
		imageDone <- err
	}()
	waitArrived(t, fake, 1)
	blockUntilTimer(t, clock) // the image limiter is blocked for a minute
	if _, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1); err != nil {
		t.Fatal(err)
	}
	if st, _ := o.Limit(opImage); st.BlockedUntil != t0.Add(time.Minute) || st.Waiting != 1 || !st.WaitingSince.Equal(t0) {
		t.Errorf("image limit state %+v", st)
	}
	clock.Advance(time.Minute)
	if err := <-imageDone; err != nil {
		t.Fatal(err)
	}
}

// A 429 saying the quota is used up is an error, not a wait.
func TestOpenAIQuotaExhausted(t *testing.T) {
	t.Parallel()
	ctx := guard(t)
	o, fake := newTestOpenAI(t, nil)
	fake.Script(aitest.PathChat, aitest.Reply{Status: 429, Body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`})
	_, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || fake.Count("") != 1 {
		t.Fatalf("err = %v after %d requests, want the 429 at once", err, fake.Count(""))
	}
}

// Ready holds the caller back while the provider's limit does, and lets it
// through a second before its turn.
func TestOpenAIReady(t *testing.T) {
	t.Parallel()
	ctx := guard(t)
	o, fake, clock := newClockedOpenAI(t, nil)
	if err := o.Ready(ctx, opArticle); err != nil {
		t.Fatalf("ready with nothing waiting: %v", err)
	}
	fake.Script(aitest.PathChat, aitest.Reply{Status: 429, Header: http.Header{"Retry-After": {"10"}}})
	callDone := make(chan error, 1)
	go func() {
		_, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1)
		callDone <- err
	}()
	waitArrived(t, fake, 1)
	blockUntilTimer(t, clock) // blocked until t0+10s

	ready := make(chan error, 1)
	go func() { ready <- o.Ready(ctx, opArticle) }()
	if err := clock.BlockUntilContext(guard(t), 2); err != nil { // the limiter's timer and Ready's
		t.Fatal(err)
	}
	if st, _ := o.Limit(opArticle); st.Waiting != 2 || !st.WaitingSince.Equal(t0) {
		t.Errorf("limit state while waiting %+v", st)
	}
	clock.Advance(9*time.Second - time.Millisecond)
	select {
	case err := <-ready:
		t.Fatalf("ready %s before the turn: %v", time.Second+time.Millisecond, err)
	default:
	}
	clock.Advance(time.Millisecond)
	if err := <-ready; err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := <-callDone; err != nil {
		t.Fatal(err)
	}
	if o.images.state().Waiting != 0 || o.Ready(ctx, "no_such_operation") != nil {
		t.Error("images or an unknown operation should not wait")
	}

	fake.Script(aitest.PathChat, aitest.Reply{Status: 429, Header: http.Header{"Retry-After": {"10"}}})
	go func() { _, _ = o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1) }()
	waitArrived(t, fake, 3)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := o.Ready(cancelled, opArticle); !errors.Is(err, context.Canceled) {
		t.Errorf("ready on a cancelled context: %v", err)
	}
}

// The x-ratelimit headers set the pace from the first answer on, so no
// request is answered 429.
func TestOpenAIPacesToHeaders(t *testing.T) {
	t.Parallel()
	ctx := guard(t)
	o, fake, clock := newClockedOpenAI(t, func(c *OpenAIConfig) { c.Concurrency = 8 })
	fake.SetLimits(aitest.Limits{RequestsPerMinute: 120, Headers: true}) // 2 a second, burst 2
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1); err != nil {
				t.Error(err)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	drive(t, o, clock, 100*time.Millisecond, done)
	if n := fake.Throttled(); n != 0 {
		t.Errorf("%d answers 429, want none", n)
	}
	if st, _ := o.Limit(opIdeas); st.Source != SourceHeaders || st.RequestsPerMinute != headerShare*120 {
		t.Errorf("limit state %+v", st)
	}
}

// Tokens: the estimate is charged when a request leaves and corrected from
// the answer's usage; an exhausted token budget holds requests back.
func TestLimiterTokens(t *testing.T) {
	clock := &simClock{now: t0}
	l := newLimiter(clock, "m", KindText, 0, 4)
	if got := l.estimate(opArticle, 100); got != 100+completionGuess[opArticle] {
		t.Errorf("first estimate %v", got)
	}
	l.mu.Lock()
	l.readHeadersLocked(clock.now, http.Header{"X-Ratelimit-Limit-Tokens": {"60000"}, "X-Ratelimit-Remaining-Tokens": {"50000"}})
	l.mu.Unlock()
	if l.tokRate != 1000 {
		t.Fatalf("token rate %v, want 1000/s", l.tokRate)
	}
	w := &waiter{ready: make(chan struct{}), enq: clock.now, tokens: 2000}
	l.mu.Lock()
	l.queue = append(l.queue, w)
	next := l.dispatchLocked(clock.now)
	l.mu.Unlock()
	if !w.granted || !next.IsZero() || !l.tokNext.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("granted %v, token pace at %s", w.granted, l.tokNext.Sub(t0))
	}
	// The answer used 500 tokens, not 2000: the pace gives 1.5 s back.
	w.ticket.sent = clock.now
	l.succeeded(w.ticket, nil, opArticle, 300, 200)
	if !l.tokNext.Equal(t0.Add(500 * time.Millisecond)) {
		t.Errorf("token pace at %s after the correction, want 500ms", l.tokNext.Sub(t0))
	}
	if got := l.estimate(opArticle, 100); got != 300 {
		t.Errorf("estimate after one answer %v, want its 200 completion tokens + 100", got)
	}
	// Fewer tokens remaining than a request uses: wait for them.
	l.mu.Lock()
	l.readHeadersLocked(clock.now, http.Header{"X-Ratelimit-Limit-Tokens": {"60000"}, "X-Ratelimit-Remaining-Tokens": {"100"}, "X-Ratelimit-Reset-Tokens": {"59s"}})
	l.mu.Unlock()
	if want := t0.Add(400 * time.Millisecond); !l.tokBlocked.Equal(want) {
		t.Errorf("blocked until %s, want 400ms (500 tokens a request, 100 left, 1000/s)", l.tokBlocked.Sub(t0))
	}
}

// A remaining count of zero blocks until one request comes back: one
// interval of the limit, or the reset when it is sooner.
func TestLimiterRemainingZero(t *testing.T) {
	for _, tt := range []struct {
		reset string
		want  time.Duration
	}{
		{"", 500 * time.Millisecond},
		{"20ms", 20 * time.Millisecond},
		{"6m0s", 500 * time.Millisecond},
		{"1.5", 500 * time.Millisecond},
		{"0.2", 200 * time.Millisecond},
	} {
		clock := &simClock{now: t0}
		l := newLimiter(clock, "m", KindText, 0, 4)
		h := http.Header{"X-Ratelimit-Limit-Requests": {"120"}, "X-Ratelimit-Remaining-Requests": {"0"}}
		if tt.reset != "" {
			h.Set("X-Ratelimit-Reset-Requests", tt.reset)
		}
		l.mu.Lock()
		l.readHeadersLocked(clock.now, h)
		l.mu.Unlock()
		if got := l.blocked.Sub(t0); got != tt.want {
			t.Errorf("reset %q: blocked %s, want %s", tt.reset, got, tt.want)
		}
	}
}

func TestHeaderDuration(t *testing.T) {
	for v, want := range map[string]time.Duration{"1s": time.Second, "6m0s": 6 * time.Minute, "17ms": 17 * time.Millisecond, "2.5": 2500 * time.Millisecond} {
		if got, ok := headerDuration(http.Header{"X": {v}}, "X"); !ok || got != want {
			t.Errorf("%q: %s %v, want %s", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "-1s"} {
		if _, ok := headerDuration(http.Header{"X": {v}}, "X"); ok {
			t.Errorf("%q read as a duration", v)
		}
	}
}
