package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"autopress/db"
	"autopress/handlers/auth"
)

// config loads the configuration and a logger writing to stderr.
func (c cli) config() (Config, *slog.Logger, error) {
	cfg, err := loadConfig(c.getenv)
	if err != nil {
		return cfg, nil, err
	}
	return cfg, newLogger(cfg, c.stderr), nil
}

// openDB creates the data directory and opens the database.
func openDB(ctx context.Context, cfg Config) (*db.DB, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("autopress: create DATA_DIR: %w", err)
	}
	return db.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
}

// migrateDB brings the schema up to date, refusing a schema newer than this
// binary with advice on what to do.
func migrateDB(ctx context.Context, d *db.DB) error {
	err := d.Migrate(ctx)
	if errors.Is(err, db.ErrSchemaTooNew) {
		return fmt.Errorf("%w; run the newer autopress, or restore the backup taken before the upgrade", err)
	}
	return err
}

// openMigrated is openDB followed by migrateDB.
func openMigrated(ctx context.Context, cfg Config) (*db.DB, error) {
	d, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := migrateDB(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// usage reports a mistake in a command's arguments, then its usage.
func (c cli) usage(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(c.stderr, format+"\n", args...)
	fs.Usage()
	return errUsage
}

// open reads the configuration and opens the database (migrated when
// migrated is set), for the commands that work on it.
func (c cli) open(ctx context.Context, migrated bool) (*db.DB, *slog.Logger, error) {
	cfg, log, err := c.config()
	if err != nil {
		return nil, nil, err
	}
	var d *db.DB
	if migrated {
		d, err = openMigrated(ctx, cfg)
	} else {
		d, err = openDB(ctx, cfg)
	}
	return d, log, err
}

// migrate applies pending migrations, or with "status" prints the versions.
func (c cli) migrate(ctx context.Context, args []string) error {
	fs := c.flagSet("migrate", "migrate [status]")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	status := false
	switch fs.Arg(0) {
	case "":
	case "status":
		status = true
	default:
		return c.usage(fs, "autopress migrate: unknown argument %q", fs.Arg(0))
	}
	d, log, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer d.Close()
	if !status {
		if err := migrateDB(ctx, d); err != nil {
			return err
		}
	}
	current, known, err := d.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	if status {
		fmt.Fprintf(c.stdout, "database:      %s\nschema:        %d\nbinary knows:  %d\n", d.Dialect, current, known)
		switch {
		case current < known:
			fmt.Fprintf(c.stdout, "state:         %d migration(s) pending; run: autopress migrate\n", known-current)
		case current > known:
			fmt.Fprintln(c.stdout, "state:         the database is newer than this binary; upgrade autopress")
		default:
			fmt.Fprintln(c.stdout, "state:         up to date")
		}
		return nil
	}
	log.Info("schema up to date", "database", d.Dialect, "version", current)
	return nil
}

// createAdmin creates an instance admin with an account of its own.
func (c cli) createAdmin(ctx context.Context, args []string) error {
	fs := c.flagSet("create-admin", "create-admin --email E [--password P]")
	email := fs.String("email", "", "the admin's email (required)")
	password := fs.String("password", "", `the password; empty generates one, "-" reads a line from stdin`)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *email == "" {
		return c.usage(fs, "autopress create-admin: --email is required")
	}
	generated := false
	switch *password {
	case "":
		*password, generated = auth.RandomPassword(), true
	case "-":
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("autopress: read password from stdin: %w", err)
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	d, _, err := c.open(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := auth.CreateUser(ctx, d, "", *email, *password, true, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created instance admin %s (user %d, account %d)\n", u.Email, u.ID, u.AccountID)
	if generated {
		fmt.Fprintf(c.stdout, "password: %s\n(shown only once)\n", *password)
	}
	return nil
}

// createToken prints a new API token for a user. Only the token goes to
// stdout, so scripts can capture it: TOKEN=$(autopress create-token …).
func (c cli) createToken(ctx context.Context, args []string) error {
	fs := c.flagSet("create-token", "create-token --email E --name N")
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "", "a label to recognise the token by (required)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *email == "" || strings.TrimSpace(*name) == "" {
		return c.usage(fs, "autopress create-token: --email and --name are required")
	}
	d, _, err := c.open(ctx, true)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.UserByEmail(ctx, *email)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("autopress: no user with email %s", db.NormEmail(*email))
	}
	if err != nil {
		return err
	}
	plain, hash, prefix := auth.NewAPIToken()
	tok, err := d.CreateToken(ctx, db.APIToken{AccountID: u.AccountID, UserID: u.ID, Name: strings.TrimSpace(*name), TokenHash: hash, Prefix: prefix, CreatedAt: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "created API token %d %q for %s; it is shown only once:\n", tok.ID, tok.Name, u.Email)
	fmt.Fprintln(c.stdout, plain)
	return nil
}
