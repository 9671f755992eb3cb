package aitest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// post sends a chat request with the given schema name and user input.
func post(t *testing.T, f *Fake, path, schema string, input any) (int, map[string]any) {
	t.Helper()
	in, _ := json.Marshal(input)
	body, _ := json.Marshal(map[string]any{
		"model":    "m",
		"messages": []any{map[string]any{"role": "system", "content": "x"}, map[string]any{"role": "user", "content": string(in)}},
		"response_format": map[string]any{"type": "json_schema", "json_schema": map[string]any{
			"name": schema, "strict": true,
			"schema": map[string]any{"type": "object", "properties": map[string]any{
				"n":    map[string]any{"type": "integer"},
				"tags": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			}},
		}},
	})
	res, err := f.Client().Post(f.BaseURL()+path, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("body %s: %v", raw, err)
	}
	return res.StatusCode, out
}

// content extracts and decodes the message content of a chat completion.
func content(t *testing.T, res map[string]any) map[string]any {
	t.Helper()
	msg := res["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	var out map[string]any
	if err := json.Unmarshal([]byte(msg["content"].(string)), &out); err != nil {
		t.Fatalf("content %v: %v", msg["content"], err)
	}
	return out
}

func TestHappyAnswers(t *testing.T) {
	f := NewFakeOpenAI()
	defer f.Close()

	_, res := post(t, f, PathChat, SchemaClusters, map[string]any{"keywords": []any{
		map[string]any{"id": 1, "text": "running shoes"}, map[string]any{"id": 2, "text": "Running socks"}, map[string]any{"id": 3, "text": "bread"},
	}})
	got, _ := json.Marshal(content(t, res))
	if string(got) != `{"clusters":[{"keyword_ids":[1,2],"name":"Running"},{"keyword_ids":[3],"name":"Bread"}]}` {
		t.Errorf("clusters %s", got)
	}

	_, res = post(t, f, PathChat, SchemaIdeas, map[string]any{"cluster": "C", "keywords": []string{"a"}, "count": 3})
	if ideas := content(t, res)["ideas"].([]any); len(ideas) != 3 {
		t.Errorf("ideas %v", ideas)
	}

	_, res = post(t, f, PathChat, SchemaArticle, map[string]any{"title": "T", "keywords": []string{"k1", "k2"}})
	if html := content(t, res)["html"].(string); strings.Count(html, "<h2>") != 3 {
		t.Errorf("article html %s", html)
	}

	_, res = post(t, f, PathChat, SchemaPrompts, map[string]any{"title": "T", "html": "<h2>A</h2><h2>B</h2><h2>C</h2>", "max": 2})
	if ps := content(t, res)["prompts"].([]any); len(ps) != 2 {
		t.Errorf("prompts %v", ps)
	}

	_, res = post(t, f, PathChat, "something_else", map[string]any{})
	if got, _ := json.Marshal(content(t, res)); string(got) != `{"n":1,"tags":["example"]}` {
		t.Errorf("unknown schema answered %s", got)
	}

	_, res = post(t, f, PathImages, "", nil)
	b64 := res["data"].([]any)[0].(map[string]any)["b64_json"].(string)
	if data, err := base64.StdEncoding.DecodeString(b64); err != nil || http.DetectContentType(data) != "image/png" {
		t.Errorf("image: %v, %s", err, http.DetectContentType(data))
	}
	if f.Count("") != 6 || f.Count(PathChat) != 5 || f.Count(SchemaIdeas) != 1 {
		t.Errorf("counts %d %d %d", f.Count(""), f.Count(PathChat), f.Count(SchemaIdeas))
	}
}

func TestScriptsAndDefaults(t *testing.T) {
	f := NewFakeOpenAI()
	defer f.Close()
	f.Script(PathChat, Reply{Status: 500}, Reply{Status: 429, Header: http.Header{"Retry-After": {"3"}}})
	f.Script(SchemaArticle, Reply{Content: "not json"})

	// A schema script goes first; path scripts are consumed in order.
	status, res := post(t, f, PathChat, SchemaArticle, nil)
	msg := res["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if status != 200 || msg["content"] != "not json" {
		t.Errorf("schema script: %d %v", status, msg)
	}
	if status, res := post(t, f, PathChat, SchemaIdeas, nil); status != 500 || res["error"] == nil {
		t.Errorf("first path script: %d %v", status, res)
	}
	if status, _ := post(t, f, PathChat, SchemaIdeas, nil); status != 429 {
		t.Errorf("second path script: %d", status)
	}
	if status, _ := post(t, f, PathChat, SchemaIdeas, nil); status != 200 {
		t.Errorf("after the scripts: %d, want happy", status)
	}

	f.SetDefault(SchemaIdeas, &Reply{Status: 503})
	for range 2 {
		if status, _ := post(t, f, PathChat, SchemaIdeas, nil); status != 503 {
			t.Errorf("default: %d", status)
		}
	}
	if status, _ := post(t, f, PathChat, SchemaArticle, nil); status != 200 {
		t.Errorf("other schema: %d", status)
	}
	f.SetDefault(SchemaIdeas, nil)
	if status, _ := post(t, f, PathChat, SchemaIdeas, nil); status != 200 {
		t.Errorf("default cleared: %d", status)
	}
}

func TestLatencyAndInFlight(t *testing.T) {
	f := NewFakeOpenAI()
	defer f.Close()
	f.SetLatency(50 * time.Millisecond)
	start := time.Now()
	done := make(chan struct{})
	for range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			res, err := f.Client().Post(f.BaseURL()+PathImages, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
		}()
	}
	for range 3 {
		<-done
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %s, want >= latency", d)
	}
	if m := f.MaxInFlight(); m < 1 || m > 3 {
		t.Errorf("max in flight %d", m)
	}
	if reqs := f.Requests(); len(reqs) != 3 || reqs[0].Path != PathImages {
		t.Errorf("requests %v", reqs)
	}
}
