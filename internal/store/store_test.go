package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
)

// Several nodes starting at once against one empty database: every
// migrator succeeds and the schema is applied once.
func TestConcurrentMigrations(t *testing.T) {
	urls := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "c.db")}
	if base := apitest.PostgresURL(); base != "" {
		schema := "t_" + strings.ToLower(id.Random(12))
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); admin.Close() })
		u, _ := url.Parse(base)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		urls["postgres"] = u.String()
	} else {
		t.Log("COBRO_TEST_DATABASE_URL is not set: PostgreSQL half skipped")
	}
	for name, dbURL := range urls {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make([]error, 4)
			applied := make([]int, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := store.Open(ctx, dbURL)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					lines, err := db.Migrate(ctx)
					errs[i], applied[i] = err, len(lines)
				}()
			}
			wg.Wait()
			total := 0
			for i, err := range errs {
				if err != nil {
					t.Fatalf("node %d: %v", i, err)
				}
				total += applied[i]
			}
			db, err := store.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			pending, err := db.Pending(ctx)
			if err != nil || pending {
				t.Fatalf("pending=%v err=%v", pending, err)
			}
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM customers`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if total == 0 {
				t.Fatal("no node applied the migrations")
			}
		})
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://x")
	if err == nil || !strings.Contains(err.Error(), "unsupported database URL") {
		t.Fatalf("err = %v", err)
	}
	_, err = store.Open(context.Background(), "postgres://u:secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("password leaked or no error: %v", err)
	}
}

// A directory name with '#' or '?' must not cut the SQLite URI (it would
// drop busy_timeout and WAL and open another file).
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%d")
	path := filepath.Join(dir, "x.db")
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v)", mode, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at its path: %v", err)
	}
}
