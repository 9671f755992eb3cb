package main

import (
	"encoding/json"
	"fmt"

	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"autopress/db"
	"autopress/handlers/auth"
)

// lockedBuffer collects what the server prints from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeSmoke is the two-commands promise end to end: the real run()
// on SQLite in a fresh data directory serves health, readiness and the
// login page, created the admin and the demo site, lets the admin log in,
// serves the metrics on their own listener only, refuses a second
// instance, and shuts down cleanly when its context ends.
func TestServeSmoke(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(env(map[string]string{"DATA_DIR": dir, "LISTEN_ADDR": ln.Addr().String(),
		"METRICS_ADDR": "127.0.0.1:0", "METRICS_TOKEN": smokeMetricsToken, "PPROF": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := newLogger(cfg, logs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	at := start(t, done, logs, func(ready func(listening)) error { return run(ctx, cfg, log, ln, logs, ready) })

	base := cfg.BaseURL
	client := &http.Client{Timeout: 10 * time.Second}
	if code, body := get(t, client, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, client, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	code, page := get(t, client, base+"/login")
	if code != http.StatusOK || !strings.Contains(page, "Log in") {
		t.Errorf("/login: %d, page without \"Log in\":\n%s", code, page)
	}

	// The first start printed the admin's credentials in its banner,
	// before it answered any request.
	m := regexp.MustCompile(`(?m)^\s+password\s+(\S+)$`).FindStringSubmatch(logs.String())
	if m == nil || !strings.Contains(logs.String(), "log in as  "+defaultAdminEmail) {
		t.Fatalf("no first-start banner with credentials:\n%s", logs.String())
	}
	password := m[1]
	if home := login(t, base, defaultAdminEmail, password); !strings.Contains(home, "Home Coffee Blog") {
		t.Errorf("after login, no demo site on the page:\n%s", home)
	}

	// The wired server runs the pipeline: a run started over the API
	// completes on its own (the poller claims it), and /metrics counts it.
	runDemo(t, cfg, client, base, at)

	// A second server on the same data directory refuses to start.
	if _, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); !errors.Is(err, errInstanceRunning) {
		t.Errorf("second instance: got %v, want errInstanceRunning", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no clean shutdown within 60 s:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "shutdown complete") {
		t.Errorf("no shutdown log:\n%s", logs.String())
	}

	// The demo site and its keywords are there, and the lock is free again.
	d, err := openDB(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, err := d.UserByEmail(context.Background(), defaultAdminEmail)
	if err != nil || !u.IsAdmin || !auth.CheckPassword(u.PasswordHash, password) {
		t.Fatalf("admin %+v, %v", u, err)
	}
	sites, err := d.ListSites(context.Background(), u.AccountID)
	if err != nil || len(sites) != 1 {
		t.Fatalf("sites %+v, %v: want the demo site", sites, err)
	}
	if n, err := d.CountKeywords(context.Background(), sites[0].ID, db.KeywordFilter{}); err != nil || n != len(db.DemoKeywords) {
		t.Errorf("demo site has %d keywords (%v), want %d", n, err, len(db.DemoKeywords))
	}
	lock, err := acquireLockFile(dir + "/autopress.lock")
	if err != nil {
		t.Fatalf("lock file still held after shutdown: %v", err)
	}
	lock.release()
}

// smokeMetricsToken protects the metrics of the servers under test.
const smokeMetricsToken = "smoke-test-metrics-token"

// start runs a server (run with its ready callback) in a goroutine that
// reports its end on done, and returns where it listens once it answers
// requests; it fails the test if the server stops first.
func start(t *testing.T, done chan<- error, logs *lockedBuffer, run func(ready func(listening)) error) listening {
	t.Helper()
	ready := make(chan listening, 1)
	stopped := make(chan error, 1)
	go func() {
		err := run(func(at listening) { ready <- at })
		stopped <- err
		done <- err
	}()
	select {
	case at := <-ready:
		return at
	case err := <-stopped:
		t.Fatalf("server stopped before it was ready: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("server not ready within 60 s:\n%s", logs.String())
	}
	return listening{}
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="_csrf"\s+value="([^"]+)"|value="([^"]+)"\s+name="_csrf"`)

// login submits the login form like a browser (cookie jar, CSRF token read
// from the form), checks it leads away from the login page and returns the
// page it leads to.
func login(t *testing.T, base, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	_, page := get(t, client, base+"/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no _csrf field in the login form:\n%s", page)
	}
	token := m[1] + m[2]
	res, err := client.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.HasSuffix(res.Request.URL.Path, "/login") {
		t.Fatalf("login as %s: ended on %s with %d:\n%s", email, res.Request.URL, res.StatusCode, body)
	}
	return string(body)
}

// runDemo starts a run of the demo site through the API, waits for it to
// complete and checks the run metrics: counted on the metrics listener,
// for the bearer of the token only, and not served on the main one.
func runDemo(t *testing.T, cfg Config, client *http.Client, base string, at listening) {
	t.Helper()
	ctx := context.Background()
	d, err := openDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, err := d.UserByEmail(ctx, defaultAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	plain, hash, prefix := auth.NewAPIToken()
	if _, err := d.CreateToken(ctx, db.APIToken{AccountID: u.AccountID, UserID: u.ID, Name: "smoke", TokenHash: hash, Prefix: prefix, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	sites, err := d.ListSites(ctx, u.AccountID)
	if err != nil || len(sites) != 1 {
		t.Fatalf("sites %v %v", sites, err)
	}
	call := func(method, path string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+plain)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	code, run := call(http.MethodPost, fmt.Sprintf("/api/v1/sites/%d/runs", sites[0].ID))
	if code != http.StatusCreated {
		t.Fatalf("start run: %d %v", code, run)
	}
	// 42 images of 1536×1024: seconds, but a minute and more under the race
	// detector on a busy machine.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		_, r := call(http.MethodGet, fmt.Sprintf("/api/v1/runs/%v", run["id"]))
		if r["status"] == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo run did not complete in 3 minutes: %v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := get(t, client, base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the main listener: %d, want 404 (METRICS_ADDR is set)", code)
	}
	metricsURL := "http://" + at.Metrics.String() + "/metrics"
	if code, body := get(t, client, metricsURL); code != http.StatusUnauthorized || strings.Contains(body, "autopress_runs") {
		t.Errorf("metrics without the token: %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, metricsURL, nil)
	req.Header.Set("Authorization", "Bearer "+smokeMetricsToken)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), `autopress_runs_finished_total{reason="completed",status="completed"} 1`) {
		t.Errorf("the metrics listener does not count the completed run: %d", res.StatusCode)
	}
	// PPROF: Go's profiles on the metrics listener only, behind its token.
	if code, _ := get(t, client, base+"/debug/pprof/cmdline"); code != http.StatusNotFound {
		t.Errorf("/debug/pprof/ on the main listener: %d, want 404", code)
	}
	pprofURL := "http://" + at.Metrics.String() + "/debug/pprof/cmdline"
	if code, _ := get(t, client, pprofURL); code != http.StatusUnauthorized {
		t.Errorf("profiles without the token: %d, want 401", code)
	}
	req, _ = http.NewRequest(http.MethodGet, pprofURL, nil)
	req.Header.Set("Authorization", "Bearer "+smokeMetricsToken)
	if res, err = client.Do(req); err != nil {
		t.Fatal(err)
	}
	cmdline, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(cmdline) == 0 {
		t.Errorf("profiles with the token: %d %q", res.StatusCode, cmdline)
	}
}
