package automation

import "autopress/db"

// Progress is a run's overall progress in percent (0–100): finished enabled
// stages plus the done/expected fraction of the current one, over the
// enabled stages. A stage's expected count is fixed when it starts, so the
// figure never goes backwards; it is 100 only when the run completed.
func (p Pipeline) Progress(r db.Run, snap Snapshot, results []db.StageResult) int {
	if r.Status == db.RunCompleted {
		return 100
	}
	return min(int(p.fraction(snap, results)*100), 99)
}

// fraction is the finished part of the enabled stages' work, from 0 to 1:
// Progress before rounding and capping.
func (p Pipeline) fraction(snap Snapshot, results []db.StageResult) float64 {
	enabled := snap.EnabledStages(p)
	if enabled == 0 {
		return 0
	}
	var sum float64
	for _, sr := range results {
		if _, ok := p.Numbered(sr.Stage); !ok || !snap.StageEnabled(sr.Stage) {
			continue
		}
		sum += StageFraction(sr)
	}
	return sum / float64(enabled)
}

// StageFraction is one stage's progress from 0 to 1.
func StageFraction(sr db.StageResult) float64 {
	switch sr.State {
	case "done", "skipped":
		return 1
	case "running":
		if sr.Expected <= 0 {
			return 0
		}
		f := float64(sr.Taken()) / float64(sr.Expected)
		if f > 1 {
			f = 1
		}
		// A running stage is never complete until it is marked done.
		if f > 0.999 {
			f = 0.999
		}
		return f
	}
	return 0
}
