package dbtest

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"autopress/db"
)

// CheckItemCounts fails t unless a site's counters (what the pages read:
// db.Pipeline, db.SitePipeline, db.PendingCounts) equal what counting the
// site's rows gives.
func CheckItemCounts(t testing.TB, d *db.DB, siteID int64) {
	t.Helper()
	if err := ItemCountsMatch(context.Background(), d, siteID); err != nil {
		t.Error(err)
	}
}

// ItemCountsMatch is CheckItemCounts returning what differs.
func ItemCountsMatch(ctx context.Context, d *db.DB, siteID int64) error {
	pc, err := d.Pipeline(ctx, siteID)
	if err != nil {
		return err
	}
	for tbl, got := range map[string]db.StatusCounts{"keywords": pc.Keywords, "clusters": pc.Clusters, "ideas": pc.Ideas,
		"tasks": pc.Tasks, "content": pc.Content, "image_prompts": pc.ImagePrompts} {
		var rows []struct {
			Status string `db:"status"`
			N      int    `db:"n"`
		}
		if err := d.SelectContext(ctx, &rows, d.Rebind(`SELECT status, COUNT(*) AS n FROM `+tbl+` WHERE site_id = ? GROUP BY status`), siteID); err != nil {
			return err
		}
		want := db.StatusCounts{}
		for s, n := range got {
			if n == 0 {
				want[s] = 0 // every status is present in got
			}
		}
		for _, r := range rows {
			want[r.Status] = r.N
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("site %d: %s counted %v, rows %v", siteID, tbl, got, want)
		}
	}
	var images int
	if err := d.GetContext(ctx, &images, d.Rebind(`SELECT COUNT(*) FROM images WHERE site_id = ?`), siteID); err != nil {
		return err
	}
	if pc.Images != images {
		return fmt.Errorf("site %d: images counted %d, rows %d", siteID, pc.Images, images)
	}
	return stageCountsMatch(ctx, d, siteID)
}

func stageCountsMatch(ctx context.Context, d *db.DB, siteID int64) error {
	got, err := d.SitePipeline(ctx, siteID)
	if err != nil {
		return err
	}
	pending, err := d.PendingCounts(ctx, siteID)
	if err != nil {
		return err
	}
	sum := func(cond string) string {
		if cond == "" {
			return "0"
		}
		return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)"
	}
	for _, st := range db.Stages {
		var want db.StageCounts
		if err := d.GetContext(ctx, &want, d.Rebind(fmt.Sprintf(`SELECT %d AS stage, %s AS waiting, 0 AS in_flight, %s AS done, %s AS failed FROM %s WHERE site_id = ?`,
			st.Number, sum(st.Pending), sum(st.Done), sum(st.GaveUp), st.Table)), siteID); err != nil {
			return err
		}
		g := got[st.Number]
		g.InFlight = 0
		if g.Stage == 0 {
			g.Stage = st.Number
		}
		if g != want {
			return fmt.Errorf("site %d: stage %d counted %+v, rows %+v", siteID, st.Number, g, want)
		}
		if pending[st.Number] != want.Waiting {
			return fmt.Errorf("site %d: stage %d pending counted %d, rows %d", siteID, st.Number, pending[st.Number], want.Waiting)
		}
	}
	return nil
}
