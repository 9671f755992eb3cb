package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

var wpNow = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func newSite(t *testing.T, d *db.DB) db.Site {
	t.Helper()
	ctx := context.Background()
	u, err := d.CreateAccountWithUser(ctx, "Acme", "wp@example.com", "x", false, wpNow)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Coffee", URL: "https://coffee.example", Timezone: "UTC"}, wpNow)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWritingProfileSaveAndBounds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSite(t, d)
		p, err := d.GetWritingProfile(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := db.WritingProfile{SiteID: s.ID, Language: "en", Tone: "friendly", PointOfView: "second", MinWords: 600, MaxWords: 1200,
			Conclusion: true, MaxLinks: 3, UpdatedAt: p.UpdatedAt}
		if p != want {
			t.Fatalf("a new site's profile\n%+v\nwant\n%+v", p, want)
		}
		p.Language, p.Audience, p.BrandVoice, p.MinWords, p.MaxWords, p.FAQ, p.MaxLinks = "pt-BR", "Leitores", "Linha 1\nLinha 2", 300, 400, true, 0
		later := wpNow.Add(time.Hour)
		if err := d.SaveWritingProfile(ctx, p, later); err != nil {
			t.Fatal(err)
		}
		got, _ := d.GetWritingProfile(ctx, s.ID)
		p.UpdatedAt = later
		if !got.UpdatedAt.Equal(later) {
			t.Errorf("updated_at %v", got.UpdatedAt)
		}
		got.UpdatedAt = later
		if got != p {
			t.Errorf("saved\n%+v\nwant\n%+v", got, p)
		}
		// The database refuses what validation should have stopped.
		for _, bad := range []func(w *db.WritingProfile){
			func(w *db.WritingProfile) { w.MinWords, w.MaxWords = 1000, 1050 },
			func(w *db.WritingProfile) { w.MinWords = 100 },
			func(w *db.WritingProfile) { w.MaxWords = 6000 },
			func(w *db.WritingProfile) { w.MaxLinks = 11 },
		} {
			w := got
			bad(&w)
			if err := d.SaveWritingProfile(ctx, w, later); err == nil {
				t.Errorf("saved an out-of-bounds profile %+v", w)
			}
		}
		if err := d.SaveWritingProfile(ctx, db.WritingProfile{SiteID: 999999, Language: "en", MinWords: 600, MaxWords: 1200}, later); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown site: %v", err)
		}
	})
}

// Sites that exist when migration 00002 runs get the default profile; its
// Down puts the unit label back.
func TestWritingProfileMigration(t *testing.T) {
	for _, dialect := range dbtest.Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d, _ := dbtest.NewWithURL(t, dialect, false)
			p, err := d.MigrationProvider()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 1); err != nil {
				t.Fatal(err)
			}
			var accountID, siteID int64
			if err := dbtest.Get(ctx, d, &accountID, (`INSERT INTO accounts (name, created_at) VALUES ('Old', ?) RETURNING id`), wpNow); err != nil {
				t.Fatal(err)
			}
			if err := dbtest.Get(ctx, d, &siteID, (`INSERT INTO sites (account_id, name, url, created_at, updated_at) VALUES (?, 'Old site', 'https://old.example', ?, ?) RETURNING id`),
				accountID, wpNow, wpNow); err != nil {
				t.Fatal(err)
			}
			if err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			w, err := d.GetWritingProfile(ctx, siteID)
			if err != nil || w.Language != "en" || w.MinWords != 600 || w.MaxWords != 1200 || !w.Conclusion || w.UpdatedAt.IsZero() {
				t.Fatalf("profile of an existing site: %+v, %v", w, err)
			}
			unit := func() string {
				var u string
				if err := d.GetContext(ctx, &u, `SELECT unit FROM credit_costs WHERE operation = 'content_generation'`); err != nil {
					t.Fatal(err)
				}
				return u
			}
			if u := unit(); u != "article of up to 1,500 words" {
				t.Errorf("unit after up: %q", u)
			}
			dbtest.MigrateDownTo(t, d, 1)
			if u := unit(); u != "article" {
				t.Errorf("unit after down: %q", u)
			}
		})
	}
}
