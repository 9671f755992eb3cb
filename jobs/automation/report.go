package automation

import (
	"context"
	"time"

	"autopress/db"
)

// Report is a run as people read it: its row, its outcome, its overall
// progress and timing, each stage's result with its progress, and its spend
// per operation. The run page, the dashboard's run panel, the run lists and
// the API all show a Report, so they agree.
type Report struct {
	Run db.Run
	// Outcome tells how the run ended (or that it has not yet).
	Outcome Outcome
	// Progress is the overall progress in percent (Progress). A cancelled
	// or failed run keeps the figure it had reached.
	Progress int
	// Pausing: paused, but the executor still finishes the items in flight
	// (it holds a live lease; see db.Run.Draining).
	Pausing bool
	// Current is the stage the run is at (ok false after the last stage).
	Current  Stage
	HasStage bool
	Stages   []StageReport
	Spend    []db.OperationSpend
	Readable bool // false when the run's snapshot cannot be parsed
	Snapshot Snapshot
	// ProviderWait is set while the current stage waits for the AI
	// provider's rate limit.
	ProviderWait *ProviderWait
	// Worked is how long the run has worked (its duration once ended),
	// pauses aside (workTime). ETA is how long the rest should take at the
	// run's pace so far; HasETA is false when that cannot be told yet.
	Worked time.Duration
	ETA    time.Duration
	HasETA bool
}

// StageReport is one stage of a run.
type StageReport struct {
	Stage  Stage
	Result db.StageResult
	// Enabled: the run works the stage (its switch, auto-approval).
	Enabled bool
	// Progress is the stage's own progress in percent.
	Progress int
	// Duration is how long the stage worked (HasDuration false before it
	// started).
	Duration    time.Duration
	HasDuration bool
}

// Report builds the report of a run. A run whose snapshot cannot be read
// reports 0 % rather than failing the page (Readable is false).
func (s *Service) Report(ctx context.Context, r db.Run) (Report, error) {
	results, err := s.db.StageResults(ctx, r.ID)
	if err != nil {
		return Report{}, err
	}
	spend, err := s.db.RunSpend(ctx, r.ID)
	if err != nil {
		return Report{}, err
	}
	rep := s.stages.report(r, results, spend, s.clock.Now())
	rep.ProviderWait = s.providerWait(r, rep.Current, rep.HasStage)
	if !rep.Readable {
		s.log.WarnContext(ctx, "run snapshot unreadable", "run_id", r.ID)
	}
	return rep, nil
}

// Reports builds the reports of a list of runs, without their spend, from
// one query of their stage results.
func (s *Service) Reports(ctx context.Context, runs []db.Run) ([]Report, error) {
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	results, err := s.db.StageResultsOfRuns(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := make([]Report, len(runs))
	for i, r := range runs {
		out[i] = s.stages.report(r, results[r.ID], nil, now)
	}
	return out, nil
}

func (p Pipeline) report(r db.Run, results []db.StageResult, spend []db.OperationSpend, now time.Time) Report {
	rep := Report{Run: r, Spend: spend, Pausing: r.Draining(now)}
	if rep.Spend == nil {
		rep.Spend = []db.OperationSpend{}
	}
	rep.Current, rep.HasStage = p.Numbered(r.CurrentStage)
	snap, err := ParseSnapshot(r)
	rep.Snapshot, rep.Readable = snap, err == nil
	rep.Progress = p.Progress(r, snap, results)
	for _, sr := range results {
		st, ok := p.Numbered(sr.Stage)
		if !ok {
			continue
		}
		d, has := stageTime(sr, r, now)
		rep.Stages = append(rep.Stages, StageReport{Stage: st, Result: sr, Enabled: snap.StageEnabled(sr.Stage),
			Progress: int(StageFraction(sr) * 100), Duration: d, HasDuration: has})
	}
	rep.Outcome = p.outcome(r, snap, results, rep.Pausing, rep.Progress)
	rep.Worked = workTime(r, now)
	rep.ETA, rep.HasETA = eta(r, rep.Worked, p.fraction(snap, results))
	return rep
}
