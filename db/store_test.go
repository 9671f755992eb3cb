package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func seedSite(t *testing.T, d *db.DB, email string) (db.User, db.Site) {
	t.Helper()
	ctx := context.Background()
	u, err := d.CreateAccountWithUser(ctx, "Acme", email, "hash", false, t0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Blog", URL: "https://example.com", Timezone: "Europe/Berlin"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return u, s
}

func TestSecondActiveRunRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u, s := seedSite(t, d, "a@example.com")
		first, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: db.RunRunning, CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		for _, status := range []string{db.RunRunning, db.RunPaused} {
			_, err = d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: status, CreatedAt: t0})
			var active *db.ActiveRunError
			if !errors.Is(err, db.ErrRunActive) || !errors.As(err, &active) || active.RunID != first.ID {
				t.Fatalf("second %s run: got %v, want ErrRunActive naming run %d", status, err, first.ID)
			}
		}
		// A finished run frees the site.
		if _, err := dbtest.Exec(ctx, d, d.Rebind(`UPDATE automation_runs SET status = 'completed' WHERE id = ?`), first.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: db.RunPaused, CreatedAt: t0}); err != nil {
			t.Fatalf("after completion: %v", err)
		}
		// Completed runs never block each other.
		if _, err := d.InsertRun(ctx, db.Run{SiteID: s.ID, AccountID: u.AccountID, TriggerType: "manual", Status: db.RunCompleted, CreatedAt: t0}); err != nil {
			t.Fatalf("completed run: %v", err)
		}
	})
}

func TestLedgerIdempotencyKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		u, _ := seedSite(t, d, "a@example.com")
		acc, _ := d.AccountByID(ctx, u.AccountID)
		if acc.Credits != db.SignupGrant {
			t.Fatalf("new account has %d credits, want %d", acc.Credits, db.SignupGrant)
		}
		applied, err := d.GrantCredits(ctx, u.AccountID, 500, "grant:1", "test", t0)
		if err != nil || !applied {
			t.Fatalf("first grant: %v %v", applied, err)
		}
		applied, err = d.GrantCredits(ctx, u.AccountID, 500, "grant:1", "test", t0)
		if err != nil || applied {
			t.Fatalf("repeated key: applied=%v err=%v, want a no-op", applied, err)
		}
		// The raw unique index rejects a duplicate key outright, too.
		_, err = dbtest.Exec(ctx, d, d.Rebind(`INSERT INTO credit_transactions (account_id, kind, amount, balance_after, idempotency_key, created_at) VALUES (?, 'grant', 1, 1, 'grant:1', ?)`), u.AccountID, t0)
		if err == nil {
			t.Fatal("duplicate idempotency key inserted")
		}
		acc, _ = d.AccountByID(ctx, u.AccountID)
		sum := dbtest.LedgerSum(t, d, u.AccountID)
		if acc.Credits != 10500 || sum != acc.Credits {
			t.Fatalf("balance %d, ledger sum %d, want 10500", acc.Credits, sum)
		}
	})
}

func TestSiteScopedByAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, s := seedSite(t, d, "a@example.com")
		other, _ := seedSite(t, d, "b@example.com")
		if _, err := d.GetSite(ctx, other.AccountID, s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("other account's site: %v, want ErrNotFound", err)
		}
		if err := d.UpdateSite(ctx, db.Site{ID: s.ID, AccountID: other.AccountID, Name: "x", URL: "x", Timezone: "UTC"}, t0); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("update other account's site: %v", err)
		}
	})
}

func TestImportKeywordsDedupesAndCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, s := seedSite(t, d, "a@example.com")
		var kws []db.NewKeyword
		for i := 0; i < 30; i++ {
			kws = append(kws, db.NewKeyword{Text: fmt.Sprintf("kw %d", i%20), Norm: fmt.Sprintf("kw %d", i%20)})
		}
		n, err := d.ImportKeywords(ctx, s.ID, kws, t0)
		if err != nil || n != 20 {
			t.Fatalf("import: %d %v, want 20", n, err)
		}
		pc, err := d.Pipeline(ctx, s.ID)
		if err != nil || pc.Keywords["new"] != 20 || pc.Content["draft"] != 0 {
			t.Fatalf("pipeline: %+v %v", pc, err)
		}
		first, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{Status: "new"}, nil, nil, 5)
		if err != nil || len(first.Rows) != 5 || first.HasPrev || !first.HasNext {
			t.Fatalf("first page: %+v %v", first, err)
		}
		key := first.Rows[4].Key()
		p, err := d.KeywordsPage(ctx, s.ID, db.KeywordFilter{Status: "new"}, &key, nil, 5)
		total, cerr := d.CountKeywords(ctx, s.ID, db.KeywordFilter{Status: "new"})
		if err != nil || cerr != nil || total != 20 || len(p.Rows) != 5 || p.Rows[0].Keyword != "kw 5" {
			t.Fatalf("page: %d %d %v %v", total, len(p.Rows), err, cerr)
		}
	})
}
