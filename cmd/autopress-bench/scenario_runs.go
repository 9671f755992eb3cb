package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai/aitest"
)

const (
	latencyArticles    = 200
	latencyEach        = 200 * time.Millisecond
	latencyConcurrency = 8
)

var latencyScenario = scenario{
	Name:  "latency",
	Title: "latency-bound efficiency",
	About: fmt.Sprintf("The fake provider answers every request after %s, without rate limits. A first run "+
		"(stages 1–3) queues writing tasks; the measured run writes %d articles (stage 4 alone, "+
		"max_tasks_per_run) with run concurrency %d and AI_CONCURRENCY=%d. The floor is N·L/C = %s; the "+
		"ratio is the floor over the stage's time (its started and finished times).",
		latencyEach, latencyArticles, latencyConcurrency, latencyConcurrency,
		time.Duration(latencyArticles)*latencyEach/latencyConcurrency),
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		fake := aitest.NewFakeOpenAI()
		defer fake.Close()
		var r run
		env := openAIEnv(fake, map[string]string{"AI_CONCURRENCY": fmt.Sprint(latencyConcurrency)})
		err := b.withServer(ctx, serverOptions{Env: env}, func(s *server) error {
			if err := s.importKeywords(ctx, keywords("latency", 67)); err != nil {
				return err
			}
			if err := s.configure(ctx, stagesOnly(1, 2, 3)); err != nil {
				return err
			}
			if _, err := s.runToEnd(ctx); err != nil {
				return fmt.Errorf("preparing the tasks: %w", err)
			}
			cfg := stagesOnly(4)
			cfg["max_tasks_per_run"] = latencyArticles
			cfg["concurrency"] = latencyConcurrency
			if err := s.configure(ctx, cfg); err != nil {
				return err
			}
			fake.SetLatency(latencyEach)
			var err error
			r, err = s.runToEnd(ctx)
			return err
		})
		if err != nil {
			return nil, err
		}
		st := r.Stages[3]
		if st.StartedAt == nil || st.FinishedAt == nil || st.Processed != latencyArticles {
			return nil, fmt.Errorf("stage 4 wrote %d articles (started %v, finished %v)", st.Processed, st.StartedAt, st.FinishedAt)
		}
		took := st.FinishedAt.Sub(*st.StartedAt)
		floor := time.Duration(latencyArticles) * latencyEach / latencyConcurrency
		eff := row{Metric: "stage 4 time (N·L/C ÷ actual)", Value: took.Seconds(), Unit: "s", Reference: floor.Seconds(),
			ReferenceText: "s floor", Ratio: floor.Seconds() / took.Seconds()}
		wall := r.CompletedAt.Sub(*r.StartedAt)
		// Each of the C slots is busy for the stage's time: what is not the
		// provider's latency is the executor's own work per article (pick,
		// credit hold, commit) and waiting for the CPU.
		outside := (took*latencyConcurrency - time.Duration(latencyArticles)*latencyEach) / latencyArticles
		return []row{
			eff.goal("≥ 0.9", eff.Ratio >= 0.9).
				note(fmt.Sprintf("a slot spends %s per article outside the AI call (picking, the credit hold, the commit, "+
					"and waiting for a CPU when the machine is busy: see the load average)", outside.Round(100*time.Microsecond))),
			row{Metric: "whole run, start to end", Value: wall.Seconds(), Unit: "s", Reference: floor.Seconds(), ReferenceText: "s floor",
				Ratio: floor.Seconds() / wall.Seconds()},
		}, nil
	},
}

var engineScenario = scenario{
	Name:  "engine",
	Title: "engine items per second beside raw transactions",
	About: "A whole run of the demo site with 150 more keywords (≈ 1,280 items through the seven stages) against " +
		"the fake OpenAI provider answering at once with ready answers (a small PNG for an image), so the " +
		"executor and the database are what is measured, not the drawing of images: " +
		"items (processed, every stage) over the run's time. Then, the server stopped, the same database is " +
		"opened with autopress's own driver settings (db.Open) and 4 workers (the run's concurrency) run " +
		"two-statement write transactions (an update of a row, an insert) for 5 s: the reference.",
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		var rows []row
		for _, pg := range []bool{false, true} {
			name := "SQLite"
			if pg {
				name = "PostgreSQL"
				if b.postgres == "" {
					continue
				}
			}
			var itemsPerSec, txPerSec float64
			var items int
			fake := aitest.NewFakeOpenAI()
			defer fake.Close()
			err := b.withServer(ctx, serverOptions{Postgres: pg, Env: openAIEnv(fake, nil)}, func(s *server) error {
				if err := s.importKeywords(ctx, keywords("engine", 50)); err != nil {
					return err
				}
				if err := s.configure(ctx, map[string]any{}); err != nil {
					return err
				}
				r, err := s.runToEnd(ctx)
				if err != nil {
					return err
				}
				items, _ = r.items()
				itemsPerSec = float64(items) / r.CompletedAt.Sub(*r.StartedAt).Seconds()
				s.stopProcess()
				d, err := db.Open(ctx, s.dbURL, s.dataDir)
				if err != nil {
					return err
				}
				defer d.Close()
				txPerSec, err = dbtest.RawTransactions(ctx, d, 4, 5*time.Second)
				return err
			})
			if err != nil {
				return rows, fmt.Errorf("%s: %w", name, err)
			}
			rows = append(rows, against(name+": items per second", itemsPerSec, "items/s", txPerSec, "raw 2-statement tx/s").
				goal("≥ 0.5", itemsPerSec >= 0.5*txPerSec).
				note(fmt.Sprintf("%d items; %.1f raw transactions' time per item.", items, txPerSec/itemsPerSec)))
		}
		if len(rows) > 0 && !*rows[0].Met {
			// Where the time of an item goes, in process: the demo run's
			// Go benchmark under the profiler.
			prof, err := b.goProfile(ctx, "./jobs/automation/", "BenchmarkDemoRun/sqlite", "10x")
			if err != nil {
				return rows, err
			}
			rows[0].Profile = "BenchmarkDemoRun/sqlite (jobs/automation), pprof -top -cum:\n" + prof
		}
		return rows, nil
	},
}

const firstCallRuns = 20

var firstCallScenario = scenario{
	Name:  "first-call",
	Title: "start of a run → its first AI call",
	About: fmt.Sprintf("%d times: start a run of the demo site through the API (POST …/runs) and time until "+
		"its first request reaches the fake provider (which then holds it), then cancel the run. SQLite, "+
		"one server.", firstCallRuns),
	Run: func(ctx context.Context, b *bench) ([]row, error) {
		fake := aitest.NewFakeOpenAI()
		defer fake.Close()
		fake.SetLatency(time.Minute) // the call stays in flight until the cancel
		var took []time.Duration
		err := b.withServer(ctx, serverOptions{Env: openAIEnv(fake, nil)}, func(s *server) error {
			for i := 1; i <= firstCallRuns; i++ {
				arrived := fake.Arrived(i)
				start := time.Now()
				r, err := s.startRun(ctx)
				if err != nil {
					return err
				}
				select {
				case <-arrived:
					took = append(took, time.Since(start))
				case <-time.After(30 * time.Second):
					return fmt.Errorf("run %d: no AI call within 30 s", r.ID)
				}
				if err := s.api(ctx, "POST", fmt.Sprintf("/api/v1/runs/%d/cancel", r.ID), nil, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		slices.Sort(took)
		p95 := took[int(math.Ceil(0.95*float64(len(took))))-1]
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		return []row{
			measured("p50", ms(took[len(took)/2]), "ms"),
			against("p95", ms(p95), "ms", 300, "ms goal").goal("< 300 ms", p95 < 300*time.Millisecond),
			measured("max", ms(took[len(took)-1]), "ms"),
		}, nil
	},
}

// rssScenario reports what the servers' peak resident sets were; it is
// filled from every other scenario, not run.
var rssScenario = scenario{
	Name:  "rss",
	Title: "peak RSS of the server processes",
	About: "The highest VmHWM (/proc/PID/status) of the autopress processes of each scenario, read as each stops.",
}

func (b *bench) rssRows() []row {
	var rows []row
	var peak int64
	for _, sc := range scenarios {
		rss, ok := b.peakRSS[sc.Name]
		if !ok {
			continue
		}
		peak = max(peak, rss)
		rows = append(rows, measured(sc.Name, float64(rss)/(1<<20), "MiB"))
	}
	if peak > 0 {
		mib := float64(peak) / (1 << 20)
		rows = append(rows, against("highest", mib, "MiB", 150, "MiB goal").goal("< 150 MiB", mib < 150).
			note("the issue's goal is for the pages scenario (a big site, its pages under load, a run working); this is the highest of the scenarios run"))
	}
	return rows
}
