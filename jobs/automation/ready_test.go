package automation

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
)

// gatedAI holds the Ready of one operation until the gate opens, like a
// provider waiting for its rate limit, and says when a caller is waiting.
type gatedAI struct {
	*hookAI
	op      string
	gate    chan struct{}
	waiting chan struct{} // receives each time a caller starts waiting
	limit   ai.LimitState // what Limit reports for op
}

func (g *gatedAI) Limit(op string) (ai.LimitState, bool) {
	if op != g.op {
		return g.hookAI.Limit(op)
	}
	return g.limit, true
}

func (g *gatedAI) Ready(ctx context.Context, op string) error {
	if op != g.op {
		return g.hookAI.Ready(ctx, op)
	}
	select {
	case g.waiting <- struct{}{}:
	default:
	}
	select {
	case <-g.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// An item's credit hold is taken only once the provider would let its call
// through: while the provider's limit holds stage 4 back, nothing of it is
// held or called; a pause meanwhile is not kept waiting for the provider.
func TestHoldWaitsForTheProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		g := &gatedAI{hookAI: e.ai, op: "content_generation", gate: make(chan struct{}), waiting: make(chan struct{}, 1),
			limit: ai.LimitState{Model: "gpt-x", Kind: ai.KindText, WaitingSince: t0.Add(-5 * time.Second), RequestsPerMinute: 60, Source: ai.SourceLearned}}
		svc := New(e.d, g, e.clock, quiet, Config{})
		r, err := svc.Start(e.ctx, e.site, "tester")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- svc.Execute(e.ctx, r.ID) }()
		guard := time.After(30 * time.Second)
		select {
		case <-g.waiting:
		case <-guard:
			t.Fatal("stage 4 never waited for the provider")
		}
		held := `SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'charge' AND operation = 'content_generation'`
		if n := e.count(held, r.ID); n != 0 || e.ai.count("article") != 0 {
			t.Fatalf("%d holds and %d calls of stage 4 while the provider is not ready", n, e.ai.count("article"))
		}
		// The run's report says so, and for how long.
		rep, err := svc.Report(e.ctx, e.run(r.ID))
		if err != nil {
			t.Fatal(err)
		}
		if w := rep.ProviderWait; w == nil || w.Model != "gpt-x" || w.For != 5*time.Second || w.Source != ai.SourceLearned {
			t.Fatalf("provider wait %+v", w)
		}
		g.limit.WaitingSince = t0.Add(-ProviderWaitShown / 2)
		if rep, _ := svc.Report(e.ctx, e.run(r.ID)); rep.ProviderWait != nil {
			t.Fatalf("a wait of %s reported: %+v", ProviderWaitShown/2, rep.ProviderWait)
		}

		if _, err := svc.Pause(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-guard:
			t.Fatal("the pause waited for the provider")
		}
		if got := e.run(r.ID); got.Status != db.RunPaused || got.LeaseOwner != "" {
			t.Fatalf("run %s, lease %q; want paused and released", got.Status, got.LeaseOwner)
		}
		if n := e.count(held, r.ID); n != 0 {
			t.Fatalf("%d holds of stage 4 after the pause", n)
		}
		g.limit.WaitingSince = t0.Add(-time.Minute)
		if rep, _ := svc.Report(e.ctx, e.run(r.ID)); rep.ProviderWait != nil {
			t.Fatalf("a paused run reported waiting: %+v", rep.ProviderWait)
		}

		// The provider is ready again: the run finishes, every hold settled.
		close(g.gate)
		if _, err := svc.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		e.execute(svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted {
			t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
		}
		if n := e.count(held, r.ID); n == 0 || e.ai.count("article") == 0 {
			t.Fatal("stage 4 never ran")
		}
		e.assertLedger()
	})
}

// pacedAI reports a limit for writing and counts the Ready calls before
// a writing hold.
type pacedAI struct {
	*hookAI
	limit   ai.LimitState
	readies atomic.Int64
}

func (p *pacedAI) Limit(op string) (ai.LimitState, bool) {
	if op != "content_generation" {
		return p.hookAI.Limit(op)
	}
	return p.limit, true
}

func (p *pacedAI) Ready(ctx context.Context, op string) error {
	if op == "content_generation" {
		p.readies.Add(1)
	}
	return p.hookAI.Ready(ctx, op)
}

// Free slots are filled together — their items' holds in one transaction
// after one look at the provider — only as far as the provider would let
// their calls leave at once: with no pace, up to the run's concurrency;
// while it paces at a call a second, one item per look, so no hold waits
// for its call longer than a single item's would.
func TestHoldsTakenTogetherOnlyWhenTheProviderServesThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, c := range []struct {
			name     string
			limit    ai.LimitState
			together bool
		}{
			{"not paced", ai.LimitState{}, true},
			{"paced at 60 a minute", ai.LimitState{RequestsPerMinute: 60, Source: ai.SourceHeaders}, false},
			{"held back", ai.LimitState{BlockedUntil: t0.Add(time.Minute)}, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, d)
				e.config(func(c *db.AutomationConfig) { c.Concurrency = 4 })
				p := &pacedAI{hookAI: e.ai, limit: c.limit}
				svc := New(e.d, p, e.clock, quiet, Config{})
				r, err := svc.Start(e.ctx, e.site, "tester")
				if err != nil {
					t.Fatal(err)
				}
				e.execute(svc, r.ID)
				if got := e.run(r.ID); got.Status != db.RunCompleted {
					t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
				}
				articles, readies := e.ai.count("article"), p.readies.Load()
				if articles < 8 {
					t.Fatalf("only %d articles written; the test needs more than the concurrency", articles)
				}
				if c.together && readies > articles-3 {
					t.Errorf("%d looks at the provider for %d articles: the first 4 free slots were not filled together", readies, articles)
				}
				if !c.together && readies != articles {
					t.Errorf("%d looks at the provider for %d articles, want one per article", readies, articles)
				}
				e.assertDrained()
				e.assertLedger()
			})
		}
	})
}
