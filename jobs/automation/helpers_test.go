package automation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// hookAI wraps the local provider: before runs ahead of every call (it may
// block, fail or act on the run) and calls are counted per function.
type hookAI struct {
	ai.Provider
	before func(ctx context.Context, fn string, n int64) error
	mu     sync.Mutex
	counts map[string]int64
}

func newHookAI() *hookAI { return &hookAI{Provider: ai.NewLocal(0), counts: map[string]int64{}} }

func (h *hookAI) hook(ctx context.Context, fn string) error {
	h.mu.Lock()
	h.counts[fn]++
	n := h.counts[fn]
	before := h.before
	h.mu.Unlock()
	if before != nil {
		return before(ctx, fn, n)
	}
	return nil
}

func (h *hookAI) count(fn string) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[fn]
}

func (h *hookAI) setBefore(f func(ctx context.Context, fn string, n int64) error) {
	h.mu.Lock()
	h.before = f
	h.mu.Unlock()
}

func (h *hookAI) ClusterKeywords(ctx context.Context, site ai.Site, kws []ai.Keyword) ([]ai.Cluster, error) {
	if err := h.hook(ctx, "cluster"); err != nil {
		return nil, err
	}
	return h.Provider.ClusterKeywords(ctx, site, kws)
}

func (h *hookAI) GenerateIdeas(ctx context.Context, site ai.Site, cluster string, kws []string, n int) ([]ai.Idea, error) {
	if err := h.hook(ctx, "ideas"); err != nil {
		return nil, err
	}
	return h.Provider.GenerateIdeas(ctx, site, cluster, kws, n)
}

func (h *hookAI) WriteArticle(ctx context.Context, site ai.Site, req ai.ArticleRequest) (ai.Article, error) {
	if err := h.hook(ctx, "article"); err != nil {
		return ai.Article{}, err
	}
	return h.Provider.WriteArticle(ctx, site, req)
}

func (h *hookAI) ExtractImagePrompts(ctx context.Context, site ai.Site, a ai.Article, max int) ([]ai.ImagePrompt, error) {
	if err := h.hook(ctx, "prompts"); err != nil {
		return nil, err
	}
	return h.Provider.ExtractImagePrompts(ctx, site, a, max)
}

func (h *hookAI) GenerateImage(ctx context.Context, site ai.Site, p ai.ImagePrompt) (ai.Image, error) {
	if err := h.hook(ctx, "image"); err != nil {
		return ai.Image{}, err
	}
	return h.Provider.GenerateImage(ctx, site, p)
}

// env is one site with the demo keywords and a service on a fake clock.
type env struct {
	t     *testing.T
	d     *db.DB
	clock *clockwork.FakeClock
	ai    *hookAI
	svc   *Service
	user  db.User
	site  db.Site
	ctx   context.Context
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	u, err := d.CreateAccountWithUser(ctx, "Acme", fmt.Sprintf("u%d@example.com", time.Now().UnixNano()), "x", false, t0)
	if err != nil {
		t.Fatal(err)
	}
	site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Coffee", URL: "https://coffee.example.com", Timezone: "Europe/Berlin"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var kws []db.NewKeyword
	for _, k := range db.DemoKeywords {
		kws = append(kws, db.NewKeyword{Text: k, Norm: k})
	}
	if _, err := d.ImportKeywords(ctx, site.ID, kws, t0); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, clock: clockwork.NewFakeClockAt(t0), ai: newHookAI(), user: u, site: site, ctx: ctx}
	e.svc = e.newService()
	return e
}

func (e *env) newService() *Service {
	return New(e.d, e.ai, e.clock, quiet, Config{})
}

func (e *env) config(f func(c *db.AutomationConfig)) {
	e.t.Helper()
	c, err := e.d.GetAutomationConfig(e.ctx, e.site.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	f(&c)
	if err := e.d.SaveAutomationConfig(e.ctx, c, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) start() db.Run {
	e.t.Helper()
	r, err := e.svc.Start(e.ctx, e.site, "tester")
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) execute(svc *Service, runID int64) {
	e.t.Helper()
	if err := svc.Execute(e.ctx, runID); err != nil {
		e.t.Fatalf("execute run %d: %v", runID, err)
	}
}

// release stops an executor a test claimed and drove by hand, and frees
// its run for the service, as execute's end would.
func (e *env) release(x *executor) {
	x.cancel(errors.New("test over"))
	x.stopAF()
	e.svc.mu.Lock()
	delete(e.svc.running, x.run.ID)
	e.svc.mu.Unlock()
	e.svc.wg.Done()
}

func (e *env) run(id int64) db.Run {
	e.t.Helper()
	r, err := e.d.RunByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.GetContext(e.ctx, &n, e.d.Rebind(query), args...); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (e *env) results(runID int64) []db.StageResult {
	e.t.Helper()
	rs, err := e.d.StageResults(e.ctx, runID)
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// assertDrained checks the whole pipeline ended as approved content.
func (e *env) assertDrained() {
	e.t.Helper()
	site := e.site.ID
	if n := e.count(`SELECT COUNT(*) FROM keywords WHERE site_id = ? AND status <> 'clustered'`, site); n != 0 {
		e.t.Errorf("%d keywords not clustered", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM tasks WHERE site_id = ? AND status <> 'done'`, site); n != 0 {
		e.t.Errorf("%d tasks not done", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM tasks t WHERE t.site_id = ? AND (SELECT COUNT(*) FROM content c WHERE c.task_id = t.id) <> 1`, site); n != 0 {
		e.t.Errorf("%d tasks without exactly one content", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status <> 'approved'`, site); n != 0 {
		e.t.Errorf("%d articles not approved", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ?`, site); n == 0 {
		e.t.Error("no content at all")
	}
	if n := e.count(`SELECT COUNT(*) FROM image_prompts p WHERE p.site_id = ? AND (SELECT COUNT(*) FROM images i WHERE i.image_prompt_id = p.id) <> 1`, site); n != 0 {
		e.t.Errorf("%d prompts without exactly one image", n)
	}
	dbtest.CheckItemCounts(e.t, e.d, site)
	e.assertLedger()
}

// assertLedger checks the ledger sums to the balance and no hold stays
// unsettled without a refund.
func (e *env) assertLedger() {
	e.t.Helper()
	acc, _ := e.d.AccountByID(e.ctx, e.user.AccountID)
	sum := dbtest.LedgerSum(e.t, e.d, e.user.AccountID)
	if sum != acc.Credits {
		e.t.Errorf("ledger sums to %d, balance is %d", sum, acc.Credits)
	}
	if n := e.count(`SELECT COUNT(*) FROM credit_transactions c WHERE c.account_id = ? AND c.kind = 'charge' AND c.settled = FALSE
		AND NOT EXISTS (SELECT 1 FROM credit_transactions r WHERE r.idempotency_key = 'refund:' || c.idempotency_key)`, e.user.AccountID); n != 0 {
		e.t.Errorf("%d holds neither settled nor refunded", n)
	}
}

// waitFor polls cond until it holds or fails the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// crash makes the service's executor of a run vanish without cleanup, as if
// its process died.
func (s *Service) crash(runID int64) {
	s.mu.Lock()
	x := s.running[runID]
	s.mu.Unlock()
	if x != nil {
		x.crashed.Store(true)
		x.cancel(fmt.Errorf("crashed"))
	}
}
