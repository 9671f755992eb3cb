package db

import (
	"context"
	"fmt"
)

// KeywordCountsBySite counts the keywords of each of an account's sites
// (sites without keywords are absent from the map).
func (d *DB) KeywordCountsBySite(ctx context.Context, accountID int64) (map[int64]int, error) {
	var rows []struct {
		SiteID int64 `db:"site_id"`
		N      int   `db:"n"`
	}
	err := d.SelectContext(ctx, &rows, d.q(`SELECT k.site_id, COUNT(*) AS n FROM keywords k
		JOIN sites s ON s.id = k.site_id WHERE s.account_id = ? GROUP BY k.site_id`), accountID)
	if err != nil {
		return nil, fmt.Errorf("db: keyword counts by site: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.SiteID] = r.N
	}
	return out, nil
}
