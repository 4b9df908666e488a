package api

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
)

// Publishable calls (docs/conventions.md#4-publishable-public-endpoints, docs/conventions.md#14-rate-limiting): a payer's browser, no token. Their
// POSTs are limited per client IP and per payment link or payment (the
// path names it). The JSON endpoints answer CORS for any origin
// (docs/conventions.md#2-requests-and-responses): a merchant's own checkout page may call them, and they carry no
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
	if ok, wait := s.public.allow(clientIP(r)+" "+r.URL.Path, time.Now()); !ok {
		return throttled(wait)
	}
	return nil
}

// clientIP is the peer address, or the last hop a trusted proxy saw.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if trustedProxy(r.RemoteAddr) {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	return host
}

// ipLimiter allows perMinute requests per key and minute (token bucket,
// integer micro-tokens). Node-local, like the token limiter.
type ipLimiter struct {
	mu        sync.Mutex
	perMinute int64
	buckets   map[string]*bucket
}

func newIPLimiter(perMinute int) *ipLimiter {
	return &ipLimiter{perMinute: int64(perMinute), buckets: map[string]*bucket{}}
}

func (l *ipLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	const one = 60_000_000 // one request in micro-token-minutes
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) > 100_000 {
			for k, x := range l.buckets {
				if now.Sub(x.last) > 2*time.Minute {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{micro: l.perMinute * one, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Microseconds(); elapsed > 0 {
		b.micro = min(l.perMinute*one, b.micro+elapsed*l.perMinute)
		b.last = now
	}
	if b.micro >= one {
		b.micro -= one
		return true, 0
	}
	return false, time.Duration((one-b.micro)/l.perMinute) * time.Microsecond
}
