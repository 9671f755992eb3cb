package automation

import (
	"context"
	"fmt"

	"autopress/db"
)

// EstimateInput is everything the estimate of a site's next run depends on.
type EstimateInput struct {
	// Pending is db.PendingCounts: the items waiting in front of each stage.
	Pending [8]int
	// AwaitingImages counts drafts whose prompts are extracted and whose
	// images are not all done (db.ArticlesAwaitingImages).
	AwaitingImages int
	// Limits are the per-run item limits (0 = unlimited), Enabled the stage
	// toggles; stage 7 also needs AutoApproval.
	Limits       [8]int
	Enabled      [8]bool
	AutoApproval bool
	// Costs are the credits per unit of each active operation (Costs);
	// OpBudgets each operation's budget in the run (RunBudgets; negative =
	// unlimited, missing = 0).
	Costs     map[string]int64
	OpBudgets map[string]int64
	// CreditCap is max_credits_per_run (0 = none); Balance the account's
	// credits now.
	CreditCap int64
	Balance   int64
	// IdeasPerCluster and ImagesPerArticle are the executor's Config.
	IdeasPerCluster  int
	ImagesPerArticle int
	// BudgetMode is the site's budget mode, for display (OpBudgets
	// already reflect it).
	BudgetMode string
}

// Unlimited is a stage's PerRun when nothing caps what it takes in a run;
// Never is RunsNeeded when the stage can take nothing per run.
const (
	Unlimited = -1
	Never     = -1
)

// Why a stage takes fewer items than it could (StageEstimate.CutBy).
const (
	CutLimit   = "limit"
	CutBudget  = "budget"
	CutRunCap  = "run cap"
	CutBalance = "balance"
)

// StageEstimate is one stage's forecast for the next run.
type StageEstimate struct {
	Stage int
	// Runs is false for a disabled stage (and stage 7 without auto-approval).
	Runs bool
	// Pending waits in front of the stage now; Input adds what the earlier
	// stages are expected to feed it during the run.
	Pending int
	Input   int
	// Items is what the next run takes (keywords for stage 1), Calls its
	// paid AI calls and Credits what they cost.
	Items   int
	Calls   int
	Credits int64
	// PerRun is the most the stage can take in a run given its limit and the
	// credits left to it (Unlimited when nothing caps it).
	PerRun int
	// RunsNeeded is how many runs drain what is pending now: 0 when nothing
	// is, Never when the stage takes nothing per run.
	RunsNeeded int
	// CutBy says what keeps Items below Input ("" when it takes it all).
	CutBy string
	// Operation is the stage's credit operation (empty for free stages),
	// Cost the credits of one call (0 when free) and Budget the operation's
	// budget in the run (negative = unlimited).
	Operation string
	Cost      int64
	Budget    int64
}

// RunEstimate is the forecast of a site's next run.
type RunEstimate struct {
	// Stages are indexed 1–7.
	Stages [8]StageEstimate
	// Credits is the run's total.
	Credits int64
}

// Estimate forecasts the next run, stage by stage, the way the executor
// will work it when no call fails:
//
//   - A stage takes its pending items plus what earlier stages produce in
//     the same run. Where the ratio is fixed it is used: stage 3 makes one
//     task per idea, stage 4 one draft per task, stage 5 ImagesPerArticle
//     prompts per draft, stage 6 finishes an article when its last image is
//     done, stage 7 approves articles in review plus those stage 6 finishes
//     (or, with no images per article, those stage 5 sends straight to
//     review). When stage 6 takes its whole input every article it was fed
//     finishes; when it takes part of it, one article per ImagesPerArticle
//     images is an upper estimate (images go oldest first, and the prompts
//     of articles extracted at the same instant interleave).
//   - What stages 1 and 2 produce is not known in advance. Stage 1 is
//     counted in keywords (one AI call per batch of up to 50); the clusters
//     it makes are not fed to stage 2, which counts only its own pending
//     clusters — so stage 2's figures are a lower bound when stage 1 runs.
//     Stage 3 is fed IdeasPerCluster ideas per cluster stage 2 processes,
//     the documented upper bound (a cluster with fewer keywords gets fewer).
//   - Each stage is capped by its limit and by the credits it can still
//     hold: floor(min(operation budget, run cap left, balance left) / cost)
//     calls, the same three checks a hold makes. The run cap and the
//     balance are consumed in stage order; each operation belongs to one
//     stage, so its budget is its own. Stages whose operation is free (or
//     inactive) are capped by their limit only.
//   - Runs needed = ceil(pending now / PerRun), where PerRun already
//     reflects the credits the earlier stages of the same run use.
//
// Failures, retries and other runs of the account spending its balance
// meanwhile are not modelled.
func Estimate(in EstimateInput) RunEstimate {
	var out RunEstimate
	capLeft := int64(Unlimited)
	if in.CreditCap > 0 {
		capLeft = in.CreditCap
	}
	balance := max(in.Balance, 0)
	perArticle := max(in.ImagesPerArticle, 0)
	inflow, review := 0, 0
	articlesIn6 := in.AwaitingImages
	for st := 1; st <= 7; st++ {
		se := StageEstimate{Stage: st, Pending: in.Pending[st], Operation: StageOperation[st]}
		se.Input = in.Pending[st] + inflow
		if st == 7 {
			se.Input = in.Pending[st] + review
		}
		se.Runs = in.Enabled[st] && (st != 7 || in.AutoApproval)
		cost := in.Costs[se.Operation]
		paid := se.Operation != "" && cost > 0
		if paid {
			se.Cost, se.Budget = cost, in.OpBudgets[se.Operation]
		}
		if !se.Runs {
			se.PerRun = 0
			se.RunsNeeded = runsNeeded(se.Pending, 0)
			out.Stages[st] = se
			inflow = 0
			continue
		}
		perCall := 1
		if st == 1 {
			perCall = batchSize
		}
		perRun, why := Unlimited, ""
		if lim := in.Limits[st]; lim > 0 {
			perRun, why = lim, CutLimit
		}
		if paid {
			calls, reason := affordable(se.Budget, capLeft, balance, cost)
			if byCredits := calls * perCall; perRun == Unlimited || byCredits < perRun {
				perRun, why = byCredits, reason
			}
		}
		se.PerRun = perRun
		se.Items = se.Input
		if perRun != Unlimited && perRun < se.Input {
			se.Items, se.CutBy = perRun, why
		}
		if paid {
			se.Calls = (se.Items + perCall - 1) / perCall
			se.Credits = int64(se.Calls) * cost
			balance -= se.Credits
			if capLeft != Unlimited {
				capLeft -= se.Credits
			}
			out.Credits += se.Credits
		}
		se.RunsNeeded = runsNeeded(se.Pending, perRun)
		out.Stages[st] = se

		switch st {
		case 1:
			inflow = 0 // the clusters stage 1 makes are not known in advance
		case 2:
			inflow = se.Items * max(in.IdeasPerCluster, 0)
		case 3, 4:
			inflow = se.Items
		case 5:
			inflow = se.Items * perArticle
			if perArticle == 0 {
				review += se.Items
			} else {
				articlesIn6 += se.Items
			}
		case 6:
			done := articlesIn6
			if se.Items < se.Input {
				done = min(articlesIn6, se.Items/max(perArticle, 1))
			}
			review += done
		}
	}
	return out
}

// affordable is how many calls of cost the three credit checks of a hold
// allow, and which of them is the tightest (ties go to the check a hold
// makes first: balance, run cap, then the operation budget).
func affordable(budget, capLeft, balance, cost int64) (int, string) {
	avail, why := int64(-1), ""
	if budget >= 0 {
		avail, why = budget, CutBudget
	}
	if capLeft != Unlimited && (avail < 0 || capLeft <= avail) {
		avail, why = capLeft, CutRunCap
	}
	if avail < 0 || balance <= avail {
		avail, why = balance, CutBalance
	}
	return int(max(avail, 0) / cost), why
}

func runsNeeded(pending, perRun int) int {
	switch {
	case pending <= 0:
		return 0
	case perRun == 0:
		return Never
	case perRun == Unlimited:
		return 1
	}
	return (pending + perRun - 1) / perRun
}

// EstimateInput loads what Estimate needs for a site's next run with its
// saved settings, as a run started now would see them.
func (s *Service) EstimateInput(ctx context.Context, site db.Site) (EstimateInput, error) {
	cfg, err := s.db.GetAutomationConfig(ctx, site.ID)
	if err != nil {
		return EstimateInput{}, fmt.Errorf("automation: config: %w", err)
	}
	autoApprove, err := s.db.AutoApprovalEnabled(ctx, site.ID)
	if err != nil {
		return EstimateInput{}, fmt.Errorf("automation: publishing settings: %w", err)
	}
	return s.estimateInput(ctx, site, cfg, autoApprove)
}

func (s *Service) estimateInput(ctx context.Context, site db.Site, cfg db.AutomationConfig, autoApprove bool) (EstimateInput, error) {
	pending, err := s.db.PendingCounts(ctx, site.ID)
	if err != nil {
		return EstimateInput{}, err
	}
	awaiting, err := s.db.ArticlesAwaitingImages(ctx, site.ID)
	if err != nil {
		return EstimateInput{}, err
	}
	costList, err := s.db.CreditCosts(ctx)
	if err != nil {
		return EstimateInput{}, err
	}
	budget, err := s.db.GetAIBudget(ctx, site.ID)
	if err != nil {
		return EstimateInput{}, err
	}
	acc, err := s.db.AccountByID(ctx, site.AccountID)
	if err != nil {
		return EstimateInput{}, err
	}
	_, ops := RunBudgets(cfg, budget, costList, acc.Credits)
	in := EstimateInput{Pending: pending, AwaitingImages: awaiting, AutoApproval: autoApprove, Costs: Costs(costList),
		OpBudgets: ops, CreditCap: cfg.MaxCreditsPerRun, Balance: acc.Credits,
		IdeasPerCluster: s.cfg.IdeasPerCluster, ImagesPerArticle: s.cfg.ImagesPerArticle, BudgetMode: budget.Mode}
	for st := 1; st <= 7; st++ {
		in.Enabled[st] = cfg.StageEnabled(st)
		in.Limits[st] = cfg.StageLimit(st)
	}
	return in, nil
}
