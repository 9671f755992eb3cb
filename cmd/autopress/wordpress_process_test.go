package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/db/secretbox"
	"autopress/handlers/auth"
	"autopress/jobs/ai"
	"autopress/jobs/publishing/targets/wpreal"
)

// crashProxy stands between the server and WordPress. It reports when the
// answer to a media upload has been sent, and while holding it keeps post
// creations from reaching WordPress (the request waits until its client
// goes away), so a kill lands between the uploads and the post.
type crashProxy struct {
	*httptest.Server
	uploaded  chan struct{}
	holding   atomic.Bool
	postsSent atomic.Int32
}

func newCrashProxy(t *testing.T, wordpress string) *crashProxy {
	u, _ := url.Parse(wordpress)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &crashProxy{uploaded: make(chan struct{}, 16)}
	p.holding.Store(true)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/wp-json/wp/v2/posts" && p.holding.Load():
			<-r.Context().Done()
			return
		case r.Method == http.MethodPost && r.URL.Path == "/wp-json/wp/v2/posts":
			p.postsSent.Add(1)
		}
		rp.ServeHTTP(w, r)
		if r.Method == http.MethodPost && r.URL.Path == "/wp-json/wp/v2/media" {
			_ = http.NewResponseController(w).Flush()
			p.uploaded <- struct{}{}
		}
	}))
	t.Cleanup(p.Close)
	return p
}

// seedSite creates, in a fresh SQLite data directory, an account with a
// site publishing immediately to wpURL as user, and returns the database.
func seedSite(t *testing.T, dir, wpURL string, user wpreal.User) (*db.DB, db.Site) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := migrateDB(ctx, d); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	u, err := d.CreateAccountWithUser(ctx, "Crash", "crash@example.com", "x", false, now)
	if err != nil {
		t.Fatal(err)
	}
	site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Crash", URL: "https://crash.example", Timezone: "Europe/Berlin"}, now)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secretbox.New(processAppSecret)
	p, err := d.GetPublishingSettings(ctx, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.SchedulingMode, p.TargetKind, p.WPURL, p.WPUsername = "immediate", "wordpress", wpURL, user.Username
	if p.WPAppPasswordEnc, err = box.Seal(user.AppPassword); err != nil {
		t.Fatal(err)
	}
	if err := d.SavePublishingSettings(ctx, p, now); err != nil {
		t.Fatal(err)
	}
	return d, site
}

// seedArticle stores an article due now with three images from the local
// provider, one per section.
func seedArticle(t *testing.T, d *db.DB, site db.Site, slug, title string) db.Content {
	t.Helper()
	ctx := context.Background()
	now := db.T(time.Now())
	c := dbtest.InsertContent(t, d, dbtest.Content{SiteID: site.ID, Title: title, Slug: slug, Status: db.ContentScheduled, ApprovedAt: &now, ScheduledAt: &now, Now: now,
		HTML: `<p>Intro.</p><h2>Beans</h2><p>Grind.</p><h2>Water</h2><p>Heat.</p><h2>Pouring</h2><p>Slowly.</p>`})
	for pos, alt := range []string{"Beans", "Water", "Pouring"} {
		img, err := ai.NewLocal(0).GenerateImage(ctx, ai.Site{}, ai.ImagePrompt{Prompt: "Illustration for: " + alt})
		if err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("images/%d/%d-%d.png", site.ID, c.ID, pos)
		err = d.InTx(ctx, func(tx *sqlx.Tx) error {
			var promptID int64
			if err := tx.GetContext(ctx, &promptID, d.Rebind(`INSERT INTO image_prompts (site_id, content_id, position, prompt, alt, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 'done', ?, ?) RETURNING id`), site.ID, c.ID, pos, "Illustration for: "+alt, alt, now, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO images (site_id, content_id, image_prompt_id, path, mime, alt, bytes, created_at) VALUES (?, ?, ?, ?, 'image/png', ?, ?, ?)`),
				site.ID, c.ID, promptID, key, alt, len(img.Data), now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO blobs (blob_key, data, bytes, created_at) VALUES (?, ?, ?, ?)`), key, img.Data, len(img.Data), now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// processAppSecret is the APP_SECRET of the processes the WordPress tests
// start, so they can seal settings beforehand.
const processAppSecret = "process-test-app-secret-0123456789"

// wpEnv is the environment of a server publishing to the test WordPress,
// which listens on loopback.
func wpEnv(dir string) map[string]string {
	return map[string]string{"DATA_DIR": dir, "APP_SECRET": processAppSecret, "AI_PROVIDER": "local", "PUBLISH_ALLOW_PRIVATE": "true"}
}

// waitUntil waits for cond, which reads what the server writes (a row),
// failing after limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type wpPostInfo struct {
	ID            int64  `json:"id"`
	Slug          string `json:"slug"`
	FeaturedMedia int64  `json:"featured_media"`
	Content       struct {
		Raw string `json:"raw"`
	} `json:"content"`
}

type wpMediaInfo struct {
	ID   int64  `json:"id"`
	Post *int64 `json:"post"`
	MIME string `json:"mime_type"`
	Alt  string `json:"alt_text"`
	Slug string `json:"slug"`
}

// TestKilledBetweenUploadAndPostCreation kills the server (SIGKILL) once
// WordPress has answered a media upload of an article and before the post
// is created; after a restart the article is published once, with every
// image attached to it and none left over, within a minute.
func TestKilledBetweenUploadAndPostCreation(t *testing.T) {
	wp := wpreal.Get(t)
	dir := t.TempDir()
	proxy := newCrashProxy(t, wp.URL)
	slug := wpreal.Slug("crash")
	title := "Crash test " + slug
	d, site := seedSite(t, dir, proxy.URL, wp.Editor)
	c := seedArticle(t, d, site, slug, title)

	first := startProc(t, "first", wpEnv(dir))
	select {
	case <-proxy.uploaded:
	case <-first.done:
		t.Fatalf("the server stopped: %v\n%s", first.err, first.logs)
	case <-time.After(2 * time.Minute):
		t.Fatalf("no media upload within 2 minutes:\n%s", first.logs)
	}
	first.kill()
	if n := proxy.postsSent.Load(); n != 0 {
		t.Fatalf("%d post creations reached WordPress before the kill", n)
	}
	if got, _ := d.ContentByID(t.Context(), c.ID); got.Status != db.ContentPublishing {
		t.Fatalf("after the kill the article is %s, want publishing", got.Status)
	}
	var before []wpMediaInfo
	wp.Get(t, "/media", url.Values{"search": {title}, "per_page": {"100"}}, &before)
	if len(before) == 0 {
		t.Fatal("no media uploaded before the kill")
	}

	proxy.holding.Store(false)
	restart := time.Now()
	second := startProc(t, "second", wpEnv(dir))
	waitUntil(t, time.Minute, "the article published after the restart (SQLite takes its claims back at once)", func() bool {
		got, err := d.ContentByID(t.Context(), c.ID)
		if err == nil && got.Status == db.ContentFailed {
			t.Fatalf("the article failed: %s\n%s", got.LastError, second.logs)
		}
		return err == nil && got.Status == db.ContentPublished
	})
	t.Logf("published %s after the restart; %d of its media had been uploaded before the kill", time.Since(restart).Round(time.Second), len(before))
	second.term()

	var posts []wpPostInfo
	wp.Get(t, "/posts", url.Values{"slug": {slug}, "status": {"publish,future,draft,pending,private"}, "context": {"edit"}}, &posts)
	if len(posts) != 1 {
		t.Fatalf("%d posts with the slug, want 1", len(posts))
	}
	var media []wpMediaInfo
	wp.Get(t, "/media", url.Values{"search": {title}, "per_page": {"100"}}, &media)
	if len(media) != 3 {
		t.Errorf("%d media titled after the article, want 3 (none uploaded twice): %+v", len(media), media)
	}
	for _, m := range media {
		if m.Post == nil || *m.Post != posts[0].ID {
			t.Errorf("media %d (%s) attached to %v, want post %d: an orphan", m.ID, m.Slug, m.Post, posts[0].ID)
		}
	}
	got, _ := d.ContentByID(t.Context(), c.ID)
	if got.RemoteID != strconv.FormatInt(posts[0].ID, 10) {
		t.Errorf("remote id %q, want %d", got.RemoteID, posts[0].ID)
	}
	for _, want := range []string{"taking back articles left publishing by the previous run", "checking whether the target already has the article"} {
		if !strings.Contains(second.logs.String(), want) {
			t.Errorf("the restarted server's log lacks %q:\n%s", want, second.logs)
		}
	}
}

// removeFromWordPress deletes for good the posts with slug and their media,
// and media named after it that no post holds.
func removeFromWordPress(t *testing.T, wp *wpreal.Site, slug string) {
	t.Helper()
	var posts []wpPostInfo
	wp.Get(t, "/posts", url.Values{"slug": {slug}, "status": {"publish,future,draft,pending,private"}}, &posts)
	for _, p := range posts {
		var media []wpMediaInfo
		wp.Get(t, "/media", url.Values{"parent": {strconv.FormatInt(p.ID, 10)}, "per_page": {"100"}}, &media)
		for _, m := range media {
			wp.Do(t, http.MethodDelete, fmt.Sprintf("/media/%d?force=true", m.ID), nil, nil)
		}
		wp.Do(t, http.MethodDelete, fmt.Sprintf("/posts/%d?force=true", p.ID), nil, nil)
	}
	var left []wpMediaInfo
	wp.Get(t, "/media", url.Values{"slug": {slug + "-image-1," + slug + "-image-2," + slug + "-image-3," + slug + "-image-4"}, "per_page": {"100"}}, &left)
	for _, m := range left {
		wp.Do(t, http.MethodDelete, fmt.Sprintf("/media/%d?force=true", m.ID), nil, nil)
	}
}

// TestDemoRunPublishesEveryArticleToWordPress is the out-of-the-box
// promise: the demo site, the local AI provider, a stock WordPress. Every
// article the run approves is published with its featured image and every
// other image attached and in the body, with alt texts, as PNGs.
func TestDemoRunPublishesEveryArticleToWordPress(t *testing.T) {
	wp := wpreal.Get(t)
	dir := t.TempDir()
	srv := startProc(t, "server", wpEnv(dir))
	ctx := context.Background()
	d, err := db.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, err := d.UserByEmail(ctx, defaultAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	plain, hash, prefix := auth.NewAPIToken()
	if _, err := d.CreateToken(ctx, db.APIToken{AccountID: u.AccountID, UserID: u.ID, Name: "wp", TokenHash: hash, Prefix: prefix, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	sites, err := d.ListSites(ctx, u.AccountID)
	if err != nil || len(sites) != 1 {
		t.Fatalf("sites %v, %v", sites, err)
	}
	site := sites[0]
	call := func(method, path string, body any, out any) int {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.url+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+plain)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if out != nil {
			json.NewDecoder(res.Body).Decode(out)
		}
		return res.StatusCode
	}
	category := "Coffee & Tea " + wpreal.Slug("c")
	if code := call(http.MethodPut, fmt.Sprintf("/api/v1/sites/%d/publishing", site.ID), map[string]any{
		"scheduling_mode": "immediate", "target_kind": "wordpress", "wp_url": wp.URL, "auto_publish_enabled": false,
		"wp_username": wp.Editor.Username, "wp_app_password": wp.Editor.AppPassword,
		"wp_categories": []string{category}, "wp_tags": []string{"Café", "brewing"},
	}, nil); code != http.StatusOK {
		t.Fatalf("publishing settings: %d", code)
	}
	var run map[string]any
	if code := call(http.MethodPost, fmt.Sprintf("/api/v1/sites/%d/runs", site.ID), nil, &run); code != http.StatusCreated {
		t.Fatalf("start run: %d %v", code, run)
	}
	runStart := time.Now()
	waitUntil(t, 3*time.Minute, "the demo run to complete", func() bool {
		var r map[string]any
		call(http.MethodGet, fmt.Sprintf("/api/v1/runs/%v", run["id"]), nil, &r)
		return r["status"] == "completed"
	})
	count := func(statuses string) int {
		var n int
		d.GetContext(ctx, &n, d.Rebind(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status IN (`+statuses+`)`), site.ID)
		return n
	}
	t.Logf("the demo run took %s", time.Since(runStart).Round(time.Second))
	// The test WordPress outlives test runs, and the demo's articles have
	// the same slugs every time: remove what earlier runs published under
	// them (the slug is the post's identity; they would be adopted).
	var slugs []string
	d.SelectContext(ctx, &slugs, d.Rebind(`SELECT slug FROM content WHERE site_id = ? AND status = 'approved'`), site.ID)
	if len(slugs) == 0 {
		t.Fatal("the demo run approved nothing")
	}
	for _, slug := range slugs {
		removeFromWordPress(t, wp, slug)
	}
	if code := call(http.MethodPut, fmt.Sprintf("/api/v1/sites/%d/publishing", site.ID), map[string]any{"auto_publish_enabled": true}, nil); code != http.StatusOK {
		t.Fatalf("auto-publish on: %d", code)
	}
	// Immediate mode hands out one slot a minute; rather than wait 20
	// minutes, bring every slot the filler gave forward to now.
	waitUntil(t, time.Minute, "the filler to schedule every approved article", func() bool { return count(`'approved'`) == 0 })
	now := time.Now()
	var queued []int64
	d.SelectContext(ctx, &queued, d.Rebind(`SELECT id FROM content WHERE site_id = ? AND status = 'scheduled'`), site.ID)
	for _, id := range queued {
		dbtest.Exec(ctx, d, `UPDATE content SET scheduled_at = ? WHERE id = ? AND status = 'scheduled'`,
			db.T(now.Add(-time.Duration(id)*time.Millisecond-17*time.Microsecond)), id)
	}
	pubStart := time.Now()
	waitUntil(t, 3*time.Minute, "every approved article published", func() bool {
		if n := count(`'failed'`); n > 0 {
			var errs []string
			d.SelectContext(ctx, &errs, d.Rebind(`SELECT last_error FROM content WHERE site_id = ? AND status = 'failed'`), site.ID)
			t.Fatalf("%d articles failed: %q\n%s", n, errs, srv.logs)
		}
		return count(`'approved','scheduled','publishing','review','draft'`) == 0
	})
	published, _, err := d.ListContent(ctx, site.ID, db.ContentPublished, 1000, 0)
	if err != nil || len(published) == 0 {
		t.Fatalf("%d published (%v)", len(published), err)
	}
	t.Logf("%d articles published in %s", len(published), time.Since(pubStart).Round(time.Second))
	for _, c := range published {
		imgs, err := d.ImagesOf(ctx, c.ID)
		if err != nil || len(imgs) < 2 {
			t.Fatalf("article %d has %d images (%v), want the demo's two or more", c.ID, len(imgs), err)
		}
		var post wpPostInfo
		wp.Get(t, "/posts/"+c.RemoteID, url.Values{"context": {"edit"}}, &post)
		var media []wpMediaInfo
		wp.Get(t, "/media", url.Values{"parent": {c.RemoteID}, "per_page": {"100"}, "context": {"edit"}}, &media)
		if len(media) != len(imgs) {
			t.Errorf("post %s (%s): %d media attached, want %d", c.RemoteID, c.Slug, len(media), len(imgs))
			continue
		}
		alts := map[string]bool{}
		for _, m := range media {
			if m.MIME != "image/png" || m.Alt == "" {
				t.Errorf("post %s: media %d is %s with alt %q", c.RemoteID, m.ID, m.MIME, m.Alt)
			}
			alts[m.Alt] = true
			if m.ID != post.FeaturedMedia && !strings.Contains(post.Content.Raw, `class="wp-image-`+strconv.FormatInt(m.ID, 10)+`"`) {
				t.Errorf("post %s: media %d is neither featured nor in the body", c.RemoteID, m.ID)
			}
		}
		for _, im := range imgs {
			if !alts[im.Alt] {
				t.Errorf("post %s: no media with the alt text %q", c.RemoteID, im.Alt)
			}
		}
		if post.FeaturedMedia == 0 || strings.Count(post.Content.Raw, "<figure") != len(imgs)-1 {
			t.Errorf("post %s: featured %d, %d figures in the body for %d images", c.RemoteID, post.FeaturedMedia, strings.Count(post.Content.Raw, "<figure"), len(imgs))
		}
	}
}
