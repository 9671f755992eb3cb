package db

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/lib/pq"
)

// stmtCacheSize bounds the prepared statements kept per connection; the
// least recently used idle one is closed to make room.
const stmtCacheSize = 256

// cachingConnector opens the driver's connections wrapped in cachedConn:
// every statement with arguments is prepared once per connection and kept,
// instead of prepared, run and thrown away each time. On SQLite that saves
// compiling the statement (and the triggers it fires) — a quarter of the
// engine's CPU; on PostgreSQL lib/pq prepares in a round trip of its own
// before each run, which a kept statement saves.
type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachedConn{Conn: conn, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// cachedConn is a driver connection with its prepared statements kept by
// query text. database/sql uses a connection from one goroutine at a time,
// so it needs no lock; a statement is in use from its run until its rows
// are closed, and a query asked for again meanwhile (rows still open in
// the same transaction) gets a statement of its own.
type cachedConn struct {
	driver.Conn
	stmts map[string]*list.Element // of *cachedStmt
	lru   *list.List               // front: most recently used
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	busy  bool
}

var (
	_ driver.ExecerContext      = (*cachedConn)(nil)
	_ driver.QueryerContext     = (*cachedConn)(nil)
	_ driver.ConnBeginTx        = (*cachedConn)(nil)
	_ driver.ConnPrepareContext = (*cachedConn)(nil)
	_ driver.NamedValueChecker  = (*cachedConn)(nil)
	_ driver.Pinger             = (*cachedConn)(nil)
	_ driver.SessionResetter    = (*cachedConn)(nil)
	_ driver.Validator          = (*cachedConn)(nil)
)

// ExecContext runs query: without arguments as the driver does (scripts,
// migrations), with them through the kept statement.
func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	var res driver.Result
	cs, err := c.run(ctx, query, func(s driver.Stmt) (err error) {
		res, err = s.(driver.StmtExecContext).ExecContext(ctx, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.give(cs)
	return res, nil
}

// QueryContext is ExecContext for queries: the statement stays in use
// until the rows are closed.
func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	var rows driver.Rows
	cs, err := c.run(ctx, query, func(s driver.Stmt) (err error) {
		rows, err = s.(driver.StmtQueryContext).QueryContext(ctx, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &cachedRows{Rows: rows, c: c, cs: cs}, nil
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	c  *cachedConn
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.cs != nil {
		r.c.give(r.cs)
		r.cs = nil
	}
	return err
}

// run runs f with query's kept statement (prepared now if need be) and
// returns the statement, still in use, unless f failed. A plan PostgreSQL
// cached for a table whose columns changed since (a migration) is
// prepared again, once.
func (c *cachedConn) run(ctx context.Context, query string, f func(driver.Stmt) error) (*cachedStmt, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	err = f(cs.stmt)
	if err != nil && staleGeneric(err) {
		c.drop(cs)
		if cs, err = c.take(ctx, query); err != nil {
			return nil, err
		}
		err = f(cs.stmt)
	}
	if err != nil {
		c.give(cs)
		return nil, err
	}
	return cs, nil
}

// take returns query's idle kept statement, marked busy, or prepares one:
// kept when there is room (closing the least recently used idle one), or
// for this run only (busy already, or every kept one busy).
func (c *cachedConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		if !cs.busy {
			cs.busy = true
			c.lru.MoveToFront(e)
			return cs, nil
		}
	}
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, stmt: s, busy: true}
	if _, ok := c.stmts[query]; ok || !c.room() {
		return cs, nil // not kept: closed when given back
	}
	c.stmts[query] = c.lru.PushFront(cs)
	return cs, nil
}

// room makes room for one more kept statement, if it can.
func (c *cachedConn) room() bool {
	if c.lru.Len() < stmtCacheSize {
		return true
	}
	for e := c.lru.Back(); e != nil; e = e.Prev() {
		if cs := e.Value.(*cachedStmt); !cs.busy {
			c.drop(cs)
			return true
		}
	}
	return false
}

// give takes a statement back after its run: kept ones become idle,
// others are closed.
func (c *cachedConn) give(cs *cachedStmt) {
	if e, ok := c.stmts[cs.query]; ok && e.Value.(*cachedStmt) == cs {
		cs.busy = false
		return
	}
	cs.stmt.Close()
}

// drop closes a kept statement and forgets it.
func (c *cachedConn) drop(cs *cachedStmt) {
	if e, ok := c.stmts[cs.query]; ok && e.Value.(*cachedStmt) == cs {
		c.lru.Remove(e)
		delete(c.stmts, cs.query)
	}
	cs.stmt.Close()
}

// staleGeneric reports PostgreSQL's refusal to run a kept statement whose
// result columns changed with the schema.
func staleGeneric(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "0A000" && strings.Contains(pe.Message, "cached plan must not change result type")
}

// Close closes the kept statements, then the connection.
func (c *cachedConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.stmts, c.lru = map[string]*list.Element{}, list.New()
	return c.Conn.Close()
}

// The rest is the driver's own.

func (c *cachedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *cachedConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachedConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
