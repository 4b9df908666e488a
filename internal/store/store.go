// Package store opens Cobro's database (SQLite or PostgreSQL through one
// database/sql code path), runs the embedded goose migrations and holds the
// few places where the two SQL dialects differ.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers "sqlite"
)

//go:embed migrations
var migrations embed.FS

// Querier is what both *sql.DB and *sql.Tx offer; store functions take it so
// reads can run outside a transaction and writes inside one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open Cobro database.
type DB struct {
	*sql.DB
	Dialect Dialect
	url     string
	path    string // SQLite file
	// writeMu queues this process's SQLite writers in Go. SQLite allows
	// one writer; without it, waiting writers poll in SQLite's busy
	// handler with sleeps of up to 100 ms, which shows up as second-long
	// tail latencies. Other processes still queue on busy_timeout.
	writeMu sync.Mutex
}

// DefaultURL is the embedded default database: a SQLite file in the
// working directory.
const DefaultURL = "sqlite:cobro.db"

// Open connects to the database named by rawURL: "sqlite:PATH" or
// "postgres://…" / "postgresql://…". It does not migrate.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	var (
		sqlDB *sql.DB
		d     Dialect
		err   error
	)
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		d = Dialect{Postgres: true}
		sqlDB, err = sql.Open("pgx", withoutJIT(rawURL))
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(rawURL, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, errors.New("sqlite URL needs a file path, e.g. sqlite:cobro.db")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		// WAL lets readers run beside the single writer; _txlock=immediate
		// takes the write lock at BEGIN so two writers queue on busy_timeout
		// instead of failing with SQLITE_BUSY on lock upgrade.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
		sqlDB, err = sql.Open(sqliteCached, "file:"+uriPath(path)+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	default:
		return nil, fmt.Errorf("unsupported database URL %q: use sqlite:PATH or postgres://…", redact(rawURL))
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		err = sqlDB.PingContext(pingCtx)
		// A new SQLite connection sets journal_mode(WAL), which can answer
		// SQLITE_BUSY at once (without busy_timeout) while another process
		// migrates the same file: try again until the ping deadline.
		if err == nil || d.Postgres || !strings.Contains(err.Error(), "SQLITE_BUSY") || pingCtx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(rawURL), err)
	}
	db := &DB{DB: sqlDB, Dialect: d, url: rawURL}
	if !d.Postgres {
		db.path = strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
	}
	return db, nil
}

// uriPath escapes a file path for a SQLite "file:" URI: a '#' or '?' in
// a directory name would otherwise end the path and drop the parameters
// (busy_timeout, WAL) silently.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "#", "%23", "?", "%3f").Replace(p)
}

// withoutJIT turns PostgreSQL's JIT compilation off for Cobro's sessions
// unless the URL sets jit: JIT compiles any statement whose estimate
// passes jit_above_cost, and at a million invoices a list's count paid
// seconds of compilation for milliseconds of execution.
func withoutJIT(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL // the driver reports it
	}
	q := u.Query()
	if q.Has("jit") {
		return rawURL
	}
	q.Set("jit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// redact hides a password in a database URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Redacted returns the database URL without its password.
func (db *DB) Redacted() string { return redact(db.url) }

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+db.Dialect.Name())
	if err != nil {
		return nil, err
	}
	if db.Dialect.Postgres {
		// The session (advisory) lock makes concurrent start-ups of several
		// nodes safe: one migrates, the others wait and then find nothing to do.
		// The lock id is per search_path so test schemas migrate in parallel.
		opts := []lock.SessionLockerOption{lock.WithLockTimeout(1, 600)}
		if u, err := url.Parse(db.url); err == nil {
			if sp := u.Query().Get("search_path"); sp != "" {
				h := fnv.New64a()
				h.Write([]byte(sp))
				opts = append(opts, lock.WithLockID(int64(h.Sum64()>>1)))
			}
		}
		locker, err := lock.NewPostgresSessionLocker(opts...)
		if err != nil {
			return nil, err
		}
		return goose.NewProvider(goose.DialectPostgres, db.DB, sub, goose.WithSessionLocker(locker))
	}
	// SQLite: goose runs each migration in an immediate transaction, which
	// serialises concurrent migrators on the file lock.
	return goose.NewProvider(goose.DialectSQLite3, db.DB, sub)
}

// Migrate applies pending migrations and returns one line per migration applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	if !db.Dialect.Postgres {
		unlock, err := db.sqliteMigrationLock(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	res, err := p.Up(ctx)
	var lines []string
	for _, r := range res {
		lines = append(lines, fmt.Sprintf("migrated %s (%s)", r.Source.Path, r.Duration.Round(time.Millisecond)))
	}
	if err != nil {
		return lines, fmt.Errorf("migrate: %w", err)
	}
	return lines, nil
}

// sqliteMigrationLock serialises migrators of one SQLite file across
// processes. goose reads the version before it writes, so two processes
// starting at once would both try to apply migration 1. An IMMEDIATE
// transaction on a side file is a cross-process mutex that waits on
// busy_timeout; it cannot be the database file itself, or goose's own
// writes would wait on it.
func (db *DB) sqliteMigrationLock(ctx context.Context) (func(), error) {
	lockDB, err := sql.Open("sqlite", "file:"+uriPath(db.path+".migrate-lock")+"?_pragma=busy_timeout(120000)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	tx, err := lockDB.BeginTx(ctx, nil)
	if err != nil {
		lockDB.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	return func() { _ = tx.Rollback(); _ = lockDB.Close() }, nil
}

// Pending reports whether migrations remain to be applied (for /readyz).
func (db *DB) Pending(ctx context.Context) (bool, error) {
	p, err := db.provider()
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

// InTx runs fn in one transaction, committing when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if !db.Dialect.Postgres {
		db.writeMu.Lock()
		defer db.writeMu.Unlock()
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Scanner is a row being read (*sql.Row and *sql.Rows).
type Scanner interface{ Scan(dest ...any) error }

// Collect runs query and reads every row with scan, in order (nil when
// there is none); the rows are closed before it returns.
func Collect[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		v, err := scan(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rs.Err()
}

// Strings runs a query of one text column and returns its values in order.
func Strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	return Collect(ctx, q, ScanString, query, args...)
}

// ScanString reads a row of one text column.
func ScanString(r Scanner) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}
