package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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

// gatedAI is the local provider with two gates, so a test can hold a run
// at a known point: clustering (the first AI call) waits for clusterGate and
// writing waits for writeGate.
type gatedAI struct {
	ai.Provider
	clusterGate, writeGate chan struct{}
	// writing is closed when the first article is asked for.
	writing     chan struct{}
	writingOnce sync.Once
}

func (g *gatedAI) ClusterKeywords(ctx context.Context, site ai.Site, kws []ai.Keyword) ([]ai.Cluster, error) {
	select {
	case <-g.clusterGate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Provider.ClusterKeywords(ctx, site, kws)
}

func (g *gatedAI) WriteArticle(ctx context.Context, site ai.Site, req ai.ArticleRequest) (ai.Article, error) {
	g.writingOnce.Do(func() { close(g.writing) })
	select {
	case <-g.writeGate:
	case <-ctx.Done():
		return ai.Article{}, ctx.Err()
	}
	return g.Provider.WriteArticle(ctx, site, req)
}

// TestBrowserRunProgress drives a real browser: log in through the form,
// start a run from the dashboard, land on the run page and watch the htmx
// partial bring the progress from 0% through a value between to 100%
// without a reload; then the polling stops. The run is held at known
// points by gates in the AI provider (no timing involved): at 0% while
// clustering waits, at a middle value while writing waits. The app runs on
// the real clock with the run poller in the background, as in production.
func TestBrowserRunProgress(t *testing.T) {
	tab := browserTab(t)
	d := dbtest.New(t, db.SQLite)
	clock := clockwork.NewRealClock()
	gate := &gatedAI{Provider: ai.NewLocal(0), clusterGate: make(chan struct{}), writeGate: make(chan struct{}), writing: make(chan struct{})}
	app := handlertest.New(t, d, handlertest.WithDeps(func(deps *handlers.Deps) {
		deps.Clock = clock
		deps.Runs = automation.New(deps.DB, gate, clock, deps.Log, automation.Config{})
	}))
	loopCtx, stopLoop := context.WithCancel(context.Background())
	loopDone := make(chan struct{})
	go func() { defer close(loopDone); app.Deps.Runs.Loop(loopCtx) }()
	openCluster := sync.OnceFunc(func() { close(gate.clusterGate) })
	openWrite := sync.OnceFunc(func() { close(gate.writeGate) })
	t.Cleanup(func() {
		openCluster()
		openWrite()
		stopLoop()
		<-loopDone
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		app.Deps.Runs.Shutdown(shutdown)
	})

	ann := app.NewUser(t, "ann@example.com", handlertest.Password, false)
	site := app.NewSite(t, ann, "Coffee")
	importDemo(t, app, site)

	// The run draws 42 PNGs of 1536×1024 after writing: seconds under the
	// race detector on an idle machine, much more on a busy one.
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\napp log:\n%s", what, err, app.Logs())
		}
	}
	testid := func(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }
	// percentIs waits until the page's percentage satisfies the JS test on
	// p (a number), and returns it.
	percentIs := func(test string) string {
		t.Helper()
		js := `(function () { var el = document.querySelector('[data-testid="run-percent"]');
			if (!el) return false; var p = parseInt(el.textContent, 10); return (` + test + `) ? el.textContent : false; })()`
		pct, err := chromedp.Run(ctx, chromedp.Poll[string](js, chromedp.WithPollingTimeout(90*time.Second)))
		must("wait for the percentage to be "+test, err)
		return pct
	}

	// Log in through the form.
	must("log in", chromedp.Do(ctx,
		chromedp.Navigate(app.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), ann.Email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), handlertest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(testid("logout")),
	))

	// Start a run from the dashboard; the browser lands on its page, held
	// at 0% while clustering waits at its gate.
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
	seen := []string{percentIs("p === 0")}

	// Let clustering and the ideas through; writing waits: the partial
	// brings a value between 0% and 100%.
	openCluster()
	select {
	case <-gate.writing:
	case <-ctx.Done():
		t.Fatalf("the run never reached the writing stage\napp log:\n%s", app.Logs())
	}
	seen = append(seen, percentIs("p > 0 && p < 100"))
	openWrite()
	seen = append(seen, percentIs("p === 100"))

	status, err := chromedp.Run(ctx, chromedp.Text(testid("run-status")))
	must("status", err)
	if status != "Completed" {
		t.Errorf("status %q at 100%%, want Completed", status)
	}
	marked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.autopressMark === true`))
	must("read the mark", err)
	if !marked {
		t.Error("the page was reloaded; the progress must come from the htmx partial")
	}

	// The completed partial has no trigger, and nothing else on the page
	// polls: htmx stops polling an element once it has left the page.
	pollers, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[hx-trigger*="every"]').length`))
	must("count polling elements", err)
	if pollers != 0 {
		t.Errorf("%d elements still poll after the run completed", pollers)
	}
	progressPath := fmt.Sprintf("path=/runs/%d/progress", runID)
	if strings.Count(app.Logs(), progressPath) < 2 {
		t.Error("the page did not fetch its progress partial while the run worked")
	}
	t.Logf("progress seen on the page: %v", seen)
}
