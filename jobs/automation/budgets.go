package automation

import (
	"autopress/db"
	"autopress/jobs/credits"
)

// RunBudgets computes what a run fixes about credits when it starts
// (docs/credits.md): the budget base — max_credits_per_run when it is set,
// else the account balance — and each AI operation's budget,
// floor(base × share / 10000) with the site's mode and shares (global
// defaults, custom shares, or credits.Unlimited when the mode is off).
// Starting a run and estimating the next one both use it, so an estimate
// budgets exactly as the run will.
func RunBudgets(cfg db.AutomationConfig, budget db.AIBudget, costs []db.CreditCost, balance int64) (base int64, ops map[string]int64) {
	base = balance
	if cfg.MaxCreditsPerRun > 0 {
		base = cfg.MaxCreditsPerRun
	}
	defaults := map[string]int{}
	for _, c := range costs {
		defaults[c.Operation] = c.DefaultShareBP
	}
	return base, credits.OperationBudgets(budget.Mode, budget.Shares(), defaults, base, db.Operations)
}
