package handlers

import (
	"testing"

	"autopress/db"
	"autopress/jobs/automation"
)

// TestPipelineStagesFollowTheTable: the dashboard's stage list is built from
// the stage table; a table with two more rows shows two more stages.
func TestPipelineStagesFollowTheTable(t *testing.T) {
	p := append(automation.Pipeline{}, automation.Stages...)
	p = append(p,
		automation.Stage{Stage: db.Stage{Number: 8}, Name: "Translation", Input: "approved articles"},
		automation.Stage{Stage: db.Stage{Number: 9}, Name: "Syndication", Input: "translated articles"})
	cfg := db.AutomationConfig{}
	for _, st := range automation.Stages {
		st.Set(&cfg, true, 0)
	}
	pending := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	got := pipelineStages(p, pending, cfg, false)
	if len(got) != 9 {
		t.Fatalf("%d stages listed, want 9", len(got))
	}
	if got[8].Name != "Syndication" || got[8].Waiting != 9 || got[8].Disabled {
		t.Errorf("ninth stage %+v", got[8])
	}
	if !got[6].Disabled || got[6].DisabledWhy != "auto-approval off" {
		t.Errorf("approval without auto-approval %+v", got[6])
	}
	if got := pipelineStages(automation.Stages, pending[:8], cfg, true); len(got) != len(automation.Stages) {
		t.Errorf("the real table lists %d stages", len(got))
	}
}
