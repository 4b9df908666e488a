package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// MaxEndpoints is the number of endpoints a workspace may have per mode.
const MaxEndpoints = 16

// SecretOverlap is how long the previous secret keeps signing
// webhook-signature after a rotation (docs/webhooks.md#43-secret-rotation).
const SecretOverlap = 24 * time.Hour

// Messages of docs/webhooks.md#13-errors and docs/webhooks.md#53-redelivery.
const (
	MsgLiveHTTPS     = "Live-mode endpoints must use https."
	MsgUnresolvable  = "The URL's host name could not be resolved."
	MsgTooMany       = "A workspace can have at most 16 webhook endpoints per mode."
	MsgNotRunning    = "Webhook delivery is not running on this server."
	MsgDisabled      = "The endpoint is disabled."
	MsgNoSubscribers = "No enabled endpoint is subscribed to this event."
)

// URLGuard is how endpoint URLs are checked against the SSRF policy at
// creation and update: the resolver (net.DefaultResolver when nil; tests
// inject one) and the operator's --allow-private-webhooks.
type URLGuard struct {
	Resolver       Resolver
	AllowPrivate   bool
	NoTestLoopback bool // --test-webhooks-loopback=false
}

// resolveTimeout bounds the DNS lookup of a URL check.
const resolveTimeout = 5 * time.Second

const msgURL = "Enter a valid URL."

// check validates a URL (well-formed http or https) for an endpoint of the scope's mode and returns the
// field message, or "".
func (g URLGuard) check(ctx context.Context, sc workspace.Scope, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return msgURL
	}
	if !sc.TestMode && u.Scheme != "https" {
		return MsgLiveHTTPS
	}
	if g.AllowPrivate {
		return ""
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	switch err := CheckURL(ctx, r, raw, Policy{TestMode: sc.TestMode, NoTestLoopback: g.NoTestLoopback}); {
	case err == nil:
		return ""
	case errors.Is(err, ErrPrivate):
		return ErrPrivate.Error()
	default:
		return MsgUnresolvable
	}
}

// record is the writable state of an endpoint.
type record struct {
	url         string
	description *string
	events      []string
	status      string
	metadata    string
}

// EndpointParams is the command that creates or updates an endpoint
// (docs/webhooks.md#1-webhook-endpoints), decoded at the HTTP edge. A nil field is not given;
// Errs are the fields the edge could not decode, reported with the URL
// policy's verdict.
type EndpointParams struct {
	URL         *string // a well-formed http(s) URL
	Description **string
	Events      []string // nil: not given
	Status      *string
	Metadata    *string
	Errs        *apperr.Fields
}

// apply checks c onto rec: the URL against the SSRF policy, every field
// error at once (docs/conventions.md#12-errors).
func (c EndpointParams) apply(ctx context.Context, rec *record, sc workspace.Scope, g URLGuard) error {
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	if c.URL != nil {
		if msg := g.check(ctx, sc, *c.URL); msg != "" {
			errs.Add("url", msg)
		} else {
			rec.url = *c.URL
		}
	}
	if c.Description != nil {
		rec.description = *c.Description
	}
	if c.Events != nil {
		rec.events = c.Events
	}
	if c.Status != nil {
		rec.status = *c.Status
	}
	if c.Metadata != nil {
		rec.metadata = *c.Metadata
	}
	return errs.Err()
}

func eventsJSON(events []string) string {
	b, _ := json.Marshal(events)
	return string(b)
}

// Create validates body and registers an endpoint (docs/webhooks.md#1-webhook-endpoints).
func Create(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, c EndpointParams, g URLGuard, now time.Time) (*Endpoint, error) {
	rec := record{events: []string{"*"}, status: StatusEnabled, metadata: "{}"}
	if err := c.apply(ctx, &rec, sc, g); err != nil {
		return nil, err
	}
	// The limit is a state rule, checked once every field is valid. The
	// workspace row serialises concurrent creations on PostgreSQL (NO KEY
	// UPDATE does not block the foreign-key checks of other inserts);
	// SQLite transactions already hold the write lock.
	lock := ""
	if d.Postgres {
		lock = " FOR NO KEY UPDATE"
	}
	var wsID string
	if err := q.QueryRowContext(ctx, `SELECT id FROM workspaces WHERE id = $1`+lock, sc.ID).Scan(&wsID); err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE workspace_id = $1 AND test_mode = $2`, sc.ID, sc.TestMode).Scan(&n); err != nil {
		return nil, err
	}
	if n >= MaxEndpoints {
		return nil, apperr.NonField(MsgTooMany)
	}
	eid := id.New("whe")
	us := now.UnixMicro()
	var reason, disabled any
	if rec.status == StatusDisabled {
		reason, disabled = ReasonManual, us
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, workspace_id, test_mode, url, description, events, status, disabled_reason, disabled,
		consecutive_failures, secret, previous_secret, previous_secret_until, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, NULL, NULL, $11, $12, $12)`,
		eid, sc.ID, sc.TestMode, rec.url, rec.description, eventsJSON(rec.events), rec.status, reason, disabled, NewSecret(), rec.metadata, us); err != nil {
		return nil, err
	}
	return GetEndpoint(ctx, q, sc, eid, "")
}

// Update applies a partial update. status "enabled" on a disabled endpoint
// re-enables it and resets its failure counter; "disabled" on an enabled
// one disables it by hand (its pending deliveries become skipped).
func Update(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, endpointID string, c EndpointParams, g URLGuard, now time.Time) (*Endpoint, error) {
	e, err := GetEndpoint(ctx, q, sc, endpointID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := record{url: e.URL, description: e.Description, events: e.Events, status: e.Status, metadata: string(e.Metadata)}
	if err := c.apply(ctx, &rec, sc, g); err != nil {
		return nil, err
	}
	status, reason, disabled, failures := e.Status, e.DisabledReason, e.Disabled, e.ConsecutiveFailures
	if rec.status == StatusEnabled && e.Status != StatusEnabled {
		status, reason, disabled, failures = StatusEnabled, nil, nil, 0
	}
	if _, err := q.ExecContext(ctx, `UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, metadata = $4, status = $5, disabled_reason = $6,
		disabled = $7, consecutive_failures = $8, updated = $9 WHERE id = $10 AND workspace_id = $11 AND test_mode = $12`,
		rec.url, rec.description, eventsJSON(rec.events), rec.metadata, status, reason, disabled, failures, now.UnixMicro(),
		e.ID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	if rec.status == StatusDisabled && e.Status != StatusDisabled {
		if err := Disable(ctx, q, e.ID, ReasonManual, now); err != nil {
			return nil, err
		}
	}
	return GetEndpoint(ctx, q, sc, e.ID, "")
}

// Delete destroys an endpoint; its pending deliveries become skipped and
// their jobs are dropped. Past deliveries stay in the events' history.
func Delete(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, endpointID string, now time.Time) error {
	e, err := GetEndpoint(ctx, q, sc, endpointID, d.ForUpdate())
	if err != nil {
		return err
	}
	if err := Disable(ctx, q, e.ID, ReasonManual, now); err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, e.ID, sc.ID, sc.TestMode)
	return err
}

// RotateSecret issues a new secret; the old one keeps signing
// webhook-signature (second value) for SecretOverlap (docs/webhooks.md#43-secret-rotation).
func RotateSecret(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, endpointID string, now time.Time) (*Endpoint, error) {
	e, err := GetEndpoint(ctx, q, sc, endpointID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `UPDATE webhook_endpoints SET secret = $1, previous_secret = $2, previous_secret_until = $3, updated = $4
		WHERE id = $5 AND workspace_id = $6 AND test_mode = $7`,
		NewSecret(), e.Secret, now.Add(SecretOverlap).UnixMicro(), now.UnixMicro(), e.ID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	return GetEndpoint(ctx, q, sc, e.ID, "")
}

// Ping sends one webhook.ping to ep now, synchronously and without retries
// (docs/webhooks.md#11-endpoints), under a fresh event id that is not recorded. Disabled
// endpoints may be pinged.
func Ping(ctx context.Context, w *Worker, ep *Endpoint) Attempt {
	return w.Send(ctx, ep, id.New("evt"), PingEvent, ep.ID)
}

// EndpointListSpec declares the endpoint list.
var EndpointListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{StatusEnabled, StatusDisabled}, Lookups: []string{list.In}},
		{Name: "url", Expr: "url", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
		{Name: "updated", Expr: "updated", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created", "updated": "updated", "url": "url"},
	DefaultOrdering: "-created",
	Search:          []string{"url", "description"},
	Metadata:        "metadata",
}

// ListEndpoints returns one page of the scope's endpoints.
func ListEndpoints(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Endpoint, error) {
	return rows.List(ctx, q, sc, endpointsTable, lq, ScanEndpoint)
}
