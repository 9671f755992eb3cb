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
	"github.com/openai/openai-go/v3/option"
)

// Retry bounds.
const (
	// maxBackoffFactor caps the exponential backoff at BaseBackoff × 32.
	maxBackoffFactor = 32
	// maxRetryAfter is the longest Retry-After honoured for an error other
	// than a 429; a server asking for more gets its error returned instead
	// of a run blocked for minutes.
	maxRetryAfter = 2 * time.Minute
)

// usage is the tokens an answer says it used.
type usage struct {
	prompt, completion int64
}

// request sends one API request with the given options (which capture the
// HTTP response) and returns the answer's usage.
type request func(ctx context.Context, opts ...option.RequestOption) (usage, error)

// call runs one API request of op through lim, the model's limiter. A 429
// is the provider's rate limit, never the call's failure: the call waits
// with every other call of the model (see limiter) and tries again, as long
// as it takes, unless ctx ends or its deadline comes before the provider's
// wait. Other transient failures (408, 5xx, attempt timeouts, network
// errors) are retried up to MaxAttempts with exponential backoff and full
// jitter, or after the server's Retry-After; each attempt has its own
// timeout. Cancelling ctx ends everything at once with an error wrapping
// ctx.Err().
func (o *OpenAI) call(ctx context.Context, op string, lim *limiter, promptTokens float64, do request) error {
	tokens := lim.estimate(op, promptTokens)
	since := o.clock.Now()
	retry := false
	for attempt := 1; ; {
		t, err := lim.acquire(ctx, since, tokens, retry)
		if err != nil {
			return fmt.Errorf("ai: openai %s: %w", op, err)
		}
		u, h, err := o.attempt(ctx, t, do)
		if err == nil {
			lim.succeeded(t, h, op, u.prompt, u.completion)
			return nil
		}
		if ctx.Err() != nil {
			lim.released(t, h)
			return fmt.Errorf("ai: openai %s: %w", op, ctx.Err())
		}
		if throttled(err) {
			wait := lim.throttled(t, h)
			if dl, ok := ctx.Deadline(); ok && o.clock.Until(dl) < wait {
				return fmt.Errorf("ai: openai %s: no time left to wait %s for the rate limit: %w", op, wait, err)
			}
			retry = true
			continue
		}
		lim.released(t, h)
		ok, after := transient(err)
		if !ok {
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
		if dl, ok := ctx.Deadline(); ok && o.clock.Until(dl) < wait {
			return fmt.Errorf("ai: openai %s: no time left to retry after %s: %w", op, wait, err)
		}
		if err := o.sleep(ctx, wait); err != nil {
			return fmt.Errorf("ai: openai %s: %w", op, err)
		}
		attempt++
		retry = false
	}
}

// attempt makes one request the limiter let through: a slot of the
// process-wide concurrency cap first, then the request under the per-attempt
// timeout. It returns the answer's headers (nil without an answer).
func (o *OpenAI) attempt(ctx context.Context, t *ticket, do request) (usage, http.Header, error) {
	select {
	case o.sem <- struct{}{}:
	case <-ctx.Done():
		return usage{}, nil, ctx.Err()
	}
	defer func() { <-o.sem }()
	t.sent = o.clock.Now()
	actx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	var res *http.Response
	u, err := do(actx, option.WithResponseInto(&res))
	var h http.Header
	if res != nil {
		h = res.Header
	}
	if err != nil {
		var apiErr *openai.Error
		if h == nil && errors.As(err, &apiErr) && apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		if ctx.Err() == nil && actx.Err() != nil {
			return u, h, fmt.Errorf("attempt timed out after %s: %w", o.cfg.Timeout, errAttemptTimeout)
		}
		return u, h, err
	}
	return u, h, nil
}

// sleep waits d on the provider's clock unless ctx ends first.
func (o *OpenAI) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-o.clock.After(d):
		return nil
	}
}

// throttled tells a 429 of the provider's rate limit from one saying the
// account's quota or credit is used up (code insufficient_quota), which no
// wait cures.
func throttled(err error) bool {
	var apiErr *openai.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests && apiErr.Code != "insufficient_quota"
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
		case s == http.StatusTooManyRequests && apiErr.Code == "insufficient_quota":
			return false, 0
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
