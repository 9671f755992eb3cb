package dbtest

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"autopress/db"
)

// Content is an article for InsertContent. Empty fields get defaults: slug
// "article-<n>", HTML "<p>…</p>", status review.
type Content struct {
	SiteID      int64
	Title       string
	Slug        string
	HTML        string
	Status      string
	ApprovedAt  *time.Time
	ScheduledAt *time.Time
	LastError   string
	Reason      string // unscheduled_reason
	Now         time.Time
}

var slugSeq atomic.Int64

// InsertContent stores an article as the pipeline would have left it, for
// tests of what comes after (approval, publishing, the pages).
func InsertContent(t testing.TB, d *db.DB, c Content) db.Content {
	t.Helper()
	ctx := context.Background()
	if c.Slug == "" {
		c.Slug = "article-" + strconv.FormatInt(slugSeq.Add(1), 10)
	}
	if c.Title == "" {
		c.Title = "Article " + c.Slug
	}
	if c.HTML == "" {
		c.HTML = "<p>" + c.Title + "</p>"
	}
	if c.Status == "" {
		c.Status = db.ContentReview
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	now := db.T(c.Now)
	var id int64
	err := d.GetContext(ctx, &id, d.Rebind(`INSERT INTO content (site_id, title, slug, html, status, approved_at, scheduled_at, last_error, unscheduled_reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		c.SiteID, c.Title, c.Slug, c.HTML, c.Status, db.NT(c.ApprovedAt), db.NT(c.ScheduledAt), c.LastError, c.Reason, now, now)
	if err != nil {
		t.Fatalf("dbtest: insert content: %v", err)
	}
	out, err := d.ContentByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// InsertImage stores an image of the article with its prompt, and writes
// data to dataDir/images/<site>/<name>, where the pipeline keeps images.
func InsertImage(t testing.TB, d *db.DB, dataDir string, c db.Content, name, mime string, data []byte) db.Image {
	t.Helper()
	ctx := context.Background()
	now := db.T(time.Now())
	rel := path.Join("images", strconv.FormatInt(c.SiteID, 10), name)
	file := filepath.Join(dataDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var promptID int64
	if err := d.GetContext(ctx, &promptID, d.Rebind(`INSERT INTO image_prompts (site_id, content_id, prompt, alt, status, created_at, updated_at)
		VALUES (?, ?, 'a picture', ?, 'done', ?, ?) RETURNING id`), c.SiteID, c.ID, "Alt of "+name, now, now); err != nil {
		t.Fatalf("dbtest: insert image prompt: %v", err)
	}
	var im db.Image
	if err := d.GetContext(ctx, &im, d.Rebind(`INSERT INTO images (site_id, content_id, image_prompt_id, path, mime, alt, bytes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`), c.SiteID, c.ID, promptID, rel, mime, "Alt of "+name, len(data), now); err != nil {
		t.Fatalf("dbtest: insert image: %v", err)
	}
	return im
}
