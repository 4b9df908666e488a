package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/idempotency"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/prometheus/client_golang/prometheus"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "0.1.0-dev"
	commit  = "unknown"
)

const usage = `usage: cobro <command> [flags]

commands:
  serve         run the API server
  init          create a workspace, a user and its API token
  user password set a user's dashboard password
  migrate       apply pending database migrations
  token rotate  issue a new API token for a user
  member add    give a user access to another workspace
  bill          one billing run over every due subscription, then exit
  rates import  load a workspace's exchange rates from a CSV file (date,from,to,rate)
  bench         run a performance scenario (customers, invoices, billing, dte, pdf, webhooks, mixed)
  sii           test credentials for the SII sandbox (fake-cert, fake-caf)
  version       print the version
`

// exit codes (docs/operations.md#1-commands)
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

type env struct {
	ctx    context.Context
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program; main only passes the process in.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return e.serve(rest)
	case "init":
		return e.init(rest)
	case "migrate":
		return e.migrate(rest)
	case "token":
		return e.verb(rest, "rotate", "cobro token rotate --user usr_… [--db URL]", e.tokenRotate)
	case "user":
		return e.verb(rest, "password", "cobro user password --user usr_… [--password P] [--db URL]", e.userPassword)
	case "member":
		return e.verb(rest, "add", "cobro member add --user usr_… --workspace acc_… [--db URL]", e.memberAdd)
	case "bench":
		return e.bench(rest)
	case "bill":
		return e.bill(rest)
	case "rates":
		return e.verb(rest, "import", "cobro rates import FILE.csv --workspace acc_… [--db URL]", e.ratesImport)
	case "sii":
		return e.sii(rest)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "cobro %s (commit %s)\n", version, commit)
		return exitOK
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "cobro: unknown command %q\n%s", cmd, usage)
	return exitUsage
}

// verb runs a command of one sub-command ("token rotate"): cmd with the
// arguments after it, or the usage line when args do not start with it.
func (e *env) verb(args []string, name, usage string, cmd func([]string) int) int {
	if len(args) == 0 || args[0] != name {
		fmt.Fprintln(e.stderr, "usage: "+usage)
		return exitUsage
	}
	return cmd(args[1:])
}

func (e *env) or(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("cobro "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses flags; it returns an exit code when the program must stop.
func (e *env) parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

func (e *env) fail(err error) int {
	fmt.Fprintf(e.stderr, "cobro: %v\n", err)
	return exitFailure
}

// namedFlag is a string flag's name and value, for missing.
type namedFlag struct {
	name  string
	value *string
}

// missing prints "cobro CMD: --a and --b are required" and answers true
// when any of the flags is empty.
func (e *env) missing(cmd string, flags ...namedFlag) bool {
	names := make([]string, len(flags))
	empty := false
	for i, f := range flags {
		names[i] = "--" + f.name
		empty = empty || *f.value == ""
	}
	if !empty {
		return false
	}
	said, verb := names[0], "is"
	if n := len(names); n > 1 {
		said, verb = strings.Join(names[:n-1], ", ")+" and "+names[n-1], "are"
	}
	fmt.Fprintf(e.stderr, "cobro %s: %s %s required\n", cmd, said, verb)
	return true
}

// withDB opens (and migrates) the database at dbURL for one command, runs
// it and closes the database.
func (e *env) withDB(dbURL string, run func(*store.DB) int) int {
	db, err := e.open(dbURL)
	if err != nil {
		return e.fail(err)
	}
	defer db.Close()
	return run(db)
}

func (e *env) printJSON(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(e.stdout, string(b))
}

// open connects and migrates.
func (e *env) open(dbURL string) (*store.DB, error) {
	db, err := store.Open(e.ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(e.ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (e *env) logger() *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(e.getenv("COBRO_LOG_LEVEL")) {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// serveConfig is what `cobro serve` is told by its flags and environment.
type serveConfig struct {
	addr, dbURL, publicURL, siiBaseURL                 string
	transbankBaseURL                                   string
	noScheduler, noWorkers, allowPrivate, testLoopback bool
	schedEvery                                         time.Duration
	ratePerToken, rateBurst, ratePublic                int
	trustedProxies                                     []netip.Prefix
	stripeBaseURL                                      string
}

func (e *env) serveFlags(args []string) (serveConfig, int, bool) {
	var c serveConfig
	fs := e.flags("serve")
	fs.StringVar(&c.addr, "addr", e.or("COBRO_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (env COBRO_ADDR)")
	fs.StringVar(&c.dbURL, "db", e.or("COBRO_DATABASE_URL", store.DefaultURL), "database URL: sqlite:PATH or postgres://… (env COBRO_DATABASE_URL)")
	fs.StringVar(&c.publicURL, "public-url", e.getenv("COBRO_PUBLIC_URL"), "fixed public base URL for absolute links (env COBRO_PUBLIC_URL)")
	fs.BoolVar(&c.noScheduler, "no-scheduler", false, "do not run the billing scheduler on this node")
	fs.DurationVar(&c.schedEvery, "scheduler-interval", time.Minute, "how often the billing scheduler looks for due subscriptions")
	fs.BoolVar(&c.noWorkers, "no-workers", false, "do not run background workers (webhook delivery, tax agency, email, payment expiry) on this node")
	fs.StringVar(&c.siiBaseURL, "sii-base-url", e.getenv("COBRO_SII_BASE_URL"), "replaces scheme and host of every SII endpoint, e.g. a `cobro sii sandbox` or a proxy (env COBRO_SII_BASE_URL)")
	fs.StringVar(&c.stripeBaseURL, "stripe-base-url", e.getenv("COBRO_STRIPE_BASE_URL"), "replaces Stripe's API for the stripe gateway, e.g. stripe-mock or a proxy (env COBRO_STRIPE_BASE_URL)")
	fs.StringVar(&c.transbankBaseURL, "transbank-base-url", e.getenv("COBRO_TRANSBANK_BASE_URL"), "replaces scheme and host of Transbank's endpoints (a local fake or a proxy; env COBRO_TRANSBANK_BASE_URL)")
	fs.BoolVar(&c.allowPrivate, "allow-private-webhooks", false, "allow live-mode webhook endpoints on private networks (on-premises receivers)")
	fs.IntVar(&c.ratePerToken, "rate-per-token", intSetting(e.getenv("COBRO_RATE_PER_TOKEN"), 100), "requests per second allowed per API token; -1 disables (env COBRO_RATE_PER_TOKEN)")
	fs.IntVar(&c.rateBurst, "rate-burst", intSetting(e.getenv("COBRO_RATE_BURST"), 200), "burst allowed per API token (env COBRO_RATE_BURST)")
	fs.IntVar(&c.ratePublic, "rate-public-per-minute", intSetting(e.getenv("COBRO_RATE_PUBLIC_PER_MINUTE"), 20), "publishable POSTs allowed per client IP and payment link or payment each minute; -1 disables (env COBRO_RATE_PUBLIC_PER_MINUTE)")
	fs.BoolVar(&c.testLoopback, "test-webhooks-loopback", boolSetting(e.getenv("COBRO_TEST_WEBHOOKS_LOOPBACK"), true), "let test-mode webhook endpoints target loopback (a developer's own machine); false on a shared host (env COBRO_TEST_WEBHOOKS_LOOPBACK)")
	proxyList := fs.String("trusted-proxies", e.getenv("COBRO_TRUSTED_PROXIES"), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed; none by default (env COBRO_TRUSTED_PROXIES)")
	if code, ok := e.parse(fs, args); !ok {
		return c, code, false
	}
	if v := e.getenv("COBRO_TEST_WEBHOOKS_LOOPBACK"); v != "" {
		if _, err := strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			fmt.Fprintf(e.stderr, "cobro serve: COBRO_TEST_WEBHOOKS_LOOPBACK must be true or false, got %q\n", v)
			return c, exitUsage, false
		}
	}
	var err error
	if c.trustedProxies, err = api.ParseProxies(*proxyList); err != nil {
		fmt.Fprintf(e.stderr, "cobro serve: --trusted-proxies: %v\n", err)
		return c, exitUsage, false
	}
	return c, 0, true
}

func (e *env) serve(args []string) int {
	c, code, ok := e.serveFlags(args)
	if !ok {
		return code
	}
	log := e.logger()
	db, err := e.open(c.dbURL)
	if err != nil {
		return e.fail(err)
	}
	defer db.Close()
	a, billingRuns, err := e.buildApp(db, c, log)
	if err != nil {
		return e.fail(err)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return e.fail(err)
	}
	stopBackground := startBackground(a, db, c, log, billingRuns)
	log.Info("listening", "addr", ln.Addr().String(), "db", db.Dialect.Name(), "version", version)
	code = e.serveHTTP(a.Server.Handler(), ln, log)
	stopBackground()
	if code == exitOK {
		log.Info("stopped")
	}
	return code
}

// buildApp seeds the catalogues, reads the secret key and the SMTP
// settings, and builds the application with its metrics.
func (e *env) buildApp(db *store.DB, c serveConfig, log *slog.Logger) (*app.App, *prometheus.CounterVec, error) {
	if err := catalog.Seed(e.ctx, db); err != nil {
		return nil, nil, fmt.Errorf("seed catalogues: %w", err)
	}
	secret, err := db.SecretKey(e.ctx, e.getenv("COBRO_SECRET_KEY"))
	if err != nil {
		return nil, nil, fmt.Errorf("secret key: %w", err)
	}
	// email (docs/operations.md#1-commands): invoices of subscription runs and reminders,
	// when an SMTP server is configured
	var smtpConf *mail.Config
	if raw := e.getenv("COBRO_SMTP_URL"); raw != "" {
		if smtpConf, err = mail.Parse(raw); err != nil {
			return nil, nil, err
		}
	}
	mailBase := c.publicURL
	if mailBase == "" { // links in emails need an absolute URL
		mailBase = "http://" + c.addr
	}
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cobro_webhook_attempts_total",
		Help: "Webhook delivery attempts by outcome (succeeded, retry, failed, gone)."}, []string{"outcome"})
	a := app.New(app.Config{DB: db, Clock: clock.System{}, Logger: log, Version: version, SecretKey: secret,
		PublicURL: c.publicURL, MailBase: strings.TrimRight(mailBase, "/"), SMTP: smtpConf, SIIBaseURL: c.siiBaseURL, TransbankBaseURL: c.transbankBaseURL, StripeBaseURL: c.stripeBaseURL,
		AllowPrivateWebhooks: c.allowPrivate, NoTestWebhooksLoopback: !c.testLoopback, TrustedProxies: c.trustedProxies,
		WebhookOutcome: func(o string) { deliveries.WithLabelValues(o).Inc() },
		RatePerToken:   c.ratePerToken, RateBurst: c.rateBurst, RatePublicPerMinute: c.ratePublic})
	billingRuns := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cobro_billing_runs_total",
		Help: "Subscription billing runs by this node's scheduler, by outcome (invoiced, needs_attention, resumed)."}, []string{"outcome"})
	a.Server.Registry().MustRegister(deliveries, billingRuns)
	return a, billingRuns, nil
}

// startBackground starts the job runner (unless --no-workers: other nodes
// run it), the billing scheduler (unless --no-scheduler) and the purge.
// The function it returns stops them: the runner finishes the jobs in
// flight and hands back the rest, a billing batch in flight is rolled back.
func startBackground(a *app.App, db *store.DB, c serveConfig, log *slog.Logger, billingRuns *prometheus.CounterVec) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	if !c.noWorkers {
		wg.Go(func() { a.Jobs.Run(ctx) })
	}
	if !c.noScheduler && c.schedEvery > 0 {
		wg.Go(func() {
			scheduler(ctx, db, a.Subscriptions, c.schedEvery, log, func(sum subscription.Summary) {
				billingRuns.WithLabelValues("invoiced").Add(float64(sum.Invoices))
				billingRuns.WithLabelValues("needs_attention").Add(float64(sum.Attention))
				billingRuns.WithLabelValues("resumed").Add(float64(sum.Resumed))
				a.Jobs.Wake(webhook.JobKind) // the runs queued webhook deliveries
			})
		})
	}
	if !c.noScheduler && c.schedEvery > 0 {
		wg.Go(func() { remindLoop(ctx, a, c.schedEvery, log) })
	}
	wg.Go(func() { purgeLoop(ctx, db, log) })
	return func() {
		cancel()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			log.Warn("background work still running at exit")
		}
	}
}

// serveHTTP serves until the process is told to stop, then stops accepting
// and lets in-flight requests (and their transactions) finish.
func (e *env) serveHTTP(h http.Handler, ln net.Listener, log *slog.Logger) int {
	httpSrv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return e.fail(err)
	case <-e.ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "error", err.Error())
		return exitFailure
	}
	return exitOK
}

// scheduler runs subscription.Bill every interval (docs/billing.md#84-billing-schedule). Any
// number of nodes may run it: runs are locked and keyed per date.
func scheduler(ctx context.Context, db *store.DB, billing *subscription.Service, every time.Duration, log *slog.Logger, done func(subscription.Summary)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sum, err := billing.Bill(ctx, db, time.Now(), subscription.BillOptions{Logger: log})
		if err != nil && ctx.Err() == nil {
			log.Error("billing run", "error", err.Error())
		}
		if sum.Processed+sum.Resumed > 0 {
			log.Info("billing run", "processed", sum.Processed, "invoices", sum.Invoices, "needs_attention", sum.Attention, "resumed", sum.Resumed)
			done(sum)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// remindLoop sends the reminders of the rules that fell due every interval
// (docs/documents.md#6-reminder-rules). Any number of nodes may run it: each
// reminder is recorded once per rule and invoice.
func remindLoop(ctx context.Context, a *app.App, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := a.ReminderRules.SendDue(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("reminder rules", "error", err.Error())
		}
		a.Jobs.Wake(mail.JobKind)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// bill is `cobro bill`: one billing run, then exit (docs/operations.md#1-commands).
func (e *env) bill(args []string) int {
	fs := e.flags("bill")
	dbURL := fs.String("db", e.or("COBRO_DATABASE_URL", store.DefaultURL), "database URL (env COBRO_DATABASE_URL)")
	day := fs.String("date", "", "bill dates up to YYYY-MM-DD (default: today in each workspace's time zone)")
	ws := fs.String("workspace", "", "only this workspace (acc_…)")
	batch := fs.Int("batch", subscription.DefaultBatch, "runs per transaction")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if *day != "" {
		if _, err := time.Parse(time.DateOnly, *day); err != nil {
			fmt.Fprintf(e.stderr, "cobro bill: --date must be YYYY-MM-DD, got %q\n", *day)
			return exitUsage
		}
	}
	db, err := e.open(*dbURL)
	if err != nil {
		return e.fail(err)
	}
	defer db.Close()
	// the same application as the server: charge_payment subscriptions are
	// charged, invoices emailed when SMTP is configured
	a, err := e.billingApp(db)
	if err != nil {
		return e.fail(err)
	}
	sum, err := a.Subscriptions.Bill(e.ctx, db, time.Now(), subscription.BillOptions{Day: *day, Workspace: *ws, Batch: *batch, Logger: e.logger()})
	if err != nil {
		return e.fail(err)
	}
	fmt.Fprintf(e.stdout, "billed: subscriptions=%d invoices=%d needs_attention=%d resumed=%d\n", sum.Processed, sum.Invoices, sum.Attention, sum.Resumed)
	return exitOK
}

// billingApp builds the application for a billing run outside the server.
func (e *env) billingApp(db *store.DB) (*app.App, error) {
	var smtpConf *mail.Config
	if raw := e.getenv("COBRO_SMTP_URL"); raw != "" {
		var err error
		if smtpConf, err = mail.Parse(raw); err != nil {
			return nil, err
		}
	}
	secret, err := db.SecretKey(e.ctx, e.getenv("COBRO_SECRET_KEY"))
	if err != nil { // the Chile biller unseals the certificate to sign
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return app.New(app.Config{DB: db, Clock: clock.System{}, Logger: e.logger(), Version: version, SecretKey: secret, SMTP: smtpConf,
		SIIBaseURL: e.getenv("COBRO_SII_BASE_URL"), TransbankBaseURL: e.getenv("COBRO_TRANSBANK_BASE_URL")}), nil
}

// purgeLoop deletes expired idempotency records and events hourly. Any node may run
// it: the delete is idempotent.
func purgeLoop(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := idempotency.Purge(ctx, db, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("purge idempotency keys", "error", err.Error())
		}
		// Events are kept 30 days (docs/webhooks.md#2-events); their deliveries go with them.
		if _, err := db.ExecContext(ctx, `DELETE FROM events WHERE created < $1`, time.Now().Add(-webhook.EventRetention).UnixMicro()); err != nil && ctx.Err() == nil {
			log.Warn("purge events", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// intSetting reads an integer setting from the environment, else def.
func intSetting(v string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return n
	}
	return def
}

// boolSetting reads a boolean setting from the environment, else def.
func boolSetting(v string, def bool) bool {
	if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
		return b
	}
	return def
}

func (e *env) dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", e.or("COBRO_DATABASE_URL", store.DefaultURL), "database URL (env COBRO_DATABASE_URL)")
}

func (e *env) init(args []string) int {
	fs := e.flags("init")
	dbURL := e.dbFlag(fs)
	name := fs.String("name", "My company", "workspace name")
	country := fs.String("country", "US", "workspace country (ISO 3166-1 alpha-2)")
	email := fs.String("email", "", "the user's email (signs in to the dashboard)")
	password := fs.String("password", "", "the user's dashboard password (default: a generated one, printed)")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if *password != "" && *email == "" {
		fmt.Fprintln(e.stderr, "cobro init: --password needs --email (users sign in with both)")
		return exitUsage
	}
	if *password != "" && len([]rune(*password)) < workspace.MinPasswordLen {
		fmt.Fprintf(e.stderr, "cobro init: --password: %v\n", workspace.ErrWeakPassword)
		return exitUsage
	}
	return e.withDB(*dbURL, func(db *store.DB) int {
		created, err := workspace.Create(e.ctx, db, strings.TrimSpace(*name), strings.ToUpper(strings.TrimSpace(*country)), strings.TrimSpace(*email), time.Now())
		if err != nil {
			return e.fail(err)
		}
		out := struct {
			workspace.Created
			Password string `json:"password,omitempty"`
		}{Created: created}
		if *email != "" { // a user with an email signs in to the dashboard (docs/dashboard.md#1-sign-in-and-sessions)
			pw := *password
			if pw == "" { // generated, printed once; a chosen one is never echoed
				pw = workspace.NewPassword()
				out.Password = pw
			}
			if err := workspace.SetPassword(e.ctx, db, created.User, pw); err != nil {
				return e.fail(err)
			}
		}
		e.printJSON(out)
		return exitOK
	})
}

// userPassword is `cobro user password`: sets a user's dashboard password
// (a generated one, printed, without --password).
func (e *env) userPassword(args []string) int {
	fs := e.flags("user password")
	dbURL := e.dbFlag(fs)
	user := fs.String("user", "", "user id (usr_…)")
	password := fs.String("password", "", "the new password (default: a generated one, printed)")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if e.missing("user password", namedFlag{"user", user}) {
		return exitUsage
	}
	if *password != "" && len([]rune(*password)) < workspace.MinPasswordLen {
		fmt.Fprintf(e.stderr, "cobro user password: --password: %v\n", workspace.ErrWeakPassword)
		return exitUsage
	}
	return e.withDB(*dbURL, func(db *store.DB) int {
		pw := *password
		if pw == "" {
			pw = workspace.NewPassword()
		}
		if err := workspace.SetPassword(e.ctx, db, *user, pw); err != nil {
			return e.fail(err)
		}
		out := map[string]string{"user": *user}
		if *password == "" {
			out["password"] = pw
		}
		e.printJSON(out)
		return exitOK
	})
}

func (e *env) migrate(args []string) int {
	fs := e.flags("migrate")
	dbURL := e.dbFlag(fs)
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	db, err := store.Open(e.ctx, *dbURL)
	if err != nil {
		return e.fail(err)
	}
	defer db.Close()
	lines, err := db.Migrate(e.ctx)
	for _, l := range lines {
		fmt.Fprintln(e.stdout, l)
	}
	if err != nil {
		return e.fail(err)
	}
	if len(lines) == 0 {
		fmt.Fprintln(e.stdout, "no pending migrations")
	}
	return exitOK
}

func (e *env) tokenRotate(args []string) int {
	fs := e.flags("token rotate")
	dbURL := e.dbFlag(fs)
	user := fs.String("user", "", "user id (usr_…)")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if e.missing("token rotate", namedFlag{"user", user}) {
		return exitUsage
	}
	return e.withDB(*dbURL, func(db *store.DB) int {
		token, err := workspace.RotateToken(e.ctx, db, *user, time.Now())
		if err != nil {
			return e.fail(err)
		}
		e.printJSON(map[string]string{"user": *user, "token": token})
		return exitOK
	})
}

func (e *env) memberAdd(args []string) int {
	fs := e.flags("member add")
	dbURL := e.dbFlag(fs)
	user := fs.String("user", "", "user id (usr_…)")
	ws := fs.String("workspace", "", "workspace id (acc_…)")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if e.missing("member add", namedFlag{"user", user}, namedFlag{"workspace", ws}) {
		return exitUsage
	}
	return e.withDB(*dbURL, func(db *store.DB) int {
		if err := workspace.AddMember(e.ctx, db, *user, *ws, time.Now()); err != nil {
			return e.fail(err)
		}
		e.printJSON(map[string]string{"user": *user, "workspace": *ws})
		return exitOK
	})
}
