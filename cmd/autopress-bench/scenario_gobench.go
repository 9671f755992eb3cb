package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Some figures are of one function, not of a process: those scenarios run a
// Go benchmark of the package (go test -bench) and read its ns/op.

var schedulerScenario = scenario{
	Name:  "scheduler",
	Title: "schedule tick with 10,000 sites",
	About: "BenchmarkTickSchedules (jobs/automation): one TickSchedules — the job that runs every minute — " +
		"with 10,000 sites whose schedules are on, none due, and 1,000 due (the tick starts their 1,000 runs). " +
		"SQLite and PostgreSQL. The reference is the minute between ticks.",
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		res, err := b.goBench(ctx, "./jobs/automation/", "BenchmarkTickSchedules", "3x")
		if err != nil {
			return nil, err
		}
		var rows []row
		for _, name := range sortedKeys(res) {
			ms := res[name] / 1e6
			rows = append(rows, against(strings.TrimPrefix(name, "BenchmarkTickSchedules/"), ms, "ms", 60_000, "ms between ticks"))
		}
		return rows, nil
	},
}

var plannerScenario = scenario{
	Name:  "planner",
	Title: "slot planner, 10,000 slots with 10,000 taken",
	About: "BenchmarkPlanSlots10kTaken10k (jobs/publishing): plan 10,000 publishing slots for a site that " +
		"already has 10,000 scheduled. The reference is the port of the seed's algorithm measured in issue 12 " +
		"(77–91 ms, placing only 1,184 of the 10,000); the ratio is ours over it.",
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		res, err := b.goBench(ctx, "./jobs/publishing/", "BenchmarkPlanSlots10kTaken10k$", "200x")
		if err != nil {
			return nil, err
		}
		ms := res["BenchmarkPlanSlots10kTaken10k"] / 1e6
		return []row{against("one plan", ms, "ms", 77, "ms, the seed's port").note("issue 12 measured 0.87 ms; keep it")}, nil
	},
}

// goBench runs one package's benchmarks matching pattern and returns ns/op
// by benchmark name (without the -GOMAXPROCS suffix).
func (b *bench) goBench(ctx context.Context, pkg, pattern, benchtime string) (map[string]float64, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, pkg)
	cmd.Dir = b.root
	cmd.Env = os.Environ()
	if b.postgres != "" {
		cmd.Env = append(cmd.Env, "TEST_DATABASE_URL="+b.postgres)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, out.String())
	}
	res := map[string]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		ns, err := strconv.ParseFloat(f[2], 64)
		if err == nil {
			res[name] = ns
		}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("go test -bench %s %s: no result\n%s", pattern, pkg, out.String())
	}
	return res, nil
}

// sortedKeys orders benchmark names SQLite before PostgreSQL and none due
// before 1,000 due.
func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	rank := strings.NewReplacer("sqlite", "0", "postgres", "1", "none_due", "0")
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(rank.Replace(a), rank.Replace(b)) })
	return keys
}

// goProfile runs one package benchmark under the CPU profiler and returns
// the functions that take the most time, with what they call (pprof -top
// -cum), the runtime's and the test framework's own frames left out.
func (b *bench) goProfile(ctx context.Context, pkg, pattern, benchtime string) (string, error) {
	dir, err := os.MkdirTemp(b.tmp, "profile-")
	if err != nil {
		return "", err
	}
	bin, prof := filepath.Join(dir, "pkg.test"), filepath.Join(dir, "cpu.out")
	test := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime,
		"-cpuprofile", prof, "-o", bin, pkg)
	test.Dir = b.root
	if out, err := test.CombinedOutput(); err != nil {
		return "", fmt.Errorf("profile %s: %w\n%s", pattern, err, out)
	}
	return pprofTop(ctx, bin, prof, 26)
}

// pprofTop is pprof -top -cum of a CPU profile of bin, its first lines
// lines: the functions that take the most time, with what they call, the
// runtime's and the test framework's own frames left out.
func pprofTop(ctx context.Context, bin, prof string, lines int) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", fmt.Sprintf("-nodecount=%d", lines+40), bin, prof).Output()
	if err != nil {
		return "", fmt.Errorf("pprof: %w", err)
	}
	var top []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 0, strings.HasPrefix(l, "File:"), strings.HasPrefix(l, "Build ID:"), strings.HasPrefix(l, "Type:"),
			strings.HasPrefix(l, "Time:"), strings.HasPrefix(l, "Showing"):
		case len(f) >= 6 && (strings.HasPrefix(f[5], "runtime.") || strings.HasPrefix(f[5], "testing.")):
		default:
			top = append(top, l)
		}
		if len(top) == lines {
			break
		}
	}
	return strings.Join(top, "\n"), nil
}
