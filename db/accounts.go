package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// SignupGrant is the credit grant every new account starts with.
const SignupGrant = 10000

// Account is a tenant: it owns users, sites and a credit balance.
type Account struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	Credits   int64     `db:"credits"`
	CreatedAt time.Time `db:"created_at"`
}

// User is a person who logs in to an account.
type User struct {
	ID           int64      `db:"id"`
	AccountID    int64      `db:"account_id"`
	Email        string     `db:"email"`
	PasswordHash string     `db:"password_hash"`
	IsAdmin      bool       `db:"is_admin"`
	CreatedAt    time.Time  `db:"created_at"`
	LastLoginAt  *time.Time `db:"last_login_at"`
	// Timezone is the IANA zone the user chose for the account and admin
	// pages; "" means the browser's.
	Timezone string `db:"timezone"`
}

// NormEmail is how emails are compared and stored.
func NormEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CreateAccountWithUser creates an account, its first user and the signup
// grant (a ledger row) in one transaction. ErrDuplicate when the email is taken.
func (d *DB) CreateAccountWithUser(ctx context.Context, accountName, email, passwordHash string, isAdmin bool, now time.Time) (User, error) {
	now = T(now)
	u := User{Email: NormEmail(email), PasswordHash: passwordHash, IsAdmin: isAdmin, CreatedAt: now}
	err := d.InTx(ctx, func(tx *sqlx.Tx) error {
		accID, err := insertID(ctx, tx, d.q(`INSERT INTO accounts (name, credits, created_at) VALUES (?, 0, ?)`), accountName, now)
		if err != nil {
			return fmt.Errorf("db: create account: %w", err)
		}
		u.AccountID = accID
		u.ID, err = insertID(ctx, tx, d.q(`INSERT INTO users (account_id, email, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?, ?)`),
			accID, u.Email, passwordHash, isAdmin, now)
		if err != nil {
			if isUnique(err) {
				return ErrDuplicate
			}
			return fmt.Errorf("db: create user: %w", err)
		}
		_, err = d.grantTx(ctx, tx, accID, SignupGrant, fmt.Sprintf("signup:%d", accID), "Welcome grant", now)
		return err
	})
	return u, err
}

// UserByEmail finds a user by email (case-insensitive).
func (d *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := d.GetContext(ctx, &u, d.q(`SELECT * FROM users WHERE email = ?`), NormEmail(email))
	return u, notFound(err)
}

// UserByID loads a user.
func (d *DB) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := d.GetContext(ctx, &u, d.q(`SELECT * FROM users WHERE id = ?`), id)
	return u, notFound(err)
}

// SetPassword replaces a user's password hash.
func (d *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	res, err := d.exec(ctx, d.q(`UPDATE users SET password_hash = ? WHERE id = ?`), hash, userID)
	if err != nil {
		return fmt.Errorf("db: set password: %w", err)
	}
	return oneRow(res, ErrNotFound)
}

// SetUserTimezone stores the user's time zone ("" = the browser's); the
// caller has checked that it names a zone.
func (d *DB) SetUserTimezone(ctx context.Context, userID int64, tz string) error {
	res, err := d.exec(ctx, d.q(`UPDATE users SET timezone = ? WHERE id = ?`), tz, userID)
	if err != nil {
		return fmt.Errorf("db: set user time zone: %w", err)
	}
	return oneRow(res, ErrNotFound)
}

// TouchLogin records a successful login.
func (d *DB) TouchLogin(ctx context.Context, userID int64, now time.Time) error {
	_, err := d.exec(ctx, d.q(`UPDATE users SET last_login_at = ? WHERE id = ?`), T(now), userID)
	return err
}

// CountUsers counts all users of the instance (first-start detection).
func (d *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := d.GetContext(ctx, &n, `SELECT COUNT(*) FROM users`)
	return n, err
}

// AccountByID loads an account.
func (d *DB) AccountByID(ctx context.Context, id int64) (Account, error) {
	var a Account
	err := d.GetContext(ctx, &a, d.q(`SELECT * FROM accounts WHERE id = ?`), id)
	return a, notFound(err)
}

// AccountSummary is a row of the admin's account list.
type AccountSummary struct {
	Account
	Users int `db:"users"`
	Sites int `db:"sites"`
}

// ListAccounts lists every account of the instance (admin pages).
func (d *DB) ListAccounts(ctx context.Context) ([]AccountSummary, error) {
	var out []AccountSummary
	err := d.SelectContext(ctx, &out, `SELECT a.*,
		(SELECT COUNT(*) FROM users u WHERE u.account_id = a.id) AS users,
		(SELECT COUNT(*) FROM sites s WHERE s.account_id = a.id) AS sites
		FROM accounts a ORDER BY a.id`)
	return out, err
}
