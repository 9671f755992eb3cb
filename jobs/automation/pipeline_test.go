package automation

import (
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// withNinthStage is the pipeline plus two fake free stages after Approval
// (an eighth and a ninth), as adding stages would make it: one row each.
func withNinthStage() Pipeline {
	p := append(Pipeline{}, Stages...)
	return append(p,
		Stage{Stage: db.Stage{Number: 8, Table: "content", Pending: "status = 'approved'"},
			Name: "Translation", Flow: "Approved → translated", Input: "approved articles", Unit: "articles", Batch: 1},
		Stage{Stage: db.Stage{Number: 9, Table: "content", Pending: "status = 'approved'"},
			Name: "Syndication", Flow: "Translated → syndicated", Input: "translated articles", Unit: "articles", Batch: 1})
}

func TestPipelineNumbers(t *testing.T) {
	if len(Stages) != len(db.Stages) {
		t.Fatalf("automation has %d stages, db %d", len(Stages), len(db.Stages))
	}
	for i, st := range Stages {
		if st.Number != i+1 || db.Stages[i].Number != i+1 || st.Table != db.Stages[i].Table {
			t.Errorf("row %d: automation stage %d (%s), db stage %d (%s)", i, st.Number, st.Table, db.Stages[i].Number, db.Stages[i].Table)
		}
		if st.Name == "" || st.Input == "" || st.Unit == "" || st.Help == "" || st.Batch < 1 || st.work == nil || st.label == nil {
			t.Errorf("stage %d lacks words or behaviour: %+v", st.Number, st)
		}
		if st.Free() != (st.Failed == "") {
			t.Errorf("stage %d: free %v but its items can fail %q", st.Number, st.Free(), st.Failed)
		}
	}
}

// TestNinthStageFollows adds a stage row to a copy of the table: the
// estimate, the progress, the outcome and the hints follow it.
func TestNinthStageFollows(t *testing.T) {
	p := withNinthStage()
	on := make([]bool, 10)
	for i := 1; i <= 9; i++ {
		on[i] = true
	}
	in := EstimateInput{Pending: []int{0, 0, 0, 0, 0, 0, 0, 2, 0, 5}, Enabled: on, Costs: testCosts, OpBudgets: unlimitedBudgets(),
		Balance: 1000, IdeasPerCluster: 3, ImagesPerArticle: 2}
	est := p.Estimate(in)
	if len(est.Stages) != 9 {
		t.Fatalf("estimate has %d stages", len(est.Stages))
	}
	// Approval takes the 2 in review and feeds them on through Translation
	// to Syndication, which has 5 of its own.
	if se := est.Stage(8); se.Stage != 8 || !se.Runs || se.Input != 2 || se.Items != 2 {
		t.Errorf("eighth stage estimate %+v", se)
	}
	if se := est.Stage(9); se.Stage != 9 || !se.Runs || se.Input != 7 || se.Items != 7 || se.Credits != 0 {
		t.Errorf("ninth stage estimate %+v", se)
	}

	snap := Snapshot{Enabled: on}
	results := make([]db.StageResult, 0, 9)
	for n := 1; n <= 9; n++ {
		state := "done"
		if n == 9 {
			state = "running"
		}
		results = append(results, db.StageResult{Stage: n, State: state, Expected: 4, Processed: 2})
	}
	run := db.Run{Status: db.RunRunning, CurrentStage: 9}
	// 8 of 9 stages done, the ninth half: (8 + 0.5) / 9.
	if got := p.Progress(run, snap, results); got != 94 {
		t.Errorf("progress with nine stages %d%%, want 94%%", got)
	}
	if got := Stages.Progress(run, Snapshot{Enabled: on[:8]}, results); got != 99 {
		t.Errorf("the seven-stage table ignores the ninth result: %d%%, want 99%%", got)
	}
	rep := p.report(run, results, nil, t0)
	if len(rep.Stages) != 9 || !rep.HasStage || rep.Current.Name != "Syndication" {
		t.Errorf("report of the ninth stage: %d stages, current %q", len(rep.Stages), rep.Current.Name)
	}

	results[8].StopReason, results[8].StopDetail = ReasonLimitReached, "enough"
	if o := p.Outcome(results, ""); !strings.HasPrefix(o.Detail, "Syndication: enough") {
		t.Errorf("outcome names the stage: %q", o.Detail)
	}

	cfg := db.AutomationConfig{}
	for _, st := range Stages {
		st.Set(&cfg, true, 0)
	}
	cfg.MaxApprovalsPerRun = 1
	hints := p.Hints(HintInput{Config: cfg, Estimate: est, Publishing: db.PublishingSettings{AutoApprovalEnabled: true}, IdeasPerCluster: 3, ImagesPerArticle: 2})
	found := false
	for _, h := range hints {
		found = found || h.Field == "max_approvals_per_run" && strings.Contains(h.Text, "Auto-publish is off")
	}
	if !found {
		t.Errorf("the auto-publish hint stays with Approval, whatever follows it: %+v", hints)
	}
}

// TestPollFailsUnreadableRun: a run whose stored snapshot cannot be parsed
// is failed with a readable reason, once, and the poll goes on.
func TestPollFailsUnreadableRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.start()
		if _, err := dbtest.Exec(e.ctx, d, d.Rebind(`UPDATE automation_runs SET initial_snapshot = '{"pending": "not a list"' WHERE id = ?`), r.ID); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			n, err := e.svc.Poll(e.ctx)
			if err != nil || n != 0 {
				t.Fatalf("poll %d: started %d, %v", i, n, err)
			}
		}
		got := e.run(r.ID)
		if got.Status != db.RunFailed || got.StoppedReason != ReasonFailed || !strings.Contains(got.StoppedDetail, "stored settings cannot be read") {
			t.Fatalf("run %s / %s: %q", got.Status, got.StoppedReason, got.StoppedDetail)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Run failed:%'`, r.ID); n != 1 {
			t.Errorf("%d failure events, want 1", n)
		}
		// The site is free again: a new run starts and completes.
		r2 := e.start()
		e.execute(e.svc, r2.ID)
		if got := e.run(r2.ID); got.Status != db.RunCompleted {
			t.Errorf("next run %s: %s", got.Status, got.StoppedDetail)
		}
		e.assertLedger()
	})
}
