package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Site is one website whose pipeline autopress runs.
type Site struct {
	ID        int64     `db:"id"`
	AccountID int64     `db:"account_id"`
	Name      string    `db:"name"`
	URL       string    `db:"url"`
	Timezone  string    `db:"timezone"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Location returns the site's time zone (UTC if it no longer loads).
func (s Site) Location() *time.Location {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CreateSite inserts a site with its default automation config, publishing
// settings, AI budget and writing profile rows, in one transaction.
func (d *DB) CreateSite(ctx context.Context, s Site, now time.Time) (Site, error) {
	now = T(now)
	s.CreatedAt, s.UpdatedAt = now, now
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		s.ID, err = insertID(ctx, tx, d.q(`INSERT INTO sites (account_id, name, url, timezone, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
			s.AccountID, s.Name, s.URL, s.Timezone, now, now)
		if err != nil {
			return fmt.Errorf("db: create site: %w", err)
		}
		for _, stmt := range []string{
			`INSERT INTO automation_configs (site_id, updated_at) VALUES (?, ?)`,
			`INSERT INTO publishing_settings (site_id, updated_at) VALUES (?, ?)`,
			`INSERT INTO site_ai_budget_allocations (site_id, updated_at) VALUES (?, ?)`,
			`INSERT INTO writing_profiles (site_id, updated_at) VALUES (?, ?)`,
		} {
			if _, err := tx.ExecContext(ctx, d.q(stmt), s.ID, now); err != nil {
				return fmt.Errorf("db: create site defaults: %w", err)
			}
		}
		return nil
	})
	return s, err
}

// UpdateSite changes a site's name, URL and time zone (scoped by account).
func (d *DB) UpdateSite(ctx context.Context, s Site, now time.Time) error {
	res, err := d.exec(ctx, d.q(`UPDATE sites SET name = ?, url = ?, timezone = ?, updated_at = ? WHERE id = ? AND account_id = ?`),
		s.Name, s.URL, s.Timezone, T(now), s.ID, s.AccountID)
	if err != nil {
		return fmt.Errorf("db: update site: %w", err)
	}
	return oneRow(res, ErrNotFound)
}

// GetSite loads a site of the account; another account's site is ErrNotFound.
func (d *DB) GetSite(ctx context.Context, accountID, siteID int64) (Site, error) {
	var s Site
	err := d.GetContext(ctx, &s, d.q(`SELECT * FROM sites WHERE id = ? AND account_id = ?`), siteID, accountID)
	return s, notFound(err)
}

// SiteByID loads a site without account scoping (background jobs only).
func (d *DB) SiteByID(ctx context.Context, siteID int64) (Site, error) {
	var s Site
	err := d.GetContext(ctx, &s, d.q(`SELECT * FROM sites WHERE id = ?`), siteID)
	return s, notFound(err)
}

// ListSites lists an account's sites by name.
func (d *DB) ListSites(ctx context.Context, accountID int64) ([]Site, error) {
	var out []Site
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM sites WHERE account_id = ? ORDER BY name, id`), accountID)
	return out, err
}
