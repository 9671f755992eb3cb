package automation

import (
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

var testCosts = map[string]int64{"clustering": 5, "idea_generation": 3, "content_generation": 20, "image_prompt_extraction": 2, "image_generation": 8}

func unlimitedBudgets() map[string]int64 {
	out := map[string]int64{}
	for _, op := range db.Operations {
		out[op] = -1
	}
	return out
}

func allOn() []bool { return []bool{false, true, true, true, true, true, true, true} }

// want is one stage's expected figures: items, credits, per run, runs
// needed and what cut it.
type want struct {
	items   int
	credits int64
	perRun  int
	runs    int
	cut     string
}

func TestEstimate(t *testing.T) {
	base := func() EstimateInput {
		return EstimateInput{
			Pending:        []int{0, 120, 2, 1, 3, 1, 4, 2},
			AwaitingImages: 2, Enabled: allOn(),
			Costs: testCosts, OpBudgets: unlimitedBudgets(), Balance: 10000,
			IdeasPerCluster: 3, ImagesPerArticle: 2,
		}
	}
	tasksOnly := func() EstimateInput {
		in := base()
		in.Pending = []int{0, 0, 0, 0, 8, 0, 0, 0}
		in.AwaitingImages = 0
		in.Enabled[1], in.Enabled[2], in.Enabled[3] = false, false, false
		return in
	}
	for _, tc := range []struct {
		name   string
		in     func() EstimateInput
		stages map[int]want
		total  int64
	}{
		{"everything flows", base, map[int]want{
			// Paid stages are always capped by the balance left.
			1: {120, 15, 2000 * 50, 1, ""},
			2: {2, 6, (10000 - 15) / 3, 1, ""},
			3: {7, 0, Unlimited, 1, ""}, // 1 pending + 3 ideas × 2 clusters
			4: {10, 200, (10000 - 21) / 20, 1, ""},
			5: {11, 22, (10000 - 221) / 2, 1, ""},
			6: {26, 208, (10000 - 243) / 8, 1, ""}, // 4 pending + 2 × 11
			7: {15, 0, Unlimited, 1, ""},           // 2 in review + 2 awaiting + 11 new
		}, 451},
		{"limits", func() EstimateInput {
			in := base()
			in.Limits = []int{0, 60, 0, 0, 4, 0, 5, 0}
			return in
		}, map[int]want{
			1: {60, 10, 60, 2, CutLimit},
			4: {4, 80, 4, 1, CutLimit},
			5: {5, 10, (10000 - 96) / 2, 1, ""},
			6: {5, 40, 5, 1, CutLimit},  // of 4 + 10
			7: {4, 0, Unlimited, 1, ""}, // 2 + min(2 + 5, 5/2)
		}, 10 + 6 + 80 + 10 + 40},
		{"clustering budget", func() EstimateInput {
			in := base()
			in.OpBudgets["clustering"] = 12
			return in
		}, map[int]want{1: {100, 10, 100, 2, CutBudget}}, 10 + 6 + 200 + 22 + 208},
		{"content budget", func() EstimateInput {
			in := tasksOnly()
			in.OpBudgets["content_generation"] = 100
			return in
		}, map[int]want{
			1: {0, 0, 0, 0, ""},
			4: {5, 100, 5, 2, CutBudget},
			5: {5, 10, (10000 - 100) / 2, 0, ""},
			6: {10, 80, (10000 - 110) / 8, 0, ""},
			7: {5, 0, Unlimited, 0, ""},
		}, 190},
		{"run cap", func() EstimateInput {
			in := tasksOnly()
			in.CreditCap = 200
			return in
		}, map[int]want{
			4: {8, 160, 10, 1, ""},
			5: {8, 16, 20, 0, ""},
			6: {3, 24, 3, 0, CutRunCap},
			7: {1, 0, Unlimited, 0, ""},
		}, 200},
		{"balance", func() EstimateInput {
			in := tasksOnly()
			in.Balance = 170
			return in
		}, map[int]want{
			4: {8, 160, 8, 1, ""},
			5: {5, 10, 5, 0, CutBalance},
			6: {0, 0, 0, 0, CutBalance},
			7: {0, 0, Unlimited, 0, ""},
		}, 170},
		{"disabled stage 5 and no auto-approval", func() EstimateInput {
			in := base()
			in.Enabled[5] = false
			in.Enabled[7] = false
			return in
		}, map[int]want{
			4: {10, 200, (10000 - 21) / 20, 1, ""},
			5: {0, 0, 0, Never, ""},
			6: {4, 32, (10000 - 221) / 8, 1, ""},
			7: {0, 0, 0, Never, ""},
		}, 15 + 6 + 200 + 32},
		{"zero image budget", func() EstimateInput {
			in := base()
			in.OpBudgets["image_generation"] = 0
			return in
		}, map[int]want{
			6: {0, 0, 0, Never, CutBudget},
			7: {2, 0, Unlimited, 1, ""},
		}, 15 + 6 + 200 + 22},
		{"inactive operation is free", func() EstimateInput {
			in := tasksOnly()
			in.Costs = map[string]int64{"content_generation": 20}
			in.CreditCap = 100
			return in
		}, map[int]want{
			4: {5, 100, 5, 2, CutRunCap},
			6: {10, 0, Unlimited, 0, ""},
		}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			est := Stages.Estimate(tc.in())
			for st, w := range tc.stages {
				se := est.Stage(st)
				got := want{se.Items, se.Credits, se.PerRun, se.RunsNeeded, se.CutBy}
				if got != w {
					t.Errorf("stage %d: got %+v, want %+v", st, got, w)
				}
			}
			if est.Credits != tc.total {
				t.Errorf("total credits %d, want %d", est.Credits, tc.total)
			}
		})
	}
}

// TestEstimateMatchesRun checks the estimate's credits against what the
// run then spends with the local provider, per stage and per operation, in
// scenarios where budgets, the run cap and the balance cut stages 4–6.
func TestEstimateMatchesRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *env)
	}{
		{"custom budget and run cap", func(e *env) {
			b, _ := e.d.GetAIBudget(e.ctx, e.site.ID)
			b.Mode = "custom"
			b.SetShares(map[string]int{"clustering": 500, "idea_generation": 500, "content_generation": 5000, "image_prompt_extraction": 1000, "image_generation": 3000})
			if err := e.d.SaveAIBudget(e.ctx, b, t0); err != nil {
				e.t.Fatal(err)
			}
			e.config(func(c *db.AutomationConfig) { c.MaxCreditsPerRun = 300 })
		}},
		{"budget off, run cap", func(e *env) {
			b, _ := e.d.GetAIBudget(e.ctx, e.site.ID)
			b.Mode = "off"
			if err := e.d.SaveAIBudget(e.ctx, b, t0); err != nil {
				e.t.Fatal(err)
			}
			e.config(func(c *db.AutomationConfig) { c.MaxCreditsPerRun = 200 })
		}},
		{"global budget on a small balance", func(e *env) {
			e.setBalance(170)
		}},
		{"budget off, balance runs out", func(e *env) {
			b, _ := e.d.GetAIBudget(e.ctx, e.site.ID)
			b.Mode = "off"
			if err := e.d.SaveAIBudget(e.ctx, b, t0); err != nil {
				e.t.Fatal(err)
			}
			e.setBalance(170)
		}},
		{"limits", func(e *env) {
			e.config(func(c *db.AutomationConfig) { c.MaxTasksPerRun, c.MaxImagesPerRun = 6, 7 })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d)
				e.queueTasks(8)
				e.config(func(c *db.AutomationConfig) {
					c.Stage1Enabled, c.Stage2Enabled, c.Stage3Enabled = false, false, false
				})
				tc.setup(e)
				inputs, err := e.svc.loadInputs(e.ctx, e.site)
				if err != nil {
					t.Fatal(err)
				}
				est := Stages.Estimate(e.svc.estimateInput(inputs))
				if est.Credits == 0 {
					t.Fatal("the scenario spends nothing")
				}
				r := e.start()
				e.execute(e.svc, r.ID)
				got := e.run(r.ID)
				if got.Status != db.RunCompleted {
					t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
				}
				if got.CreditsUsed != est.Credits {
					t.Errorf("run spent %d credits, the estimate said %d", got.CreditsUsed, est.Credits)
				}
				for _, sr := range e.results(r.ID) {
					se := est.Stage(sr.Stage)
					if sr.Stage == 7 {
						// Approvals after a partial stage 6 are an upper
						// estimate (see Estimate); stage 7 is free.
						if sr.Processed > se.Items || sr.CreditsUsed != 0 {
							t.Errorf("stage 7: run approved %d (%d credits), estimate at most %d", sr.Processed, sr.CreditsUsed, se.Items)
						}
						continue
					}
					if sr.CreditsUsed != se.Credits || sr.Processed != se.Items {
						t.Errorf("stage %d: run %d items / %d credits, estimate %d / %d (%s)", sr.Stage, sr.Processed, sr.CreditsUsed, se.Items, se.Credits, se.CutBy)
					}
				}
				spend, err := d.RunSpend(e.ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range spend {
					var want int64
					for _, st := range Stages {
						if st.Operation == s.Operation {
							want = est.Stage(st.Number).Credits
						}
					}
					if s.Spent != want {
						t.Errorf("%s: spent %d, estimated %d", s.Operation, s.Spent, want)
					}
				}
				e.assertLedger()
			})
		})
	}
}

// setBalance sets the account's balance, with a ledger row so the ledger
// still sums to it.
func (e *env) setBalance(credits int64) {
	e.t.Helper()
	acc, err := e.d.AccountByID(e.ctx, e.user.AccountID)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := dbtest.Exec(e.ctx, e.d, e.d.Rebind(`UPDATE accounts SET credits = ? WHERE id = ?`), credits, e.user.AccountID); err != nil {
		e.t.Fatal(err)
	}
	if _, err := dbtest.Exec(e.ctx, e.d, e.d.Rebind(`INSERT INTO credit_transactions (account_id, kind, amount, balance_after, idempotency_key, settled, created_at) VALUES (?, 'charge', ?, ?, 'test:balance', TRUE, ?)`),
		e.user.AccountID, credits-acc.Credits, credits, t0); err != nil {
		e.t.Fatal(err)
	}
}
