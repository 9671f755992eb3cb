package ai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/openai/openai-go/v3"
)

// Retry bounds.
const (
	// maxBackoffFactor caps the exponential backoff at BaseBackoff × 32.
	maxBackoffFactor = 32
	// maxRetryAfter is the longest Retry-After honoured; a server asking for
	// more gets its error returned instead of a run blocked for minutes.
	maxRetryAfter = 2 * time.Minute
)

// call runs one API request under the concurrency cap and the rate limit,
// each attempt with its own timeout, retrying transient failures (429, 408,
// 5xx, attempt timeouts, network errors) up to MaxAttempts with exponential
// backoff and full jitter, or after the server's Retry-After. Cancelling ctx
// ends everything at once with an error wrapping ctx.Err().
func (o *OpenAI) call(ctx context.Context, op string, do func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := o.attempt(ctx, do)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ai: openai %s: %w", op, ctx.Err())
		}
		retry, after := transient(err)
		if !retry {
			return fmt.Errorf("ai: openai %s: %w", op, err)
		}
		if attempt >= o.cfg.MaxAttempts {
			return fmt.Errorf("ai: openai %s: giving up after %d attempts: %w", op, attempt, err)
		}
		wait := after
		if wait == 0 {
			wait = o.jitter(o.backoff(attempt))
		}
		if wait > maxRetryAfter {
			return fmt.Errorf("ai: openai %s: server asks to retry after %s: %w", op, wait, err)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return fmt.Errorf("ai: openai %s: no time left to retry after %s: %w", op, wait, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("ai: openai %s: %w", op, err)
		}
	}
}

// attempt makes one request: a slot of the concurrency cap first, then a
// rate-limit token (in that order, so the request leaves as soon as it has
// its token and the spacing holds at the server), then the request itself
// under the per-attempt timeout.
func (o *OpenAI) attempt(ctx context.Context, do func(ctx context.Context) error) error {
	select {
	case o.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-o.sem }()
	if o.limiter != nil {
		if err := o.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	actx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	if err := do(actx); err != nil {
		if ctx.Err() == nil && actx.Err() != nil {
			return fmt.Errorf("attempt timed out after %s: %w", o.cfg.Timeout, errAttemptTimeout)
		}
		return err
	}
	return nil
}

// errAttemptTimeout marks an attempt that ran out of its own time (not the
// caller's).
var errAttemptTimeout = errors.New("timeout")

// backoff is the upper bound of the wait before attempt+1.
func (o *OpenAI) backoff(attempt int) time.Duration {
	d := o.cfg.BaseBackoff
	for i := 1; i < attempt && d < o.cfg.BaseBackoff*maxBackoffFactor; i++ {
		d *= 2
	}
	return min(d, o.cfg.BaseBackoff*maxBackoffFactor)
}

// fullJitter picks a wait uniformly in [0, d] ("full jitter"), which spreads
// retries of many callers best.
func fullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// transient tells whether err is worth another attempt, and the wait the
// server asked for (0: none given).
func transient(err error) (bool, time.Duration) {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		switch s := apiErr.StatusCode; {
		case s == http.StatusTooManyRequests, s == http.StatusRequestTimeout,
			s >= 500 && s != http.StatusNotImplemented && s != http.StatusHTTPVersionNotSupported:
			var h http.Header
			if apiErr.Response != nil {
				h = apiErr.Response.Header
			}
			return true, retryAfter(h, time.Now())
		}
		return false, 0
	}
	var netErr net.Error
	switch {
	case errors.Is(err, errAttemptTimeout),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.As(err, &netErr):
		return true, 0
	}
	return false, 0
}

// retryAfter reads the wait a server asks for: OpenAI's retry-after-ms, or
// Retry-After in seconds or as an HTTP date. 0 when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
