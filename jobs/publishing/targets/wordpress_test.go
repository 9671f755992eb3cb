package targets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"autopress/jobs/ai"
	"autopress/jobs/publishing/targets"
	"autopress/jobs/publishing/targets/wpfake"
	"autopress/jobs/publishing/targets/wpreal"
)

// wpSite is a WordPress the contract tests run against: the fake (always)
// and the real one (when available). Both are read back through the REST
// API as the editor.
type wpSite struct {
	url                      string
	editor, author, noupload [2]string // username, application password
	fake                     *wpfake.Server
}

func (s wpSite) target(user [2]string) *targets.WordPress {
	return &targets.WordPress{BaseURL: s.url, Username: user[0], AppPassword: user[1]}
}

// eachWordPress runs f against the fake and the real WordPress.
// testSEOKeys are the SEO plugins' meta keys the test WordPress opens to
// the REST API: Yoast SEO's and Rank Math's.
var testSEOKeys = []string{"_yoast_wpseo_title", "_yoast_wpseo_metadesc", "rank_math_title", "rank_math_description"}

func eachWordPress(t *testing.T, f func(t *testing.T, s wpSite)) {
	t.Run("fake", func(t *testing.T) {
		fake := wpfake.New()
		t.Cleanup(fake.Close)
		// The keys the test WordPress registers (.ci/wordpress/router.php).
		fake.RegisterMeta(testSEOKeys...)
		ed := [2]string{wpfake.DefaultUsername, wpfake.DefaultPassword}
		f(t, wpSite{url: fake.URL, editor: ed, author: ed, noupload: ed, fake: fake})
	})
	t.Run("wordpress", func(t *testing.T) {
		r := wpreal.Get(t)
		f(t, wpSite{url: r.URL,
			editor:   [2]string{r.Editor.Username, r.Editor.AppPassword},
			author:   [2]string{r.Author.Username, r.Author.AppPassword},
			noupload: [2]string{r.NoUpload.Username, r.NoUpload.AppPassword}})
	})
}

// get reads /wp-json/wp/v2<path> as the editor.
func (s wpSite) get(t *testing.T, path string, q url.Values, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/wp-json/wp/v2"+path+"?"+q.Encode(), nil)
	req.SetBasicAuth(s.editor[0], s.editor[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, out) != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
}

// send makes a JSON (or raw, with contentType) request as the editor.
func (s wpSite) send(t *testing.T, method, path string, q url.Values, contentType string, body []byte, hdr map[string]string, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+"/wp-json/wp/v2"+path+"?"+q.Encode(), strings.NewReader(string(body)))
	req.SetBasicAuth(s.editor[0], s.editor[1])
	req.Header.Set("Content-Type", contentType)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 || json.Unmarshal(b, out) != nil {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
}

type restPost struct {
	ID            int64   `json:"id"`
	Slug          string  `json:"slug"`
	Status        string  `json:"status"`
	DateGMT       string  `json:"date_gmt"`
	FeaturedMedia int64   `json:"featured_media"`
	Categories    []int64 `json:"categories"`
	Tags          []int64 `json:"tags"`
	Title         struct {
		Raw string `json:"raw"`
	} `json:"title"`
	Content struct {
		Raw string `json:"raw"`
	} `json:"content"`
	Excerpt struct {
		Raw string `json:"raw"`
	} `json:"excerpt"`
	Meta map[string]any `json:"meta"`
}

type restMedia struct {
	ID        int64  `json:"id"`
	Slug      string `json:"slug"`
	Post      *int64 `json:"post"`
	MIME      string `json:"mime_type"`
	Alt       string `json:"alt_text"`
	SourceURL string `json:"source_url"`
	Title     struct {
		Raw string `json:"raw"`
	} `json:"title"`
}

func (s wpSite) posts(t *testing.T, slug string) []restPost {
	t.Helper()
	var out []restPost
	s.get(t, "/posts", url.Values{"slug": {slug}, "status": {"publish,future,draft,pending,private"}, "context": {"edit"}}, &out)
	return out
}

// media lists the media named after a post's slug (<slug>-image-<n>).
func (s wpSite) media(t *testing.T, slug string, n int) []restMedia {
	t.Helper()
	var slugs []string
	for i := 1; i <= n+2; i++ {
		slugs = append(slugs, fmt.Sprintf("%s-image-%d", slug, i))
	}
	var out []restMedia
	s.get(t, "/media", url.Values{"slug": {strings.Join(slugs, ",")}, "per_page": {"100"}, "context": {"edit"}}, &out)
	return out
}

func (s wpSite) termName(t *testing.T, taxonomy string, id int64, search string) string {
	t.Helper()
	var terms []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	s.get(t, "/"+taxonomy, url.Values{"search": {search}, "per_page": {"100"}}, &terms)
	for _, term := range terms {
		if term.ID == id {
			return term.Name
		}
	}
	return ""
}

// oldSVG is an image as the local provider drew them before it drew PNGs.
const oldSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360" role="img" aria-labelledby="t">
<title id="t">Illustration for: Water</title>
<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#d9e7f5"/><stop offset="1" stop-color="#7aa3cc"/></linearGradient></defs>
<rect width="640" height="360" fill="url(#bg)"/>
<circle cx="120" cy="90" r="60" fill="#c0392b" fill-opacity="0.55"/>
<rect x="300" y="100" width="120" height="60" rx="10" fill="#27ae60" fill-opacity="0.50" transform="rotate(20 360 130)"/>
<polygon points="500,40 560,160 440,160" fill="#8e44ad" fill-opacity="0.60"/>
<rect x="0" y="300" width="640" height="60" fill="#000" fill-opacity="0.45"/>
<text x="20" y="337" font-family="sans-serif" font-size="18" fill="#fff">Illustration for: Water</text>
</svg>
`

// localPNGs are two images from the local provider, drawn once.
var localPNGs = sync.OnceValues(func() ([2][]byte, error) {
	var out [2][]byte
	for i, prompt := range []string{"Illustration for: Beans", "Illustration for: Pouring"} {
		im, err := ai.NewLocal(0).GenerateImage(context.Background(), ai.Site{}, ai.ImagePrompt{Prompt: prompt})
		if err != nil {
			return out, err
		}
		out[i] = im.Data
	}
	return out, nil
})

// articleWithSVG is article whose second image is an SVG, which WordPress
// refuses and the target converts.
func articleWithSVG(t *testing.T, slug string) targets.Post {
	p := article(t, slug)
	p.Images[0].MIME, p.Images[0].Data = "image/svg+xml", []byte(oldSVG)
	return p
}

// article is a post with three PNG images from the local provider.
func article(t *testing.T, slug string) targets.Post {
	t.Helper()
	pngs, err := localPNGs()
	if err != nil {
		t.Fatal(err)
	}
	img := func(prompt string) []byte {
		if prompt == "Illustration for: Beans" {
			return pngs[0]
		}
		return pngs[1]
	}
	return targets.Post{
		ContentID: 42, SiteID: 1, Slug: slug,
		Title:         "Pour-over at home",
		HTML:          `<p>Intro.</p><h2>Beans</h2><p>Grind them.</p><h2>Water &amp; heat</h2><p>Heat it.</p><h2>Pouring</h2><p>Slowly.</p>`,
		Excerpt:       "Short",
		Tags:          []string{"Café", "go", "Go", " "},
		Categories:    []string{"uncategorized", "Q&A"},
		PublishedAt:   time.Now().Add(-time.Hour).Truncate(time.Second),
		FeaturedImage: &targets.Image{Filename: "9-1.png", MIME: "image/png", Data: img("Illustration for: Beans"), Alt: "Beans", Section: 0},
		Images: []targets.Image{
			{Filename: "9-2.png", MIME: "image/png", Data: img("Illustration for: Beans"), Alt: "Water & heat", Section: 1},
			{Filename: "9-3.png", MIME: "image/png", Data: img("Illustration for: Pouring"), Alt: "Pouring", Section: 2},
		},
	}
}

func TestWordPressPublishesEveryImage(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		slug := wpreal.Slug("every-image")
		p := articleWithSVG(t, slug)
		wp := s.target(s.editor)
		res, err := wp.Publish(t.Context(), p)
		if err != nil {
			t.Fatalf("Publish: %v", err)
		}
		posts := s.posts(t, slug)
		if len(posts) != 1 {
			t.Fatalf("%d posts with slug %s, want 1", len(posts), slug)
		}
		post := posts[0]
		if res.RemoteID != strconv.FormatInt(post.ID, 10) || res.Adopted {
			t.Errorf("Result = %+v, post %d", res, post.ID)
		}
		if post.Status != "publish" || post.DateGMT != p.PublishedAt.UTC().Format("2006-01-02T15:04:05") || post.Title.Raw != p.Title {
			t.Errorf("post = %+v", post)
		}

		media := s.media(t, slug, 3)
		if len(media) != 3 {
			t.Fatalf("%d media named after the post, want 3: %+v", len(media), media)
		}
		byID := map[int64]restMedia{}
		for _, m := range media {
			byID[m.ID] = m
			if m.Post == nil || *m.Post != post.ID {
				t.Errorf("media %d (%s) attached to %v, want post %d", m.ID, m.Slug, m.Post, post.ID)
			}
			if m.MIME != "image/png" {
				t.Errorf("media %s is %s, want image/png (the SVG converted)", m.Slug, m.MIME)
			}
			file := m.SourceURL[strings.LastIndex(m.SourceURL, "/")+1:]
			if !strings.HasPrefix(file, slug+"-image-") || !strings.HasSuffix(file, ".png") {
				t.Errorf("media %s file name %q, want %s-image-<n>.png", m.Slug, file, slug)
			}
		}
		featured, ok := byID[post.FeaturedMedia]
		if !ok || featured.Slug != slug+"-image-1" || featured.Alt != "Beans" || featured.Title.Raw != p.Title {
			t.Errorf("featured media %d = %+v", post.FeaturedMedia, featured)
		}
		// The other two in the body, after their sections' headings, with
		// their alt texts.
		for _, want := range []struct{ after, alt, slug string }{{"Water &amp; heat</h2>", "Water &amp; heat", "-image-2"}, {"Pouring</h2>", "Pouring", "-image-3"}} {
			var m restMedia
			for _, x := range media {
				if x.Slug == slug+want.slug {
					m = x
				}
			}
			fig := `<figure class="wp-block-image"><img src="` + m.SourceURL + `" alt="` + want.alt + `" class="wp-image-` + strconv.FormatInt(m.ID, 10) + `"/></figure>`
			if !strings.Contains(post.Content.Raw, want.after+fig) {
				t.Errorf("content lacks %s right after %s:\n%s", fig, want.after, post.Content.Raw)
			}
		}
		if strings.Count(post.Content.Raw, "<figure") != 2 {
			t.Errorf("content has %d figures, want 2 (the featured image is not repeated):\n%s", strings.Count(post.Content.Raw, "<figure"), post.Content.Raw)
		}
		// Categories and tags by exact name ("Q&A" comes back "Q&amp;A").
		names := func(taxonomy string, ids []int64, search ...string) map[string]bool {
			out := map[string]bool{}
			for _, id := range ids {
				for _, q := range search {
					if n := s.termName(t, taxonomy, id, q); n != "" {
						out[n] = true
					}
				}
			}
			return out
		}
		if got := names("categories", post.Categories, "Uncategorized", "Q&A"); len(post.Categories) != 2 || !got["Uncategorized"] || !got["Q&amp;A"] {
			t.Errorf("categories %v are %v", post.Categories, got)
		}
		if got := names("tags", post.Tags, "Café", "go"); len(post.Tags) != 2 || !got["Café"] || !got["go"] {
			t.Errorf("tags %v are %v", post.Tags, got)
		}

		// Again: the same post, adopted; nothing new uploaded.
		again, err := wp.Publish(t.Context(), p)
		if err != nil || again.RemoteID != res.RemoteID || !again.Adopted {
			t.Fatalf("second Publish = %+v, %v; want the same post, adopted", again, err)
		}
		if n := len(s.media(t, slug, 3)); n != 3 || len(s.posts(t, slug)) != 1 {
			t.Errorf("after a second Publish: %d media, %d posts", n, len(s.posts(t, slug)))
		}
	})
}

// failingProxy forwards to a WordPress and answers 500 to the first POST
// of a post; it counts the media uploads it forwarded.
type failingProxy struct {
	*httptest.Server
	failPosts atomic.Int32
	uploads   atomic.Int32
}

func newFailingProxy(t *testing.T, target string) *failingProxy {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &failingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/wp-json/wp/v2/posts" && p.failPosts.Add(-1) >= 0 {
			http.Error(w, `{"code":"internal_server_error","message":"There has been a critical error on this website.","data":{"status":500}}`, http.StatusInternalServerError)
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/wp-json/wp/v2/media" {
			p.uploads.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

func TestWordPressRetryUsesTheMediaAlreadyUploaded(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		proxy := newFailingProxy(t, s.url)
		proxy.failPosts.Store(1)
		slug := wpreal.Slug("retry-media")
		p := article(t, slug)
		wp := s.target(s.editor)
		wp.BaseURL = proxy.URL

		_, err := wp.Publish(t.Context(), p)
		var se *targets.StatusError
		if !errors.As(err, &se) || se.Status != 500 || targets.Permanent(err) {
			t.Fatalf("first attempt: %v, want a retryable HTTP 500", err)
		}
		if want := "WordPress failed to create the post (HTTP 500 internal_server_error)"; err.Error() != want {
			t.Errorf("error %q, want %q (no remote text)", err, want)
		}
		if m := s.media(t, slug, 3); len(m) != 3 || m[0].Post != nil {
			t.Fatalf("after the failed attempt: media %+v, want 3 unattached", m)
		}
		if _, err := wp.Publish(t.Context(), p); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if proxy.uploads.Load() != 3 {
			t.Errorf("%d uploads over two attempts, want 3 (the retry uploads nothing)", proxy.uploads.Load())
		}
		posts, media := s.posts(t, slug), s.media(t, slug, 3)
		if len(posts) != 1 || len(media) != 3 {
			t.Fatalf("%d posts, %d media; want 1 and 3", len(posts), len(media))
		}
		for _, m := range media {
			if m.Post == nil || *m.Post != posts[0].ID {
				t.Errorf("media %s attached to %v, want %d (no orphan)", m.Slug, m.Post, posts[0].ID)
			}
		}
	})
}

func TestWordPressLookupAdoptsAndAttaches(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		slug := wpreal.Slug("adopt")
		p := article(t, slug)
		// An earlier attempt uploaded the featured image and created the
		// post, then died before attaching.
		var m restMedia
		s.send(t, http.MethodPost, "/media", url.Values{"slug": {slug + "-image-1"}}, "image/png", p.FeaturedImage.Data,
			map[string]string{"Content-Disposition": `attachment; filename="` + slug + `-image-1.png"`}, &m)
		var post restPost
		body, _ := json.Marshal(map[string]any{"slug": slug, "title": p.Title, "status": "publish", "featured_media": m.ID})
		s.send(t, http.MethodPost, "/posts", nil, "application/json", body, nil, &post)

		res, found, err := s.target(s.editor).Lookup(t.Context(), p)
		if err != nil || !found || !res.Adopted || res.RemoteID != strconv.FormatInt(post.ID, 10) {
			t.Fatalf("Lookup = %+v, %v, %v; want post %d adopted", res, found, err, post.ID)
		}
		media := s.media(t, slug, 3)
		if len(media) != 1 || media[0].Post == nil || *media[0].Post != post.ID {
			t.Fatalf("media after Lookup: %+v, want the one attached to %d", media, post.ID)
		}
		if _, found, err := s.target(s.editor).Lookup(t.Context(), article(t, wpreal.Slug("absent"))); found || err != nil {
			t.Fatalf("Lookup of an absent slug = %v, %v", found, err)
		}
	})
}

func TestWordPressWrongPassword(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		wp := s.target([2]string{s.author[0], "wrongWrongWrongWrong1234"})
		checks := wp.Test(t.Context())
		if len(checks) != 5 || checks[0].Status != targets.CheckOK || checks[1].Name != targets.CheckWPSignIn || checks[1].Status != targets.CheckFailed ||
			checks[2].Status != targets.CheckSkipped || checks[3].Status != targets.CheckSkipped || checks[4].Status != targets.CheckSkipped {
			t.Fatalf("checks = %+v", checks)
		}
		if !errors.Is(checks[1].Err, targets.ErrAuth) || !strings.HasPrefix(checks[1].Detail, fmt.Sprintf("WordPress did not accept user %q with this application password", s.author[0])) {
			t.Errorf("sign-in step = %+v", checks[1])
		}

		slug := wpreal.Slug("wrong-password")
		_, err := wp.Publish(t.Context(), article(t, slug))
		if !errors.Is(err, targets.ErrAuth) || !targets.Permanent(err) {
			t.Fatalf("Publish: %v, want a permanent ErrAuth", err)
		}
		// WordPress treats the request as anonymous: the lookup of drafts
		// is refused as an invalid parameter, whose details say 401.
		want := fmt.Sprintf("WordPress did not accept user %q with this application password: check the username and the application password "+
			"(in WordPress: Users → Profile → Application Passwords; it is not the login password) (HTTP 400 rest_invalid_param)", s.author[0])
		if err.Error() != want {
			t.Errorf("Publish error\n %q\nwant\n %q", err, want)
		}
		if len(s.posts(t, slug)) != 0 || len(s.media(t, slug, 3)) != 0 {
			t.Error("something was created with a wrong password")
		}
	})
}

func TestWordPressUserWithoutUploads(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		if s.fake != nil {
			s.fake.SetCapability("upload_files", false)
		}
		wp := s.target(s.noupload)
		checks := wp.Test(t.Context())
		if len(checks) != 5 || checks[2].Status != targets.CheckOK || checks[3].Name != targets.CheckWPUpload || checks[3].Status != targets.CheckFailed {
			t.Fatalf("checks = %+v", checks)
		}
		if want := fmt.Sprintf("WordPress user %q may not upload media: give them the Author role or higher (HTTP 403 upload_files).", s.noupload[0]); checks[3].Detail != want {
			t.Errorf("upload step %q\nwant %q", checks[3].Detail, want)
		}
		slug := wpreal.Slug("no-upload")
		_, err := wp.Publish(t.Context(), article(t, slug))
		if !errors.Is(err, targets.ErrAuth) || !targets.Permanent(err) || !strings.Contains(err.Error(), "may not upload media") {
			t.Fatalf("Publish: %v", err)
		}
		if len(s.posts(t, slug)) != 0 {
			t.Error("a post was created without its images")
		}
	})
}

func TestWordPressTestSteps(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		wp := s.target(s.editor)
		checks := wp.Test(t.Context())
		var names []string
		for _, c := range checks {
			names = append(names, c.Name)
		}
		if !targets.Passed(checks) || strings.Join(names, ",") != "WordPress REST API,Sign in,Publish posts,Upload images,SEO fields" {
			t.Fatalf("checks = %+v", checks)
		}
		if checks[4].Detail != "The SEO title and meta description go to Yoast SEO and Rank Math." {
			t.Errorf("SEO step: %q", checks[4].Detail)
		}
		if checks[3].Detail != "Uploaded a 1×1 PNG test image and deleted it." {
			t.Errorf("upload step: %q", checks[3].Detail)
		}
		var left []restMedia
		s.get(t, "/media", url.Values{"search": {"autopress connection test"}}, &left)
		if len(left) != 0 {
			t.Errorf("the test image was left behind: %+v", left)
		}

		// Categories and tags: an author may use existing ones but not
		// create new ones.
		wp = s.target(s.author)
		if s.fake != nil {
			s.fake.SetCapability("manage_categories", false)
		}
		missing := wpreal.Slug("new-category")
		wp.Categories, wp.Tags = []string{"Uncategorized", missing}, []string{}
		checks = wp.Test(t.Context())
		last := checks[len(checks)-2]
		if last.Name != targets.CheckWPTerms || last.Status != targets.CheckFailed ||
			!strings.Contains(last.Detail, fmt.Sprintf("may not create the category %q: create them in WordPress first, or give the user the Editor role", missing)) {
			t.Errorf("terms step = %+v", last)
		}
		wp.Categories = []string{"Uncategorized"}
		if checks := wp.Test(t.Context()); !targets.Passed(checks) || checks[len(checks)-2].Detail != "All 1 exist." {
			t.Errorf("checks with an existing category = %+v", checks)
		}
	})
}

func TestWordPressHTTPSAgainstPlainHTTP(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		wp := s.target(s.editor)
		wp.BaseURL = strings.Replace(s.url, "http://", "https://", 1)
		checks := wp.Test(t.Context())
		if checks[0].Status != targets.CheckFailed || !strings.Contains(checks[0].Detail, "use an http:// address") {
			t.Fatalf("checks = %+v", checks)
		}
		_, err := wp.Publish(t.Context(), article(t, wpreal.Slug("tls")))
		if err == nil || targets.Permanent(err) || !strings.Contains(err.Error(), "use an http:// address") {
			t.Fatalf("Publish over https to plain HTTP: %v", err)
		}
	})
}

func TestWordPressTimeoutAfterCreateThenRetry(t *testing.T) {
	fake := wpfake.New()
	defer fake.Close()
	wp := &targets.WordPress{BaseURL: fake.URL + "/", Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
	// The answer never comes: the caller gives up once the post exists.
	fake.DelayPostResponse(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fake.OnPostCreated(func(wpfake.Post) { cancel() })
	p := article(t, "timeout")

	_, err := wp.Publish(ctx, p)
	if !errors.Is(err, context.Canceled) || targets.Permanent(err) {
		t.Fatalf("first attempt: err = %v, want a retryable cancellation", err)
	}
	fake.OnPostCreated(nil)
	fake.DelayPostResponse(0)
	if fake.PostsCreated() != 1 {
		t.Fatalf("the fake did not create the post before timing out\n%s", fake)
	}
	// The outcome is unknown to the caller; Lookup and a plain retry both
	// find the post instead of creating another, and attach its images.
	id := strconv.FormatInt(fake.Posts()[0].ID, 10)
	res, found, err := wp.Lookup(context.Background(), p)
	if err != nil || !found || res.RemoteID != id || !res.Adopted {
		t.Fatalf("Lookup = %+v, %v, %v; want post %s", res, found, err, id)
	}
	res, err = wp.Publish(context.Background(), p)
	if err != nil || res.RemoteID != id {
		t.Fatalf("retry = %+v, %v; want post %s", res, err, id)
	}
	if fake.PostsCreated() != 1 || fake.PostCreateCalls() != 1 || fake.MediaCreated() != 3 {
		t.Fatalf("after retry: %d posts, %d create calls, %d media; want 1, 1, 3\n%s",
			fake.PostsCreated(), fake.PostCreateCalls(), fake.MediaCreated(), fake)
	}
	for _, m := range fake.Media() {
		if m.Post != fake.Posts()[0].ID {
			t.Errorf("media %s attached to %d, want the post\n%s", m.Slug, m.Post, fake)
		}
	}
}

func TestWordPressLookupFindsUnpublishedPosts(t *testing.T) {
	fake := wpfake.New()
	defer fake.Close()
	wp := &targets.WordPress{BaseURL: fake.URL, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
	p := article(t, "hello-welcome")
	fake.AddPost(wpfake.Post{Slug: "hello-welcome-x", Status: "publish"})
	id := fake.AddPost(wpfake.Post{Slug: "hello-welcome", Status: "draft"})
	res, found, err := wp.Lookup(context.Background(), p)
	if err != nil || !found || res.RemoteID != strconv.FormatInt(id, 10) {
		t.Fatalf("Lookup = %+v, %v, %v; want post %d", res, found, err, id)
	}
	if _, err := wp.Publish(context.Background(), p); err != nil || fake.PostsCreated() != 2 || fake.MediaCreated() != 0 {
		t.Fatalf("Publish over an existing draft: %v; %s", err, fake)
	}
}

func TestWordPressTestFailures(t *testing.T) {
	fake := wpfake.New()
	defer fake.Close()
	wp := &targets.WordPress{BaseURL: fake.URL, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}

	fake.SetCapability("publish_posts", false)
	if c := wp.Test(t.Context()); c[2].Status != targets.CheckFailed || !strings.Contains(c[2].Detail, "may not publish posts: give them the Author role or higher") || c[3].Status != targets.CheckOK {
		t.Errorf("Test without publish_posts: %+v", c)
	}
	fake.SetCapability("publish_posts", true)

	fake.OfferApplicationPasswords(false)
	if c := wp.Test(t.Context()); c[0].Status != targets.CheckFailed || !strings.Contains(c[0].Detail, "only over HTTPS, so use the https:// address") {
		t.Errorf("Test without application passwords: %+v", c)
	}
	fake.OfferApplicationPasswords(true)

	notWP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok/wp-json/" {
			w.Write([]byte("<html>a theme page</html>"))
			return
		}
		http.Error(w, "<html>404</html>", http.StatusNotFound)
	}))
	defer notWP.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fake.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer redirect.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name, baseURL, want string
	}{
		{"404", notWP.URL, "No WordPress REST API at " + notWP.URL + ": check the site address"},
		{"not json", notWP.URL + "/ok", notWP.URL + "/ok answers, but not as the WordPress REST API"},
		{"network", closed.URL, "Cannot reach WordPress at " + closed.URL + ": connection refused"},
		{"redirect", redirect.URL, redirect.URL + " redirects to " + fake.URL + "; use that as the WordPress address"},
		{"bad url", "::not a url", "Bad WordPress address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := *wp
			w.BaseURL = tt.baseURL
			c := w.Test(context.Background())
			if c[0].Status != targets.CheckFailed || !strings.Contains(c[0].Detail, tt.want) || c[1].Status != targets.CheckSkipped {
				t.Errorf("Test = %+v\nwant the first step to contain %q", c, tt.want)
			}
		})
	}

	empty := &targets.WordPress{BaseURL: fake.URL}
	if c := empty.Test(context.Background()); !errors.Is(c[0].Err, targets.ErrConfig) || !strings.Contains(c[0].Detail, "required") {
		t.Errorf("Test without credentials: %+v", c)
	}
}

func TestWordPressRejectsBadSlug(t *testing.T) {
	fake := wpfake.New()
	defer fake.Close()
	wp := &targets.WordPress{BaseURL: fake.URL, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
	p := article(t, "")
	if _, err := wp.Publish(context.Background(), p); !errors.Is(err, targets.ErrInvalidPost) || !targets.Permanent(err) {
		t.Fatalf("Publish with an empty slug: %v", err)
	}
	if _, _, err := wp.Lookup(context.Background(), p); !errors.Is(err, targets.ErrInvalidPost) {
		t.Fatalf("Lookup with an empty slug: %v", err)
	}
	if fake.PostsCreated()+fake.MediaCreated() != 0 {
		t.Fatal(fake)
	}
}

func TestWordPressFutureSlotIsNotScheduled(t *testing.T) {
	fake := wpfake.New()
	defer fake.Close()
	wp := &targets.WordPress{BaseURL: fake.URL, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
	p := article(t, "future")
	p.PublishedAt = time.Now().Add(time.Hour)
	if _, err := wp.Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := fake.Posts()[0].DateGMT; got != "" {
		t.Errorf("date_gmt = %q, want none (WordPress would schedule the post)", got)
	}
}

// TestWordPressSendsWhatWasApproved: the post gets the article's title,
// slug, excerpt and body, and its SEO title and meta description in the
// fields of every SEO plugin the site opens to the REST API.
func TestWordPressSendsWhatWasApproved(t *testing.T) {
	eachWordPress(t, func(t *testing.T, s wpSite) {
		slug := wpreal.Slug("seo")
		p := article(t, slug)
		p.Excerpt = "All you need to pour over at home."
		p.SEOTitle, p.MetaDescription = "Pour-over coffee at home: the method", "Beans, water, heat and pouring: pour-over explained step by step."
		if _, err := s.target(s.editor).Publish(t.Context(), p); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		posts := s.posts(t, slug)
		if len(posts) != 1 {
			t.Fatalf("%d posts", len(posts))
		}
		post := posts[0]
		if post.Title.Raw != p.Title || post.Slug != slug || post.Excerpt.Raw != p.Excerpt || !strings.Contains(post.Content.Raw, "<p>Grind them.</p>") {
			t.Errorf("post %+v", post)
		}
		for key, want := range map[string]string{"_yoast_wpseo_title": p.SEOTitle, "_yoast_wpseo_metadesc": p.MetaDescription,
			"rank_math_title": p.SEOTitle, "rank_math_description": p.MetaDescription} {
			if got := post.Meta[key]; got != want {
				t.Errorf("meta %s = %v, want %q", key, got, want)
			}
		}
	})
}

// TestWordPressWithoutSEOFields: a site that opens no SEO plugin's fields
// (or refuses to describe its posts endpoint) gets the post without them,
// and the connection test says so.
func TestWordPressWithoutSEOFields(t *testing.T) {
	for _, refuseOptions := range []bool{false, true} {
		fake := wpfake.New()
		t.Cleanup(fake.Close)
		fake.RegisterMeta("unrelated_key")
		addr := fake.URL
		if refuseOptions {
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodOptions {
					http.Error(w, "forbidden", http.StatusForbidden)
					return
				}
				u, _ := url.Parse(fake.URL)
				httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
			}))
			t.Cleanup(proxy.Close)
			addr = proxy.URL
		}
		wp := &targets.WordPress{BaseURL: addr, Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
		p := article(t, "no-seo")
		p.SEOTitle, p.MetaDescription = "SEO title", "Meta description."
		if _, err := wp.Publish(t.Context(), p); err != nil {
			t.Fatalf("refuse OPTIONS %v: Publish: %v", refuseOptions, err)
		}
		if posts := fake.Posts(); len(posts) != 1 || len(posts[0].Meta) != 1 || posts[0].Meta["unrelated_key"] != "" {
			t.Errorf("refuse OPTIONS %v: posts %+v", refuseOptions, posts)
		}
		checks := wp.Test(t.Context())
		last := checks[len(checks)-1]
		if !targets.Passed(checks) || last.Name != targets.CheckWPSEO || !strings.HasPrefix(last.Detail, "No SEO plugin's fields are open to the REST API") {
			t.Errorf("refuse OPTIONS %v: SEO step %+v", refuseOptions, last)
		}
	}
}
