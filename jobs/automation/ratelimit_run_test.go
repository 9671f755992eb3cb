package automation

import (
	"testing"
	"time"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/jobs/ai"
	"autopress/jobs/ai/aitest"
)

// A 429 is never an item's failure: with a single attempt per call, against
// a provider enforcing limits it does not announce, the whole run goes
// through.
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
		// 20 chat requests and 20 images a second, with a second's burst:
		// the demo run (≈ 95 chat requests, 42 images) goes over both.
		fake.SetLimits(aitest.Limits{RequestsPerMinute: 1200, ImagesPerMinute: 1200})
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
		text, _ := p.Limit("content_generation")
		images, _ := p.Limit("image_generation")
		if text.Throttled == 0 || images.Throttled == 0 || int(text.Throttled+images.Throttled) != fake.Throttled() {
			t.Errorf("429s: %d text, %d images, %d at the server; want some of each", text.Throttled, images.Throttled, fake.Throttled())
		}
		e.assertLedger()
	})
}
