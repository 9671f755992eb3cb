package targets_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"autopress/jobs/publishing/targets"
	"autopress/jobs/publishing/targets/wpfake"
)

func newWP(t *testing.T) (*wpfake.Server, *targets.WordPress) {
	t.Helper()
	fake := wpfake.New()
	t.Cleanup(fake.Close)
	return fake, &targets.WordPress{BaseURL: fake.URL + "/", Username: wpfake.DefaultUsername, AppPassword: wpfake.DefaultPassword}
}

func wpPost() targets.Post {
	return targets.Post{
		ContentID:   42,
		SiteID:      1,
		Title:       "Hello & welcome",
		Slug:        "hello-welcome",
		HTML:        "<p>Body</p>",
		Excerpt:     "Short",
		Tags:        []string{"go", "Go", " ", "web"},
		Categories:  []string{"uncategorized", "Q&A"},
		PublishedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.FixedZone("CET", 3600)),
		FeaturedImage: &targets.Image{
			Filename: "cover photo.jpg", MIME: "image/jpeg", Data: []byte("jpeg bytes"), Alt: "A cover",
		},
	}
}

func TestWordPressPublishWithFeaturedMedia(t *testing.T) {
	fake, wp := newWP(t)
	res, err := wp.Publish(context.Background(), wpPost())
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}

	media := fake.Media()
	if len(media) != 1 {
		t.Fatalf("media uploaded = %d, want 1", len(media))
	}
	m := media[0]
	if m.Filename != "cover-photo.jpg" || m.MIME != "image/jpeg" || string(m.Data) != "jpeg bytes" || m.Alt != "A cover" {
		t.Errorf("media = %+v", m)
	}

	posts := fake.Posts()
	if len(posts) != 1 {
		t.Fatalf("posts = %d, want 1\n%s", len(posts), fake)
	}
	p := posts[0]
	if p.FeaturedMedia != m.ID {
		t.Errorf("featured_media = %d, want the uploaded media %d", p.FeaturedMedia, m.ID)
	}
	if p.Title != "Hello & welcome" || p.Content != "<p>Body</p>" || p.Excerpt != "Short" ||
		p.Slug != "hello-welcome" || p.Status != "publish" || p.DateGMT != "2026-03-02T07:00:00" {
		t.Errorf("post = %+v", p)
	}
	if res != (targets.Result{RemoteID: strconv.FormatInt(p.ID, 10), URL: p.Link}) {
		t.Errorf("Result = %+v, post %+v", res, p)
	}

	// "uncategorized" matches the existing "Uncategorized"; "Q&A" is created.
	cats := fake.Terms("categories")
	if len(cats) != 2 || len(p.Categories) != 2 || p.Categories[0] != cats[0].ID || p.Categories[1] != cats[1].ID || cats[1].Name != "Q&A" {
		t.Errorf("categories: post %v, terms %+v", p.Categories, cats)
	}
	tags := fake.Terms("tags")
	if len(tags) != 2 || len(p.Tags) != 2 || tags[0].Name != "go" || tags[1].Name != "web" {
		t.Errorf("tags: post %v, terms %+v", p.Tags, tags)
	}

	// Publishing again finds the existing term ids ("Q&A" comes back as
	// "Q&amp;A") and creates nothing.
	p2 := wpPost()
	p2.Slug = "second-post"
	p2.FeaturedImage = nil
	if _, err := wp.Publish(context.Background(), p2); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Terms("categories")) + len(fake.Terms("tags")); n != 4 {
		t.Errorf("terms after a second post = %d, want 4", n)
	}
	if got := fake.Posts()[1]; got.FeaturedMedia != 0 {
		t.Errorf("post without image has featured_media %d", got.FeaturedMedia)
	}
}

func TestWordPressRetryAfter500PublishesOnce(t *testing.T) {
	fake, wp := newWP(t)
	fake.FailNextPosts(1)

	_, err := wp.Publish(context.Background(), wpPost())
	if err == nil || targets.Permanent(err) {
		t.Fatalf("first attempt: err = %v, want a retryable error", err)
	}
	var se *targets.StatusError
	if !errors.As(err, &se) || se.Status != 500 {
		t.Fatalf("first attempt: err = %v, want a StatusError 500", err)
	}
	res, err := wp.Publish(context.Background(), wpPost())
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if fake.PostsCreated() != 1 || fake.PostCreateCalls() != 2 {
		t.Fatalf("posts = %d after %d create calls, want 1 after 2\n%s", fake.PostsCreated(), fake.PostCreateCalls(), fake)
	}
	if res.RemoteID != strconv.FormatInt(fake.Posts()[0].ID, 10) {
		t.Errorf("Result = %+v", res)
	}
}

func TestWordPressTimeoutAfterCreateThenRetry(t *testing.T) {
	fake, wp := newWP(t)
	fake.DelayPostResponse(5 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := wp.Publish(ctx, wpPost())
	if !errors.Is(err, context.DeadlineExceeded) || targets.Permanent(err) {
		t.Fatalf("first attempt: err = %v, want a retryable deadline error", err)
	}
	if fake.PostsCreated() != 1 {
		t.Fatalf("the fake did not create the post before timing out\n%s", fake)
	}

	// The outcome is unknown to the caller; Lookup and a plain retry both
	// find the post instead of creating another.
	want := targets.Result{RemoteID: strconv.FormatInt(fake.Posts()[0].ID, 10), URL: fake.Posts()[0].Link}
	res, found, err := wp.Lookup(context.Background(), wpPost())
	if err != nil || !found || res != want {
		t.Fatalf("Lookup = %+v, %v, %v; want %+v", res, found, err, want)
	}
	res, err = wp.Publish(context.Background(), wpPost())
	if err != nil || res != want {
		t.Fatalf("retry = %+v, %v; want %+v", res, err, want)
	}
	if fake.PostsCreated() != 1 || fake.PostCreateCalls() != 1 || fake.MediaCreated() != 1 {
		t.Fatalf("after retry: %d posts, %d create calls, %d media; want 1, 1, 1\n%s",
			fake.PostsCreated(), fake.PostCreateCalls(), fake.MediaCreated(), fake)
	}
}

func TestWordPressLookupFindsUnpublishedPosts(t *testing.T) {
	fake, wp := newWP(t)
	if _, found, err := wp.Lookup(context.Background(), wpPost()); err != nil || found {
		t.Fatalf("Lookup on an empty site = %v, %v", found, err)
	}
	fake.AddPost(wpfake.Post{Slug: "hello-welcome-x", Status: "publish"})
	id := fake.AddPost(wpfake.Post{Slug: "hello-welcome", Status: "draft"})
	res, found, err := wp.Lookup(context.Background(), wpPost())
	if err != nil || !found || res.RemoteID != strconv.FormatInt(id, 10) {
		t.Fatalf("Lookup = %+v, %v, %v; want post %d", res, found, err, id)
	}
	if _, err := wp.Publish(context.Background(), wpPost()); err != nil || fake.PostsCreated() != 2 || fake.MediaCreated() != 0 {
		t.Fatalf("Publish over an existing draft: %v; %s", err, fake)
	}
}

func TestWordPressWrongCredentials(t *testing.T) {
	fake, wp := newWP(t)
	fake.RequireCredentials("editor", "right password")
	wp.AppPassword = "wrong password"

	_, err := wp.Publish(context.Background(), wpPost())
	if !errors.Is(err, targets.ErrAuth) || !targets.Permanent(err) {
		t.Fatalf("Publish: err = %v, want a permanent ErrAuth", err)
	}
	// The status line only: the answer's text is never repeated.
	if !strings.HasSuffix(err.Error(), "HTTP 401: Unauthorized") || strings.Contains(err.Error(), "invalid application password") {
		t.Errorf("Publish error: %v, want the status line and not WordPress's message", err)
	}
	if fake.PostsCreated() != 0 || fake.MediaCreated() != 0 {
		t.Errorf("created something with wrong credentials: %s", fake)
	}

	err = wp.Test(context.Background())
	if !errors.Is(err, targets.ErrAuth) {
		t.Fatalf("Test: err = %v, want ErrAuth", err)
	}
	want := "WordPress rejected the username or application password: Unauthorized"
	if err.Error() != want {
		t.Errorf("Test: %q\nwant %q", err, want)
	}

	wp.Username, wp.AppPassword = "nobody", "right password"
	if err := wp.Test(context.Background()); !errors.Is(err, targets.ErrAuth) ||
		err.Error() != "WordPress rejected the username or application password: Unauthorized" {
		t.Errorf("Test with an unknown user: %v", err)
	}
}

func TestWordPressTest(t *testing.T) {
	fake, wp := newWP(t)
	if err := wp.Test(context.Background()); err != nil {
		t.Fatalf("Test: %v", err)
	}

	fake.SetCapability("publish_posts", false)
	if err := wp.Test(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot publish posts") {
		t.Errorf("Test without publish_posts: %v", err)
	}
	fake.SetCapability("publish_posts", true)

	notWP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok/wp-json/wp/v2/users/me" {
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
		{"404", notWP.URL, "no WordPress REST API at " + notWP.URL + " ("},
		{"not json", notWP.URL + "/ok", "no WordPress REST API at " + notWP.URL + "/ok (the address answers, but not as WordPress)"},
		{"network", closed.URL, "cannot reach WordPress at " + closed.URL + ": "},
		{"redirect", redirect.URL, redirect.URL + " redirects to " + fake.URL + "; use that as the site address"},
		{"bad url", "::not a url", "bad site address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := *wp
			w.BaseURL = tt.baseURL
			err := w.Test(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Test = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}

	empty := &targets.WordPress{BaseURL: fake.URL}
	if err := empty.Test(context.Background()); !errors.Is(err, targets.ErrConfig) || !strings.Contains(err.Error(), "required") {
		t.Errorf("Test without credentials: %v", err)
	}
}

func TestWordPressRejectsBadSlug(t *testing.T) {
	fake, wp := newWP(t)
	p := wpPost()
	p.Slug = ""
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
	fake, wp := newWP(t)
	p := wpPost()
	p.PublishedAt = time.Now().Add(time.Hour)
	if _, err := wp.Publish(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := fake.Posts()[0].DateGMT; got != "" {
		t.Errorf("date_gmt = %q, want none (WordPress would schedule the post)", got)
	}
}
