// Package jobs wires autopress's background work into gocron: the scheduler,
// the PostgreSQL locker that lets several instances share it, and Register,
// through which the other packages add their periodic jobs.
package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-co-op/gocron/v2"

	"autopress/db"
)

// ErrLocked is returned by PGLocker.Lock when another instance holds the
// job's lock: gocron then skips this run of the job here.
var ErrLocked = errors.New("jobs: lock held by another instance")

// PGLocker is a gocron distributed locker on PostgreSQL transaction-level
// advisory locks. A lock lives in an open transaction, so rolling it back
// releases the lock and nothing leaks into a pooled connection, even when the
// process dies mid-job (the server ends the session).
type PGLocker struct {
	db *db.DB
}

var _ gocron.Locker = (*PGLocker)(nil)

// NewPGLocker returns a locker on d, which must be a PostgreSQL database.
func NewPGLocker(d *db.DB) (*PGLocker, error) {
	if d.Dialect != db.Postgres {
		return nil, fmt.Errorf("jobs: advisory locks need PostgreSQL, not %s", d.Dialect)
	}
	return &PGLocker{db: d}, nil
}

// Lock takes the advisory lock named key without waiting. It returns
// ErrLocked when another holder has it.
func (l *PGLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	lock, ok, err := l.db.TryAdvisoryLock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("jobs: lock %s: %w", key, err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrLocked, key)
	}
	return pgLock{lock}, nil
}

// pgLock is a held advisory lock.
type pgLock struct{ *db.AdvisoryLock }

// Unlock releases the lock.
func (l pgLock) Unlock(context.Context) error { return l.Release() }
