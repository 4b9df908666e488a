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

// object is what every catalogue object answers: its status.
type object interface{ state() string }

// Kind is one catalogue object type: its table and how it is read. Every
// catalogue object gets, lists, resolves references and archives alike.
type Kind[T object] struct {
	table  rows.Table
	event  string // event prefix ("plan")
	label  string // message subject ("Plan")
	scan   func(workspace.Scope, list.Scanner) (T, error)
	attach func(context.Context, store.Querier, workspace.Scope, []T) error // related objects read with it (a product's plans), or nil
}

func (k Kind[T]) scanIn(sc workspace.Scope) func(list.Scanner) (T, error) {
	return func(r list.Scanner) (T, error) { return k.scan(sc, r) }
}

// fill reads the related objects of vs, if the kind has any.
func (k Kind[T]) fill(ctx context.Context, q store.Querier, sc workspace.Scope, vs []T) error {
	if k.attach == nil || len(vs) == 0 {
		return nil
	}
	return k.attach(ctx, q, sc, vs)
}

// lock reads one object of the scope FOR UPDATE, or 404.
func (k Kind[T]) lock(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, objID string) (T, error) {
	return rows.Get(ctx, q, sc, k.table, objID, d.ForUpdate(), k.scanIn(sc))
}

// Get returns one object of the scope, or 404.
func (k Kind[T]) Get(ctx context.Context, q store.Querier, sc workspace.Scope, objID string) (T, error) {
	v, err := rows.Get(ctx, q, sc, k.table, objID, "", k.scanIn(sc))
	if err != nil {
		return v, err
	}
	return v, k.fill(ctx, q, sc, []T{v})
}

// Ref resolves an object referenced from a body field: the second result
// is the field message ("Invalid pk …", "<Label> is archived.").
func (k Kind[T]) Ref(ctx context.Context, q store.Querier, sc workspace.Scope, objID string) (T, string, error) {
	v, err := rows.Get(ctx, q, sc, k.table, objID, "", k.scanIn(sc))
	return rows.Ref(v, err, objID, k.label, func(v T) bool { return v.state() == StatusArchived })
}

// List returns one page of objects.
func (k Kind[T]) List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []T, error) {
	n, out, err := rows.List(ctx, q, sc, k.table, lq, k.scanIn(sc))
	if err != nil {
		return 0, nil, err
	}
	return n, out, k.fill(ctx, q, sc, out)
}

// Archive is DELETE (docs/conventions.md#15-deletion-semantics): it sets
// status archived, idempotent, emits <object>.archived when it changed,
// and returns the object.
func (k Kind[T]) Archive(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, objID string, now time.Time) (T, error) {
	v, err := k.lock(ctx, q, d, sc, objID)
	if err != nil {
		return v, err
	}
	if v.state() != StatusArchived {
		if err := rows.Archive(ctx, q, sc, k.table, objID, StatusArchived, now); err != nil {
			return v, err
		}
		if err := event.Emit(ctx, q, sc, k.event+".archived", objID, now); err != nil {
			return v, err
		}
	}
	return k.Get(ctx, q, sc, objID)
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
	*archived = rows.Stamp(t.archived, loc)
	*meta = json.RawMessage(t.meta)
	*created, *updated = clock.Stamp{Micros: t.created, Loc: loc}, clock.Stamp{Micros: t.updated, Loc: loc}
}
