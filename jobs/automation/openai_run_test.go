package automation

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
	"autopress/jobs/ai/aitest"
)

// openAIEnv runs the pipeline through the openai provider against a fake
// OpenAI-compatible server.
func openAIEnv(t *testing.T, d *db.DB) (*env, *aitest.Fake) {
	t.Helper()
	fake := aitest.NewFakeOpenAI()
	t.Cleanup(fake.Close)
	p, err := ai.NewOpenAI(ai.OpenAIConfig{BaseURL: fake.BaseURL(), APIKey: "test", TextModel: "gpt-test", ImageModel: "img-test",
		Concurrency: 4, Timeout: 2 * time.Second, MaxAttempts: 3, BaseBackoff: 5 * time.Millisecond, HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, d)
	e.ai.Provider = p
	return e, fake
}

func TestRunThroughOpenAIProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e, fake := openAIEnv(t, d)
		// The first article answer is bad JSON: that item fails with an
		// excerpt in the log; the others go through.
		fake.Script(aitest.SchemaArticle, aitest.Reply{Content: `{"title": "Broken", "html": <oops`})
		r := e.start()
		e.execute(e.svc, r.ID)
		got := e.run(r.ID)
		if got.Status != db.RunCompleted {
			t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
		}
		for _, schema := range []string{aitest.SchemaClusters, aitest.SchemaIdeas, aitest.SchemaArticle, aitest.SchemaPrompts} {
			if fake.Count(schema) == 0 {
				t.Errorf("no %s request reached the API", schema)
			}
		}
		if fake.Count(aitest.PathImages) == 0 {
			t.Error("no image request reached the API")
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND level = 'error' AND message LIKE '%malformed%oops%'`, r.ID); n != 1 {
			t.Fatalf("%d log lines with the malformed answer's excerpt", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM images WHERE site_id = ? AND mime = 'image/png'`, e.site.ID); n == 0 {
			t.Fatal("no PNG stored")
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved'`, e.site.ID); n == 0 {
			t.Fatal("no article approved")
		}
		e.assertLedger()
	})
}

func TestCancelInterruptsOpenAICalls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e, fake := openAIEnv(t, d)
		fake.SetDefault(aitest.SchemaArticle, &aitest.Reply{Delay: time.Minute})
		var writing atomic.Int32
		e.ai.setBefore(func(ctx context.Context, fn string, n int64) error {
			if fn == "article" {
				writing.Add(1)
			}
			return nil
		})
		r := e.start()
		done := make(chan time.Time, 1)
		go func() { e.execute(e.svc, r.ID); done <- time.Now() }()
		waitFor(t, "article calls in flight", func() bool { return writing.Load() >= 2 })
		start := time.Now()
		if _, err := e.svc.Cancel(e.ctx, e.user.AccountID, r.ID, "tester"); err != nil {
			t.Fatal(err)
		}
		select {
		case end := <-done:
			if end.Sub(start) > 2*time.Second {
				t.Fatalf("cancel took %v to stop calls in flight", end.Sub(start))
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the executor did not stop after cancel")
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE run_id = ?`, r.ID); n != 0 {
			t.Fatalf("%d articles committed", n)
		}
		e.assertLedger()
	})
}

func TestAutoApprovalOffLeavesContentInReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		p, _ := d.GetPublishingSettings(e.ctx, e.site.ID)
		p.AutoApprovalEnabled = false
		if err := d.SavePublishingSettings(e.ctx, p, t0); err != nil {
			t.Fatal(err)
		}
		r := e.start()
		e.execute(e.svc, r.ID)
		rs := e.results(r.ID)
		if rs[6].State != "skipped" {
			t.Fatalf("stage 7: %+v", rs[6])
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status <> 'review'`, e.site.ID); n != 0 {
			t.Fatalf("%d articles left review without auto-approval", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND message LIKE '%auto-approval is off%'`, r.ID); n != 1 {
			t.Fatal("the log does not say why stage 7 was skipped")
		}
		if strings.Contains(e.run(r.ID).StoppedReason, "fail") {
			t.Fatal("run failed")
		}
	})
}

func TestOpenAIRetriesInsideARun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e, fake := openAIEnv(t, d)
		// Clustering: a 429 asking to wait 1 s, then success.
		fake.Script(aitest.SchemaClusters, aitest.Reply{Status: 429, Header: map[string][]string{"Retry-After": {"1"}}})
		// Ideas: three 500s use up the attempts of the first cluster's call.
		fake.Script(aitest.SchemaIdeas, aitest.Reply{Status: 500}, aitest.Reply{Status: 500}, aitest.Reply{Status: 500})
		e.config(func(c *db.AutomationConfig) { c.Concurrency = 1; c.Stage4Enabled = false })
		start := time.Now()
		r := e.start()
		e.execute(e.svc, r.ID)
		reqs := fake.Requests()
		var cluster []time.Time
		for _, q := range reqs {
			if q.Schema == aitest.SchemaClusters {
				cluster = append(cluster, q.At)
			}
		}
		if len(cluster) != 2 || cluster[1].Sub(cluster[0]) < time.Second {
			t.Fatalf("clustering requests %v: the retry must wait for Retry-After", cluster)
		}
		rs := e.results(r.ID)
		if rs[0].Processed == 0 || rs[1].Failed != 1 || rs[1].Processed == 0 {
			t.Fatalf("stage 1 %+v, stage 2 %+v: want one failed cluster after the 500s, the others processed", rs[0], rs[1])
		}
		if n := e.count(`SELECT COUNT(*) FROM run_events WHERE run_id = ? AND level = 'error' AND message LIKE '%500%'`, r.ID); n != 1 {
			t.Fatalf("%d error lines naming the 500", n)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("too slow")
		}
		e.assertLedger()
	})
}
