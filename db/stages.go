package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// MaxItemAttempts is how many failed attempts (across runs) make an item
// failed for good.
const MaxItemAttempts = 3

// Stage is what the database knows of one pipeline stage: where its
// pending items wait, what an item that fails for good becomes, what its AI
// calls are charged as, and which automation_configs columns switch it on
// and cap it per run. jobs/automation adds behaviour and words to each row.
//
// Adding a stage is one row here (plus its columns in a migration and in
// AutomationConfig) and one row in jobs/automation's table.
type Stage struct {
	Number int
	// Table holds the stage's pending items; Pending is the SQL condition
	// of a pending item in it.
	Table   string
	Pending string
	// Failed is the status of an item that failed MaxItemAttempts times ("":
	// its items cannot fail, only the database can). Items of stages that
	// can fail count attempts (attempts, last_error, last_attempt_run_id).
	Failed string
	// Done is the SQL condition of an item the stage has finished with, and
	// GaveUp that of an item it failed for good ("": none can fail): what
	// the pipeline picture counts as done and failed.
	Done   string
	GaveUp string
	// Operation is the credit operation its AI calls are charged as ("":
	// the stage is free and calls no AI).
	Operation string
	// ToggleColumn and LimitColumn are the automation_configs columns of its
	// switch and its per-run item limit (also the API's and forms' field
	// names).
	ToggleColumn string
	LimitColumn  string

	toggle func(*AutomationConfig) *bool
	limit  func(*AutomationConfig) *int
	// failedForGood runs in the failure's transaction when an item becomes
	// Failed (an image that failed for good still finishes its article).
	failedForGood func(ctx context.Context, d *DB, tx *sqlx.Tx, id int64, now time.Time) error
}

// Stages is the pipeline, in order; Stages[i].Number is i+1.
var Stages = []Stage{
	{Number: 1, Table: "keywords", Pending: "status = 'new'", Failed: KeywordFailed, Operation: OpClustering,
		Done: "status IN ('clustered','unclustered')", GaveUp: "status = 'failed'",
		ToggleColumn: "stage1_enabled", LimitColumn: "max_keywords_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage1Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxKeywordsPerRun }},
	{Number: 2, Table: "clusters", Pending: "status = 'new'", Failed: ClusterFailed, Operation: OpIdeaGeneration,
		Done: "status = 'ideas_generated'", GaveUp: "status = 'failed'",
		ToggleColumn: "stage2_enabled", LimitColumn: "max_clusters_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage2Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxClustersPerRun }},
	{Number: 3, Table: "ideas", Pending: "status = 'new'", Done: "status = 'queued'",
		ToggleColumn: "stage3_enabled", LimitColumn: "max_ideas_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage3Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxIdeasPerRun }},
	{Number: 4, Table: "tasks", Pending: "status = 'queued'", Failed: TaskFailed, Operation: OpContentGeneration,
		Done: "status = 'done'", GaveUp: "status = 'failed'",
		ToggleColumn: "stage4_enabled", LimitColumn: "max_tasks_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage4Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxTasksPerRun }},
	{Number: 5, Table: "content", Pending: "status = 'draft' AND prompts_extracted_at IS NULL", Failed: ContentFailed, Operation: OpImagePromptExtraction,
		// A failed article whose prompts were extracted failed later, at publishing.
		Done: "prompts_extracted_at IS NOT NULL", GaveUp: "status = 'failed' AND prompts_extracted_at IS NULL",
		ToggleColumn: "stage5_enabled", LimitColumn: "max_content_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage5Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxContentPerRun }},
	{Number: 6, Table: "image_prompts", Pending: "status = 'pending'", Failed: PromptFailed, Operation: OpImageGeneration,
		Done: "status = 'done'", GaveUp: "status = 'failed'",
		ToggleColumn: "stage6_enabled", LimitColumn: "max_images_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage6Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxImagesPerRun },
		failedForGood: promptFailedForGood},
	{Number: 7, Table: "content", Pending: "status = 'review'", Done: "approved_at IS NOT NULL AND status <> 'rejected'",
		ToggleColumn: "stage7_enabled", LimitColumn: "max_approvals_per_run",
		toggle: func(c *AutomationConfig) *bool { return &c.Stage7Enabled }, limit: func(c *AutomationConfig) *int { return &c.MaxApprovalsPerRun }},
}

// StageNumbered returns the stage with that number.
func StageNumbered(n int) (Stage, bool) {
	if n < 1 || n > len(Stages) {
		return Stage{}, false
	}
	return Stages[n-1], true
}

// afterLastStage is a finished run's current_stage: one past the last.
func afterLastStage() int { return len(Stages) + 1 }

func stage(n int) Stage {
	s, ok := StageNumbered(n)
	if !ok {
		panic(fmt.Sprintf("db: no stage %d", n))
	}
	return s
}

// Enabled reads the stage's switch in c (a stage without one always runs).
func (s Stage) Enabled(c AutomationConfig) bool { return s.toggle == nil || *s.toggle(&c) }

// Limit reads the stage's per-run item limit in c (0 = unlimited; a stage
// without a limit column has none).
func (s Stage) Limit(c AutomationConfig) int {
	if s.limit == nil {
		return 0
	}
	return *s.limit(&c)
}

// Set writes the stage's switch and limit in c (where it has them).
func (s Stage) Set(c *AutomationConfig, enabled bool, limit int) {
	if s.toggle != nil {
		*s.toggle(c) = enabled
	}
	if s.limit != nil {
		*s.limit(c) = limit
	}
}

// PendingCounts counts each stage's pending items for a site, indexed by
// stage number (index 0 is unused): SitePipeline's waiting items.
func (d *DB) PendingCounts(ctx context.Context, siteID int64) ([]int, error) {
	counts, err := d.stageCounts(ctx, siteID, false)
	out := make([]int, len(counts))
	for i, c := range counts {
		out[i] = c.Waiting
	}
	return out, err
}

// StageCounts is what the pipeline picture shows of one stage of a site:
// the items waiting in front of it, the AI calls of the site's active run
// in flight in it, and the items it finished and failed for good.
type StageCounts struct {
	Stage    int `db:"stage"`
	Waiting  int `db:"waiting"`
	InFlight int `db:"in_flight"`
	Done     int `db:"done"`
	Failed   int `db:"failed"`
}

// SitePipeline counts, in one statement, each stage's items of a site (see
// StageCounts), indexed by stage number (index 0 is unused); in flight are
// the unsettled charges (AI calls under way) of the site's active run.
func (d *DB) SitePipeline(ctx context.Context, siteID int64) ([]StageCounts, error) {
	return d.stageCounts(ctx, siteID, true)
}

// stageCounts counts each stage's waiting, done and failed items of a site
// from its counters, whatever the number of its items, and with inFlight
// the AI calls of its active run.
func (d *DB) stageCounts(ctx context.Context, siteID int64, inFlight bool) ([]StageCounts, error) {
	out := make([]StageCounts, len(Stages)+1)
	var parts []string
	var args []any
	for _, st := range Stages {
		parts = append(parts, fmt.Sprintf("SELECT %d AS stage, %s AS waiting, 0 AS in_flight, %s AS done, %s AS failed FROM %s",
			st.Number, sumWhere(st.Pending), sumWhere(st.Done), sumWhere(st.GaveUp), countsTable))
		args = append(args, siteID, st.Table)
	}
	if inFlight {
		parts = append(parts, `SELECT stage, 0, COUNT(*), 0, 0 FROM credit_transactions
		WHERE run_id = (SELECT id FROM automation_runs WHERE site_id = ? AND status IN ('running','paused')) AND kind = 'charge' AND settled = FALSE
		GROUP BY stage`)
		args = append(args, siteID)
	}
	rows := []StageCounts{}
	if err := d.SelectContext(ctx, &rows, d.q(strings.Join(parts, " UNION ALL ")), args...); err != nil {
		return out, fmt.Errorf("db: stage counts: %w", err)
	}
	for _, r := range rows {
		if r.Stage < 1 || r.Stage >= len(out) {
			continue
		}
		c := &out[r.Stage]
		c.Stage = r.Stage
		c.Waiting += r.Waiting
		c.InFlight += r.InFlight
		c.Done += r.Done
		c.Failed += r.Failed
	}
	return out, nil
}

func (d *DB) pendingWhere(st Stage, siteID, runID int64) (string, []any) {
	where, args := "site_id = ? AND "+st.Pending, []any{siteID}
	if st.Failed != "" && runID > 0 {
		// An item that already failed in this run waits for the next run.
		where += " AND (last_attempt_run_id IS NULL OR last_attempt_run_id <> ?)"
		args = append(args, runID)
	}
	return where, args
}

// CountPending counts a stage's items that this run may still take.
func (d *DB) CountPending(ctx context.Context, stageNo int, siteID, runID int64) (int, error) {
	st := stage(stageNo)
	where, args := d.pendingWhere(st, siteID, runID)
	var n int
	err := d.GetContext(ctx, &n, d.q(`SELECT COUNT(*) FROM `+st.Table+` WHERE `+where), args...)
	return n, err
}

// PendingKey is a pending item's place in its stage's order (oldest first:
// created_at, then id).
type PendingKey struct {
	ID        int64     `db:"id"`
	CreatedAt time.Time `db:"created_at"`
}

// PendingPage returns up to limit of a stage's pending items, oldest first,
// after the place after (nil: from the oldest): a stage's picker pages
// past the items it has already taken with an index range, whatever their
// number, rather than reading them again.
func (d *DB) PendingPage(ctx context.Context, stageNo int, siteID, runID int64, after *PendingKey, limit int) ([]PendingKey, error) {
	st := stage(stageNo)
	where, args := d.pendingWhere(st, siteID, runID)
	if after != nil {
		where += " AND (created_at, id) > (?, ?)"
		args = append(args, T(after.CreatedAt), after.ID)
	}
	var keys []PendingKey
	err := d.SelectContext(ctx, &keys, d.q(`SELECT id, created_at FROM `+st.Table+` WHERE `+where+` ORDER BY created_at, id LIMIT ?`), append(args, limit)...)
	return keys, err
}
