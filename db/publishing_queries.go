package db

import (
	"context"
	"fmt"
	"time"
)

// QueuedSlots returns the slots of a site's queue (scheduled and publishing
// content), in time order: the times the slot planner must not hand out.
func (d *DB) QueuedSlots(ctx context.Context, siteID int64) ([]time.Time, error) {
	var out []time.Time
	err := d.SelectContext(ctx, &out, d.q(`SELECT scheduled_at FROM content
		WHERE site_id = ? AND status IN ('scheduled','publishing') AND scheduled_at IS NOT NULL ORDER BY scheduled_at`), siteID)
	if err != nil {
		return nil, fmt.Errorf("db: queued slots: %w", err)
	}
	return out, nil
}

// ContentTimeline lists a site's queue (scheduled and publishing content)
// and what was published from a slot at or after since, in slot order, at
// most limit rows.
func (d *DB) ContentTimeline(ctx context.Context, siteID int64, since time.Time, limit int) ([]Content, error) {
	var out []Content
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM content WHERE site_id = ? AND scheduled_at IS NOT NULL
		AND (status IN ('scheduled','publishing') OR (status = 'published' AND scheduled_at >= ?))
		ORDER BY scheduled_at, id LIMIT ?`), siteID, T(since), limit)
	if err != nil {
		return nil, fmt.Errorf("db: content timeline: %w", err)
	}
	return out, nil
}

// ContentImage loads one image of an article; an image of another article
// is ErrNotFound. The caller scopes the article to the account first.
func (d *DB) ContentImage(ctx context.Context, contentID, imageID int64) (Image, error) {
	var im Image
	err := d.GetContext(ctx, &im, d.q(`SELECT * FROM images WHERE id = ? AND content_id = ?`), imageID, contentID)
	return im, notFound(err)
}
