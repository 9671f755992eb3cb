package handlers_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/handlers"
	"autopress/handlers/handlertest"
	"autopress/jobs/ai"
	"autopress/jobs/automation"
)

// chromium returns the browser to drive: CHROMIUM_PATH or /usr/bin/chromium.
// Without one the test is skipped loudly, or fails when REQUIRE_BROWSER=1.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatalf("REQUIRE_BROWSER=1 but there is no Chromium at %s (set CHROMIUM_PATH)", path)
		}
		fmt.Fprintf(os.Stderr, "\n*** %s: no Chromium at %s: the browser test is SKIPPED (set CHROMIUM_PATH) ***\n", t.Name(), path)
		t.Skipf("no Chromium at %s", path)
	}
	return path
}

// TestBrowserRunProgress drives a real browser: log in through the form,
// start a run from the dashboard, land on the run page and watch the htmx
// partial bring the progress to 100% without a reload; then the polling
// stops. The app runs on the real clock with a local AI provider that
// takes 100 ms a call, and the run poller in the background, as in
// production.
func TestBrowserRunProgress(t *testing.T) {
	exec := chromium(t)
	d := dbtest.New(t, db.SQLite)
	clock := clockwork.NewRealClock()
	app := handlertest.New(t, d, handlertest.WithDeps(func(deps *handlers.Deps) {
		deps.Clock = clock
		deps.Runs = automation.New(deps.DB, ai.NewLocal(100*time.Millisecond), clock, deps.Log, automation.Config{DataDir: deps.DataDir})
	}))
	loopCtx, stopLoop := context.WithCancel(context.Background())
	loopDone := make(chan struct{})
	go func() { defer close(loopDone); app.Deps.Runs.Loop(loopCtx) }()
	t.Cleanup(func() {
		stopLoop()
		<-loopDone
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		app.Deps.Runs.Shutdown(shutdown)
	})

	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")
	importDemo(t, app, site)
	cfg, err := d.GetAutomationConfig(context.Background(), site.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Concurrency = 2 // about 50 calls of 100 ms: a run of a few seconds
	if err := d.SaveAutomationConfig(context.Background(), cfg, clock.Now()); err != nil {
		t.Fatal(err)
	}

	// No timeout on the allocator's context: it would kill the browser.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The run draws 42 PNGs of 1536×1024: seconds under the race detector
	// on an idle machine, much more on a busy one.
	ctx, cancel := context.WithTimeout(browser, 2*time.Minute)
	defer cancel()

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\napp log:\n%s", what, err, app.Logs())
		}
	}
	testid := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

	// Log in through the form.
	must("log in", chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), ann.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(testid("logout")),
	))

	// Start a run from the dashboard; the browser lands on its page.
	must("start a run", chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/sites/%d", app.URL, site.ID)),
		chromedp.Click(testid("start-run")),
		chromedp.WaitVisible(testid("run-progress")),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	var runID int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, app.URL), "/runs/%d", &runID); err != nil {
		t.Fatalf("after Start the browser is at %s, want a run page", loc)
	}
	// A reload would drop this mark.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.autopressMark = true`))
	must("mark the page", err)

	// Watch the percentage change as htmx swaps the partial in.
	var seen []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		pct, err := chromedp.Run(ctx, chromedp.Text(testid("run-percent")))
		if err == nil && (len(seen) == 0 || seen[len(seen)-1] != pct) {
			seen = append(seen, pct)
		}
		if pct == "100%" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run page did not reach 100%% (seen %v)\napp log:\n%s", seen, app.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(seen) < 2 || seen[0] == "100%" {
		t.Errorf("the progress did not change on the page: %v", seen)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(testid("run-status")))
	must("status", err)
	if status != "completed" {
		t.Errorf("status %q at 100%%, want completed", status)
	}
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.autopressMark === true`))
	must("read the mark", err)
	if !marked {
		t.Error("the page was reloaded; the progress must come from the htmx partial")
	}

	// The completed partial has no trigger, and no more requests come.
	polling, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="run-progress"]').hasAttribute('hx-trigger')`))
	must("read hx-trigger", err)
	if polling {
		t.Error("the completed run's partial still has hx-trigger")
	}
	progressPath := fmt.Sprintf("path=/runs/%d/progress", runID)
	before := strings.Count(app.Logs(), progressPath)
	if before == 0 {
		t.Error("the page never fetched its progress partial")
	}
	time.Sleep(2500 * time.Millisecond)
	if after := strings.Count(app.Logs(), progressPath); after != before {
		t.Errorf("polling went on after the run completed: %d partial requests, then %d", before, after)
	}
	t.Logf("progress seen on the page: %v; %d partial requests", seen, before)
}
