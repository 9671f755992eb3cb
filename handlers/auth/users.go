package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"autopress/db"
)

// CreateUser validates and creates an account with its first user (and the
// signup credit grant).
func CreateUser(ctx context.Context, d *db.DB, accountName, email, password string, admin bool, now time.Time) (db.User, error) {
	email = db.NormEmail(email)
	if !strings.Contains(email, "@") || len(email) > 254 {
		return db.User{}, fmt.Errorf("auth: %q is not an email address", email)
	}
	if len(password) < MinPasswordLen {
		return db.User{}, fmt.Errorf("auth: password must be at least %d characters", MinPasswordLen)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return db.User{}, err
	}
	if accountName == "" {
		accountName = email
	}
	u, err := d.CreateAccountWithUser(ctx, accountName, email, hash, admin, now)
	if errors.Is(err, db.ErrDuplicate) {
		return u, fmt.Errorf("auth: a user with email %s already exists", email)
	}
	return u, err
}
