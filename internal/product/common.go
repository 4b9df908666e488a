// Package product holds the billing catalogue (docs/billing.md#4-products to docs/billing.md#7-coupons): products,
// their plans (prices), add-ons and coupons. Subscriptions reference them;
// DELETE never destroys a catalogue object, it archives it (docs/conventions.md#15-deletion-semantics).
package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Statuses of every catalogue object.
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

// Id prefixes (docs/conventions.md#5-object-ids).
const (
	PrefixProduct = "pro"
	PrefixPlan    = "pla"
	PrefixAddon   = "add"
	PrefixCoupon  = "cou"
)

var StatusChoices = []string{StatusActive, StatusArchived}

func nstamp(v sql.NullInt64, loc *time.Location) clock.NullStamp {
	if !v.Valid {
		return clock.NullStamp{Loc: loc}
	}
	m := v.Int64
	return clock.NullStamp{Micros: &m, Loc: loc}
}

func nint(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

// MsgMinValue is "Ensure this value is greater than or equal to {n}."
func MsgMinValue(n int) string {
	return fmt.Sprintf("Ensure this value is greater than or equal to %d.", n)
}

// MsgMaxValue is "Ensure this value is less than or equal to {n}."
func MsgMaxValue(n int) string {
	return fmt.Sprintf("Ensure this value is less than or equal to %d.", n)
}

// scopeWhere is the scope condition of every catalogue update.
const scopeWhere = ` AND workspace_id = $2 AND test_mode = $3`

// kind is one catalogue object type: its table and how it is read. Every
// catalogue object gets, lists, resolves references and archives alike.
type kind[T any] struct {
	table  rows.Table
	object string // event prefix ("plan")
	label  string // message subject ("Plan")
	scan   func(workspace.Scope, list.Scanner) (T, error)
	status func(T) string
}

func (k kind[T]) scanIn(sc workspace.Scope) func(list.Scanner) (T, error) {
	return func(r list.Scanner) (T, error) { return k.scan(sc, r) }
}

// get reads one object of the scope, or 404; lock is "" or FOR UPDATE.
func (k kind[T]) get(ctx context.Context, q store.Querier, sc workspace.Scope, objID, lock string) (T, error) {
	return rows.Get(ctx, q, sc, k.table, objID, lock, k.scanIn(sc))
}

// ref resolves an object referenced from a body field: the second result
// is the field message ("Invalid pk …", "<Label> is archived.").
func (k kind[T]) ref(ctx context.Context, q store.Querier, sc workspace.Scope, objID string) (T, string, error) {
	v, err := k.get(ctx, q, sc, objID, "")
	return rows.Ref(v, err, objID, k.label, func(v T) bool { return k.status(v) == StatusArchived })
}

// list returns one page of objects.
func (k kind[T]) list(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []T, error) {
	return rows.List(ctx, q, sc, k.table, lq, k.scanIn(sc))
}

// archive is DELETE: it sets status archived (idempotent) and emits
// <object>.archived when it changed.
func (k kind[T]) archive(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, objID string, now time.Time) error {
	v, err := k.get(ctx, q, sc, objID, d.ForUpdate())
	if err != nil || k.status(v) == StatusArchived {
		return err
	}
	if err := rows.Archive(ctx, q, sc, k.table, objID, StatusArchived, now); err != nil {
		return err
	}
	return event.Emit(ctx, q, sc, k.object+".archived", objID, now)
}

// statusChange computes the archived stamp and event name of an update
// from the old and new status.
func statusChange(object, oldStatus, newStatus string, oldArchived *int64, now time.Time) (*int64, string) {
	switch {
	case newStatus == StatusArchived && oldStatus != StatusArchived:
		us := now.UnixMicro()
		return &us, object + ".archived"
	case newStatus == StatusArchived:
		return oldArchived, object + ".updated"
	default:
		return nil, object + ".updated"
	}
}

func placeholders(start, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(start+i)
	}
	return strings.Join(ph, ", ")
}

// write runs the statement that creates or updates the object objID and
// emits its event.
func write(ctx context.Context, q store.Querier, sc workspace.Scope, objID, name string, now time.Time, query string, args ...any) error {
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return err
	}
	return event.Emit(ctx, q, sc, name, objID, now)
}

// createdArchived is the archived stamp of an object created with status.
func createdArchived(status string, us int64) *int64 {
	if status != StatusArchived {
		return nil
	}
	return &us
}

// tail reads the columns every catalogue object ends with: status,
// archived, metadata, test_mode, created, updated.
type tail struct {
	archived         sql.NullInt64
	meta             string
	created, updated int64
}

// dest is what Scan fills for those columns.
func (t *tail) dest(status *string, testMode *bool) []any {
	return []any{status, &t.archived, &t.meta, testMode, &t.created, &t.updated}
}

// set copies what was read onto the object's fields.
func (t *tail) set(loc *time.Location, archived *clock.NullStamp, meta *json.RawMessage, created, updated *clock.Stamp) {
	*archived = nstamp(t.archived, loc)
	*meta = json.RawMessage(t.meta)
	*created, *updated = clock.Stamp{Micros: t.created, Loc: loc}, clock.Stamp{Micros: t.updated, Loc: loc}
}
