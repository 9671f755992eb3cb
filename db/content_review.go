package db

import (
	"context"
	"fmt"
)

// ReviewQueue lists the ids of a site's articles in review, oldest first:
// the order a person reviews them in.
func (d *DB) ReviewQueue(ctx context.Context, siteID int64) ([]int64, error) {
	var ids []int64
	err := d.SelectContext(ctx, &ids, d.q(`SELECT id FROM content WHERE site_id = ? AND status = 'review' ORDER BY created_at, id`), siteID)
	if err != nil {
		return nil, fmt.Errorf("db: review queue: %w", err)
	}
	return ids, nil
}
