// Package api is Cobro's HTTP layer: routes.go lists every route in one
// place; this file turns those declarations into a handler with auth, body
// decoding, idempotency, one transaction per write, errors, logs and metrics.
package api

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/idempotency"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/reception"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Auth says how a route authenticates.
type Auth int

const (
	AuthToken  Auth = iota // token + workspace + mode headers (docs/conventions.md#3-authentication-and-headers)
	AuthPublic             // no headers needed (docs/conventions.md#4-publishable-public-endpoints)
	// AuthDual: authenticated when an Authorization header is sent, else
	// publishable (docs/conventions.md#4-publishable-public-endpoints: POST /sources/, payments authorize/pay).
	AuthDual
)

// HandlerFunc does the work of one route. It returns the success status
// and the JSON body (nil for an empty body), or an error.
type HandlerFunc func(r *Request) (int, any, error)

// PrepareFunc does the database-free part of a request before its
// transaction opens: parsing and checking uploaded files, whose
// cryptography must never run while the write lock is held. Its result
// reaches the handler as Request.Prepared; an error is the answer.
type PrepareFunc func(r *Request) (any, error)

// Route declares one operation. The OpenAPI document and the router are
// both generated from the same list, so they cannot drift.
type Route struct {
	Method  string
	Path    string // with trailing slash and {params}: "/customers/{id}/"
	Summary string
	Tag     string
	Auth    Auth
	Status  int // success status, for the API description
	Handle  HandlerFunc
	// List marks a paginated list (for the API description).
	List bool
	// Schema is a value of the response object type (for the API description).
	Schema any
	// Writes marks a GET that changes state (GET …/finalize/): it runs on
	// the write path, in one transaction.
	Writes bool
	// NoTx marks a POST that must not hold a transaction while it waits on
	// the network (webhook ping): it runs on the database, outside one;
	// an Idempotency-Key record is settled right after it.
	NoTx bool
	// Prepare runs before Handle, outside the transaction (see PrepareFunc).
	Prepare PrepareFunc
}

// Options configures a Server.
type Options struct {
	DB        *store.DB
	Clock     clock.Clock
	Logger    *slog.Logger
	PublicURL string // fixed base URL for absolute links; "" = from the request
	Version   string
	SecretKey []byte // signs local_file URLs
	// RatePerToken and RateBurst limit each API token (docs/conventions.md#14-rate-limiting);
	// 0 means the defaults, 100/s with bursts of 200; negative disables.
	RatePerToken, RateBurst int
	// RatePublicPerMinute limits publishable POSTs per client IP and
	// payment link or payment (docs/conventions.md#14-rate-limiting); 0 means 20, negative disables.
	RatePublicPerMinute int
	// Services are the domain work that depends on other packages, built
	// by the composition root (internal/app).
	Services Services
	// Webhooks sends webhook pings. nil: ping answers that delivery is not
	// running (deliveries are still recorded).
	Webhooks *webhook.Worker
	// Jobs is woken after each write so that the deliveries it queued start
	// at once (nil: no runner on this node).
	Jobs Waker
	// Resolver resolves endpoint URLs for the SSRF check at creation
	// (net.DefaultResolver when nil).
	Resolver webhook.Resolver
	// AllowPrivateWebhooks lets live-mode endpoints target private
	// addresses (--allow-private-webhooks).
	AllowPrivateWebhooks bool
	// NoTestWebhooksLoopback refuses loopback endpoints in test mode too
	// (--test-webhooks-loopback=false, for shared hosts).
	NoTestWebhooksLoopback bool
	// TrustedProxies are the peers whose X-Forwarded-* headers are
	// honoured (--trusted-proxies); none by default.
	TrustedProxies []netip.Prefix
	// Dashboard serves the merchant dashboard at /, /login, /logout and
	// /app/ (docs/dashboard.md); nil: those paths answer 404.
	Dashboard http.Handler
}

// Services are the domain work the handlers call that depends on other
// packages (internal/app builds them).
type Services struct {
	Documents     document.Deps
	Customers     *customer.Service
	Suppliers     *supplier.Service
	Subscriptions *subscription.Service
	Reminders     *reminder.Service
	// SII is the built-in Chile biller whose settings, certificate and
	// CAFs the /billers/ endpoints manage (nil: they answer 404).
	SII *clsii.Biller
	// Reception receives suppliers' DTEs and answers them (nil: the
	// /purchases/received/ endpoints answer 404).
	Reception *reception.Service
}

// Waker wakes the background job runner for a kind of job.
type Waker interface {
	Wake(kind string)
}

// Server serves the API.
type Server struct {
	opt     Options
	routes  []Route
	metrics *metrics
	handler http.Handler

	tokens *limiter   // per-token rate limit
	public *ipLimiter // per-IP limit of publishable POSTs

	openapiOnce sync.Once
	openapiJSON []byte
	openapiErr  error
	docsOnce    sync.Once
	docsHTML    []byte
	docsErr     error
}

// MaxBodyBytes limits request bodies (docs/conventions.md#2-requests-and-responses: 1 MiB).
const MaxBodyBytes = 1 << 20

// New builds a server and its handler.
func New(opt Options) *Server {
	if opt.Clock == nil {
		opt.Clock = clock.System{}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Services.Documents.Gateways == nil { // a server built outside internal/app (tests)
		opt.Services.Documents.Gateways = gateway.NewRegistry(opt.SecretKey, gateway.BuiltIn()...)
	}
	if opt.RatePerToken == 0 {
		opt.RatePerToken = 100
	}
	if opt.RateBurst == 0 {
		opt.RateBurst = 200
	}
	if opt.RatePublicPerMinute == 0 {
		opt.RatePublicPerMinute = 20
	}
	s := &Server{opt: opt, metrics: newMetrics(), tokens: newLimiter(opt.RatePerToken, opt.RateBurst), public: newIPLimiter(opt.RatePublicPerMinute, limiterCapacity)}
	s.metrics.reg.MustRegister(newJobsCollector(s))
	s.routes = s.declare()
	s.handler = s.build()
	return s
}

// Handler is the root http.Handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns the declared routes (for the API description and tests).
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// muxPattern is the ServeMux pattern of a declared path: the trailing slash
// is dropped so that "/customers/" and "/customers" both match exactly.
func muxPattern(path string) string {
	if len(path) > 1 {
		return strings.TrimSuffix(path, "/")
	}
	return path
}

// actionPath splits "/purchases/{id}/finalize/" into the mux pattern
// "/purchases/{id}/{action}" and the action "finalize". Actions share one
// wildcard pattern per resource so that a literal sub-resource
// ("/purchases/credit-notes/{id}") stays more specific than them; ServeMux
// refuses two patterns where neither is more specific.
func actionPath(path string) (pattern, action string) {
	p := muxPattern(path)
	i := strings.LastIndex(p, "/{id}/")
	if i < 0 || strings.Contains(p[i+6:], "/") || strings.Contains(p[i+6:], "{") {
		return p, ""
	}
	return p[:i] + "/{id}/{action}", p[i+6:]
}

func (s *Server) build() http.Handler {
	mux := http.NewServeMux()
	groups := map[string][]Route{}
	var order []string
	for _, rt := range s.routes {
		p, _ := actionPath(rt.Path)
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], rt)
	}
	for _, p := range order {
		g := &group{s: s, pattern: p, routes: groups[p]}
		mux.Handle(p, g)
	}
	if s.opt.Dashboard != nil { // docs/dashboard.md: outside every API path
		dash := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Context().Value(infoKey{}).(*reqInfo).route = "dashboard" // one metrics label for every page
			s.opt.Dashboard.ServeHTTP(w, r)
		})
		for _, p := range []string{"/{$}", "/login", "/logout", "/app", "/app/"} {
			mux.Handle(p, dash)
		}
	}
	mux.Handle("/", &group{s: s, pattern: "unmatched"})
	return s.outer(mux)
}

// forAction narrows an action group to the routes of the requested action.
func (g *group) forAction(r *http.Request) []Route {
	if !strings.HasSuffix(g.pattern, "/{action}") {
		return g.routes
	}
	var out []Route
	for _, rt := range g.routes {
		if _, action := actionPath(rt.Path); action == r.PathValue("action") {
			out = append(out, rt)
		}
	}
	return out
}

// group serves every method of one path.
type group struct {
	s       *Server
	pattern string
	routes  []Route
}

func (g *group) allow(routes []Route) string {
	var ms []string
	for _, r := range routes {
		ms = append(ms, r.Method)
	}
	ms = append(ms, "OPTIONS")
	sort.Strings(ms)
	return strings.Join(ms, ", ")
}

func (g *group) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := r.Context().Value(infoKey{}).(*reqInfo)
	info.route = g.pattern
	if corsOpen(r.URL.Path) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, Idempotency-Key, X-Request-Id")
	}
	routes := g.forAction(r)
	if len(routes) == 0 {
		g.s.writeError(w, r, apperr.NotFoundErr())
		return
	}
	if _, action := actionPath(routes[0].Path); action != "" {
		info.route = muxPattern(routes[0].Path) // metrics and logs name the action
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet // net/http drops the body of HEAD answers
	}
	for _, rt := range routes {
		if rt.Method == method {
			g.s.serve(w, r, rt)
			return
		}
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", g.allow(routes))
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	g.s.writeError(w, r, &apperr.Error{Kind: apperr.MethodNotAllowed,
		Detail: fmt.Sprintf("Method %q not allowed.", r.Method), Header: map[string]string{"Allow": g.allow(routes)}})
}

// corsOpen: publishable pages and the currency catalogue answer CORS for
// any origin (docs/conventions.md#2-requests-and-responses); nothing else does.
func corsOpen(path string) bool {
	return strings.HasPrefix(path, "/publishable/") || path == "/generals/currencies" || strings.HasPrefix(path, "/generals/currencies/")
}

type infoKey struct{}

// reqInfo carries what the outer middleware logs.
type reqInfo struct {
	id       string
	origPath string // the path as requested, trailing slash included
	route    string
	client   string // the client address (proxies.go)
	err      error
}

// outer adds the request id, path normalisation, panic recovery, access
// logs and metrics around everything.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := secureHeaders(w, r)
		defer sw.finish()
		w = sw
		info := &reqInfo{id: requestID(r.Header.Get("X-Request-Id")), route: "unmatched", origPath: r.URL.Path, client: s.clientAddr(r)}
		w.Header().Set("X-Request-Id", info.id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimSuffix(p, "/")
			r.URL.RawPath = ""
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				info.err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				if !rec.wrote {
					_, body, _, _ := errorResponse(info.err)
					writeJSON(rec, http.StatusInternalServerError, body)
				}
			}
			d := time.Since(start)
			s.metrics.observe(info.route, r.Method, rec.status, d)
			attrs := []slog.Attr{
				slog.String("request_id", info.id), slog.String("method", metricMethod(r.Method)),
				slog.String("route", info.route), slog.Int("status", rec.status),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			}
			level := slog.LevelInfo
			if info.err != nil {
				level = slog.LevelError
				attrs = append(attrs, slog.String("error", info.err.Error()))
			}
			s.opt.Logger.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		if !refuseLongURL(rec, r) {
			next.ServeHTTP(rec, r)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func requestID(given string) string {
	if given != "" && len(given) <= 128 {
		ok := true
		for i := 0; i < len(given); i++ {
			if given[i] < 0x21 || given[i] > 0x7e {
				ok = false
				break
			}
		}
		if ok {
			return given
		}
	}
	return "req_" + id.Random(20)
}

// Request is what a HandlerFunc gets.
type Request struct {
	R     *http.Request
	Ctx   context.Context
	Scope workspace.Scope
	// Q is the transaction for writes and the database for reads.
	Q    store.Querier
	DB   *store.DB
	Body map[string]any
	Now  time.Time
	// Prepared is the result of the route's Prepare step (nil without one).
	Prepared any
	srv      *Server
}

// Object returns the body as an input.Object; PATCH and PUT are partial.
func (r *Request) Object() *input.Object {
	return input.New(r.Body, r.R.Method == http.MethodPatch || r.R.Method == http.MethodPut)
}

// PathValue returns a {param} of the route.
func (r *Request) PathValue(name string) string { return r.R.PathValue(name) }

// Dialect is the database dialect.
func (r *Request) Dialect() store.Dialect { return r.DB.Dialect }

// BaseURL is the scheme and host absolute URLs are built from.
func (r *Request) BaseURL() string { return r.srv.baseURL(r.R) }

func (s *Server) baseURL(r *http.Request) string {
	if s.opt.PublicURL != "" {
		return strings.TrimSuffix(s.opt.PublicURL, "/")
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.trustedPeer(r.RemoteAddr) {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" && !strings.ContainsAny(h, "/ \t") {
			host = strings.TrimSpace(strings.Split(h, ",")[0])
		}
	}
	return scheme + "://" + host
}

// serve runs one route: authentication and body, then a read, or a write
// in one transaction with its Idempotency-Key record.
func (s *Server) serve(w http.ResponseWriter, hr *http.Request, rt Route) {
	req, err := s.prepare(w, hr, rt)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	write := rt.Writes || hr.Method == http.MethodPost || hr.Method == http.MethodPatch || hr.Method == http.MethodPut || hr.Method == http.MethodDelete
	if !write {
		s.serveRead(w, hr, rt, req)
		return
	}
	idem, replayed := s.beginIdempotent(w, hr, req)
	if replayed {
		return
	}
	status, payload, raw, err := s.runWrite(rt, req, idem)
	if err != nil {
		idem.settleFailure(s.opt.DB, err)
		s.writeError(w, hr, err)
		return
	}
	switch {
	case raw != nil:
		s.writeResult(w, status, raw)
	case payload == nil:
		w.WriteHeader(status)
	default:
		writeRaw(w, status, payload)
	}
}

// prepare authenticates the request (token and rate limit, or the
// publishable guard) and decodes its body.
func (s *Server) prepare(w http.ResponseWriter, hr *http.Request, rt Route) (*Request, error) {
	ctx := hr.Context()
	now := s.opt.Clock.Now()
	ctx = clock.WithNow(ctx, now)
	req := &Request{R: hr, Ctx: ctx, DB: s.opt.DB, Q: s.opt.DB, Now: now, srv: s}
	if sc, ok := sessionScope(hr); ok && rt.Auth != AuthPublic {
		req.Scope = sc // a dashboard session (session.go): signed in, no token
	} else if rt.Auth == AuthToken || (rt.Auth == AuthDual && hr.Header.Get("Authorization") != "") {
		sc, err := s.authenticate(ctx, hr)
		if err != nil {
			return nil, err
		}
		if ok, wait := s.tokens.allow(sc.UserID, time.Now()); !ok {
			return nil, throttled(wait)
		}
		req.Scope = sc
	} else if err := s.guardPublic(hr); err != nil {
		return nil, err
	}
	// DELETE reads a body only when one is sent (subscription cancel reasons)
	if hr.Method != http.MethodGet && (hr.Method != http.MethodDelete || hr.ContentLength > 0) {
		body, err := decodeBody(w, hr)
		if err != nil {
			return nil, err
		}
		req.Body = body
	}
	return req, nil
}

// serveRead answers a read on the database, outside a transaction.
func (s *Server) serveRead(w http.ResponseWriter, hr *http.Request, rt Route, req *Request) {
	status, body, err := s.prepareAndHandle(req, rt)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	if h, ok := body.(http.Handler); ok {
		h.ServeHTTP(w, hr)
		return
	}
	s.writeResult(w, status, body)
}

// idempotent is a write's Idempotency-Key record
// (docs/conventions.md#13-idempotency-keys); the zero
// value is a write without one.
type idempotent struct {
	ctx        context.Context
	scope, key string
}

// beginIdempotent claims the request's Idempotency-Key. replayed means the
// answer was written: a replay of the recorded response or a refusal.
func (s *Server) beginIdempotent(w http.ResponseWriter, hr *http.Request, req *Request) (idem idempotent, replayed bool) {
	if hr.Method != http.MethodPost || hr.Header.Values("Idempotency-Key") == nil {
		return idem, false
	}
	key := hr.Header.Get("Idempotency-Key")
	if !validKey(key) {
		s.writeError(w, hr, apperr.NonField("Idempotency-Key must be 1 to 255 printable ASCII characters."))
		return idem, true
	}
	idem = idempotent{ctx: req.Ctx, scope: idempotencyScope(req), key: key}
	canon, _ := json.Marshal(req.Body)
	rec, owned, err := idempotency.Begin(req.Ctx, s.opt.DB, idem.scope, key, hr.Method, hr.URL.Path, idempotency.Fingerprint(canon), req.Now)
	if err != nil {
		hr.Context().Value(infoKey{}).(*reqInfo).err = err
		s.writeError(w, hr, err)
		return idem, true
	}
	if owned {
		return idem, false
	}
	switch {
	case rec.Method != hr.Method || rec.Path != hr.URL.Path || rec.Fingerprint != idempotency.Fingerprint(canon):
		s.writeError(w, hr, apperr.Detail(apperr.Conflict, fmt.Sprintf("Idempotency-Key %q was already used with a different request.", key)))
	case rec.Processing:
		s.writeError(w, hr, apperr.Detail(apperr.Conflict, "A request with this Idempotency-Key is still being processed."))
	default:
		w.Header().Set("Idempotent-Replayed", "true")
		if rec.Status == http.StatusNoContent {
			w.WriteHeader(rec.Status)
		} else {
			writeRaw(w, rec.Status, rec.Response)
		}
	}
	return idem, true
}

// settleFailure records a failed write's answer under its key, or releases
// the key when retrying may succeed (internal errors, auth, conflicts,
// throttling). Detached from the request: the record must be settled even
// when the client went away.
func (idem idempotent) settleFailure(db *store.DB, err error) {
	if idem.scope == "" {
		return
	}
	st, body, _, internal := errorResponse(err)
	bg := context.WithoutCancel(idem.ctx)
	if internal || st == 401 || st == 403 || st == 409 || st == 429 {
		_ = idempotency.Release(bg, db, idem.scope, idem.key)
	} else if b, mErr := marshal(body); mErr == nil {
		_ = idempotency.Finish(bg, db, idem.scope, idem.key, st, b)
	}
}

// runWrite runs a write route in one transaction (on the database for
// NoTx routes) together with its idempotency record, and wakes the job
// runner after a commit.
func (s *Server) runWrite(rt Route, req *Request, idem idempotent) (status int, payload []byte, raw *Raw, err error) {
	run := func(q store.Querier) error {
		req.Q = q
		st, body, err := rt.Handle(req)
		if err != nil {
			return err
		}
		status = st
		if r, ok := body.(*Raw); ok {
			raw = r // a non-JSON answer (hosted pages, redirects)
		} else if body != nil {
			if payload, err = marshal(body); err != nil {
				return err
			}
		}
		if idem.scope != "" {
			return idempotency.Finish(req.Ctx, q, idem.scope, idem.key, status, payload)
		}
		return nil
	}
	if rt.Prepare != nil {
		req.Prepared, err = rt.Prepare(req)
	}
	switch {
	case err != nil: // refused before any transaction
	case rt.NoTx:
		err = run(s.opt.DB)
	default:
		err = s.opt.DB.InTx(req.Ctx, func(tx *sql.Tx) error { return run(tx) })
		if err == nil && s.opt.Jobs != nil {
			s.opt.Jobs.Wake(webhook.JobKind) // the commit may have queued deliveries
		}
	}
	return status, payload, raw, err
}

// prepareAndHandle runs a read route: its Prepare step, then Handle.
func (s *Server) prepareAndHandle(req *Request, rt Route) (int, any, error) {
	if rt.Prepare != nil {
		var err error
		if req.Prepared, err = rt.Prepare(req); err != nil {
			return 0, nil, err
		}
	}
	return rt.Handle(req)
}

func idempotencyScope(r *Request) string {
	if r.Scope.ID != "" {
		mode := "live"
		if r.Scope.TestMode {
			mode = "test"
		}
		return r.Scope.ID + ":" + mode
	}
	return "public:" + r.R.URL.Path
}

func validKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// Raw is a non-JSON response body.
type Raw struct {
	ContentType string
	Header      map[string]string
	Data        []byte
}

func (s *Server) writeResult(w http.ResponseWriter, status int, body any) {
	switch b := body.(type) {
	case nil:
		w.WriteHeader(status)
	case *Raw:
		for k, v := range b.Header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", b.ContentType)
		w.WriteHeader(status)
		_, _ = w.Write(b.Data)
	default:
		payload, err := marshal(body)
		if err != nil {
			s.writeError(w, nil, err)
			return
		}
		writeRaw(w, status, payload)
	}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body, header, internal := errorResponse(err)
	if internal && r != nil {
		if info, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
			info.err = err
		}
	}
	for k, v := range header {
		w.Header().Set(k, v)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Token")
	}
	writeJSON(w, status, body)
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		b = []byte(`{"detail": "A server error occurred."}`)
		status = http.StatusInternalServerError
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ErrBodyTooLarge answers 413.
var errBodyTooLarge = apperr.Detail(apperr.TooLarge, "Request body is too large (limit 1 MiB).")

// decodeBody reads a JSON, form or multipart body into a map (docs/conventions.md#2-requests-and-responses).
func decodeBody(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	ct := r.Header.Get("Content-Type")
	mediaType := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	switch {
	case mediaType == "" || mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(r.Body); err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return nil, errBodyTooLarge
			}
			return nil, apperr.Detail(apperr.Invalid, "JSON parse error - could not read the request body")
		}
		if len(bytes.TrimSpace(buf.Bytes())) == 0 {
			return map[string]any{}, nil
		}
		if tooDeep(buf.Bytes(), maxDepth) {
			return nil, apperr.Detail(apperr.Invalid, fmt.Sprintf("JSON parse error - nesting deeper than %d levels", maxDepth))
		}
		if mediaType == "" && !json.Valid(buf.Bytes()) {
			return nil, apperr.Detail(apperr.UnsupportedMedia, `Unsupported media type "" in request.`)
		}
		dec := json.NewDecoder(&buf)
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, apperr.Detail(apperr.Invalid, "JSON parse error - "+err.Error())
		}
		if dec.More() {
			return nil, apperr.Detail(apperr.Invalid, "JSON parse error - extra data after the JSON value")
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, apperr.NonField(fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", input.TypeName(v)))
		}
		return m, nil
	case mediaType == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return nil, errBodyTooLarge
			}
			return nil, apperr.Detail(apperr.Invalid, "Form parse error - "+err.Error())
		}
		return flatForm(r.PostForm), nil
	case mediaType == "multipart/form-data":
		if err := r.ParseMultipartForm(MaxBodyBytes); err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				return nil, errBodyTooLarge
			}
			return nil, apperr.Detail(apperr.Invalid, "Multipart form parse error - "+err.Error())
		}
		m := flatForm(r.MultipartForm.Value)
		// File parts arrive base64-encoded under their field name, as a
		// JSON upload sends them (certificate and CAF uploads).
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[len(fhs)-1].Open()
			if err != nil {
				return nil, apperr.Detail(apperr.Invalid, "Multipart form parse error - "+err.Error())
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(f)
			f.Close()
			if err != nil {
				return nil, apperr.Detail(apperr.Invalid, "Multipart form parse error - "+err.Error())
			}
			m[k] = base64.StdEncoding.EncodeToString(buf.Bytes())
		}
		return m, nil
	}
	return nil, apperr.Detail(apperr.UnsupportedMedia, fmt.Sprintf("Unsupported media type %q in request.", mediaType))
}

// maxDepth bounds JSON nesting: no Cobro body needs more than a few
// levels, and deep nesting only costs the server stack and time.
const maxDepth = 32

// tooDeep reports whether JSON text nests objects/arrays beyond max.
func tooDeep(b []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

func flatForm(v map[string][]string) map[string]any {
	m := make(map[string]any, len(v))
	for k, vals := range v {
		if len(vals) > 0 {
			m[k] = vals[len(vals)-1]
		}
	}
	return m
}
