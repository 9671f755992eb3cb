package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The process tests run the real binary as a separate process, to kill it
// with SIGKILL as a crash would.

var (
	buildOnce sync.Once
	binPath   string
	binDir    string
	buildErr  error
)

// serverBinary builds ./cmd/autopress once per test binary.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "autopress-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "autopress")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		_, file, _, _ := runtime.Caller(0)
		cmd := exec.Command("go", append(args, ".")...)
		cmd.Dir = filepath.Dir(file)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func removeBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// server is a running autopress process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *lockedBuffer
	done chan error
}

// processAppSecret is the APP_SECRET of the servers the process tests
// start, so they can seal settings beforehand.
const processAppSecret = "process-test-app-secret-0123456789"

// startServer starts the binary on dataDir (SQLite) on a free port and
// waits until it is healthy.
func startServer(t *testing.T, dataDir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{base: "http://" + addr, logs: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(serverBinary(t), "serve")
	s.cmd.Env = append(os.Environ(), "DATA_DIR="+dataDir, "LISTEN_ADDR="+addr, "APP_SECRET="+processAppSecret,
		"DATABASE_URL=", "LOG_FORMAT=text", "LOG_LEVEL=info", "AI_PROVIDER=local")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })
	waitHealthy(t, &http.Client{Timeout: 5 * time.Second}, s.base+"/healthz", s.done, s.logs)
	return s
}

// kill ends the process with SIGKILL: no shutdown, like a crash.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-s.done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the server did not die of SIGKILL: %v", err)
	}
	s.done <- err // for stop
}

// stop asks the process to shut down (SIGTERM) and waits.
func (s *server) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("the server did not stop within 60 s of SIGTERM:\n%s", s.logs)
	}
}

// waitUntil waits for cond, which reads what the server writes (a row, a
// post), failing after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// ctxT is a context for the test's own database reads.
func ctxT(t *testing.T) context.Context { return t.Context() }
