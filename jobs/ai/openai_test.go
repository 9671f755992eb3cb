package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"autopress/jobs/ai/aitest"

	"github.com/openai/openai-go/v3"
)

// newTestOpenAI returns a provider talking to a fresh fake, with fast
// retries; edit adjusts the config.
func newTestOpenAI(t *testing.T, edit func(*OpenAIConfig)) (*OpenAI, *aitest.Fake) {
	t.Helper()
	fake := aitest.NewFakeOpenAI()
	t.Cleanup(fake.Close)
	cfg := OpenAIConfig{
		BaseURL:     fake.BaseURL(),
		APIKey:      "test-key",
		TextModel:   "test-text",
		ImageModel:  "test-image",
		Timeout:     5 * time.Second,
		BaseBackoff: time.Millisecond,
	}
	if edit != nil {
		edit(&cfg)
	}
	o, err := NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o, fake
}

func TestSchemaNamesMatchAitest(t *testing.T) {
	if schemaClusters != aitest.SchemaClusters || schemaIdeas != aitest.SchemaIdeas ||
		schemaArticle != aitest.SchemaArticle || schemaPrompts != aitest.SchemaPrompts {
		t.Fatal("schema names of ai and aitest differ")
	}
}

func TestNewOpenAIConfig(t *testing.T) {
	if _, err := NewOpenAI(OpenAIConfig{}); err == nil {
		t.Error("no text model: want an error")
	}
	if _, err := NewOpenAI(OpenAIConfig{TextModel: "m", Concurrency: -1}); err == nil {
		t.Error("negative concurrency: want an error")
	}
	o, err := NewOpenAI(OpenAIConfig{TextModel: "m"})
	if err != nil {
		t.Fatal(err)
	}
	want := OpenAIConfig{BaseURL: DefaultOpenAIBaseURL, TextModel: "m", Concurrency: 4, Timeout: 120 * time.Second, MaxAttempts: 4, BaseBackoff: time.Second}
	if o.cfg != want || cap(o.sem) != 4 || o.text.capRate != 0 || o.images.capRate != 0 || o.Name() != "openai" {
		t.Errorf("defaults: %+v", o.cfg)
	}
}

// checkStrictSchema fails when a schema object allows extra properties or
// leaves a property optional, which OpenAI's strict mode rejects.
func checkStrictSchema(t *testing.T, path string, s map[string]any) {
	t.Helper()
	switch s["type"] {
	case "object":
		props, _ := s["properties"].(map[string]any)
		var required []string
		for _, r := range s["required"].([]any) {
			required = append(required, r.(string))
		}
		if s["additionalProperties"] != false || len(required) != len(props) {
			t.Errorf("%s: not strict: %v", path, s)
		}
		for k, v := range props {
			if !slices.Contains(required, k) {
				t.Errorf("%s.%s not required", path, k)
			}
			checkStrictSchema(t, path+"."+k, v.(map[string]any))
		}
	case "array":
		checkStrictSchema(t, path+"[]", s["items"].(map[string]any))
	}
}

func TestOpenAIEveryFunction(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	ctx := t.Context()

	cs, err := o.ClusterKeywords(ctx, Site{Name: "demo"}, []Keyword{{1, "running shoes"}, {2, "running socks"}, {3, "bread"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || !slices.Equal(cs[0].KeywordIDs, []int64{1, 2}) || !slices.Equal(cs[1].KeywordIDs, []int64{3}) {
		t.Errorf("clusters %+v", cs)
	}

	ideas, err := o.GenerateIdeas(ctx, Site{Name: "demo"}, "Running", []string{"running shoes", "running socks"}, 3)
	if err != nil || len(ideas) != 3 || ideas[0].Title == "" {
		t.Fatalf("ideas %+v, %v", ideas, err)
	}

	a, err := o.WriteArticle(ctx, Site{Name: "demo"}, ArticleRequest{Idea: ideas[0], Keywords: []string{"running shoes", "running socks"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != ideas[0].Title || !strings.Contains(a.HTML, "<h2>About running shoes</h2>") || a.WordCount < 10 || a.Excerpt == "" {
		t.Errorf("article %+v", a)
	}

	ps, err := o.ExtractImagePrompts(ctx, Site{}, a, 2)
	if err != nil || len(ps) != 2 || ps[0].Alt != "About running shoes" {
		t.Fatalf("prompts %+v, %v", ps, err)
	}
	if none, err := o.ExtractImagePrompts(ctx, Site{}, a, 0); err != nil || none != nil {
		t.Errorf("max 0: %v, %v; want nothing, no call", none, err)
	}

	img, err := o.GenerateImage(ctx, Site{}, ps[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(img.Data, aitest.PNG) || img.MIME != "image/png" || img.Ext != ".png" {
		t.Errorf("image %s %s, %d bytes", img.MIME, img.Ext, len(img.Data))
	}

	// What went over the wire: one request per call, bearer key, strict schemas.
	reqs := fake.Requests()
	var schemas []string
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer test-key" {
			t.Errorf("%s: Authorization %q", r.Path, got)
		}
		if r.Path == aitest.PathImages {
			if !bytes.Contains(r.Body, []byte(`"model":"test-image"`)) || !bytes.Contains(r.Body, []byte(`"response_format":"b64_json"`)) {
				t.Errorf("image request %s", r.Body)
			}
			continue
		}
		var body struct {
			Model          string `json:"model"`
			ResponseFormat struct {
				Type       string `json:"type"`
				JSONSchema struct {
					Name   string         `json:"name"`
					Strict bool           `json:"strict"`
					Schema map[string]any `json:"schema"`
				} `json:"json_schema"`
			} `json:"response_format"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		schemas = append(schemas, r.Schema)
		if body.Model != "test-text" || body.ResponseFormat.Type != "json_schema" || !body.ResponseFormat.JSONSchema.Strict {
			t.Errorf("chat request %s", r.Body)
		}
		checkStrictSchema(t, r.Schema, body.ResponseFormat.JSONSchema.Schema)
	}
	want := []string{aitest.SchemaClusters, aitest.SchemaIdeas, aitest.SchemaArticle, aitest.SchemaPrompts}
	if !slices.Equal(schemas, want) || fake.Count(aitest.PathImages) != 1 {
		t.Errorf("schemas %v, images %d; want %v and 1", schemas, fake.Count(aitest.PathImages), want)
	}
}

func TestOpenAIValidatesAnswers(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	ctx := t.Context()

	fake.Script(aitest.SchemaClusters, aitest.Reply{Content: `{"clusters":[
		{"name":"<b>Shoes</b>","keyword_ids":[1,99,2]},
		{"name":"Again","keyword_ids":[2]},
		{"name":"","keyword_ids":[3]}]}`})
	cs, err := o.ClusterKeywords(ctx, Site{Name: "demo"}, []Keyword{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cluster{{Name: "Shoes", KeywordIDs: []int64{1, 2}}, {Name: "Cluster 2", KeywordIDs: []int64{3}}}
	if fmt.Sprint(cs) != fmt.Sprint(want) {
		t.Errorf("clusters %+v, want %+v (unknown id dropped, repeat dropped, keyword 4 left out)", cs, want)
	}

	fake.Script(aitest.SchemaIdeas, aitest.Reply{Content: `{"ideas":[{"title":"One","summary":"s"},{"title":" ","summary":"s"},{"title":"one","summary":"dup"},{"title":"Two","summary":"s"},{"title":"Three","summary":"s"}]}`})
	ideas, err := o.GenerateIdeas(ctx, Site{Name: "demo"}, "c", nil, 2)
	if err != nil || len(ideas) != 2 || ideas[1].Title != "Two" {
		t.Errorf("ideas %+v, %v; want One and Two", ideas, err)
	}

	fake.Script(aitest.SchemaArticle, aitest.Reply{Content: "```json\n" + `{"title":"","html":"<h2 onclick=\"x()\">Hi</h2><script>alert(1)</script><p>Body text <a href=\"javascript:alert(1)\">here</a>.</p>","excerpt":""}` + "\n```"})
	a, err := o.WriteArticle(ctx, Site{Name: "demo"}, ArticleRequest{Idea: Idea{Title: "Fallback title"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Fallback title" || strings.Contains(a.HTML, "script") || strings.Contains(a.HTML, "onclick") ||
		strings.Contains(a.HTML, "javascript") || a.WordCount != 4 || a.Excerpt != "Hi Body text here." {
		t.Errorf("article %+v", a)
	}

	fake.Script(aitest.SchemaPrompts, aitest.Reply{Content: `{"prompts":[{"prompt":"  ","alt":"x"},{"prompt":"A cat","alt":""},{"prompt":"B","alt":"b"},{"prompt":"C","alt":"c"}]}`})
	ps, err := o.ExtractImagePrompts(ctx, Site{}, a, 2)
	if err != nil || fmt.Sprint(ps) != fmt.Sprint([]ImagePrompt{{"A cat", "A cat"}, {"B", "b"}}) {
		t.Errorf("prompts %+v, %v", ps, err)
	}
}

func TestOpenAIMalformed(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	ctx := t.Context()
	cluster := func() error { _, err := o.ClusterKeywords(ctx, Site{Name: "s"}, []Keyword{{1, "a"}}); return err }
	ideas := func() error { _, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 2); return err }
	article := func() error {
		_, err := o.WriteArticle(ctx, Site{Name: "s"}, ArticleRequest{Idea: Idea{Title: "t"}})
		return err
	}
	prompts := func() error { _, err := o.ExtractImagePrompts(ctx, Site{}, Article{Title: "t"}, 2); return err }
	image := func() error { _, err := o.GenerateImage(ctx, Site{}, ImagePrompt{Prompt: "p"}); return err }
	long := "Sure! Here is your JSON: " + strings.Repeat("x", 400)

	tests := []struct {
		name    string
		key     string
		reply   aitest.Reply
		call    func() error
		excerpt string
	}{
		{"clusters not JSON", aitest.SchemaClusters, aitest.Reply{Content: long}, cluster, "Sure! Here is your JSON: xxx"},
		{"clusters missing field", aitest.SchemaClusters, aitest.Reply{Content: `{"groups":[]}`}, cluster, `{\"groups\":[]}`},
		{"ideas wrong type", aitest.SchemaIdeas, aitest.Reply{Content: `{"ideas":"three"}`}, ideas, `{\"ideas\":\"three\"}`},
		{"ideas none usable", aitest.SchemaIdeas, aitest.Reply{Content: `{"ideas":[]}`}, ideas, `{\"ideas\":[]}`},
		{"article empty", aitest.SchemaArticle, aitest.Reply{Content: `{"title":"t","html":"<script>x</script>","excerpt":""}`}, article, "<script>x</script>"},
		{"article null", aitest.SchemaArticle, aitest.Reply{Content: `null`}, article, "null"},
		{"prompts truncated", aitest.SchemaPrompts, aitest.Reply{Content: `{"prompts":[{"prompt":"a`}, prompts, `{\"prompts\":[{\"prompt\":\"a`},
		{"no choices", aitest.PathChat, aitest.Reply{Body: `{"id":"x","object":"chat.completion","choices":[]}`}, cluster, `choices`},
		{"refusal", aitest.PathChat, aitest.Reply{Body: `{"id":"x","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"","refusal":"I cannot help with that"}}]}`}, ideas, "I cannot help with that"},
		{"image bad base64", aitest.PathImages, aitest.Reply{Content: "%%%not base64%%%"}, image, "%%%not base64%%%"},
		{"image not an image", aitest.PathImages, aitest.Reply{Content: "aGVsbG8gd29ybGQ="}, image, "hello world"},
		{"image no data", aitest.PathImages, aitest.Reply{Body: `{"created":1,"data":[]}`}, image, `\"data\":[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fake.Count("")
			fake.Script(tt.key, tt.reply)
			err := tt.call()
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.excerpt) {
				t.Errorf("error %q lacks excerpt %q", err, tt.excerpt)
			}
			if len(err.Error()) > 500 {
				t.Errorf("error of %d chars, want the raw answer cut to an excerpt", len(err.Error()))
			}
			if n := fake.Count("") - before; n != 1 {
				t.Errorf("%d requests, want 1 (malformed answers are not retried)", n)
			}
		})
	}
}

func TestOpenAIServerErrorsRetriedThenFail(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, func(c *OpenAIConfig) { c.MaxAttempts = 3 })
	fake.SetDefault(aitest.PathImages, &aitest.Reply{Status: http.StatusInternalServerError})
	_, err := o.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "p"})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("err = %v, want the 500 after 3 attempts", err)
	}
	if n := fake.Count(aitest.PathImages); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}

	// 500, 502 then success: the call succeeds on the third attempt.
	fake.SetDefault(aitest.PathImages, nil)
	fake.Script(aitest.PathImages, aitest.Reply{Status: 500}, aitest.Reply{Status: 502})
	if _, err := o.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	if n := fake.Count(aitest.PathImages); n != 6 {
		t.Errorf("%d requests in all, want 6", n)
	}
}

func TestOpenAIClientErrorsNotRetried(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	for _, status := range []int{400, 401, 403, 404, 422} {
		before := fake.Count("")
		fake.Script(aitest.PathChat, aitest.Reply{Status: status})
		_, err := o.GenerateIdeas(t.Context(), Site{Name: "s"}, "c", nil, 1)
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || errors.Is(err, ErrMalformed) {
			t.Errorf("%d: err = %v", status, err)
		}
		if n := fake.Count("") - before; n != 1 {
			t.Errorf("%d: %d requests, want 1", status, n)
		}
	}
	// 408 is a timeout: retried.
	fake.Script(aitest.PathChat, aitest.Reply{Status: 408})
	if _, err := o.GenerateIdeas(t.Context(), Site{Name: "s"}, "c", nil, 1); err != nil {
		t.Errorf("408 then success: %v", err)
	}
}

func TestOpenAIAttemptTimeout(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, func(c *OpenAIConfig) { c.Timeout = 150 * time.Millisecond; c.MaxAttempts = 2 })

	// The first attempt hangs past Timeout, the second answers: success.
	fake.Script(aitest.PathChat, aitest.Reply{Delay: 5 * time.Second})
	start := time.Now()
	if _, err := o.GenerateIdeas(t.Context(), Site{Name: "s"}, "c", nil, 1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("took %s, want one timeout then a quick answer", d)
	}

	// Every attempt hangs: the call fails after MaxAttempts timeouts.
	fake.SetLatency(5 * time.Second)
	before := fake.Count("")
	start = time.Now()
	_, err := o.GenerateIdeas(t.Context(), Site{Name: "s"}, "c", nil, 1)
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "2 attempts") {
		t.Errorf("err = %v, want a timeout after 2 attempts", err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Errorf("err = %v: an attempt timeout must not look like the caller's context ending", err)
	}
	if n := fake.Count("") - before; n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestOpenAICancelInFlight(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	fake.SetLatency(30 * time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := o.WriteArticle(ctx, Site{Name: "s"}, ArticleRequest{Idea: Idea{Title: "t"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned after %s, want < 1s", d)
	}
	if n := fake.Count(""); n != 1 {
		t.Errorf("%d requests, want 1 (no retry after cancel)", n)
	}
}

func TestOpenAICancelDuringBackoff(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, nil)
	fake.Script(aitest.PathChat, aitest.Reply{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1)
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s, want context.Canceled at once", err, time.Since(start))
	}

	// A deadline shorter than the wait: give up at once, do not sleep to it.
	o, fake = newTestOpenAI(t, nil) // a fresh limiter: the first one waits a minute
	fake.Script(aitest.PathChat, aitest.Reply{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start = time.Now()
	_, err = o.GenerateIdeas(ctx, Site{Name: "s"}, "c", nil, 1)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s, want the 429 at once", err, time.Since(start))
	}
}

func TestOpenAIConcurrencyCap(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, func(c *OpenAIConfig) { c.Concurrency = 2 })
	fake.SetLatency(50 * time.Millisecond)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := o.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "p"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if m := fake.MaxInFlight(); m != 2 {
		t.Errorf("max %d requests in flight, want exactly the cap 2", m)
	}
	if n := fake.Count(""); n != 8 {
		t.Errorf("%d requests, want 8", n)
	}
}

func TestOpenAINoImageModel(t *testing.T) {
	t.Parallel()
	o, fake := newTestOpenAI(t, func(c *OpenAIConfig) { c.ImageModel = "" })
	if _, err := o.GenerateImage(t.Context(), Site{}, ImagePrompt{Prompt: "p"}); err == nil || fake.Count("") != 0 {
		t.Errorf("err = %v, %d requests; want an error and no request", err, fake.Count(""))
	}
}

// replies makes one scripted reply per status.
func replies(statuses ...int) []aitest.Reply {
	out := make([]aitest.Reply, len(statuses))
	for i, s := range statuses {
		out[i] = aitest.Reply{Status: s}
	}
	return out
}
