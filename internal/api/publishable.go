package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Publishable calls (docs/conventions.md#4-publishable-public-endpoints, docs/conventions.md#14-rate-limiting): a payer's browser, no token. Their
// POSTs are limited per client IP and per payment link or payment. The
// JSON endpoints answer CORS for any origin (docs/conventions.md#2-requests-and-responses): a merchant's own checkout page may call them, and they carry no
// ambient credential a forged request could borrow. The HTML form of the
// simulated bank page refuses cross-origin browser posts (CSRF): a page
// elsewhere cannot approve a payer's card authentication.

var crossOrigin = http.NewCrossOriginProtection()

// guardPublic runs before a publishable (or token-less dual) route.
func (s *Server) guardPublic(r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	if strings.HasPrefix(r.URL.Path, "/publishable/gateways/") {
		if err := crossOrigin.Check(r); err != nil {
			return apperr.Detail(apperr.Forbidden, "Cross-origin request refused.")
		}
	}
	if s.public.off() {
		return nil
	}
	if ok, wait := s.public.allow(clientIP(r)+" "+s.limitSubject(r), time.Now()); !ok {
		return throttled(wait)
	}
	return nil
}

// limitSubject is what a publishable POST is limited on besides the
// client IP: the payment link, payment or source it names once it exists,
// else the route. Names of things that do not exist share one budget per
// IP: they must not each make a bucket (issue 13, finding 6), and guessing
// them is what the limit is for.
func (s *Server) limitSubject(r *http.Request) string {
	ctx := r.Context()
	switch {
	case r.PathValue("key") != "":
		if s.exists(ctx, "payment_links", "publishable_key", r.PathValue("key")) {
			return "link " + r.PathValue("key")
		}
	case r.PathValue("source_id") != "":
		if s.exists(ctx, "sources", "id", r.PathValue("source_id")) {
			return "source " + r.PathValue("source_id")
		}
	case r.PathValue("id") != "" && strings.HasPrefix(r.URL.Path, "/payments/"):
		if s.exists(ctx, "payments", "id", r.PathValue("id")) {
			return "payment " + r.PathValue("id")
		}
	default: // the object is named in the body (POST /sources/)
		if info, ok := ctx.Value(infoKey{}).(*reqInfo); ok {
			return "route " + info.route
		}
	}
	return "unknown"
}

// exists looks one indexed column up (table and column are this file's
// constants); an error counts as absent, which only shares a budget.
func (s *Server) exists(ctx context.Context, table, column, value string) bool {
	var one int
	return s.opt.DB.QueryRowContext(ctx, `SELECT 1 FROM `+table+` WHERE `+column+` = $1`, value).Scan(&one) == nil
}

// limiterCapacity bounds the publishable limiter's buckets: about 200
// bytes each, so a few MB at most, whatever clients send. Past it the
// least recently used bucket goes; its client merely starts afresh.
const limiterCapacity = 20_000

// ipLimiter allows perMinute requests per key and minute (token bucket,
// integer micro-tokens), in a bounded LRU. Node-local, like the token
// limiter.
type ipLimiter struct {
	mu        sync.Mutex
	perMinute int64
	buckets   *simplelru.LRU[string, *bucket]
}

func newIPLimiter(perMinute, capacity int) *ipLimiter {
	buckets, err := simplelru.NewLRU[string, *bucket](capacity, nil)
	if err != nil {
		panic(err) // capacity is a positive constant
	}
	return &ipLimiter{perMinute: int64(perMinute), buckets: buckets}
}

func (l *ipLimiter) off() bool { return l == nil || l.perMinute <= 0 }

// len is the number of buckets held.
func (l *ipLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buckets.Len()
}

func (l *ipLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l.off() {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	const one = 60_000_000 // one request in micro-token-minutes
	b, ok := l.buckets.Get(key)
	if !ok {
		b = &bucket{micro: l.perMinute * one, last: now}
		l.buckets.Add(key, b)
	}
	return b.take(now, one, l.perMinute*one, l.perMinute)
}
