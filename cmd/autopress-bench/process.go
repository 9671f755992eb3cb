package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"autopress/db/dbtest"
)

// adminEmail and adminPassword are the first admin of every server the
// benchmark starts; its API token drives the server.
const (
	adminEmail    = "bench@example.com"
	adminPassword = "bench-password-1"
)

// serverOptions configure one autopress process.
type serverOptions struct {
	// Postgres selects a fresh PostgreSQL database (else SQLite).
	Postgres bool
	// Env adds variables (AI_PROVIDER, OPENAI_BASE_URL, …).
	Env map[string]string
	// Pprof serves the server's profiles on a metrics listener of its own
	// (cpuProfile).
	Pprof bool
}

// server is a running autopress process with an API token.
type server struct {
	cmd     *exec.Cmd
	bin     string
	url     string
	token   string
	dataDir string
	dbURL   string
	// metricsURL is the metrics listener's (with serverOptions.Pprof).
	metricsURL string
	env        []string
	drop       func()
	exited     chan error
	stopped    bool
	// rss is the process's peak resident set, read as it stops.
	rss  int64
	http *http.Client
	// SiteID is the demo site every first start creates.
	SiteID int64
}

// startServer starts the binary on a free port with a fresh data
// directory and database, waits until it answers /readyz, and creates an
// API token for its first admin.
func (b *bench) startServer(ctx context.Context, o serverOptions) (*server, error) {
	dir, err := os.MkdirTemp(b.tmp, "server-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{url: "http://127.0.0.1:" + strconv.Itoa(port), dataDir: dir,
		http: &http.Client{Timeout: time.Minute}, drop: func() {}}
	env := map[string]string{
		"DATA_DIR": dir, "LISTEN_ADDR": "127.0.0.1:" + strconv.Itoa(port), "ADMIN_EMAIL": adminEmail,
		"ADMIN_PASSWORD": adminPassword, "LOG_LEVEL": "warn", "APP_SECRET": strings.Repeat("ab", 32),
	}
	if o.Pprof {
		mport, err := freePort()
		if err != nil {
			return nil, err
		}
		s.metricsURL = "http://127.0.0.1:" + strconv.Itoa(mport)
		env["METRICS_ADDR"], env["PPROF"] = "127.0.0.1:"+strconv.Itoa(mport), "true"
	}
	if o.Postgres {
		if b.postgres == "" {
			return nil, errors.New("no PostgreSQL: set TEST_DATABASE_URL or -postgres")
		}
		name := fmt.Sprintf("autopress_bench_%d_%d", os.Getpid(), port)
		s.dbURL, s.drop, err = dbtest.CreateDatabase(ctx, b.postgres, name)
		if err != nil {
			return nil, err
		}
		env["DATABASE_URL"] = s.dbURL
	} else {
		s.dbURL = "sqlite:" + filepath.Join(dir, "autopress.db")
	}
	for k, v := range o.Env {
		env[k] = v
	}
	s.env = os.Environ()
	for k, v := range env {
		s.env = append(s.env, k+"="+v)
	}
	s.bin = b.bin
	if err := s.launch(ctx); err != nil {
		s.stop()
		return nil, err
	}
	out, err := s.command(ctx, "create-token", "--email", adminEmail, "--name", "bench")
	if err != nil {
		s.stop()
		return nil, err
	}
	s.token = strings.TrimSpace(out)
	var sites struct {
		Sites []struct {
			ID int64 `json:"id"`
		} `json:"sites"`
	}
	if err := s.api(ctx, "GET", "/api/v1/sites", nil, &sites); err != nil || len(sites.Sites) == 0 {
		s.stop()
		return nil, fmt.Errorf("the demo site: %v", err)
	}
	s.SiteID = sites.Sites[0].ID
	return s, nil
}

// launch starts the process (again, after stopProcess: same data, same
// port) and waits until it is ready.
func (s *server) launch(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(s.dataDir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = s.env, logFile, logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.stopped = false
	s.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan error) { exited <- cmd.Wait(); logFile.Close() }(s.cmd, s.exited)
	return s.waitReady(ctx, 2*time.Minute)
}

// restart starts the stopped process again on its data; its peak RSS so
// far is kept.
func (s *server) restart(ctx context.Context) error {
	if err := s.launch(ctx); err != nil {
		s.stopProcess()
		return err
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /readyz until it answers 200 (database reachable, schema
// current), or the process exits.
func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		res, err := s.http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.exited:
			return fmt.Errorf("the server exited: %v (log: %s)", err, filepath.Join(s.dataDir, "server.log"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server was not ready within %s", limit)
		}
	}
}

// command runs a subcommand of the binary with the server's environment.
func (s *server) command(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.cmd.Path, args...)
	cmd.Env = s.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// peakRSS is the process's peak resident set (VmHWM) in bytes.
func (s *server) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// stopProcess ends the process with SIGTERM (a clean shutdown); its data
// stays.
func (s *server) stopProcess() {
	if s.stopped || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.stopped = true
	s.rss = max(s.rss, s.peakRSS())
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// stop ends the process and drops its PostgreSQL database.
func (s *server) stop() {
	s.stopProcess()
	s.drop()
}

// api sends a JSON request with the token and decodes the answer into out
// (nil: ignore it); a status of 400 or more is an error.
func (s *server) api(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// run is what the benchmark reads of GET /api/v1/runs/{id}.
type run struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	StoppedReason string `json:"stopped_reason"`
	StoppedDetail string `json:"stopped_detail"`
	Stages        []struct {
		Stage      int        `json:"stage"`
		Processed  int        `json:"processed"`
		Failed     int        `json:"failed"`
		StartedAt  *time.Time `json:"started_at"`
		FinishedAt *time.Time `json:"finished_at"`
	} `json:"stages"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// items is the sum of the stages' processed and failed items.
func (r run) items() (processed, failed int) {
	for _, s := range r.Stages {
		processed += s.Processed
		failed += s.Failed
	}
	return processed, failed
}

// importKeywords adds keywords to the demo site.
func (s *server) importKeywords(ctx context.Context, kws []string) error {
	return s.api(ctx, "POST", fmt.Sprintf("/api/v1/sites/%d/keywords", s.SiteID), map[string]string{"text": strings.Join(kws, "\n")}, nil)
}

// configure changes fields of the demo site's automation config and turns
// its AI budget off, so only the account's balance limits spending.
func (s *server) configure(ctx context.Context, fields map[string]any) error {
	if err := s.api(ctx, "PUT", fmt.Sprintf("/api/v1/sites/%d/ai-budget", s.SiteID), map[string]string{"mode": "off"}, nil); err != nil {
		return err
	}
	return s.api(ctx, "PUT", fmt.Sprintf("/api/v1/sites/%d/automation/config", s.SiteID), fields, nil)
}

// stagesOnly is a config with only the given stages switched on.
func stagesOnly(stages ...int) map[string]any {
	f := map[string]any{}
	for st := 1; st <= 7; st++ {
		f[fmt.Sprintf("stage%d_enabled", st)] = false
	}
	for _, st := range stages {
		f[fmt.Sprintf("stage%d_enabled", st)] = true
	}
	return f
}

// startRun starts a run of the demo site.
func (s *server) startRun(ctx context.Context) (run, error) {
	var r run
	err := s.api(ctx, "POST", fmt.Sprintf("/api/v1/sites/%d/runs", s.SiteID), nil, &r)
	return r, err
}

// waitRun polls the run until it has ended.
func (s *server) waitRun(ctx context.Context, id int64) (run, error) {
	for {
		var r run
		if err := s.api(ctx, "GET", fmt.Sprintf("/api/v1/runs/%d", id), nil, &r); err != nil {
			return r, err
		}
		if r.Status != "running" && r.Status != "paused" {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runToEnd starts a run and waits for it to end; a run that did not
// complete is an error.
func (s *server) runToEnd(ctx context.Context) (run, error) {
	r, err := s.startRun(ctx)
	if err != nil {
		return r, err
	}
	r, err = s.waitRun(ctx, r.ID)
	if err == nil && r.Status != "completed" {
		err = fmt.Errorf("run %d ended %s: %s %s", r.ID, r.Status, r.StoppedReason, r.StoppedDetail)
	}
	return r, err
}

// keywords makes topics×3 keywords that share one word per topic and
// nothing else, so both the fake provider (which clusters by first word) and
// the local one (by shared words) make topics clusters of three, each
// giving three ideas.
func keywords(prefix string, topics int) []string {
	var out []string
	for i := range topics {
		for _, w := range []string{"basics", "guide", "mistakes"} {
			out = append(out, fmt.Sprintf("%s%03d %s%03d", prefix, i, w, i))
		}
	}
	return out
}

// cpuProfile profiles the server's CPU for d while load runs (started
// together), and returns pprof's top of it. The server must have been
// started with serverOptions.Pprof.
func (s *server) cpuProfile(ctx context.Context, dir string, d time.Duration, load func() error) (string, error) {
	if s.metricsURL == "" {
		return "", errors.New("cpu profile: the server serves no profiles (serverOptions.Pprof)")
	}
	type answer struct {
		data []byte
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.metricsURL, int(d.Seconds())), nil)
		if err != nil {
			got <- answer{err: err}
			return
		}
		res, err := s.http.Do(req)
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer res.Body.Close()
		data, err := io.ReadAll(res.Body)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s", res.Status, data)
		}
		got <- answer{data, err}
	}()
	lerr := load()
	a := <-got
	if err := errors.Join(lerr, a.err); err != nil {
		return "", fmt.Errorf("cpu profile: %w", err)
	}
	prof := filepath.Join(dir, "server-cpu.pprof")
	if err := os.WriteFile(prof, a.data, 0o644); err != nil {
		return "", err
	}
	// Past the middleware every request goes through: to the handlers.
	return pprofTop(ctx, s.bin, prof, 50)
}
