package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header http.Header
		want   time.Duration
	}{
		{nil, 0},
		{http.Header{}, 0},
		{http.Header{"Retry-After": {"1"}}, time.Second},
		{http.Header{"Retry-After": {" 2.5 "}}, 2500 * time.Millisecond},
		{http.Header{"Retry-After": {"0"}}, 0},
		{http.Header{"Retry-After": {"-3"}}, 0},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{"Retry-After": {now.Add(7 * time.Second).Format(http.TimeFormat)}}, 7 * time.Second},
		{http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"x"}, "Retry-After": {"9"}}, 9 * time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%v) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestBackoffAndJitter(t *testing.T) {
	o := &OpenAI{cfg: OpenAIConfig{BaseBackoff: 100 * time.Millisecond}}
	want := []time.Duration{100, 200, 400, 800, 1600, 3200, 3200, 3200}
	for i, w := range want {
		if got := o.backoff(i + 1); got != w*time.Millisecond {
			t.Errorf("backoff(%d) = %s, want %s", i+1, got, w*time.Millisecond)
		}
	}
	seen := map[bool]bool{}
	for range 1000 {
		d := fullJitter(time.Second)
		if d < 0 || d > time.Second {
			t.Fatalf("jitter %s out of [0, 1s]", d)
		}
		seen[d < 500*time.Millisecond] = true
	}
	if len(seen) != 2 || fullJitter(0) != 0 {
		t.Error("jitter is not spread over [0, d]")
	}
}

func TestBackoffUsedBetweenAttempts(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, func(c *OpenAIConfig) { c.BaseBackoff = 40 * time.Millisecond; c.MaxAttempts = 3 })
	var waits []time.Duration
	o.jitter = func(d time.Duration) time.Duration { waits = append(waits, d); return d }
	fake.Script("/chat/completions", replies(503, 503)...)
	if _, err := o.GenerateIdeas(t.Context(), Site{Name: "s"}, "c", nil, 1); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if fmt.Sprint(waits) != "[40ms 80ms]" || len(reqs) != 3 {
		t.Fatalf("waits %v, %d requests; want [40ms 80ms] and 3", waits, len(reqs))
	}
	if gap := reqs[2].At.Sub(reqs[1].At); gap < 80*time.Millisecond {
		t.Errorf("second retry after %s, want >= 80ms", gap)
	}
}

func TestTransient(t *testing.T) {
	api := func(status int) error { return &openai.Error{StatusCode: status} }
	tests := []struct {
		err  error
		want bool
	}{
		{api(429), true},
		{api(408), true},
		{api(500), true},
		{api(503), true},
		{api(501), false},
		{api(400), false},
		{api(401), false},
		{api(404), false},
		{fmt.Errorf("wrapped: %w", api(502)), true},
		{fmt.Errorf("x: %w", errAttemptTimeout), true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{errors.New("some bug"), false},
		{ErrMalformed, false},
		{context.Canceled, false},
	}
	for _, tt := range tests {
		if got, _ := transient(tt.err); got != tt.want {
			t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep on a cancelled context: %v", err)
	}
	if err := sleep(t.Context(), 0); err != nil {
		t.Errorf("sleep 0: %v", err)
	}
}
