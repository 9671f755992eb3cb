package automation

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// queueTasks puts n writing tasks straight into stage 4's queue.
func (e *env) queueTasks(n int) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		var ideaID int64
		if err := dbtest.Get(e.ctx, e.d, &ideaID, e.d.Rebind(`INSERT INTO ideas (site_id, title, status, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?) RETURNING id`),
			e.site.ID, "Idea "+string(rune('A'+i)), t0, t0); err != nil {
			e.t.Fatal(err)
		}
		if _, err := dbtest.Exec(e.ctx, e.d, e.d.Rebind(`INSERT INTO tasks (site_id, idea_id, title, status, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?)`),
			e.site.ID, ideaID, "Task "+string(rune('A'+i)), t0, t0); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestBudgetCapsConcurrentCalls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.queueTasks(8)
		// content_generation costs 20; 40% of 250 = 100 covers 5 articles.
		e.config(func(c *db.AutomationConfig) {
			c.Stage1Enabled, c.Stage2Enabled, c.Stage3Enabled = false, false, false
			c.Stage5Enabled, c.Stage6Enabled, c.Stage7Enabled = false, false, false
			c.Concurrency = 8
			c.MaxCreditsPerRun = 250
		})
		before, _ := d.AccountByID(e.ctx, e.user.AccountID)
		var inflight, maxInflight atomic.Int32
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			v := inflight.Add(1)
			for {
				m := maxInflight.Load()
				if v <= m || maxInflight.CompareAndSwap(m, v) {
					break
				}
			}
			defer inflight.Add(-1)
			return nil
		})
		r := e.start()
		e.execute(e.svc, r.ID)
		if calls := e.ai.count("article"); calls != 5 {
			t.Fatalf("%d AI calls started, want at most (and here exactly) 5", calls)
		}
		charges := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'charge'`, r.ID)
		refunds := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'refund'`, r.ID)
		if charges != 5 || refunds != 0 {
			t.Fatalf("%d charges, %d refunds; want 5 and 0", charges, refunds)
		}
		spend, _ := d.RunSpend(e.ctx, r.ID)
		for _, s := range spend {
			if s.Budget >= 0 && s.Spent > s.Budget {
				t.Errorf("%s spent %d of %d", s.Operation, s.Spent, s.Budget)
			}
		}
		after, _ := d.AccountByID(e.ctx, e.user.AccountID)
		if before.Credits-after.Credits != 100 {
			t.Fatalf("balance moved by %d, want 100", before.Credits-after.Credits)
		}
		e.assertLedger()
		if n := e.count(`SELECT COUNT(*) - COUNT(DISTINCT idempotency_key) FROM credit_transactions`); n != 0 {
			t.Fatal("an idempotency key repeats")
		}
		got := e.run(r.ID)
		if got.StoppedReason != ReasonBudgetExhausted || !strings.Contains(got.StoppedDetail, "Writing: the credit budget ran out: 100 of 100") {
			t.Fatalf("stopped %q: %q", got.StoppedReason, got.StoppedDetail)
		}
		if n := e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ? AND status = 'queued'`, e.site.ID); n != 3 {
			t.Fatalf("%d tasks left, want 3 for the next run", n)
		}
	})
}

func TestExhaustedContentBudgetStillRunsLaterStages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// Custom split: content_generation gets 10% of 400 = 40 credits = 2 articles.
		b, _ := d.GetAIBudget(e.ctx, e.site.ID)
		b.Mode = "custom"
		b.SetShares(map[string]int{"clustering": 2500, "idea_generation": 2500, "content_generation": 1000, "image_prompt_extraction": 2000, "image_generation": 2000})
		if err := d.SaveAIBudget(e.ctx, b, t0); err != nil {
			t.Fatal(err)
		}
		e.config(func(c *db.AutomationConfig) { c.MaxCreditsPerRun = 400 })
		r := e.start()
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunCompleted || got.StoppedReason != ReasonBudgetExhausted || !strings.Contains(got.StoppedDetail, "Writing: the credit budget ran out") {
			t.Fatalf("got %s/%s: %s", got.Status, got.StoppedReason, got.StoppedDetail)
		}
		rs := e.results(r.ID)
		if rs[3].Processed != 2 || rs[3].StopReason != ReasonBudgetExhausted {
			t.Fatalf("stage 4: %+v", rs[3])
		}
		for _, st := range []int{5, 6, 7} {
			if rs[st-1].State != "done" || rs[st-1].Processed == 0 {
				t.Errorf("stage %d did not run after the content budget ran out: %+v", st, rs[st-1])
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved'`, e.site.ID); n != 2 {
			t.Fatalf("%d approved articles, want the 2 written", n)
		}
		e.assertLedger()
	})
}

func TestInsufficientCreditsStopsPaidStagesOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// Leave 30 credits: one clustering call (5), ideas (3 each)…
		if _, err := dbtest.Exec(e.ctx, d, d.Rebind(`UPDATE accounts SET credits = 30 WHERE id = ?`), e.user.AccountID); err != nil {
			t.Fatal(err)
		}
		if _, err := dbtest.Exec(e.ctx, d, d.Rebind(`INSERT INTO credit_transactions (account_id, kind, amount, balance_after, idempotency_key, settled, created_at) VALUES (?, 'charge', ?, 30, 'test:drain', TRUE, ?)`),
			e.user.AccountID, 30-db.SignupGrant, t0); err != nil {
			t.Fatal(err)
		}
		e.config(func(c *db.AutomationConfig) {})
		b, _ := d.GetAIBudget(e.ctx, e.site.ID)
		b.Mode = "off"
		d.SaveAIBudget(e.ctx, b, t0)
		r := e.start()
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.StoppedReason != ReasonInsufficientCredits {
			t.Fatalf("stopped %q: %s", got.StoppedReason, got.StoppedDetail)
		}
		rs := e.results(r.ID)
		if rs[2].Processed == 0 {
			t.Fatal("free stage 3 did not run")
		}
		acc, _ := d.AccountByID(e.ctx, e.user.AccountID)
		if acc.Credits < 0 || acc.Credits >= 3 {
			t.Fatalf("balance %d: the run should spend down to below one idea call", acc.Credits)
		}
		e.assertLedger()
	})
}
