package automation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"autopress/db"
	"autopress/jobs/publishing"
)

// Hint is advice about a site's automation settings, shown beside the
// field it is about (a limit or a stage toggle).
type Hint struct {
	Field string `json:"field"`
	Text  string `json:"text"`
}

// HintInput is what Hints looks at.
type HintInput struct {
	Config     db.AutomationConfig
	Estimate   RunEstimate
	Publishing db.PublishingSettings
	Location   *time.Location
	Now        time.Time
	// Taken are the slots the publishing queue already holds.
	Taken            []time.Time
	IdeasPerCluster  int
	ImagesPerArticle int
}

// maxSlotCount bounds how many publishing slots a hint counts.
const maxSlotCount = 5000

// Hints lists where the settings disagree with each other or with the
// publishing capacity: disabled stages that leave items waiting, stage 7
// without auto-approval, a limit that exceeds what the stage before it can
// feed per run (or is fed more than it takes), a stage that can pay for
// nothing, and approvals beyond the publishing slots until the run after.
func (p Pipeline) Hints(in HintInput) []Hint {
	cfg := in.Config
	autoApproval := in.Publishing.AutoApprovalEnabled
	var out []Hint
	add := func(field, format string, args ...any) {
		out = append(out, Hint{Field: field, Text: fmt.Sprintf(format, args...)})
	}
	r := ratios{IdeasPerCluster: in.IdeasPerCluster, ImagesPerArticle: in.ImagesPerArticle}
	for i, st := range p {
		switch {
		case !st.Enabled(cfg):
			add(st.ToggleColumn, "%s is switched off: %s will wait in front of it.", st.Name, st.Input)
		case st.NeedsAutoApproval && !autoApproval:
			add(st.ToggleColumn, "Auto-approval is off in the publishing settings, so %s will not run: %s wait for a person.", st.Name, st.Input)
		}
		if i > 0 {
			limitHint(add, p[i-1], st, cfg, autoApproval, r)
		}
		creditHint(add, st, in.Estimate.Stage(st.Number), cfg)
	}
	for _, st := range p {
		if !st.NeedsAutoApproval || !st.Runs(cfg, autoApproval) {
			continue
		}
		// The stage that approves feeds the publishing queue.
		if h, ok := publishingHint(in, st); ok {
			out = append(out, h)
		}
		if !in.Publishing.AutoPublishEnabled {
			add(st.LimitColumn, "Auto-publish is off: approved articles wait for a person to schedule them.")
		}
	}
	return out
}

// limitHint compares a stage's limit with what the stage before it feeds it
// per run at that stage's limit.
func limitHint(add func(string, string, ...any), up, st Stage, cfg db.AutomationConfig, autoApproval bool, r ratios) {
	lim, upLim := st.Limit(cfg), up.Limit(cfg)
	if lim == 0 || upLim == 0 || !st.Runs(cfg, autoApproval) || !up.Runs(cfg, autoApproval) {
		return
	}
	feed, note := upLim, ""
	if up.feedsPerRun != nil {
		var ok bool
		if feed, note, ok = up.feedsPerRun(upLim, r); !ok {
			return
		}
		note = " (" + note + ")"
	} else if up.feed != nil {
		return // what it makes is not known in advance
	}
	switch {
	case lim > feed:
		add(st.LimitColumn, "%s may take %d %s per run, more than %s feeds it with its limit of %d %s%s.", st.Name, lim, st.Unit, up.Name, upLim, up.Unit, note)
	case feed > lim:
		add(st.LimitColumn, "%s, with its limit of %d %s, feeds more than %s takes per run (%d %s)%s: %s pile up.", up.Name, upLim, up.Unit, st.Name, lim, st.Unit, note, st.Input)
	}
}

// creditHint explains a paid stage that can take nothing per run.
func creditHint(add func(string, string, ...any), st Stage, se StageEstimate, cfg db.AutomationConfig) {
	if !se.Runs || se.PerRun != 0 {
		return
	}
	switch se.CutBy {
	case CutBudget:
		add(st.LimitColumn, "%s can take nothing per run: its credit budget (%d credits) is less than one call (%d credits).", st.Name, se.Budget, se.Cost)
	case CutRunCap:
		add(st.LimitColumn, "%s can take nothing per run: the run's credit cap (%d credits) is used up by the stages before it.", st.Name, cfg.MaxCreditsPerRun)
	case CutBalance:
		add(st.LimitColumn, "%s can take nothing per run: the account's balance does not cover one call (%d credits).", st.Name, se.Cost)
	}
}

// publishingHint compares what stage 7 approves per run with the free
// publishing slots: those between the next scheduled run and the one after
// it, or, without a schedule, the average per day over the coming week.
// Immediate publishing absorbs anything and gives no hint.
func publishingHint(in HintInput, st Stage) (Hint, bool) {
	cfg, ps := in.Config, in.Publishing
	plan := publishing.Plan(ps)
	if plan.Mode == publishing.ModeImmediate || plan.Validate() != nil || in.Location == nil {
		return Hint{}, false
	}
	approvals := st.Limit(cfg)
	what := fmt.Sprintf("The %s limit (%d %s a run)", st.Name, approvals, st.Unit)
	if approvals == 0 {
		approvals = in.Estimate.Stage(st.Number).Items
		what = fmt.Sprintf("The ~%d %s expected next run (no limit)", approvals, st.Unit)
	}
	if approvals <= 0 {
		return Hint{}, false
	}
	where := describePlan(plan)
	if cfg.Enabled {
		from := in.Now
		if cfg.NextRunAt != nil && cfg.NextRunAt.After(in.Now) {
			from = *cfg.NextRunAt
		} else if next, err := NextOccurrence(cfg, in.Location, in.Now); err == nil {
			from = next
		}
		to, err := NextOccurrence(cfg, in.Location, from)
		if err != nil {
			return Hint{}, false
		}
		n, err := countSlots(plan, in.Location, from, to, in.Taken, min(approvals, maxSlotCount))
		if err != nil || n >= approvals {
			return Hint{}, false
		}
		return Hint{Field: st.LimitColumn, Text: fmt.Sprintf("%s is more than the publishing schedule takes before the next run (about %d slots on %s until the next %s run).",
			what, n, where, cfg.Frequency)}, true
	}
	week := 7 * 24 * time.Hour
	n, err := countSlots(plan, in.Location, in.Now, in.Now.Add(week), in.Taken, min(approvals*7, maxSlotCount))
	if err != nil || n >= approvals*7 {
		return Hint{}, false
	}
	return Hint{Field: st.LimitColumn, Text: fmt.Sprintf("%s is more than the publishing schedule takes in a day (about %.1f slots a day on %s; runs start by hand, there is no schedule).",
		what, float64(n)/7, where)}, true
}

// countSlots counts the free slots in (from, to], stopping at limit.
func countSlots(plan publishing.PlanSettings, loc *time.Location, from, to time.Time, taken []time.Time, limit int) (int, error) {
	slots, err := publishing.PlanSlots(plan, loc, from, taken, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range slots {
		if s.After(to) {
			break
		}
		n++
	}
	return n, nil
}

// describePlan says when a site publishes: "mon–fri 09:00/14:00/18:00".
func describePlan(p publishing.PlanSettings) string {
	days := describeDays(p.Days)
	if p.Mode == publishing.ModeStagger {
		return fmt.Sprintf("%s every %d min %s–%s", days, p.StaggerInterval, p.StaggerStart, p.StaggerEnd)
	}
	return days + " " + strings.Join(p.TimeSlots, "/")
}

// describeDays lists weekdays Monday first, a run of three or more as a range.
func describeDays(days []time.Weekday) string {
	idx := func(d time.Weekday) int { return (int(d) + 6) % 7 } // Monday = 0
	var order []int
	for _, d := range days {
		if i := idx(d); !slices.Contains(order, i) {
			order = append(order, i)
		}
	}
	slices.Sort(order)
	name := func(i int) string { return publishing.DayNames[(i+1)%7] }
	var parts []string
	for i := 0; i < len(order); {
		j := i
		for j+1 < len(order) && order[j+1] == order[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, name(order[i])+"–"+name(order[j]))
		default:
			for k := i; k <= j; k++ {
				parts = append(parts, name(order[k]))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Forecast is what the automation settings page and the API show beside
// the saved settings: the estimate of the next run and the hints.
type Forecast struct {
	Config     db.AutomationConfig
	Publishing db.PublishingSettings
	Input      EstimateInput
	Estimate   RunEstimate
	Hints      []Hint
}

// Forecast estimates a site's next run with its saved settings and lists
// the hints about them.
func (s *Service) Forecast(ctx context.Context, site db.Site) (Forecast, error) {
	in, err := s.loadInputs(ctx, site)
	if err != nil {
		return Forecast{}, err
	}
	taken, err := s.db.QueuedSlots(ctx, site.ID)
	if err != nil {
		return Forecast{}, err
	}
	ein := s.estimateInput(in)
	est := s.stages.Estimate(ein)
	hints := s.stages.Hints(HintInput{Config: in.Config, Estimate: est, Publishing: in.Publishing, Location: site.Location(), Now: s.clock.Now(),
		Taken: taken, IdeasPerCluster: ein.IdeasPerCluster, ImagesPerArticle: ein.ImagesPerArticle})
	return Forecast{Config: in.Config, Publishing: in.Publishing, Input: ein, Estimate: est, Hints: hints}, nil
}
