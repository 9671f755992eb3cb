package automation

import (
	"fmt"

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
