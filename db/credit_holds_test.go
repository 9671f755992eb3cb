package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// holdRun is a running run leased to "exec-1" on an account holding
// credits, with the article budget and run cap given (-1, 0: none).
func holdRun(t *testing.T, d *db.DB, credits, budget, runCap int64) (db.Run, db.Site) {
	t.Helper()
	ctx := context.Background()
	u, s := seedSite(t, d, fmt.Sprintf("hold%d@example.com", time.Now().UnixNano()))
	if _, err := dbtest.Exec(ctx, d, `UPDATE accounts SET credits = ? WHERE id = ?`, credits, u.AccountID); err != nil {
		t.Fatal(err)
	}
	r, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: db.RunRunning,
		CreditCap: runCap, OpBudgets: map[string]int64{"article": budget}, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.ClaimRun(ctx, r.ID, "exec-1", t0, time.Hour); err != nil {
		t.Fatal(err)
	}
	return r, s
}

func holds(r db.Run, owner string, items ...int64) []db.Hold {
	var hs []db.Hold
	for _, id := range items {
		hs = append(hs, db.Hold{AccountID: r.AccountID, SiteID: r.SiteID, RunID: r.ID, Owner: owner, Stage: 4,
			ItemID: id, Operation: "article", Amount: 10, Now: t0})
	}
	return hs
}

// spent reads what the run's holds charged, from each place that counts
// it: the account's balance, the ledger's charges, the run's spend, the
// operation's spend and the stage's credits.
func spent(t *testing.T, d *db.DB, r db.Run) (balance, charges, run, op, stage int64) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []struct {
		dest  *int64
		query string
		arg   int64
	}{
		{&balance, `SELECT credits FROM accounts WHERE id = ?`, r.AccountID},
		{&charges, `SELECT COALESCE(-SUM(amount), 0) FROM credit_transactions WHERE run_id = ? AND kind = 'charge'`, r.ID},
		{&run, `SELECT credits_used FROM automation_runs WHERE id = ?`, r.ID},
		{&op, `SELECT spent FROM run_operation_spend WHERE run_id = ? AND operation = 'article'`, r.ID},
		{&stage, `SELECT credits_used FROM run_stage_results WHERE run_id = ? AND stage = 4`, r.ID},
	} {
		if err := d.GetContext(ctx, q.dest, d.Rebind(q.query), q.arg); err != nil {
			t.Fatalf("%s: %v", q.query, err)
		}
	}
	return
}

// TestTakeHolds proves holds taken together in one transaction end as if
// each were taken alone: the ones before a refused hold are charged, the
// refused one and those after it are not, and a repeated hold charges
// nothing.
func TestTakeHolds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cases := []struct {
			name                  string
			credits, budget, cap_ int64
			owner                 string
			wantHeld              int
			wantErr               error
		}{
			{"all taken", 100, -1, 0, "exec-1", 4, nil},
			{"the operation's budget runs out", 100, 25, 0, "exec-1", 2, db.ErrOperationBudget},
			{"the run's cap is reached", 100, -1, 30, "exec-1", 3, db.ErrRunCreditCap},
			{"the balance runs out", 15, -1, 0, "exec-1", 1, db.ErrInsufficientCredits},
			{"the lease is someone else's", 100, -1, 0, "exec-2", 0, db.ErrLeaseLost},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r, _ := holdRun(t, d, c.credits, c.budget, c.cap_)
				n, err := d.TakeHolds(ctx, holds(r, c.owner, 1, 2, 3, 4))
				if n != c.wantHeld || !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
					t.Fatalf("TakeHolds = %d, %v; want %d, %v", n, err, c.wantHeld, c.wantErr)
				}
				want := int64(10 * c.wantHeld)
				balance, charges, run, op, stage := spent(t, d, r)
				if balance != c.credits-want || charges != want || run != want || op != want || stage != want {
					t.Fatalf("balance %d, charges %d, run %d, operation %d, stage %d; want balance %d and %d charged everywhere",
						balance, charges, run, op, stage, c.credits-want, want)
				}
				if c.wantHeld == 0 {
					return
				}
				// Taken again (a resumed run), the held ones charge nothing.
				if n, err := d.TakeHolds(ctx, holds(r, c.owner, 1)); n != 1 || err != nil {
					t.Fatalf("TakeHolds again = %d, %v; want 1, nil", n, err)
				}
				if b, ch, _, _, _ := spent(t, d, r); b != balance || ch != charges {
					t.Fatalf("a repeated hold charged: balance %d → %d, charges %d → %d", balance, b, charges, ch)
				}
			})
		}
	})
}
