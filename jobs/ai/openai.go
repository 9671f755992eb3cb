package ai

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// OpenAIConfig configures the provider for an OpenAI-compatible endpoint
// (OpenAI, gateways, Ollama, vLLM, OpenRouter).
type OpenAIConfig struct {
	// BaseURL of the API including its version path, e.g.
	// "https://api.openai.com/v1" (the default) or "http://localhost:11434/v1".
	BaseURL string
	// APIKey is sent as a bearer token.
	APIKey string
	// TextModel answers clustering, ideas, articles and image prompts; required.
	TextModel string
	// ImageModel draws images; when empty GenerateImage fails.
	ImageModel string
	// Concurrency caps the API requests in flight through this provider
	// (default 4). Share one provider per process to make it process-wide.
	Concurrency int
	// RequestsPerMinute caps the text model's requests, spaced evenly
	// (60s/RPM apart, every attempt counts); 0: no cap. Without a cap the
	// provider still paces to the limit it announces or that its 429s reveal.
	RequestsPerMinute int
	// ImagesPerMinute caps the image model's requests the same way.
	ImagesPerMinute int
	// Timeout bounds each attempt (default 120s).
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one call, the first included
	// (default 4).
	MaxAttempts int
	// BaseBackoff is the first retry's maximum wait; it doubles per attempt,
	// with full jitter, up to 32×BaseBackoff (default 1s).
	BaseBackoff time.Duration
	// HTTPClient replaces http.DefaultClient when set.
	HTTPClient *http.Client
	// Clock paces requests and times waits (default: the real clock).
	Clock clockwork.Clock
}

// Defaults of OpenAIConfig.
const (
	DefaultOpenAIBaseURL     = "https://api.openai.com/v1"
	DefaultOpenAIConcurrency = 4
	DefaultOpenAITimeout     = 120 * time.Second
	DefaultOpenAIMaxAttempts = 4
	DefaultOpenAIBaseBackoff = time.Second
)

// OpenAI is the provider for OpenAI-compatible APIs. Answers are constrained
// by a strict json_schema per function and validated; transient failures
// (408, 5xx, timeouts, network errors) are retried with backoff, and 429s
// wait for the provider's rate limit, which one limiter per model (text and
// images apart) learns and paces to for every caller. It is safe for
// concurrent use.
type OpenAI struct {
	cfg    OpenAIConfig
	client openai.Client
	clock  clockwork.Clock
	sem    chan struct{}
	text   *limiter
	images *limiter
	// jitter returns a random duration in [0, d]; replaced in tests.
	jitter func(d time.Duration) time.Duration
}

var _ Provider = (*OpenAI)(nil)

// NewOpenAI checks cfg, fills in defaults and builds the provider.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if strings.TrimSpace(cfg.TextModel) == "" {
		return nil, errors.New("ai: openai: a text model is required")
	}
	if cfg.Concurrency < 0 || cfg.RequestsPerMinute < 0 || cfg.ImagesPerMinute < 0 || cfg.Timeout < 0 || cfg.MaxAttempts < 0 || cfg.BaseBackoff < 0 {
		return nil, errors.New("ai: openai: negative limits are not allowed")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultOpenAIBaseURL
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultOpenAIConcurrency
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultOpenAITimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultOpenAIMaxAttempts
	}
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff = DefaultOpenAIBaseBackoff
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithAPIKey(cfg.APIKey),
		option.WithMaxRetries(0), // retries are ours: see call
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	clock := cfg.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	cfg.Clock = nil // the config compares equal in tests; the clock lives on o
	o := &OpenAI{
		cfg:    cfg,
		client: openai.NewClient(opts...),
		clock:  clock,
		sem:    make(chan struct{}, cfg.Concurrency),
		text:   newLimiter(clock, cfg.TextModel, KindText, cfg.RequestsPerMinute, cfg.Concurrency),
		images: newLimiter(clock, cfg.ImageModel, KindImages, cfg.ImagesPerMinute, cfg.Concurrency),
		jitter: fullJitter,
	}
	return o, nil
}

// Name implements Provider.
func (o *OpenAI) Name() string { return "openai" }

// limiterFor returns the limiter of the model that serves operation (a
// credit operation name), nil for an unknown one.
func (o *OpenAI) limiterFor(operation string) *limiter {
	switch operation {
	case opImage:
		return o.images
	case opClustering, opIdeas, opArticle, opPrompts:
		return o.text
	}
	return nil
}

// Ready implements Provider: it waits until the limiter of operation's
// model would let a request leave within a second.
func (o *OpenAI) Ready(ctx context.Context, operation string) error {
	if l := o.limiterFor(operation); l != nil {
		return l.ready(ctx)
	}
	return ctx.Err()
}

// Limit implements Provider.
func (o *OpenAI) Limit(operation string) (LimitState, bool) {
	if l := o.limiterFor(operation); l != nil {
		return l.state(), true
	}
	return LimitState{}, false
}

// ClusterKeywords implements Provider. Ids the model invents are dropped, a
// keyword put in two clusters stays in the first, empty clusters vanish and
// repeated names get a number.
func (o *OpenAI) ClusterKeywords(ctx context.Context, s Site, kws []Keyword) ([]Cluster, error) {
	if len(kws) == 0 {
		return nil, nil
	}
	in := clusterInput{Site: s.Name}
	known := make(map[int64]bool, len(kws))
	for _, k := range kws {
		in.Keywords = append(in.Keywords, clusterInputKeyword(k))
		known[k.ID] = true
	}
	var ans clusterAnswer
	if err := o.chat(ctx, opClustering, clusterFormat, systemPrompt(opClustering, s), in, &ans); err != nil {
		return nil, err
	}
	taken, names := map[int64]bool{}, map[string]bool{}
	var out []Cluster
	for _, c := range *ans.Clusters {
		var ids []int64
		for _, id := range c.KeywordIDs {
			if known[id] && !taken[id] {
				taken[id] = true
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		name := plainText(c.Name)
		if name == "" {
			name = "Cluster " + fmt.Sprint(len(out)+1)
		}
		out = append(out, Cluster{Name: uniqueName(name, names), KeywordIDs: ids})
	}
	return out, nil
}

// GenerateIdeas implements Provider. Ideas without a title and repeated titles
// are dropped and at most n are kept; none at all is a malformed answer.
func (o *OpenAI) GenerateIdeas(ctx context.Context, s Site, cluster string, keywords []string, n int) ([]Idea, error) {
	if n <= 0 {
		return nil, nil
	}
	var ans ideasAnswer
	in := ideasInput{Site: s.Name, Cluster: cluster, Keywords: nonNil(keywords), Count: n}
	if err := o.chat(ctx, opIdeas, ideasFormat, systemPrompt(opIdeas, s), in, &ans); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Idea
	for _, i := range *ans.Ideas {
		t := plainText(i.Title)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		out = append(out, Idea{Title: t, Summary: plainText(i.Summary)})
		if len(out) == n {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("ai: openai %s: %w", opIdeas, malformed("no usable idea", ans.raw))
	}
	return out, nil
}

// WriteArticle implements Provider. The HTML is sanitized and keeps only
// links to req.Links (at most the profile's MaxLinks); an article with no
// text left is a malformed answer; a missing title falls back to the
// idea's; SEO fields that are too long are cut at a word boundary.
func (o *OpenAI) WriteArticle(ctx context.Context, s Site, req ArticleRequest) (Article, error) {
	var ans articleAnswer
	profile := s.Profile.orDefault()
	in := articleInput{Site: s.Name, Title: req.Idea.Title, Summary: req.Idea.Summary, Keywords: nonNil(req.Keywords),
		InternalLinks: []linkInput{}, MaxInternalLinks: max(profile.MaxLinks, 0)}
	if in.MaxInternalLinks > 0 {
		for _, l := range req.Links {
			in.InternalLinks = append(in.InternalLinks, linkInput(l))
		}
	}
	if err := o.chat(ctx, opArticle, articleFormat, systemPrompt(opArticle, s), in, &ans); err != nil {
		return Article{}, err
	}
	title := *ans.Title
	if plainText(title) == "" {
		title = req.Idea.Title
	}
	a, err := finishArticle(s, req.LinkPolicy(profile), draft{Title: title, HTML: *ans.HTML, Excerpt: *ans.Excerpt,
		SEOTitle: ans.SEOTitle, MetaDescription: ans.MetaDescription})
	if err != nil {
		return Article{}, fmt.Errorf("ai: openai %s: %w", opArticle, err)
	}
	return a, nil
}

// ExtractImagePrompts implements Provider. max <= 0 asks nothing and returns
// none; empty prompts are dropped and at most max are kept.
func (o *OpenAI) ExtractImagePrompts(ctx context.Context, s Site, a Article, max int) ([]ImagePrompt, error) {
	if max <= 0 {
		return nil, nil
	}
	var ans promptsAnswer
	in := promptsInput{Title: a.Title, HTML: a.HTML, Max: max}
	if err := o.chat(ctx, opPrompts, promptsFormat, systemPrompt(opPrompts, s), in, &ans); err != nil {
		return nil, err
	}
	var out []ImagePrompt
	for _, p := range *ans.Prompts {
		text := strings.Join(strings.Fields(p.Prompt), " ")
		if text == "" {
			continue
		}
		alt := plainText(p.Alt)
		if alt == "" {
			alt = excerpt(text, 120)
		}
		out = append(out, ImagePrompt{Prompt: text, Alt: alt})
		if len(out) == max {
			break
		}
	}
	return out, nil
}

// GenerateImage implements Provider with the Images API, asking for base64
// data; the prompt carries the profile's style (imagePrompt). The format comes from the answer's output_format, else from the bytes
// themselves; anything that is not a known image format is malformed.
func (o *OpenAI) GenerateImage(ctx context.Context, s Site, p ImagePrompt) (Image, error) {
	if o.cfg.ImageModel == "" {
		return Image{}, fmt.Errorf("ai: openai %s: no image model configured", opImage)
	}
	params := openai.ImageGenerateParams{
		Model:  o.cfg.ImageModel,
		Prompt: imagePrompt(s, p),
		N:      openai.Int(1),
	}
	// GPT image models always answer in base64 and reject the parameter;
	// DALL·E and most compatible servers need it to avoid answering a URL.
	if !strings.HasPrefix(o.cfg.ImageModel, "gpt-image") {
		params.ResponseFormat = openai.ImageGenerateParamsResponseFormatB64JSON
	}
	var res *openai.ImagesResponse
	err := o.call(ctx, opImage, o.images, 0, func(ctx context.Context, opts ...option.RequestOption) (usage, error) {
		var err error
		res, err = o.client.Images.Generate(ctx, params, opts...)
		return usage{}, err
	})
	if err != nil {
		return Image{}, err
	}
	if len(res.Data) == 0 || res.Data[0].B64JSON == "" {
		return Image{}, fmt.Errorf("ai: openai %s: %w", opImage, malformed("no base64 image data", res.RawJSON()))
	}
	b64 := res.Data[0].B64JSON
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return Image{}, fmt.Errorf("ai: openai %s: %w", opImage, malformed("invalid base64 ("+err.Error()+")", b64))
	}
	img, ok := imageFormat(string(res.OutputFormat), data)
	if !ok {
		return Image{}, fmt.Errorf("ai: openai %s: %w", opImage, malformed("not image data", string(data)))
	}
	return img, nil
}

// imageFormats maps declared formats (output_format) and sniffed MIME types
// to what GenerateImage returns.
var imageFormats = map[string]Image{
	"png":           {MIME: "image/png", Ext: ".png"},
	"jpeg":          {MIME: "image/jpeg", Ext: ".jpg"},
	"webp":          {MIME: "image/webp", Ext: ".webp"},
	"gif":           {MIME: "image/gif", Ext: ".gif"},
	"svg":           {MIME: "image/svg+xml", Ext: ".svg"},
	"image/png":     {MIME: "image/png", Ext: ".png"},
	"image/jpeg":    {MIME: "image/jpeg", Ext: ".jpg"},
	"image/webp":    {MIME: "image/webp", Ext: ".webp"},
	"image/gif":     {MIME: "image/gif", Ext: ".gif"},
	"image/svg+xml": {MIME: "image/svg+xml", Ext: ".svg"},
}

// imageFormat names the format of data, trusting the declared format when
// there is one and sniffing the bytes otherwise.
func imageFormat(declared string, data []byte) (Image, bool) {
	if len(data) == 0 {
		return Image{}, false
	}
	f, ok := imageFormats[strings.ToLower(declared)]
	if !ok {
		f, ok = imageFormats[http.DetectContentType(data)]
	}
	f.Data = data
	return f, ok
}

// chat sends one chat completion constrained by format and decodes the
// answer's JSON content into out (a *…Answer whose required fields are
// pointers, so a missing field is detected).
func (o *OpenAI) chat(ctx context.Context, op string, format responseFormat, system string, input any, out answer) error {
	user, err := json.Marshal(input)
	if err != nil {
		return fmt.Errorf("ai: openai %s: encode input: %w", op, err)
	}
	params := openai.ChatCompletionNewParams{
		Model: o.cfg.TextModel,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(system),
			openai.UserMessage(string(user)),
		},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
					Name:   format.name,
					Strict: openai.Bool(true),
					Schema: format.schema,
				},
			},
		},
	}
	var res *openai.ChatCompletion
	// About four bytes of English or JSON per token.
	prompt := float64(len(system)+len(user)) / 4
	err = o.call(ctx, op, o.text, prompt, func(ctx context.Context, opts ...option.RequestOption) (usage, error) {
		var err error
		res, err = o.client.Chat.Completions.New(ctx, params, opts...)
		if err != nil {
			return usage{}, err
		}
		return usage{prompt: res.Usage.PromptTokens, completion: res.Usage.CompletionTokens}, nil
	})
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 {
		return fmt.Errorf("ai: openai %s: %w", op, malformed("no choices", res.RawJSON()))
	}
	msg := res.Choices[0].Message
	if msg.Refusal != "" {
		return fmt.Errorf("ai: openai %s: %w", op, malformed("the model refused", msg.Refusal))
	}
	content := stripFences(msg.Content)
	if err := json.Unmarshal([]byte(content), out); err != nil {
		what := "not JSON (" + err.Error() + ")"
		if res.Choices[0].FinishReason == "length" {
			what = "cut off at the token limit"
		}
		return fmt.Errorf("ai: openai %s: %w", op, malformed(what, msg.Content))
	}
	if missing := out.missing(); missing != "" {
		return fmt.Errorf("ai: openai %s: %w", op, malformed("missing "+missing, msg.Content))
	}
	out.setRaw(msg.Content)
	return nil
}

// stripFences removes a Markdown code fence around JSON, which some
// compatible servers add when they do not enforce the schema.
func stripFences(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[nl+1:] // drop the info string ("json")
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
}

// nonNil keeps a nil slice from being sent as JSON null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
