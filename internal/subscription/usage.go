package subscription

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Usage messages (docs/billing.md#9-usages).
const (
	MsgUsageLicensed   = "The line's plan must have usage_scheme=metered."
	MsgUsageInactive   = "The subscription is not active."
	MsgUsageBilled     = "This period has already been billed."
	MsgUsageFuture     = "Usage cannot be recorded in the future."
	MsgUsageBeforeSub  = "Usage cannot be earlier than the subscription start."
	MsgUsageDeleteBill = "Usage records of a billed period cannot be deleted."
)

// Usage is the API object.
type Usage struct {
	ID               string         `json:"id"`
	SubscriptionLine string         `json:"subscription_line"`
	Subscription     string         `json:"subscription"`
	DateTime         clock.Stamp    `json:"date_time"`
	Quantity         money.Quantity `json:"quantity"`
	CreationScheme   string         `json:"creation_scheme"`
	TestMode         bool           `json:"test_mode"`
	Created          clock.Stamp    `json:"created"`
}

var usagesTable = rows.Table{Name: "usages", Prefix: PrefixUsage, Columns: usageColumns}

const usageColumns = `id, line_id, subscription_id, date_time, quantity, creation_scheme, test_mode, created`

func scanUsage(sc workspace.Scope, row interface{ Scan(...any) error }) (*Usage, error) {
	var (
		u           Usage
		at, created int64
		qty         string
	)
	if err := row.Scan(&u.ID, &u.SubscriptionLine, &u.Subscription, &at, &qty, &u.CreationScheme, &u.TestMode, &created); err != nil {
		return nil, err
	}
	d, err := decimal.NewFromString(qty)
	if err != nil {
		return nil, err
	}
	u.Quantity = money.NewQuantity(d)
	u.DateTime = clock.Stamp{Micros: at, Loc: sc.Loc}
	u.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	return &u, nil
}

// UsageListSpec declares the usage list.
var UsageListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "subscription_line", Expr: "line_id", Lookups: []string{list.In}},
		{Name: "subscription", Expr: "subscription_id"},
		{Name: "date_time", Expr: "date_time", Kind: list.DateTime, Lookups: list.Ranges},
		{Name: "creation_scheme", Expr: "creation_scheme", Kind: list.Enum, Choices: []string{"api", "file", "panel"}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"date_time": "date_time", "created": "created"},
	DefaultOrdering: "-created",
}

// ListUsages returns one page of usage records.
func ListUsages(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Usage, error) {
	return rows.List(ctx, q, sc, usagesTable, lq, func(row list.Scanner) (*Usage, error) { return scanUsage(sc, row) })
}

// GetUsage returns a usage record of the scope, or 404.
func GetUsage(ctx context.Context, q store.Querier, sc workspace.Scope, usageID string) (*Usage, error) {
	return rows.Get(ctx, q, sc, usagesTable, usageID, "", func(r list.Scanner) (*Usage, error) { return scanUsage(sc, r) })
}

// lineSub finds the subscription of a line of the scope, locked.
func lineSub(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, lineID string) (string, error) {
	var subID string
	err := q.QueryRowContext(ctx, `SELECT subscription_id FROM subscription_items WHERE id = $1 AND kind = 'line' AND workspace_id = $2 AND test_mode = $3`,
		lineID, sc.ID, sc.TestMode).Scan(&subID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return subID, err
}

// checkPeriod applies the usage rules of docs/billing.md#9-usages to an instant.
func (e env) checkPeriod(s *Sub, at time.Time) string {
	start, _ := ParseDate(s.DateStart)
	switch {
	case at.Before(start.Start(e.sc.Loc)):
		return MsgUsageBeforeSub
	case at.After(e.now.Add(5 * time.Minute)):
		return MsgUsageFuture
	}
	if s.PreviousBilling != nil {
		prev, _ := ParseDate(*s.PreviousBilling)
		if at.Before(prev.Start(e.sc.Loc)) {
			return MsgUsageBilled
		}
	}
	return ""
}

// UsageParams records usage, decoded at the HTTP edge: the line id
// well-formed, the instant and the quantity read. Errs are the fields the
// edge could not decode, reported with the line's own rules.
type UsageParams struct {
	Line     *string
	DateTime *time.Time
	Quantity decimal.Decimal
	Errs     *apperr.Fields
}

// CreateUsage records usage for a metered line.
func (svc *Service) CreateUsage(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, c UsageParams, now time.Time) (*Usage, error) {
	e := env{ctx: ctx, q: q, d: d, sc: sc, now: now, us: now.UnixMicro(), svc: svc}
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	var s *Sub
	if c.Line != nil {
		var err error
		e, s, err = svc.usageLine(ctx, q, d, sc, *c.Line, now, errs)
		if err != nil {
			return nil, err
		}
	}
	if s != nil && c.DateTime != nil && !errs.Has("subscription_line") {
		if msg := e.checkPeriod(s, *c.DateTime); msg != "" {
			errs.Add("date_time", msg)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	at, lid, qty := *c.DateTime, *c.Line, c.Quantity
	u := &Usage{ID: id.New(PrefixUsage), SubscriptionLine: lid, Subscription: s.ID, DateTime: clock.Stamp{Micros: at.UnixMicro(), Loc: sc.Loc},
		Quantity: money.NewQuantity(qty), CreationScheme: "api", TestMode: sc.TestMode, Created: clock.Stamp{Micros: e.us, Loc: sc.Loc}}
	if _, err := q.ExecContext(ctx, `INSERT INTO usages (id, workspace_id, test_mode, subscription_id, line_id, date_time, quantity, creation_scheme, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, u.ID, sc.ID, sc.TestMode, s.ID, lid, at.UnixMicro(), qty.String(), "api", e.us); err != nil {
		return nil, err
	}
	return u, e.emit("usage.created", u.ID)
}

// usageLine opens the subscription of a metered, active line; what is
// wrong with the line goes to errs.
func (svc *Service) usageLine(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, lineID string, now time.Time, errs *apperr.Fields) (env, *Sub, error) {
	e := env{ctx: ctx, q: q, d: d, sc: sc, now: now, us: now.UnixMicro(), svc: svc}
	subID, err := lineSub(ctx, q, d, sc, lineID)
	if err != nil || subID == "" {
		if err == nil {
			errs.Add("subscription_line", apperr.MsgPK(lineID))
		}
		return e, nil, err
	}
	e, s, err := svc.open(ctx, q, d, sc, subID, now)
	if err != nil {
		return e, nil, err
	}
	for _, l := range s.Lines {
		if l.ID == lineID && !l.Metered {
			errs.Add("subscription_line", MsgUsageLicensed)
		}
	}
	if !errs.Has("subscription_line") && s.Status != StatusActive && s.Status != StatusNeedsAttention {
		errs.Add("subscription_line", MsgUsageInactive)
	}
	return e, s, nil
}

// DeleteUsage deletes a record of a period not yet billed.
func (svc *Service) DeleteUsage(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, usageID string, now time.Time) error {
	u, err := GetUsage(ctx, q, sc, usageID)
	if err != nil {
		return err
	}
	e, s, err := svc.open(ctx, q, d, sc, u.Subscription, now)
	if err != nil {
		return err
	}
	if msg := e.checkPeriod(s, u.DateTime.Time()); msg == MsgUsageBilled {
		return apperr.NonField(MsgUsageDeleteBill)
	}
	if _, err = q.ExecContext(ctx, `DELETE FROM usages WHERE id = $1`, usageID); err != nil {
		return err
	}
	return e.emit("usage.deleted", usageID)
}
