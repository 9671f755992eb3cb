package targets

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook POSTs each post as JSON to URL, signed with Secret.
//
// Headers: Content-Type: application/json; X-Autopress-Signature:
// sha256=<hex HMAC-SHA256 of the exact body, keyed with Secret> (check it with
// Sign); X-Autopress-Timestamp: Unix seconds when sent;
// Idempotency-Key: content-<content id>.
//
// A webhook cannot be queried, so Lookup never finds anything and a post whose
// outcome was unknown is sent again: receivers must dedupe on Idempotency-Key
// (the same for every attempt at the same content).
//
// A 2xx answer is success; a JSON answer {"id": …, "url": …} becomes the
// Result. 401/403 wrap ErrAuth.
type Webhook struct {
	URL    string
	Secret string
	// Client defaults to one with a 60 s timeout.
	Client *http.Client
}

// Webhook header names.
const (
	HeaderSignature = "X-Autopress-Signature"
	HeaderTimestamp = "X-Autopress-Timestamp"
	HeaderIdemKey   = "Idempotency-Key"
)

// Kind returns KindWebhook.
func (w *Webhook) Kind() string { return KindWebhook }

type webhookImage struct {
	Filename   string `json:"filename"`
	MIME       string `json:"mime"`
	Alt        string `json:"alt"`
	DataBase64 string `json:"data_base64"`
	// Section is the h2 section an image of "images" illustrates (0 for
	// the first); absent on the featured image.
	Section *int `json:"section,omitempty"`
}

type webhookPayload struct {
	Event         string         `json:"event"`
	ContentID     int64          `json:"content_id"`
	SiteID        int64          `json:"site_id"`
	Title         string         `json:"title"`
	Slug          string         `json:"slug"`
	HTML          string         `json:"html"`
	Excerpt       string         `json:"excerpt"`
	SEOTitle      string         `json:"seo_title"`
	MetaDesc      string         `json:"meta_description"`
	Keywords      []string       `json:"keywords"`
	Tags          []string       `json:"tags"`
	Categories    []string       `json:"categories"`
	PublishedAt   string         `json:"published_at"`
	FeaturedImage *webhookImage  `json:"featured_image"`
	Images        []webhookImage `json:"images"`
}

// Publish sends the "content.published" event.
func (w *Webhook) Publish(ctx context.Context, p Post) (Result, error) {
	payload := webhookPayload{
		Event:       "content.published",
		ContentID:   p.ContentID,
		SiteID:      p.SiteID,
		Title:       p.Title,
		Slug:        p.Slug,
		HTML:        p.HTML,
		Excerpt:     p.Excerpt,
		SEOTitle:    p.SEOTitle,
		MetaDesc:    p.MetaDescription,
		Keywords:    nonNil(p.Keywords),
		Tags:        nonNil(p.Tags),
		Categories:  nonNil(p.Categories),
		PublishedAt: p.PublishedAt.UTC().Format(time.RFC3339),
	}
	if img := p.FeaturedImage; img != nil {
		payload.FeaturedImage = &webhookImage{Filename: img.Filename, MIME: img.MIME, Alt: img.Alt, DataBase64: base64Std(img.Data)}
	}
	payload.Images = []webhookImage{}
	for _, img := range p.Images {
		section := img.Section
		payload.Images = append(payload.Images, webhookImage{Filename: img.Filename, MIME: img.MIME, Alt: img.Alt, DataBase64: base64Std(img.Data), Section: &section})
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Result{}, fmt.Errorf("targets: webhook: %w", err)
	}
	status, resp, err := w.post(ctx, body, "content-"+strconv.FormatInt(p.ContentID, 10))
	if err != nil {
		return Result{}, err
	}
	if !is2xx(status) {
		return Result{}, webhookStatusError(status)
	}
	return parseWebhookResult(resp), nil
}

// Lookup always reports found=false: a webhook cannot be queried. Receivers
// dedupe repeated deliveries by the Idempotency-Key header.
func (w *Webhook) Lookup(ctx context.Context, p Post) (Result, bool, error) {
	return Result{}, false, nil
}

// Test sends a signed {"event":"ping"} and expects a 2xx answer.
func (w *Webhook) Test(ctx context.Context) []Check {
	c := Check{Name: "Signed ping", Status: CheckOK, Detail: "The webhook accepted a signed ping."}
	if err := w.ping(ctx); err != nil {
		c.Status, c.Err, c.Detail = CheckFailed, err, sentence(err.Error())
	}
	return []Check{c}
}

func (w *Webhook) ping(ctx context.Context) error {
	status, _, err := w.post(ctx, []byte(`{"event":"ping"}`), "")
	var re *reachError
	switch {
	case errors.As(err, &re):
		return userErr("cannot reach the webhook at "+re.url+": "+re.cause(), err)
	case err != nil:
		return err
	}
	if !is2xx(status) {
		return webhookStatusError(status)
	}
	return nil
}

func (w *Webhook) post(ctx context.Context, body []byte, idemKey string) (int, []byte, error) {
	if w.URL == "" {
		return 0, nil, &configError{"webhook", "no webhook URL configured"}
	}
	if w.Secret == "" {
		return 0, nil, &configError{"webhook", "no webhook signing secret configured"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, &configError{"webhook", fmt.Sprintf("bad webhook URL %q: %v", w.URL, err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderSignature, Sign(w.Secret, body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(time.Now().Unix(), 10))
	if idemKey != "" {
		req.Header.Set(HeaderIdemKey, idemKey)
	}
	resp, err := httpClient(w.Client).Do(req)
	if err != nil {
		return 0, nil, &reachError{url: w.URL, err: err}
	}
	b, err := readBody(resp)
	if err != nil && is2xx(resp.StatusCode) {
		// The receiver accepted the event; a broken answer body only
		// loses the optional id and url.
		b = nil
	}
	return resp.StatusCode, b, nil
}

// webhookStatusError explains a receiver's error answer.
func webhookStatusError(status int) error {
	// A receiver's own error code means nothing to the person reading it.
	se := &StatusError{Status: status}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		se.Kind, se.Reason = ErrAuth, "the webhook receiver refused the signature: check that it uses this site's secret"
	case status == http.StatusTooManyRequests:
		se.Reason = "the webhook receiver is limiting requests"
	case status >= 500 || status == http.StatusRequestTimeout:
		se.Reason = "the webhook receiver failed"
	default:
		se.Reason = "the webhook receiver refused the article"
	}
	return se
}

// parseWebhookResult takes {"id","url"} from a receiver's answer; id may be
// a string or a number. Anything else gives an empty Result.
func parseWebhookResult(body []byte) Result {
	var r struct {
		ID  json.RawMessage `json:"id"`
		URL string          `json:"url"`
	}
	if json.Unmarshal(body, &r) != nil {
		return Result{}
	}
	res := Result{URL: r.URL}
	var s string
	switch {
	case len(r.ID) == 0 || string(r.ID) == "null":
	case json.Unmarshal(r.ID, &s) == nil:
		res.RemoteID = s
	default:
		res.RemoteID = strings.TrimSpace(string(r.ID))
	}
	return res
}

// Sign returns the X-Autopress-Signature value for body: "sha256=" followed
// by the hex HMAC-SHA256 of body keyed with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
