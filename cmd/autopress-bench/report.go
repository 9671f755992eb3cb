package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"autopress/db/dbtest"
)

// row is one measured figure beside its reference.
type row struct {
	Metric string
	Value  float64
	Unit   string
	// Reference is the figure compared with (NaN: none) and what it is.
	Reference     float64
	ReferenceText string
	// Ratio is Value ÷ Reference unless set otherwise (NaN: none).
	Ratio float64
	// Goal says what the figure should be ("ratio ≥ 0.9"); Met whether it
	// is (nil: no goal).
	Goal string
	Met  *bool
	Note string
	// Profile is shown under the scenario as it is (a pprof top, say).
	Profile string
}

// measured is a row without reference or goal.
func measured(metric string, v float64, unit string) row {
	return row{Metric: metric, Value: v, Unit: unit, Reference: math.NaN(), Ratio: math.NaN()}
}

// against is a row with a reference; the ratio is value ÷ reference.
func against(metric string, v float64, unit string, ref float64, refText string) row {
	return row{Metric: metric, Value: v, Unit: unit, Reference: ref, ReferenceText: refText, Ratio: v / ref}
}

// goal sets the row's goal and whether ok meets it.
func (r row) goal(text string, ok bool) row {
	r.Goal, r.Met = text, &ok
	return r
}

func (r row) note(n string) row {
	r.Note = n
	return r
}

func number(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return thousands(int64(v))
	case math.Abs(v) >= 100:
		return thousands(int64(math.Round(v)))
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func ratio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return fmt.Sprintf("%.3f", v)
}

func verdict(r row) string {
	switch {
	case r.Met == nil:
		return ""
	case *r.Met:
		return "met"
	}
	return "MISSED"
}

// table is the results as a plain-text table.
func table(results []result) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SCENARIO\tFIGURE\tVALUE\tREFERENCE\tRATIO\tGOAL\t")
	for _, res := range results {
		if res.err != nil {
			fmt.Fprintf(w, "%s\tERROR: %v\t\t\t\t\t\n", res.scenario.Name, res.err)
		}
		for _, r := range res.rows {
			ref := ""
			if !math.IsNaN(r.Reference) {
				ref = number(r.Reference) + " " + r.ReferenceText
			}
			fmt.Fprintf(w, "%s\t%s\t%s %s\t%s\t%s\t%s %s\t\n", res.scenario.Name, r.Metric, number(r.Value), r.Unit, ref, ratio(r.Ratio), r.Goal, verdict(r))
		}
	}
	w.Flush()
	return b.String()
}

// machineInfo describes where the figures were taken.
type machineInfo struct {
	CPU, Memory, OS, Go, Postgres string
	Cores                         int
	Date                          time.Time
	// Load is the load average at the start and at the end of the run.
	Load [2]string
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return "?"
}

func machine(ctx context.Context, b *bench) machineInfo {
	m := machineInfo{Cores: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		Load: [2]string{b.loadAtStart, loadAverage()}}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		fmt.Sscan(strings.Fields(kb)[0], &n)
		m.Memory = fmt.Sprintf("%.0f GiB", float64(n)/1024/1024)
	}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.Go = strings.TrimSpace(strings.TrimPrefix(string(out), "go version "))
	}
	if b.postgres != "" {
		if v, err := dbtest.PostgresVersion(ctx, b.postgres); err == nil {
			m.Postgres = "PostgreSQL " + v
		}
	}
	return m
}

// procField reads "key : value" from a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// markdown is docs/benchmarks.md.
func markdown(m machineInfo, results []result, took time.Duration) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Benchmarks\n\n")
	p("Written by `make bench` (`go run ./cmd/autopress-bench`), which builds the binary and\n")
	p("measures it from outside, every scenario in one run, each figure beside its reference.\n")
	p("Nothing here is asserted by `make test`. Edit the driver, not this file: the next\n")
	p("`make bench` rewrites it.\n\n")
	p("## Machine\n\n")
	p("| | |\n|---|---|\n")
	p("| date | %s |\n", m.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("| CPU | %s, %d cores |\n", m.CPU, m.Cores)
	p("| memory | %s |\n", m.Memory)
	p("| OS | %s |\n", m.OS)
	p("| Go | %s |\n", m.Go)
	p("| load average (1, 5, 15 min) | %s at the start, %s at the end (other work on the machine slows every figure) |\n", m.Load[0], m.Load[1])
	pg := m.Postgres
	if pg == "" {
		pg = "not available: PostgreSQL figures left out"
	}
	p("| database | SQLite (modernc, WAL) in a temporary directory; %s on the same machine |\n", pg)
	p("| whole run | %s |\n\n", took.Round(time.Second))

	p("## Figures\n\n")
	p("| scenario | figure | value | reference | ratio | goal |\n|---|---|---|---|---|---|\n")
	for _, res := range results {
		if res.err != nil {
			p("| %s | **error**: %s | | | | |\n", res.scenario.Name, escape(res.err.Error()))
		}
		for _, r := range res.rows {
			ref := ""
			if !math.IsNaN(r.Reference) {
				ref = number(r.Reference) + " " + r.ReferenceText
			}
			g := r.Goal
			if v := verdict(r); v != "" {
				g += " — " + map[string]string{"met": "met", "MISSED": "**missed**"}[v]
			}
			p("| %s | %s | %s %s | %s | %s | %s |\n", res.scenario.Name, escape(r.Metric), number(r.Value), r.Unit, escape(ref), ratio(r.Ratio), escape(g))
		}
	}
	p("\n## Scenarios\n\n")
	for _, res := range results {
		p("### %s — %s\n\n%s\n\n", res.scenario.Name, res.scenario.Title, res.scenario.About)
		var notes []string
		for _, r := range res.rows {
			if r.Note != "" {
				notes = append(notes, "- "+r.Metric+": "+r.Note)
			}
		}
		sort.Strings(notes)
		if len(notes) > 0 {
			p("%s\n\n", strings.Join(notes, "\n"))
		}
		for _, r := range res.rows {
			if r.Profile != "" {
				p("%s, why — CPU profile:\n\n```\n%s\n```\n\n", r.Metric, strings.TrimSpace(r.Profile))
			}
		}
		if res.took > 0 {
			p("Took %s. Alone: `go run ./cmd/autopress-bench -only %s -out ''`.\n\n", res.took.Round(time.Second), res.scenario.Name)
		}
	}
	p("## How to reproduce\n\n")
	p("```sh\nTEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' make bench\n```\n\n")
	p("Without `TEST_DATABASE_URL` the PostgreSQL figures are left out. The driver needs Go,\n")
	p("a free loopback port per server and, for PostgreSQL, a role that may create databases\n")
	p("(each server gets a fresh one, dropped afterwards). The whole run stays under ten\n")
	p("minutes on the machine above; the Go micro-benchmarks of the packages run with\n")
	p("`make bench-go`.\n")
	return b.String()
}

func escape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
