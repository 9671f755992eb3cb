package handlers

import (
	"testing"

	"autopress/db"
	"autopress/jobs/automation"
)

// TestPipelineStagesFollowTheTable: the dashboard's picture of the pipeline
// is built from the stage table; a table with two more rows shows two more
// stages, and the active run's stage is the current step.
func TestPipelineStagesFollowTheTable(t *testing.T) {
	p := append(automation.Pipeline{}, automation.Stages...)
	p = append(p,
		automation.Stage{Stage: db.Stage{Number: 8}, Name: "Translation", Input: "approved articles"},
		automation.Stage{Stage: db.Stage{Number: 9}, Name: "Syndication", Input: "translated articles"})
	cfg := db.AutomationConfig{}
	for _, st := range automation.Stages {
		st.Set(&cfg, true, 0)
	}
	counts := make([]db.StageCounts, 10)
	for i := range counts {
		counts[i] = db.StageCounts{Stage: i, Waiting: i, Done: 10 * i, Failed: i % 2, InFlight: i % 3}
	}
	got := sitePipeline(p, "Coffee", counts, cfg, false, 4).Steps
	if len(got) != 9 {
		t.Fatalf("%d stages drawn, want 9", len(got))
	}
	if s := got[8]; s.Name != "Syndication" || s.Waiting != 9 || s.Done != 90 || s.Failed != 1 || s.InProgress != 0 || s.State != "waiting" {
		t.Errorf("ninth stage %+v", s)
	}
	if s := got[6]; s.State != "off" || s.Note != "Off: auto-approval off" {
		t.Errorf("approval without auto-approval %+v", s)
	}
	if s := got[3]; s.State != "current" || s.InProgress != 1 {
		t.Errorf("the active run's stage %+v", s)
	}
	if !got[0].Batch || got[1].Batch || got[2].Batch {
		t.Errorf("only paid stages that batch count batches in progress: %v %v %v", got[0].Batch, got[1].Batch, got[2].Batch)
	}
	if got := sitePipeline(automation.Stages, "Coffee", counts[:8], cfg, true, 0).Steps; len(got) != len(automation.Stages) {
		t.Errorf("the real table draws %d stages", len(got))
	}
}
