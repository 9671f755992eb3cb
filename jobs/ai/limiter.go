package ai

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// How a limiter learns a limit nobody told it from the 429 answers.
//
// A provider's rate limit is a token bucket: a request needs a token, tokens
// come back at the limit's rate, a few can be saved up. Two measures come
// from each 429:
//
//   - Between two 429s the bucket was empty twice, so every token that came
//     back in between went to a request that succeeded: the successes sent
//     between the two, over the time between them, is the limit. When the
//     provider sends retry-after-ms (the time until an empty bucket's next
//     token) the window runs from one 429's next token to the other's and
//     the measure is exact, unless the bucket was full for a while and lost
//     tokens (requests went slower than the limit): then it is low.
//   - The time from the last success to the 429's next token is at most one
//     token's interval, so its inverse is at least the limit, and exactly
//     the limit when the bucket holds a single token (or was full).
//
// A measure above the estimate replaces it; one below lowers it only when
// the second measure agrees (else the window lost tokens). After each 429
// the pace drops to backoffFactor of the estimate and then grows by
// probeGrowth of it per request let through while requests queue, the
// bucket absorbing the excess, until the next 429 measures again: one 429
// in a few hundred requests. Above the estimate the growth
// doubles every probeDoubling requests, so a limit that was raised is found
// again. The very first 429 measures nothing yet; its retry-after-ms gives
// a first estimate when the provider sends it.
const (
	backoffFactor = 0.98
	probeGrowth   = 0.0001
	probeDoubling = 10
	// minPace is the slowest a limiter paces: a request a minute.
	minPace = 1.0 / 60
	// throttleWait is how long everyone waits after a 429 without
	// Retry-After when no pace is known.
	throttleWait = time.Second
	// readyAhead is how far ahead of its turn a caller is let through Ready
	// (and takes its credit hold).
	readyAhead = time.Second
	// idleShare: when nobody queued for more than this share of the time
	// between two 429s, the measure only counts as a lower bound (the
	// provider's bucket may have been full and lost tokens meanwhile).
	idleShare = 0.1
	// headerShare of an announced limit is the pace, so a little jitter in
	// when requests arrive does not meet an empty bucket.
	headerShare = 0.98
	// unsaturated: a pace this far above the window's measure when the 429
	// came means most of the window went slower than the limit.
	unsaturated = 1.1
)

// Where a limiter's pace comes from (LimitState.Source).
const (
	SourceConfigured = "configured"
	SourceHeaders    = "headers"
	SourceLearned    = "learned"
)

// Kinds of limiter: text and images are limited apart, as providers do.
const (
	KindText   = "text"
	KindImages = "images"
)

// LimitState is what one of a provider's rate limiters knows and does now.
type LimitState struct {
	Model string
	Kind  string // KindText or KindImages
	// RequestsPerMinute is the pace requests leave at (0: not paced).
	RequestsPerMinute float64
	// Source tells where the pace comes from: SourceConfigured (a cap set by
	// the operator), SourceHeaders (the provider's x-ratelimit headers) or
	// SourceLearned (measured from 429 answers); "" when not paced.
	Source string
	// Waiting counts the calls waiting for their turn (Ready included).
	Waiting int
	// WaitingSince is when the call that has waited longest began to wait;
	// zero when none waits.
	WaitingSince time.Time
	// BlockedUntil is set while a 429 or an exhausted limit keeps every
	// request of the model back.
	BlockedUntil time.Time
	// Served counts the requests answered with anything but a 429 since the
	// process started, Throttled those answered 429.
	Served, Throttled int64
}

// limiter paces the requests of one model of one provider, shared by every
// caller in the process. It lets requests leave in the order they asked,
// no faster than the pace (the lowest of the configured cap, the provider's
// headers and what was learned from 429s), no sooner than a 429's
// Retry-After, no more at once than an AIMD window of concurrency, and, when
// the provider announces a token limit, no faster than their estimated
// tokens allow.
type limiter struct {
	clock   clockwork.Clock
	model   string
	kind    string
	capRate float64 // configured requests per second; 0: none
	maxConc int

	mu      sync.Mutex
	queue   []*waiter
	readies map[*time.Time]struct{} // callers in Ready, by their start
	changed chan struct{}           // closed and replaced when a request ends or a block begins
	timer   clockwork.Timer
	timerAt time.Time

	inflight int
	cwnd     float64 // AIMD window of requests in flight
	// slowStart: no 429 yet, the window opens by half a request per
	// success (it starts at one, so a cold start sends few requests at once
	// into a limit it does not know yet).
	slowStart bool

	rate    float64   // learned pace, requests per second; 0: none learned
	next    time.Time // earliest departure of the next request (pacing)
	blocked time.Time // no departure before (429, remaining 0)
	above   int       // requests let through above est since the last 429

	est       float64       // the limit measured between 429s, requests per second
	lastEmpty time.Time     // sending time of the last 429 reacted to
	emptyWait time.Duration // its retry-after-ms (0: not sent)
	lastReact time.Time     // when it was reacted to
	lastOK    time.Time     // sending time of the latest success
	okSince   int           // successes sent after lastEmpty
	idle      time.Duration // time nobody queued since lastEmpty
	idleSince time.Time     // when the queue last became empty (zero: it is not)

	hdrRate    float64   // x-ratelimit-limit-requests per second
	tokRate    float64   // x-ratelimit-limit-tokens per second
	tokNext    time.Time // earliest departure by the token pace
	tokBlocked time.Time // token limit exhausted: no departure before
	avgTokens  float64   // tokens of a request, on average
	completion map[string]float64

	nServed, nThrottled int64
}

// waiter is a call queued for its turn.
type waiter struct {
	ready   chan struct{}
	since   time.Time // when the call began to wait (kept across its 429s)
	enq     time.Time
	tokens  float64
	ticket  *ticket
	granted bool
}

// ticket is a request let through by the limiter.
type ticket struct {
	sent   time.Time // set by the caller when the request leaves
	tokens float64   // the tokens estimated for it
}

func newLimiter(clock clockwork.Clock, model, kind string, capPerMinute, maxConc int) *limiter {
	return &limiter{clock: clock, model: model, kind: kind, capRate: float64(capPerMinute) / 60, maxConc: maxConc,
		cwnd: 1, slowStart: true, idleSince: clock.Now(), readies: map[*time.Time]struct{}{}, changed: make(chan struct{}),
		completion: map[string]float64{}}
}

// estimate is the tokens a request of op with this prompt will count:
// the prompt plus what op's answers used on average (a guess before any).
func (l *limiter) estimate(op string, promptTokens float64) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.completion[op]
	if !ok {
		c = completionGuess[op]
	}
	return promptTokens + c
}

// completionGuess is the completion tokens assumed for an operation before
// its first answer is counted.
var completionGuess = map[string]float64{
	opClustering: 600,
	opIdeas:      300,
	opArticle:    1500,
	opPrompts:    200,
}

// acquire waits for the request's turn. since is when the call first began
// to wait; a retry after a 429 goes to the front of the queue.
func (l *limiter) acquire(ctx context.Context, since time.Time, tokens float64, retry bool) (*ticket, error) {
	l.mu.Lock()
	now := l.clock.Now()
	w := &waiter{ready: make(chan struct{}), since: since, enq: now, tokens: tokens}
	l.busyLocked(now)
	if retry {
		l.queue = append([]*waiter{w}, l.queue...)
	} else {
		l.queue = append(l.queue, w)
	}
	l.armLocked(now, l.dispatchLocked(now))
	l.mu.Unlock()
	select {
	case <-w.ready:
		return w.ticket, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now = l.clock.Now()
	if w.granted {
		l.inflight--
	} else {
		for i, q := range l.queue {
			if q == w {
				l.queue = append(l.queue[:i], l.queue[i+1:]...)
				break
			}
		}
		if len(l.queue) == 0 {
			l.idleSince = now
		}
	}
	l.armLocked(now, l.dispatchLocked(now))
	return nil, ctx.Err()
}

// dispatchLocked lets through every waiter at the head of the queue whose
// turn has come and returns when the next one's will (zero: nobody waits,
// or the head waits for a request to finish).
func (l *limiter) dispatchLocked(now time.Time) time.Time {
	for len(l.queue) > 0 {
		if l.inflight >= int(l.cwnd) {
			return time.Time{}
		}
		if at := l.departureLocked(); at.After(now) {
			return at
		}
		w := l.queue[0]
		l.queue = l.queue[1:]
		backlogged := false
		if pace, _ := l.pace(); pace > 0 {
			backlogged = l.next.After(w.enq)
			l.next = later(now, l.next).Add(seconds(1 / pace))
		}
		if l.tokRate > 0 {
			l.tokNext = later(now, l.tokNext).Add(seconds(w.tokens / l.tokRate))
		}
		l.growLocked(backlogged)
		l.inflight++
		w.granted = true
		w.ticket = &ticket{tokens: w.tokens}
		close(w.ready)
		if len(l.queue) == 0 {
			l.idleSince = now
		}
	}
	return time.Time{}
}

// busyLocked ends an idle stretch: a caller is about to queue.
func (l *limiter) busyLocked(now time.Time) {
	if len(l.queue) == 0 && !l.idleSince.IsZero() {
		l.idle += now.Sub(later(l.idleSince, l.lastEmpty))
		l.idleSince = time.Time{}
	}
}

// departureLocked is the earliest time the next request may leave.
func (l *limiter) departureLocked() time.Time {
	at := later(l.blocked, l.tokBlocked)
	if pace, _ := l.pace(); pace > 0 {
		at = later(at, l.next)
	}
	if l.tokRate > 0 {
		at = later(at, l.tokNext)
	}
	return at
}

// pace is the requests per second the limiter paces to (0: none) and where
// that comes from: the lowest of the cap, the headers' limit and the
// learned rate.
func (l *limiter) pace() (float64, string) {
	p, src := 0.0, ""
	for _, c := range []struct {
		rate float64
		src  string
	}{{l.capRate, SourceConfigured}, {l.hdrRate, SourceHeaders}, {l.rate, SourceLearned}} {
		if c.rate > 0 && (p == 0 || c.rate < p) {
			p, src = c.rate, c.src
		}
	}
	return p, src
}

// growLocked raises the learned pace while requests queue for it.
func (l *limiter) growLocked(backlogged bool) {
	if !backlogged || l.rate == 0 || l.est == 0 {
		return
	}
	g := probeGrowth * l.est
	if l.rate >= l.est {
		l.above++
		g *= math.Exp2(float64(l.above) / probeDoubling)
	}
	l.rate += g
	if ceiling := l.ceiling(); ceiling > 0 {
		l.rate = min(l.rate, ceiling)
	}
}

// ceiling is the lowest of the configured and announced limits (0: none).
func (l *limiter) ceiling() float64 {
	switch {
	case l.capRate > 0 && l.hdrRate > 0:
		return min(l.capRate, l.hdrRate)
	case l.capRate > 0:
		return l.capRate
	}
	return l.hdrRate
}

// succeeded records a request answered (any status but 429) and its usage.
func (l *limiter) succeeded(t *ticket, h http.Header, op string, promptTokens, completionTokens int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.inflight--
	l.nServed++
	if t.sent.After(l.lastEmpty) {
		l.okSince++
	}
	l.lastOK = later(l.lastOK, t.sent)
	if l.slowStart {
		l.cwnd = min(float64(l.maxConc), l.cwnd+0.5)
	} else {
		l.cwnd = min(float64(l.maxConc), l.cwnd+1/l.cwnd)
	}
	if used := float64(promptTokens + completionTokens); used > 0 {
		if l.tokRate > 0 {
			// The estimate was charged when it left; the usage is the truth.
			l.tokNext = l.tokNext.Add(seconds((used - t.tokens) / l.tokRate))
		}
		l.avgTokens = ewma(l.avgTokens, used)
		if op != "" {
			l.completion[op] = ewma(l.completion[op], float64(completionTokens))
		}
	}
	l.readHeadersLocked(now, h)
	l.notifyLocked()
	l.armLocked(now, l.dispatchLocked(now))
}

// released gives back the place of a request that failed otherwise (an
// error answer, a timeout, no answer at all; h is nil without an answer)
// or never left.
func (l *limiter) released(t *ticket, h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.inflight--
	if h != nil {
		l.nServed++
	}
	l.readHeadersLocked(now, h)
	l.notifyLocked()
	l.armLocked(now, l.dispatchLocked(now))
}

// throttled records a 429: every request of the model waits for the
// provider's Retry-After and, the first time for the requests sent since
// the last reaction, the pace drops (see the constants). It returns how long
// the next request has to wait.
func (l *limiter) throttled(t *ticket, h http.Header) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.inflight--
	l.nThrottled++
	l.readHeadersLocked(now, h)
	wait := retryAfter(h, now)
	if wait <= 0 {
		wait = throttleWait
		if pace, _ := l.pace(); pace > 0 {
			wait = seconds(1 / pace)
		}
	}
	l.blocked = later(l.blocked, now.Add(wait))
	if t.sent.After(l.lastReact) {
		l.reactLocked(now, t.sent, h)
	}
	l.notifyLocked()
	l.armLocked(now, l.dispatchLocked(now))
	return l.blocked.Sub(now)
}

// reactLocked measures the limit over the time since the last 429 and cuts
// the pace and the window.
func (l *limiter) reactLocked(now, sent time.Time, h http.Header) {
	var wait time.Duration
	ms, precise := headerNumber(h, "Retry-After-Ms")
	if precise {
		wait = seconds(ms / 1000)
	}
	dt := sent.Add(wait).Sub(l.lastEmpty.Add(l.emptyWait)).Seconds()
	switch {
	case l.lastEmpty.IsZero():
		if wait > 0 && l.est == 0 {
			l.est = 1 / wait.Seconds()
		}
	case l.okSince == 0:
		l.est /= 2
	case dt > 0:
		m := float64(l.okSince) / dt
		// u: at least the limit (see above); 0 when unknown.
		u := 0.0
		if next := sent.Add(wait); precise && !l.lastOK.IsZero() && next.After(l.lastOK) {
			u = 1 / next.Sub(l.lastOK).Seconds()
		}
		pace, _ := l.pace()
		switch {
		case m >= l.est && u > 0 && pace > unsaturated*m:
			// Most of the window went slower than the limit (a raised
			// limit being found): the limit is nearer the pace that hit it.
			l.est = max(m, min(u, pace))
		case m >= l.est:
			l.est = m
		case u > 0:
			if u < l.est {
				l.est = max(m, u)
			}
		case l.idle.Seconds() > idleShare*dt:
			// The pacer stood idle: the measure is only a lower bound.
		default:
			l.est = (l.est + m) / 2
		}
	}
	switch {
	case l.est > 0:
		l.rate = backoffFactor * l.est
	case l.rate > 0:
		l.rate /= 2
	}
	// The first 429 measures nothing yet: the block and the halved window
	// hold everyone back until the next one does.
	if l.rate > 0 {
		l.rate = max(minPace, l.rate)
		if c := l.ceiling(); c > 0 {
			l.rate = min(l.rate, c)
		}
	}
	l.cwnd = max(1, l.cwnd/2)
	l.slowStart = false
	l.lastEmpty, l.emptyWait, l.lastReact = sent, wait, now
	l.okSince, l.idle, l.above = 0, 0, 0
	if !l.idleSince.IsZero() {
		l.idleSince = now
	}
}

// readHeadersLocked takes in OpenAI's x-ratelimit headers: the limits set
// the pace, an exhausted remainder blocks until enough comes back.
func (l *limiter) readHeadersLocked(now time.Time, h http.Header) {
	if h == nil {
		return
	}
	before := l.blocked
	if limit, ok := headerNumber(h, "X-Ratelimit-Limit-Requests"); ok && limit > 0 {
		l.hdrRate = headerShare * limit / 60
		if rem, ok := headerNumber(h, "X-Ratelimit-Remaining-Requests"); ok && rem < 1 {
			wait := seconds(60 / limit)
			if reset, ok := headerDuration(h, "X-Ratelimit-Reset-Requests"); ok && reset < wait {
				wait = reset
			}
			l.blocked = later(l.blocked, now.Add(wait))
		}
	}
	if limit, ok := headerNumber(h, "X-Ratelimit-Limit-Tokens"); ok && limit > 0 {
		l.tokRate = limit / 60
		if rem, ok := headerNumber(h, "X-Ratelimit-Remaining-Tokens"); ok && rem < l.avgTokens {
			wait := seconds((l.avgTokens - rem) / l.tokRate)
			if reset, ok := headerDuration(h, "X-Ratelimit-Reset-Tokens"); ok && reset < wait {
				wait = reset
			}
			l.tokBlocked = later(l.tokBlocked, now.Add(wait))
		}
	}
	if l.blocked.After(before) {
		l.notifyLocked()
	}
}

// ready waits until a request of this limiter would leave within
// readyAhead, so a caller can take what it pays with just before its turn.
func (l *limiter) ready(ctx context.Context) error {
	l.mu.Lock()
	start := l.clock.Now()
	key := &start
	l.readies[key] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.readies, key)
		l.mu.Unlock()
	}()
	for {
		l.mu.Lock()
		now := l.clock.Now()
		at := l.departureLocked()
		if pace, _ := l.pace(); pace > 0 && len(l.queue) > 0 {
			at = later(at, l.next.Add(seconds(float64(len(l.queue))/pace)))
		}
		changed := l.changed
		l.mu.Unlock()
		wait := at.Sub(now)
		if wait <= readyAhead {
			return ctx.Err()
		}
		select {
		case <-l.clock.After(wait - readyAhead):
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// state reports the limiter's state.
func (l *limiter) state() LimitState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	pace, src := l.pace()
	s := LimitState{Model: l.model, Kind: l.kind, RequestsPerMinute: pace * 60, Source: src,
		Waiting: len(l.queue) + len(l.readies), Served: l.nServed, Throttled: l.nThrottled}
	if b := later(l.blocked, l.tokBlocked); b.After(now) {
		s.BlockedUntil = b
	}
	for _, w := range l.queue {
		if s.WaitingSince.IsZero() || w.since.Before(s.WaitingSince) {
			s.WaitingSince = w.since
		}
	}
	for k := range l.readies {
		if s.WaitingSince.IsZero() || k.Before(s.WaitingSince) {
			s.WaitingSince = *k
		}
	}
	return s
}

// armLocked makes the timer dispatch again at at (zero: no timer).
func (l *limiter) armLocked(now, at time.Time) {
	if at.Equal(l.timerAt) && l.timer != nil {
		return
	}
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	l.timerAt = at
	if at.IsZero() {
		return
	}
	l.timer = l.clock.AfterFunc(at.Sub(now), func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		now := l.clock.Now()
		l.timer, l.timerAt = nil, time.Time{}
		l.armLocked(now, l.dispatchLocked(now))
	})
}

// notifyLocked wakes the callers in Ready (and tests waiting for the
// limiter to settle) to look again.
func (l *limiter) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// ewma moves avg a fifth of the way to v (v itself for the first value).
func ewma(avg, v float64) float64 {
	if avg == 0 {
		return v
	}
	return avg + (v-avg)/5
}

// headerNumber reads a numeric header.
func headerNumber(h http.Header, key string) (float64, bool) {
	v := strings.TrimSpace(h.Get(key))
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil && f >= 0
}

// headerDuration reads an x-ratelimit-reset-* header: "1s", "6m0s",
// "20ms", or plain seconds.
func headerDuration(h http.Header, key string) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get(key))
	if v == "" {
		return 0, false
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, true
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return seconds(s), true
	}
	return 0, false
}
