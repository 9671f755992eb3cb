package aitest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// send posts a minimal request for model to path and returns the answer's
// status and headers.
func send(t *testing.T, f *Fake, path, model string) (int, http.Header) {
	t.Helper()
	body := `{"model":"` + model + `","messages":[{"role":"user","content":"{}"}],"prompt":"p"}`
	res, err := f.Client().Post(f.BaseURL()+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header
}

func TestLimitsTokenBucket(t *testing.T) {
	f := NewFakeOpenAI()
	defer f.Close()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	f.SetClock(clock)
	f.SetLimits(Limits{RequestsPerMinute: 120, ImagesPerMinute: 30, Headers: true}) // 2/s burst 2; 0.5/s burst 1

	// One second of burst: two chat requests, then 429 until the next token.
	for i := range 2 {
		if status, h := send(t, f, PathChat, "a"); status != 200 || h.Get("X-Ratelimit-Limit-Requests") != "120" || h.Get("X-Ratelimit-Remaining-Requests") != []string{"1", "0"}[i] {
			t.Fatalf("request %d: %d %v", i+1, status, h)
		}
	}
	status, h := send(t, f, PathChat, "a")
	if status != 429 || h.Get("Retry-After-Ms") != "500" || h.Get("Retry-After") != "1" || h.Get("X-Ratelimit-Reset-Requests") != "1s" {
		t.Fatalf("over the limit: %d %v", status, h)
	}
	// Per model: another model has its own bucket; images have their own limit.
	if status, _ := send(t, f, PathChat, "b"); status != 200 {
		t.Errorf("model b: %d", status)
	}
	if status, _ := send(t, f, PathImages, "a"); status != 200 {
		t.Errorf("first image: %d", status)
	}
	if status, h := send(t, f, PathImages, "a"); status != 429 || h.Get("Retry-After-Ms") != "2000" || h.Get("X-Ratelimit-Limit-Requests") != "30" {
		t.Errorf("second image: %d %v", status, h)
	}
	clock.Advance(499 * time.Millisecond)
	if status, h := send(t, f, PathChat, "a"); status != 429 || h.Get("Retry-After-Ms") != "1" {
		t.Errorf("1ms early: %d %v", status, h)
	}
	clock.Advance(time.Millisecond)
	if status, _ := send(t, f, PathChat, "a"); status != 200 {
		t.Errorf("on time: %d", status)
	}
	if n := f.Throttled(); n != 3 {
		t.Errorf("%d throttled, want 3", n)
	}
	if reqs := f.Requests(); reqs[2].Model != "a" || !reqs[2].Throttled || reqs[3].Model != "b" {
		t.Errorf("requests %+v", reqs[2:4])
	}
	// Scripts are not spent on throttled requests.
	f.Script(PathChat, Reply{Status: 503})
	send(t, f, PathChat, "a") // 429: no token yet
	clock.Advance(time.Second)
	if status, _ := send(t, f, PathChat, "a"); status != 503 {
		t.Errorf("the scripted reply went to a throttled request: %d", status)
	}
}

func TestLimitsTokens(t *testing.T) {
	f := NewFakeOpenAI()
	defer f.Close()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	f.SetClock(clock)
	f.SetLimits(Limits{TokensPerMinute: 600, Headers: true}) // 10/s, burst 10; a request is ~25
	status, h := send(t, f, PathChat, "a")
	if status != 200 || h.Get("X-Ratelimit-Limit-Tokens") != "600" || h.Get("X-Ratelimit-Limit-Requests") != "" {
		t.Fatalf("%d %v", status, h)
	}
	// The first request, above the burst, went into a full bucket and left
	// it in debt.
	if status, h := send(t, f, PathChat, "a"); status != 429 || h.Get("Retry-After-Ms") == "" {
		t.Errorf("second: %d %v", status, h)
	}
}

func TestBucket(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	b := NewBucket(30, now) // 0.5/s, burst 1
	if b.Burst != 1 || b.Wait(now, 1) != 0 {
		t.Fatalf("bucket %+v", b)
	}
	b.Take(now, 1)
	if w := b.Wait(now, 1); w != 2*time.Second || b.Remaining(now) != 0 || b.Reset(now) != 2*time.Second {
		t.Errorf("wait %s remaining %d reset %s", w, b.Remaining(now), b.Reset(now))
	}
	if w := b.Wait(now.Add(time.Hour), 5); w != 0 {
		t.Errorf("a cost above the burst waits %s for a full bucket", w)
	}
}
