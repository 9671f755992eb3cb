package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/auth"
)

func TestFirstStartWritesGeneratedPasswordOnce(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t, db.SQLite)
	cfg := Config{DataDir: t.TempDir()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	creds, err := firstStart(ctx, d, cfg, log, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if creds == nil || creds.Email != defaultAdminEmail || creds.Password == "" {
		t.Fatalf("credentials %+v", creds)
	}
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, initialPasswordFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(b)) != creds.Password {
		t.Errorf("file holds %q, want the generated password", b)
	}
	if st, _ := os.Stat(creds.File); st.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", st.Mode().Perm())
	}
	u, err := d.UserByEmail(ctx, defaultAdminEmail)
	if err != nil || !u.IsAdmin || !auth.CheckPassword(u.PasswordHash, creds.Password) {
		t.Fatalf("admin %+v, %v", u, err)
	}

	// A second start finds a user and leaves everything alone.
	os.Remove(creds.File)
	again, err := firstStart(ctx, d, cfg, log, time.Now())
	if err != nil || again != nil {
		t.Fatalf("second start: %+v, %v", again, err)
	}
	if _, err := os.Stat(creds.File); !os.IsNotExist(err) {
		t.Error("second start wrote a password file")
	}
}

func TestFirstStartWithConfiguredPasswordWritesNoFile(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t, db.SQLite)
	cfg := Config{DataDir: t.TempDir(), AdminEmail: "ops@example.com", AdminPassword: "configured-password"}
	creds, err := firstStart(ctx, d, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now())
	if err != nil || creds != nil {
		t.Fatalf("got %+v, %v; want no generated credentials", creds, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, initialPasswordFile)); !os.IsNotExist(err) {
		t.Error("a configured password must not be written to a file")
	}
	u, err := d.UserByEmail(ctx, "ops@example.com")
	if err != nil || !auth.CheckPassword(u.PasswordHash, "configured-password") {
		t.Fatalf("admin %+v, %v", u, err)
	}
}

// Two instances starting together on PostgreSQL: one sets up, the other
// waits for it and finds the admin; neither fails.
func TestFirstStartRaceOnPostgres(t *testing.T) {
	ctx := context.Background()
	d1, url := dbtest.NewWithURL(t, db.Postgres, true)
	d2, err := db.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d2.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	type result struct {
		creds *credentials
		err   error
	}
	results := make(chan result, 2)
	for _, d := range []*db.DB{d1, d2} {
		go func() {
			creds, err := firstStart(ctx, d, Config{DataDir: t.TempDir()}, log, time.Now())
			results <- result{creds, err}
		}()
	}
	generated := 0
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Errorf("first start: %v", r.err)
		}
		if r.creds != nil {
			generated++
		}
	}
	if generated != 1 {
		t.Errorf("%d instances generated an admin password, want 1", generated)
	}
	var users, sites int
	d1.GetContext(ctx, &users, `SELECT COUNT(*) FROM users`)
	d1.GetContext(ctx, &sites, `SELECT COUNT(*) FROM sites`)
	if users != 1 || sites != 1 {
		t.Errorf("%d users and %d sites, want 1 and 1", users, sites)
	}
}
