package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"autopress/db"
	"autopress/db/dbtest"
)

// TestKeptStatements runs what could go wrong with statements kept per
// connection, on one connection so every statement meets the kept ones.
func TestKeptStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		d.OneConnection()
		seedSite(t, d, "kept@example.com")
		seedSite(t, d, "kept2@example.com")

		t.Run("a query asked for again while its rows are open gets a statement of its own", func(t *testing.T) {
			if d.Dialect == db.Postgres {
				t.Skip("lib/pq runs nothing else on a connection while a query's rows are open")
			}
			err := d.InTx(ctx, func(tx *sqlx.Tx) error {
				q := d.Rebind(`SELECT id FROM sites WHERE id > ? ORDER BY id`)
				outer, err := tx.QueryxContext(ctx, q, 0)
				if err != nil {
					return err
				}
				defer outer.Close()
				n := 0
				for outer.Next() {
					var id int64
					if err := outer.Scan(&id); err != nil {
						return err
					}
					var inner []int64
					if err := tx.SelectContext(ctx, &inner, q, 0); err != nil {
						return err
					}
					if len(inner) != 2 {
						return fmt.Errorf("inner query: %d rows, want 2", len(inner))
					}
					n++
				}
				if n != 2 {
					return fmt.Errorf("outer query: %d rows, want 2 (its statement was reused under it)", n)
				}
				return outer.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("more queries than are kept", func(t *testing.T) {
			for round := range 2 {
				for i := range 300 {
					var got int
					if err := d.GetContext(ctx, &got, d.Rebind(fmt.Sprintf(`SELECT %d + ?`, i)), 1); err != nil {
						t.Fatalf("round %d, query %d: %v", round, i, err)
					}
					if got != i+1 {
						t.Fatalf("round %d, query %d: %d, want %d", round, i, got, i+1)
					}
				}
			}
		})

		t.Run("a table's columns change under a kept statement", func(t *testing.T) {
			q := d.Rebind(`SELECT * FROM sites WHERE id > ? ORDER BY id LIMIT 1`)
			cols := func() int {
				rows, err := d.QueryxForTest(ctx, q, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				c, err := rows.Columns()
				if err != nil {
					t.Fatal(err)
				}
				return len(c)
			}
			before := cols()
			if _, err := dbtest.Exec(ctx, d, `ALTER TABLE sites ADD COLUMN kept_test INTEGER`); err != nil {
				t.Fatal(err)
			}
			if after := cols(); after != before+1 {
				t.Fatalf("%d columns after adding one to %d", after, before)
			}
		})
	})
}
