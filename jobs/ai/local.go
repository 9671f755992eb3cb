package ai

import (
	"context"
	"time"
)

// Local is the offline provider: deterministic (the same input gives the same
// output), no network, and built on small real algorithms rather than canned
// text, so a demo pipeline and the tests run anywhere.
type Local struct {
	latency time.Duration
}

// NewLocal returns a Local provider whose every call first waits latency
// (0 for none) to imitate a remote model; the wait ends early when the
// context is cancelled.
func NewLocal(latency time.Duration) *Local {
	return &Local{latency: latency}
}

// Name implements Provider.
func (l *Local) Name() string { return "local" }

// wait sleeps for the configured latency unless ctx ends first.
func (l *Local) wait(ctx context.Context) error {
	return sleep(ctx, l.latency)
}

// Ready implements Provider: the local provider has no rate limit.
func (l *Local) Ready(ctx context.Context, operation string) error { return ctx.Err() }

// Limit implements Provider: the local provider has no rate limiter.
func (l *Local) Limit(operation string) (LimitState, bool) { return LimitState{}, false }

var _ Provider = (*Local)(nil)
