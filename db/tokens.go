package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// APIToken is a bearer token for /api/v1; only its SHA-256 is stored.
type APIToken struct {
	ID         int64      `db:"id"`
	AccountID  int64      `db:"account_id"`
	UserID     int64      `db:"user_id"`
	Name       string     `db:"name"`
	TokenHash  string     `db:"token_hash"`
	Prefix     string     `db:"prefix"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// CreateToken stores a token's hash.
func (d *DB) CreateToken(ctx context.Context, t APIToken) (APIToken, error) {
	t.CreatedAt = T(t.CreatedAt)
	var id int64
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		id, err = insertID(ctx, tx, d.q(`INSERT INTO api_tokens (account_id, user_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			t.AccountID, t.UserID, t.Name, t.TokenHash, t.Prefix, t.CreatedAt)
		return err
	})
	if err != nil {
		return t, fmt.Errorf("db: create token: %w", err)
	}
	t.ID = id
	return t, nil
}

// ListTokens lists an account's tokens, newest first.
func (d *DB) ListTokens(ctx context.Context, accountID int64) ([]APIToken, error) {
	var out []APIToken
	err := d.SelectContext(ctx, &out, d.q(`SELECT * FROM api_tokens WHERE account_id = ? ORDER BY id DESC`), accountID)
	return out, err
}

// RevokeToken revokes one of the account's tokens.
func (d *DB) RevokeToken(ctx context.Context, accountID, id int64, now time.Time) error {
	res, err := d.exec(ctx, d.q(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL`), T(now), id, accountID)
	if err != nil {
		return fmt.Errorf("db: revoke token: %w", err)
	}
	return oneRow(res, ErrNotFound)
}

// tokenTouchEvery is how stale a token's last use may be before a request
// records it again: a write per minute and token, not one per request.
const tokenTouchEvery = time.Minute

// TokenUser finds the user behind an unrevoked token hash and marks it used
// (at most once per tokenTouchEvery).
func (d *DB) TokenUser(ctx context.Context, hash string, now time.Time) (User, error) {
	var row struct {
		User
		TokenLastUsedAt *time.Time `db:"token_last_used_at"`
	}
	err := d.GetContext(ctx, &row, d.q(`SELECT u.*, t.last_used_at AS token_last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL`), hash)
	if err != nil {
		return row.User, notFound(err)
	}
	if row.TokenLastUsedAt == nil || now.Sub(*row.TokenLastUsedAt) >= tokenTouchEvery {
		// Best effort: a failed touch must not fail the request.
		d.exec(ctx, d.q(`UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?`), T(now), hash)
	}
	return row.User, nil
}
