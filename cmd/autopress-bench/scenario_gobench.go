package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
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

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Keep sqlite before postgres and none_due before 1000_due.
	rank := func(k string) string {
		k = strings.Replace(k, "sqlite", "0", 1)
		k = strings.Replace(k, "postgres", "1", 1)
		return strings.Replace(k, "none_due", "0", 1)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if rank(keys[j]) < rank(keys[i]) {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}
