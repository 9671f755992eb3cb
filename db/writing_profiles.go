package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// WritingProfile is a site's writing profile (docs/editorial.md): what every
// AI function is told about how the site writes. A site gets one with the
// defaults when it is created. Its JSON names are the form's and the API's
// field names.
type WritingProfile struct {
	SiteID          int64     `db:"site_id" json:"-"`
	Language        string    `db:"language" json:"language"`
	Tone            string    `db:"tone" json:"tone"`
	PointOfView     string    `db:"point_of_view" json:"point_of_view"`
	Audience        string    `db:"audience" json:"audience"`
	MinWords        int       `db:"min_words" json:"min_words"`
	MaxWords        int       `db:"max_words" json:"max_words"`
	BrandVoice      string    `db:"brand_voice" json:"brand_voice"`
	Avoid           string    `db:"avoid" json:"avoid"`
	FAQ             bool      `db:"faq" json:"faq"`
	TableOfContents bool      `db:"table_of_contents" json:"table_of_contents"`
	Conclusion      bool      `db:"conclusion" json:"conclusion"`
	MaxLinks        int       `db:"max_internal_links" json:"max_internal_links"`
	UpdatedAt       time.Time `db:"updated_at" json:"updated_at"`
}

// GetWritingProfile loads a site's writing profile.
func (d *DB) GetWritingProfile(ctx context.Context, siteID int64) (WritingProfile, error) {
	var p WritingProfile
	err := d.GetContext(ctx, &p, d.q(`SELECT * FROM writing_profiles WHERE site_id = ?`), siteID)
	return p, notFound(err)
}

// SaveWritingProfile writes every field of a site's writing profile (the
// caller has validated it; CHECK constraints refuse a length range or a
// link count out of bounds).
func (d *DB) SaveWritingProfile(ctx context.Context, p WritingProfile, now time.Time) error {
	return d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, d.q(`UPDATE writing_profiles SET language = ?, tone = ?, point_of_view = ?, audience = ?,
			min_words = ?, max_words = ?, brand_voice = ?, avoid = ?, faq = ?, table_of_contents = ?, conclusion = ?,
			max_internal_links = ?, updated_at = ? WHERE site_id = ?`),
			p.Language, p.Tone, p.PointOfView, p.Audience, p.MinWords, p.MaxWords, p.BrandVoice, p.Avoid,
			p.FAQ, p.TableOfContents, p.Conclusion, p.MaxLinks, T(now), p.SiteID)
		if err != nil {
			return fmt.Errorf("db: save writing profile: %w", err)
		}
		return oneRow(res, ErrNotFound)
	})
}
