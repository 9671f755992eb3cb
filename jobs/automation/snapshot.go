package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"autopress/db"
)

// Stage names, for logs and pages.
var StageNames = [8]string{"", "Keywords → clusters", "Clusters → ideas", "Ideas → tasks", "Tasks → articles",
	"Articles → image prompts", "Image prompts → images", "Review → approved"}

// StageOperation is the credit operation of each stage ("" = free).
var StageOperation = [8]string{"", "clustering", "idea_generation", "", "content_generation", "image_prompt_extraction", "image_generation", ""}

// StageLimitField names each stage's per-run limit field.
var StageLimitField = [8]string{"", "max_keywords_per_run", "max_clusters_per_run", "max_ideas_per_run", "max_tasks_per_run",
	"max_content_per_run", "max_images_per_run", "max_approvals_per_run"}

// Snapshot is what a run fixes when it starts: the pending counts, the
// limits, which stages run and the prices. Later edits of the settings apply
// to the next run, so a run's progress can never go backwards.
type Snapshot struct {
	Pending      [8]int           `json:"pending"`
	Limits       [8]int           `json:"limits"`
	Enabled      [8]bool          `json:"enabled"`
	AutoApproval bool             `json:"auto_approval"`
	Costs        map[string]int64 `json:"costs"`
	BudgetMode   string           `json:"budget_mode"`
}

// EnabledStages counts the stages the run will work.
func (s Snapshot) EnabledStages() int {
	n := 0
	for st := 1; st <= 7; st++ {
		if s.Enabled[st] {
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

// prepareRun fills a new run's snapshot, budgets and timestamps.
func (s *Service) prepareRun(ctx context.Context, site db.Site, r db.Run) (db.Run, error) {
	cfg, err := s.db.GetAutomationConfig(ctx, site.ID)
	if err != nil {
		return r, fmt.Errorf("automation: config: %w", err)
	}
	autoApprove, err := s.db.AutoApprovalEnabled(ctx, site.ID)
	if err != nil {
		return r, fmt.Errorf("automation: publishing settings: %w", err)
	}
	pending, err := s.db.PendingCounts(ctx, site.ID)
	if err != nil {
		return r, err
	}
	costList, err := s.db.CreditCosts(ctx)
	if err != nil {
		return r, err
	}
	budget, err := s.db.GetAIBudget(ctx, site.ID)
	if err != nil {
		return r, err
	}
	acc, err := s.db.AccountByID(ctx, site.AccountID)
	if err != nil {
		return r, err
	}
	snap := Snapshot{Pending: pending, Costs: Costs(costList), AutoApproval: autoApprove, BudgetMode: budget.Mode}
	for st := 1; st <= 7; st++ {
		snap.Enabled[st] = cfg.StageEnabled(st)
		snap.Limits[st] = cfg.StageLimit(st)
	}
	snap.Enabled[7] = snap.Enabled[7] && autoApprove
	b, _ := json.Marshal(snap)

	base, opBudgets := RunBudgets(cfg, budget, costList, acc.Credits)
	now := s.clock.Now()
	r.SiteID, r.AccountID = site.ID, site.AccountID
	r.Status = db.RunRunning
	r.CurrentStage = 1
	r.InitialSnapshot = string(b)
	r.Concurrency = cfg.Concurrency
	r.CreditCap = cfg.MaxCreditsPerRun
	r.BudgetBase = base
	r.OpBudgets = opBudgets
	r.CreatedAt = now
	r.StartedAt = &now
	return r, nil
}

// now is the executor's clock reading.
func (x *executor) now() time.Time { return x.s.clock.Now() }
