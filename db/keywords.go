package db

import (
	"context"
	"fmt"
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

// ListKeywords pages a site's keywords, optionally filtered by status.
func (d *DB) ListKeywords(ctx context.Context, siteID int64, status string, limit, offset int) ([]Keyword, int, error) {
	where, args := "site_id = ?", []any{siteID}
	if status != "" {
		where += " AND status = ?"
		args = append(args, status)
	}
	var total int
	if err := d.GetContext(ctx, &total, d.q(`SELECT COUNT(*) FROM keywords WHERE `+where), args...); err != nil {
		return nil, 0, fmt.Errorf("db: count keywords: %w", err)
	}
	var out []Keyword
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM keywords WHERE `+where+` ORDER BY created_at, id LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: list keywords: %w", err)
	}
	return out, total, nil
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

// KeywordCountsBySite counts the keywords of each of an account's sites
// (sites without keywords are absent from the map).
func (d *DB) KeywordCountsBySite(ctx context.Context, accountID int64) (map[int64]int, error) {
	var rows []struct {
		SiteID int64 `db:"site_id"`
		N      int   `db:"n"`
	}
	err := d.SelectContext(ctx, &rows, d.q(`SELECT k.site_id, COUNT(*) AS n FROM keywords k
		JOIN sites s ON s.id = k.site_id WHERE s.account_id = ? GROUP BY k.site_id`), accountID)
	if err != nil {
		return nil, fmt.Errorf("db: keyword counts by site: %w", err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.SiteID] = r.N
	}
	return out, nil
}
