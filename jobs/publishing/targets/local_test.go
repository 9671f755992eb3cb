package targets

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func samplePost() Post {
	return Post{
		ContentID:       7,
		SiteID:          3,
		Title:           `Tips & <Tricks>`,
		Slug:            "tips-and-tricks",
		HTML:            `<p>First paragraph.</p><h2>Beans</h2><p>Grind.</p><h2>Water &amp; heat</h2><p>Pour.</p>`,
		Excerpt:         `A "short" summary`,
		SEOTitle:        "Tips for search & <results>",
		MetaDescription: `What "search" shows`,
		Keywords:        []string{"pour over", "grind size"},
		Tags:            []string{"go", "howto"},
		Categories:      []string{"News"},
		PublishedAt:     time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		FeaturedImage: &Image{
			Filename: "cover.png", MIME: "image/png", Data: []byte("\x89PNG cover"), Alt: `Cover "image"`,
		},
		Images: []Image{
			{Filename: "inline.png", MIME: "image/png", Data: []byte("\x89PNG inline"), Alt: "Water & heat", Section: 0},
			{Filename: "../../evil.jpg", MIME: "image/jpeg", Data: []byte("jpeg"), Alt: "evil", Section: 0},
			{Filename: "", MIME: "image/webp", Data: []byte("webp"), Alt: "last", Section: 7},
		},
	}
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestLocalPublishServedByFileServer(t *testing.T) {
	dir := t.TempDir()
	l := NewLocal(dir, "https://press.example/")
	p := samplePost()

	res, err := l.Publish(context.Background(), p)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want := Result{RemoteID: "3/tips-and-tricks", URL: "https://press.example/p/3/tips-and-tricks/"}
	if res != want {
		t.Fatalf("Result = %+v, want %+v", res, want)
	}

	srv := httptest.NewServer(http.StripPrefix("/p/", http.FileServer(http.Dir(dir))))
	defer srv.Close()

	status, hdr, page := get(t, srv.URL+"/p/3/tips-and-tricks/")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("GET page: %d %s", status, hdr.Get("Content-Type"))
	}
	for _, s := range []string{
		"<title>Tips for search &amp; &lt;results&gt;</title>",
		"<h1>Tips &amp; &lt;Tricks&gt;</h1>",
		`<meta name="description" content="What &#34;search&#34; shows">`,
		`<img src="cover.png" alt="Cover &#34;image&#34;">`,
		// Each image after the heading of its section: by alt text first,
		// then by section number; one past the last section at the end.
		`<p>First paragraph.</p><h2>Beans</h2>` + FigureHTML("evil.jpg", "evil", "") + `<p>Grind.</p>`,
		`<h2>Water &amp; heat</h2>` + FigureHTML("inline.png", "Water & heat", "") + `<p>Pour.</p>`,
		`<p>Pour.</p>` + FigureHTML("image-4.webp", "last", ""),
		`datetime="2026-03-02T09:00:00Z"`,
		"Tags: go, howto",
	} {
		if !strings.Contains(string(page), s) {
			t.Errorf("page lacks %q:\n%s", s, page)
		}
	}

	for name, data := range map[string]string{"cover.png": "\x89PNG cover", "inline.png": "\x89PNG inline", "evil.jpg": "jpeg", "image-4.webp": "webp"} {
		status, _, b := get(t, srv.URL+"/p/3/tips-and-tricks/"+name)
		if status != 200 || string(b) != data {
			t.Errorf("GET %s: %d %q", name, status, b)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "evil.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("image escaped the post directory: %v", err)
	}
}

func TestLocalRepublishOverwritesAndLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	l := NewLocal(dir, "http://localhost:8080")
	p := samplePost()
	if _, err := l.Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	p.Title = "Second version"
	if _, err := l.Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "3", p.Slug, "index.html"))
	if err != nil || !bytes.Contains(b, []byte("<h1>Second version</h1>")) {
		t.Fatalf("index.html not overwritten: %v\n%s", err, b)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "3", p.Slug))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestLocalHandlerDir(t *testing.T) {
	dir := t.TempDir()
	l := NewLocal(dir, "")
	if _, err := l.Publish(context.Background(), samplePost()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "3", "tips-and-tricks", ".tmp-123"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "3", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(LocalHandlerDir(dir))
	defer srv.Close()

	status, hdr, page := get(t, srv.URL+"/p/3/tips-and-tricks/")
	if status != 200 || !bytes.Contains(page, []byte("<h1>Tips &amp;")) {
		t.Fatalf("GET page: %d\n%s", status, page)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
		t.Errorf("CSP = %q", csp)
	}
	if status, _, b := get(t, srv.URL+"/p/3/tips-and-tricks/cover.png"); status != 200 || string(b) != "\x89PNG cover" {
		t.Errorf("GET image: %d", status)
	}
	for _, path := range []string{"/p/", "/p/3/", "/p/3", "/p/3/empty/", "/p/3/empty", "/p/3/tips-and-tricks/.tmp-123", "/p/3/missing/"} {
		if status, _, b := get(t, srv.URL+path); status != 404 {
			t.Errorf("GET %s = %d, want 404\n%s", path, status, b)
		}
	}
	// The slash-less form redirects to the page.
	if status, _, _ := get(t, srv.URL+"/p/3/tips-and-tricks"); status != 200 {
		t.Errorf("GET without trailing slash = %d", status)
	}
}

func TestLocalRejectsBadSlugs(t *testing.T) {
	dir := t.TempDir()
	l := NewLocal(filepath.Join(dir, "pub"), "")
	for _, slug := range []string{"", "..", "../../etc", "a/b", "UPPER", "with space", "dot.html"} {
		p := samplePost()
		p.Slug = slug
		_, err := l.Publish(context.Background(), p)
		if !errors.Is(err, ErrInvalidPost) || !Permanent(err) {
			t.Errorf("Publish slug %q: err = %v, want a permanent ErrInvalidPost", slug, err)
		}
		if _, _, err := l.Lookup(context.Background(), p); !errors.Is(err, ErrInvalidPost) {
			t.Errorf("Lookup slug %q: err = %v", slug, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("bad slugs wrote %d entries", len(entries))
	}
}

func TestLocalLookup(t *testing.T) {
	l := NewLocal(t.TempDir(), "http://h")
	p := samplePost()
	if _, found, err := l.Lookup(context.Background(), p); err != nil || found {
		t.Fatalf("Lookup before publish = %v, %v", found, err)
	}
	if _, err := l.Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	res, found, err := l.Lookup(context.Background(), p)
	if err != nil || !found || res.URL != "http://h/p/3/tips-and-tricks/" || res.RemoteID != "3/tips-and-tricks" {
		t.Fatalf("Lookup = %+v, %v, %v", res, found, err)
	}
	other := p
	other.SiteID = 4
	if _, found, _ := l.Lookup(context.Background(), other); found {
		t.Fatal("Lookup found a post of another site")
	}
}

func TestLocalTest(t *testing.T) {
	dir := t.TempDir()
	if c := NewLocal(filepath.Join(dir, "new", "pub"), "").Test(context.Background()); !Passed(c) {
		t.Fatalf("Test on a creatable dir: %+v", c)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := NewLocal(filepath.Join(file, "pub"), "").Test(context.Background())
	if Passed(c) || c[0].Status != CheckFailed || !strings.Contains(c[0].Detail, "publishing directory") {
		t.Fatalf("Test under a file = %+v", c)
	}
	if c := NewLocal("", "").Test(context.Background()); Passed(c) || !errors.Is(c[0].Err, ErrConfig) {
		t.Fatalf("Test without a dir = %+v", c)
	}
}

func TestLocalCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := NewLocal(t.TempDir(), "")
	if _, err := l.Publish(ctx, samplePost()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, found, _ := l.Lookup(context.Background(), samplePost()); found {
		t.Fatal("a canceled publish left a page")
	}
}

func TestLocalPageLanguage(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{"<div lang=\"de\">\n<p>Hallo</p>\n</div>", "de"},
		{"<div lang=\"pt-BR\"><p>Olá</p></div>", "pt-BR"},
		{"<p>no tag</p>", "en"},
		{"<div lang=\"de\" onclick=\"x\"><p>odd</p></div>", "en"},
	} {
		if got := langOf(tt.body); got != tt.want {
			t.Errorf("langOf(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}
