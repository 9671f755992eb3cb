package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs"
)

// syncBuffer is a log sink safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// startScheduler builds and starts a scheduler on a fake clock, shut down
// when the test ends.
func startScheduler(t *testing.T, d *db.DB, log *slog.Logger, js ...jobs.Job) (gocron.Scheduler, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2025, 3, 30, 0, 30, 0, 0, time.UTC))
	s, err := jobs.NewScheduler(d, clock, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	if err := jobs.Register(s, log, js...); err != nil {
		t.Fatal(err)
	}
	s.Start()
	return s, clock
}

// tickUntil advances the fake clock by step until cond holds (the scheduler
// arms its timers asynchronously, so one Advance may come too early).
func tickUntil(t *testing.T, clock *clockwork.FakeClock, step time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		clock.Advance(step)
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not reached in 10 s")
}

func TestRegisteredJobRunsOnTheFakeClock(t *testing.T) {
	log, _ := testLogger()
	var runs atomic.Int32
	_, clock := startScheduler(t, dbtest.New(t, db.SQLite), log, jobs.Job{
		Name:  "test-job",
		Every: time.Minute,
		Run: func(ctx context.Context) error {
			if ctx == nil {
				t.Error("job got a nil context")
			}
			runs.Add(1)
			return nil
		},
	})
	tickUntil(t, clock, time.Minute, func() bool { return runs.Load() >= 3 })
}

func TestJobErrorsAndPanicsAreLoggedAndItRunsAgain(t *testing.T) {
	log, buf := testLogger()
	var runs atomic.Int32
	_, clock := startScheduler(t, dbtest.New(t, db.SQLite), log, jobs.Job{
		Name:  "flaky",
		Every: time.Minute,
		Run: func(context.Context) error {
			switch runs.Add(1) {
			case 1:
				panic("boom")
			case 2:
				return errors.New("flaky: upstream down")
			}
			return nil
		},
	})
	tickUntil(t, clock, time.Minute, func() bool { return runs.Load() >= 3 })
	out := buf.String()
	for _, want := range []string{`msg="job panicked" job=flaky panic=boom`, `msg="job failed" job=flaky err="flaky: upstream down"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestRegisterRejectsBadJobs(t *testing.T) {
	log, _ := testLogger()
	s, err := jobs.NewScheduler(dbtest.New(t, db.SQLite), clockwork.NewFakeClock(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	ok := func(context.Context) error { return nil }
	for _, j := range []jobs.Job{
		{Name: "", Every: time.Minute, Run: ok},
		{Name: "no-interval", Run: ok},
		{Name: "no-run", Every: time.Minute},
	} {
		if err := jobs.Register(s, log, j); err == nil {
			t.Errorf("Register(%+v): want an error", j)
		}
	}
	if err := jobs.Register(s, log, jobs.Job{Name: "twice", Every: time.Minute, Run: ok}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Register(s, log, jobs.Job{Name: "twice", Every: time.Minute, Run: ok}); err == nil {
		t.Error("registering a name twice: want an error")
	}
}

func TestShutdownCancelsRunningJob(t *testing.T) {
	log, _ := testLogger()
	started := make(chan struct{})
	stopped := make(chan error, 1)
	clock := clockwork.NewFakeClock()
	s, err := jobs.NewScheduler(dbtest.New(t, db.SQLite), clock, log)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	err = jobs.Register(s, log, jobs.Job{Name: "long", Every: time.Minute, Run: func(ctx context.Context) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		stopped <- ctx.Err()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	tickUntil(t, clock, time.Minute, func() bool {
		select {
		case <-started:
			return true
		default:
			return false
		}
	})
	if err := s.Shutdown(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("job context ended with %v", err)
		}
	default:
		t.Fatal("Shutdown returned before the running job saw its context end")
	}
}

// Two instances on one PostgreSQL database: while one runs a singleton
// job, the other skips its tick; a non-singleton job runs on both.
func TestSingletonJobRunsOnOneInstance(t *testing.T) {
	ctx := context.Background()
	d1, url := dbtest.NewWithURL(t, db.Postgres, true)
	d2, err := db.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d2.Close() })

	release := make(chan struct{})
	var onA, onB, everywhere atomic.Int32
	job := func(counter *atomic.Int32) jobs.Job {
		return jobs.Job{Name: "queue-filler", Every: time.Minute, Singleton: true, Run: func(ctx context.Context) error {
			counter.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}}
	}
	poller := jobs.Job{Name: "run-claim-poller", Every: time.Minute, Run: func(context.Context) error {
		everywhere.Add(1)
		return nil
	}}

	logA, _ := testLogger()
	_, clockA := startScheduler(t, d1, logA, job(&onA), poller)
	tickUntil(t, clockA, time.Minute, func() bool { return onA.Load() == 1 })

	logB, bufB := testLogger()
	_, clockB := startScheduler(t, d2, logB, job(&onB), poller)
	tickUntil(t, clockB, time.Minute, func() bool {
		return strings.Contains(bufB.String(), "another instance runs it") && everywhere.Load() >= 2
	})
	if n := onB.Load(); n != 0 {
		t.Fatalf("instance B ran the singleton job %d times while A held it", n)
	}

	close(release)
	tickUntil(t, clockB, time.Minute, func() bool { return onB.Load() >= 1 })
}
