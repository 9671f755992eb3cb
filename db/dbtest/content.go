package dbtest

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

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
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &id, d.Rebind(`INSERT INTO content (site_id, title, slug, html, status, approved_at, scheduled_at, last_error, unscheduled_reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			c.SiteID, c.Title, c.Slug, c.HTML, c.Status, db.NT(c.ApprovedAt), db.NT(c.ScheduledAt), c.LastError, c.Reason, now, now)
	})
	if err != nil {
		t.Fatalf("dbtest: insert content: %v", err)
	}
	out, err := d.ContentByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// InsertImage stores an image of the article with its prompt, its bytes
// in the database's blob store under images/<site>/<name>, where the
// pipeline keeps images.
func InsertImage(t testing.TB, d *db.DB, c db.Content, name, mime string, data []byte) db.Image {
	t.Helper()
	ctx := context.Background()
	now := db.T(time.Now())
	key := path.Join("images", strconv.FormatInt(c.SiteID, 10), name)
	var im db.Image
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var promptID int64
		if err := tx.GetContext(ctx, &promptID, d.Rebind(`INSERT INTO image_prompts (site_id, content_id, prompt, alt, status, created_at, updated_at)
			VALUES (?, ?, 'a picture', ?, 'done', ?, ?) RETURNING id`), c.SiteID, c.ID, "Alt of "+name, now, now); err != nil {
			return fmt.Errorf("image prompt: %w", err)
		}
		if err := tx.GetContext(ctx, &im, d.Rebind(`INSERT INTO images (site_id, content_id, image_prompt_id, path, mime, alt, bytes, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`), c.SiteID, c.ID, promptID, key, mime, "Alt of "+name, len(data), now); err != nil {
			return fmt.Errorf("image: %w", err)
		}
		_, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO blobs (blob_key, data, bytes, created_at) VALUES (?, ?, ?, ?)`), key, data, len(data), now)
		return err
	})
	if err != nil {
		t.Fatalf("dbtest: insert image: %v", err)
	}
	return im
}

// PipelineItems are the ids of one item of each pipeline table.
type PipelineItems struct {
	Cluster, Idea, Task int64
	// Keywords are the cluster's (two of them).
	Keywords []int64
}

// InsertPipelineItems stores a new cluster with two keywords, a new idea and
// a queued task (of an idea of its own), as the pipeline would have left
// them, for tests of the pipeline pages.
func InsertPipelineItems(t testing.TB, d *db.DB, siteID int64) PipelineItems {
	t.Helper()
	ctx := context.Background()
	now := db.T(time.Now())
	insert := func(query string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := Get(ctx, d, &id, query+" RETURNING id", args...); err != nil {
			t.Fatalf("dbtest: %s: %v", query, err)
		}
		return id
	}
	var p PipelineItems
	p.Cluster = insert(`INSERT INTO clusters (site_id, name, status, created_at, updated_at) VALUES (?, 'Brewing', 'new', ?, ?)`, siteID, now, now)
	for _, k := range []string{"pour over", "french press"} {
		p.Keywords = append(p.Keywords, insert(`INSERT INTO keywords (site_id, keyword, keyword_norm, status, cluster_id, created_at, updated_at)
			VALUES (?, ?, ?, 'clustered', ?, ?, ?)`, siteID, k, k+"-"+strconv.FormatInt(slugSeq.Add(1), 10), p.Cluster, now, now))
	}
	p.Idea = insert(`INSERT INTO ideas (site_id, cluster_id, title, summary, status, created_at, updated_at) VALUES (?, ?, 'Pour over for beginners', 'The basics', 'new', ?, ?)`,
		siteID, p.Cluster, now, now)
	queued := insert(`INSERT INTO ideas (site_id, cluster_id, title, status, created_at, updated_at) VALUES (?, ?, 'French press mistakes', 'queued', ?, ?)`,
		siteID, p.Cluster, now, now)
	p.Task = insert(`INSERT INTO tasks (site_id, idea_id, title, status, created_at, updated_at) VALUES (?, ?, 'French press mistakes', 'queued', ?, ?)`,
		siteID, queued, now, now)
	return p
}

// InsertReviewBatch stores n articles in review, illustrated as the
// pipeline leaves them, in one transaction, and returns their ids. They
// are created now (the real clock): after anything a fake clock that
// starts in the past stamped.
func InsertReviewBatch(t testing.TB, d *db.DB, siteID int64, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	now := db.T(time.Now())
	var ids []int64
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		for range n {
			slug := "review-" + strconv.FormatInt(slugSeq.Add(1), 10)
			var id int64
			if err := tx.GetContext(ctx, &id, d.Rebind(`INSERT INTO content (site_id, title, slug, html, status, prompts_extracted_at, created_at, updated_at)
				VALUES (?, ?, ?, '<p>x</p>', 'review', ?, ?, ?) RETURNING id`), siteID, "Article "+slug, slug, now, now, now); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dbtest: insert review batch: %v", err)
	}
	return ids
}

// Count runs a SELECT COUNT(*) query (written with ?) and returns the count.
func Count(t testing.TB, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.GetContext(context.Background(), &n, d.Rebind(query), args...); err != nil {
		t.Fatalf("dbtest: %s: %v", query, err)
	}
	return n
}
