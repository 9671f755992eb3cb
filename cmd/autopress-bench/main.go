// Command autopress-bench measures autopress from outside, side by side in
// one run: it builds the binary, starts it as real processes against a fake
// OpenAI-compatible provider (jobs/ai/aitest) and the databases, runs each
// scenario beside its reference figure, prints a table and writes
// docs/benchmarks.md. `make bench` runs it.
//
//	go run ./cmd/autopress-bench [-only rate-rpm,engine] [-out docs/benchmarks.md] [-postgres URL]
//
// A scenario is one entry of the scenarios list: a name, a title, how to
// reproduce it alone, and a function that measures and returns rows (a
// figure, its reference, the ratio and the goal). Adding one is adding an
// entry; the table and the document follow.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// scenario is one measured situation.
type scenario struct {
	Name  string
	Title string
	// About says in a sentence or two what is measured and how.
	About string
	Run   func(ctx context.Context, b *bench) ([]row, error)
}

// scenarios are run in this order.
var scenarios = []scenario{
	rateRPMScenario,
	rateIPMScenario,
	latencyScenario,
	engineScenario,
	firstCallScenario,
	schedulerScenario,
	plannerScenario,
	pagesScenario,
}

// bench is what every scenario shares.
type bench struct {
	root     string // the repository
	bin      string // the autopress binary
	tmp      string
	postgres string // server URL for fresh databases ("" : SQLite only)
	log      func(format string, args ...any)
	// peakRSS is the highest VmHWM of any server process, by scenario.
	peakRSS map[string]int64
	current string
	// loadAtStart is the load average when the run began.
	loadAtStart string
}

func main() {
	only := flag.String("only", "", "comma-separated scenario names to run (default: all): "+names())
	out := flag.String("out", "docs/benchmarks.md", "markdown file to write (empty: none)")
	pg := flag.String("postgres", os.Getenv("TEST_DATABASE_URL"), "PostgreSQL URL of a server where the benchmark may create databases (default $TEST_DATABASE_URL)")
	bin := flag.String("bin", "", "autopress binary to run (default: build one)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := repoRoot()
	if err != nil {
		fail(err)
	}
	tmp, err := os.MkdirTemp("", "autopress-bench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	b := &bench{root: root, tmp: tmp, postgres: *pg, bin: *bin, peakRSS: map[string]int64{}, loadAtStart: loadAverage(),
		log: func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }}
	if b.bin == "" {
		b.bin = filepath.Join(tmp, "autopress")
		b.log("building %s", b.bin)
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", b.bin, "./cmd/autopress")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fail(fmt.Errorf("build: %w", err))
		}
	}
	if b.postgres == "" {
		b.log("no PostgreSQL (TEST_DATABASE_URL or -postgres): its figures are left out")
	}

	started := time.Now()
	var results []result
	for _, sc := range scenarios {
		if *only != "" && !contains(strings.Split(*only, ","), sc.Name) {
			continue
		}
		b.log("%s: %s", sc.Name, sc.Title)
		b.current = sc.Name
		t := time.Now()
		rows, err := sc.Run(ctx, b)
		results = append(results, result{scenario: sc, rows: rows, err: err, took: time.Since(t)})
		if err != nil {
			b.log("%s failed: %v", sc.Name, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	results = append(results, result{scenario: rssScenario, rows: b.rssRows()})
	m := machine(ctx, b)
	fmt.Println(table(results))
	fmt.Printf("(%s in all)\n", time.Since(started).Round(time.Second))
	if *out != "" {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := os.WriteFile(path, []byte(markdown(m, results, time.Since(started))), 0o644); err != nil {
			fail(err)
		}
		b.log("wrote %s", path)
	}
	for _, r := range results {
		if r.err != nil {
			os.Exit(1)
		}
	}
}

// result is a scenario's outcome.
type result struct {
	scenario scenario
	rows     []row
	err      error
	took     time.Duration
}

func names() string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.Name)
	}
	return strings.Join(n, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// repoRoot finds the repository from the working directory (go.mod of
// module autopress).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module autopress\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run autopress-bench inside the autopress repository")
		}
		dir = parent
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "autopress-bench:", err)
	os.Exit(1)
}

// withServer starts a server, runs fn and stops it, recording its peak RSS.
func (b *bench) withServer(ctx context.Context, o serverOptions, fn func(s *server) error) error {
	s, err := b.startServer(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		s.stop()
		b.peakRSS[b.current] = max(b.peakRSS[b.current], s.rss)
	}()
	return fn(s)
}
