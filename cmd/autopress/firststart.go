package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"autopress/db"
	"autopress/handlers/auth"
	"autopress/jobs"
)

const (
	// initialPasswordFile holds the first admin's generated password, like
	// Jenkins' initialAdminPassword, for whoever missed the log line.
	initialPasswordFile = "initial-admin-password"
	defaultAdminEmail   = "admin@example.com"
)

// credentials are the first admin's, when this start generated them.
type credentials struct {
	Email    string
	Password string
	File     string
}

// firstStart sets up an empty instance (admin, demo site) through
// seedInstance. When no ADMIN_PASSWORD is configured it generates the
// password here, so it can also be written to DATA_DIR/initial-admin-password
// (mode 0600) and shown in the start banner; it returns those credentials,
// or nil when the instance already had users or the password was configured.
func firstStart(ctx context.Context, d *db.DB, cfg Config, log *slog.Logger, now time.Time) (*credentials, error) {
	unlock, err := setupLock(ctx, d)
	if err != nil {
		return nil, err
	}
	defer unlock()
	n, err := d.CountUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("autopress: first start: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	email := cfg.AdminEmail
	if email == "" {
		email = defaultAdminEmail
	}
	if cfg.AdminPassword != "" {
		return nil, seedInstance(ctx, d, log, email, cfg.AdminPassword, now)
	}
	password := auth.RandomPassword()
	setupErr := seedInstance(ctx, d, log, email, password, now)
	// Record the password whenever it is the admin's, even if a later step
	// (the demo site) failed: the next start skips setup and could not tell
	// it again.
	u, err := d.UserByEmail(ctx, email)
	if err != nil || !auth.CheckPassword(u.PasswordHash, password) {
		if setupErr != nil {
			return nil, setupErr
		}
		return nil, nil
	}
	creds := &credentials{Email: u.Email, Password: password, File: filepath.Join(cfg.DataDir, initialPasswordFile)}
	if err := writeSecretFile(creds.File, password+"\n"); err != nil {
		log.Error("first start: cannot write the admin password file", "file", creds.File, "err", err)
		creds.File = ""
	}
	log.Warn("first start: generated the instance admin's password; change it after logging in and delete the file",
		"email", creds.Email, "password", creds.Password, "file", creds.File)
	return creds, setupErr
}

// writeSecretFile replaces path with a file readable by its owner only.
func writeSecretFile(path, content string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// setupLockKey names the advisory lock that serialises first starts.
const setupLockKey = "autopress:first-start"

// setupLock makes instances that start together on one PostgreSQL database
// set it up one at a time, so the second finds the first's admin instead of
// failing on a duplicate. SQLite needs nothing: its lock file already
// admits one server.
func setupLock(ctx context.Context, d *db.DB) (unlock func(), err error) {
	if d.Dialect != db.Postgres {
		return func() {}, nil
	}
	locker, err := jobs.NewPGLocker(d)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		l, err := locker.Lock(context.WithoutCancel(ctx), setupLockKey)
		if err == nil {
			return func() { l.Unlock(context.Background()) }, nil
		}
		if !errors.Is(err, jobs.ErrLocked) {
			return nil, fmt.Errorf("autopress: first start: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("autopress: first start: waiting for another instance to finish setting up: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// seedInstance creates the instance admin with the given email and password
// and a demo site with sample keywords; the caller checked that no user
// exists.
func seedInstance(ctx context.Context, d *db.DB, log *slog.Logger, email, password string, now time.Time) error {
	u, err := auth.CreateUser(ctx, d, "Demo account", email, password, true, now)
	if err != nil {
		return fmt.Errorf("autopress: first admin: %w", err)
	}
	log.Info("first start: created the instance admin", "email", u.Email)
	site, err := d.SeedDemoSite(ctx, u.AccountID, now)
	if err != nil {
		return fmt.Errorf("autopress: first start: %w", err)
	}
	log.Info("first start: created a demo site", "site_id", site.ID, "keywords", len(db.DemoKeywords))
	return nil
}
