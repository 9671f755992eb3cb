package targets

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver records the last request a webhook target made.
type receiver struct {
	mu     sync.Mutex
	body   []byte
	header http.Header
	status int
	answer string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.body, rc.header = b, r.Header.Clone()
	status, answer := rc.status, rc.answer
	rc.mu.Unlock()
	if status == 0 {
		status = 200
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

func (rc *receiver) last() ([]byte, http.Header) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.body, rc.header
}

func TestWebhookPublishSigned(t *testing.T) {
	rc := &receiver{answer: `{"id": 123, "url": "https://blog.example/tips"}`}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: "site-secret"}

	res, err := w.Publish(context.Background(), samplePost())
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if res != (Result{RemoteID: "123", URL: "https://blog.example/tips"}) {
		t.Errorf("Result = %+v", res)
	}
	body, h := rc.last()
	if h.Get("X-Autopress-Signature") != Sign("site-secret", body) {
		t.Errorf("signature %q does not verify with the site's secret", h.Get("X-Autopress-Signature"))
	}
	if h.Get("X-Autopress-Signature") == Sign("another-secret", body) {
		t.Error("signature verifies with another secret")
	}
	if h.Get("X-Autopress-Signature") == Sign("site-secret", append(body, ' ')) {
		t.Error("signature verifies for a changed body")
	}
	if got := h.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := h.Get("Idempotency-Key"); got != "content-7" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	if ts, err := strconv.ParseInt(h.Get("X-Autopress-Timestamp"), 10, 64); err != nil || time.Since(time.Unix(ts, 0)) > time.Minute {
		t.Errorf("X-Autopress-Timestamp = %q", h.Get("X-Autopress-Timestamp"))
	}

	var got struct {
		Event         string    `json:"event"`
		ContentID     int64     `json:"content_id"`
		SiteID        int64     `json:"site_id"`
		Title         string    `json:"title"`
		Slug          string    `json:"slug"`
		HTML          string    `json:"html"`
		Excerpt       string    `json:"excerpt"`
		SEOTitle      string    `json:"seo_title"`
		MetaDesc      string    `json:"meta_description"`
		Keywords      []string  `json:"keywords"`
		Tags          []string  `json:"tags"`
		Categories    []string  `json:"categories"`
		PublishedAt   time.Time `json:"published_at"`
		FeaturedImage *struct {
			Filename   string `json:"filename"`
			MIME       string `json:"mime"`
			Alt        string `json:"alt"`
			DataBase64 string `json:"data_base64"`
		} `json:"featured_image"`
		Images []struct {
			Filename   string `json:"filename"`
			Alt        string `json:"alt"`
			Section    *int   `json:"section"`
			DataBase64 string `json:"data_base64"`
		} `json:"images"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	p := samplePost()
	if got.Event != "content.published" || got.ContentID != 7 || got.SiteID != 3 || got.Title != p.Title ||
		got.Slug != p.Slug || got.HTML != p.HTML || got.Excerpt != p.Excerpt || got.SEOTitle != p.SEOTitle || got.MetaDesc != p.MetaDescription ||
		strings.Join(got.Keywords, ",") != "pour over,grind size" ||
		strings.Join(got.Tags, ",") != "go,howto" || strings.Join(got.Categories, ",") != "News" ||
		!got.PublishedAt.Equal(p.PublishedAt) {
		t.Errorf("payload = %+v", got)
	}
	if len(got.Images) != 3 || got.Images[1].Alt != "evil" || got.Images[2].Section == nil || *got.Images[2].Section != 7 ||
		got.Images[0].DataBase64 != base64.StdEncoding.EncodeToString([]byte("\x89PNG inline")) {
		t.Errorf("images = %+v", got.Images)
	}
	if fi := got.FeaturedImage; fi == nil || fi.Filename != "cover.png" || fi.MIME != "image/png" || fi.Alt != `Cover "image"` {
		t.Errorf("featured_image = %+v", fi)
	} else if data, _ := base64.StdEncoding.DecodeString(fi.DataBase64); string(data) != "\x89PNG cover" {
		t.Errorf("featured_image data = %q", data)
	}
}

func TestWebhookNoImageAndEmptyAnswer(t *testing.T) {
	rc := &receiver{status: 204}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	p := samplePost()
	p.FeaturedImage, p.Tags, p.Categories = nil, nil, nil
	res, err := (&Webhook{URL: srv.URL, Secret: "s"}).Publish(context.Background(), p)
	if err != nil || res != (Result{}) {
		t.Fatalf("Publish = %+v, %v", res, err)
	}
	p.Images = nil
	if _, err := (&Webhook{URL: srv.URL, Secret: "s"}).Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	body, _ := rc.last()
	for _, s := range []string{`"featured_image":null`, `"tags":[]`, `"categories":[]`, `"images":[]`} {
		if !strings.Contains(string(body), s) {
			t.Errorf("body lacks %s: %s", s, body)
		}
	}
}

func TestWebhookErrors(t *testing.T) {
	tests := []struct {
		status    int
		permanent bool
		auth      bool
	}{
		{500, false, false},
		{502, false, false},
		{429, false, false},
		{408, false, false},
		{400, true, false},
		{404, true, false},
		{401, true, true},
		{403, true, true},
		{302, false, false}, // a redirect without Location is not followed
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(&receiver{status: tt.status, answer: `{"error":"nope"}`})
			defer srv.Close()
			_, err := (&Webhook{URL: srv.URL, Secret: "s"}).Publish(context.Background(), samplePost())
			if err == nil {
				t.Fatal("no error")
			}
			if Permanent(err) != tt.permanent || errors.Is(err, ErrAuth) != tt.auth {
				t.Errorf("err = %v: Permanent = %v, auth = %v", err, Permanent(err), errors.Is(err, ErrAuth))
			}
			// The status line only: a receiver's body is never repeated.
			if strings.Contains(err.Error(), "nope") || !strings.HasSuffix(err.Error(), "(HTTP "+strconv.Itoa(tt.status)+")") {
				t.Errorf("err = %v: want the status and none of the receiver's body", err)
			}
		})
	}
}

func TestWebhookTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices the client leaving only once the body is read.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := (&Webhook{URL: srv.URL, Secret: "s"}).Publish(ctx, samplePost())
	if !errors.Is(err, context.DeadlineExceeded) || Permanent(err) {
		t.Fatalf("err = %v, want a retryable deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Publish took %v", d)
	}

	// The client's own timeout is honored as well.
	client := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := (&Webhook{URL: srv.URL, Secret: "s", Client: client}).Publish(context.Background(), samplePost()); err == nil || Permanent(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestWebhookLookupNeverFinds(t *testing.T) {
	_, found, err := (&Webhook{URL: "http://127.0.0.1:1", Secret: "s"}).Lookup(context.Background(), samplePost())
	if found || err != nil {
		t.Fatalf("Lookup = %v, %v", found, err)
	}
}

func TestWebhookTest(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: "site-secret"}
	if c := w.Test(context.Background()); !Passed(c) {
		t.Fatalf("Test: %+v", c)
	}
	body, h := rc.last()
	if string(body) != `{"event":"ping"}` || h.Get("X-Autopress-Signature") != Sign("site-secret", body) {
		t.Errorf("ping = %s, signature %q", body, h.Get("X-Autopress-Signature"))
	}

	rc.mu.Lock()
	rc.status = 401
	rc.mu.Unlock()
	if c := w.Test(context.Background()); !errors.Is(c[0].Err, ErrAuth) || !strings.Contains(c[0].Detail, "refused the signature") {
		t.Errorf("Test on 401 = %+v", c)
	}

	srv.Close()
	if c := w.Test(context.Background()); Passed(c) || !strings.HasPrefix(c[0].Detail, "Cannot reach the webhook at "+srv.URL) {
		t.Errorf("Test on a closed server = %+v", c)
	}
	if c := (&Webhook{URL: srv.URL}).Test(context.Background()); !errors.Is(c[0].Err, ErrConfig) {
		t.Errorf("Test without a secret = %+v", c)
	}
}
