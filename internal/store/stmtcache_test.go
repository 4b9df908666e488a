package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache must be invisible: the same query run again while
// its rows are still open (nested), more distinct queries than the cache
// holds, a failing statement reused, and scripts of several statements.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // everything on one connection, one cache
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (n INTEGER PRIMARY KEY); CREATE TABLE u (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
			t.Fatal(err)
		}
	}
	// the script above created both tables
	if _, err := db.ExecContext(ctx, `INSERT INTO u (n) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	const q = `SELECT n FROM t WHERE n >= $1 ORDER BY n`
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for outer.Next() {
		var n int
		if err := outer.Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, q, n) // same text while the outer rows are open
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			var m int
			inner.Scan(&m)
			sum += m
		}
		inner.Close()
	}
	outer.Close()
	tx.Commit()
	if sum != 1+2+3+2+3+3 {
		t.Errorf("nested sum %d", sum)
	}
	// a constraint failure on a cached statement leaves it usable
	if _, err := db.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, 1); err == nil {
		t.Error("duplicate key accepted")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, 4); err != nil {
		t.Errorf("reuse after failure: %v", err)
	}
	// more distinct statements than the cache holds
	for i := 0; i < maxCachedStmts+20; i++ {
		var n int
		if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM t`, i)).Scan(&n); err != nil || n != 4+i {
			t.Fatalf("query %d: %d %v", i, n, err)
		}
	}
}
