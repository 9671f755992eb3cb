// Package aitest provides a fake OpenAI-compatible API server for tests of the
// ai package and of anything that runs the pipeline through the openai
// provider.
//
// By default ("happy mode") the fake answers every chat completion with a
// valid structured answer chosen by the request's json_schema name, and every
// image generation with a small PNG, so a whole pipeline can run against it.
// Scripts replace answers one request at a time (a 429, a 500, a slow answer,
// bad JSON), Limits make it enforce rate limits the way OpenAI does (429 with
// Retry-After and retry-after-ms, optionally x-ratelimit headers), and
// counters report what the server saw. SetClock puts the rate limits and the
// request times on a fake clock.
package aitest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
)

// Paths of the two endpoints the fake serves, relative to BaseURL.
const (
	PathChat   = "/chat/completions"
	PathImages = "/images/generations"
)

// Schema names the ai package sends as response_format.json_schema.name.
const (
	SchemaClusters = "keyword_clusters"
	SchemaIdeas    = "article_ideas"
	SchemaArticle  = "article"
	SchemaPrompts  = "image_prompts"
)

// Reply is one scripted answer. The zero Reply is a happy answer.
type Reply struct {
	// Status is the HTTP status (0: 200). A status >= 400 without Body gets
	// an OpenAI-style error body.
	Status int
	// Header is added to the response (e.g. "Retry-After").
	Header http.Header
	// Body, when set, is sent as is instead of any generated body.
	Body string
	// Content, when set, replaces the generated payload inside an otherwise
	// valid answer: the message content of a chat completion, or the b64_json
	// of an image.
	Content string
	// Delay is waited before answering; it ends early when the client gives up.
	Delay time.Duration
}

// Request is what the fake saw of one request.
type Request struct {
	Path   string // PathChat or PathImages (or the raw path for others)
	Schema string // json_schema name of a chat completion
	Model  string
	Header http.Header
	Body   []byte
	At     time.Time
	// Throttled is set when the request was answered 429 for Limits.
	Throttled bool
}

// SystemPrompt is the system message of a chat completion ("" for other
// requests).
func (r Request) SystemPrompt() string {
	var req chatRequest
	if json.Unmarshal(r.Body, &req) != nil {
		return ""
	}
	for _, m := range req.Messages {
		var text string
		if m.Role == "system" && json.Unmarshal(m.Content, &text) == nil {
			return text
		}
	}
	return ""
}

// Input is the JSON task data of a chat completion (its last user
// message), nil when there is none.
func (r Request) Input() map[string]any {
	var req chatRequest
	if json.Unmarshal(r.Body, &req) != nil {
		return nil
	}
	return req.input()
}

// ImagePrompt is the prompt of an image generation ("" for other
// requests).
func (r Request) ImagePrompt() string {
	var req struct {
		Prompt string `json:"prompt"`
	}
	_ = json.Unmarshal(r.Body, &req)
	return req.Prompt
}

// Fake is a running fake server. Its methods are safe for concurrent use.
type Fake struct {
	srv *httptest.Server

	mu       sync.Mutex
	scripts  map[string][]Reply // by path or by schema name
	defaults map[string]Reply   // by path or by schema name
	latency  time.Duration
	requests []Request
	onReq    func(Request)
	arrivals []arrival
	clock    clockwork.Clock
	limits   Limits
	buckets  map[string]*Bucket

	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// arrival is a channel closed once n requests have arrived.
type arrival struct {
	n  int
	ch chan struct{}
}

// NewFakeOpenAI starts a fake server; Close it when done.
func NewFakeOpenAI() *Fake {
	f := &Fake{scripts: map[string][]Reply{}, defaults: map[string]Reply{}, clock: clockwork.NewRealClock(), buckets: map[string]*Bucket{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Close shuts the server down.
func (f *Fake) Close() { f.srv.Close() }

// URL is the server's root URL.
func (f *Fake) URL() string { return f.srv.URL }

// BaseURL is the API base to configure clients with (URL + "/v1").
func (f *Fake) BaseURL() string { return f.srv.URL + "/v1" }

// Client is an HTTP client for the server.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// Script queues replies for the next requests to key, one reply per request
// in order; key is a path (PathChat, PathImages) or a schema name
// (SchemaArticle, …), which is matched before the chat path. Once the queue
// is empty the default (see SetDefault) or happy answers resume.
func (f *Fake) Script(key string, replies ...Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[key] = append(f.scripts[key], replies...)
}

// SetDefault makes every unscripted request to key (a path or a schema name)
// get r, e.g. a permanent 500; nil restores happy answers.
func (f *Fake) SetDefault(key string, r *Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r == nil {
		delete(f.defaults, key)
		return
	}
	f.defaults[key] = *r
}

// SetLatency delays every answer by d (added to a reply's own Delay).
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// OnRequest makes fn see every request as it arrives, before it is
// answered (tests act at a precise point of a run: kill the process with
// calls in flight). fn runs on the request's goroutine; nil removes it.
func (f *Fake) OnRequest(fn func(Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onReq = fn
}

// Requests returns a copy of every request seen so far, in arrival order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Count is the number of requests seen for key (a path or a schema name;
// "" counts all).
func (f *Fake) Count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if key == "" || r.Path == key || r.Schema == key {
			n++
		}
	}
	return n
}

// SetClock makes the fake read time (Request.At, the rate-limit buckets)
// from clock instead of the real one.
func (f *Fake) SetClock(clock clockwork.Clock) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = clock
}

// Arrived returns a channel closed once n requests in all have arrived
// (answered or not), for tests that wait for the server to see something.
func (f *Fake) Arrived(n int) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	if len(f.requests) >= n {
		close(ch)
		return ch
	}
	f.arrivals = append(f.arrivals, arrival{n: n, ch: ch})
	return ch
}

// MaxInFlight is the largest number of requests the server handled at once.
func (f *Fake) MaxInFlight() int { return int(f.maxInFlight.Load()) }

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}

	body, err := readAll(r)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, PathChat):
		path = PathChat
	case strings.HasSuffix(path, PathImages):
		path = PathImages
	}
	var req chatRequest
	_ = json.Unmarshal(body, &req) // chat and images requests both name their model
	if path != PathChat {
		req = chatRequest{Model: req.Model}
	}
	schema := req.ResponseFormat.JSONSchema.Name

	f.mu.Lock()
	now := f.clock.Now()
	limitHeader, admitted := f.admit(path, req.Model, float64(len(body))/4, now)
	seen := Request{Path: path, Schema: schema, Model: req.Model, Header: r.Header.Clone(), Body: body, At: now, Throttled: !admitted}
	f.requests = append(f.requests, seen)
	f.notifyArrivals()
	var reply Reply
	if admitted {
		reply = f.next(schema, path)
	}
	latency, onReq := f.latency, f.onReq
	f.mu.Unlock()
	if onReq != nil {
		onReq(seen)
	}

	if !admitted {
		writeHeader(w, limitHeader)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(errorBody(http.StatusTooManyRequests))
		return
	}

	if d := latency + reply.Delay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}

	writeHeader(w, limitHeader)
	writeHeader(w, reply.Header)
	w.Header().Set("Content-Type", "application/json")
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	out := []byte(reply.Body)
	if reply.Body == "" {
		switch {
		case status >= 400:
			out = errorBody(status)
		case path == PathChat:
			var completion int
			out, completion = chatBody(req, reply.Content, len(body))
			f.mu.Lock()
			f.charge(req.Model, float64(completion), f.clock.Now())
			f.mu.Unlock()
		case path == PathImages:
			out = imageBody(reply.Content)
		default:
			status, out = http.StatusNotFound, errorBody(http.StatusNotFound)
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// next pops the scripted reply for the request (schema first, then path) or
// returns the default one. Called with f.mu held.
func (f *Fake) next(schema, path string) Reply {
	for _, key := range []string{schema, path} {
		if key == "" {
			continue
		}
		if q := f.scripts[key]; len(q) > 0 {
			f.scripts[key] = q[1:]
			return q[0]
		}
	}
	for _, key := range []string{schema, path} {
		if r, ok := f.defaults[key]; ok && key != "" {
			return r
		}
	}
	return Reply{}
}

// notifyArrivals closes the Arrived channels that are due. Called with f.mu
// held.
func (f *Fake) notifyArrivals() {
	kept := f.arrivals[:0]
	for _, a := range f.arrivals {
		if len(f.requests) >= a.n {
			close(a.ch)
		} else {
			kept = append(kept, a)
		}
	}
	f.arrivals = kept
}

func writeHeader(w http.ResponseWriter, h http.Header) {
	for k, vs := range h {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

func errorBody(status int) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": fmt.Sprintf("fake: %d %s", status, http.StatusText(status)),
		"type":    "fake_error",
		"param":   nil,
		"code":    nil,
	}})
	return b
}

// chatRequest is the part of a chat completion request the fake reads.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	ResponseFormat struct {
		Type       string `json:"type"`
		JSONSchema struct {
			Name   string         `json:"name"`
			Strict bool           `json:"strict"`
			Schema map[string]any `json:"schema"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

// input decodes the last user message as JSON (the ai package sends its
// task data that way); nil when it is not JSON.
func (r chatRequest) input() map[string]any {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role != "user" {
			continue
		}
		var text string
		if json.Unmarshal(r.Messages[i].Content, &text) != nil {
			return nil
		}
		var in map[string]any
		if json.Unmarshal([]byte(text), &in) != nil {
			return nil
		}
		return in
	}
	return nil
}

var chatSeq atomic.Int64

// chatBody is a chat completion answering content (a happy answer when
// empty) with usage counted as a quarter of the bytes of the request and of
// the content; it also returns the completion tokens.
func chatBody(req chatRequest, content string, requestBytes int) ([]byte, int) {
	if content == "" {
		b, _ := json.Marshal(happyAnswer(req))
		content = string(b)
	}
	prompt, completion := max(1, requestBytes/4), max(1, len(content)/4)
	b, _ := json.Marshal(map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", chatSeq.Add(1)),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"finish_reason": "stop",
			"logprobs":      nil,
		}},
		"usage": map[string]any{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})
	return b, completion
}

func imageBody(b64 string) []byte {
	if b64 == "" {
		b64 = base64.StdEncoding.EncodeToString(PNG)
	}
	b, _ := json.Marshal(map[string]any{
		"created": time.Now().Unix(),
		"data":    []any{map[string]any{"b64_json": b64}},
	})
	return b
}

// PNG is the image the fake returns: a valid 8×8 PNG.
var PNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 64 {
		img.Set(i%8, i/8, color.RGBA{R: uint8(i * 4), G: 120, B: 200, A: 255})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}()

// happyAnswer builds a valid answer for the request's schema from its input.
func happyAnswer(req chatRequest) any {
	in := req.input()
	switch req.ResponseFormat.JSONSchema.Name {
	case SchemaClusters:
		return clusters(in)
	case SchemaIdeas:
		return ideas(in)
	case SchemaArticle:
		return article(in)
	case SchemaPrompts:
		return prompts(in)
	}
	return example(req.ResponseFormat.JSONSchema.Schema)
}

// clusters groups keywords by their first word, every keyword included.
func clusters(in map[string]any) any {
	type cluster struct {
		Name       string  `json:"name"`
		KeywordIDs []int64 `json:"keyword_ids"`
	}
	out := []*cluster{}
	byWord := map[string]*cluster{}
	kws, _ := in["keywords"].([]any)
	for _, k := range kws {
		m, _ := k.(map[string]any)
		id, _ := m["id"].(float64)
		text, _ := m["text"].(string)
		word := "misc"
		if fs := strings.Fields(strings.ToLower(text)); len(fs) > 0 {
			word = fs[0]
		}
		c := byWord[word]
		if c == nil {
			r := []rune(word)
			c = &cluster{Name: strings.ToUpper(string(r[:1])) + string(r[1:]), KeywordIDs: []int64{}}
			byWord[word] = c
			out = append(out, c)
		}
		c.KeywordIDs = append(c.KeywordIDs, int64(id))
	}
	return map[string]any{"clusters": out}
}

func strs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func ideas(in map[string]any) any {
	n, _ := in["count"].(float64)
	cluster, _ := in["cluster"].(string)
	kws := strs(in["keywords"])
	if len(kws) == 0 {
		kws = []string{cluster}
	}
	out := []map[string]string{}
	for i := range max(int(n), 1) {
		kw := kws[i%len(kws)]
		out = append(out, map[string]string{
			"title":   fmt.Sprintf("Idea %d about %s: %s", i+1, cluster, kw),
			"summary": fmt.Sprintf("What everyone should know about %s.", kw),
		})
	}
	return map[string]any{"ideas": out}
}

// article writes a short article that links to the first
// max_internal_links of internal_links.
func article(in map[string]any) any {
	title, _ := in["title"].(string)
	kws := strs(in["keywords"])
	if len(kws) == 0 {
		kws = []string{title}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<p>An introduction to %s.</p>", html.EscapeString(title))
	for _, kw := range kws[:min(len(kws), 3)] {
		kw = html.EscapeString(kw)
		fmt.Fprintf(&b, "<h2>About %s</h2><p>Everything about %s, explained with care for the reader.</p>", kw, kw)
	}
	links, _ := in["internal_links"].([]any)
	n, _ := in["max_internal_links"].(float64)
	for _, l := range links[:min(len(links), int(n))] {
		m, _ := l.(map[string]any)
		u, _ := m["url"].(string)
		t, _ := m["title"].(string)
		fmt.Fprintf(&b, `<p>Read also: <a href="%s">%s</a>.</p>`, html.EscapeString(u), html.EscapeString(t))
	}
	b.WriteString("<h2>Conclusion</h2><p>That is all for now.</p>")
	return map[string]string{"title": title, "html": b.String(), "excerpt": "An introduction to " + title + ".",
		"seo_title": title, "meta_description": "An introduction to " + title + "."}
}

var h2 = regexp.MustCompile(`(?is)<h2[^>]*>(.*?)</h2>`)

func prompts(in map[string]any) any {
	n, _ := in["max"].(float64)
	title, _ := in["title"].(string)
	body, _ := in["html"].(string)
	out := []map[string]string{}
	for _, m := range h2.FindAllStringSubmatch(body, -1) {
		if len(out) >= int(n) {
			break
		}
		out = append(out, map[string]string{"prompt": "A watercolour illustration of " + html.UnescapeString(m[1]) + " for " + title, "alt": html.UnescapeString(m[1])})
	}
	if len(out) == 0 && n >= 1 {
		out = append(out, map[string]string{"prompt": "A watercolour illustration for " + title, "alt": title})
	}
	return map[string]any{"prompts": out}
}

// example makes a value satisfying a JSON schema, for schema names the fake
// does not know.
func example(schema map[string]any) any {
	switch schema["type"] {
	case "object":
		out := map[string]any{}
		props, _ := schema["properties"].(map[string]any)
		for k, v := range props {
			sub, _ := v.(map[string]any)
			out[k] = example(sub)
		}
		return out
	case "array":
		sub, _ := schema["items"].(map[string]any)
		return []any{example(sub)}
	case "integer", "number":
		return 1
	case "boolean":
		return true
	case "string":
		return "example"
	}
	return nil
}
