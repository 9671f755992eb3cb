package db_test

import (
	"context"
	"errors"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

// SaveCreditCosts saves all or nothing.
func TestSaveCreditCostsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		before, err := d.CreditCosts(ctx)
		if err != nil || len(before) != 5 {
			t.Fatalf("costs %v %v", before, err)
		}
		edited := append([]db.CreditCost(nil), before...)
		edited[0].CreditsPerUnit, edited[0].DefaultShareBP = 7, 2000
		edited[2].DefaultShareBP = 3500
		bad := append(append([]db.CreditCost(nil), edited...), db.CreditCost{Operation: "nope", Unit: "x"})
		if err := d.SaveCreditCosts(ctx, bad, t0); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown operation: %v, want ErrNotFound", err)
		}
		if got, _ := d.CreditCosts(ctx); got[0].CreditsPerUnit != before[0].CreditsPerUnit {
			t.Fatal("a refused save changed a cost")
		}
		if err := d.SaveCreditCosts(ctx, edited, t0); err != nil {
			t.Fatal(err)
		}
		got, _ := d.CreditCosts(ctx)
		shares := db.DefaultShares(got)
		if got[0].CreditsPerUnit != 7 || shares["clustering"] != 2000 || shares["content_generation"] != 3500 || !got[0].UpdatedAt.Equal(t0) {
			t.Fatalf("saved %+v", got)
		}
	})
}
