package aitest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Limits are the rate limits the fake enforces per model, like OpenAI: each
// is a token bucket refilled evenly (limit/60 per second) that holds one
// second of burst. A request over a limit is answered 429 at once with
// Retry-After (whole seconds, rounded up) and retry-after-ms: the time until
// the bucket has room for it. The zero Limits enforces nothing.
type Limits struct {
	// RequestsPerMinute limits chat completions.
	RequestsPerMinute int
	// ImagesPerMinute limits image generations.
	ImagesPerMinute int
	// TokensPerMinute limits the tokens of chat completions: a request needs
	// room for its prompt (a quarter of its body's bytes) to be let in, and
	// its answer's completion tokens are charged too.
	TokensPerMinute int
	// Headers adds OpenAI's x-ratelimit-limit/remaining/reset-requests (and
	// -tokens when tokens are limited) to every answer, 429s included.
	// Remaining is what the bucket holds now; reset is the time until it is
	// full again.
	Headers bool
}

// Bucket is a token bucket: Rate tokens per second, at most Burst stored;
// it starts full. Its methods are not safe for concurrent use.
type Bucket struct {
	Rate  float64
	Burst float64
	level float64
	at    time.Time
}

// NewBucket returns a full bucket for a per-minute limit with one second of
// burst (at least one token).
func NewBucket(perMinute int, now time.Time) *Bucket {
	rate := float64(perMinute) / 60
	b := &Bucket{Rate: rate, Burst: math.Max(1, rate), at: now}
	b.level = b.Burst
	return b
}

func (b *Bucket) refill(now time.Time) {
	if now.After(b.at) {
		b.level = math.Min(b.Burst, b.level+now.Sub(b.at).Seconds()*b.Rate)
		b.at = now
	}
}

// Wait is the time from now until n tokens fit (0: they fit now). A cost
// above Burst fits once the bucket is full.
func (b *Bucket) Wait(now time.Time, n float64) time.Duration {
	b.refill(now)
	need := math.Min(n, b.Burst)
	if b.level >= need {
		return 0
	}
	return time.Duration((need - b.level) / b.Rate * float64(time.Second))
}

// Take charges n tokens at now; the level may go below zero.
func (b *Bucket) Take(now time.Time, n float64) {
	b.refill(now)
	b.level -= n
}

// Remaining is the whole tokens the bucket holds at now.
func (b *Bucket) Remaining(now time.Time) int {
	b.refill(now)
	return int(math.Max(0, math.Floor(b.level)))
}

// Reset is the time from now until the bucket is full again.
func (b *Bucket) Reset(now time.Time) time.Duration {
	b.refill(now)
	return time.Duration((b.Burst - b.level) / b.Rate * float64(time.Second))
}

// SetLimits replaces the enforced limits; every bucket starts full.
func (f *Fake) SetLimits(l Limits) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits = l
	f.buckets = map[string]*Bucket{}
}

// Throttled is the number of requests answered 429 because of Limits.
func (f *Fake) Throttled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.Throttled {
			n++
		}
	}
	return n
}

// bucket returns the model's bucket of a kind ("requests", "images",
// "tokens") and its per-minute limit; nil when that kind is not limited.
// Called with f.mu held.
func (f *Fake) bucket(kind, model string, now time.Time) (*Bucket, int) {
	perMinute := map[string]int{"requests": f.limits.RequestsPerMinute, "images": f.limits.ImagesPerMinute, "tokens": f.limits.TokensPerMinute}[kind]
	if perMinute <= 0 {
		return nil, 0
	}
	key := kind + "\x00" + model
	b := f.buckets[key]
	if b == nil {
		b = NewBucket(perMinute, now)
		f.buckets[key] = b
	}
	return b, perMinute
}

// admit charges a request to its model's buckets (images or requests, and
// prompt tokens for chat). It returns the rate-limit headers to send, and
// false with Retry-After headers when a bucket has no room (then nothing is
// charged). Called with f.mu held.
func (f *Fake) admit(path, model string, promptTokens float64, now time.Time) (http.Header, bool) {
	kind := "requests"
	if path == PathImages {
		kind = "images"
	}
	req, reqLimit := f.bucket(kind, model, now)
	var tok *Bucket
	tokLimit := 0
	if path == PathChat {
		tok, tokLimit = f.bucket("tokens", model, now)
	}
	var wait time.Duration
	if req != nil {
		wait = req.Wait(now, 1)
	}
	if tok != nil {
		wait = max(wait, tok.Wait(now, promptTokens))
	}
	if wait == 0 {
		if req != nil {
			req.Take(now, 1)
		}
		if tok != nil {
			tok.Take(now, promptTokens)
		}
	}
	h := http.Header{}
	if f.limits.Headers {
		if req != nil {
			h.Set("X-Ratelimit-Limit-Requests", strconv.Itoa(reqLimit))
			h.Set("X-Ratelimit-Remaining-Requests", strconv.Itoa(req.Remaining(now)))
			h.Set("X-Ratelimit-Reset-Requests", resetString(req.Reset(now)))
		}
		if tok != nil {
			h.Set("X-Ratelimit-Limit-Tokens", strconv.Itoa(tokLimit))
			h.Set("X-Ratelimit-Remaining-Tokens", strconv.Itoa(tok.Remaining(now)))
			h.Set("X-Ratelimit-Reset-Tokens", resetString(tok.Reset(now)))
		}
	}
	if wait > 0 {
		// Rounded to the microsecond first: float noise must not add a
		// millisecond.
		wait = wait.Round(time.Microsecond)
		h.Set("Retry-After-Ms", strconv.FormatInt(int64(math.Ceil(float64(wait)/float64(time.Millisecond))), 10))
		h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(wait.Seconds())), 10))
		return h, false
	}
	return h, true
}

// charge takes an answer's completion tokens from the model's token bucket.
// Called with f.mu held.
func (f *Fake) charge(model string, completionTokens float64, now time.Time) {
	if tok, _ := f.bucket("tokens", model, now); tok != nil {
		tok.Take(now, completionTokens)
	}
}

// resetString formats a wait as OpenAI does in x-ratelimit-reset-*: "20ms",
// "1s", "6m0s".
func resetString(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(time.Millisecond).String()
}
