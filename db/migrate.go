package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// MigrationProvider builds a goose provider for this database's dialect. PostgreSQL
// migrations run under goose's session locker, so several instances starting
// at once migrate one after the other.
func (d *DB) MigrationProvider() (*goose.Provider, error) {
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite3"
	var opts []goose.ProviderOption
	if d.Dialect == Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("db: migration locker: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, d.write.DB, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return p, nil
}

// SchemaVersions returns the database's schema version and the newest one
// this binary knows.
func (d *DB) SchemaVersions(ctx context.Context) (current, known int64, err error) {
	p, err := d.MigrationProvider()
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		known = srcs[len(srcs)-1].Version
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, known, fmt.Errorf("db: schema version: %w", err)
	}
	return current, known, nil
}

// Migrate brings the schema up to date. It refuses to touch a database whose
// schema is newer than this binary knows (ErrSchemaTooNew).
func (d *DB) Migrate(ctx context.Context) error {
	current, known, err := d.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	if current > known {
		return fmt.Errorf("%w (database at %d, binary knows %d)", ErrSchemaTooNew, current, known)
	}
	p, err := d.MigrationProvider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate up: %w", err)
	}
	return nil
}

// CheckSchema reports whether the schema is exactly what this binary knows
// (for /readyz and for refusing to serve on a newer schema).
func (d *DB) CheckSchema(ctx context.Context) error {
	current, known, err := d.SchemaVersions(ctx)
	if err != nil {
		return err
	}
	if current > known {
		return fmt.Errorf("%w (database at %d, binary knows %d)", ErrSchemaTooNew, current, known)
	}
	if current < known {
		return fmt.Errorf("db: schema at version %d, %d pending", current, known-current)
	}
	return nil
}
