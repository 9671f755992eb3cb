package automation

import (
	"net/http"
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
	"autopress/jobs/ai/aitest"
)

// A 429 is never an item's failure: with a single attempt per call, and
// the first call of every kind answered 429, the whole run goes through.
func TestRateLimitFailsNoItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fake := aitest.NewFakeOpenAI()
		t.Cleanup(fake.Close)
		p, err := ai.NewOpenAI(ai.OpenAIConfig{BaseURL: fake.BaseURL(), TextModel: "gpt-test", ImageModel: "img-test",
			Concurrency: 4, Timeout: 5 * time.Second, MaxAttempts: 1, HTTPClient: fake.Client()})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, d)
		e.ai.Provider = p
		throttle := aitest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After-Ms": {"5"}, "Retry-After": {"1"}}}
		keys := []string{aitest.SchemaClusters, aitest.SchemaIdeas, aitest.SchemaArticle, aitest.SchemaPrompts, aitest.PathImages}
		for _, key := range keys {
			fake.Script(key, throttle)
		}
		r := e.start()
		e.execute(e.svc, r.ID)
		if got := e.run(r.ID); got.Status != db.RunCompleted {
			t.Fatalf("run %s: %s", got.Status, got.StoppedDetail)
		}
		for _, sr := range e.results(r.ID) {
			if sr.Failed != 0 {
				t.Errorf("stage %d: %d failed", sr.Stage, sr.Failed)
			}
		}
		for _, key := range keys {
			if n := fake.Count(key); n < 2 {
				t.Errorf("%s: %d requests, want the 429 and more", key, n)
			}
		}
		text, _ := p.Limit("content_generation")
		images, _ := p.Limit("image_generation")
		if text.Throttled != 4 || images.Throttled != 1 {
			t.Errorf("429s seen: %d text, %d images; want 4 and 1", text.Throttled, images.Throttled)
		}
		e.assertLedger()
	})
}
