package webhook

import (
	"context"
	"time"

	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// JobKind is the job-table kind of a delivery (recorded with its event by
// internal/event, sent here).
const JobKind = event.DeliveryJob

// jobKeyPrefix starts the unique key of a delivery's job; the delivery id
// follows (the runner's lanes join on it).
const jobKeyPrefix = event.DeliveryJobKey

// Delivery statuses (docs/webhooks.md#22-event-object).
const (
	DeliveryPending   = event.DeliveryPending
	DeliverySucceeded = event.DeliverySucceeded
	DeliveryFailed    = event.DeliveryFailed
	DeliverySkipped   = event.DeliverySkipped
)

// NewDelivery records a delivery and, when pending, queues its first
// attempt now (redelivery: a fresh schedule).
func NewDelivery(ctx context.Context, q store.Querier, sc workspace.Scope, eventID, endpointID, status string, now time.Time) (string, error) {
	return event.NewDelivery(ctx, q, sc, eventID, endpointID, status, now)
}
