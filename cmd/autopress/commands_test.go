package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers/auth"
)

// runCLI runs a command line against a SQLite database in a temp data dir.
func runCLI(t *testing.T, dataDir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := env(map[string]string{"DATA_DIR": dataDir, "LOG_LEVEL": "warn"})
	code = runMain(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func openTestDB(t *testing.T, dataDir string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), "", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestVersionAndUsage(t *testing.T) {
	dir := t.TempDir()
	if code, out, _ := runCLI(t, dir, "", "version"); code != 0 || !strings.HasPrefix(out, "autopress ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, dir, "", "help"); code != 0 || !strings.Contains(out, "create-token") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, dir, "", "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, dir, "", "create-admin"); code != 2 || !strings.Contains(errOut, "--email is required") {
		t.Errorf("create-admin without email: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, dir, "", "create-token", "--bogus"); code != 2 || !strings.Contains(errOut, "Usage: autopress create-token") {
		t.Errorf("bad flag: %d %q", code, errOut)
	}
	if code, _, _ := runCLI(t, dir, "", "migrate", "sideways"); code != 2 {
		t.Errorf("migrate sideways: %d", code)
	}
}

func TestMigrateAndStatus(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, dir, "", "migrate", "status")
	if code != 0 || !strings.Contains(out, "schema:        0") || !strings.Contains(out, "pending") {
		t.Fatalf("status before: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, dir, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, dir, "", "migrate", "status"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("status after: %d %q", code, out)
	}
}

func TestCreateAdminAndToken(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, dir, "", "create-admin", "--email", "Boss@Example.com")
	if code != 0 {
		t.Fatalf("create-admin: %d %q", code, errOut)
	}
	var password string
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(line, "password: "); ok {
			password = p
		}
	}
	if password == "" {
		t.Fatalf("no generated password printed: %q", out)
	}
	d := openTestDB(t, dir)
	u, err := d.UserByEmail(context.Background(), "boss@example.com")
	if err != nil || !u.IsAdmin || !auth.CheckPassword(u.PasswordHash, password) {
		t.Fatalf("admin %+v, %v: not an admin with the printed password", u, err)
	}

	if code, _, errOut := runCLI(t, dir, "", "create-admin", "--email", "boss@example.com", "--password", "another-password"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate admin: %d %q", code, errOut)
	}
	if code, out, errOut := runCLI(t, dir, "typed-password-123\n", "create-admin", "--email", "second@example.com", "--password", "-"); code != 0 || strings.Contains(out, "password:") {
		t.Errorf("password from stdin: %d %q %q", code, out, errOut)
	}
	u2, err := d.UserByEmail(context.Background(), "second@example.com")
	if err != nil || !auth.CheckPassword(u2.PasswordHash, "typed-password-123") {
		t.Errorf("stdin password not stored: %v", err)
	}

	code, out, errOut = runCLI(t, dir, "", "create-token", "--email", "boss@example.com", "--name", "deploy script")
	if code != 0 {
		t.Fatalf("create-token: %d %q", code, errOut)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, auth.TokenPrefix) || strings.Contains(token, "\n") {
		t.Fatalf("stdout must be the token alone, got %q", out)
	}
	tu, err := d.TokenUser(context.Background(), auth.HashToken(token), u.CreatedAt)
	if err != nil || tu.ID != u.ID {
		t.Fatalf("token resolves to %+v, %v; want user %d", tu, err, u.ID)
	}
	if code, _, errOut := runCLI(t, dir, "", "create-token", "--email", "ghost@example.com", "--name", "x"); code != 1 || !strings.Contains(errOut, "no user with email ghost@example.com") {
		t.Errorf("token for unknown user: %d %q", code, errOut)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, dir, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %d %q", code, errOut)
	}
	d := openTestDB(t, dir)
	if _, err := dbtest.Exec(context.Background(), d, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)", 99999, true); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, dir, "", "serve")
	if code != 1 || !strings.Contains(errOut, "newer than this binary") || !strings.Contains(errOut, "restore the backup") {
		t.Fatalf("serve on a newer schema: exit %d, %q", code, errOut)
	}
	if code, out, _ := runCLI(t, dir, "", "migrate", "status"); code != 0 || !strings.Contains(out, "newer than this binary") {
		t.Errorf("migrate status: %d %q", code, out)
	}
}
