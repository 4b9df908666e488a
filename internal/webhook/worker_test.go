package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// receiver records deliveries and answers from a script.
type receiver struct {
	mu     sync.Mutex
	script []int // status per call; -1 = hang past the timeout; exhausted = 200
	got    []delivery
}

type delivery struct {
	body                            []byte
	piriod, id, timestamp, standard string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, delivery{body, req.Header.Get("x-piriod-signature"), req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")})
	status := 200
	if len(r.script) > 0 {
		status, r.script = r.script[0], r.script[1:]
	}
	r.mu.Unlock()
	if status == -1 {
		time.Sleep(300 * time.Millisecond)
		return
	}
	w.WriteHeader(status)
	io.WriteString(w, "ok")
}

// verify checks both signatures with an independent implementation.
func verify(t *testing.T, secret string, d delivery, event, objectID string) {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(event + objectID))
	if d.piriod != hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("x-piriod-signature does not verify")
	}
	m = hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(d.id + "." + d.timestamp + "." + string(d.body)))
	if d.standard != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
		t.Errorf("webhook-signature does not verify: %s", d.standard)
	}
	if string(d.body) != `{"event":"`+event+`","object_id":"`+objectID+`"}` {
		t.Errorf("body %s", d.body)
	}
}

type fixture struct {
	db     *store.DB
	clock  *clock.Fake
	sc     workspace.Scope
	worker *webhook.Worker
	secret string
	epID   string
}

func setup(t *testing.T, dialect, url string) *fixture {
	db := apitest.OpenDB(t, dialect)
	fake := clock.NewFake(time.Date(2026, 6, 2, 14, 0, 0, 0, time.UTC))
	created, err := workspace.Create(context.Background(), db, "W", "US", "", fake.Now())
	if err != nil {
		t.Fatal(err)
	}
	ws, _ := workspace.ByID(context.Background(), db, created.Workspace)
	f := &fixture{db: db, clock: fake, sc: workspace.Scope{Workspace: ws, TestMode: true}, secret: webhook.NewSecret(), epID: "whe_AAAAAAAAAAAAAAAAAA"}
	if _, err := db.Exec(`INSERT INTO webhook_endpoints (id, workspace_id, test_mode, url, events, status, consecutive_failures, secret, metadata, created, updated)
		VALUES ($1, $2, $3, $4, '["*"]', 'enabled', 0, $5, '{}', 0, 0)`, f.epID, ws.ID, true, url, f.secret); err != nil {
		t.Fatal(err)
	}
	f.worker = &webhook.Worker{DB: db, Clock: fake, Timeout: 100 * time.Millisecond, Jitter: func() float64 { return 1 }}
	return f
}

func (f *fixture) emit(t *testing.T, name, objectID string) {
	t.Helper()
	if err := f.db.InTx(context.Background(), func(tx *sql.Tx) error {
		return event.Emit(context.Background(), tx, f.sc, name, objectID, f.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) run(t *testing.T) int {
	t.Helper()
	n, err := f.worker.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func each(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			if d == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set")
			}
			fn(t, d)
		})
	}
}

// A receiver that answers 500, then times out, then 200: every event
// arrives, on the retry schedule, with exactly the expected attempts.
func TestRetriesUntilTheReceiverRecovers(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		rcv := &receiver{script: []int{500, 500, 500, 500, -1, -1}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		f := setup(t, dialect, srv.URL)
		f.emit(t, "invoice.created", "inv_1")
		f.emit(t, "invoice.finalized", "inv_1")

		steps := []struct {
			advance time.Duration
			want    int // deliveries handled
		}{
			{0, 2},                // attempt 1 of both: 500, 500
			{4 * time.Second, 0},  // nothing due before 5 s
			{time.Second, 2},      // attempt 2: 500, 500
			{5 * time.Minute, 2},  // attempt 3: both time out
			{29 * time.Minute, 0}, // not yet
			{time.Minute, 2},      // attempt 4: 200
			{24 * time.Hour, 0},   // done: nothing left
		}
		for i, s := range steps {
			f.clock.Advance(s.advance)
			if n := f.run(t); n != s.want {
				t.Fatalf("step %d: handled %d, want %d", i, n, s.want)
			}
		}
		if len(rcv.got) != 8 {
			t.Fatalf("receiver got %d requests, want 8", len(rcv.got))
		}
		for _, d := range rcv.got {
			var ev struct{ Event, ObjectID string }
			_ = ev
			name := "invoice.created"
			if string(d.body) == `{"event":"invoice.finalized","object_id":"inv_1"}` {
				name = "invoice.finalized"
			}
			verify(t, f.secret, d, name, "inv_1")
		}
		rows, err := f.db.Query(`SELECT d.status, d.attempts, a.number, a.status_code, a.error FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id ORDER BY d.created, d.id, a.number`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var codes []string
		for rows.Next() {
			var status string
			var attempts, number int64
			var code sql.NullInt64
			var errText sql.NullString
			if err := rows.Scan(&status, &attempts, &number, &code, &errText); err != nil {
				t.Fatal(err)
			}
			if status != "succeeded" || attempts != 4 {
				t.Errorf("delivery %s after %d attempts", status, attempts)
			}
			if code.Valid {
				codes = append(codes, strconv.FormatInt(code.Int64, 10))
			} else {
				codes = append(codes, "timeout")
			}
		}
		want := "[500 500 timeout 200 500 500 timeout 200]"
		if got := fmtList(codes); got != want {
			t.Errorf("attempts %s, want %s", got, want)
		}
	})
}

func fmtList(s []string) string {
	out := "["
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out + "]"
}

// A node dies between the commit and the delivery (its claim is held):
// after the lease another worker delivers the event.
func TestDeliveredAfterACrash(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		f := setup(t, dialect, srv.URL)
		f.emit(t, "customer.created", "cus_1")
		// the dead node had claimed the job and never answered
		claimed, err := jobs.Claim(context.Background(), f.db, webhook.JobKind, "dead-node", f.clock.Now(), 2*time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %d", err, len(claimed))
		}
		restarted := &webhook.Worker{DB: f.db, Clock: f.clock, Timeout: 100 * time.Millisecond}
		if n, _ := restarted.RunOnce(context.Background()); n != 0 {
			t.Fatalf("delivered %d while the lease holds", n)
		}
		f.clock.Advance(3 * time.Minute)
		if n, _ := restarted.RunOnce(context.Background()); n != 1 || len(rcv.got) != 1 {
			t.Fatalf("after the lease: handled %d, received %d", n, len(rcv.got))
		}
		verify(t, f.secret, rcv.got[0], "customer.created", "cus_1")
	})
}

// Three events failing all eight attempts disable the endpoint; what is
// pending is skipped; 410 Gone disables at once.
func TestAutoDisable(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }))
		defer srv.Close()
		f := setup(t, dialect, srv.URL)
		for _, id := range []string{"cus_1", "cus_2", "cus_3"} {
			f.emit(t, "customer.created", id)
		}
		for i := 0; i < webhook.MaxAttempts; i++ {
			f.run(t)
			f.clock.Advance(11 * time.Hour)
		}
		var status, reason string
		var failures int64
		if err := f.db.QueryRow(`SELECT status, disabled_reason, consecutive_failures FROM webhook_endpoints WHERE id = $1`, f.epID).Scan(&status, &reason, &failures); err != nil {
			t.Fatal(err)
		}
		if status != "disabled" || reason != "consecutive_failures" || failures != 3 {
			t.Fatalf("endpoint %s %s %d", status, reason, failures)
		}
		f.emit(t, "customer.created", "cus_4")
		var skipped int
		f.db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE status = 'skipped'`).Scan(&skipped)
		if skipped != 1 {
			t.Errorf("new event on a disabled endpoint: %d skipped deliveries", skipped)
		}
	})
	each(t, func(t *testing.T, dialect string) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
		defer srv.Close()
		f := setup(t, dialect, srv.URL)
		f.emit(t, "customer.created", "cus_1")
		f.run(t)
		var status string
		f.db.QueryRow(`SELECT status FROM webhook_endpoints WHERE id = $1`, f.epID).Scan(&status)
		if status != "disabled" {
			t.Fatalf("410: endpoint %s", status)
		}
	})
}

// Live mode never dials a private address, even when DNS points there after
// the endpoint was created.
func TestDeliveryRefusesPrivateTargetsInLiveMode(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	f := setup(t, "sqlite", srv.URL)
	if _, err := f.db.Exec(`UPDATE webhook_endpoints SET test_mode = FALSE`); err != nil {
		t.Fatal(err)
	}
	f.sc.TestMode = false
	f.emit(t, "customer.created", "cus_1")
	f.run(t)
	if len(rcv.got) != 0 {
		t.Fatal("live mode delivered to a loopback address")
	}
	var errText string
	f.db.QueryRow(`SELECT error FROM delivery_attempts`).Scan(&errText)
	if errText != webhook.ErrPrivate.Error() {
		t.Errorf("attempt error %q", errText)
	}
}

// Two nodes' workers running at once deliver every event exactly once.
func TestConcurrentWorkersDeliverOnce(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		f := setup(t, dialect, srv.URL)
		for i := 0; i < 60; i++ {
			f.emit(t, "customer.created", "cus_"+strconv.Itoa(i))
		}
		var wg sync.WaitGroup
		for n := 0; n < 2; n++ {
			w := &webhook.Worker{DB: f.db, Clock: f.clock, Timeout: time.Second, Concurrency: 4}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					n, err := w.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, d := range rcv.got {
			seen[string(d.body)]++
		}
		if len(rcv.got) != 60 || len(seen) != 60 {
			t.Fatalf("received %d requests for %d distinct events, want 60 and 60", len(rcv.got), len(seen))
		}
		var attempts int
		f.db.QueryRow(`SELECT COUNT(*) FROM delivery_attempts`).Scan(&attempts)
		if attempts != 60 {
			t.Errorf("%d attempts recorded", attempts)
		}
	})
}
