package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestAppSecretGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c1 := Config{DataDir: dir}
	if err := ensureAppSecret(&c1, log); err != nil {
		t.Fatal(err)
	}
	if len(c1.AppSecret) != 64 {
		t.Fatalf("secret %q: want 32 random bytes in hex", c1.AppSecret)
	}
	st, err := os.Stat(filepath.Join(dir, appSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("app_secret mode %v, want 0600", st.Mode().Perm())
	}
	c2 := Config{DataDir: dir}
	if err := ensureAppSecret(&c2, log); err != nil {
		t.Fatal(err)
	}
	if c2.AppSecret != c1.AppSecret {
		t.Error("a restart must read the same secret back")
	}
	c3 := Config{DataDir: dir, AppSecret: "from-env"}
	if err := ensureAppSecret(&c3, log); err != nil || c3.AppSecret != "from-env" {
		t.Errorf("APP_SECRET from the environment must win: %q, %v", c3.AppSecret, err)
	}
}
