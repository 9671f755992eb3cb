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

// StageInputs names what waits in front of each stage, for messages.
var StageInputs = [8]string{"", "new keywords", "new clusters", "new ideas", "queued tasks", "drafts", "image prompts", "articles in review"}

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
func Hints(in HintInput) []Hint {
	cfg := in.Config
	var out []Hint
	add := func(field, format string, args ...any) {
		out = append(out, Hint{Field: field, Text: fmt.Sprintf(format, args...)})
	}
	for st := 1; st <= 7; st++ {
		if !cfg.StageEnabled(st) {
			add(fmt.Sprintf("stage%d_enabled", st), "stage %d disabled: %s will wait", st, StageInputs[st])
		}
	}
	stage7 := cfg.Stage7Enabled && in.Publishing.AutoApprovalEnabled
	if cfg.Stage7Enabled && !in.Publishing.AutoApprovalEnabled {
		add("stage7_enabled", "auto-approval is off: stage 7 will not run (articles wait in review for a person; the switch is in the publishing settings)")
	}
	runs := func(st int) bool { return cfg.StageEnabled(st) && (st != 7 || stage7) }

	for st := 3; st <= 7; st++ {
		up := st - 1
		lim, upLim := cfg.StageLimit(st), cfg.StageLimit(up)
		if lim == 0 || upLim == 0 || !runs(st) || !runs(up) {
			continue
		}
		feed, ok := feedOf(up, upLim, in.IdeasPerCluster, in.ImagesPerArticle)
		if !ok {
			continue
		}
		switch {
		case lim > feed:
			add(StageLimitField[st], "%s (%d) exceeds what %s (%d) feeds each run%s", StageLimitField[st], lim, StageLimitField[up], upLim, feedNote(up, feed))
		case feed > lim:
			add(StageLimitField[st], "%s (%d) feeds more than %s (%d) takes each run%s: %s pile up", StageLimitField[up], upLim, StageLimitField[st], lim, feedNote(up, feed), StageInputs[st])
		}
	}

	for st := 1; st <= 7; st++ {
		se := in.Estimate.Stages[st]
		if !se.Runs || se.PerRun != 0 {
			continue
		}
		cost := se.Cost
		switch se.CutBy {
		case CutBudget:
			add(StageLimitField[st], "stage %d can take nothing per run: the %s budget (%d credits) is less than one call (%d credits)", st, se.Operation, se.Budget, cost)
		case CutRunCap:
			add(StageLimitField[st], "stage %d can take nothing per run: max_credits_per_run (%d) is used up by the stages before it", st, cfg.MaxCreditsPerRun)
		case CutBalance:
			add(StageLimitField[st], "stage %d can take nothing per run: the account's balance does not cover one call (%d credits)", st, cost)
		}
	}

	if stage7 {
		if h, ok := publishingHint(in); ok {
			out = append(out, h)
		}
		if !in.Publishing.AutoPublishEnabled {
			add(StageLimitField[7], "auto-publish is off: approved articles wait for a person to schedule them")
		}
	}
	return out
}

// feedOf is how many items a stage with limit feeds the next stage per run.
func feedOf(stage, limit, ideasPerCluster, imagesPerArticle int) (int, bool) {
	switch stage {
	case 2:
		return limit * ideasPerCluster, ideasPerCluster > 0
	case 3, 4:
		return limit, true
	case 5:
		return limit * imagesPerArticle, imagesPerArticle > 0
	case 6:
		if imagesPerArticle == 0 {
			return 0, false
		}
		return limit / imagesPerArticle, true
	}
	return 0, false
}

func feedNote(stage, feed int) string {
	switch stage {
	case 2:
		return fmt.Sprintf(" (up to %d ideas)", feed)
	case 5:
		return fmt.Sprintf(" (%d image prompts)", feed)
	case 6:
		return fmt.Sprintf(" (%d finished articles)", feed)
	}
	return ""
}

// publishingHint compares what stage 7 approves per run with the free
// publishing slots: those between the next scheduled run and the one after
// it, or, without a schedule, the average per day over the coming week.
// Immediate publishing absorbs anything and gives no hint.
func publishingHint(in HintInput) (Hint, bool) {
	cfg, ps := in.Config, in.Publishing
	plan := publishing.Plan(ps)
	if plan.Mode == publishing.ModeImmediate || plan.Validate() != nil || in.Location == nil {
		return Hint{}, false
	}
	approvals, what := cfg.MaxApprovalsPerRun, fmt.Sprintf("max_approvals_per_run (%d)", cfg.MaxApprovalsPerRun)
	if approvals == 0 {
		approvals = in.Estimate.Stages[7].Items
		what = fmt.Sprintf("stage 7's ~%d approvals next run (no limit)", approvals)
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
		return Hint{Field: StageLimitField[7], Text: fmt.Sprintf("%s is more than the publishing schedule absorbs before the next run (~%d slots on %s until the next %s run)",
			what, n, where, cfg.Frequency)}, true
	}
	week := 7 * 24 * time.Hour
	n, err := countSlots(plan, in.Location, in.Now, in.Now.Add(week), in.Taken, min(approvals*7, maxSlotCount))
	if err != nil || n >= approvals*7 {
		return Hint{}, false
	}
	return Hint{Field: StageLimitField[7], Text: fmt.Sprintf("%s is more than the publishing schedule absorbs per day (~%.1f slots a day on %s; no schedule, so runs start by hand)",
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
	cfg, err := s.db.GetAutomationConfig(ctx, site.ID)
	if err != nil {
		return Forecast{}, fmt.Errorf("automation: config: %w", err)
	}
	ps, err := s.db.GetPublishingSettings(ctx, site.ID)
	if err != nil {
		return Forecast{}, fmt.Errorf("automation: publishing settings: %w", err)
	}
	in, err := s.estimateInput(ctx, site, cfg, ps.AutoApprovalEnabled)
	if err != nil {
		return Forecast{}, err
	}
	taken, err := s.db.QueuedSlots(ctx, site.ID)
	if err != nil {
		return Forecast{}, err
	}
	est := Estimate(in)
	hints := Hints(HintInput{Config: cfg, Estimate: est, Publishing: ps, Location: site.Location(), Now: s.clock.Now(),
		Taken: taken, IdeasPerCluster: in.IdeasPerCluster, ImagesPerArticle: in.ImagesPerArticle})
	return Forecast{Config: cfg, Publishing: ps, Input: in, Estimate: est, Hints: hints}, nil
}
