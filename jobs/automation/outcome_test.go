package automation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"autopress/db"
)

// results builds seven stage rows, all done and empty, then applies edit.
func results(edit func(rs []db.StageResult)) []db.StageResult {
	rs := make([]db.StageResult, 7)
	for i := range rs {
		rs[i] = db.StageResult{Stage: i + 1, State: "done"}
	}
	if edit != nil {
		edit(rs)
	}
	return rs
}

func snapRun(status string, current int) db.Run {
	snap := Snapshot{Enabled: []bool{false, true, true, true, true, true, true, true}, Limits: []int{0, 50, 0, 0, 10, 0, 0, 0}}
	b, _ := json.Marshal(snap)
	return db.Run{ID: 1, Status: status, CurrentStage: current, InitialSnapshot: string(b), CreatedAt: t0}
}

// TestOutcome: each way a run can end has its own code, and the summary
// names the stages and counts behind it.
func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     db.Run
		results []db.StageResult
		code    string
		summary []string
	}{
		{"clean", snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) { rs[0].Processed, rs[3].Processed = 40, 8 }),
			OutcomeCompleted, []string{"48 items processed"}},
		{"nothing waiting", snapRun(db.RunCompleted, 8), results(nil),
			OutcomeNothingToDo, []string{"import keywords"}},
		{"only disabled stages", snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) {
			for i := range rs {
				rs[i].State = "skipped"
			}
		}), OutcomeNothingToDo, nil},
		{"limit", snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) {
			rs[0].Processed, rs[0].LimitReached, rs[0].StopReason = 50, true, ReasonLimitReached
			rs[3].Processed, rs[3].LimitReached = 10, true
		}), OutcomeLimitsReached, []string{"Clustering (50 keywords) and Writing (10 tasks)"}},
		{"failures beat limits", snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) {
			rs[0].Processed, rs[0].LimitReached = 50, true
			rs[3].Processed, rs[3].Failed = 6, 2
			rs[5].Processed, rs[5].Failed = 10, 1
		}), OutcomeFailures, []string{"3 items failed: Writing 2, Images 1", "3 times at most", "The per-run limit stopped Clustering (50 keywords)"}},
		{"budget beats failures", snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) {
			rs[3].Processed, rs[3].Failed, rs[3].StopReason = 3, 1, ReasonBudgetExhausted
		}), OutcomeBudgetExhausted, []string{"ran out in Writing", "1 item failed: Writing 1"}},
		{"out of credits", snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) {
			rs[1].StopReason = ReasonInsufficientCredits
		}), OutcomeOutOfCredits, []string{"ran out of credits in Ideas"}},
		{"cancelled mid-stage", snapRun(db.RunCancelled, 4), results(func(rs []db.StageResult) {
			rs[0].Processed, rs[3].Processed, rs[3].Expected, rs[3].State = 40, 2, 4, "running"
			rs[4].State, rs[5].State, rs[6].State = "pending", "pending", "pending"
		}), OutcomeCancelled, []string{"during Writing (stage 4 of 7), at 50%", "stays done"}},
		{"cancelled at once", snapRun(db.RunCancelled, 1), results(func(rs []db.StageResult) { rs[0].State = "pending" }),
			OutcomeCancelled, []string{"before any item was processed"}},
		{"failed", func() db.Run {
			r := snapRun(db.RunFailed, 8)
			r.StoppedDetail = "Every item failed (12); last error: model not found"
			return r
		}(), results(func(rs []db.StageResult) { rs[0].Failed = 12 }), OutcomeFailed, []string{"after its last stage", "model not found"}},
		{"running", snapRun(db.RunRunning, 2), results(nil), OutcomeRunning, []string{"Working on Ideas (stage 2 of 7)"}},
		{"paused", snapRun(db.RunPaused, 5), results(nil), OutcomePaused, []string{"stopped at Image prompts (stage 5 of 7)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := Stages.report(tc.run, tc.results, nil, t0)
			o := rep.Outcome
			if o.Code != tc.code {
				t.Fatalf("code %q, want %q (%s)", o.Code, tc.code, o.Summary)
			}
			if o.Title == "" || o.Tone == "" {
				t.Errorf("no words: %+v", o)
			}
			for _, want := range tc.summary {
				if !strings.Contains(o.Summary, want) {
					t.Errorf("summary %q lacks %q", o.Summary, want)
				}
			}
			if strings.Contains(o.Summary, "_") {
				t.Errorf("a code in the words: %q", o.Summary)
			}
		})
	}
}

// TestOutcomesAreDistinct: the codes and titles of the outcomes differ, so
// no two ends of a run read the same.
func TestOutcomesAreDistinct(t *testing.T) {
	titles := map[string]string{}
	for _, tc := range []struct {
		run db.Run
		rs  []db.StageResult
	}{
		{snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) { rs[0].Processed = 1 })},
		{snapRun(db.RunCompleted, 8), results(nil)},
		{snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) { rs[0].Processed, rs[0].LimitReached = 50, true })},
		{snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) { rs[0].Failed = 1 })},
		{snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) { rs[0].StopReason = ReasonBudgetExhausted })},
		{snapRun(db.RunCompleted, 8), results(func(rs []db.StageResult) { rs[0].StopReason = ReasonInsufficientCredits })},
		{snapRun(db.RunCancelled, 3), results(nil)},
		{snapRun(db.RunFailed, 3), results(nil)},
		{snapRun(db.RunRunning, 3), results(nil)},
		{snapRun(db.RunPaused, 3), results(nil)},
	} {
		o := Stages.report(tc.run, tc.rs, nil, t0).Outcome
		if prev, ok := titles[o.Title]; ok {
			t.Errorf("%s and %s both read %q", prev, o.Code, o.Title)
		}
		titles[o.Title] = o.Code
	}
	if len(titles) != 10 {
		t.Errorf("%d distinct outcomes, want 10", len(titles))
	}
}

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// TestWorkTimeAndETA: the run's clock stops while it is paused and when it
// ends; the ETA follows the run's own pace and is not told too early.
func TestWorkTimeAndETA(t *testing.T) {
	now := t0.Add(10 * time.Minute)
	for _, tc := range []struct {
		name   string
		run    db.Run
		worked time.Duration
	}{
		{"running", db.Run{Status: db.RunRunning, CreatedAt: t0, StartedAt: at(0)}, 10 * time.Minute},
		{"not started: from creation", db.Run{Status: db.RunRunning, CreatedAt: t0}, 10 * time.Minute},
		{"paused now", db.Run{Status: db.RunPaused, CreatedAt: t0, StartedAt: at(0), PausedAt: at(4 * time.Minute)}, 4 * time.Minute},
		{"resumed", db.Run{Status: db.RunRunning, CreatedAt: t0, StartedAt: at(0), PausedAt: at(2 * time.Minute), ResumedAt: at(5 * time.Minute)}, 7 * time.Minute},
		{"completed", db.Run{Status: db.RunCompleted, CreatedAt: t0, StartedAt: at(0), CompletedAt: at(3 * time.Minute)}, 3 * time.Minute},
		{"cancelled while paused", db.Run{Status: db.RunCancelled, CreatedAt: t0, StartedAt: at(0), PausedAt: at(time.Minute), CancelledAt: at(8 * time.Minute)}, time.Minute},
		{"cancelled after a resume", db.Run{Status: db.RunCancelled, CreatedAt: t0, StartedAt: at(0), PausedAt: at(time.Minute),
			ResumedAt: at(2 * time.Minute), CancelledAt: at(5 * time.Minute)}, 4 * time.Minute},
	} {
		if got := workTime(tc.run, now); got != tc.worked {
			t.Errorf("%s: worked %v, want %v", tc.name, got, tc.worked)
		}
	}
	running := db.Run{Status: db.RunRunning}
	for _, tc := range []struct {
		worked   time.Duration
		fraction float64
		eta      time.Duration
		ok       bool
	}{
		{4 * time.Minute, 0.25, 12 * time.Minute, true},
		{time.Minute, 0.5, time.Minute, true},
		{time.Minute, 0.01, 0, false},    // too little done to tell
		{2 * time.Second, 0.5, 0, false}, // too short to tell
		{time.Minute, 1, 0, false},       // nothing left
		{time.Minute, 0.999, 60 * time.Millisecond.Round(time.Second), true},
	} {
		got, ok := eta(running, tc.worked, tc.fraction)
		if ok != tc.ok || (ok && got != tc.eta) {
			t.Errorf("eta(%v, %v) = %v %v, want %v %v", tc.worked, tc.fraction, got, ok, tc.eta, tc.ok)
		}
	}
	if _, ok := eta(db.Run{Status: db.RunPaused}, time.Minute, 0.5); ok {
		t.Error("a paused run has an ETA")
	}
}

// TestReportTiming: a running run's report carries its work time, an ETA
// from its own pace, and each started stage's duration.
func TestReportTiming(t *testing.T) {
	r := snapRun(db.RunRunning, 4)
	r.StartedAt = at(0)
	now := t0.Add(7 * time.Minute)
	rs := results(func(rs []db.StageResult) {
		for i := range rs {
			rs[i].StartedAt, rs[i].FinishedAt = at(time.Duration(i)*time.Minute), at(time.Duration(i+1)*time.Minute)
		}
		// Writing runs since minute 3, half done; the rest has not started.
		rs[3].State, rs[3].Expected, rs[3].Processed, rs[3].FinishedAt = "running", 4, 2, nil
		for i := 4; i < 7; i++ {
			rs[i].State, rs[i].StartedAt, rs[i].FinishedAt = "pending", nil, nil
		}
	})
	rep := Stages.report(r, rs, nil, now)
	// 3.5 of 7 stages in 7 minutes: 7 more at that pace.
	if rep.Worked != 7*time.Minute || !rep.HasETA || rep.ETA != 7*time.Minute {
		t.Errorf("worked %v, ETA %v (%v)", rep.Worked, rep.ETA, rep.HasETA)
	}
	if s := rep.Stages[0]; !s.HasDuration || s.Duration != time.Minute {
		t.Errorf("stage 1 took %v (%v)", s.Duration, s.HasDuration)
	}
	if s := rep.Stages[3]; !s.HasDuration || s.Duration != 4*time.Minute {
		t.Errorf("the running stage has worked %v (%v)", s.Duration, s.HasDuration)
	}
	if s := rep.Stages[4]; s.HasDuration {
		t.Errorf("a stage that has not started has a duration %v", s.Duration)
	}
	r.Status, r.CancelledAt = db.RunCancelled, at(5*time.Minute)
	if rep := Stages.report(r, rs, nil, now); rep.HasETA || rep.Worked != 5*time.Minute || rep.Stages[3].Duration != 2*time.Minute {
		t.Errorf("cancelled: ETA %v, worked %v, writing %v", rep.HasETA, rep.Worked, rep.Stages[3].Duration)
	}
}
