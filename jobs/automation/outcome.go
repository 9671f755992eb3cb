package automation

import (
	"fmt"
	"strings"

	"autopress/db"
)

// Stopped reasons, most severe first.
const (
	ReasonCancelled           = "cancelled"
	ReasonFailed              = "failed"
	ReasonInsufficientCredits = "insufficient_credits"
	ReasonBudgetExhausted     = "budget_exhausted"
	ReasonLimitReached        = "limit_reached"
	ReasonCompleted           = "completed"
)

var severity = map[string]int{ReasonCompleted: 0, ReasonLimitReached: 1, ReasonBudgetExhausted: 2,
	ReasonInsufficientCredits: 3, ReasonFailed: 4, ReasonCancelled: 5}

// ReasonText says what a stopped reason means, in words a user understands.
func ReasonText(reason string) string {
	switch reason {
	case ReasonCompleted:
		return "Completed: every stage processed all its pending items."
	case ReasonLimitReached:
		return "A per-run limit was reached: the remaining items wait for the next run."
	case ReasonBudgetExhausted:
		return "A credit budget ran out: that stage stopped, later stages still ran; the rest waits for the next run."
	case ReasonInsufficientCredits:
		return "The account ran out of credits: paid stages stopped, free stages still ran."
	case ReasonFailed:
		return "The run failed."
	case ReasonCancelled:
		return "The run was cancelled."
	case "":
		return ""
	}
	return reason
}

// RunOutcome is how a finished run ends.
type RunOutcome struct {
	Status string
	Reason string
	Detail string
	Error  string
}

// Outcome derives a run's end from its stage results: failed when items
// were attempted and every one failed; otherwise completed with the most
// severe stage stop reason.
func (p Pipeline) Outcome(results []db.StageResult, lastErr string) RunOutcome {
	processed, failed := 0, 0
	o := RunOutcome{Status: db.RunCompleted, Reason: ReasonCompleted}
	for _, r := range results {
		processed += r.Processed + r.Skipped
		failed += r.Failed
		reason := r.StopReason
		if r.LimitReached && reason == "" {
			reason = ReasonLimitReached
		}
		if reason != "" && severity[reason] > severity[o.Reason] {
			o.Reason = reason
			o.Detail = fmt.Sprintf("%s: %s", p.NameOf(r.Stage), r.StopDetail)
		}
	}
	if processed == 0 && failed > 0 {
		return RunOutcome{Status: db.RunFailed, Reason: ReasonFailed,
			Detail: fmt.Sprintf("Every item failed (%d); last error: %s", failed, lastErr), Error: lastErr}
	}
	if o.Detail == "" {
		o.Detail = fmt.Sprintf("%d item(s) processed, %d failed", processed, failed)
	}
	return o
}

// Outcome codes: how a run ended, or that it has not yet. The run page, the
// dashboard and the API tell runs apart by them (the API's `outcome`).
const (
	OutcomeRunning         = "running"
	OutcomePaused          = "paused"
	OutcomeCompleted       = "completed"
	OutcomeLimitsReached   = "completed_with_limits"
	OutcomeFailures        = "completed_with_failures"
	OutcomeBudgetExhausted = "budget_exhausted"
	OutcomeOutOfCredits    = "out_of_credits"
	OutcomeNothingToDo     = "nothing_to_do"
	OutcomeCancelled       = "cancelled"
	OutcomeFailed          = "failed"
)

// Outcome is a run's outcome as people read it: a code, its words, and the
// stages behind it. It is derived from the run row and its stage results,
// so it needs nothing stored of its own.
type Outcome struct {
	Code string
	// Title names the outcome in a few words ("Completed with failures").
	Title string
	// Summary says what happened in a sentence or two, with the numbers.
	Summary string
	// Tone is how the pages colour it: ok, info, warn, error, muted or
	// active.
	Tone string
	// Failures are the stages with items that failed in this run; Limits
	// the stages its per-run limit stopped (Count: the items it took);
	// Stops the stages a credit budget or the balance stopped (Count: the
	// items taken before). Each is filled whatever the code.
	Failures []StageTally
	Limits   []StageTally
	Stops    []StageTally
	// StoppedIn is the stage a cancelled or failed run stopped in (0: it
	// stopped between stages or never started one).
	StoppedIn int
	// Processed counts the items the run processed, over all stages.
	Processed int
}

// StageTally is a stage with a count.
type StageTally struct {
	Stage int    `json:"stage"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// outcome derives a run's Outcome. progress is the run's progress in
// percent (what a stopped run reached).
func (p Pipeline) outcome(r db.Run, snap Snapshot, results []db.StageResult, pausing bool, progress int) Outcome {
	o, taken := p.tallies(results)
	at := ""
	if st, ok := p.Numbered(r.CurrentStage); ok {
		at = fmt.Sprintf("%s (stage %d of %d)", st.Name, st.Number, p.Last())
	}
	switch r.Status {
	case db.RunRunning, db.RunPaused:
		return activeOutcome(o, r.Status, pausing, at)
	case db.RunCancelled, db.RunFailed:
		return p.stoppedOutcome(o, r, at, taken, progress)
	}
	return p.finishedOutcome(o, r, snap, results, taken)
}

// tallies counts a run's stages with failures, reached limits and credit
// stops, the items it processed and those it took.
func (p Pipeline) tallies(results []db.StageResult) (o Outcome, taken int) {
	for _, sr := range results {
		st, ok := p.Numbered(sr.Stage)
		if !ok {
			continue
		}
		o.Processed += sr.Processed
		taken += sr.Taken()
		if sr.Failed > 0 {
			o.Failures = append(o.Failures, StageTally{Stage: st.Number, Name: st.Name, Count: sr.Failed})
		}
		if sr.LimitReached {
			o.Limits = append(o.Limits, StageTally{Stage: st.Number, Name: st.Name, Count: sr.Taken()})
		}
		if sr.StopReason == ReasonBudgetExhausted || sr.StopReason == ReasonInsufficientCredits {
			o.Stops = append(o.Stops, StageTally{Stage: st.Number, Name: st.Name, Count: sr.Taken()})
		}
	}
	return o, taken
}

// activeOutcome is the outcome of a running or paused run, at the stage
// named at ("" between stages).
func activeOutcome(o Outcome, status string, pausing bool, at string) Outcome {
	if status == db.RunRunning {
		o.Code, o.Title, o.Tone = OutcomeRunning, "Running", "active"
		o.Summary = "Starting."
		if at != "" {
			o.Summary = "Working on " + at + "."
		}
		return o
	}
	o.Code, o.Title, o.Tone = OutcomePaused, "Paused", "warn"
	o.Summary = "Paused: nothing new starts until it is resumed."
	if pausing {
		o.Title, o.Summary = "Pausing…", "Pausing: the items in flight finish first, nothing new starts."
	}
	if at != "" {
		o.Summary = strings.TrimSuffix(o.Summary, ".") + "; it stopped at " + at + "."
	}
	return o
}

// stoppedOutcome is the outcome of a cancelled or failed run: where it
// stopped, and the progress it keeps.
func (p Pipeline) stoppedOutcome(o Outcome, r db.Run, at string, taken, progress int) Outcome {
	if _, ok := p.Numbered(r.CurrentStage); ok {
		o.StoppedIn = r.CurrentStage
	}
	where := "before its first stage"
	switch {
	case at != "":
		where = "during " + at
	case r.CurrentStage > p.Last():
		where = "after its last stage"
	}
	if r.Status == db.RunCancelled {
		o.Code, o.Title, o.Tone = OutcomeCancelled, "Cancelled", "muted"
		o.Summary = fmt.Sprintf("Cancelled %s, at %d%%: what was done stays done; the rest waits for the next run.", where, progress)
		if taken == 0 {
			o.Summary = "Cancelled before any item was processed."
		}
		return o
	}
	o.Code, o.Title, o.Tone = OutcomeFailed, "Failed", "error"
	o.Summary = fmt.Sprintf("The run failed %s, at %d%%.", where, progress)
	if r.StoppedDetail != "" {
		o.Summary += " " + r.StoppedDetail
	}
	return o
}

// finishedOutcome is the outcome of a completed run: its most severe fact
// names it, the less severe ones follow in the summary.
func (p Pipeline) finishedOutcome(o Outcome, r db.Run, snap Snapshot, results []db.StageResult, taken int) Outcome {
	o.Tone = "ok"
	switch {
	case r.StoppedReason == ReasonInsufficientCredits || hasStop(results, ReasonInsufficientCredits):
		o.Code, o.Title, o.Tone = OutcomeOutOfCredits, "Out of credits", "warn"
		o.Summary = "The account ran out of credits in " + tallyNames(o.Stops) + ": paid stages stopped, free stages still ran; the rest waits for the next run."
	case len(o.Stops) > 0:
		o.Code, o.Title, o.Tone = OutcomeBudgetExhausted, "Budget used up", "warn"
		o.Summary = "A credit budget ran out in " + tallyNames(o.Stops) + ": that stage stopped, later stages still ran; the rest waits for the next run."
	case len(o.Failures) > 0:
		o.Code, o.Title, o.Tone = OutcomeFailures, "Completed with failures", "warn"
		o.Summary = fmt.Sprintf("%s failed: %s. Failed items are tried again by the next run, %d times at most.",
			plural(tallySum(o.Failures), "item"), tallyCounts(o.Failures), db.MaxItemAttempts)
	case len(o.Limits) > 0:
		o.Code, o.Title, o.Tone = OutcomeLimitsReached, "Completed, limits reached", "info"
		o.Summary = "The per-run limit stopped " + p.limitWords(snap, o.Limits) + "; the rest waits for the next run."
	case taken == 0:
		o.Code, o.Title, o.Tone = OutcomeNothingToDo, "Nothing to do", "muted"
		o.Summary = "No enabled stage had anything waiting: import keywords, or turn stages on, to give a run work."
		return o
	default:
		o.Code, o.Title = OutcomeCompleted, "Completed"
		o.Summary = fmt.Sprintf("Every stage took all its waiting items: %s processed.", plural(o.Processed, "item"))
		return o
	}
	if o.Code != OutcomeFailures && len(o.Failures) > 0 {
		o.Summary += fmt.Sprintf(" %s failed: %s.", plural(tallySum(o.Failures), "item"), tallyCounts(o.Failures))
	}
	if o.Code != OutcomeLimitsReached && len(o.Limits) > 0 {
		o.Summary += " The per-run limit stopped " + p.limitWords(snap, o.Limits) + "."
	}
	return o
}

func hasStop(results []db.StageResult, reason string) bool {
	for _, sr := range results {
		if sr.StopReason == reason {
			return true
		}
	}
	return false
}

// limitWords lists stages with their limits: "Clustering (50 keywords) and
// Writing (10 tasks)".
func (p Pipeline) limitWords(snap Snapshot, ts []StageTally) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		st, _ := p.Numbered(t.Stage)
		parts = append(parts, fmt.Sprintf("%s (%d %s)", t.Name, snap.Limit(t.Stage), st.Unit))
	}
	return joinAnd(parts)
}

func tallyNames(ts []StageTally) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		parts = append(parts, t.Name)
	}
	return joinAnd(parts)
}

func tallyCounts(ts []StageTally) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s %d", t.Name, t.Count))
	}
	return strings.Join(parts, ", ")
}

func tallySum(ts []StageTally) int {
	n := 0
	for _, t := range ts {
		n += t.Count
	}
	return n
}

// joinAnd joins words as a sentence does: "a", "a and b", "a, b and c".
func joinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// plural counts a noun: "1 item", "3 items".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
