package event

import (
	"context"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Batch holds the events of one unit of work (a batch of billing runs)
// with their deliveries and delivery jobs, and writes them at Flush with
// multi-row statements: a few round trips per batch instead of one or more
// per event (issue 15). The rows are exactly what Emit writes; each event
// takes its seq when emitted, so the order of (created, seq) is the order
// of emission.
type Batch struct {
	events, deliveries, jobs [][]any
}

// Emit records event name about objectID for Flush. ctx should carry a
// Cache, so the scope's endpoints are read once per unit.
func (b *Batch) Emit(ctx context.Context, q store.Querier, sc workspace.Scope, name, objectID string, now time.Time) error {
	objectType := name
	if i := strings.LastIndex(name, "."); i > 0 {
		objectType = name[:i]
	}
	evtID := id.New("evt")
	b.events = append(b.events, []any{evtID, sc.ID, sc.TestMode, name, objectID, objectType, nextSeq(), now.UnixMicro()})
	return fanout(ctx, q, sc, evtID, name, now, func(endpointID, status string) error {
		did := id.New("dlv")
		b.deliveries = append(b.deliveries, deliveryRow(sc, did, evtID, endpointID, status, now))
		if status != DeliveryPending {
			return nil
		}
		row, err := jobs.Row(DeliveryJob, DeliveryJobKey+did, deliveryLanes(sc, endpointID), map[string]string{"delivery": did}, now, now)
		b.jobs = append(b.jobs, row)
		return err
	})
}

// Flush writes what b holds (events before the deliveries that reference
// them) and empties it.
func (b *Batch) Flush(ctx context.Context, q store.Querier, d store.Dialect) error {
	if err := store.InsertRows(ctx, q, d, "events", eventColumns, b.events, ""); err != nil {
		return err
	}
	if err := store.InsertRows(ctx, q, d, "deliveries", deliveryColumns, b.deliveries, ""); err != nil {
		return err
	}
	if err := store.InsertRows(ctx, q, d, "jobs", jobs.RowColumns, b.jobs, jobs.RowConflict); err != nil {
		return err
	}
	b.events, b.deliveries, b.jobs = nil, nil, nil
	return nil
}
