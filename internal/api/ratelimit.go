package api

import (
	"fmt"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
)

// limiter is a token bucket per key (docs/conventions.md#14-rate-limiting: per token, 100 requests
// per second sustained, bursts of 200). Buckets live in this node's memory:
// with several nodes each applies the limit on its own, which bounds abuse
// without being needed for correctness. Integer micro-tokens, no floats.
type limiter struct {
	mu      sync.Mutex
	perSec  int64 // refill per second
	burst   int64
	buckets map[string]*bucket
}

type bucket struct {
	micro int64 // tokens × 1e6
	last  time.Time
}

func newLimiter(perSec, burst int) *limiter {
	return &limiter{perSec: int64(perSec), burst: int64(burst), buckets: map[string]*bucket{}}
}

// allow takes one token for key; when none is left it answers how long
// until one is.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil || l.perSec <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	const one = 1_000_000
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) > 100_000 {
			l.sweep(now)
		}
		b = &bucket{micro: l.burst * one, last: now}
		l.buckets[key] = b
	}
	return b.take(now, one, l.burst*one, l.perSec)
}

// take refills b by rate units a microsecond up to capacity, then takes
// one token (one units); when none is left it answers how long until one is.
func (b *bucket) take(now time.Time, one, capacity, rate int64) (bool, time.Duration) {
	if elapsed := now.Sub(b.last).Microseconds(); elapsed > 0 {
		b.micro = min(capacity, b.micro+elapsed*rate)
		b.last = now
	}
	if b.micro >= one {
		b.micro -= one
		return true, 0
	}
	return false, time.Duration((one-b.micro)/rate) * time.Microsecond
}

// sweep forgets buckets that have been full for a while.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.last) > time.Minute {
			delete(l.buckets, k)
		}
	}
}

func throttled(wait time.Duration) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &apperr.Error{Kind: apperr.Throttled, Detail: fmt.Sprintf("Request was throttled. Expected available in %d seconds.", secs),
		Header: map[string]string{"Retry-After": fmt.Sprint(secs)}}
}
