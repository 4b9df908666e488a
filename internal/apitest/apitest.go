// Package apitest runs HTTP-level tests against a real Cobro server on both
// databases: SQLite (always) and PostgreSQL (COBRO_TEST_DATABASE_URL; each
// test gets its own schema so tests can run in parallel).
package apitest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Env is one running server with its database.
type Env struct {
	T      testing.TB
	URL    string
	DB     *store.DB
	Server *api.Server
	Clock  *clock.Fake
	// App is the application the server runs (internal/app).
	App *app.App
	// Webhooks is the server's delivery worker and Jobs the runner of all
	// background work. The runner is not started: tests deliver with
	// Webhooks.RunOnce (or run Jobs) when they choose.
	Webhooks *webhook.Worker
	Jobs     *jobs.Runner
	// Resolver answers the server's DNS lookups of webhook URLs.
	Resolver *Resolver
}

// Resolver is a fake DNS: host → addresses set by the test; other hosts
// do not resolve. Safe for concurrent use.
type Resolver struct {
	mu    sync.Mutex
	hosts map[string][]string
}

// Set makes host resolve to ips.
func (r *Resolver) Set(host string, ips ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hosts == nil {
		r.hosts = map[string][]string{}
	}
	r.hosts[strings.ToLower(host)] = ips
}

// LookupIPAddr implements webhook.Resolver.
func (r *Resolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	ips := r.hosts[strings.ToLower(host)]
	r.mu.Unlock()
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, 0, len(ips))
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("fake resolver: bad address %q for %s", s, host)
		}
		out = append(out, net.IPAddr{IP: ip})
	}
	return out, nil
}

// PostgresURL is the test server URL, or "".
func PostgresURL() string { return os.Getenv("COBRO_TEST_DATABASE_URL") }

// Each runs fn once on SQLite and once on PostgreSQL, as parallel subtests.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e := New(t, dialect)
			fn(t, e)
		})
	}
}

// OpenDB opens a fresh, migrated, seeded database of the dialect.
func OpenDB(t testing.TB, dialect string) *store.DB {
	t.Helper()
	ctx := context.Background()
	var dbURL string
	switch dialect {
	case "sqlite":
		dbURL = "sqlite:" + filepath.Join(t.TempDir(), "cobro.db")
	case "postgres":
		base := PostgresURL()
		if base == "" {
			t.Skip("COBRO_TEST_DATABASE_URL is not set: skipping the PostgreSQL half (CI always sets it)")
		}
		schema := "t_" + strings.ToLower(id.Random(12))
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dbURL = u.String()
	default:
		t.Fatalf("unknown dialect %q", dialect)
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := catalog.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

// New starts a server on a fresh database of the dialect.
func New(t testing.TB, dialect string) *Env {
	t.Helper()
	return NewWith(t, dialect, nil)
}

// NewWith is New with the application's configuration adjusted first
// (a fake tax agency, say).
func NewWith(t testing.TB, dialect string, configure func(*app.Config)) *Env {
	t.Helper()
	db := OpenDB(t, dialect)
	fake := clock.NewFake(time.Date(2026, 6, 2, 14, 15, 0, 0, time.UTC))
	resolver := &Resolver{}
	// Rate limits are off here (suites send bursts); TestRateLimit turns them on.
	// COBRO_TEST_LOG=1 shows the server's log (internal errors) in the test output.
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("COBRO_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg := app.Config{DB: db, Clock: fake, Version: "test", SecretKey: []byte("test-secret"), Resolver: resolver, RatePerToken: -1, Logger: logger}
	if configure != nil {
		configure(&cfg)
	}
	a := app.New(cfg)
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(ts.Close)
	return &Env{T: t, URL: ts.URL, DB: db, App: a, Server: a.Server, Clock: fake, Webhooks: a.Webhooks, Jobs: a.Jobs, Resolver: resolver}
}

// Client calls the API as one user in one workspace and mode.
type Client struct {
	e         *Env
	Token     string
	Workspace string
	User      string
	TestMode  bool
	Header    http.Header // extra headers on every request
}

// Workspace creates a workspace of the country with its user and token.
func (e *Env) Workspace(country string) *Client {
	e.T.Helper()
	c, err := workspace.Create(context.Background(), e.DB, "Test "+country, country, "owner@example.com", e.Clock.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	return &Client{e: e, Token: c.Token, Workspace: c.Workspace, User: c.User, Header: http.Header{}}
}

// Anonymous calls without any auth header.
func (e *Env) Anonymous() *Client { return &Client{e: e, Header: http.Header{}} }

// Test returns a copy of the client acting in test mode.
func (c *Client) Test() *Client {
	cp := *c
	cp.TestMode = true
	cp.Header = c.Header.Clone()
	return &cp
}

// Resp is a response.
type Resp struct {
	T      testing.TB
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r *Resp) JSON() map[string]any {
	r.T.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		r.T.Fatalf("response is not a JSON object (%d): %s", r.Status, r.Body)
	}
	return m
}

// Expect fails the test unless the status matches; it returns the object.
func (r *Resp) Expect(status int) map[string]any {
	r.T.Helper()
	if r.Status != status {
		r.T.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON()
}

// ExpectBody fails unless status and the JSON body (compared as JSON) match.
func (r *Resp) ExpectBody(status int, want string) {
	r.T.Helper()
	if r.Status != status {
		r.T.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if !JSONEqual(r.Body, []byte(want)) {
		r.T.Fatalf("body\n got: %s\nwant: %s", r.Body, want)
	}
}

// JSONEqual compares two JSON texts as values (numbers compared exactly as text).
func JSONEqual(a, b []byte) bool {
	var va, vb any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// Do sends a request. body may be nil, a string (sent as is, JSON) or any
// value (JSON-encoded).
func (c *Client) Do(method, path string, body any, header ...string) *Resp {
	c.e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.URL+path, rd)
	if err != nil {
		c.e.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Token "+c.Token)
	}
	if c.Workspace != "" {
		req.Header.Set("x-simple-workspace", c.Workspace)
	}
	if c.TestMode {
		req.Header.Set("x-piriod-test-mode", "true")
	}
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.e.T.Fatal(err)
	}
	return &Resp{T: c.e.T, Status: res.StatusCode, Header: res.Header, Body: b}
}

func (c *Client) Get(path string) *Resp                    { c.e.T.Helper(); return c.Do("GET", path, nil) }
func (c *Client) Post(path string, body any) *Resp         { c.e.T.Helper(); return c.Do("POST", path, body) }
func (c *Client) Patch(path string, body any) *Resp        { c.e.T.Helper(); return c.Do("PATCH", path, body) }
func (c *Client) Delete(path string) *Resp                 { c.e.T.Helper(); return c.Do("DELETE", path, nil) }
func (c *Client) Put(path string, body any) *Resp          { c.e.T.Helper(); return c.Do("PUT", path, body) }
func (c *Client) Postf(body any, f string, a ...any) *Resp { return c.Post(fmt.Sprintf(f, a...), body) }

// Str reads a string field of a decoded object.
func Str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// Num renders a decoded JSON number (json.Number) or other value as text.
func Num(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return fmt.Sprint(v)
}
