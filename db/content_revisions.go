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
	// SEOTitle and MetaDescription are the article's search-result title
	// and summary then.
	SEOTitle        string `db:"seo_title"`
	MetaDescription string `db:"meta_description"`
	// ImageAlts is the JSON of the article's image alt texts then (Alts
	// decodes it).
	ImageAlts string `db:"image_alts"`
	// Changed lists the fields this revision changed (ChangedFields).
	Changed      string `db:"changed"`
	Actor        string `db:"actor"`
	RestoredFrom *int   `db:"restored_from"`
	// Note is what the person who asked for a regeneration wanted changed
	// ("" for edits and restores).
	Note      string    `db:"note"`
	CreatedAt time.Time `db:"created_at"`
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
	return ArticleText{Title: r.Title, Slug: r.Slug, Excerpt: r.Excerpt, HTML: r.HTML, SEOTitle: r.SEOTitle, MetaDescription: r.MetaDescription, Alts: r.Alts()}
}

// The fields a revision can change, as Changed names them.
const (
	FieldTitle   = "title"
	FieldSlug    = "slug"
	FieldExcerpt = "excerpt"
	FieldBody    = "body"
	FieldAlts    = "alt_texts"
	// FieldSEOTitle and FieldMetaDescription are the SEO fields.
	FieldSEOTitle        = "seo_title"
	FieldMetaDescription = "meta_description"
)

// ArticleText is the part of an article a person edits.
type ArticleText struct {
	Title   string
	Slug    string
	Excerpt string
	// HTML is the body, already sanitized.
	HTML string
	// SEOTitle and MetaDescription are plain text.
	SEOTitle        string
	MetaDescription string
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
	var rev Revision
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var c Content
		if err := tx.GetContext(ctx, &c, d.q(`SELECT c.* FROM content c JOIN sites s ON s.id = c.site_id WHERE c.id = ? AND s.account_id = ?`),
			e.ContentID, e.AccountID); err != nil {
			return notFound(err)
		}
		var err error
		rev, err = d.reviseTx(ctx, tx, revision{content: c, version: e.Version, text: e.Text, words: e.WordCount,
			actor: e.Actor, restoredFrom: e.RestoredFrom, now: T(e.Now)})
		return err
	})
	return rev, err
}

// revision is a new text of an article, made by a person (an edit, a
// restore) or by a regeneration a person asked for.
type revision struct {
	// content is the article as read in the transaction.
	content Content
	// version is the article's version the new text starts from.
	version int64
	text    ArticleText
	words   int
	// actor is the revision's author, and the article's edited_by.
	actor        string
	note         string
	restoredFrom int
	now          time.Time
}

// reviseTx makes r's text the article's, as a new revision, in tx: the
// article must still be r.version (ErrStale) and not publishing or
// published (*NotAllowedError), the slug free on the site (ErrSlugTaken),
// and something must change (ErrNoChange). The first revision of an
// article keeps the pipeline's text as revision 1, so it can be restored.
func (d *DB) reviseTx(ctx context.Context, tx *sqlx.Tx, r revision) (Revision, error) {
	c := r.content
	if c.Version != r.version {
		return Revision{}, ErrStale
	}
	if c.Status == ContentPublishing || c.Status == ContentPublished {
		return Revision{}, &NotAllowedError{Status: c.Status, Want: "edit"}
	}
	var taken int
	if err := tx.GetContext(ctx, &taken, d.q(`SELECT COUNT(*) FROM content WHERE site_id = ? AND slug = ? AND id <> ?`), c.SiteID, r.text.Slug, c.ID); err != nil {
		return Revision{}, err
	}
	if taken > 0 {
		return Revision{}, ErrSlugTaken
	}
	var alts []ImageAlt
	if err := tx.SelectContext(ctx, &alts, d.q(`SELECT id, alt FROM images WHERE content_id = ? ORDER BY id`), c.ID); err != nil {
		return Revision{}, fmt.Errorf("db: image alts: %w", err)
	}
	before := ArticleText{Title: c.Title, Slug: c.Slug, Excerpt: c.Excerpt, HTML: c.HTML, SEOTitle: c.SEOTitle, MetaDescription: c.MetaDescription, Alts: alts}
	after := r.text
	after.Alts = mergeAlts(alts, r.text.Alts)
	changed := changedFields(before, after)
	if len(changed) == 0 {
		return Revision{}, ErrNoChange
	}
	// The compare-and-set first: it holds the article's row, so two
	// saves from the same version cannot both reach the revisions.
	res, err := tx.ExecContext(ctx, d.q(`UPDATE content SET title = ?, slug = ?, excerpt = ?, html = ?, seo_title = ?, meta_description = ?, word_count = ?,
		version = version + 1, edited_at = ?, edited_by = ?, updated_at = ?
		WHERE id = ? AND version = ? AND status NOT IN ('publishing','published')`),
		after.Title, after.Slug, after.Excerpt, after.HTML, after.SEOTitle, after.MetaDescription, r.words, r.now, r.actor, r.now, c.ID, r.version)
	if err != nil {
		if isUnique(err) {
			return Revision{}, ErrSlugTaken
		}
		return Revision{}, fmt.Errorf("db: save article: %w", err)
	}
	if err := oneRow(res, ErrStale); err != nil {
		return Revision{}, err
	}
	var last int
	if err := tx.GetContext(ctx, &last, d.q(`SELECT COALESCE(MAX(number), 0) FROM content_revisions WHERE content_id = ?`), c.ID); err != nil {
		return Revision{}, err
	}
	if last == 0 {
		// The pipeline's text becomes revision 1, so it can be restored.
		if _, err := d.insertRevision(ctx, tx, c.ID, 1, before, nil, revisionActorPipeline, revision{}, c.CreatedAt); err != nil {
			return Revision{}, err
		}
		last = 1
	}
	for _, a := range after.Alts {
		if _, err := tx.ExecContext(ctx, d.q(`UPDATE images SET alt = ? WHERE id = ? AND content_id = ? AND alt <> ?`), a.Alt, a.ID, c.ID, a.Alt); err != nil {
			return Revision{}, fmt.Errorf("db: image alt: %w", err)
		}
	}
	return d.insertRevision(ctx, tx, c.ID, last+1, after, changed, r.actor, r, r.now)
}

// insertRevision stores revision number of an article: its text t, the
// fields it changed, its author, and the note and the restored revision of
// r (zero for none).
func (d *DB) insertRevision(ctx context.Context, tx *sqlx.Tx, contentID int64, number int, t ArticleText, changed []string, actor string, r revision, at time.Time) (Revision, error) {
	alts, err := json.Marshal(t.Alts)
	if err != nil {
		return Revision{}, err
	}
	if t.Alts == nil {
		alts = []byte("[]")
	}
	var from *int
	if r.restoredFrom > 0 {
		from = &r.restoredFrom
	}
	var rev Revision
	err = tx.GetContext(ctx, &rev, d.q(`INSERT INTO content_revisions (content_id, number, title, slug, excerpt, html, seo_title, meta_description,
		image_alts, changed, actor, restored_from, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`),
		contentID, number, t.Title, t.Slug, t.Excerpt, t.HTML, t.SEOTitle, t.MetaDescription, string(alts), strings.Join(changed, ","), actor, from, r.note, T(at))
	if err != nil {
		return Revision{}, fmt.Errorf("db: insert revision: %w", err)
	}
	return rev, nil
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
	if a.SEOTitle != b.SEOTitle {
		out = append(out, FieldSEOTitle)
	}
	if a.MetaDescription != b.MetaDescription {
		out = append(out, FieldMetaDescription)
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
