package publishing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/jonboulle/clockwork"

	"autopress/db"
	"autopress/db/dbtest"
	"autopress/db/secretbox"
	"autopress/jobs/ai"
	"autopress/jobs/publishing"
	"autopress/jobs/publishing/egress"
	"autopress/jobs/publishing/targets"
	"autopress/jobs/publishing/targets/wpfake"
)

var slugSeq atomic.Int64

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Monday 2026-03-02 07:00 UTC = 08:00 in Berlin.
var t0 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

type env struct {
	t       testing.TB
	d       *db.DB
	clock   *clockwork.FakeClock
	site    db.Site
	filler  *publishing.Filler
	pub     *publishing.Publisher
	dir     string
	box     *secretbox.Box
	ctx     context.Context
	targets publishing.Targets
}

func newEnv(t testing.TB, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	u, err := d.CreateAccountWithUser(ctx, "Acme", fmt.Sprintf("p%d@example.com", time.Now().UnixNano()), "x", false, t0)
	if err != nil {
		t.Fatal(err)
	}
	site, err := d.CreateSite(ctx, db.Site{AccountID: u.AccountID, Name: "Blog", URL: "https://blog.example.com", Timezone: "Europe/Berlin"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secretbox.New("test secret")
	e := &env{t: t, d: d, clock: clockwork.NewFakeClockAt(t0), site: site, dir: t.TempDir(), box: box, ctx: ctx}
	// The fake WordPress and webhook servers listen on loopback, which
	// the default client refuses.
	e.targets = publishing.Targets{LocalDir: e.dir, BaseURL: "http://autopress.test", Box: box,
		Client: egress.NewClient(egress.Options{AllowPrivate: true})}
	e.filler = publishing.NewFiller(d, e.clock, quiet)
	e.pub = publishing.NewPublisher(d, e.clock, quiet, e.targets.For, publishing.PublisherConfig{BaseBackoff: time.Minute})
	return e
}

func (e *env) settings(f func(p *db.PublishingSettings)) {
	e.t.Helper()
	p, err := e.d.GetPublishingSettings(e.ctx, e.site.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	f(&p)
	if errs := publishing.Validate(p); errs != nil {
		e.t.Fatalf("settings invalid: %v", errs)
	}
	if err := e.d.SavePublishingSettings(e.ctx, p, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// approve inserts n approved articles, approved in order.
func (e *env) approve(n int) []int64 {
	e.t.Helper()
	var ids []int64
	now := e.clock.Now()
	for i := 0; i < n; i++ {
		var id int64
		at := db.T(now.Add(time.Duration(i) * time.Microsecond))
		if err := dbtest.Get(e.ctx, e.d, &id, e.d.Rebind(`INSERT INTO content (site_id, title, slug, html, status, approved_at, created_at, updated_at)
			VALUES (?, ?, ?, '<p>Hello</p>', 'approved', ?, ?, ?) RETURNING id`),
			e.site.ID, fmt.Sprintf("Post %d", i), fmt.Sprintf("post-%d", slugSeq.Add(1)), at, at, at); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.d.GetContext(e.ctx, &n, e.d.Rebind(q), args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) fill() int {
	e.t.Helper()
	n, err := e.filler.FillSite(e.ctx, e.site.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) publish() int {
	e.t.Helper()
	n, err := e.pub.Tick(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestQueueLimitNothingLost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.settings(func(p *db.PublishingSettings) {
			p.SchedulingMode, p.PublishDays = "stagger", "mon,tue,wed,thu,fri,sat,sun"
			p.StaggerStartTime, p.StaggerEndTime, p.StaggerIntervalMinutes = "00:00", "23:59", 1
			p.MaxScheduledQueue = 100
		})
		e.approve(1000)
		if n := e.fill(); n != 100 {
			t.Fatalf("scheduled %d, want 100", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'approved' AND unscheduled_reason = ?`, e.site.ID, publishing.QueueFullReason(100, 100)); n != 900 {
			t.Fatalf("%d items carry the queue-full reason, want 900", n)
		}
		if e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND unscheduled_reason LIKE 'Queue full (100/100%'`, e.site.ID) != 900 {
			t.Fatal("reason text should read 'Queue full (100/100 scheduled)'")
		}
		for round := 0; round < 40 && e.count(`SELECT COUNT(*) FROM content WHERE status = 'published' AND site_id = ?`, e.site.ID) < 1000; round++ {
			e.clock.Advance(37 * time.Minute)
			e.publish()
			e.fill()
			if q := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status IN ('scheduled','publishing')`, e.site.ID); q > 100 {
				t.Fatalf("queue holds %d > 100", q)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE status = 'published' AND site_id = ?`, e.site.ID); n != 1000 {
			t.Fatalf("%d of 1000 published", n)
		}
		if n := e.count(`SELECT COUNT(DISTINCT scheduled_at) FROM content WHERE site_id = ?`, e.site.ID); n != 1000 {
			t.Fatalf("%d distinct slots for 1000 items", n)
		}
	})
}

func TestRacingFillersNeverDoubleBook(t *testing.T) {
	for _, dialect := range dbtest.Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) {
			d, url := dbtest.NewWithURL(t, dialect, true)
			e := newEnv(t, d)
			e.settings(func(p *db.PublishingSettings) { p.MaxScheduledQueue = 60 })
			e.approve(200)
			// A second instance: its own connection pool on the same database.
			d2, err := db.Open(e.ctx, url, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer d2.Close()
			fillers := []*publishing.Filler{publishing.NewFiller(d, e.clock, quiet), publishing.NewFiller(d2, e.clock, quiet)}
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < 5; j++ {
						fillers[(i+j)%2].FillSite(e.ctx, e.site.ID)
					}
				}()
			}
			wg.Wait()
			scheduled := e.count(`SELECT COUNT(*) FROM content WHERE site_id = ? AND status = 'scheduled'`, e.site.ID)
			distinct := e.count(`SELECT COUNT(DISTINCT scheduled_at) FROM content WHERE site_id = ? AND status = 'scheduled'`, e.site.ID)
			if scheduled != 60 || distinct != 60 {
				t.Fatalf("%d scheduled in %d distinct slots, want 60 and 60", scheduled, distinct)
			}
		})
	}
}

func TestTimeSlotModePublishesAtSlotTimes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d) // defaults: mon–fri 09:00, 14:00, 18:00 Berlin
		e.approve(4)
		e.fill()
		berlin := e.site.Location()
		want := []time.Time{
			time.Date(2026, 3, 2, 9, 0, 0, 0, berlin), time.Date(2026, 3, 2, 14, 0, 0, 0, berlin),
			time.Date(2026, 3, 2, 18, 0, 0, 0, berlin), time.Date(2026, 3, 3, 9, 0, 0, 0, berlin),
		}
		for i, slot := range want {
			e.clock.Advance(slot.Sub(e.clock.Now()) - time.Second)
			if n := e.publish(); n != 0 {
				t.Fatalf("published %d before slot %d", n, i)
			}
			e.clock.Advance(time.Second)
			if n := e.publish(); n != 1 {
				t.Fatalf("slot %v: published %d, want 1", slot, n)
			}
			var at time.Time
			e.d.GetContext(e.ctx, &at, e.d.Rebind(`SELECT published_at FROM content WHERE site_id = ? AND status = 'published' ORDER BY published_at DESC LIMIT 1`), e.site.ID)
			if !at.Equal(slot) {
				t.Fatalf("published at %v, want the slot %v", at, slot)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE late = TRUE`); n != 0 {
			t.Fatalf("%d on-time items marked late", n)
		}
	})
}

func TestStaggerSpreadsItems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.settings(func(p *db.PublishingSettings) {
			p.SchedulingMode, p.StaggerStartTime, p.StaggerEndTime, p.StaggerIntervalMinutes = "stagger", "09:00", "10:00", 20
		})
		e.approve(6)
		e.fill()
		var slots []time.Time
		e.d.SelectContext(e.ctx, &slots, e.d.Rebind(`SELECT scheduled_at FROM content WHERE site_id = ? ORDER BY scheduled_at`), e.site.ID)
		berlin := e.site.Location()
		want := []string{"03-02 09:00", "03-02 09:20", "03-02 09:40", "03-02 10:00", "03-03 09:00", "03-03 09:20"}
		for i, s := range slots {
			if got := s.In(berlin).Format("01-02 15:04"); got != want[i] {
				t.Errorf("slot %d = %s, want %s", i, got, want[i])
			}
		}
	})
}

func TestImmediateModePublishesWithinAMinute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.settings(func(p *db.PublishingSettings) { p.SchedulingMode = "immediate" })
		for i := 0; i < 5; i++ {
			e.clock.Advance(time.Duration(7+i*13) * time.Second)
			ids := e.approve(1)
			approvedAt := e.clock.Now()
			// The jobs tick every 10 s.
			for e.count(`SELECT COUNT(*) FROM content WHERE id = ? AND status = 'published'`, ids[0]) == 0 {
				if e.clock.Since(approvedAt) > time.Minute {
					t.Fatalf("item %d not published within 60 s of its approval", i)
				}
				e.fill()
				e.publish()
				e.clock.Advance(10 * time.Second)
			}
		}
	})
}

func TestLateItemsPublishedOnStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.approve(2)
		e.fill()
		// The server was down past both slots (09:00 and 14:00).
		e.clock.Advance(8 * time.Hour)
		if n := e.publish(); n != 2 {
			t.Fatalf("published %d", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM content WHERE late = TRUE AND status = 'published'`); n != 2 {
			t.Fatalf("%d marked late", n)
		}
	})
}

func TestWordPressTarget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		wp := wpfake.New()
		defer wp.Close()
		pw, _ := e.box.Seal(wpfake.DefaultPassword)
		e.settings(func(p *db.PublishingSettings) {
			p.SchedulingMode, p.TargetKind = "immediate", "wordpress"
			p.WPURL, p.WPUsername, p.WPAppPasswordEnc = wp.URL, wpfake.DefaultUsername, pw
		})
		// With three images: the first is the featured one, the others go
		// in the body after the headings of the sections they illustrate.
		ids := e.approve(1)
		dbtest.Exec(e.ctx, e.d, `UPDATE content SET html = '<p>Intro</p><h2>One</h2><p>1</p><h2>Two</h2><p>2</p><h2>Three</h2><p>3</p>' WHERE id = ?`, ids[0])
		for pos, alt := range []string{"One", "Two", "Three"} {
			writeImage(t, e, ids[0], pos, alt)
		}
		e.fill()
		if n := e.publish(); n != 1 {
			t.Fatalf("published %d", n)
		}
		posts := wp.Posts()
		if len(posts) != 1 || posts[0].FeaturedMedia == 0 || wp.MediaCreated() != 3 {
			t.Fatalf("posts %+v, media %d", posts, wp.MediaCreated())
		}
		for _, m := range wp.Media() {
			if m.Post != posts[0].ID || m.MIME != "image/png" {
				t.Errorf("media %s: post %d, %s; want attached to %d, image/png", m.Slug, m.Post, m.MIME, posts[0].ID)
			}
		}
		for _, after := range []string{"<h2>Two</h2><figure", "<h2>Three</h2><figure"} {
			if !strings.Contains(posts[0].Content, after) {
				t.Errorf("content lacks %s:\n%s", after, posts[0].Content)
			}
		}
		if strings.Count(posts[0].Content, "<figure") != 2 {
			t.Errorf("content:\n%s", posts[0].Content)
		}
		c, _ := e.d.ContentByID(e.ctx, ids[0])
		if c.RemoteID == "" || !strings.HasPrefix(c.RemoteURL, wp.URL) {
			t.Fatalf("remote id %q url %q", c.RemoteID, c.RemoteURL)
		}

		// A 500, then success on the retry: one post.
		wp.FailNextPosts(1)
		ids = e.approve(1)
		e.clock.Advance(time.Minute)
		e.fill()
		e.publish()
		c, _ = e.d.ContentByID(e.ctx, ids[0])
		// The retry time is in the site's zone, like every time on its pages.
		want := "attempt 1 of 5 failed: WordPress failed to create the post (HTTP 500 internal_server_error) (next try 2026-03-02 08:02 CET)"
		if c.Status != db.ContentScheduled || c.LastError != want {
			t.Fatalf("after a 500: %s %q\nwant %q", c.Status, c.LastError, want)
		}
		e.clock.Advance(2 * time.Minute)
		e.publish()
		if c, _ = e.d.ContentByID(e.ctx, ids[0]); c.Status != db.ContentPublished || wp.PostsCreated() != 2 {
			t.Fatalf("after retry: %s, %d posts", c.Status, wp.PostsCreated())
		}

		// The server creates the post but the answer never arrives (the
		// attempt is stopped once the fake has created it): the retry finds
		// the post by slug.
		ids = e.approve(1)
		e.clock.Advance(time.Minute)
		e.fill()
		wp.DelayPostResponse(time.Hour)
		ctx, cancel := context.WithCancel(e.ctx)
		wp.OnPostCreated(func(wpfake.Post) { cancel() })
		e.pub.Tick(ctx)
		cancel()
		wp.OnPostCreated(nil)
		wp.DelayPostResponse(0)
		if c, _ = e.d.ContentByID(e.ctx, ids[0]); c.Status != db.ContentScheduled || !strings.Contains(c.LastError, "the attempt was stopped") {
			t.Fatalf("after a stopped attempt: %s %q", c.Status, c.LastError)
		}
		e.clock.Advance(2 * time.Minute)
		e.publish()
		c, _ = e.d.ContentByID(e.ctx, ids[0])
		if c.Status != db.ContentPublished || wp.PostsCreated() != 3 {
			t.Fatalf("after an unknown outcome: %s, %d posts created (want 3: no duplicate); %s", c.Status, wp.PostsCreated(), c.LastError)
		}

		// Wrong credentials: a clear error on the item, failed at once.
		bad, _ := e.box.Seal("wrong password")
		e.settings(func(p *db.PublishingSettings) { p.WPAppPasswordEnc = bad })
		ids = e.approve(1)
		e.clock.Advance(time.Minute)
		e.fill()
		e.publish()
		c, _ = e.d.ContentByID(e.ctx, ids[0])
		if c.Status != db.ContentFailed || !strings.HasPrefix(c.LastError, `failed after 1 attempt(s): WordPress did not accept user "editor" with this application password`) {
			t.Fatalf("wrong credentials: %s %q", c.Status, c.LastError)
		}
		// A manual retry after fixing the password publishes it.
		e.settings(func(p *db.PublishingSettings) { p.WPAppPasswordEnc = pw })
		var acc int64
		e.d.GetContext(e.ctx, &acc, e.d.Rebind(`SELECT account_id FROM sites WHERE id = ?`), e.site.ID)
		if err := e.d.ApplyContentAction(e.ctx, acc, ids[0], db.ActionRetry, "tester", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		e.publish()
		if c, _ = e.d.ContentByID(e.ctx, ids[0]); c.Status != db.ContentPublished {
			t.Fatalf("manual retry: %s %q", c.Status, c.LastError)
		}
	})
}

// writeImage stores a PNG from the local provider as the article's image
// for the prompt at position.
func writeImage(t *testing.T, e *env, contentID int64, position int, alt string) {
	t.Helper()
	img, err := ai.NewLocal(0).GenerateImage(e.ctx, ai.Site{}, ai.ImagePrompt{Prompt: "Illustration for: " + alt})
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("images/%d/%d-%d.png", e.site.ID, contentID, position)
	err = e.d.InTx(e.ctx, func(tx *sqlx.Tx) error {
		var promptID int64
		if err := tx.GetContext(e.ctx, &promptID, e.d.Rebind(`INSERT INTO image_prompts (site_id, content_id, position, prompt, alt, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'done', ?, ?) RETURNING id`),
			e.site.ID, contentID, position, "Illustration for: "+alt, alt, t0, t0); err != nil {
			return err
		}
		if _, err := tx.ExecContext(e.ctx, e.d.Rebind(`INSERT INTO images (site_id, content_id, image_prompt_id, path, mime, alt, bytes, created_at) VALUES (?, ?, ?, ?, 'image/png', ?, ?, ?)`),
			e.site.ID, contentID, promptID, key, alt, len(img.Data), t0); err != nil {
			return err
		}
		_, err := tx.ExecContext(e.ctx, e.d.Rebind(`INSERT INTO blobs (blob_key, data, bytes, created_at) VALUES (?, ?, ?, ?)`), key, img.Data, len(img.Data), t0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWebhookSignedWithSiteSecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var mu sync.Mutex
		var verified, bodies int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies++
			if r.Header.Get(targets.HeaderSignature) == targets.Sign("site-secret", b) {
				verified++
			}
			mu.Unlock()
			w.Write([]byte(`{"id":"42","url":"https://example.com/42"}`))
		}))
		defer srv.Close()
		sealed, _ := e.box.Seal("site-secret")
		e.settings(func(p *db.PublishingSettings) {
			p.SchedulingMode, p.TargetKind, p.WebhookURL, p.WebhookSecretEnc = "immediate", "webhook", srv.URL, sealed
		})
		ids := e.approve(1)
		e.fill()
		e.publish()
		c, _ := e.d.ContentByID(e.ctx, ids[0])
		if c.Status != db.ContentPublished || c.RemoteID != "42" || verified != 1 || bodies != 1 {
			t.Fatalf("status %s remote %q: %d of %d signatures verified", c.Status, c.RemoteID, verified, bodies)
		}
	})
}

func TestLocalTargetPageServed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.settings(func(p *db.PublishingSettings) { p.SchedulingMode = "immediate" })
		ids := e.approve(1)
		e.fill()
		e.publish()
		c, _ := e.d.ContentByID(e.ctx, ids[0])
		srv := httptest.NewServer(targets.LocalHandlerDir(e.dir))
		defer srv.Close()
		path := strings.TrimPrefix(c.RemoteURL, "http://autopress.test")
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Post 0") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
	})
}

func TestRetryOfAFailedArticle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		var acc int64
		d.GetContext(e.ctx, &acc, d.Rebind(`SELECT account_id FROM sites WHERE id = ?`), e.site.ID)
		// Failed in the pipeline (its image prompts, three times): never
		// published, never reviewed.
		pipeline := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentFailed, LastError: "model down", Now: t0})
		dbtest.Exec(e.ctx, d, `UPDATE content SET attempts = 3, status = 'failed' WHERE id = ?`, pipeline.ID)
		// Failed at publishing, after five attempts.
		slot := t0.Add(time.Hour)
		published := dbtest.InsertContent(t, d, dbtest.Content{SiteID: e.site.ID, Status: db.ContentFailed, ApprovedAt: &t0, ScheduledAt: &slot, Now: t0})
		dbtest.Exec(e.ctx, d, `UPDATE content SET publish_attempts = 5 WHERE id = ?`, published.ID)

		for _, id := range []int64{pipeline.ID, published.ID} {
			if err := d.ApplyContentAction(e.ctx, acc, id, db.ActionRetry, "tester", e.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if c, _ := d.ContentByID(e.ctx, pipeline.ID); c.Status != db.ContentDraft || c.Attempts != 0 || c.ScheduledAt != nil || c.LastError != "" {
			t.Fatalf("pipeline failure retried: %s attempts %d slot %v error %q; want a fresh draft", c.Status, c.Attempts, c.ScheduledAt, c.LastError)
		}
		if c, _ := d.ContentByID(e.ctx, published.ID); c.Status != db.ContentScheduled || c.ScheduledAt == nil || c.PublishAttempts != 0 {
			t.Fatalf("publishing failure retried: %s %v %d; want scheduled now", c.Status, c.ScheduledAt, c.PublishAttempts)
		}
	})
}

// TestPublishingSendsWhatWasApproved: an article's approved text — title,
// slug, excerpt, body, SEO title and meta description, keywords — with its
// featured image's alt text and the site's categories and tags reaches
// WordPress (the SEO fields in the registered plugins' meta) and the
// webhook's payload as the article has it.
func TestPublishingSendsWhatWasApproved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		wp := wpfake.New()
		defer wp.Close()
		wp.RegisterMeta("rank_math_title", "rank_math_description")
		var mu sync.Mutex
		var payload map[string]any
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			_ = json.NewDecoder(r.Body).Decode(&payload)
		}))
		defer hook.Close()
		pw, _ := e.box.Seal(wpfake.DefaultPassword)
		secret, _ := e.box.Seal("site-secret")
		for _, kind := range []string{"wordpress", "webhook"} {
			e.settings(func(p *db.PublishingSettings) {
				p.SchedulingMode, p.TargetKind, p.WPCategories, p.WPTags = "immediate", kind, "Brewing", "coffee, home"
				p.WPURL, p.WPUsername, p.WPAppPasswordEnc = wp.URL, wpfake.DefaultUsername, pw
				p.WebhookURL, p.WebhookSecretEnc = hook.URL, secret
			})
			ids := e.approve(1)
			dbtest.Exec(e.ctx, e.d, `UPDATE content SET excerpt = 'Brew it slowly.', seo_title = 'Slow brewing, the SEO title',
				meta_description = 'What search shows.', keywords = ? WHERE id = ?`, "slow brew\ncold brew", ids[0])
			writeImage(t, e, ids[0], 0, "A slow brew")
			e.fill()
			if n := e.publish(); n != 1 {
				t.Fatalf("%s: published %d", kind, n)
			}
			c, _ := e.d.ContentByID(e.ctx, ids[0])
			if kind == "wordpress" {
				posts := wp.Posts()
				p := posts[len(posts)-1]
				if p.Title != c.Title || p.Slug != c.Slug || p.Excerpt != "Brew it slowly." || !strings.Contains(p.Content, "<p>Hello</p>") ||
					p.Meta["rank_math_title"] != "Slow brewing, the SEO title" || p.Meta["rank_math_description"] != "What search shows." ||
					len(p.Categories) != 1 || len(p.Tags) != 2 || p.FeaturedMedia == 0 {
					t.Errorf("WordPress post %+v", p)
				}
				for _, m := range wp.Media() {
					if m.ID == p.FeaturedMedia && m.Alt != "A slow brew" {
						t.Errorf("featured image alt %q", m.Alt)
					}
				}
				continue
			}
			mu.Lock()
			got := payload
			mu.Unlock()
			fi, _ := got["featured_image"].(map[string]any)
			if got["title"] != c.Title || got["slug"] != c.Slug || got["excerpt"] != "Brew it slowly." || got["html"] != c.HTML ||
				got["seo_title"] != "Slow brewing, the SEO title" || got["meta_description"] != "What search shows." ||
				fmt.Sprint(got["keywords"]) != "[slow brew cold brew]" || fmt.Sprint(got["categories"]) != "[Brewing]" ||
				fmt.Sprint(got["tags"]) != "[coffee home]" || fi["alt"] != "A slow brew" {
				t.Errorf("webhook payload %v", got)
			}
		}
	})
}
