package db_test

import (
	"context"
	"errors"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
)

func TestMigrationsUpDownUp(t *testing.T) {
	for _, dialect := range dbtest.Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d, _ := dbtest.NewWithURL(t, dialect, false)
			if err := d.Migrate(ctx); err != nil {
				t.Fatal("up:", err)
			}
			dbtest.MigrateDownTo(t, d, 0)
			cur, _, err := d.SchemaVersions(ctx)
			if err != nil || cur != 0 {
				t.Fatalf("after down: version %d, %v", cur, err)
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal("up again:", err)
			}
			if err := d.CheckSchema(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := dbtest.Exec(ctx, d, d.Rebind("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)"), 99999, true); err != nil {
			t.Fatal(err)
		}
		if err := d.Migrate(ctx); !errors.Is(err, db.ErrSchemaTooNew) {
			t.Fatalf("Migrate on a newer schema: got %v, want ErrSchemaTooNew", err)
		}
		if err := d.CheckSchema(ctx); !errors.Is(err, db.ErrSchemaTooNew) {
			t.Fatalf("CheckSchema: got %v", err)
		}
	})
}
