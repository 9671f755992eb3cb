package automation

import (
	"context"

	"autopress/db"
)

// Report is a run as people read it: its row, its overall progress and each
// stage's result with its progress, and its spend per operation. The run
// page, the dashboard's run panel and the API all show a Report, so they
// agree.
type Report struct {
	Run db.Run
	// Progress is the overall progress in percent (Progress).
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
}

// StageReport is one stage of a run.
type StageReport struct {
	Stage  Stage
	Result db.StageResult
	// Enabled: the run works the stage (its switch, auto-approval).
	Enabled bool
	// Progress is the stage's own progress in percent.
	Progress int
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
	rep := s.stages.report(r, results, spend)
	rep.Pausing = r.Draining(s.clock.Now())
	if !rep.Readable {
		s.log.WarnContext(ctx, "run snapshot unreadable", "run_id", r.ID)
	}
	return rep, nil
}

func (p Pipeline) report(r db.Run, results []db.StageResult, spend []db.OperationSpend) Report {
	rep := Report{Run: r, Spend: spend}
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
		rep.Stages = append(rep.Stages, StageReport{Stage: st, Result: sr, Enabled: snap.StageEnabled(sr.Stage),
			Progress: int(StageFraction(sr) * 100)})
	}
	return rep
}
