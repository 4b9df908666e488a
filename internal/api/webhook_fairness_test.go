package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// TestWebhookFairness: one workspace's receiver that never answers in time,
// with a backlog larger than any batch, must not hold up another
// workspace's delivery (security review finding 5). The assertion is on
// order, not time: when workspace B's receiver gets its delivery, only a
// handful of A's (its in-flight limit) may have been started before it.
// A worker that claims a batch and waits for all of it starts 128 of A's
// first.
func TestWebhookFairness(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		const backlog = 140
		a := e.Workspace("US").Test()
		b := e.Workspace("US").Test()

		release := make(chan struct{})
		var releaseOnce sync.Once
		stopSlow := func() { releaseOnce.Do(func() { close(release) }) }
		var slowHits atomic.Int64
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			slowHits.Add(1)
			select { // slower than the worker's timeout, until the test ends
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer slow.Close()
		defer stopSlow()

		var aBeforeB atomic.Int64
		aBeforeB.Store(-1)
		fastGot := make(chan struct{})
		var fastOnce sync.Once
		fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fastOnce.Do(func() {
				aBeforeB.Store(slowHits.Load())
				close(fastGot)
			})
			_, _ = w.Write([]byte("ok"))
		}))
		defer fast.Close()

		whNew(a, map[string]any{"url": slow.URL + "/hook", "events": []any{"customer.created"}})
		whNew(b, map[string]any{"url": fast.URL + "/hook", "events": []any{"customer.created"}})
		for i := range backlog {
			a.Post("/customers/", map[string]any{"name": fmt.Sprintf("A %d", i), "address": "x", "country": "US", "state": "IL"}).Expect(201)
		}
		b.Post("/customers/", map[string]any{"name": "B", "address": "x", "country": "US", "state": "IL"}).Expect(201)

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); e.Jobs.Run(ctx) }()
		defer func() { stopSlow(); cancel(); <-done }()

		select {
		case <-fastGot:
		case <-time.After(90 * time.Second): // generous: the fair runner takes milliseconds
			t.Fatalf("workspace B's delivery not received; %d of A's started", slowHits.Load())
		}
		if n := aBeforeB.Load(); n >= 64 {
			t.Errorf("%d of workspace A's deliveries started before workspace B's one; want at most A's in-flight limit", n)
		}
		// A's backlog is still there: its receiver has answered nothing yet.
		var pending int
		if err := e.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM deliveries WHERE workspace_id = $1 AND status = 'pending' AND attempts = 0`, a.Workspace).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending < backlog-64 {
			t.Errorf("only %d of A's deliveries still untried when B's arrived", pending)
		}
	})
}
