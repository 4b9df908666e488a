package api_test

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/clock"
)

// docs/conventions.md#14-rate-limiting: past the burst, a token gets 429 with Retry-After; another
// token is not affected.
func TestRateLimitPerToken(t *testing.T) {
	db := apitest.OpenDB(t, "sqlite")
	srv := api.New(api.Options{DB: db, Clock: clock.System{}, RatePerToken: 1, RateBurst: 5})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &apitest.Env{T: t, URL: ts.URL, DB: db, Server: srv, Clock: clock.NewFake(time.Now())}
	a, b := e.Workspace("US"), e.Workspace("US")
	for i := 0; i < 5; i++ {
		a.Get("/customers/").Expect(200)
	}
	r := a.Get("/customers/")
	r.ExpectBody(429, `{"detail": "Request was throttled. Expected available in 1 seconds."}`)
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	b.Get("/customers/").Expect(200)
	time.Sleep(1100 * time.Millisecond) // refill of one token at 1/s
	a.Get("/customers/").Expect(200)
}
