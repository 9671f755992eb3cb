package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// A regeneration is a person's request for a new version of an article,
// of its SEO fields or of one of its images: a job any instance claims
// with a lease (like a run, but of one item), charged through a credit
// hold, committed with the article's (or the image prompt's) version as a
// compare-and-set. Every status change is one function below:
// RequestRegeneration (queued), ClaimRegeneration (running),
// CommitRegeneratedArticle, CommitRegeneratedSEO and
// CommitRegeneratedImage (done; an approved or scheduled article goes back
// to review in the same transaction), FailRegeneration (failed) and
// CancelRegeneration (cancelled).

// Regeneration kinds.
const (
	RegenArticle = "article"
	RegenSEO     = "seo"
	RegenImage   = "image"
)

// Regeneration statuses.
const (
	RegenQueued    = "queued"
	RegenRunning   = "running"
	RegenDone      = "done"
	RegenFailed    = "failed"
	RegenCancelled = "cancelled"
)

// RevisionActorRegeneration is the author of the revision a regeneration
// makes, and the article's edited_by after it.
const RevisionActorRegeneration = "regeneration"

// RegenJob is one regeneration.
type RegenJob struct {
	ID        int64  `db:"id"`
	AccountID int64  `db:"account_id"`
	SiteID    int64  `db:"site_id"`
	ContentID int64  `db:"content_id"`
	Kind      string `db:"kind"`
	// ImageID is the image drawn again (kind image).
	ImageID *int64 `db:"image_id"`
	Note    string `db:"note"`
	// RequestKey is the request's idempotency key.
	RequestKey string `db:"request_key"`
	// BaseVersion is the version the commit compares: the article's (kind
	// article, seo) or the image prompt's (image).
	BaseVersion int64  `db:"base_version"`
	Status      string `db:"status"`
	// Operation and Cost are the credit operation and the price fixed
	// when the job was asked for (Cost 0: free).
	Operation      string     `db:"operation"`
	Cost           int64      `db:"cost"`
	Claims         int        `db:"claims"`
	LeaseOwner     string     `db:"lease_owner"`
	LeaseExpiresAt *time.Time `db:"lease_expires_at"`
	Error          string     `db:"error"`
	// Revision is the revision a finished article or SEO regeneration made
	// (nil: none, or the new text was the same as the old).
	Revision *int `db:"revision"`
	// BackToReview: the article was approved or scheduled with the old
	// version, so the new one went back to review.
	BackToReview bool       `db:"back_to_review"`
	RequestedBy  string     `db:"requested_by"`
	CancelledBy  string     `db:"cancelled_by"`
	CreatedAt    time.Time  `db:"created_at"`
	StartedAt    *time.Time `db:"started_at"`
	FinishedAt   *time.Time `db:"finished_at"`
	UpdatedAt    time.Time  `db:"updated_at"`
}

// Active reports whether the job is queued or running.
func (j RegenJob) Active() bool { return j.Status == RegenQueued || j.Status == RegenRunning }

// HoldKey is the idempotency key of the job's credit hold: a job taken
// over after its executor died finds the hold and does not pay twice.
func (j RegenJob) HoldKey() string { return fmt.Sprintf("regen:%d:%s", j.ID, j.Operation) }

// Errors of RequestRegeneration.
var (
	// ErrRegenActive means the article already has a regeneration queued or
	// running. It wraps ErrConflict.
	ErrRegenActive = fmt.Errorf("%w: the article is already being regenerated", ErrConflict)
	// ErrKeyReused means the idempotency key was used for another request.
	ErrKeyReused = errors.New("db: the idempotency key was used for another request")
)

// RegenRequest is a person's request for a regeneration.
type RegenRequest struct {
	AccountID int64
	ContentID int64
	Kind      string
	ImageID   int64 // kind image
	Note      string
	// Version, when set, is the article's version the person saw: an
	// article or SEO regeneration of an article that changed since is
	// ErrStale.
	Version *int64
	// Key is the request's idempotency key (unique per account).
	Key       string
	Operation string
	Cost      int64
	Actor     string
	Now       time.Time
}

// same reports whether j is the job r asks for (a repeated request).
func (r RegenRequest) same(j RegenJob) bool {
	image := int64(0)
	if j.ImageID != nil {
		image = *j.ImageID
	}
	return j.ContentID == r.ContentID && j.Kind == r.Kind && image == r.ImageID && j.Note == r.Note
}

// RequestRegeneration queues a regeneration of an article of the account,
// fixing the version its commit will compare. A request whose key the
// account used before returns that job (created false) or ErrKeyReused
// when it asked for something else. Errors: ErrNotFound (another
// account's article, an image of another article), *NotAllowedError (the
// article is publishing or published), ErrRegenActive, and
// ErrInsufficientCredits when the balance cannot pay the cost now (the
// hold checks it again), ErrStale (r.Version is not the article's).
func (d *DB) RequestRegeneration(ctx context.Context, r RegenRequest) (job RegenJob, created bool, err error) {
	now := T(r.Now)
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		created = false
		found, err := d.regenByKeyTx(ctx, tx, r)
		if !errors.Is(err, ErrNotFound) {
			job = found
			return err
		}
		var c Content
		if err := tx.GetContext(ctx, &c, d.q(`SELECT c.* FROM content c JOIN sites s ON s.id = c.site_id WHERE c.id = ? AND s.account_id = ?`),
			r.ContentID, r.AccountID); err != nil {
			return notFound(err)
		}
		if c.Status == ContentPublishing || c.Status == ContentPublished {
			return &NotAllowedError{Status: c.Status, Want: "regenerate"}
		}
		base, image := c.Version, (*int64)(nil)
		if r.Version != nil && r.Kind != RegenImage && *r.Version != c.Version {
			return ErrStale
		}
		if r.Kind == RegenImage {
			if err := tx.GetContext(ctx, &base, d.q(`SELECT p.version FROM images i JOIN image_prompts p ON p.id = i.image_prompt_id
				WHERE i.id = ? AND i.content_id = ?`), r.ImageID, c.ID); err != nil {
				return notFound(err)
			}
			image = &r.ImageID
		}
		var active int
		if err := tx.GetContext(ctx, &active, d.q(`SELECT COUNT(*) FROM regeneration_jobs WHERE content_id = ? AND status IN ('queued','running')`), c.ID); err != nil {
			return err
		}
		if active > 0 {
			return ErrRegenActive
		}
		var credits int64
		if err := tx.GetContext(ctx, &credits, d.q(`SELECT credits FROM accounts WHERE id = ?`), r.AccountID); err != nil {
			return err
		}
		if credits < r.Cost {
			return ErrInsufficientCredits
		}
		err = tx.GetContext(ctx, &job, d.q(`INSERT INTO regeneration_jobs (account_id, site_id, content_id, kind, image_id, note, request_key, base_version,
			operation, cost, requested_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, request_key) DO NOTHING RETURNING *`),
			r.AccountID, c.SiteID, c.ID, r.Kind, image, r.Note, r.Key, base, r.Operation, r.Cost, r.Actor, now, now)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// The same key committed meanwhile.
			job, err = d.regenByKeyTx(ctx, tx, r)
			return err
		case isUnique(err):
			return ErrRegenActive
		case err != nil:
			return fmt.Errorf("db: request regeneration: %w", err)
		}
		created = true
		return nil
	})
	return job, created, err
}

// regenByKeyTx finds the account's job of r's key: ErrNotFound when there
// is none, ErrKeyReused when it is another request's.
func (d *DB) regenByKeyTx(ctx context.Context, tx *sqlx.Tx, r RegenRequest) (RegenJob, error) {
	var j RegenJob
	err := tx.GetContext(ctx, &j, d.q(`SELECT * FROM regeneration_jobs WHERE account_id = ? AND request_key = ?`), r.AccountID, r.Key)
	if err != nil {
		return j, notFound(err)
	}
	if !r.same(j) {
		return j, ErrKeyReused
	}
	return j, nil
}

// GetRegeneration loads a job of the account; another account's is
// ErrNotFound.
func (d *DB) GetRegeneration(ctx context.Context, accountID, id int64) (RegenJob, error) {
	var j RegenJob
	err := d.GetContext(ctx, &j, d.q(`SELECT * FROM regeneration_jobs WHERE id = ? AND account_id = ?`), id, accountID)
	return j, notFound(err)
}

// RegenerationByID loads a job without account scoping (executors).
func (d *DB) RegenerationByID(ctx context.Context, id int64) (RegenJob, error) {
	var j RegenJob
	err := d.GetContext(ctx, &j, d.q(`SELECT * FROM regeneration_jobs WHERE id = ?`), id)
	return j, notFound(err)
}

// RegenerationsOf lists an article's newest jobs, at most limit. The
// caller scopes the article to the account first.
func (d *DB) RegenerationsOf(ctx context.Context, contentID int64, limit int) ([]RegenJob, error) {
	var out []RegenJob
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM regeneration_jobs WHERE content_id = ? ORDER BY id DESC LIMIT ?`), contentID, limit)
	if err != nil {
		return nil, fmt.Errorf("db: regenerations: %w", err)
	}
	return out, nil
}

// claimable is the condition of a job an executor may claim at now: queued,
// or running under a lease that is gone.
const claimable = `(status = 'queued' OR (status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < ?)))`

// ClaimableRegenerations lists up to limit jobs an executor may claim at
// now, oldest first.
func (d *DB) ClaimableRegenerations(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := d.SelectContext(ctx, &ids, d.q(`SELECT id FROM regeneration_jobs WHERE `+claimable+` ORDER BY id LIMIT ?`), T(now), limit)
	if err != nil {
		return nil, fmt.Errorf("db: claimable regenerations: %w", err)
	}
	return ids, nil
}

// ClaimRegeneration takes a job's lease with one conditional UPDATE …
// RETURNING: queued → running, or a running job whose executor's lease
// expired (taken over). Each claim is counted. ErrConflict when the job
// is not claimable.
func (d *DB) ClaimRegeneration(ctx context.Context, id int64, owner string, now time.Time, ttl time.Duration) (RegenJob, error) {
	var j RegenJob
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &j, d.q(`UPDATE regeneration_jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?,
			claims = claims + 1, started_at = COALESCE(started_at, ?), updated_at = ?
			WHERE id = ? AND `+claimable+` RETURNING *`), owner, T(now.Add(ttl)), T(now), T(now), id, T(now))
	})
	if errors.Is(err, sql.ErrNoRows) {
		return j, ErrConflict
	}
	if err != nil {
		return j, fmt.Errorf("db: claim regeneration: %w", err)
	}
	return j, nil
}

// RenewRegeneration extends the caller's lease. ErrLeaseLost when the job
// is no longer running under it (cancelled, or taken over).
func (d *DB) RenewRegeneration(ctx context.Context, id int64, owner string, now time.Time, ttl time.Duration) error {
	res, err := d.exec(ctx, d.q(`UPDATE regeneration_jobs SET lease_expires_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`),
		T(now.Add(ttl)), id, owner)
	if err != nil {
		return fmt.Errorf("db: renew regeneration: %w", err)
	}
	return oneRow(res, ErrLeaseLost)
}

// ReleaseRegeneration gives the caller's lease up (the instance shuts
// down): the job stays running and any executor may claim it at once.
func (d *DB) ReleaseRegeneration(ctx context.Context, id int64, owner string, now time.Time) error {
	_, err := d.exec(ctx, d.q(`UPDATE regeneration_jobs SET lease_owner = '', lease_expires_at = NULL, updated_at = ?
		WHERE id = ? AND status = 'running' AND lease_owner = ?`), T(now), id, owner)
	return err
}

// ExpireRegenerationLeases ends at once the leases of every other owner
// than owner: single-instance SQLite calls it at start, when the data
// directory's lock proves the process that held them is gone.
func (d *DB) ExpireRegenerationLeases(ctx context.Context, owner string, now time.Time) (int, error) {
	res, err := d.exec(ctx, d.q(`UPDATE regeneration_jobs SET lease_expires_at = NULL, updated_at = ?
		WHERE status = 'running' AND lease_owner <> '' AND lease_owner <> ?`), T(now), owner)
	if err != nil {
		return 0, fmt.Errorf("db: expire regeneration leases: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// lockRegenTx is the first statement of every transaction that writes for
// a job: it must touch the job's row, which proves the job is still
// running and leased to owner (a cancelled or taken-over job commits
// nothing), and holds the row against a concurrent cancel.
func (d *DB) lockRegenTx(ctx context.Context, tx *sqlx.Tx, id int64, owner string, now time.Time) error {
	res, err := tx.ExecContext(ctx, d.q(`UPDATE regeneration_jobs SET updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`), now, id, owner)
	if err != nil {
		return fmt.Errorf("db: lock regeneration: %w", err)
	}
	return oneRow(res, ErrLeaseLost)
}

// TakeRegenerationHold charges the job's cost before its AI call, in one
// transaction: the job must be running under owner's lease (ErrLeaseLost),
// the ledger row is keyed j.HoldKey() (already there: held=false, nothing
// charged — a job taken over reuses its hold) and the balance must cover
// it (ErrInsufficientCredits). A run's budgets and cap do not apply: a
// regeneration is not part of a run.
func (d *DB) TakeRegenerationHold(ctx context.Context, j RegenJob, owner string, now time.Time) (held bool, err error) {
	now = T(now)
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		held = false
		if err := d.lockRegenTx(ctx, tx, j.ID, owner, now); err != nil {
			return err
		}
		var err error
		held, err = d.ledgerTx(ctx, tx, CreditTransaction{AccountID: j.AccountID, Kind: KindCharge, Amount: -j.Cost, Operation: j.Operation,
			SiteID: &j.SiteID, ItemID: &j.ID, IdempotencyKey: j.HoldKey(), Note: fmt.Sprintf("regeneration #%d (%s)", j.ID, j.Kind), CreatedAt: now})
		return err
	})
	return held, err
}

// finishRegenTx sends an article approved or scheduled with its old
// version back to review (what a person approved is not what it says any
// more: its approval and its slot go), settles the job's hold and marks it
// done with the revision it made (0: none). unchanged: the new version is
// the old one, so the article keeps its status.
func (d *DB) finishRegenTx(ctx context.Context, tx *sqlx.Tx, j RegenJob, revision int, unchanged bool, now time.Time) error {
	backToReview := false
	if !unchanged {
		res, err := tx.ExecContext(ctx, d.q(`UPDATE content SET status = 'review', approved_at = NULL, approved_by = '', scheduled_at = NULL,
			next_attempt_at = NULL, unscheduled_reason = '', updated_at = ? WHERE id = ? AND status IN ('approved','scheduled')`), now, j.ContentID)
		if err != nil {
			return fmt.Errorf("db: regenerated article back to review: %w", err)
		}
		if backToReview, err = touched(res); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, d.q(`UPDATE credit_transactions SET settled = TRUE WHERE idempotency_key = ? AND kind = 'charge'`), j.HoldKey()); err != nil {
		return fmt.Errorf("db: settle regeneration hold: %w", err)
	}
	var rev *int
	if revision > 0 {
		rev = &revision
	}
	_, err := tx.ExecContext(ctx, d.q(`UPDATE regeneration_jobs SET status = 'done', revision = ?, back_to_review = ?, error = '', finished_at = ?,
		lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE id = ?`), rev, backToReview, now, now, j.ID)
	if err != nil {
		return fmt.Errorf("db: finish regeneration: %w", err)
	}
	return nil
}

// commitRegenTextTx is the commit of an article or SEO regeneration: the
// job's lock, then the article's new text as a revision by
// "regeneration" with the job's note, compared with the job's base
// version (ErrStale, *NotAllowedError), the settled hold and the job done.
// A text equal to the article's makes no revision.
func (d *DB) commitRegenTextTx(ctx context.Context, j RegenJob, owner string, now time.Time, text func(c Content) (ArticleText, int)) (RegenJob, error) {
	now = T(now)
	rev := 0
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		rev = 0
		if err := d.lockRegenTx(ctx, tx, j.ID, owner, now); err != nil {
			return err
		}
		var c Content
		if err := tx.GetContext(ctx, &c, d.q(`SELECT * FROM content WHERE id = ?`), j.ContentID); err != nil {
			return notFound(err)
		}
		t, words := text(c)
		r, err := d.reviseTx(ctx, tx, revision{content: c, version: j.BaseVersion, text: t, words: words,
			actor: RevisionActorRegeneration, note: j.Note, now: now})
		switch {
		case errors.Is(err, ErrNoChange):
		case err != nil:
			return err
		default:
			rev = r.Number
		}
		return d.finishRegenTx(ctx, tx, j, rev, rev == 0, now)
	})
	if err != nil {
		return j, err
	}
	return d.RegenerationByID(ctx, j.ID)
}

// CommitRegeneratedArticle stores a regenerated article's text (title,
// body, excerpt, SEO fields; the slug and the alt texts stay) as a new
// revision, when the article is still the version the person asked from
// and not publishing or published (ErrStale, *NotAllowedError; nothing is
// written then), sends it back to review if it was approved or scheduled,
// settles the hold and finishes the job, in one transaction. ErrLeaseLost
// when the job was cancelled or taken over.
func (d *DB) CommitRegeneratedArticle(ctx context.Context, j RegenJob, owner string, a NewArticle, now time.Time) (RegenJob, error) {
	return d.commitRegenTextTx(ctx, j, owner, now, func(c Content) (ArticleText, int) {
		return ArticleText{Title: a.Title, Slug: c.Slug, Excerpt: a.Excerpt, HTML: a.HTML, SEOTitle: a.SEOTitle, MetaDescription: a.MetaDescription}, a.WordCount
	})
}

// CommitRegeneratedSEO stores an article's regenerated SEO fields as a new
// revision, like CommitRegeneratedArticle.
func (d *DB) CommitRegeneratedSEO(ctx context.Context, j RegenJob, owner, seoTitle, metaDescription string, now time.Time) (RegenJob, error) {
	return d.commitRegenTextTx(ctx, j, owner, now, func(c Content) (ArticleText, int) {
		return ArticleText{Title: c.Title, Slug: c.Slug, Excerpt: c.Excerpt, HTML: c.HTML, SEOTitle: seoTitle, MetaDescription: metaDescription}, c.WordCount
	})
}

// CommitRegeneratedImage replaces a regenerated image's bytes (its id, alt
// text and place stay), when its prompt is still the version the person
// asked from (ErrStale) and the article is not publishing or published
// (*NotAllowedError), sends the article back to review if it was approved
// or scheduled, settles the hold and finishes the job, in one
// transaction. The old bytes are deleted from the database's store.
// ErrLeaseLost when the job was cancelled or taken over.
func (d *DB) CommitRegeneratedImage(ctx context.Context, j RegenJob, owner string, img NewImage, now time.Time) (RegenJob, error) {
	now = T(now)
	if j.ImageID == nil {
		return j, fmt.Errorf("db: regeneration %d has no image", j.ID)
	}
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockRegenTx(ctx, tx, j.ID, owner, now); err != nil {
			return err
		}
		// The article's row, held against the publisher's claim.
		res, err := tx.ExecContext(ctx, d.q(`UPDATE content SET updated_at = ? WHERE id = ? AND status NOT IN ('publishing','published')`), now, j.ContentID)
		if err != nil {
			return fmt.Errorf("db: regenerated image: %w", err)
		}
		if ok, err := touched(res); err != nil {
			return err
		} else if !ok {
			var status string
			if err := tx.GetContext(ctx, &status, d.q(`SELECT status FROM content WHERE id = ?`), j.ContentID); err != nil {
				return notFound(err)
			}
			return &NotAllowedError{Status: status, Want: "regenerate"}
		}
		var im Image
		if err := tx.GetContext(ctx, &im, d.q(`SELECT * FROM images WHERE id = ? AND content_id = ?`), *j.ImageID, j.ContentID); err != nil {
			return notFound(err)
		}
		if err := cas(ctx, tx, d.q(`UPDATE image_prompts SET version = version + 1, updated_at = ? WHERE id = ? AND status = 'done' AND version = ?`),
			now, im.ImagePromptID, j.BaseVersion); errors.Is(err, ErrConflict) {
			return ErrStale
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE images SET path = ?, mime = ?, bytes = ?, created_at = ? WHERE id = ?`),
			img.Path, img.MIME, img.Bytes, now, im.ID); err != nil {
			return fmt.Errorf("db: regenerated image: %w", err)
		}
		if img.Blob != nil {
			if err := d.putBlobTx(ctx, tx, *img.Blob, now); err != nil {
				return err
			}
		}
		if im.Path != img.Path {
			if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM blobs WHERE blob_key = ? AND NOT EXISTS (SELECT 1 FROM images WHERE path = ?)`), im.Path, im.Path); err != nil {
				return fmt.Errorf("db: old image bytes: %w", err)
			}
		}
		return d.finishRegenTx(ctx, tx, j, 0, false, now)
	})
	if err != nil {
		return j, err
	}
	return d.RegenerationByID(ctx, j.ID)
}

// FailRegeneration ends a job owner runs as failed with msg and refunds
// its hold, in one transaction. ErrLeaseLost when the job was cancelled
// or taken over meanwhile (it is then not owner's to end).
func (d *DB) FailRegeneration(ctx context.Context, j RegenJob, owner, msg string, now time.Time) error {
	now = T(now)
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := d.lockRegenTx(ctx, tx, j.ID, owner, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE regeneration_jobs SET status = 'failed', error = ?, finished_at = ?,
			lease_owner = '', lease_expires_at = NULL, updated_at = ? WHERE id = ?`), msg, now, now, j.ID); err != nil {
			return fmt.Errorf("db: fail regeneration: %w", err)
		}
		return d.refundKeyTx(ctx, tx, j.HoldKey(), "regeneration failed", now)
	})
}

// CancelRegeneration cancels a queued or running job of the account and
// refunds its hold, in one transaction: from then on the job's executor
// can commit nothing (lockRegenTx). *NotAllowedError when the job has
// ended, ErrNotFound for another account's.
func (d *DB) CancelRegeneration(ctx context.Context, accountID, id int64, actor string, now time.Time) (RegenJob, error) {
	now = T(now)
	var j RegenJob
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &j, d.q(`UPDATE regeneration_jobs SET status = 'cancelled', cancelled_by = ?, finished_at = ?,
			lease_owner = '', lease_expires_at = NULL, updated_at = ?
			WHERE id = ? AND account_id = ? AND status IN ('queued','running') RETURNING *`), actor, now, now, id, accountID)
		if errors.Is(err, sql.ErrNoRows) {
			if err := tx.GetContext(ctx, &j, d.q(`SELECT * FROM regeneration_jobs WHERE id = ? AND account_id = ?`), id, accountID); err != nil {
				return notFound(err)
			}
			return &NotAllowedError{Status: j.Status, Want: "cancel"}
		}
		if err != nil {
			return fmt.Errorf("db: cancel regeneration: %w", err)
		}
		return d.refundKeyTx(ctx, tx, j.HoldKey(), "regeneration cancelled", now)
	})
	return j, err
}
