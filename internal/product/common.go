// Package product holds the billing catalogue (docs/billing.md#4-products to docs/billing.md#7-coupons): products,
// their plans (prices), add-ons and coupons. Subscriptions reference them;
// DELETE never destroys a catalogue object, it archives it (docs/conventions.md#15-deletion-semantics).
package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
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

var statusChoices = []string{StatusActive, StatusArchived}

func ns(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

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

// str reads an optional or required string into *dst when set.
func str(o *input.Object, dst **string, key string, opt input.StrOpt) {
	if v, ok := o.String(key, opt); ok {
		*dst = v
	}
}

// reqStr reads a required string into *dst when set.
func reqStr(o *input.Object, dst *string, key string, max int) {
	if v, ok := o.String(key, input.StrOpt{Required: true, Max: max}); ok && v != nil {
		*dst = *v
	}
}

// currency reads an available currency id (docs/catalogues.md#3-currencies-public).
func currency(o *input.Object, dst *string, required bool) {
	v, ok := o.String("currency", input.StrOpt{Required: required || o.Has("currency")})
	if !ok || v == nil {
		return
	}
	if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
		*dst = *v
		return
	}
	o.Fail("currency", input.MsgPK(*v))
}

// status reads status; the archived stamp follows it.
func status(o *input.Object, st *string) {
	if v, ok := o.Choice("status", false, statusChoices...); ok {
		*st = v
	}
}

// metadata reads metadata into *dst when set.
func metadata(o *input.Object, dst *string) {
	if v, ok := o.Metadata("metadata"); ok {
		*dst = v
	}
}

// MsgMinValue is "Ensure this value is greater than or equal to {n}."
func MsgMinValue(n int) string {
	return fmt.Sprintf("Ensure this value is greater than or equal to %d.", n)
}

// MsgMaxValue is "Ensure this value is less than or equal to {n}."
func MsgMaxValue(n int) string {
	return fmt.Sprintf("Ensure this value is less than or equal to %d.", n)
}

const maxTimes = 1_000_000

// integer reads a nullable integer ≥ min. It returns (value, set).
func integer(o *input.Object, key string, min int) (*int, bool) {
	raw, present := o.Raw(key)
	if !present {
		return nil, false
	}
	if raw == nil {
		return nil, true
	}
	var s string
	switch x := raw.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return nil, true
		}
	default:
		o.Fail(key, input.MsgInteger)
		return nil, false
	}
	d, err := decimal.NewFromString(s)
	if err != nil || strings.ContainsAny(s, "eE") || !d.Equal(d.Truncate(0)) {
		o.Fail(key, input.MsgInteger) // 3.0 is an integer too (DRF IntegerField)
		return nil, false
	}
	if d.LessThan(decimal.NewFromInt(int64(min))) {
		o.Fail(key, MsgMinValue(min))
		return nil, false
	}
	if d.GreaterThan(decimal.NewFromInt(maxTimes)) {
		o.Fail(key, MsgMaxValue(maxTimes))
		return nil, false
	}
	v := int(d.IntPart())
	return &v, true
}

// moneyField reads a money amount ≥ 0 (docs/conventions.md#7-data-types).
func moneyField(o *input.Object, key string, required bool) (decimal.Decimal, bool) {
	return o.Decimal(key, required, money.ParseMoney)
}

// scopeWhere is the scope condition of every catalogue query.
const scopeWhere = ` AND workspace_id = $2 AND test_mode = $3`

// archive sets status archived (idempotent) on table's row and emits
// <object>.archived when it changed. It reports whether it changed.
func archive(ctx context.Context, q store.Querier, sc workspace.Scope, table, object, objID, current string, now time.Time) error {
	if current == StatusArchived {
		return nil
	}
	us := now.UnixMicro()
	if _, err := q.ExecContext(ctx, `UPDATE `+table+` SET status = $4, archived = $5, updated = $5 WHERE id = $1`+scopeWhere,
		objID, sc.ID, sc.TestMode, StatusArchived, us); err != nil {
		return err
	}
	return event.Emit(ctx, q, sc, object+".archived", objID, now)
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

// notFound maps sql.ErrNoRows to the 404.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundErr()
	}
	return err
}

// refErr turns the lookup of a referenced object into its field message:
// "Invalid pk …" when missing, "<Object> is archived." when archived.
func refErr(err error, objID, object, status string) (string, error) {
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		return input.MsgPK(objID), nil
	}
	if err != nil {
		return "", err
	}
	if status == StatusArchived {
		return input.MsgArchived(object), nil
	}
	return "", nil
}

func placeholders(start, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(start+i)
	}
	return strings.Join(ph, ", ")
}

func notFoundErr() error { return apperr.NotFoundErr() }
