// Package event records events in the outbox table, always in the same
// transaction as the change they describe (webhooks.md §2), so an event
// exists exactly when its change was committed.
package event

import (
	"context"
	"strings"
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
	_, err := q.ExecContext(ctx, `INSERT INTO events (id, workspace_id, test_mode, event, object_id, object_type, created) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id.New("evt"), sc.ID, sc.TestMode, name, objectID, objectType, now.UnixMicro())
	return err
}
