package automation

// EstimateInput is everything the estimate of a site's next run depends on.
// The per-stage slices are indexed by stage number, like a Snapshot.
type EstimateInput struct {
	// Pending is db.PendingCounts: the items waiting in front of each stage.
	Pending []int
	// AwaitingImages counts drafts whose prompts are extracted and whose
	// images are not all done (db.ArticlesAwaitingImages).
	AwaitingImages int
	// Limits are the per-run item limits (0 = unlimited); Enabled says which
	// stages run (their switch, and auto-approval where a stage needs it).
	Limits  []int
	Enabled []bool
	// Costs are the credits of one call of each active operation
	// (Snapshot.CallCost: its price per unit times its units per call, as
	// a hold charges it); Units those units per call (missing = 1), for
	// display. OpBudgets are each operation's budget in the run
	// (RunBudgets; negative = unlimited, missing = 0).
	Costs     map[string]int64
	Units     map[string]int64
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

func (in EstimateInput) pending(n int) int {
	if n < 0 || n >= len(in.Pending) {
		return 0
	}
	return in.Pending[n]
}

func (in EstimateInput) runs(n int) bool { return n >= 0 && n < len(in.Enabled) && in.Enabled[n] }

func (in EstimateInput) limit(n int) int {
	if n < 0 || n >= len(in.Limits) {
		return 0
	}
	return in.Limits[n]
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
	// Stages are in pipeline order.
	Stages []StageEstimate
	// Credits is the run's total.
	Credits int64
}

// Stage returns the estimate of stage n (zero when there is none).
func (e RunEstimate) Stage(n int) StageEstimate {
	for _, se := range e.Stages {
		if se.Stage == n {
			return se
		}
	}
	return StageEstimate{}
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
func (p Pipeline) Estimate(in EstimateInput) RunEstimate {
	out := RunEstimate{Stages: make([]StageEstimate, 0, len(p))}
	capLeft := int64(Unlimited)
	if in.CreditCap > 0 {
		capLeft = in.CreditCap
	}
	balance := max(in.Balance, 0)
	r := ratios{IdeasPerCluster: in.IdeasPerCluster, ImagesPerArticle: in.ImagesPerArticle}
	f := flow{illustrating: in.AwaitingImages}
	for _, st := range p {
		se := StageEstimate{Stage: st.Number, Pending: in.pending(st.Number), Operation: st.Operation, Runs: in.runs(st.Number)}
		se.Input = se.Pending + f.next
		if st.input != nil {
			se.Input = st.input(f, se.Pending)
		}
		cost := in.Costs[se.Operation]
		paid := !st.Free() && cost > 0
		if paid {
			se.Cost, se.Budget = cost, in.OpBudgets[se.Operation]
		}
		if !se.Runs {
			se.RunsNeeded = runsNeeded(se.Pending, 0)
			out.Stages = append(out.Stages, se)
			f.next = 0
			continue
		}
		perRun, why := Unlimited, ""
		if lim := in.limit(st.Number); lim > 0 {
			perRun, why = lim, CutLimit
		}
		if paid {
			calls, reason := affordable(se.Budget, capLeft, balance, cost)
			if byCredits := calls * st.Batch; perRun == Unlimited || byCredits < perRun {
				perRun, why = byCredits, reason
			}
		}
		se.PerRun = perRun
		se.Items = se.Input
		if perRun != Unlimited && perRun < se.Input {
			se.Items, se.CutBy = perRun, why
		}
		if paid {
			se.Calls = (se.Items + st.Batch - 1) / st.Batch
			se.Credits = int64(se.Calls) * cost
			balance -= se.Credits
			if capLeft != Unlimited {
				capLeft -= se.Credits
			}
			out.Credits += se.Credits
		}
		se.RunsNeeded = runsNeeded(se.Pending, perRun)
		out.Stages = append(out.Stages, se)
		if st.feed != nil {
			st.feed(&f, r, se.Items, se.Input)
		} else {
			f.next = se.Items
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
