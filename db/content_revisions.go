package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Revision is one saved state of an article's text: what a person saved
// (or restored), or the text the pipeline wrote (number 1, kept when the
// article is first edited).
type Revision struct {
	ID        int64  `db:"id"`
	ContentID int64  `db:"content_id"`
	Number    int    `db:"number"`
	Title     string `db:"title"`
	Slug      string `db:"slug"`
	Excerpt   string `db:"excerpt"`
	HTML      string `db:"html"`
	// ImageAlts is the JSON of the article's image alt texts then (Alts
	// decodes it).
	ImageAlts string `db:"image_alts"`
	// Changed lists the fields this revision changed (ChangedFields).
	Changed      string    `db:"changed"`
	Actor        string    `db:"actor"`
	RestoredFrom *int      `db:"restored_from"`
	CreatedAt    time.Time `db:"created_at"`
}

// ImageAlt is the alt text of one image of an article.
type ImageAlt struct {
	ID  int64  `json:"id"`
	Alt string `json:"alt"`
}

// Alts decodes the revision's image alt texts (none when unreadable).
func (r Revision) Alts() []ImageAlt {
	var out []ImageAlt
	_ = json.Unmarshal([]byte(r.ImageAlts), &out)
	return out
}

// ChangedFields lists the fields the revision changed (none for the
// pipeline's original).
func (r Revision) ChangedFields() []string {
	if r.Changed == "" {
		return nil
	}
	return strings.Split(r.Changed, ",")
}

// Text is the revision's article text.
func (r Revision) Text() ArticleText {
	return ArticleText{Title: r.Title, Slug: r.Slug, Excerpt: r.Excerpt, HTML: r.HTML, Alts: r.Alts()}
}

// The fields a revision can change, as Changed names them.
const (
	FieldTitle   = "title"
	FieldSlug    = "slug"
	FieldExcerpt = "excerpt"
	FieldBody    = "body"
	FieldAlts    = "alt_texts"
)

// ArticleText is the part of an article a person edits.
type ArticleText struct {
	Title   string
	Slug    string
	Excerpt string
	// HTML is the body, already sanitized.
	HTML string
	// Alts are alt texts by image id; images not listed keep theirs.
	Alts []ImageAlt
}

// ArticleEdit is a person's save (or restore) of an article's text.
type ArticleEdit struct {
	AccountID int64
	ContentID int64
	// Version is the article's version the person edited.
	Version int64
	Text    ArticleText
	// WordCount is the body's number of words.
	WordCount int
	Actor     string
	Now       time.Time
	// RestoredFrom is the number of the revision restored (0: an edit).
	RestoredFrom int
}

// Errors of SaveArticle.
var (
	// ErrSlugTaken means another article of the site has the slug.
	ErrSlugTaken = fmt.Errorf("%w: another article of the site has this slug", ErrDuplicate)
	// ErrNoChange means the save changed nothing: no revision was made.
	ErrNoChange = errors.New("db: nothing changed")
)

// revisionActorPipeline is the author of an article's first revision: the
// text the pipeline wrote.
const revisionActorPipeline = "automation"

// SaveArticle stores a person's edit of an article of the account as a new
// revision, in one transaction: the article must still be the version they
// edited (ErrStale otherwise) and not publishing or published (a
// *NotAllowedError); the slug must be free on the site (ErrSlugTaken).
// The first edit keeps the pipeline's text as revision 1. The article is
// marked edited (edited_at, edited_by): no stage overwrites its text after
// that. A save that changes nothing is ErrNoChange.
func (d *DB) SaveArticle(ctx context.Context, e ArticleEdit) (Revision, error) {
	now := T(e.Now)
	var rev Revision
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var c Content
		if err := tx.GetContext(ctx, &c, d.q(`SELECT c.* FROM content c JOIN sites s ON s.id = c.site_id WHERE c.id = ? AND s.account_id = ?`),
			e.ContentID, e.AccountID); err != nil {
			return notFound(err)
		}
		if c.Version != e.Version {
			return ErrStale
		}
		if c.Status == ContentPublishing || c.Status == ContentPublished {
			return &NotAllowedError{Status: c.Status, Want: "edit"}
		}
		var taken int
		if err := tx.GetContext(ctx, &taken, d.q(`SELECT COUNT(*) FROM content WHERE site_id = ? AND slug = ? AND id <> ?`), c.SiteID, e.Text.Slug, c.ID); err != nil {
			return err
		}
		if taken > 0 {
			return ErrSlugTaken
		}
		var alts []ImageAlt
		if err := tx.SelectContext(ctx, &alts, d.q(`SELECT id, alt FROM images WHERE content_id = ? ORDER BY id`), c.ID); err != nil {
			return fmt.Errorf("db: image alts: %w", err)
		}
		before := ArticleText{Title: c.Title, Slug: c.Slug, Excerpt: c.Excerpt, HTML: c.HTML, Alts: alts}
		after := e.Text
		after.Alts = mergeAlts(alts, e.Text.Alts)
		changed := changedFields(before, after)
		if len(changed) == 0 {
			return ErrNoChange
		}
		// The compare-and-set first: it holds the article's row, so two
		// saves from the same version cannot both reach the revisions.
		res, err := tx.ExecContext(ctx, d.q(`UPDATE content SET title = ?, slug = ?, excerpt = ?, html = ?, word_count = ?,
			version = version + 1, edited_at = ?, edited_by = ?, updated_at = ?
			WHERE id = ? AND version = ? AND status NOT IN ('publishing','published')`),
			after.Title, after.Slug, after.Excerpt, after.HTML, e.WordCount, now, e.Actor, now, c.ID, e.Version)
		if err != nil {
			if isUnique(err) {
				return ErrSlugTaken
			}
			return fmt.Errorf("db: save article: %w", err)
		}
		if err := oneRow(res, ErrStale); err != nil {
			return err
		}
		var last int
		if err := tx.GetContext(ctx, &last, d.q(`SELECT COALESCE(MAX(number), 0) FROM content_revisions WHERE content_id = ?`), c.ID); err != nil {
			return err
		}
		if last == 0 {
			// The pipeline's text becomes revision 1, so it can be restored.
			if _, err := d.insertRevision(ctx, tx, c.ID, 1, before, nil, revisionActorPipeline, 0, c.CreatedAt); err != nil {
				return err
			}
			last = 1
		}
		for _, a := range after.Alts {
			if _, err := tx.ExecContext(ctx, d.q(`UPDATE images SET alt = ? WHERE id = ? AND content_id = ? AND alt <> ?`), a.Alt, a.ID, c.ID, a.Alt); err != nil {
				return fmt.Errorf("db: image alt: %w", err)
			}
		}
		rev, err = d.insertRevision(ctx, tx, c.ID, last+1, after, changed, e.Actor, e.RestoredFrom, now)
		return err
	})
	return rev, err
}

func (d *DB) insertRevision(ctx context.Context, tx *sqlx.Tx, contentID int64, number int, t ArticleText, changed []string, actor string, restoredFrom int, at time.Time) (Revision, error) {
	alts, err := json.Marshal(t.Alts)
	if err != nil {
		return Revision{}, err
	}
	if t.Alts == nil {
		alts = []byte("[]")
	}
	var from *int
	if restoredFrom > 0 {
		from = &restoredFrom
	}
	var r Revision
	err = tx.GetContext(ctx, &r, d.q(`INSERT INTO content_revisions (content_id, number, title, slug, excerpt, html, image_alts, changed, actor, restored_from, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
		contentID, number, t.Title, t.Slug, t.Excerpt, t.HTML, string(alts), strings.Join(changed, ","), actor, from, T(at))
	if err != nil {
		return Revision{}, fmt.Errorf("db: insert revision: %w", err)
	}
	return r, nil
}

// mergeAlts applies the edited alt texts to the article's images (ids of
// other articles' images are ignored), in image order.
func mergeAlts(current, edited []ImageAlt) []ImageAlt {
	out := slices.Clone(current)
	for _, e := range edited {
		for i := range out {
			if out[i].ID == e.ID {
				out[i].Alt = e.Alt
			}
		}
	}
	return out
}

// changedFields names the fields that differ between two texts.
func changedFields(a, b ArticleText) []string {
	var out []string
	if a.Title != b.Title {
		out = append(out, FieldTitle)
	}
	if a.Slug != b.Slug {
		out = append(out, FieldSlug)
	}
	if a.Excerpt != b.Excerpt {
		out = append(out, FieldExcerpt)
	}
	if a.HTML != b.HTML {
		out = append(out, FieldBody)
	}
	if !slices.Equal(a.Alts, b.Alts) {
		out = append(out, FieldAlts)
	}
	return out
}

// Revisions lists an article's revisions, newest first. The caller scopes
// the article to the account first.
func (d *DB) Revisions(ctx context.Context, contentID int64) ([]Revision, error) {
	var out []Revision
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM content_revisions WHERE content_id = ? ORDER BY number DESC`), contentID)
	if err != nil {
		return nil, fmt.Errorf("db: revisions: %w", err)
	}
	return out, nil
}

// GetRevision loads one revision of an article by its number.
func (d *DB) GetRevision(ctx context.Context, contentID int64, number int) (Revision, error) {
	var r Revision
	err := d.GetContext(ctx, &r, d.q(`SELECT * FROM content_revisions WHERE content_id = ? AND number = ?`), contentID, number)
	return r, notFound(err)
}
