// Package clock gives Cobro an injectable notion of "now" and the one way
// timestamps are stored (integer microseconds, UTC) and written (RFC 3339
// with microseconds in the workspace time zone).
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time. Tests use Fake; the server uses System.
type Clock interface{ Now() time.Time }

// System is the real clock.
type System struct{}

func (System) Now() time.Time { return time.Now() }

// Fake is a settable clock for tests.
type Fake struct {
	mu sync.Mutex
	t  time.Time
}

func NewFake(t time.Time) *Fake { return &Fake{t: t} }

func (f *Fake) Now() time.Time  { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *Fake) Set(t time.Time) { f.mu.Lock(); f.t = t; f.mu.Unlock() }
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

type nowKey struct{}

// WithNow returns ctx carrying the request time, so code far from the
// request (read-time aggregations) uses the server's clock, not the wall's.
func WithNow(ctx context.Context, now time.Time) context.Context {
	return context.WithValue(ctx, nowKey{}, now)
}

// Now is the request time carried by ctx, else the wall clock.
func Now(ctx context.Context) time.Time {
	if t, ok := ctx.Value(nowKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

// Layout is docs/conventions.md#7-data-types's datetime: microseconds and a numeric offset.
const Layout = "2006-01-02T15:04:05.000000-07:00"

// Stamp is a stored timestamp rendered in a time zone.
type Stamp struct {
	Micros int64
	Loc    *time.Location
}

func (s Stamp) Time() time.Time {
	t := time.UnixMicro(s.Micros)
	if s.Loc != nil {
		return t.In(s.Loc)
	}
	return t.UTC()
}

func (s Stamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + s.Time().Format(Layout) + `"`), nil
}

// NullStamp is a nullable Stamp (nil Micros → JSON null).
type NullStamp struct {
	Micros *int64
	Loc    *time.Location
}

func (s NullStamp) MarshalJSON() ([]byte, error) {
	if s.Micros == nil {
		return []byte("null"), nil
	}
	return Stamp{Micros: *s.Micros, Loc: s.Loc}.MarshalJSON()
}
