package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AutomationConfig is a site's automation settings: schedule, stage toggles
// and per-run limits (0 = unlimited).
type AutomationConfig struct {
	SiteID               int64      `db:"site_id" json:"-"`
	Enabled              bool       `db:"enabled" json:"enabled"`
	Frequency            string     `db:"frequency" json:"frequency"`
	ScheduledTime        string     `db:"scheduled_time" json:"scheduled_time"`
	Weekday              int        `db:"weekday" json:"weekday"`
	DayOfMonth           int        `db:"day_of_month" json:"day_of_month"`
	NextRunAt            *time.Time `db:"next_run_at" json:"next_run_at"`
	LastScheduledAt      *time.Time `db:"last_scheduled_at" json:"last_scheduled_at"`
	LastScheduledOutcome string     `db:"last_scheduled_outcome" json:"last_scheduled_outcome"`
	LastScheduledDetail  string     `db:"last_scheduled_detail" json:"last_scheduled_detail"`
	Stage1Enabled        bool       `db:"stage1_enabled" json:"stage1_enabled"`
	Stage2Enabled        bool       `db:"stage2_enabled" json:"stage2_enabled"`
	Stage3Enabled        bool       `db:"stage3_enabled" json:"stage3_enabled"`
	Stage4Enabled        bool       `db:"stage4_enabled" json:"stage4_enabled"`
	Stage5Enabled        bool       `db:"stage5_enabled" json:"stage5_enabled"`
	Stage6Enabled        bool       `db:"stage6_enabled" json:"stage6_enabled"`
	Stage7Enabled        bool       `db:"stage7_enabled" json:"stage7_enabled"`
	MaxKeywordsPerRun    int        `db:"max_keywords_per_run" json:"max_keywords_per_run"`
	MaxClustersPerRun    int        `db:"max_clusters_per_run" json:"max_clusters_per_run"`
	MaxIdeasPerRun       int        `db:"max_ideas_per_run" json:"max_ideas_per_run"`
	MaxTasksPerRun       int        `db:"max_tasks_per_run" json:"max_tasks_per_run"`
	MaxContentPerRun     int        `db:"max_content_per_run" json:"max_content_per_run"`
	MaxImagesPerRun      int        `db:"max_images_per_run" json:"max_images_per_run"`
	MaxApprovalsPerRun   int        `db:"max_approvals_per_run" json:"max_approvals_per_run"`
	MaxCreditsPerRun     int64      `db:"max_credits_per_run" json:"max_credits_per_run"`
	Concurrency          int        `db:"concurrency" json:"concurrency"`
	UpdatedAt            time.Time  `db:"updated_at" json:"updated_at"`
}

// StageEnabled returns the switch of the stage numbered n.
func (c AutomationConfig) StageEnabled(n int) bool { return stage(n).Enabled(c) }

// StageLimit returns the per-run item limit of the stage numbered n (0 =
// unlimited).
func (c AutomationConfig) StageLimit(n int) int { return stage(n).Limit(c) }

// GetAutomationConfig loads a site's automation config.
func (d *DB) GetAutomationConfig(ctx context.Context, siteID int64) (AutomationConfig, error) {
	var c AutomationConfig
	err := d.GetContext(ctx, &c, d.q(`SELECT * FROM automation_configs WHERE site_id = ?`), siteID)
	return c, notFound(err)
}

// SaveAutomationConfig writes every editable field (and next_run_at, which
// the caller computes from the schedule).
func (d *DB) SaveAutomationConfig(ctx context.Context, c AutomationConfig, now time.Time) error {
	sets := []string{"enabled = ?", "frequency = ?", "scheduled_time = ?", "weekday = ?", "day_of_month = ?", "next_run_at = ?"}
	args := []any{c.Enabled, c.Frequency, c.ScheduledTime, c.Weekday, c.DayOfMonth, NT(c.NextRunAt)}
	for _, st := range Stages {
		sets = append(sets, st.ToggleColumn+" = ?", st.LimitColumn+" = ?")
		args = append(args, st.Enabled(c), st.Limit(c))
	}
	sets = append(sets, "max_credits_per_run = ?", "concurrency = ?", "updated_at = ?")
	args = append(args, c.MaxCreditsPerRun, c.Concurrency, T(now), c.SiteID)
	res, err := d.exec(ctx, d.q(`UPDATE automation_configs SET `+strings.Join(sets, ", ")+` WHERE site_id = ?`), args...)
	if err != nil {
		return fmt.Errorf("db: save automation config: %w", err)
	}
	return oneRow(res, ErrNotFound)
}

// DueSchedules lists enabled schedules whose next_run_at is at or before now.
func (d *DB) DueSchedules(ctx context.Context, now time.Time) ([]AutomationConfig, error) {
	var out []AutomationConfig
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM automation_configs WHERE enabled = TRUE AND next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at, site_id`), T(now))
	return out, err
}

// ScheduleOutcome is what the schedule job did with a due occurrence.
type ScheduleOutcome struct {
	SiteID  int64
	Due     time.Time // the next_run_at that was due (compare-and-set)
	Next    *time.Time
	At      time.Time
	Outcome string // started, skipped, missed
	Detail  string
}

// AdvanceSchedule records the outcome of a due occurrence and moves
// next_run_at on, only if next_run_at is still Due (so two instances never
// handle one occurrence twice). It reports whether this caller won.
func (d *DB) AdvanceSchedule(ctx context.Context, o ScheduleOutcome) (bool, error) {
	res, err := d.exec(ctx, d.q(`UPDATE automation_configs SET next_run_at = ?, last_scheduled_at = ?, last_scheduled_outcome = ?, last_scheduled_detail = ?
		WHERE site_id = ? AND next_run_at = ?`), NT(o.Next), T(o.At), o.Outcome, o.Detail, o.SiteID, T(o.Due))
	if err != nil {
		return false, fmt.Errorf("db: advance schedule: %w", err)
	}
	return touched(res)
}
