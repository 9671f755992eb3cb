package regenerate

import (
	"context"
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

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// hookAI wraps the local provider: before runs ahead of every call (it may
// block or fail it), after runs once a call returned (it may act before
// the caller sees the answer); calls are counted per function.
type hookAI struct {
	ai.Provider
	mu     sync.Mutex
	before func(ctx context.Context, fn string) error
	after  func(ctx context.Context, fn string)
	counts map[string]int
}

func newHookAI() *hookAI { return &hookAI{Provider: ai.NewLocal(0), counts: map[string]int{}} }

func (h *hookAI) set(before func(ctx context.Context, fn string) error, after func(ctx context.Context, fn string)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.before, h.after = before, after
}

func (h *hookAI) count(fn string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[fn]
}

func (h *hookAI) call(ctx context.Context, fn string, f func() error) error {
	h.mu.Lock()
	h.counts[fn]++
	before, after := h.before, h.after
	h.mu.Unlock()
	if before != nil {
		if err := before(ctx, fn); err != nil {
			return err
		}
	}
	if err := f(); err != nil {
		return err
	}
	if after != nil {
		after(ctx, fn)
	}
	return nil
}

func (h *hookAI) WriteArticle(ctx context.Context, s ai.Site, req ai.ArticleRequest) (a ai.Article, err error) {
	err = h.call(ctx, "article", func() error { a, err = h.Provider.WriteArticle(ctx, s, req); return err })
	return a, err
}

func (h *hookAI) WriteSEO(ctx context.Context, s ai.Site, a ai.Article, note string) (seo ai.SEO, err error) {
	err = h.call(ctx, "seo", func() error { seo, err = h.Provider.WriteSEO(ctx, s, a, note); return err })
	return seo, err
}

func (h *hookAI) GenerateImage(ctx context.Context, s ai.Site, p ai.ImagePrompt) (img ai.Image, err error) {
	err = h.call(ctx, "image", func() error { img, err = h.Provider.GenerateImage(ctx, s, p); return err })
	return img, err
}

func (h *hookAI) ExtractImagePrompts(ctx context.Context, s ai.Site, a ai.Article, max int) (ps []ai.ImagePrompt, err error) {
	err = h.call(ctx, "prompts", func() error { ps, err = h.Provider.ExtractImagePrompts(ctx, s, a, max); return err })
	return ps, err
}

// env is an account with a site and an article on a fake clock, and a
// regeneration service whose executors' stops can be waited for.
type env struct {
	t     *testing.T
	ctx   context.Context
	d     *db.DB
	clock *clockwork.FakeClock
	ai    *hookAI
	svc   *Service
	user  db.User
	site  db.Site
	art   db.Content
	stops chan int64
}

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
	e := &env{t: t, ctx: ctx, d: d, clock: clockwork.NewFakeClockAt(t0), ai: newHookAI(), user: u, site: site, stops: make(chan int64, 16)}
	e.art = dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Title: "Cold brew at home", Excerpt: "How to make cold brew in a jar.",
		HTML: "<p>The pipeline’s text about cold brew.</p>\n<h2>Ratio</h2>\n<p>One to eight.</p>", SEOTitle: "Cold brew at home",
		MetaDescription: "How to make cold brew in a jar.", Status: db.ContentReview})
	e.svc = e.newService()
	return e
}

func (e *env) newService() *Service {
	return New(e.d, e.ai, e.clock, quiet, Config{OnStop: func(id int64) { e.stops <- id }})
}

// request asks for a regeneration of the env's article.
func (e *env) request(kind, note, key string, imageID int64) db.RegenJob {
	e.t.Helper()
	j, created, err := e.svc.Request(e.ctx, Request{AccountID: e.user.AccountID, ContentID: e.art.ID, Kind: kind, ImageID: imageID,
		Note: note, Key: key, Actor: "ann@example.com"})
	if err != nil || !created {
		e.t.Fatalf("request %s: created %v, %v", kind, created, err)
	}
	return j
}

// work has svc claim the claimable jobs and waits until the executor of
// job id has stopped.
func (e *env) work(svc *Service, id int64) {
	e.t.Helper()
	if n, err := svc.Poll(e.ctx); err != nil || n == 0 {
		e.t.Fatalf("poll: started %d, %v", n, err)
	}
	e.waitStop(id)
}

func (e *env) waitStop(id int64) {
	e.t.Helper()
	for {
		select {
		case got := <-e.stops:
			if got == id {
				return
			}
		case <-time.After(time.Minute):
			e.t.Fatalf("job %d: the executor did not stop within a minute", id)
		}
	}
}

func (e *env) job(id int64) db.RegenJob {
	e.t.Helper()
	j, err := e.d.RegenerationByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return j
}

func (e *env) content(id int64) db.Content {
	e.t.Helper()
	c, err := e.d.ContentByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	return dbtest.Count(e.t, e.d, query, args...)
}

func (e *env) balance() int64 {
	e.t.Helper()
	acc, err := e.d.AccountByID(e.ctx, e.user.AccountID)
	if err != nil {
		e.t.Fatal(err)
	}
	return acc.Credits
}

// assertLedger checks the ledger sums to the balance and every charge is
// settled or refunded (not both).
func (e *env) assertLedger() {
	e.t.Helper()
	if sum := dbtest.LedgerSum(e.t, e.d, e.user.AccountID); sum != e.balance() {
		e.t.Errorf("ledger sums to %d, balance is %d", sum, e.balance())
	}
	if n := e.count(`SELECT COUNT(*) FROM credit_transactions c WHERE c.account_id = ? AND c.kind = 'charge' AND c.settled = FALSE
		AND NOT EXISTS (SELECT 1 FROM credit_transactions r WHERE r.idempotency_key = 'refund:' || c.idempotency_key)`, e.user.AccountID); n != 0 {
		e.t.Errorf("%d holds neither settled nor refunded", n)
	}
	if n := e.count(`SELECT COUNT(*) FROM credit_transactions c WHERE c.account_id = ? AND c.kind = 'charge' AND c.settled = TRUE
		AND EXISTS (SELECT 1 FROM credit_transactions r WHERE r.idempotency_key = 'refund:' || c.idempotency_key)`, e.user.AccountID); n != 0 {
		e.t.Errorf("%d holds both settled and refunded", n)
	}
}

// charges counts the job's charges and refunds.
func (e *env) charges(j db.RegenJob) (charges, settled, refunds int) {
	e.t.Helper()
	charges = e.count(`SELECT COUNT(*) FROM credit_transactions WHERE idempotency_key = ? AND kind = 'charge'`, j.HoldKey())
	settled = e.count(`SELECT COUNT(*) FROM credit_transactions WHERE idempotency_key = ? AND kind = 'charge' AND settled = TRUE`, j.HoldKey())
	refunds = e.count(`SELECT COUNT(*) FROM credit_transactions WHERE idempotency_key = ? AND kind = 'refund'`, "refund:"+j.HoldKey())
	return
}

// crash makes the service's executor of a job vanish without cleanup, as
// if its process died.
func (s *Service) crash(id int64) {
	s.mu.Lock()
	w := s.running[id]
	s.mu.Unlock()
	if w != nil {
		w.crashed.Store(true)
		w.cancel(fmt.Errorf("crashed"))
	}
}
