package webhook

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
)

// Schedule is the delay before attempts 2…8 (docs/webhooks.md#51-retry-schedule), each with
// ±20 % jitter; attempt 1 is immediate.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// MaxAttempts is the number of attempts of one delivery.
const MaxAttempts = 8

// Worker delivers webhook jobs: it is the handler of JobKind, run by the
// job runner (internal/jobs) next to the other background work. Any number
// of nodes may run it against one database: jobs are claimed with a lease.
type Worker struct {
	DB           *store.DB
	Clock        clock.Clock
	Logger       *slog.Logger
	AllowPrivate bool          // --allow-private-webhooks
	Timeout      time.Duration // whole exchange; default 6 s
	Concurrency  int           // deliveries in flight; default 32
	// PerWorkspace and PerEndpoint bound the deliveries in flight of one
	// workspace and of one endpoint (defaults 3/4 and 1/2 of Concurrency), so that one
	// tenant's slow receivers cannot hold every slot (a receiver that
	// always times out fails and backs off like any failing one).
	PerWorkspace, PerEndpoint int
	// Reserve is how many slots stay free for other workspaces and
	// endpoints while one alone with work uses the rest beyond its limits
	// (default 1/8 of Concurrency; negative: strict limits).
	Reserve int
	// FailureThreshold disables an endpoint after this many consecutive
	// failed deliveries (docs/webhooks.md#52-auto-disable); default 3.
	FailureThreshold int
	// Jitter returns a factor in [0.8, 1.2]; tests make it fixed.
	Jitter func() float64
	// Poll is how often an idle runner looks for due deliveries; default 250 ms.
	Poll time.Duration
	// Outcome, when set, is told the result of every attempt ("succeeded",
	// "retry", "failed", "gone") for the delivery metrics.
	Outcome func(result string)

	// NoTestLoopback refuses loopback in test mode too
	// (--test-webhooks-loopback=false).
	NoTestLoopback bool

	once   sync.Once
	client *http.Client
}

func (w *Worker) init() {
	w.once.Do(func() {
		if w.Clock == nil {
			w.Clock = clock.System{}
		}
		if w.Logger == nil {
			w.Logger = slog.New(slog.DiscardHandler)
		}
		if w.Timeout == 0 {
			w.Timeout = 6 * time.Second
		}
		if w.Concurrency == 0 {
			w.Concurrency = 32
		}
		if w.PerWorkspace == 0 {
			w.PerWorkspace = max(1, w.Concurrency*3/4)
		}
		if w.PerEndpoint == 0 {
			w.PerEndpoint = max(1, w.Concurrency/2)
		}
		if w.Reserve == 0 {
			w.Reserve = max(1, w.Concurrency/8)
		}
		if w.FailureThreshold == 0 {
			w.FailureThreshold = 3
		}
		if w.Jitter == nil {
			w.Jitter = func() float64 { return 0.8 + 0.4*rand.Float64() }
		}
		if w.Poll == 0 {
			w.Poll = 250 * time.Millisecond
		}
		tr := &http.Transport{
			DialContext:         dialer(&net.Dialer{Timeout: w.Timeout}),
			MaxIdleConnsPerHost: w.Concurrency,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: w.Timeout,
		}
		w.client = &http.Client{Transport: tr, Timeout: w.Timeout,
			// redirects are failures, not followed (docs/webhooks.md#3-delivery)
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
}

// Kind is the job kind of deliveries for the runner: Concurrency slots,
// lanes per workspace and per endpoint, a lease covering one exchange (at
// most Timeout) and its recording, so that a node killed mid-delivery
// hands the job over soon after it expires.
func (w *Worker) Kind() jobs.Kind {
	w.init()
	return jobs.Kind{Name: JobKind, Handle: w.handle, Concurrency: w.Concurrency, Prefetch: w.Concurrency, Poll: w.Poll,
		Lease: 2*w.Timeout + 5*time.Second, RetryAfter: 2*w.Timeout + 5*time.Second,
		// lanes as queued by event.NewDelivery: workspace, then endpoint
		Lanes: &jobs.Lanes{Limits: []int{w.PerWorkspace, w.PerEndpoint}, Reserve: w.Reserve}}
}

// RunOnce delivers what is due now and returns how many deliveries it
// handled (tests and the benchmark; servers run Kind in a jobs.Runner).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	return jobs.RunOnce(ctx, w.DB, w.Clock, w.Logger, w.Kind())
}

type target struct {
	deliveryID, workspaceID, eventID, eventName, objectID string
	testMode                                              bool
	status                                                string
	attempts                                              int64
	endpoint                                              *Endpoint
}

func (w *Worker) load(ctx context.Context, deliveryID string) (*target, error) {
	t := &target{deliveryID: deliveryID}
	var webhookID string
	err := w.DB.QueryRowContext(ctx, `SELECT d.workspace_id, d.test_mode, d.event_id, d.webhook_id, d.status, d.attempts, e.event, e.object_id
		FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`, deliveryID).
		Scan(&t.workspaceID, &t.testMode, &t.eventID, &webhookID, &t.status, &t.attempts, &t.eventName, &t.objectID)
	if err != nil {
		return nil, err
	}
	ep, err := ScanEndpoint(w.DB.QueryRowContext(ctx, `SELECT `+Columns+` FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		webhookID, t.workspaceID, t.testMode))
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	t.endpoint = ep
	return t, nil
}

// msgConnFailed is the whole error of a failed connection to an internal
// address: the transport's text names addresses, ports and refusals.
const msgConnFailed = "connection failed"

// Attempt is the result of one POST (also the ping answer).
type Attempt struct {
	StatusCode   *int    `json:"status_code"`
	DurationMS   int64   `json:"duration_ms"`
	Error        *string `json:"error"`
	ResponseBody *string `json:"response_body"`
}

// OK is a 2xx answer.
func (a Attempt) OK() bool { return a.StatusCode != nil && *a.StatusCode >= 200 && *a.StatusCode < 300 }

// Send POSTs one signed delivery of (eventID, name, objectID) to ep.
func (w *Worker) Send(ctx context.Context, ep *Endpoint, eventID, name, objectID string) Attempt {
	w.init()
	body := Body(name, objectID)
	now := w.Clock.Now()
	ts := now.Unix()
	start := time.Now()
	fail := func(msg string) Attempt {
		return Attempt{Error: &msg, DurationMS: time.Since(start).Milliseconds()}
	}
	ctx = context.WithValue(ctx, policyKey{}, Policy{TestMode: ep.TestMode, AllowPrivate: w.AllowPrivate, NoTestLoopback: w.NoTestLoopback})
	ctx, reached := watchReach(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return fail(err.Error())
	}
	sig := StandardSignature(ep.Secret, eventID, ts, body)
	if ep.PreviousSecret != nil && ep.PreviousSecretUntil != nil && now.UnixMicro() < *ep.PreviousSecretUntil {
		sig += " " + StandardSignature(*ep.PreviousSecret, eventID, ts, body)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Cobro-Webhooks/1")
	req.Header.Set("x-piriod-signature", PiriodSignature(ep.Secret, name, objectID))
	req.Header.Set("webhook-id", eventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	res, err := w.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fail("timeout after " + w.Timeout.String())
		}
		if errors.Is(err, ErrPrivate) {
			return fail(ErrPrivate.Error())
		}
		if reached.internal.Load() { // which ports answer is not the tenant's to learn
			return fail(msgConnFailed)
		}
		return fail(err.Error())
	}
	defer res.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)) // keep the connection reusable
	code := res.StatusCode
	a := Attempt{StatusCode: &code, DurationMS: time.Since(start).Milliseconds()}
	// A receiver on loopback or a private network may be a local service:
	// its status and timing are reported, never what it says.
	if len(head) > 0 && !reached.internal.Load() {
		s := string(head)
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		// PostgreSQL text cannot hold NUL: a receiver's stray byte must not
		// make the attempt unrecordable (and the delivery retry forever).
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
		a.ResponseBody = &s
	}
	return a
}

func (w *Worker) handle(ctx context.Context, j jobs.Job) error {
	var p struct {
		Delivery string `json:"delivery"`
	}
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Complete(ctx, w.DB, j.ID) // unreadable: nothing to do
	}
	t, err := w.load(ctx, p.Delivery)
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Complete(ctx, w.DB, j.ID) // event purged
	}
	if err != nil {
		return err
	}
	now := w.Clock.Now()
	if t.status != DeliveryPending {
		return jobs.Complete(ctx, w.DB, j.ID)
	}
	if t.endpoint == nil || t.endpoint.Status != StatusEnabled {
		return w.DB.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = $1, next_attempt = NULL, updated = $2 WHERE id = $3`, DeliverySkipped, now.UnixMicro(), t.deliveryID); err != nil {
				return err
			}
			return jobs.Complete(ctx, tx, j.ID)
		})
	}
	a := w.Send(ctx, t.endpoint, t.eventID, t.eventName, t.objectID)
	return w.record(ctx, j, t, a)
}

// record stores an attempt and moves the delivery, the job and the
// endpoint on, in one transaction.
func (w *Worker) record(ctx context.Context, j jobs.Job, t *target, a Attempt) error {
	now := w.Clock.Now()
	n := t.attempts + 1
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, number, at, status_code, error, duration_ms, response_body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			t.deliveryID, n, now.UnixMicro(), a.StatusCode, a.Error, a.DurationMS, a.ResponseBody); err != nil {
			return err
		}
		ep := t.endpoint
		// The delivery may have been skipped meanwhile (endpoint disabled or
		// deleted while the request was in flight): then nothing moves.
		var current string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM deliveries WHERE id = $1`+w.DB.Dialect.ForUpdate(), t.deliveryID).Scan(&current); err != nil {
			return err
		}
		if current != DeliveryPending {
			return jobs.Complete(ctx, tx, j.ID)
		}
		w.outcome(a, n)
		switch {
		case a.OK():
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = $1, attempts = $2, next_attempt = NULL, updated = $3 WHERE id = $4`,
				DeliverySucceeded, n, now.UnixMicro(), t.deliveryID); err != nil {
				return err
			}
			if ep.ConsecutiveFailures != 0 { // as loaded; the usual case skips a round trip
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = $1`, ep.ID); err != nil {
					return err
				}
			}
			return jobs.Complete(ctx, tx, j.ID)
		case a.StatusCode != nil && *a.StatusCode == http.StatusGone:
			// The receiver says it is gone for good: stop at once (Cobro:
			// disabled_reason "gone", next to consecutive_failures and manual).
			if err := w.fail(ctx, tx, t, n, now); err != nil {
				return err
			}
			return w.disable(ctx, tx, ep.ID, "gone", now)
		case n >= MaxAttempts:
			if err := w.fail(ctx, tx, t, n, now); err != nil {
				return err
			}
			var failures int64
			if err := tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 RETURNING consecutive_failures`, ep.ID).Scan(&failures); err != nil {
				return err
			}
			if failures >= int64(w.FailureThreshold) {
				return w.disable(ctx, tx, ep.ID, ReasonFailures, now)
			}
			return nil
		default:
			delay := time.Duration(float64(Schedule[n-1]) * w.Jitter())
			next := now.Add(delay)
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET attempts = $1, next_attempt = $2, updated = $3 WHERE id = $4`,
				n, next.UnixMicro(), now.UnixMicro(), t.deliveryID); err != nil {
				return err
			}
			return jobs.Retry(ctx, tx, j.ID, next)
		}
	})
}

func (w *Worker) outcome(a Attempt, n int64) {
	if w.Outcome == nil {
		return
	}
	switch {
	case a.OK():
		w.Outcome("succeeded")
	case a.StatusCode != nil && *a.StatusCode == http.StatusGone:
		w.Outcome("gone")
	case n >= MaxAttempts:
		w.Outcome("failed")
	default:
		w.Outcome("retry")
	}
}

func (w *Worker) fail(ctx context.Context, tx *sql.Tx, t *target, n int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = $1, attempts = $2, next_attempt = NULL, updated = $3 WHERE id = $4`,
		DeliveryFailed, n, now.UnixMicro(), t.deliveryID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE unique_key = $1`, jobKeyPrefix+t.deliveryID)
	return err
}

// disable turns an endpoint off; its pending deliveries become skipped.
func (w *Worker) disable(ctx context.Context, tx *sql.Tx, endpointID, reason string, now time.Time) error {
	return Disable(ctx, tx, endpointID, reason, now)
}

// Disable turns an endpoint off (automatic or manual) and skips what was
// still pending for it.
func Disable(ctx context.Context, q store.Querier, endpointID, reason string, now time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE webhook_endpoints SET status = $1, disabled_reason = $2, disabled = $3, updated = $3 WHERE id = $4`,
		StatusDisabled, reason, now.UnixMicro(), endpointID); err != nil {
		return err
	}
	ids, err := store.Strings(ctx, q, `SELECT id FROM deliveries WHERE webhook_id = $1 AND status = $2`, endpointID, DeliveryPending)
	if err != nil {
		return err
	}
	for _, d := range ids {
		if _, err := q.ExecContext(ctx, `UPDATE deliveries SET status = $1, next_attempt = NULL, updated = $2 WHERE id = $3`, DeliverySkipped, now.UnixMicro(), d); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM jobs WHERE unique_key = $1`, jobKeyPrefix+d); err != nil {
			return err
		}
	}
	return nil
}
