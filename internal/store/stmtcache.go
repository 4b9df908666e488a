package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// The SQLite driver parses every statement it is given, each time:
// database/sql only reuses a prepared statement when the caller holds a
// *sql.Stmt. Parsing was 30–45 % of the CPU of a billing run and of the
// API benchmarks on SQLite. cachingDriver keeps each connection's prepared
// statements by SQL text and executes the cached one, so a query is
// compiled once per connection. (PostgreSQL needs nothing: pgx caches
// prepared statements per connection itself.)

const sqliteCached = "sqlite-stmtcache"

// maxCachedStmts bounds a connection's cache: list filters build many
// distinct query texts; past the bound, statements run uncached.
const maxCachedStmts = 512

func init() { sql.Register(sqliteCached, cachingDriver{}) }

type cachingDriver struct{}

func (cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := (&sqlite.Driver{}).Open(name)
	if err != nil {
		return nil, err
	}
	return &cachedConn{inner: c, stmts: map[string]*cachedStmt{}}, nil
}

// innerConn is what the sqlite driver's connection implements.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachedStmt struct {
	st interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool // rows of a query are open on it
}

// cachedConn is used by one goroutine at a time (database/sql's rule), so
// its map needs no lock.
type cachedConn struct {
	inner driver.Conn
	stmts map[string]*cachedStmt
}

func (c *cachedConn) conn() innerConn { return c.inner.(innerConn) }

func (c *cachedConn) Prepare(query string) (driver.Stmt, error) { return c.inner.Prepare(query) }
func (c *cachedConn) Begin() (driver.Tx, error) {
	return c.conn().BeginTx(context.Background(), driver.TxOptions{})
}
func (c *cachedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn().BeginTx(ctx, opts)
}
func (c *cachedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn().PrepareContext(ctx, query)
}
func (c *cachedConn) Ping(ctx context.Context) error         { return c.conn().Ping(ctx) }
func (c *cachedConn) ResetSession(ctx context.Context) error { return c.conn().ResetSession(ctx) }
func (c *cachedConn) IsValid() bool                          { return c.conn().IsValid() }

func (c *cachedConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.st.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.inner.Close())
	return errors.Join(errs...)
}

// cached returns the prepared statement of query, preparing it on first
// use; nil when the query must run uncached (cache full, or its statement
// still has open rows).
func (c *cachedConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.conn().PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		st.Close()
		return nil, nil
	}
	s := &cachedStmt{st: full}
	c.stmts[query] = s
	return s, nil
}

func (c *cachedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn().ExecContext(ctx, query, args)
	}
	return s.st.ExecContext(ctx, args)
}

func (c *cachedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn().QueryContext(ctx, query, args)
	}
	rows, err := s.st.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

// cachedRows frees its statement for reuse when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	r.s.busy = false
	return r.Rows.Close()
}
