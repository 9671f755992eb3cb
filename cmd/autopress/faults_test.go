package main

// Process-level fault tests: the real binary (built once per test binary),
// real processes killed with SIGKILL or stopped with SIGTERM, PostgreSQL
// behind a TCP proxy that cuts every connection, the AI behind a fake
// OpenAI with latency. Every wait is for a signal: a log line, a request
// reaching the fake AI, a row in the database, a webhook delivery.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/db/secretbox"
	"autopress/handlers/auth"
	"autopress/jobs/ai/aitest"
	"autopress/jobs/publishing/targets/wpreal"
)

// built is the autopress binary, built once by autopressBinary.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := wpreal.Main(m) // stops the test WordPress if a test started it
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// autopressBinary builds this package's binary once per test binary, with
// the race detector when the tests have it (the compiled packages are then
// already in the build cache).
func autopressBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("process-level fault tests build and run the binary: not with -short")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "autopress-faults-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "autopress")
		args := []string{"build", "-o", built.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		// The go command of PATH, under the same GOTOOLCHAIN as the tests.
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// proc is one running autopress process.
type proc struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	logs *lockedBuffer
	url  string // http://host:port
	done chan struct{}
	err  error // the exit status, once done is closed
}

var listeningLine = regexp.MustCompile(`"msg":"autopress listening".*"addr":"([^"]+)"`)

// startProc starts `autopress serve` with env (plus a listener on a free
// port and JSON logs) and returns once it answers requests: its
// "autopress listening" line is printed before the first request is
// answered.
func startProc(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, logs: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(autopressBinary(t), "serve")
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"LISTEN_ADDR=127.0.0.1:0", "LOG_FORMAT=json", "LOG_LEVEL=info"}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	ready := make(chan string, 1)
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s log:\n%s", p.name, p.logs.String())
		}
	})
	select {
	case addr := <-ready:
		p.url = "http://" + addr
	case <-p.done:
		t.Fatalf("%s exited before it was ready (%v):\n%s", name, p.err, p.logs.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("%s not ready within 90 s:\n%s", name, p.logs.String())
	}
	return p
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// term sends SIGTERM and waits for the ordered shutdown to end.
func (p *proc) term() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(90 * time.Second):
		p.t.Fatalf("%s did not stop within 90 s of SIGTERM:\n%s", p.name, p.logs.String())
		return nil
	}
}

// pid is the process id, which lease owners carry ("host-PID-random").
func (p *proc) owns(owner string) bool {
	return strings.Contains(owner, "-"+strconv.Itoa(p.cmd.Process.Pid)+"-")
}

// faultEnv is one database with a seeded account, site and API token, and
// the fake AI the processes talk to.
type faultEnv struct {
	t       *testing.T
	dialect db.Dialect
	d       *db.DB // the test's own connection, for seeding and checks
	dbURL   string // DATABASE_URL of the processes
	dataDir string // SQLite: the data directory every process shares
	ai      *aitest.Fake
	user    db.User
	site    db.Site
	token   string
	client  *http.Client
}

// faultAppSecret is the APP_SECRET of the PostgreSQL instances.
var faultAppSecret = strings.Repeat("ab", 32)

// faultPassword is the seeded user's password.
const faultPassword = "fault-test-password"

// newFaultEnv migrates a fresh database of the dialect and seeds a user
// with a token and a site of nine keywords in three groups: three clusters,
// nine ideas, tasks and articles, then image prompts and images.
func newFaultEnv(t *testing.T, dialect db.Dialect) *faultEnv {
	t.Helper()
	autopressBinary(t) // build (or skip) before anything else
	ctx := context.Background()
	e := &faultEnv{t: t, dialect: dialect, ai: aitest.NewFakeOpenAI(), client: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(e.ai.Close)
	switch dialect {
	case db.SQLite:
		e.dataDir = t.TempDir()
		e.dbURL = "sqlite:" + filepath.Join(e.dataDir, "autopress.db")
		d, err := db.Open(ctx, e.dbURL, e.dataDir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		e.d = d
	case db.Postgres:
		if os.Getenv("TEST_DATABASE_URL") == "" {
			dbtest.Dialects(t) // fails under REQUIRE_POSTGRES=1
			t.Skip("PostgreSQL not configured")
		}
		e.d, e.dbURL = dbtest.NewWithURL(t, db.Postgres, true)
	}
	hash, err := auth.HashPassword(faultPassword)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if e.user, err = e.d.CreateAccountWithUser(ctx, "Faults", "faults@example.com", hash, false, now); err != nil {
		t.Fatal(err)
	}
	if e.site, err = e.d.CreateSite(ctx, db.Site{AccountID: e.user.AccountID, Name: "Faults", URL: "https://faults.example.com", Timezone: "UTC"}, now); err != nil {
		t.Fatal(err)
	}
	var kws []db.NewKeyword
	for _, group := range []string{"alpha", "bravo", "charlie"} {
		for _, k := range []string{"grinder", "beans", "roast"} {
			kws = append(kws, db.NewKeyword{Text: group + " " + k, Norm: group + " " + k})
		}
	}
	if _, err := e.d.ImportKeywords(ctx, e.site.ID, kws, now); err != nil {
		t.Fatal(err)
	}
	cfg, err := e.d.GetAutomationConfig(ctx, e.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Concurrency = 4
	if err := e.d.SaveAutomationConfig(ctx, cfg, now); err != nil {
		t.Fatal(err)
	}
	plain, th, prefix := auth.NewAPIToken()
	if _, err := e.d.CreateToken(ctx, db.APIToken{AccountID: e.user.AccountID, UserID: e.user.ID, Name: "faults", TokenHash: th, Prefix: prefix, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	e.token = plain
	e.ai.SetLatency(10 * time.Millisecond)
	return e
}

// env is what every process of the test gets; each process has its own
// data directory on PostgreSQL, the shared one on SQLite.
func (e *faultEnv) env(extra ...string) map[string]string {
	m := map[string]string{
		"DATABASE_URL":          e.dbURL,
		"AI_PROVIDER":           "openai",
		"OPENAI_BASE_URL":       e.ai.BaseURL(),
		"AI_MAX_ATTEMPTS":       "1",
		"PUBLISH_ALLOW_PRIVATE": "true", // the test's webhook is on 127.0.0.1
	}
	if e.dialect == db.Postgres {
		m["APP_SECRET"] = faultAppSecret
		m["DATA_DIR"] = e.t.TempDir()
	} else {
		m["DATA_DIR"] = e.dataDir
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// api calls the JSON API of p with the seeded token.
func (e *faultEnv) api(p *proc, method, path string) (int, http.Header, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, p.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	return res.StatusCode, res.Header, v
}

// startRun starts a run of the site through p's API.
func (e *faultEnv) startRun(p *proc) int64 {
	e.t.Helper()
	code, _, v := e.api(p, http.MethodPost, fmt.Sprintf("/api/v1/sites/%d/runs", e.site.ID))
	if code != http.StatusCreated {
		e.t.Fatalf("start run: %d %v", code, v)
	}
	return int64(v["id"].(float64))
}

// run reads the run's row.
func (e *faultEnv) run(id int64) db.Run {
	e.t.Helper()
	r, err := e.d.RunByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// waitRun waits for the run's row to satisfy cond.
func (e *faultEnv) waitRun(id int64, what string, cond func(db.Run) bool, procs ...*proc) db.Run {
	e.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		r := e.run(id)
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			for _, p := range procs {
				e.t.Logf("%s log:\n%s", p.name, p.logs.String())
			}
			e.t.Fatalf("run %d: timed out waiting for %s: %s, stage %d, lease %q, %s", id, what, r.Status, r.CurrentStage, r.LeaseOwner, r.StoppedDetail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func completed(r db.Run) bool { return !r.Active() }

// count runs a COUNT query on the test's connection.
func (e *faultEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.GetContext(context.Background(), &n, e.d.Rebind(query), args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// onRequest calls fn for every request to the fake AI whose schema or
// path is key, with its number (1, 2, …).
func (e *faultEnv) onRequest(key string, fn func(n int)) {
	var n atomic.Int32
	e.ai.OnRequest(func(r aitest.Request) {
		if r.Schema == key || r.Path == key {
			fn(int(n.Add(1)))
		}
	})
}

// assertWhole checks that nothing was lost or done twice: every idea one
// task, every task done with exactly one article, every image prompt done
// with exactly one image whose bytes are stored, every settled content
// charge one article, every hold settled or refunded, and the ledger sums
// to the balance.
func (e *faultEnv) assertWhole() {
	e.t.Helper()
	site := e.site.ID
	checks := []struct {
		what  string
		query string
	}{
		{"ideas without exactly one task", `SELECT COUNT(*) FROM ideas i WHERE i.site_id = ? AND (SELECT COUNT(*) FROM tasks t WHERE t.idea_id = i.id) <> 1`},
		{"tasks not done", `SELECT COUNT(*) FROM tasks WHERE site_id = ? AND status <> 'done'`},
		{"tasks without exactly one article", `SELECT COUNT(*) FROM tasks t WHERE t.site_id = ? AND (SELECT COUNT(*) FROM content c WHERE c.task_id = t.id) <> 1`},
		{"image prompts not done", `SELECT COUNT(*) FROM image_prompts WHERE site_id = ? AND status <> 'done'`},
		{"image prompts without exactly one image", `SELECT COUNT(*) FROM image_prompts p WHERE p.site_id = ? AND (SELECT COUNT(*) FROM images i WHERE i.image_prompt_id = p.id) <> 1`},
		{"images without stored bytes", `SELECT COUNT(*) FROM images i WHERE i.site_id = ? AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.blob_key = i.path AND b.bytes = i.bytes)`},
	}
	for _, c := range checks {
		if n := e.count(c.query, site); n != 0 {
			e.t.Errorf("%d %s", n, c.what)
		}
	}
	dbtest.CheckItemCounts(e.t, e.d, site)
	defer func() {
		if e.t.Failed() {
			e.dumpRuns()
		}
	}()
	if n := e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ?`, site); n != 9 {
		e.t.Errorf("%d tasks, want 9", n)
	}
	articles := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ?`, site)
	charges := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE account_id = ? AND kind = 'charge' AND operation = 'content_generation' AND settled = TRUE`, e.user.AccountID)
	if charges != articles || articles != 9 {
		e.t.Errorf("%d settled content charges for %d articles, want 9 and 9", charges, articles)
	}
	if n := e.count(`SELECT COUNT(*) FROM credit_transactions c WHERE c.account_id = ? AND c.kind = 'charge' AND c.settled = FALSE
		AND NOT EXISTS (SELECT 1 FROM credit_transactions r WHERE r.idempotency_key = 'refund:' || c.idempotency_key)`, e.user.AccountID); n != 0 {
		e.t.Errorf("%d holds neither settled nor refunded", n)
	}
	acc, err := e.d.AccountByID(context.Background(), e.user.AccountID)
	if err != nil {
		e.t.Fatal(err)
	}
	if sum := dbtest.LedgerSum(e.t, e.d, e.user.AccountID); sum != acc.Credits {
		e.t.Errorf("ledger sums to %d, balance is %d", sum, acc.Credits)
	}
}

// dumpRuns logs every run log line of the site and the items left behind
// (what a failed check needs to be understood).
func (e *faultEnv) dumpRuns() {
	ctx := context.Background()
	var runs []int64
	if err := e.d.SelectContext(ctx, &runs, e.d.Rebind(`SELECT id FROM automation_runs WHERE site_id = ? ORDER BY id`), e.site.ID); err != nil {
		e.t.Logf("runs: %v", err)
		return
	}
	for _, id := range runs {
		events, err := e.d.ListEvents(ctx, id, 0, 1000)
		if err != nil {
			e.t.Logf("run %d: %v", id, err)
			continue
		}
		for _, ev := range events {
			e.t.Logf("run %d %s stage %d %s: %s", id, ev.At.Format("15:04:05.000"), ev.Stage, ev.Level, ev.Message)
		}
	}
	var left []string
	if err := e.d.SelectContext(ctx, &left, e.d.Rebind(`SELECT 'task ' || id || ' ' || status || ' attempts ' || attempts || ' run ' || COALESCE(last_attempt_run_id, 0) || ': ' || last_error FROM tasks WHERE site_id = ? AND status <> 'done'`), e.site.ID); err == nil {
		for _, l := range left {
			e.t.Log(l)
		}
	}
}

// TestFaultKill9MidStage: kill -9 while article calls are in flight; the
// restarted process finishes the run — at once on SQLite, whose lock file
// proves the old process gone; after the lease expires on PostgreSQL —
// with every task one article and every charge one article.
func TestFaultKill9MidStage(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			e := newFaultEnv(t, dialect)
			e.ai.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: 300 * time.Millisecond})
			killNow := make(chan struct{})
			e.onRequest(aitest.SchemaArticle, func(n int) {
				if n == 6 { // two rounds in: some articles committed, four in flight
					close(killNow)
				}
			})
			first := startProc(t, "first", e.env("RUN_LEASE_TTL", "3s"))
			id := e.startRun(first)
			<-killNow
			first.kill()
			e.ai.OnRequest(nil)
			r := e.run(id)
			if r.Status != db.RunRunning || !first.owns(r.LeaseOwner) {
				t.Fatalf("after kill -9: %s, lease %q (want running, still leased to the dead process)", r.Status, r.LeaseOwner)
			}
			committed := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ?`, e.site.ID)
			if committed == 0 || committed >= 9 {
				t.Fatalf("%d articles at the kill: not mid-stage", committed)
			}

			second := startProc(t, "second", e.env("RUN_LEASE_TTL", "3s"))
			r = e.waitRun(id, "completion", completed, second)
			if r.Status != db.RunCompleted || r.Takeovers != 1 {
				t.Fatalf("after the restart: %s (%s), %d takeovers, want completed after 1", r.Status, r.StoppedDetail, r.Takeovers)
			}
			if dialect == db.SQLite {
				if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%taken over at once%'`, id); n != 1 {
					t.Errorf("%d 'taken over at once' events on the SQLite restart", n)
				}
			}
			e.assertWhole()
		})
	}
}

// TestFaultSIGTERMMidRun: SIGTERM with calls in flight stops the process
// cleanly (exit 0) and gives the lease back, so the next start carries on
// with no takeover.
func TestFaultSIGTERMMidRun(t *testing.T) {
	e := newFaultEnv(t, db.SQLite)
	e.ai.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: 300 * time.Millisecond})
	stopNow := make(chan struct{})
	e.onRequest(aitest.SchemaArticle, func(n int) {
		if n == 5 {
			close(stopNow)
		}
	})
	first := startProc(t, "first", e.env())
	id := e.startRun(first)
	<-stopNow
	if err := first.term(); err != nil {
		t.Fatalf("SIGTERM: exit %v, want 0\n%s", err, first.logs.String())
	}
	e.ai.OnRequest(nil)
	if r := e.run(id); r.Status != db.RunRunning || r.LeaseOwner != "" {
		t.Fatalf("after SIGTERM: %s, lease %q (want running, released)", r.Status, r.LeaseOwner)
	}
	if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%instance shutting down%'`, id); n != 1 {
		t.Errorf("%d shutdown events", n)
	}
	second := startProc(t, "second", e.env())
	r := e.waitRun(id, "completion", completed, second)
	if r.Status != db.RunCompleted || r.Takeovers != 0 {
		t.Fatalf("after the restart: %s, %d takeovers", r.Status, r.Takeovers)
	}
	e.assertWhole()
}

// TestFaultPausingExecutorCrash: a process killed while its pause drains
// leaves the run "pausing"; it becomes "paused" without a takeover — on
// SQLite at the restart, on PostgreSQL once the lease expired, seen by the
// other instance — and a resume finishes it.
func TestFaultPausingExecutorCrash(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			e := newFaultEnv(t, dialect)
			e.ai.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: 2 * time.Second})
			inFlight := make(chan struct{})
			e.onRequest(aitest.SchemaArticle, func(n int) {
				if n == 4 {
					close(inFlight)
				}
			})
			env := e.env("RUN_LEASE_TTL", "3s")
			first := startProc(t, "first", env)
			id := e.startRun(first)
			<-inFlight
			if code, _, v := e.api(first, http.MethodPost, fmt.Sprintf("/api/v1/runs/%d/pause", id)); code != http.StatusOK {
				t.Fatalf("pause: %d %v", code, v)
			}
			if _, _, v := e.api(first, http.MethodGet, fmt.Sprintf("/api/v1/runs/%d", id)); v["pausing"] != true {
				t.Fatalf("not pausing with four calls in flight: %v", v)
			}
			first.kill()
			e.ai.OnRequest(nil)
			e.ai.SetDefault(aitest.SchemaArticle, nil)

			var second *proc
			if dialect == db.SQLite {
				second = startProc(t, "second", env) // same data directory
			} else {
				second = startProc(t, "other instance", e.env("RUN_LEASE_TTL", "3s"))
			}
			r := e.waitRun(id, "the pause to finish", func(r db.Run) bool { return r.LeaseOwner == "" }, second)
			if r.Status != db.RunPaused || r.Takeovers != 0 {
				t.Fatalf("after the crash: %s, %d takeovers (want paused, none)", r.Status, r.Takeovers)
			}
			if _, _, v := e.api(second, http.MethodGet, fmt.Sprintf("/api/v1/runs/%d", id)); v["status"] != "paused" || v["pausing"] != false {
				t.Fatalf("the API after the crash: %v", v)
			}
			if code, _, v := e.api(second, http.MethodPost, fmt.Sprintf("/api/v1/runs/%d/resume", id)); code != http.StatusOK {
				t.Fatalf("resume: %d %v", code, v)
			}
			r = e.waitRun(id, "completion", completed, second)
			if r.Status != db.RunCompleted || r.Takeovers != 0 {
				t.Fatalf("after resume: %s, %d takeovers", r.Status, r.Takeovers)
			}
			e.assertWhole()
		})
	}
}

// TestFaultPostgresConnectionsCut: PostgreSQL becomes unreachable for 10 s
// mid-stage (every connection dropped, new ones refused). The API answers
// 503 with Retry-After meanwhile and /readyz says why; the run rides the
// outage out — AI calls in flight finish, their commits wait — and ends
// with nothing lost or doubled, no item failed and no takeover, its log
// saying how long the database was unreachable.
func TestFaultPostgresConnectionsCut(t *testing.T) {
	e := newFaultEnv(t, db.Postgres)
	proxy, through := dbtest.NewProxy(t, e.dbURL)
	e.ai.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: 300 * time.Millisecond})
	cutNow := make(chan struct{})
	e.onRequest(aitest.SchemaArticle, func(n int) {
		if n == 5 {
			close(cutNow)
		}
	})
	p := startProc(t, "instance", e.env("DATABASE_URL", through))
	id := e.startRun(p)
	<-cutNow
	proxy.Cut()
	e.ai.OnRequest(nil)
	outage := time.After(10 * time.Second) // the outage's length, not a wait for anything

	code, hdr, v := e.api(p, http.MethodGet, fmt.Sprintf("/api/v1/runs/%d", id))
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("API while the database is down: %d, Retry-After %q, %v", code, hdr.Get("Retry-After"), v)
	}
	res, err := e.client.Get(p.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	why, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(string(why), "database unreachable: ") {
		t.Errorf("/readyz while down: %d %q", res.StatusCode, why)
	}
	<-outage
	proxy.Restore()

	r := e.waitRun(id, "completion", completed, p)
	if r.Status != db.RunCompleted || r.Takeovers != 0 {
		t.Fatalf("after the outage: %s (%s), %d takeovers, want completed with none", r.Status, r.StoppedDetail, r.Takeovers)
	}
	if n := e.count(`SELECT COUNT(*) FROM run_stage_results WHERE run_id = ? AND failed > 0`, id); n != 0 {
		t.Errorf("%d stages with failed items", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Database unreachable for %'`, id); n == 0 {
		t.Errorf("the run log does not say the database was unreachable")
	}
	e.assertWhole()
}

// TestFaultTwoInstancesPostgres: two instances on one PostgreSQL; the one
// executing the run is killed in the images stage; the other takes the run
// over and finishes it. Then the survivor, with no file of the dead one,
// shows an article and an image the dead one wrote and publishes them.
func TestFaultTwoInstancesPostgres(t *testing.T) {
	e := newFaultEnv(t, db.Postgres)
	e.ai.SetDefault(aitest.PathImages, &aitest.Reply{Delay: 300 * time.Millisecond})
	killNow := make(chan struct{})
	e.onRequest(aitest.PathImages, func(n int) {
		if n == 6 {
			close(killNow)
		}
	})
	a := startProc(t, "a", e.env("RUN_LEASE_TTL", "3s"))
	b := startProc(t, "b", e.env("RUN_LEASE_TTL", "3s"))
	id := e.startRun(a)
	<-killNow
	owner := e.run(id).LeaseOwner
	dead, survivor := a, b
	if b.owns(owner) {
		dead, survivor = b, a
	} else if !a.owns(owner) {
		t.Fatalf("lease owner %q is neither process", owner)
	}
	dead.kill()
	e.ai.OnRequest(nil)
	var written []db.Image
	if err := e.d.SelectContext(context.Background(), &written, e.d.Rebind(`SELECT * FROM images WHERE site_id = ? ORDER BY id`), e.site.ID); err != nil {
		t.Fatal(err)
	}
	if len(written) == 0 {
		t.Fatal("no image committed before the kill")
	}

	r := e.waitRun(id, "completion", completed, survivor)
	if r.Status != db.RunCompleted || r.Takeovers != 1 || !survivor.owns(e.lastClaimer(id)) {
		t.Fatalf("after the kill: %s (%s), %d takeovers, last claim by %q", r.Status, r.StoppedDetail, r.Takeovers, e.lastClaimer(id))
	}
	e.assertWhole()

	// The survivor shows an image the dead instance wrote.
	im := written[0]
	c := e.browser(survivor)
	page := c.get(fmt.Sprintf("/content/%d", im.ContentID))
	imgPath := fmt.Sprintf("/content/%d/images/%d", im.ContentID, im.ID)
	if !strings.Contains(page, imgPath) {
		t.Fatalf("the article page on the survivor does not show image %d:\n%.2000s", im.ID, page)
	}
	if got := c.get(imgPath); got != string(aitest.PNG) {
		t.Fatalf("image %d from the survivor: %d bytes, not the generated PNG", im.ID, len(got))
	}

	// And publishes the article with it (the dead one cannot).
	delivered := make(chan []byte, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case delivered <- body:
		default:
		}
		w.Write([]byte(`{"id":"remote-1","url":"https://faults.example.com/p/1"}`))
	}))
	defer hook.Close()
	ctx := context.Background()
	ps, err := e.d.GetPublishingSettings(ctx, e.site.ID)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(faultAppSecret)
	if err != nil {
		t.Fatal(err)
	}
	if ps.WebhookSecretEnc, err = box.Seal("webhook secret"); err != nil {
		t.Fatal(err)
	}
	ps.TargetKind, ps.WebhookURL = "webhook", hook.URL
	if err := e.d.SavePublishingSettings(ctx, ps, time.Now()); err != nil {
		t.Fatal(err)
	}
	if res := c.post(fmt.Sprintf("/content/%d/publish-now", im.ContentID), url.Values{}); res >= 400 {
		t.Fatalf("publish now on the survivor: %d", res)
	}
	select {
	case body := <-delivered:
		var payload struct {
			ContentID     int64 `json:"content_id"`
			FeaturedImage *struct {
				Data string `json:"data_base64"`
			} `json:"featured_image"`
		}
		if err := json.Unmarshal(body, &payload); err != nil {
			t.Fatal(err)
		}
		if payload.ContentID != im.ContentID || payload.FeaturedImage == nil {
			t.Fatalf("delivery: %.300s", body)
		}
		if data, _ := base64.StdEncoding.DecodeString(payload.FeaturedImage.Data); !bytes.Equal(data, aitest.PNG) {
			t.Fatalf("the published image is not the generated PNG (%d bytes)", len(data))
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no webhook delivery within 60 s:\n%s", survivor.logs.String())
	}
	e.waitRun(id, "", func(db.Run) bool {
		c, err := e.d.ContentByID(ctx, im.ContentID)
		return err == nil && c.Status == db.ContentPublished
	}, survivor)
}

// lastClaimer is the owner named by the run's last claim event.
func (e *faultEnv) lastClaimer(id int64) string {
	e.t.Helper()
	var msgs []string
	if err := e.d.SelectContext(context.Background(), &msgs, e.d.Rebind(`SELECT message FROM run_events WHERE run_id = ? AND message LIKE 'Executor % the run%' ORDER BY id`), id); err != nil {
		e.t.Fatal(err)
	}
	if len(msgs) == 0 {
		return ""
	}
	f := strings.Fields(msgs[len(msgs)-1])
	return f[1]
}

// parallelTransitions sends n transition requests at once (verbs chosen
// by verb(i)) and returns their status codes and durations.
func (e *faultEnv) parallelTransitions(p *proc, id int64, n int, verb func(i int) string) ([]int, []time.Duration) {
	codes, took := make([]int, n), make([]time.Duration, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/runs/%d/%s", p.url, id, verb(i)), nil)
			req.Header.Set("Authorization", "Bearer "+e.token)
			start := time.Now()
			res, err := e.client.Do(req)
			took[i] = time.Since(start)
			if err != nil {
				codes[i] = -1
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes[i] = res.StatusCode
		}()
	}
	close(gate)
	wg.Wait()
	return codes, took
}

// p99 is the 99th percentile of ds.
func p99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

// TestFaultParallelTransitions: 50 pause/resume requests at once on a
// running run answer 200 or 409 — no 5xx, no "database is locked" — and
// the run, resumed, completes; 50 pause/resume/cancel requests end it
// cancelled with every hold settled or refunded and the site free.
func TestFaultParallelTransitions(t *testing.T) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			e := newFaultEnv(t, dialect)
			e.ai.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: 200 * time.Millisecond})
			inStage := make(chan struct{})
			e.onRequest(aitest.SchemaArticle, func(n int) {
				if n == 1 {
					close(inStage)
				}
			})
			p := startProc(t, "instance", e.env())
			id := e.startRun(p)
			<-inStage
			e.ai.OnRequest(nil)

			codes, took := e.parallelTransitions(p, id, 50, func(i int) string { return []string{"pause", "resume"}[i%2] })
			e.ai.SetDefault(aitest.SchemaArticle, nil) // the slow calls only had to keep the stage busy
			for i, code := range codes {
				if code != http.StatusOK && code != http.StatusConflict {
					t.Errorf("request %d: %d, want 200 or 409", i, code)
				}
			}
			sorted := slices.Clone(took)
			slices.Sort(sorted)
			t.Logf("%s: 50 parallel pause/resume: p50 %s, p90 %s, p99 %s (race detector %v)", dialect,
				sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)*9/10].Round(time.Millisecond), p99(took).Round(time.Millisecond), raceEnabled)
			if r := e.run(id); r.Status == db.RunPaused {
				if code, _, v := e.api(p, http.MethodPost, fmt.Sprintf("/api/v1/runs/%d/resume", id)); code != http.StatusOK {
					t.Fatalf("final resume: %d %v", code, v)
				}
			}
			if r := e.waitRun(id, "completion", completed, p); r.Status != db.RunCompleted {
				t.Fatalf("after the storm: %s (%s)", r.Status, r.StoppedDetail)
			}
			e.assertWhole()

			// A second run, under pause, resume and cancel at once.
			e.ai.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: 200 * time.Millisecond})
			if _, err := dbtest.Exec(context.Background(), e.d, `UPDATE keywords SET status = 'new', cluster_id = NULL WHERE site_id = ?`, e.site.ID); err != nil {
				t.Fatal(err)
			}
			id2 := e.startRun(p)
			codes, _ = e.parallelTransitions(p, id2, 50, func(i int) string { return []string{"pause", "resume", "cancel"}[i%3] })
			e.ai.SetDefault(aitest.SchemaArticle, nil)
			for i, code := range codes {
				if code != http.StatusOK && code != http.StatusConflict {
					t.Errorf("request %d: %d, want 200 or 409", i, code)
				}
			}
			r := e.waitRun(id2, "the executor to let go", func(r db.Run) bool { return !r.Active() && r.LeaseOwner == "" }, p)
			if r.Status != db.RunCancelled && r.Status != db.RunCompleted {
				t.Fatalf("after pause/resume/cancel: %s", r.Status)
			}
			if code, _, v := e.api(p, http.MethodPost, fmt.Sprintf("/api/v1/sites/%d/runs", e.site.ID)); code != http.StatusCreated {
				t.Fatalf("the site is not free after the cancel: %d %v", code, v)
			} else {
				e.waitRun(int64(v["id"].(float64)), "the third run", completed, p)
			}
			if n := e.count(`SELECT COUNT(*) FROM credit_transactions c WHERE c.account_id = ? AND c.kind = 'charge' AND c.settled = FALSE
				AND NOT EXISTS (SELECT 1 FROM credit_transactions r WHERE r.idempotency_key = 'refund:' || c.idempotency_key)`, e.user.AccountID); n != 0 {
				t.Errorf("%d holds neither settled nor refunded", n)
			}
			acc, _ := e.d.AccountByID(context.Background(), e.user.AccountID)
			if sum := dbtest.LedgerSum(t, e.d, e.user.AccountID); sum != acc.Credits {
				t.Errorf("ledger sums to %d, balance is %d", sum, acc.Credits)
			}
		})
	}
}

// browserClient is a logged-in session on one process.
type browserClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

// browser logs the seeded user in on p like a browser (cookie jar, the
// form's CSRF token).
func (e *faultEnv) browser(p *proc) *browserClient {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browserClient{t: e.t, base: p.url, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	page := b.get("/login")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("no _csrf in the login form:\n%s", page)
	}
	b.csrf = m[1] + m[2]
	if code := b.post("/login", url.Values{"email": {e.user.Email}, "password": {faultPassword}}); code >= 400 {
		e.t.Fatalf("login: %d", code)
	}
	return b
}

var csrfMeta = regexp.MustCompile(`name="csrf-token"\s+content="([^"]+)"`)

func (b *browserClient) get(path string) string {
	b.t.Helper()
	res, err := b.hc.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d %.500s", path, res.StatusCode, body)
	}
	if m := csrfMeta.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return string(body)
}

func (b *browserClient) post(path string, form url.Values) int {
	b.t.Helper()
	form.Set("_csrf", b.csrf)
	res, err := b.hc.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfMeta.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return res.StatusCode
}
