package automation

import (
	"time"

	"autopress/db"
)

// minETAFraction is how much of a run must be done before its pace says
// anything about the rest: below it the ETA is not shown.
const minETAFraction = 0.02

// minETAWork is how long a run must have worked before its pace is trusted.
const minETAWork = 5 * time.Second

// workTime is how long a run has worked: from its start to now (or to its
// end, or to the pause it is in), less its last pause. Only the last pause
// and resume are stored, so an earlier pause counts as working time.
func workTime(r db.Run, now time.Time) time.Duration {
	start := r.CreatedAt
	if r.StartedAt != nil {
		start = *r.StartedAt
	}
	end := now
	switch {
	case r.CompletedAt != nil:
		end = *r.CompletedAt
	case r.CancelledAt != nil:
		end = *r.CancelledAt
	}
	resumed := r.PausedAt != nil && r.ResumedAt != nil && r.ResumedAt.After(*r.PausedAt)
	if r.PausedAt != nil && !resumed && r.Status != db.RunRunning && r.PausedAt.Before(end) {
		// Paused now, or ended while paused: the clock stopped at the pause.
		end = *r.PausedAt
	}
	d := end.Sub(start)
	if resumed && !r.ResumedAt.After(end) {
		d -= r.ResumedAt.Sub(*r.PausedAt)
	}
	return max(d, 0)
}

// eta is how long a running run needs for the rest of its work at its own
// pace so far: the time it worked, scaled by what is left of its progress
// (a fraction from 0 to 1). ok is false when the run is not running or has
// done too little to tell.
func eta(r db.Run, worked time.Duration, fraction float64) (time.Duration, bool) {
	if r.Status != db.RunRunning || fraction < minETAFraction || fraction >= 1 || worked < minETAWork {
		return 0, false
	}
	left := time.Duration(float64(worked) * (1 - fraction) / fraction)
	return left.Round(time.Second), true
}

// stageTime is how long a stage has worked in its run: from its start to
// its end, or to now while it runs (ok false before it started).
func stageTime(sr db.StageResult, r db.Run, now time.Time) (time.Duration, bool) {
	if sr.StartedAt == nil {
		return 0, false
	}
	end := now
	switch {
	case sr.FinishedAt != nil:
		end = *sr.FinishedAt
	case !r.Active():
		// The run ended inside the stage (cancelled, failed).
		if e := runEnd(r); e != nil {
			end = *e
		}
	case r.Status == db.RunPaused && r.PausedAt != nil:
		end = *r.PausedAt
	}
	return max(end.Sub(*sr.StartedAt), 0), true
}

// runEnd is when a run ended (nil while active).
func runEnd(r db.Run) *time.Time {
	if r.CompletedAt != nil {
		return r.CompletedAt
	}
	return r.CancelledAt
}
