package db

import (
	"context"
	"fmt"
	"time"
)

// Queries of the automation pages and API (run lists, run logs, estimates).

// ListRunsPage returns one page of a site's runs, newest first, and the
// site's total number of runs.
func (d *DB) ListRunsPage(ctx context.Context, siteID int64, limit, offset int) ([]Run, int, error) {
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`), siteID); err != nil {
		return nil, 0, fmt.Errorf("db: count runs: %w", err)
	}
	var out []Run
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM automation_runs WHERE site_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`),
		siteID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("db: list runs: %w", err)
	}
	return out, total, nil
}

// LastEvents returns the last limit events of a run's log, oldest first,
// and how many events the log holds in all.
func (d *DB) LastEvents(ctx context.Context, runID int64, limit int) ([]Event, int, error) {
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM run_events WHERE run_id = ?`), runID); err != nil {
		return nil, 0, fmt.Errorf("db: count run events: %w", err)
	}
	var out []Event
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM (SELECT * FROM run_events WHERE run_id = ? ORDER BY id DESC LIMIT ?) last ORDER BY id`),
		runID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("db: last run events: %w", err)
	}
	return out, total, nil
}

// ArticlesAwaitingImages counts a site's drafts whose image prompts were
// extracted and whose images are not all done yet: stage 6 moves each to
// review when its last image finishes.
func (d *DB) ArticlesAwaitingImages(ctx context.Context, siteID int64) (int, error) {
	var n int
	err := d.GetContext(ctx, &n, d.q(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'draft'
		AND prompts_extracted_at IS NOT NULL AND images_pending > 0`), siteID)
	if err != nil {
		return 0, fmt.Errorf("db: articles awaiting images: %w", err)
	}
	return n, nil
}

// TakenSlots lists the publishing slots a site's queue already holds
// (scheduled and publishing content).
func (d *DB) TakenSlots(ctx context.Context, siteID int64) ([]time.Time, error) {
	var out []time.Time
	err := d.SelectContext(ctx, &out, d.q(`SELECT scheduled_at FROM content WHERE site_id = ? AND status IN ('scheduled','publishing')
		AND scheduled_at IS NOT NULL ORDER BY scheduled_at`), siteID)
	if err != nil {
		return nil, fmt.Errorf("db: taken slots: %w", err)
	}
	return out, nil
}
