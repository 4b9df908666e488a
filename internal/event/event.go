// Package event records events in the outbox table, always in the same
// transaction as the change they describe (docs/webhooks.md#2-events), so an event
// exists exactly when its change was committed, together with its webhook
// deliveries (deliveries.go).
package event

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Emit records event name (e.g. "customer.created") about objectID. q must
// be the transaction that makes the change.
func Emit(ctx context.Context, q store.Querier, sc workspace.Scope, name, objectID string, now time.Time) error {
	objectType := name
	if i := strings.LastIndex(name, "."); i > 0 {
		objectType = name[:i]
	}
	evtID := id.New("evt")
	if _, err := q.ExecContext(ctx, `INSERT INTO events (`+eventColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		evtID, sc.ID, sc.TestMode, name, objectID, objectType, nextSeq(), now.UnixMicro()); err != nil {
		return err
	}
	return fanout(ctx, q, sc, evtID, name, now, func(endpointID, status string) error {
		_, err := NewDelivery(ctx, q, sc, evtID, endpointID, status, now)
		return err
	})
}

const eventColumns = `id, workspace_id, test_mode, event, object_id, object_type, seq, created`

var lastSeq atomic.Int64

// nextSeq is strictly increasing within the process and follows the wall
// clock across processes, so the events of one request (emitted in order,
// with the same created) sort in causal order by (created, seq).
func nextSeq() int64 {
	for {
		last := lastSeq.Load()
		next := max(time.Now().UnixNano(), last+1)
		if lastSeq.CompareAndSwap(last, next) {
			return next
		}
	}
}

type cacheKey struct{}

// WithCache marks ctx as one unit of work (a batch of billing runs) in
// which the fan-out may remember each scope's webhook endpoints instead of
// reading them for every event. Endpoints changed meanwhile are seen from
// the next unit on, like a change committed just after the batch.
func WithCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, map[string]any{})
}

// Cache returns the unit's cache (nil outside WithCache). One goroutine
// uses a context at a time here: the batch that made it.
func Cache(ctx context.Context) map[string]any {
	m, _ := ctx.Value(cacheKey{}).(map[string]any)
	return m
}

// After runs the statement that changes objectID (query with args) and
// records event name about it, in q, the change's transaction.
func After(ctx context.Context, q store.Querier, sc workspace.Scope, name, objectID string, now time.Time, query string, args ...any) error {
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return err
	}
	return Emit(ctx, q, sc, name, objectID, now)
}
