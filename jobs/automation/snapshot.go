package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"autopress/db"
	"autopress/jobs/ai"
)

// Snapshot is what a run fixes when it starts: the pending counts, the
// limits, which stages run, the prices and the writing profile. Later edits
// of the settings apply to the next run, so a run's progress can never go
// backwards and its articles cost what its holds were priced at.
//
// The per-stage slices are indexed by stage number (index 0 is unused), as
// they have been stored since the first release.
type Snapshot struct {
	Pending      []int            `json:"pending"`
	Limits       []int            `json:"limits"`
	Enabled      []bool           `json:"enabled"`
	AutoApproval bool             `json:"auto_approval"`
	Costs        map[string]int64 `json:"costs"`
	BudgetMode   string           `json:"budget_mode"`
	// Units is how many units of its operation one call is charged, where
	// the writing profile sets it (content_generation: credits.ArticleUnits);
	// missing means 1. Writing is the profile the run's AI calls follow
	// (nil in runs started before profiles existed).
	Units   map[string]int64 `json:"units,omitempty"`
	Writing *ai.Profile      `json:"writing,omitempty"`
}

// CallCost is what one call of operation op is charged in the run: its
// price per unit times its units per call.
func (s Snapshot) CallCost(op string) int64 {
	return s.Costs[op] * max(s.Units[op], 1)
}

// callCosts is CallCost of every priced operation.
func (s Snapshot) callCosts() map[string]int64 {
	out := make(map[string]int64, len(s.Costs))
	for op := range s.Costs {
		out[op] = s.CallCost(op)
	}
	return out
}

// StageEnabled reports whether the run works stage n.
func (s Snapshot) StageEnabled(n int) bool { return n >= 0 && n < len(s.Enabled) && s.Enabled[n] }

// Limit is stage n's per-run item limit in the run (0 = unlimited).
func (s Snapshot) Limit(n int) int {
	if n < 0 || n >= len(s.Limits) {
		return 0
	}
	return s.Limits[n]
}

// EnabledStages counts the stages of p the run works.
func (s Snapshot) EnabledStages(p Pipeline) int {
	n := 0
	for _, st := range p {
		if s.StageEnabled(st.Number) {
			n++
		}
	}
	return n
}

// ParseSnapshot reads a run's snapshot.
func ParseSnapshot(r db.Run) (Snapshot, error) {
	var s Snapshot
	if err := json.Unmarshal([]byte(r.InitialSnapshot), &s); err != nil {
		return s, fmt.Errorf("automation: run %d snapshot: %w", r.ID, err)
	}
	return s, nil
}

// Costs returns the price in credits of one unit of each active operation.
func Costs(list []db.CreditCost) map[string]int64 {
	out := map[string]int64{}
	for _, c := range list {
		if c.Active {
			out[c.Operation] = c.CreditsPerUnit
		}
	}
	return out
}

// RunInputs is everything a run fixes when it starts, loaded in one place:
// starting a run and estimating the next one both read it, so they agree by
// construction.
type RunInputs struct {
	Site       db.Site
	Config     db.AutomationConfig
	Publishing db.PublishingSettings
	Writing    db.WritingProfile
	// Pending is db.PendingCounts (indexed by stage number);
	// AwaitingImages the drafts whose images are not all done yet.
	Pending        []int
	AwaitingImages int
	CostList       []db.CreditCost
	Budget         db.AIBudget
	// Balance is the account's credits now.
	Balance int64
}

// loadInputs reads a site's RunInputs.
func (s *Service) loadInputs(ctx context.Context, site db.Site) (RunInputs, error) {
	in := RunInputs{Site: site}
	var err error
	if in.Config, err = s.db.GetAutomationConfig(ctx, site.ID); err != nil {
		return in, fmt.Errorf("automation: config: %w", err)
	}
	if in.Publishing, err = s.db.GetPublishingSettings(ctx, site.ID); err != nil {
		return in, fmt.Errorf("automation: publishing settings: %w", err)
	}
	if in.Writing, err = s.db.GetWritingProfile(ctx, site.ID); err != nil {
		return in, fmt.Errorf("automation: writing profile: %w", err)
	}
	if in.Pending, err = s.db.PendingCounts(ctx, site.ID); err != nil {
		return in, err
	}
	if in.AwaitingImages, err = s.db.ArticlesAwaitingImages(ctx, site.ID); err != nil {
		return in, err
	}
	if in.CostList, err = s.db.CreditCosts(ctx); err != nil {
		return in, err
	}
	if in.Budget, err = s.db.GetAIBudget(ctx, site.ID); err != nil {
		return in, err
	}
	acc, err := s.db.AccountByID(ctx, site.AccountID)
	if err != nil {
		return in, err
	}
	in.Balance = acc.Credits
	return in, nil
}

// snapshot is what a run started with in fixes.
func (s *Service) snapshot(in RunInputs) Snapshot {
	n := len(s.stages) + 1
	profile := ProfileOf(in.Writing)
	snap := Snapshot{Pending: in.Pending, Limits: make([]int, n), Enabled: make([]bool, n), Costs: Costs(in.CostList),
		AutoApproval: in.Publishing.AutoApprovalEnabled, BudgetMode: in.Budget.Mode, Units: map[string]int64{}, Writing: &profile}
	for _, st := range s.stages {
		snap.Enabled[st.Number] = st.Runs(in.Config, snap.AutoApproval)
		snap.Limits[st.Number] = st.Limit(in.Config)
		if st.unitsPerCall != nil {
			snap.Units[st.Operation] = st.unitsPerCall(in.Writing)
		}
	}
	return snap
}

// prepareRun fills a new run's snapshot, budgets and timestamps from in.
func (s *Service) prepareRun(in RunInputs, r db.Run) db.Run {
	b, _ := json.Marshal(s.snapshot(in)) // plain slices and maps: cannot fail
	base, opBudgets := RunBudgets(in.Config, in.Budget, in.CostList, in.Balance)
	now := s.clock.Now()
	r.SiteID, r.AccountID = in.Site.ID, in.Site.AccountID
	r.Status = db.RunRunning
	r.CurrentStage = s.stages[0].Number
	r.InitialSnapshot = string(b)
	r.Concurrency = in.Config.Concurrency
	r.CreditCap = in.Config.MaxCreditsPerRun
	r.BudgetBase = base
	r.OpBudgets = opBudgets
	r.CreatedAt = now
	r.StartedAt = &now
	return r
}

// estimateInput is what Estimate needs for the run in would start.
func (s *Service) estimateInput(in RunInputs) EstimateInput {
	snap := s.snapshot(in)
	_, ops := RunBudgets(in.Config, in.Budget, in.CostList, in.Balance)
	return EstimateInput{Pending: snap.Pending, AwaitingImages: in.AwaitingImages, Enabled: snap.Enabled, Limits: snap.Limits,
		Costs: snap.callCosts(), Units: snap.Units, OpBudgets: ops, CreditCap: in.Config.MaxCreditsPerRun, Balance: in.Balance,
		IdeasPerCluster: s.cfg.IdeasPerCluster, ImagesPerArticle: s.cfg.ImagesPerArticle, BudgetMode: in.Budget.Mode}
}

// now is the executor's clock reading.
func (x *executor) now() time.Time { return x.s.clock.Now() }
