package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ItemCommit is the bookkeeping every item transaction carries: which run
// and stage, the counters to add, the hold to settle and the log lines.
type ItemCommit struct {
	RunID     int64
	Owner     string
	SiteID    int64
	Stage     int
	Processed int
	Failed    int
	Skipped   int
	HoldKey   string // the charge this work used; settled on commit
	Events    []Event
	Now       time.Time
}

// commitItem runs body inside the run's commit protocol: first the run row
// (active and leased to owner, or ErrLeaseLost), then the item's
// compare-and-set and outputs (body), the stage counters, the settled hold
// and the log events — all or nothing.
func (d *DB) commitItem(ctx context.Context, c ItemCommit, body func(tx *sqlx.Tx) error) error {
	return d.commitItemCounted(ctx, &c, body)
}

// commitItemCounted is commitItem for bodies that set the counters
// themselves (free batches count only the rows they moved).
func (d *DB) commitItemCounted(ctx context.Context, c *ItemCommit, body func(tx *sqlx.Tx) error) error {
	c.Now = T(c.Now)
	if g := groupOf(ctx); g != nil {
		return g.commit(ctx, d, c, body)
	}
	return d.commitAlone(ctx, c, body)
}

// commitAlone commits one item in its own transaction.
func (d *DB) commitAlone(ctx context.Context, c *ItemCommit, body func(tx *sqlx.Tx) error) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockRun(ctx, tx, c.RunID, c.Owner, c.Now, activeStatuses); err != nil {
			return err
		}
		return d.itemTx(ctx, tx, c, body)
	})
}

// itemTx is one item's part of a commit, after the run row is locked: its
// compare-and-set and outputs (body), the stage counters, the settled hold
// and the log events.
func (d *DB) itemTx(ctx context.Context, tx *sqlx.Tx, c *ItemCommit, body func(tx *sqlx.Tx) error) error {
	if err := body(tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.q(`UPDATE run_stage_results SET processed = processed + ?, failed = failed + ?, skipped = skipped + ?
			WHERE run_id = ? AND stage = ?`), c.Processed, c.Failed, c.Skipped, c.RunID, c.Stage); err != nil {
		return fmt.Errorf("db: stage counters: %w", err)
	}
	if c.HoldKey != "" {
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE credit_transactions SET settled = TRUE WHERE idempotency_key = ?`), c.HoldKey); err != nil {
			return fmt.Errorf("db: settle hold: %w", err)
		}
	}
	for _, e := range c.Events {
		e.RunID, e.At = c.RunID, c.Now
		if e.Stage < 1 { // unset: the commit's stage
			e.Stage = c.Stage
		}
		if err := d.addEventTx(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// ErrChangedByPerson means a stage's commit found its item changed since the
// stage loaded it: a person edited, skipped or deleted it meanwhile (their
// change won; the stage's work is dropped). It wraps ErrConflict.
var ErrChangedByPerson = fmt.Errorf("%w: changed by a person while it was being processed", ErrConflict)

// casItem is cas for a stage's commit of the item it loaded: the UPDATE
// compares the item's version, and touching no row is ErrChangedByPerson.
func casItem(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	if err := cas(ctx, tx, query, args...); errors.Is(err, ErrConflict) {
		return ErrChangedByPerson
	} else if err != nil {
		return err
	}
	return nil
}

// cas runs a compare-and-set UPDATE that must touch exactly one row.
func cas(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if err := oneRow(res, ErrConflict); err != nil {
		return err
	}
	return nil
}

// NewCluster is stage 1's output for one cluster.
type NewCluster struct {
	Name       string
	KeywordIDs []int64
}

// CommitClustering stores a batch's clusters and moves its keywords: those in
// a cluster become clustered; those left out stay new for the next run and
// become unclustered after MaxItemAttempts.
func (d *DB) CommitClustering(ctx context.Context, c ItemCommit, clusters []NewCluster, leftOut []int64) error {
	return d.commitItem(ctx, c, func(tx *sqlx.Tx) error {
		for i, cl := range clusters {
			// Spread created_at by a nanosecond-free microsecond so the
			// next stage takes clusters in the order the AI gave them.
			at := c.Now.Add(time.Duration(i) * time.Microsecond)
			id, err := insertID(ctx, tx, d.q(`INSERT INTO clusters (site_id, run_id, name, status, created_at, updated_at) VALUES (?, ?, ?, 'new', ?, ?)`),
				c.SiteID, c.RunID, cl.Name, at, c.Now)
			if err != nil {
				return fmt.Errorf("db: insert cluster: %w", err)
			}
			for _, kid := range cl.KeywordIDs {
				if err := cas(ctx, tx, d.q(`UPDATE keywords SET status = 'clustered', cluster_id = ?, updated_at = ? WHERE id = ? AND site_id = ? AND status = 'new'`),
					id, c.Now, kid, c.SiteID); err != nil {
					return err
				}
			}
		}
		for _, kid := range leftOut {
			if err := cas(ctx, tx, d.q(`UPDATE keywords SET attempts = attempts + 1, last_attempt_run_id = ?, updated_at = ?,
				last_error = 'left out of every cluster',
				status = CASE WHEN attempts + 1 >= ? THEN 'unclustered' ELSE 'new' END
				WHERE id = ? AND site_id = ? AND status = 'new'`), c.RunID, c.Now, MaxItemAttempts, kid, c.SiteID); err != nil {
				return err
			}
		}
		return nil
	})
}

// NewIdea is stage 2's output.
type NewIdea struct {
	Title    string
	Summary  string
	Keywords string
}

// CommitIdeas stores a cluster's ideas and marks it ideas_generated, when
// the cluster is still the version the stage loaded.
func (d *DB) CommitIdeas(ctx context.Context, c ItemCommit, cl Cluster, ideas []NewIdea) error {
	clusterID := cl.ID
	return d.commitItem(ctx, c, func(tx *sqlx.Tx) error {
		if err := casItem(ctx, tx, d.q(`UPDATE clusters SET status = 'ideas_generated', version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'new' AND version = ?`), c.Now, clusterID, cl.Version); err != nil {
			return err
		}
		for i, idea := range ideas {
			at := c.Now.Add(time.Duration(i) * time.Microsecond)
			if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO ideas (site_id, cluster_id, run_id, title, summary, keywords, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?)`), c.SiteID, clusterID, c.RunID, idea.Title, idea.Summary, idea.Keywords, at, c.Now); err != nil {
				return fmt.Errorf("db: insert idea: %w", err)
			}
		}
		return nil
	})
}

// CommitTasks turns ideas into queued writing tasks (stage 3, free, a batch
// per transaction). An idea that is no longer new, or no longer the version
// the stage loaded (a person edited or deleted it), is skipped, not an
// error.
func (d *DB) CommitTasks(ctx context.Context, c ItemCommit, ideas []Idea) error {
	return d.commitItemCounted(ctx, &c, func(tx *sqlx.Tx) error {
		c.Processed, c.Skipped = 0, 0
		for i, idea := range ideas {
			err := cas(ctx, tx, d.q(`UPDATE ideas SET status = 'queued', version = version + 1, updated_at = ?
				WHERE id = ? AND status = 'new' AND version = ?`), c.Now, idea.ID, idea.Version)
			if errors.Is(err, ErrConflict) {
				c.Skipped++
				continue
			}
			if err != nil {
				return err
			}
			c.Processed++
			at := c.Now.Add(time.Duration(i) * time.Microsecond)
			if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO tasks (site_id, idea_id, run_id, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)`),
				c.SiteID, idea.ID, c.RunID, idea.Title, at, c.Now); err != nil {
				return fmt.Errorf("db: insert task: %w", err)
			}
		}
		return nil
	})
}

// NewArticle is stage 4's output.
type NewArticle struct {
	Title           string
	Slug            string
	HTML            string
	Excerpt         string
	SEOTitle        string
	MetaDescription string
	Keywords        string
	WordCount       int
}

// CommitArticle stores a task's article as a draft and marks the task done,
// when the task is still the version the stage loaded. The slug gets the
// task id appended when the site already uses it.
func (d *DB) CommitArticle(ctx context.Context, c ItemCommit, t Task, a NewArticle) (int64, error) {
	var id int64
	taskID := t.ID
	err := d.commitItem(ctx, c, func(tx *sqlx.Tx) error {
		if err := casItem(ctx, tx, d.q(`UPDATE tasks SET status = 'done', version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'queued' AND version = ?`), c.Now, taskID, t.Version); err != nil {
			return err
		}
		base := a.Slug
		for n := 0; ; n++ {
			var taken int
			if err := tx.GetContext(ctx, &taken, d.q(`SELECT COUNT(*) FROM content WHERE site_id = ? AND slug = ?`), c.SiteID, a.Slug); err != nil {
				return err
			}
			if taken == 0 {
				break
			}
			// The site already uses the slug: add the task id (and a counter
			// if even that is taken).
			a.Slug = fmt.Sprintf("%s-%d", base, taskID)
			if n > 0 {
				a.Slug = fmt.Sprintf("%s-%d-%d", base, taskID, n+1)
			}
		}
		var err error
		id, err = insertID(ctx, tx, d.q(`INSERT INTO content (site_id, task_id, run_id, title, slug, html, excerpt, seo_title, meta_description,
			keywords, word_count, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)`),
			c.SiteID, taskID, c.RunID, a.Title, a.Slug, a.HTML, a.Excerpt, a.SEOTitle, a.MetaDescription, a.Keywords, a.WordCount, c.Now, c.Now)
		if err != nil {
			return fmt.Errorf("db: insert content: %w", err)
		}
		return nil
	})
	return id, err
}

// NewPrompt is stage 5's output.
type NewPrompt struct {
	Prompt string
	Alt    string
}

// CommitImagePrompts stores an article's image prompts and its
// images_pending count, when the article is still the version the stage
// read (its text unedited meanwhile); with no prompt the article goes to
// review at once.
func (d *DB) CommitImagePrompts(ctx context.Context, c ItemCommit, a Content, prompts []NewPrompt) error {
	contentID := a.ID
	return d.commitItem(ctx, c, func(tx *sqlx.Tx) error {
		status := ContentDraft
		if len(prompts) == 0 {
			status = ContentReview
		}
		if err := casItem(ctx, tx, d.q(`UPDATE content SET prompts_extracted_at = ?, images_pending = ?, status = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'draft' AND prompts_extracted_at IS NULL AND version = ?`), c.Now, len(prompts), status, c.Now, contentID, a.Version); err != nil {
			return err
		}
		for i, p := range prompts {
			at := c.Now.Add(time.Duration(i) * time.Microsecond)
			if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO image_prompts (site_id, content_id, run_id, position, prompt, alt, status, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`), c.SiteID, contentID, c.RunID, i, p.Prompt, p.Alt, at, c.Now); err != nil {
				return fmt.Errorf("db: insert image prompt: %w", err)
			}
		}
		return nil
	})
}

// imageFinishedTx counts one of an article's images as finished and moves
// the article to review when it was the last: the decrement's RETURNING
// value decides, so two images committing at once cannot both miss it.
func (d *DB) imageFinishedTx(ctx context.Context, tx *sqlx.Tx, contentID int64, now time.Time) error {
	var left int
	if err := tx.GetContext(ctx, &left, d.q(`UPDATE content SET images_pending = images_pending - 1, updated_at = ? WHERE id = ? AND images_pending > 0 RETURNING images_pending`),
		now, contentID); err != nil {
		return fmt.Errorf("db: images pending: %w", notFound(err))
	}
	if left == 0 {
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE content SET status = 'review', updated_at = ? WHERE id = ? AND status = 'draft'`), now, contentID); err != nil {
			return err
		}
	}
	return nil
}

// promptFailedForGood finishes the article of an image prompt that failed
// for good: the article goes on without that image.
func promptFailedForGood(ctx context.Context, d *DB, tx *sqlx.Tx, promptID int64, now time.Time) error {
	var contentID int64
	if err := tx.GetContext(ctx, &contentID, d.q(`SELECT content_id FROM image_prompts WHERE id = ?`), promptID); err != nil {
		return fmt.Errorf("db: prompt's article: %w", err)
	}
	return d.imageFinishedTx(ctx, tx, contentID, now)
}

// NewImage is stage 6's output.
type NewImage struct {
	// Path is the key of the image's bytes in the blob store.
	Path  string
	MIME  string
	Alt   string
	Bytes int64
	// Blob, when set, is written in the commit (the store in the database);
	// nil when the blob store already holds the bytes.
	Blob *Blob
}

// CommitImage stores an image (and its bytes, when the blob store keeps
// them in the database), marks its prompt done and counts it on the
// article, when the prompt is still the version the stage loaded.
func (d *DB) CommitImage(ctx context.Context, c ItemCommit, p ImagePrompt, img NewImage) error {
	return d.commitItem(ctx, c, func(tx *sqlx.Tx) error {
		if err := casItem(ctx, tx, d.q(`UPDATE image_prompts SET status = 'done', version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'pending' AND version = ?`), c.Now, p.ID, p.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO images (site_id, content_id, image_prompt_id, run_id, path, mime, alt, bytes, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), c.SiteID, p.ContentID, p.ID, c.RunID, img.Path, img.MIME, img.Alt, img.Bytes, c.Now); err != nil {
			return fmt.Errorf("db: insert image: %w", err)
		}
		if img.Blob != nil {
			if err := d.putBlobTx(ctx, tx, *img.Blob, c.Now); err != nil {
				return err
			}
		}
		return d.imageFinishedTx(ctx, tx, p.ContentID, c.Now)
	})
}

// CommitApprovals approves articles in review (stage 7, free, a batch per
// transaction). An article a person moved meanwhile (approved or rejected
// it) is skipped, not an error.
func (d *DB) CommitApprovals(ctx context.Context, c ItemCommit, contentIDs []int64) error {
	return d.commitItemCounted(ctx, &c, func(tx *sqlx.Tx) error {
		c.Processed, c.Skipped = 0, 0
		for _, id := range contentIDs {
			err := cas(ctx, tx, d.q(`UPDATE content SET status = 'approved', approved_at = ?, approved_by = 'automation', updated_at = ?
				WHERE id = ? AND status = 'review'`), c.Now, c.Now, id)
			if errors.Is(err, ErrConflict) {
				c.Skipped++
				continue
			}
			if err != nil {
				return err
			}
			c.Processed++
		}
		return nil
	})
}

// ItemFailure records a failed attempt of one AI item.
type ItemFailure struct {
	Stage   int
	IDs     []int64 // the item (stage 1: the batch's keywords)
	Message string
	// Refund gives a hold back in the same transaction (empty: no hold).
	Refund *Refund
}

// CommitItemFailure records a failed attempt: the item's attempts and last
// error, failed for good after MaxItemAttempts (an image prompt that fails
// for good still counts as finished for its article), the stage's failed
// counter, the refund of its hold and the log event. An item a person took
// out of the stage meanwhile (a skipped task) is passed over.
func (d *DB) CommitItemFailure(ctx context.Context, c ItemCommit, f ItemFailure) (failedForGood int, err error) {
	st, ok := StageNumbered(f.Stage)
	if !ok || st.Failed == "" {
		return 0, fmt.Errorf("db: stage %d has no failing items", f.Stage)
	}
	err = d.commitItem(ctx, c, func(tx *sqlx.Tx) error {
		failedForGood = 0
		for _, id := range f.IDs {
			var status string
			err := tx.GetContext(ctx, &status, d.q(`UPDATE `+st.Table+` SET attempts = attempts + 1, last_error = ?, last_attempt_run_id = ?, updated_at = ?,
				status = CASE WHEN attempts + 1 >= ? THEN ? ELSE status END
				WHERE id = ? AND `+st.Pending+` RETURNING status`), f.Message, c.RunID, c.Now, MaxItemAttempts, st.Failed, id)
			if errors.Is(err, sql.ErrNoRows) {
				// The item left the stage meanwhile (a person skipped or
				// deleted it): nothing to record on it; the refund and
				// the counters still commit.
				continue
			}
			if err != nil {
				return fmt.Errorf("db: record failure: %w", err)
			}
			if status != st.Failed {
				continue
			}
			failedForGood++
			if st.failedForGood != nil {
				if err := st.failedForGood(ctx, d, tx, id, c.Now); err != nil {
					return err
				}
			}
		}
		if f.Refund != nil {
			return d.refundTx(ctx, tx, *f.Refund)
		}
		return nil
	})
	return failedForGood, err
}
