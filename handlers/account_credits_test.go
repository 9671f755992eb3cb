package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/handlertest"
)

func TestAccountCreditsLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		bob := app.NewUser(t, "bob@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)

		if !c.Get(t, "/account").Has("credits-link") {
			t.Fatal("the account page does not link the ledger")
		}
		page := c.Get(t, "/account/credits")
		if page.Status != http.StatusOK || page.TestID(t, "balance") != "10,000" || len(page.TestIDs("ledger-row")) != 1 ||
			page.TestID(t, "ledger-kind") != "grant" || page.TestID(t, "ledger-amount") != "+10,000" || page.TestID(t, "ledger-note") != "Welcome grant" {
			t.Fatalf("new account's ledger: %d\n%s", page.Status, page.Body)
		}
		if page.Has("page-info") {
			t.Error("one page needs no pager")
		}

		// A charge of a run shows its operation, site and run.
		r, err := app.Deps.Runs.Start(ctx, site, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.ClaimRun(ctx, r.ID, "test-owner", app.Clock.Now(), time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, err := d.TakeHold(ctx, db.Hold{AccountID: ann.AccountID, SiteID: site.ID, RunID: r.ID, Owner: "test-owner", Stage: 4,
			ItemID: 7, Operation: "content_generation", Amount: 20, Now: app.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		page = c.Get(t, "/account/credits")
		if page.TestID(t, "balance") != "9,980" || page.TestID(t, "ledger-kind") != "charge" || page.TestID(t, "ledger-amount") != "−20" ||
			page.TestID(t, "ledger-balance") != "9,980" || page.TestID(t, "ledger-run") != fmt.Sprintf("#%d", r.ID) {
			t.Fatalf("charge row:\n%s", page.Body)
		}
		for _, want := range []string{fmt.Sprintf(`href="/runs/%d"`, r.ID), fmt.Sprintf(`href="/sites/%d"`, site.ID), "Content generation"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("charge row lacks %s", want)
			}
		}

		// 60 more grants: 62 entries, 50 a page, newest first.
		for i := 1; i <= 60; i++ {
			app.Clock.Advance(time.Minute)
			if _, err := d.GrantCredits(ctx, ann.AccountID, 1, fmt.Sprintf("test:%d", i), fmt.Sprintf("grant %d", i), app.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		page = c.Get(t, "/account/credits")
		notes := page.TestIDs("ledger-note")
		if len(notes) != 50 || notes[0] != "grant 60" || notes[49] != "grant 11" || page.TestID(t, "page-info") != "Page 1 of 2 · 62 entries" {
			t.Fatalf("page 1: %d rows, first %q last %q, %q", len(notes), notes[0], notes[len(notes)-1], page.TestID(t, "page-info"))
		}
		if page.TestID(t, "balance") != "10,040" || page.TestIDs("ledger-balance")[0] != "10,040" || page.Has("page-prev") || !page.Has("page-next") {
			t.Fatalf("page 1 balance/pager:\n%s", page.Body)
		}
		page = c.Get(t, "/account/credits?page=2")
		notes = page.TestIDs("ledger-note")
		if len(notes) != 12 || notes[0] != "grant 10" || notes[11] != "Welcome grant" || !page.Has("page-prev") || page.Has("page-next") {
			t.Fatalf("page 2: %v", notes)
		}
		// Past the end: the last page.
		if got := c.Get(t, "/account/credits?page=99").TestID(t, "page-info"); got != "Page 2 of 2 · 62 entries" {
			t.Errorf("page 99: %q", got)
		}
		if sum := dbtest.LedgerSum(t, d, ann.AccountID); sum != 10040 {
			t.Errorf("ledger sums to %d, balance 10040", sum)
		}

		// Another account sees only its own ledger.
		cb := app.Client(t)
		cb.Login(t, bob.Email, handlertest.Password)
		if got := cb.Get(t, "/account/credits").TestIDs("ledger-row"); len(got) != 1 {
			t.Fatalf("bob sees %d rows", len(got))
		}

		// An empty ledger says so.
		if _, err := dbtest.Exec(ctx, d, d.Rebind(`DELETE FROM credit_transactions WHERE account_id = ?`), bob.AccountID); err != nil {
			t.Fatal(err)
		}
		if !cb.Get(t, "/account/credits").Has("ledger-empty") {
			t.Error("no empty state")
		}
	})
}

// TestCreditSummary: the credits page sums what the account spent lately
// and charts it per day (in the user's zone) and per run, from the ledger.
func TestCreditSummary(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := handlertest.New(t, d)
		ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
		bob := app.NewUser(t, "bob@example.com", handlertest.Password, false)
		site := app.NewSite(t, ann, "Coffee")
		importDemo(t, app, site)
		c := app.Client(t)
		c.Login(t, ann.Email, handlertest.Password)
		if page := c.Get(t, "/account/credits"); !page.Has("spend-empty") || page.Has("credits-per-day") {
			t.Fatalf("nothing spent yet:\n%s", page.Body)
		}
		run, err := app.Deps.Runs.Start(ctx, site, ann.Email)
		if err != nil {
			t.Fatal(err)
		}
		app.ExecuteRun(t, run.ID)
		got, _ := d.GetRun(ctx, ann.AccountID, run.ID)
		var net int64
		if err := d.GetContext(ctx, &net, d.Rebind(`SELECT -SUM(amount) FROM credit_transactions WHERE account_id = ? AND kind IN ('charge','refund')`), ann.AccountID); err != nil {
			t.Fatal(err)
		}
		page := c.Get(t, "/account/credits")
		want := fmt.Sprintf("%d", net)
		if net == 0 || net != got.CreditsUsed || strings.ReplaceAll(page.TestID(t, "spent-days"), ",", "") != want {
			t.Fatalf("spent %q, ledger %d, run %d", page.TestID(t, "spent-days"), net, got.CreditsUsed)
		}
		if s := page.TestID(t, "spend-sentence"); !strings.HasSuffix(s, "credits spent in the last 30 days, most of them on Content generation.") {
			t.Errorf("sentence %q", s)
		}
		// Today is the chart's last day; its total column sums the functions.
		last := fmt.Sprintf("credits-per-day-cell-29-%d", len(db.Operations))
		if got := strings.ReplaceAll(page.TestID(t, last), ",", ""); got != want {
			t.Errorf("today's total %q, want %s", got, want)
		}
		if got := strings.ReplaceAll(page.TestID(t, fmt.Sprintf("credits-per-run-cell-0-%d", len(db.Operations))), ",", ""); got != want {
			t.Errorf("run #%d's total %q, want %s", run.ID, got, want)
		}
		if label, _ := page.Attr("credits-per-day-picture", "aria-label"); !strings.Contains(label, "credits in all") {
			t.Errorf("the chart's text alternative %q", label)
		}
		// The ledger stays below, paged.
		if !page.Has("ledger") || !page.Has("page-info") {
			t.Error("the ledger and its pager are gone")
		}
		// Another account's spend is not in it.
		cb := app.Client(t)
		cb.Login(t, bob.Email, handlertest.Password)
		if page := cb.Get(t, "/account/credits"); !page.Has("spend-empty") {
			t.Error("another account sees spend")
		}
	})
}
