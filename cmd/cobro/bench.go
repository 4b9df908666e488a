package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/jackc/pgx/v5"
)

// benchScenario runs one scenario against a ready bench environment and
// returns the summary pairs printed after "bench" on the last line.
type benchScenario func(b *benchEnv) ([]kv, error)

// benchSpec is one registered scenario.
type benchSpec struct {
	run benchScenario
	// inProcess scenarios measure Cobro code in this process, with no
	// database and no server, on one goroutine: they take --duration and
	// --warmup only, and their summary has no db= or clients=.
	inProcess bool
	// parallel in-process scenarios run on GOMAXPROCS goroutines.
	parallel bool
}

// benchScenarios lists the scenarios of docs/operations.md#4-benchmarks built so far.
var benchScenarios = map[string]benchSpec{
	"billing":   {run: benchBilling},
	"customers": {run: benchCustomers},
	"dte":       {run: benchDTE, inProcess: true, parallel: true},
	"invoices":  {run: benchInvoices},
	"lists":     {run: benchLists},
	"mixed":     {run: benchMixed},
	"pdf":       {run: benchPDF, inProcess: true},
	"usages":    {run: benchUsages},
	"webhooks":  {run: benchWebhooks},
}

func benchScenarioNames() string {
	names := make([]string, 0, len(benchScenarios))
	for n := range benchScenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (e *env) benchUsage() {
	fmt.Fprintf(e.stderr, "usage: cobro bench SCENARIO [--db URL] [--clients N] [--duration D] [--warmup D]\n       cobro bench pdf [--duration D] [--warmup D]\nscenarios: %s\n", benchScenarioNames())
}

// bench is `cobro bench SCENARIO [flags]` (docs/operations.md#4-benchmarks).
func (e *env) bench(args []string) int {
	if len(args) == 0 {
		e.benchUsage()
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		e.benchUsage()
		return exitOK
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(e.stderr, "cobro bench: the scenario comes first, before %s\n", args[0])
		e.benchUsage()
		return exitUsage
	}
	name := args[0]
	scenario, ok := benchScenarios[name]
	if !ok {
		fmt.Fprintf(e.stderr, "cobro bench: unknown scenario %q; known scenarios: %s\n", name, benchScenarioNames())
		return exitUsage
	}

	fs := e.flags("bench " + name)
	dbURL, clients := new(string), new(int)
	if scenario.inProcess {
		*clients = 1
	} else {
		dbURL = fs.String("db", e.getenv("COBRO_BENCH_DATABASE_URL"),
			"database to benchmark (env COBRO_BENCH_DATABASE_URL; never COBRO_DATABASE_URL): postgres://… runs in a fresh schema dropped afterwards; sqlite:PATH keeps its rows; default a temporary SQLite file")
		clients = fs.Int("clients", 32, "concurrent clients")
	}
	subs, invoices, processes := new(int), new(int), new(int)
	if name == "billing" {
		subs = fs.Int("subscriptions", 10000, "due subscriptions to seed and bill")
		processes = fs.Int("processes", 0, "bill with this many `cobro bill` processes instead of --clients runners in the bench process")
	}
	reuse := new(bool)
	if name == "lists" {
		invoices = fs.Int("invoices", 100000, "invoices to seed in the workspace")
		reuse = fs.Bool("reuse", false, "keep the seeded invoices for later runs and reuse them: on PostgreSQL in the schema bench_lists_N (never dropped), on a sqlite:PATH file in place")
	}
	duration := fs.Duration("duration", 5*time.Second, "measured time of each phase")
	warmup := fs.Duration("warmup", time.Second, "unmeasured time before each phase")
	jsonPath := fs.String("json", "", "also write the summary as a JSON object to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	if code, ok := e.parse(fs, args[1:]); !ok {
		return code
	}
	switch {
	case *clients < 1 || *clients > 4096:
		fmt.Fprintln(e.stderr, "cobro bench: --clients must be between 1 and 4096")
		return exitUsage
	case *duration <= 0:
		fmt.Fprintln(e.stderr, "cobro bench: --duration must be positive")
		return exitUsage
	case *warmup < 0:
		fmt.Fprintln(e.stderr, "cobro bench: --warmup may not be negative")
		return exitUsage
	}
	if u := strings.TrimSpace(*dbURL); u != "" && !isPostgresURL(u) && !strings.HasPrefix(u, "sqlite:") {
		fmt.Fprintf(e.stderr, "cobro bench: unsupported --db %q: use postgres://… or sqlite:PATH\n", u)
		return exitUsage
	}

	var b *benchEnv
	if scenario.inProcess {
		workers := 1
		if scenario.parallel {
			workers = runtime.GOMAXPROCS(0)
		}
		b = &benchEnv{ctx: e.ctx, out: e.stdout, progress: e.stderr, clients: workers, duration: *duration, warmup: *warmup}
		fmt.Fprintf(e.stderr, "cobro bench: in process, %d goroutine(s), warmup=%s duration=%s GOMAXPROCS=%d\n", workers, *warmup, *duration, runtime.GOMAXPROCS(0))
	} else {
		var err error
		keep := ""
		if *reuse {
			keep = fmt.Sprintf("bench_lists_%d", *invoices)
		}
		b, err = e.benchSetup(strings.TrimSpace(*dbURL), keep, *clients, *duration, *warmup)
		if err != nil {
			if b != nil {
				b.close()
			}
			return e.fail(fmt.Errorf("bench setup: %w", err))
		}
	}
	b.subscriptions, b.invoices, b.processes, b.reuse = *subs, *invoices, *processes, *reuse
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		b.close()
		return e.fail(err)
	}
	pairs, err := scenario.run(b)
	stopProfile()
	b.close()
	if err == nil && e.ctx.Err() != nil {
		err = errors.New("interrupted")
	}
	if err != nil {
		return e.fail(fmt.Errorf("bench %s: %w", name, err))
	}
	head := []kv{{"scenario", name}}
	if !scenario.inProcess {
		head = append(head, kv{"db", b.db.Dialect.Name()}, kv{"clients", fmt.Sprint(*clients)})
	}
	var line strings.Builder
	line.WriteString("bench")
	for _, p := range append(head, pairs...) {
		line.WriteString(" " + p.k + "=" + p.v)
	}
	fmt.Fprintln(e.stdout, line.String())
	if *jsonPath != "" {
		if err := writeBenchJSON(*jsonPath, append(head, pairs...)); err != nil {
			return e.fail(err)
		}
	}
	return exitOK
}

// kv is one key=value pair of the summary line.
type kv struct{ k, v string }

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// benchEnv is a running Cobro (real http.Server on loopback, real database)
// and a real HTTP client, ready for a scenario. For in-process scenarios
// only ctx, the writers and the timings are set.
type benchEnv struct {
	ctx      context.Context
	out      io.Writer // human-readable rows
	progress io.Writer // what is running now (stderr)
	clients  int
	duration time.Duration
	warmup   time.Duration

	db        *store.DB
	app       *app.App
	ws        workspace.Created
	baseURL   string
	client    *http.Client
	transport *http.Transport

	cleanups []func() // run last-in first-out by close

	subscriptions int  // billing: due subscriptions to seed
	invoices      int  // lists: invoices to seed
	reuse         bool // lists: reuse invoices a previous run seeded and kept
	processes     int  // billing: run the bill as this many cobro bill processes (0: goroutines)
	dbURL         string
}

// benchSetup prepares the database (fresh schema or temp file; on
// PostgreSQL the kept schema keepSchema when it is not ""), migrates,
// seeds, creates a workspace and starts the API on 127.0.0.1:0. On error
// the returned env (possibly nil) still needs close.
func (e *env) benchSetup(dbURL, keepSchema string, clients int, duration, warmup time.Duration) (*benchEnv, error) {
	b := &benchEnv{ctx: e.ctx, out: e.stdout, progress: e.stderr, clients: clients, duration: duration, warmup: warmup}
	switch {
	case dbURL == "":
		dir, err := os.MkdirTemp("", "cobro-bench-")
		if err != nil {
			return nil, err
		}
		b.cleanups = append(b.cleanups, func() { _ = os.RemoveAll(dir) })
		dbURL = "sqlite:" + filepath.Join(dir, "bench.db")
	case isPostgresURL(dbURL):
		scoped, drop, err := benchSchema(e.ctx, dbURL, keepSchema, e.stderr)
		if err != nil {
			return b, err
		}
		b.cleanups = append(b.cleanups, drop)
		dbURL = scoped
	default:
		fmt.Fprintf(e.stderr, "cobro bench: writing benchmark rows into %s; they are kept\n", dbURL)
	}

	db, err := e.open(dbURL)
	if err != nil {
		return b, err
	}
	b.db, b.dbURL = db, dbURL
	b.cleanups = append(b.cleanups, func() { db.Close() })
	if db.Dialect.Postgres {
		// A production PostgreSQL keeps its planner statistics fresh with
		// autovacuum; a bench schema grows from empty within seconds, and
		// servers run with autovacuum off (as this machine's test server)
		// would plan every lookup on never-analyzed tables: a lookup by id
		// then walks the workspace's index instead of the primary key, and
		// every figure measures that. Every 5 s the bench analyzes the
		// tables autovacuum would (a tenth of their rows changed since
		// the last analysis), not every table: a full ANALYZE of a
		// million-row table takes seconds of a core.
		stop := make(chan struct{})
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					analyzeChanged(e.ctx, db)
				}
			}
		}()
		b.cleanups = append(b.cleanups, func() { close(stop) })
	}
	if err := catalog.Seed(e.ctx, db); err != nil {
		return b, fmt.Errorf("seed catalogues: %w", err)
	}
	b.ws, err = workspace.Create(e.ctx, db, "Bench Inc", "US", "bench@example.com", time.Now())
	if err != nil {
		return b, fmt.Errorf("create workspace: %w", err)
	}

	// Throughput is measured with one token: its rate limit is off.
	b.app = app.New(app.Config{DB: db, Clock: clock.System{}, Logger: benchLogger(e.stderr), Version: version, RatePerToken: -1})
	srv := b.app.Server
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return b, err
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(benchLogger(e.stderr).Handler(), slog.LevelWarn),
	}
	go func() { _ = httpSrv.Serve(ln) }()
	b.cleanups = append(b.cleanups, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(ctx)
	})
	b.baseURL = "http://" + ln.Addr().String()

	b.transport = &http.Transport{
		Proxy:               nil, // loopback, never through HTTP_PROXY
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * clients,
		MaxIdleConnsPerHost: 2 * clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	b.client = &http.Client{Transport: b.transport, Timeout: 30 * time.Second}
	b.cleanups = append(b.cleanups, b.transport.CloseIdleConnections)

	fmt.Fprintf(e.stderr, "cobro bench: db=%s clients=%d warmup=%s duration=%s GOMAXPROCS=%d server=%s\n",
		db.Dialect.Name(), clients, warmup, duration, runtime.GOMAXPROCS(0), b.baseURL)
	return b, nil
}

// analyzeChanged analyzes the tables of the current schema of which more
// than a tenth (and 50 rows) changed since their last analysis, as
// autovacuum's default thresholds.
func analyzeChanged(ctx context.Context, db *store.DB) {
	tables, err := store.Strings(ctx, db, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND n_mod_since_analyze > 50 + 0.1 * n_live_tup`)
	if err != nil {
		return
	}
	for _, t := range tables {
		_, _ = db.ExecContext(ctx, `ANALYZE `+pgx.Identifier{t}.Sanitize())
	}
}

// close stops the server and removes everything the bench created.
func (b *benchEnv) close() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
	b.cleanups = nil
}

// benchSchema creates a fresh schema in the PostgreSQL database of base and
// returns a URL using it (search_path is passed by pgx as a runtime
// parameter) and a function dropping it. A keep schema is created when
// missing, reused as it is, and never dropped.
func benchSchema(ctx context.Context, base, keep string, stderr io.Writer) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("parse --db: %w", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	admin.SetMaxOpenConns(1)
	schema, create := "bench_"+strings.ToLower(id.Random(16)), `CREATE SCHEMA `
	if keep != "" {
		schema, create = keep, `CREATE SCHEMA IF NOT EXISTS `
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(cctx, create+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() {
		if keep != "" {
			fmt.Fprintf(stderr, "cobro bench: schema %s is kept for the next --reuse run\n", schema)
			admin.Close()
			return
		}
		// Detached from ctx: the schema goes even after Ctrl-C.
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(dctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			fmt.Fprintf(stderr, "cobro bench: could not drop schema %s: %v\n", schema, err)
		}
		admin.Close()
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// benchLogger gives the server what a real one pays for (every request
// formatted as a JSON log line) without flooding the terminal: lines go to
// io.Discard, except the first few errors, which go to stderr.
func benchLogger(stderr io.Writer) *slog.Logger {
	left := &atomic.Int64{}
	left.Store(5)
	return slog.New(benchLogHandler{
		all:  slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}),
		errs: slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
		left: left,
	})
}

type benchLogHandler struct {
	all, errs slog.Handler
	left      *atomic.Int64
}

func (h benchLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.all.Enabled(ctx, l)
}

func (h benchLogHandler) Handle(ctx context.Context, r slog.Record) error {
	_ = h.all.Handle(ctx, r)
	if r.Level >= slog.LevelWarn && h.left.Add(-1) >= 0 {
		return h.errs.Handle(ctx, r)
	}
	return nil
}

func (h benchLogHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return benchLogHandler{all: h.all.WithAttrs(a), errs: h.errs.WithAttrs(a), left: h.left}
}

func (h benchLogHandler) WithGroup(name string) slog.Handler {
	return benchLogHandler{all: h.all.WithGroup(name), errs: h.errs.WithGroup(name), left: h.left}
}
