package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// Keyword statuses.
const (
	KeywordNew         = "new"
	KeywordClustered   = "clustered"
	KeywordUnclustered = "unclustered"
	KeywordFailed      = "failed"
)

// Keyword is stage 1's input.
type Keyword struct {
	ID          int64     `db:"id"`
	SiteID      int64     `db:"site_id"`
	Keyword     string    `db:"keyword"`
	KeywordNorm string    `db:"keyword_norm"`
	Volume      int       `db:"volume"`
	Difficulty  int       `db:"difficulty"`
	Status      string    `db:"status"`
	ClusterID   *int64    `db:"cluster_id"`
	Attempts    int       `db:"attempts"`
	LastError   string    `db:"last_error"`
	LastRunID   *int64    `db:"last_attempt_run_id"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// NewKeyword is one keyword to import; Norm must be set by the caller.
type NewKeyword struct {
	Text       string
	Norm       string
	Volume     int
	Difficulty int
}

// ImportKeywords inserts keywords for a site in one transaction, skipping
// those already present (by normalised text). It returns how many were new.
// Rows get increasing created_at so stage 1 takes them in import order.
func (d *DB) ImportKeywords(ctx context.Context, siteID int64, kws []NewKeyword, now time.Time) (inserted int, err error) {
	now = T(now)
	err = d.InTx(ctx, func(tx *sqlx.Tx) error {
		inserted = 0
		stmt, err := tx.PreparexContext(ctx, d.q(`INSERT INTO keywords (site_id, keyword, keyword_norm, volume, difficulty, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'new', ?, ?) ON CONFLICT (site_id, keyword_norm) DO NOTHING`))
		if err != nil {
			return fmt.Errorf("db: import keywords: %w", err)
		}
		defer stmt.Close()
		for _, k := range kws {
			res, err := stmt.ExecContext(ctx, siteID, k.Text, k.Norm, k.Volume, k.Difficulty, now, now)
			if err != nil {
				return fmt.Errorf("db: import keyword %q: %w", k.Text, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("db: import keyword %q: %w", k.Text, err)
			}
			inserted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return inserted, nil
}

// KeywordFilter narrows a site's keywords: a status ("" for all) and a
// prefix of the normalised keyword ("" for none; see NormalizeKeyword).
type KeywordFilter struct {
	Status string
	Prefix string
}

// KeywordKey is a keyword's place in a list: (CreatedAt, ID) in a list
// without a prefix, Norm (unique in a site) in a search by prefix.
type KeywordKey struct {
	CreatedAt time.Time
	ID        int64
	Norm      string
}

// Key is the keyword's place in a list filtered by f.
func (k Keyword) Key() KeywordKey {
	return KeywordKey{CreatedAt: k.CreatedAt, ID: k.ID, Norm: k.KeywordNorm}
}

// KeywordPage is one page of a keyword list and whether there are keywords
// before and after it.
type KeywordPage struct {
	Rows             []Keyword
	HasPrev, HasNext bool
}

// KeywordsPage pages a site's keywords by keyset: limit keywords after
// after, or before before (at most one of them; neither is the first
// page), in the order of the filter (oldest first, like stage 1 takes
// them; by keyword with a prefix). Every variant reads an index range
// (keywords_site_created_idx, keywords_stage_idx, the unique
// (site_id, keyword_norm) index, keywords_status_norm_idx), so a deep page
// costs what the first does.
func (d *DB) KeywordsPage(ctx context.Context, siteID int64, f KeywordFilter, after, before *KeywordKey, limit int) (KeywordPage, error) {
	if after != nil && before != nil {
		return KeywordPage{}, fmt.Errorf("db: keywords page: after and before")
	}
	where, args := d.keywordWhere(siteID, f)
	asc, desc := "created_at, id", "created_at DESC, id DESC"
	if f.Prefix != "" {
		asc, desc = d.norm(), d.norm()+" DESC"
	}
	order := asc
	switch {
	case after != nil && f.Prefix != "":
		where += " AND " + d.norm() + " > ?"
		args = append(args, after.Norm)
	case after != nil:
		where += " AND (created_at, id) > (?, ?)"
		args = append(args, T(after.CreatedAt), after.ID)
	case before != nil && f.Prefix != "":
		where += " AND " + d.norm() + " < ?"
		args = append(args, before.Norm)
		order = desc
	case before != nil:
		where += " AND (created_at, id) < (?, ?)"
		args = append(args, T(before.CreatedAt), before.ID)
		order = desc
	}
	var rows []Keyword
	err := d.SelectContext(ctx, &rows, d.q(`SELECT * FROM keywords WHERE `+where+` ORDER BY `+order+` LIMIT ?`), append(args, limit+1)...)
	if err != nil {
		return KeywordPage{}, fmt.Errorf("db: keywords page: %w", err)
	}
	more := len(rows) > limit
	rows = rows[:min(len(rows), limit)]
	p := KeywordPage{Rows: rows, HasPrev: after != nil, HasNext: more}
	if before != nil {
		slices.Reverse(p.Rows)
		p.HasPrev, p.HasNext = more, true
	}
	return p, nil
}

// CountKeywords counts a site's keywords that f lets through (an index
// range, read without the table).
func (d *DB) CountKeywords(ctx context.Context, siteID int64, f KeywordFilter) (int, error) {
	where, args := d.keywordWhere(siteID, f)
	var n int
	if err := d.GetContext(ctx, &n, d.q(`SELECT COUNT(*) FROM keywords WHERE `+where), args...); err != nil {
		return 0, fmt.Errorf("db: count keywords: %w", err)
	}
	return n, nil
}

// KeywordStatusCounts counts a site's keywords per status (every status
// present, zero when empty), from the site's counters.
func (d *DB) KeywordStatusCounts(ctx context.Context, siteID int64) (StatusCounts, error) {
	counts, err := d.siteStatusCounts(ctx, siteID, "keywords")
	if err != nil {
		return nil, err
	}
	return counts["keywords"], nil
}

// keywordWhere is the condition of f's keywords of a site. A prefix is
// the range [prefix, prefix+U+10FFFF) of keyword_norm compared bytewise,
// which an index reads as a range.
func (d *DB) keywordWhere(siteID int64, f KeywordFilter) (string, []any) {
	where, args := "site_id = ?", []any{siteID}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Prefix != "" {
		where += " AND " + d.norm() + " >= ? AND " + d.norm() + " < ?"
		args = append(args, f.Prefix, f.Prefix+"\U0010FFFF")
	}
	return where, args
}

// norm is keyword_norm compared bytewise: SQLite's default; PostgreSQL's
// "C" collation, which keywords_norm_idx and keywords_status_norm_idx use.
func (d *DB) norm() string {
	if d.Dialect == Postgres {
		return `keyword_norm COLLATE "C"`
	}
	return "keyword_norm"
}

// RequeueKeywords moves a site's unclustered (or failed) keywords back to new.
func (d *DB) RequeueKeywords(ctx context.Context, siteID int64, status string, now time.Time) (int, error) {
	if status != KeywordUnclustered && status != KeywordFailed {
		return 0, fmt.Errorf("db: requeue: bad status %q", status)
	}
	res, err := d.exec(ctx, d.q(`UPDATE keywords SET status = 'new', attempts = 0, last_error = '', updated_at = ? WHERE site_id = ? AND status = ?`), T(now), siteID, status)
	if err != nil {
		return 0, fmt.Errorf("db: requeue keywords: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("db: requeue keywords: %w", err)
	}
	return int(n), nil
}

// KeywordsByIDs loads keywords in the given order.
func (d *DB) KeywordsByIDs(ctx context.Context, ids []int64) ([]Keyword, error) {
	var out []Keyword
	if len(ids) == 0 {
		return nil, nil
	}
	q, args, err := sqlx.In(`SELECT * FROM keywords WHERE id IN (?) ORDER BY created_at, id`, ids)
	if err != nil {
		return nil, err
	}
	err = d.SelectContext(ctx, &out, d.q(q), args...)
	return out, err
}

// KeywordCountsBySite counts the keywords of each of an account's sites,
// from their counters (sites without keywords may be absent from the map).
func (d *DB) KeywordCountsBySite(ctx context.Context, accountID int64) (map[int64]int, error) {
	var rows []struct {
		SiteID int64 `db:"site_id"`
		N      int   `db:"n"`
	}
	err := d.SelectContext(ctx, &rows, d.q(`SELECT c.site_id, SUM(c.n) AS n FROM item_counts c
		JOIN sites s ON s.id = c.site_id WHERE s.account_id = ? AND c.tbl = 'keywords' GROUP BY c.site_id`), accountID)
	if err != nil {
		return nil, fmt.Errorf("db: keyword counts by site: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.SiteID] = r.N
	}
	return out, nil
}
