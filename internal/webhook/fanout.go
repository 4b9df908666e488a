package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// JobKind is the job-table kind of a delivery.
const JobKind = "webhook"

// Delivery statuses (docs/webhooks.md#22-event-object).
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
	DeliverySkipped   = "skipped"
)

func init() { event.Fanout = fanout }

// fanout runs inside the transaction that records the event: one delivery
// (and its job) per subscribed endpoint of the event's workspace and mode,
// so an event committed is an event that will be delivered, even if the
// node dies right after the commit.
func fanout(ctx context.Context, q store.Querier, sc workspace.Scope, eventID, name string, now time.Time) error {
	endpoints, err := scopeEndpoints(ctx, q, sc)
	if err != nil {
		return err
	}
	type target struct{ id, status string }
	var targets []target
	for _, e := range endpoints {
		if e.Subscribed(name) {
			targets = append(targets, target{e.ID, e.Status})
		}
	}
	for _, t := range targets {
		status := DeliveryPending
		if t.status != StatusEnabled {
			status = DeliverySkipped
		}
		if _, err := NewDelivery(ctx, q, sc, eventID, t.id, status, now); err != nil {
			return err
		}
	}
	return nil
}

// scopeEndpoints reads the endpoints of a scope (id, status, events),
// once per unit of work when ctx carries an event.Cache.
func scopeEndpoints(ctx context.Context, q store.Querier, sc workspace.Scope) ([]Endpoint, error) {
	cache := event.Cache(ctx)
	key := fmt.Sprintf("webhook_endpoints:%s:%t", sc.ID, sc.TestMode)
	if cache != nil {
		if v, ok := cache[key].([]Endpoint); ok {
			return v, nil
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT id, status, events FROM webhook_endpoints WHERE workspace_id = $1 AND test_mode = $2`, sc.ID, sc.TestMode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Endpoint{}
	for rows.Next() {
		var e Endpoint
		var events string
		if err := rows.Scan(&e.ID, &e.Status, &events); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if cache != nil {
		cache[key] = out
	}
	return out, nil
}

// NewDelivery records a delivery and, when pending, queues its first
// attempt now. Redelivery uses it too (a fresh schedule).
func NewDelivery(ctx context.Context, q store.Querier, sc workspace.Scope, eventID, endpointID, status string, now time.Time) (string, error) {
	did := id.New("dlv")
	var next any
	if status == DeliveryPending {
		next = now.UnixMicro()
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO deliveries (id, workspace_id, test_mode, event_id, webhook_id, status, attempts, next_attempt, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $8)`, did, sc.ID, sc.TestMode, eventID, endpointID, status, next, now.UnixMicro()); err != nil {
		return "", err
	}
	if status == DeliveryPending {
		if err := jobs.Enqueue(ctx, q, JobKind, "webhook:"+did, map[string]string{"delivery": did}, now, now); err != nil {
			return "", err
		}
	}
	return did, nil
}
