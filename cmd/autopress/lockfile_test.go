package main

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestLockFileIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "autopress.lock")
	first, err := acquireLockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acquireLockFile(path); !errors.Is(err, errInstanceRunning) {
		t.Fatalf("second lock: got %v, want errInstanceRunning", err)
	}
	if err := first.release(); err != nil {
		t.Fatal(err)
	}
	again, err := acquireLockFile(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	if err := again.release(); err != nil {
		t.Fatal(err)
	}
}
