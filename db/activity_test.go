package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestContentActivity: approvals and publications fall in the 15-minute
// bucket of their time, earlier ones are left out.
func TestContentActivity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, site := seedSite(t, d, "ann@example.com")
		at := func(m int) *time.Time { v := t0.Add(time.Duration(m) * time.Minute); return &v }
		for _, m := range []int{-60, 1, 14, 16} {
			dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentApproved, ApprovedAt: at(m), Now: t0})
		}
		pub := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentScheduled, ApprovedAt: at(-120), Now: t0})
		if _, err := dbtest.Exec(ctx, d, (`UPDATE content SET status = 'published', published_at = ? WHERE id = ?`), db.T(t0.Add(44*time.Minute+59*time.Second)), pub.ID); err != nil {
			t.Fatal(err)
		}
		got, err := d.ContentActivity(ctx, site.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{
			"approved " + t0.Format(time.RFC3339):                      2,
			"approved " + t0.Add(15*time.Minute).Format(time.RFC3339):  1,
			"published " + t0.Add(30*time.Minute).Format(time.RFC3339): 1,
		}
		seen := map[string]int64{}
		for _, c := range got {
			seen[c.Kind+" "+c.At.Format(time.RFC3339)] += c.N
		}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("activity %v, want %v", seen, want)
		}
	})
}

// TestSpendActivity: net spend (charges less refunds) per bucket and AI
// function, and per run for the account's last runs only.
func TestSpendActivity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ann, site := seedSite(t, d, "ann@example.com")
		bob, _ := seedSite(t, d, "bob@example.com")
		var runs []int64
		for i := 0; i < 3; i++ {
			r, err := d.InsertRun(ctx, db.Run{SiteID: site.ID, AccountID: ann.AccountID, TriggerType: "manual", Status: db.RunCompleted,
				CreatedAt: t0.Add(time.Duration(i) * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, r.ID)
		}
		n := 0
		ledger := func(account int64, kind, op string, amount int64, run int64, at time.Time) {
			n++
			if _, err := dbtest.Exec(ctx, d, (`INSERT INTO credit_transactions (account_id, kind, amount, balance_after, operation, run_id, idempotency_key, created_at)
				VALUES (?, ?, ?, 0, ?, ?, ?, ?)`), account, kind, amount, op, run, fmt.Sprintf("k%d", n), db.T(at)); err != nil {
				t.Fatal(err)
			}
		}
		ledger(ann.AccountID, "charge", db.OpClustering, -5, runs[0], t0.Add(time.Minute))
		ledger(ann.AccountID, "charge", db.OpClustering, -5, runs[0], t0.Add(2*time.Minute))
		ledger(ann.AccountID, "refund", db.OpClustering, 5, runs[0], t0.Add(3*time.Minute))
		ledger(ann.AccountID, "charge", db.OpContentGeneration, -20, runs[1], t0.Add(time.Hour))
		ledger(ann.AccountID, "charge", db.OpContentGeneration, -20, runs[2], t0.Add(2*time.Hour))
		ledger(ann.AccountID, "grant", "", 100, 0, t0)
		ledger(bob.AccountID, "charge", db.OpClustering, -7, 0, t0.Add(time.Minute))
		got, err := d.SpendActivity(ctx, ann.AccountID, t0)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int64{}
		for _, c := range got {
			seen[c.Kind+" "+c.At.Format("15:04")] += c.N
		}
		want := map[string]int64{db.OpClustering + " 12:00": 5, db.OpContentGeneration + " 13:00": 20, db.OpContentGeneration + " 14:00": 20}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("spend %v, want %v", seen, want)
		}
		per, err := d.RecentRunSpend(ctx, ann.AccountID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(per) != 2 || per[0].RunID != runs[2] || per[1].RunID != runs[1] || per[0].Spent != 20 || per[0].SiteID != site.ID {
			t.Errorf("last two runs' spend %+v", per)
		}
	})
}

// TestSitePipeline: each stage's waiting, done and failed items, and the
// active run's calls in flight, counted in one statement.
func TestSitePipeline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ann, site := seedSite(t, d, "ann@example.com")
		for i, st := range []string{"new", "new", "clustered", "unclustered", "failed"} {
			if _, err := dbtest.Exec(ctx, d, (`INSERT INTO keywords (site_id, keyword, keyword_norm, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
				site.ID, fmt.Sprint("k", i), fmt.Sprint("k", i), st, t0, t0); err != nil {
				t.Fatal(err)
			}
		}
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentReview, Now: t0})
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentApproved, ApprovedAt: &t0, Now: t0})
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentDraft, Now: t0})
		dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Status: db.ContentFailed, Now: t0})
		run, err := d.InsertRun(ctx, db.Run{SiteID: site.ID, AccountID: ann.AccountID, TriggerType: "manual", Status: db.RunRunning, CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		for i, settled := range []bool{false, false, true} {
			if _, err := dbtest.Exec(ctx, d, (`INSERT INTO credit_transactions (account_id, kind, amount, balance_after, operation, run_id, stage, idempotency_key, settled, created_at)
				VALUES (?, 'charge', -1, 0, ?, ?, 4, ?, ?, ?)`), ann.AccountID, db.OpContentGeneration, run.ID, fmt.Sprint("h", i), settled, t0); err != nil {
				t.Fatal(err)
			}
		}
		got, err := d.SitePipeline(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		pending, _ := d.PendingCounts(ctx, site.ID)
		for st := 1; st <= 7; st++ {
			if got[st].Waiting != pending[st] {
				t.Errorf("stage %d waiting %d, PendingCounts %d", st, got[st].Waiting, pending[st])
			}
		}
		if c := got[1]; c.Waiting != 2 || c.Done != 2 || c.Failed != 1 {
			t.Errorf("keywords %+v", c)
		}
		if c := got[4]; c.InFlight != 2 {
			t.Errorf("writing in flight %+v, want the 2 unsettled charges", c)
		}
		if c := got[5]; c.Waiting != 1 || c.Failed != 1 || c.Done != 0 {
			t.Errorf("image prompts %+v", c)
		}
		if c := got[7]; c.Waiting != 1 || c.Done != 1 {
			t.Errorf("approval %+v", c)
		}
		results, err := d.StageResults(ctx, run.ID)
		if err != nil || len(results) != 7 || results[3].InFlight != 2 || results[0].InFlight != 0 {
			t.Errorf("the run's stage results in flight: %+v %v", results, err)
		}
	})
}
