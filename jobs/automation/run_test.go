package automation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
)

func TestManualRunStartPauseResumeComplete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.start()
		// Pause from inside the third article call: that call still commits.
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" && n == 3 {
				if _, err := e.svc.Pause(ctx, e.user.AccountID, r.ID, "tester"); err != nil {
					t.Errorf("pause: %v", err)
				}
			}
			return nil
		})
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunPaused || got.LeaseOwner != "" || got.CurrentStage != 4 {
			t.Fatalf("after pause: status %s, lease %q, stage %d; want paused, released, stage 4", got.Status, got.LeaseOwner, got.CurrentStage)
		}
		articles := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ?`, e.site.ID)
		if articles < 3 {
			t.Fatalf("in-flight article calls must commit after pause: %d articles", articles)
		}
		if _, err := e.svc.Pause(e.ctx, e.user.AccountID, r.ID, "tester"); !errors.Is(err, db.ErrBadTransition) {
			t.Fatalf("pausing a paused run: %v, want ErrBadTransition", err)
		}
		e.ai.setBefore(nil)
		if _, err := e.svc.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		e.execute(e.svc, r.ID)
		got = e.run(r.ID)
		if got.Status != db.RunCompleted || got.StoppedReason != ReasonCompleted {
			t.Fatalf("status %s (%s: %s), want completed", got.Status, got.StoppedReason, got.StoppedDetail)
		}
		e.assertDrained()
		if _, err := e.svc.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); !errors.Is(err, db.ErrBadTransition) {
			t.Fatalf("resuming a completed run: %v, want ErrBadTransition", err)
		}
		// Each task's article was written exactly once.
		if calls, tasks := e.ai.count("article"), e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ?`, e.site.ID); calls != int64(tasks) {
			t.Fatalf("%d article calls for %d tasks", calls, tasks)
		}
		snap, _ := ParseSnapshot(got)
		if p := Stages.Progress(got, snap, e.results(r.ID)); p != 100 {
			t.Fatalf("progress of a completed run = %d", p)
		}
		// Dashboard counts equal direct SQL counts.
		pc, err := d.Pipeline(e.ctx, e.site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pc.Content["approved"] != e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved'`, e.site.ID) ||
			pc.Keywords["clustered"] != len(e.keywords()) || pc.Images != e.count(`SELECT COUNT(*) FROM images WHERE site_id = ?`, e.site.ID) {
			t.Fatalf("pipeline counts %+v disagree with SQL", pc)
		}
	})
}

func (e *env) keywords() []int64 {
	var ids []int64
	e.d.SelectContext(e.ctx, &ids, e.d.Rebind(`SELECT id FROM keywords WHERE site_id = ?`), e.site.ID)
	return ids
}

func TestCancelFreesSiteAndNothingCommitsAfter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 4 })
		r := e.start()
		var blocked atomic.Int32
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" && n > 2 {
				blocked.Add(1)
				<-ctx.Done() // an AI call that only ends when cancelled
				return ctx.Err()
			}
			return nil
		})
		done := make(chan struct{})
		go func() { defer close(done); e.execute(e.svc, r.ID) }()
		waitFor(t, "4 article calls in flight", func() bool { return blocked.Load() == 4 })
		if _, err := e.svc.Cancel(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		committed := e.count(`SELECT COUNT(*) FROM content WHERE run_id = ?`, r.ID)
		events := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Wrote%'`, r.ID)
		// The site is free at once.
		r2, err := e.svc.Start(e.ctx, e.site, "tester")
		if err != nil {
			t.Fatalf("start right after cancel: %v", err)
		}
		<-done
		if n := e.count(`SELECT COUNT(*) FROM content WHERE run_id = ?`, r.ID); n != committed {
			t.Fatalf("%d articles of the cancelled run committed after cancel returned", n-committed)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE 'Wrote%'`, r.ID); n != events {
			t.Fatal("log events of the cancelled run committed after cancel returned")
		}
		got := e.run(r.ID)
		if got.Status != db.RunCancelled || got.StoppedReason != ReasonCancelled || got.LeaseOwner != "" {
			t.Fatalf("cancelled run: %+v", got)
		}
		// Holds of the interrupted calls were refunded.
		e.assertLedger()
		// The new run finishes what is left.
		e.ai.setBefore(nil)
		e.execute(e.svc, r2.ID)
		if got := e.run(r2.ID); got.Status != db.RunCompleted {
			t.Fatalf("second run: %s %s", got.Status, got.StoppedDetail)
		}
		e.assertDrained()
		if _, err := e.svc.Cancel(e.ctx, e.user.AccountID, r.ID, "tester"); !errors.Is(err, db.ErrBadTransition) {
			t.Fatalf("cancelling a cancelled run: %v", err)
		}
	})
}

func TestConcurrentStartsMakeOneRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var wg sync.WaitGroup
		var ok, busy atomic.Int32
		var other sync.Map
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.svc.Start(e.ctx, e.site, "tester")
				var active *db.ActiveRunError
				switch {
				case err == nil:
					ok.Add(1)
				case errors.As(err, &active) && active.RunID > 0 && strings.Contains(err.Error(), "already running"):
					busy.Add(1)
				default:
					other.Store(err.Error(), true)
				}
			}()
		}
		wg.Wait()
		other.Range(func(k, _ any) bool { t.Errorf("unexpected error: %v", k); return true })
		if ok.Load() != 1 || busy.Load() != 49 {
			t.Fatalf("%d started, %d already running; want 1 and 49", ok.Load(), busy.Load())
		}
		if n := e.count(`SELECT COUNT(*) FROM automation_runs WHERE site_id = ?`, e.site.ID); n != 1 {
			t.Fatalf("%d runs in the database", n)
		}
	})
}

func TestResumeAfterLongPauseProcessesOnlyPending(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.start()
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "image" && n == 5 {
				e.svc.Pause(ctx, e.user.AccountID, r.ID, "tester")
			}
			return nil
		})
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunPaused || got.CurrentStage != 6 {
			t.Fatalf("want paused in stage 6, got %s in %d", got.Status, got.CurrentStage)
		}
		e.ai.setBefore(nil)
		pendingImages := e.count(`SELECT COUNT(*) FROM image_prompts WHERE site_id = ? AND status = 'pending'`, e.site.ID)
		before := map[string]int64{}
		for _, fn := range []string{"cluster", "ideas", "article", "prompts", "image"} {
			before[fn] = e.ai.count(fn)
		}
		e.clock.Advance(7*time.Hour + 30*time.Minute)
		if _, err := e.svc.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.Poll(e.ctx); err != nil || n != 1 {
			t.Fatalf("poll after resume: %d %v", n, err)
		}
		e.svc.wg.Wait()
		got := e.run(r.ID)
		if got.Status != db.RunCompleted {
			t.Fatalf("after resume: %s %s", got.Status, got.StoppedDetail)
		}
		for _, fn := range []string{"cluster", "ideas", "article", "prompts"} {
			if e.ai.count(fn) != before[fn] {
				t.Errorf("resume went back to earlier stages: %d more %s calls", e.ai.count(fn)-before[fn], fn)
			}
		}
		if n := e.ai.count("image") - before["image"]; n != int64(pendingImages) {
			t.Errorf("resume made %d image calls for %d pending prompts", n, pendingImages)
		}
		e.assertDrained()
	})
}

func TestTakeoverAfterExecutorDies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 3 })
		a, b := e.svc, e.newService()
		r := e.start()
		var inflight atomic.Int32
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" && n >= 5 && n <= 7 {
				if inflight.Add(1) == 3 {
					a.crash(r.ID) // the instance dies with 3 calls in flight
				}
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		})
		e.execute(a, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunRunning || got.LeaseOwner != a.Owner() {
			t.Fatalf("after the crash the run must stay running and leased to the dead executor: %s %q", got.Status, got.LeaseOwner)
		}
		if n, _ := b.Poll(e.ctx); n != 0 {
			t.Fatal("another executor claimed a run whose lease has not expired")
		}
		e.ai.setBefore(nil)
		e.clock.Advance(31 * time.Second)
		e.execute(b, r.ID)
		got = e.run(r.ID)
		if got.Status != db.RunCompleted || got.Takeovers != 1 {
			t.Fatalf("after takeover: %s, %d takeovers (%s)", got.Status, got.Takeovers, got.StoppedDetail)
		}
		e.assertDrained()
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%took the run over%'`, r.ID); n != 1 {
			t.Fatalf("%d takeover events", n)
		}
		// The items in flight at the crash were charged once: each hold key
		// is unique and each settled charge belongs to one committed item.
		if n := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'charge' AND operation = 'content_generation'`, r.ID); n != e.count(`SELECT COUNT(*) FROM content WHERE site_id = ?`, e.site.ID) {
			t.Fatalf("%d content charges for %d articles", n, e.count(`SELECT COUNT(*) FROM content WHERE site_id = ?`, e.site.ID))
		}
	})
}

func TestTooManyTakeoversFailTheRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.start()
		for i := 0; i < 6; i++ {
			s := e.newService()
			if _, _, err := d.ClaimRun(e.ctx, r.ID, s.Owner(), e.clock.Now(), 30*time.Second); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(31 * time.Second)
		}
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunFailed || !strings.Contains(got.StoppedDetail, "taken over") {
			t.Fatalf("got %s: %s", got.Status, got.StoppedDetail)
		}
		if _, err := e.svc.Start(e.ctx, e.site, "tester"); err != nil {
			t.Fatalf("a failed run must free the site: %v", err)
		}
	})
}

func TestPerRunLimitsAreExact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) {
			c.MaxKeywordsPerRun = 17
			c.MaxClustersPerRun = 3
			c.MaxIdeasPerRun = 5
			c.MaxTasksPerRun = 4
			c.MaxContentPerRun = 3
			c.MaxImagesPerRun = 5
			c.MaxApprovalsPerRun = 2
			c.Concurrency = 4
		})
		r := e.start()
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunCompleted || got.StoppedReason != ReasonLimitReached {
			t.Fatalf("got %s/%s: %s", got.Status, got.StoppedReason, got.StoppedDetail)
		}
		want := map[int]int{1: 17, 2: 3, 3: 5, 4: 4, 5: 3, 6: 5, 7: 2}
		for _, sr := range e.results(r.ID) {
			if sr.Taken() != want[sr.Stage] || !sr.LimitReached {
				t.Errorf("stage %d took %d (limit reached %v), want exactly %d", sr.Stage, sr.Taken(), sr.LimitReached, want[sr.Stage])
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM keywords WHERE site_id = ? AND status = 'new'`, e.site.ID); n != 40-17 {
			t.Fatalf("%d keywords still new, want 23", n)
		}
		// Lift the limits: the next run processes what is left.
		e.config(func(c *db.AutomationConfig) {
			c.MaxKeywordsPerRun, c.MaxClustersPerRun, c.MaxIdeasPerRun, c.MaxTasksPerRun = 0, 0, 0, 0
			c.MaxContentPerRun, c.MaxImagesPerRun, c.MaxApprovalsPerRun = 0, 0, 0
		})
		r2 := e.start()
		e.execute(e.svc, r2.ID)
		if got := e.run(r2.ID); got.Status != db.RunCompleted || got.StoppedReason != ReasonCompleted {
			t.Fatalf("second run: %s/%s", got.Status, got.StoppedReason)
		}
		e.assertDrained()
	})
}

func TestPauseWithItemsInFlight(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 4 })
		r := e.start()
		release := make(chan struct{})
		var inStage4 atomic.Int32
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" {
				inStage4.Add(1)
				<-release
			}
			return nil
		})
		done := make(chan struct{})
		go func() { defer close(done); e.execute(e.svc, r.ID) }()
		waitFor(t, "4 article calls in flight", func() bool { return inStage4.Load() == 4 })
		if _, err := e.svc.Pause(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		// "pausing…": paused, but the executor still holds the lease.
		if got := e.run(r.ID); got.Status != db.RunPaused || got.LeaseOwner == "" {
			t.Fatalf("while draining: %s lease %q", got.Status, got.LeaseOwner)
		}
		close(release)
		<-done
		if calls := e.ai.count("article"); calls != 4 {
			t.Fatalf("%d article calls: a new item started after the pause", calls)
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE run_id = ?`, r.ID); n != 4 {
			t.Fatalf("%d articles committed, want the 4 in flight", n)
		}
		if got := e.run(r.ID); got.LeaseOwner != "" {
			t.Fatal("lease not released after draining")
		}
		e.ai.setBefore(nil)
		e.svc.Resume(e.ctx, e.user.AccountID, r.ID, "tester")
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted {
			t.Fatalf("after resume: %s", got.Status)
		}
		e.assertDrained()
	})
}

func TestFailingItemsAreRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 3 })
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" && n%4 == 0 {
				return fmt.Errorf("provider said 500 for call %d", n)
			}
			return nil
		})
		r := e.start()
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunCompleted {
			t.Fatalf("a failing item must not fail the run: %s %s", got.Status, got.StoppedDetail)
		}
		s4 := e.results(r.ID)[3]
		failedTasks := e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ? AND status = 'queued' AND attempts = 1 AND last_error LIKE 'provider said 500%'`, e.site.ID)
		if s4.Failed == 0 || s4.Failed != failedTasks || s4.Processed+s4.Failed != s4.Expected {
			t.Fatalf("stage 4: %+v; %d tasks carry the error", s4, failedTasks)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND level = 'error' AND message LIKE '%provider said 500%'`, r.ID); n != s4.Failed {
			t.Fatalf("%d error events for %d failures", n, s4.Failed)
		}
		e.assertLedger()
		// Failed items are refunded: only successful work is paid for.
		if n := e.count(`SELECT COUNT(*) FROM credit_transactions WHERE run_id = ? AND kind = 'refund'`, r.ID); n != s4.Failed {
			t.Fatalf("%d refunds for %d failed items", n, s4.Failed)
		}
		// Three failures across runs make an item failed for good.
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error { return errors.New("always down") })
		for i := 0; i < 2; i++ {
			r := e.start()
			e.execute(e.svc, r.ID)
		}
		if n := e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ? AND status = 'failed' AND last_error = 'always down'`, e.site.ID); n != failedTasks {
			t.Fatalf("%d tasks failed for good, want %d", n, failedTasks)
		}
	})
}

func TestRunWhereEveryItemFailsEndsFailed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error { return errors.New("model not found") })
		r := e.start()
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunFailed || got.StoppedReason != ReasonFailed || !strings.Contains(got.StoppedDetail, "model not found") {
			t.Fatalf("got %s/%s: %s", got.Status, got.StoppedReason, got.StoppedDetail)
		}
		if _, err := e.svc.Start(e.ctx, e.site, "tester"); err != nil {
			t.Fatalf("a failed run must free the site: %v", err)
		}
		e.assertLedger()
	})
}

func TestPauseWhileFinishingReleasesTheLease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		r := e.start()
		x, err := e.svc.claim(e.ctx, r.ID)
		if err != nil || x == nil {
			t.Fatalf("claim: %v", err)
		}
		// Every stage done; the run is paused just before it is finished.
		x.run.CurrentStage = 8
		if _, err := e.svc.Pause(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		if err := x.stages(); !errors.Is(err, errPaused) {
			t.Fatalf("stages: %v, want errPaused", err)
		}
		e.release(x)
		if got := e.run(r.ID); got.Status != db.RunPaused || got.LeaseOwner != "" {
			t.Fatalf("after a pause while finishing: %s, lease %q; want paused and released", got.Status, got.LeaseOwner)
		}
	})
}

func TestStage7SkipsArticlesAPersonMoved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Stage7Enabled = false })
		r := e.start()
		e.execute(e.svc, r.ID)
		var ids []int64
		d.SelectContext(e.ctx, &ids, d.Rebind(`SELECT id FROM content WHERE site_id = ? AND status = 'review' ORDER BY id`), e.site.ID)
		if len(ids) < 3 {
			t.Fatalf("%d articles in review", len(ids))
		}
		// A person rejects one while stage 7's batch holds its id.
		r2 := e.start()
		x, err := e.svc.claim(e.ctx, r2.ID)
		if err != nil || x == nil {
			t.Fatal(err)
		}
		if err := d.ApplyContentAction(e.ctx, e.user.AccountID, ids[1], db.ActionReject, "person", t0); err != nil {
			t.Fatal(err)
		}
		err = d.CommitApprovals(e.ctx, db.ItemCommit{RunID: r2.ID, Owner: e.svc.Owner(), SiteID: e.site.ID, Stage: 7, Now: t0}, ids)
		if err != nil {
			t.Fatalf("a moved article must not fail the batch: %v", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved'`, e.site.ID); n != len(ids)-1 {
			t.Fatalf("%d approved, want %d", n, len(ids)-1)
		}
		if sr := e.results(r2.ID)[6]; sr.Processed != len(ids)-1 || sr.Skipped != 1 {
			t.Fatalf("stage 7 counters %+v", sr)
		}
		x.cancel(errors.New("test over"))
		x.stopAF()
		e.svc.wg.Done()
	})
}

// TestPauseResumeStormLosesNothing: many goroutines pause and resume a run
// while its articles are in flight and its heartbeat reads the status (the
// fake clock moves on with every request). Whatever order they land in,
// the run ends with every item processed exactly once: a pause seen by the
// stage loop drains it even when the heartbeat sees the resume first, and
// no stage is marked done with items still waiting.
func TestPauseResumeStormLosesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 4 })
		r := e.start()
		inStage4 := make(chan struct{})
		var once sync.Once
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" {
				once.Do(func() { close(inStage4) })
				time.Sleep(time.Millisecond) // latency: items stay in flight through the storm
			}
			return nil
		})
		stormDone := make(chan struct{})
		executed := make(chan error, 1)
		go func() {
			// The run's executor, claimed again whenever a pause let it go.
			for {
				err := e.svc.Execute(e.ctx, r.ID)
				if err != nil && !errors.Is(err, db.ErrConflict) {
					executed <- err
					return
				}
				got, gerr := e.d.RunByID(e.ctx, r.ID)
				switch {
				case gerr != nil || !got.Active():
					executed <- gerr
					return
				case err != nil && got.Status == db.RunRunning && got.LeaseOwner != "":
					// Not claimable, yet no executor works it: an executor
					// stopped and kept the lease.
					executed <- fmt.Errorf("run left running under %s's lease with no executor", got.LeaseOwner)
					return
				}
				select {
				case <-stormDone:
				case <-time.After(time.Millisecond): // paused: look again soon
				}
			}
		}()
		<-inStage4
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 12 {
					if (g+i)%2 == 0 {
						e.svc.Pause(e.ctx, e.user.AccountID, r.ID, "storm")
					} else {
						e.svc.Resume(e.ctx, e.user.AccountID, r.ID, "storm")
					}
					e.clock.Advance(500 * time.Millisecond) // the heartbeat's status reads run too
				}
			}()
		}
		wg.Wait()
		close(stormDone)
		if got := e.run(r.ID); got.Status == db.RunPaused {
			if _, err := e.svc.Resume(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
				t.Fatal(err)
			}
		}
		if err := <-executed; err != nil {
			t.Fatal(err)
		}
		if got := e.run(r.ID); got.Status != db.RunCompleted || got.CurrentStage != len(db.Stages)+1 {
			t.Fatalf("after the storm: %s (%s) at stage %d", got.Status, got.StoppedDetail, got.CurrentStage)
		}
		if calls, tasks := e.ai.count("article"), e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ?`, e.site.ID); calls != int64(tasks) {
			t.Errorf("%d article calls for %d tasks", calls, tasks)
		}
		e.assertDrained()
	})
}
