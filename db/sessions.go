package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// SessionStore keeps the web sessions (an scs store): lookups on the read
// pool, writes through InTx like every other write. On SQLite the expiry
// is a julian day (the table scs's sqlite3store created), on PostgreSQL a
// TIMESTAMPTZ.
type SessionStore struct{ d *DB }

// Sessions returns the database's session store.
func (d *DB) Sessions() *SessionStore { return &SessionStore{d: d} }

// expiry is the SQL for a session expiry given as a parameter.
func (s *SessionStore) expiry() string {
	if s.d.Dialect == SQLite {
		return "julianday(?)"
	}
	return "?"
}

func (s *SessionStore) expiryArg(t time.Time) any {
	if s.d.Dialect == SQLite {
		return t.UTC().Format("2006-01-02T15:04:05.999")
	}
	return T(t)
}

// FindCtx returns a session's data; found is false for a missing or
// expired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.d.GetContext(ctx, &b, s.d.q(`SELECT data FROM sessions WHERE token = ? AND expiry > `+s.expiry()), token, s.expiryArg(time.Now()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("db: find session: %w", err)
	}
	return b, true, nil
}

// CommitCtx stores a session's data and expiry.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := s.d.exec(ctx, s.d.q(`INSERT INTO sessions (token, data, expiry) VALUES (?, ?, `+s.expiry()+`)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`), token, b, s.expiryArg(expiry))
	if err != nil {
		return fmt.Errorf("db: commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	if _, err := s.d.exec(ctx, s.d.q(`DELETE FROM sessions WHERE token = ?`), token); err != nil {
		return fmt.Errorf("db: delete session: %w", err)
	}
	return nil
}

// Find is FindCtx without a context (scs's Store interface).
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context (scs's Store interface).
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete is DeleteCtx without a context (scs's Store interface).
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteExpired removes expired sessions and returns how many.
func (s *SessionStore) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.d.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM sessions WHERE expiry <= `+s.expiry()), s.expiryArg(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("db: delete expired sessions: %w", err)
	}
	return n, nil
}
