package event

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// The outbox's other half: each recorded event becomes one delivery per
// subscribed webhook endpoint of its workspace and mode, with the job
// that sends it, in the event's own transaction. An event committed is an
// event that will be delivered, even if the node dies right after the
// commit. internal/webhook sends the deliveries and manages the endpoints.

// DeliveryJob is the job-table kind of a delivery.
const DeliveryJob = "webhook"

// DeliveryJobKey is the unique key of a delivery's job: this prefix and
// the delivery id (the job runner's lanes join deliveries on it).
const DeliveryJobKey = "webhook:"

// Delivery statuses (docs/webhooks.md#22-event-object).
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
	DeliverySkipped   = "skipped"
)

// endpointEnabled is an endpoint's status that receives deliveries.
const endpointEnabled = "enabled"

// endpointRef is what the fan-out reads of an endpoint.
type endpointRef struct {
	id, status string
	events     []string
}

// fanout records the deliveries of one event with deliver (at once, or
// into a Batch).
func fanout(ctx context.Context, q store.Querier, sc workspace.Scope, eventID, name string, now time.Time, deliver func(endpointID, status string) error) error {
	endpoints, err := scopeEndpoints(ctx, q, sc)
	if err != nil {
		return err
	}
	for _, e := range endpoints {
		if !Subscribed(e.events, name) {
			continue
		}
		status := DeliveryPending
		if e.status != endpointEnabled {
			status = DeliverySkipped
		}
		if err := deliver(e.id, status); err != nil {
			return err
		}
	}
	return nil
}

// Subscribed reports whether an endpoint's event filters ("*",
// "invoice.*", "invoice.created") take event name.
func Subscribed(filters []string, name string) bool {
	for _, f := range filters {
		switch {
		case f == "*", f == name:
			return true
		case strings.HasSuffix(f, ".*") && strings.HasPrefix(name, strings.TrimSuffix(f, "*")):
			return true
		}
	}
	return false
}

// scopeEndpoints reads the endpoints of a scope (id, status, events),
// once per unit of work when ctx carries a Cache.
func scopeEndpoints(ctx context.Context, q store.Querier, sc workspace.Scope) ([]endpointRef, error) {
	cache := Cache(ctx)
	key := fmt.Sprintf("webhook_endpoints:%s:%t", sc.ID, sc.TestMode)
	if cache != nil {
		if v, ok := cache[key].([]endpointRef); ok {
			return v, nil
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT id, status, events FROM webhook_endpoints WHERE workspace_id = $1 AND test_mode = $2`, sc.ID, sc.TestMode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []endpointRef{}
	for rows.Next() {
		var e endpointRef
		var events string
		if err := rows.Scan(&e.id, &e.status, &events); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(events), &e.events); err != nil {
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
	if _, err := q.ExecContext(ctx, `INSERT INTO deliveries (`+deliveryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		deliveryRow(sc, did, eventID, endpointID, status, now)...); err != nil {
		return "", err
	}
	if status == DeliveryPending {
		if err := jobs.EnqueueInLanes(ctx, q, DeliveryJob, DeliveryJobKey+did, deliveryLanes(sc, endpointID), map[string]string{"delivery": did}, now, now); err != nil {
			return "", err
		}
	}
	return did, nil
}

const deliveryColumns = `id, workspace_id, test_mode, event_id, webhook_id, status, attempts, next_attempt, created, updated`

// deliveryRow is a new delivery's row (deliveryColumns): a pending one is
// due now.
func deliveryRow(sc workspace.Scope, did, eventID, endpointID, status string, now time.Time) []any {
	var next any
	if status == DeliveryPending {
		next = now.UnixMicro()
	}
	return []any{did, sc.ID, sc.TestMode, eventID, endpointID, status, 0, next, now.UnixMicro(), now.UnixMicro()}
}

// deliveryLanes are a delivery job's lanes: its workspace and endpoint.
func deliveryLanes(sc workspace.Scope, endpointID string) [jobs.MaxLanes]string {
	return [jobs.MaxLanes]string{sc.ID, endpointID}
}
