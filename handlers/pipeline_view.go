package handlers

import (
	"fmt"

	"autopress/db"
	"autopress/jobs/automation"
	"autopress/views"
)

// sitePipeline is the dashboard's picture of a site's pipeline: per stage
// of p, what waits (exactly what a run would take), the active run's AI
// calls in flight, what is done and what failed for good (counts indexed
// by stage number, from db.SitePipeline), the stages that are off, and the
// active run's stage (0: none).
func sitePipeline(p automation.Pipeline, siteName string, counts []db.StageCounts, cfg db.AutomationConfig, autoApprove bool, runStage int) views.PipelineView {
	v := views.PipelineView{Label: "Pipeline of " + siteName + ", stage by stage", ID: "pipeline", IDPrefix: "stage"}
	for _, st := range p {
		var c db.StageCounts
		if st.Number < len(counts) {
			c = counts[st.Number]
		}
		s := views.PipelineStep{Number: st.Number, Name: st.Name, Flow: st.Flow, Help: st.Help, Waiting: c.Waiting, WaitingKnown: true,
			InProgress: c.InFlight, Batch: st.Batch > 1 && !st.Free(), Done: c.Done, Failed: c.Failed}
		switch {
		case !st.Enabled(cfg):
			s.State, s.StateText, s.Note, s.NoteID = "off", "off", "Off: switched off", "disabled"
		case !st.Runs(cfg, autoApprove):
			s.State, s.StateText, s.Note, s.NoteID = "off", "off", "Off: auto-approval off", "disabled"
		case st.Number == runStage:
			s.State, s.StateText = "current", "working now"
		case c.Waiting > 0:
			s.State, s.StateText = "waiting", "has work"
		default:
			s.State, s.StateText = "idle", "nothing waiting"
		}
		v.Steps = append(v.Steps, s)
	}
	return v
}

// runPipeline is the run page's picture of one run: per stage, what the
// run still means to take, its AI calls in flight, what it processed and
// what failed, with the stage it is at highlighted.
func runPipeline(rep automation.Report) views.PipelineView {
	r := rep.Run
	v := views.PipelineView{Label: fmt.Sprintf("Run #%d, stage by stage", r.ID), ID: "run-pipeline", IDPrefix: "run-stage"}
	for _, s := range rep.Stages {
		sr, st := s.Result, s.Stage
		step := views.PipelineStep{Number: st.Number, Name: st.Name, Flow: st.Flow, Help: st.Help,
			InProgress: sr.InFlight, Batch: st.Batch > 1 && !st.Free(), Done: sr.Processed, Failed: sr.Failed, LeftOut: sr.Skipped,
			Progress: s.Progress}
		if s.HasDuration {
			step.Duration = views.Duration(s.Duration)
		}
		left := max(sr.Expected-sr.Taken()-sr.InFlight, 0)
		switch sr.State {
		case "running":
			step.Waiting, step.WaitingKnown, step.ShowProgress = left, true, true
			switch r.Status {
			case db.RunRunning:
				step.State, step.StateText = "current", "working"
			case db.RunPaused:
				step.State, step.StateText = "current", "paused"
			default:
				step.State, step.StateText = "stopped", "stopped here"
			}
		case "done":
			step.Waiting, step.WaitingKnown, step.State, step.StateText = 0, true, "done", "done"
		case "skipped":
			step.State, step.StateText = "skipped", "off in this run"
		default:
			if r.Active() {
				step.State, step.StateText = "waiting", "not started"
			} else {
				step.State, step.StateText = "not-reached", "not reached"
			}
		}
		switch {
		case sr.LimitReached:
			step.Note, step.NoteID = "Limit reached", "limit"
		case sr.StopReason == automation.ReasonBudgetExhausted:
			step.Note, step.NoteID = "Budget used up", "stop"
		case sr.StopReason == automation.ReasonInsufficientCredits:
			step.Note, step.NoteID = "Out of credits", "stop"
		}
		v.Steps = append(v.Steps, step)
	}
	return v
}

// runOutcome turns a report's outcome into the pages' terms.
func runOutcome(o automation.Outcome) views.RunOutcome {
	out := views.RunOutcome{Code: o.Code, Title: o.Title, Tone: o.Tone, Summary: o.Summary}
	for _, f := range o.Failures {
		out.Failures = append(out.Failures, views.StageTally{Number: f.Stage, Name: f.Name, Count: f.Count})
	}
	return out
}
