package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Coupon is the API object (docs/billing.md#7-coupons). Amount is a percentage (20)
// for "%" coupons and money (5000.00) for "$" coupons.
type Coupon struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Amount         json.RawMessage `json:"amount"`
	Currency       string          `json:"currency"`
	DiscountScheme string          `json:"discount_scheme"`
	DurationScheme string          `json:"duration_scheme"`
	DurationTimes  *int            `json:"duration_times"`
	ValidUntil     *string         `json:"valid_until"`
	ApplyOn        string          `json:"apply_on"`
	Status         string          `json:"status"`
	Archived       clock.NullStamp `json:"archived"`
	Metadata       json.RawMessage `json:"metadata"`
	TestMode       bool            `json:"test_mode"`
	Created        clock.Stamp     `json:"created"`
	Updated        clock.Stamp     `json:"updated"`

	// Value is Amount as a decimal (for the subscription engine).
	Value decimal.Decimal `json:"-"`
}

// Coupon schemes.
const (
	DiscountPercent = "%"
	DiscountFixed   = "$"

	DurationOneTime = "one_time"
	DurationForever = "forever"
	DurationLimited = "limited"

	ApplyOnInvoice = "invoice"
	ApplyOnLine    = "line"
)

var (
	DiscountSchemes = []string{DiscountPercent, DiscountFixed}
	DurationSchemes = []string{DurationOneTime, DurationForever, DurationLimited}
	ApplyOns        = []string{ApplyOnInvoice, ApplyOnLine}
)

// Coupon messages (docs/billing.md#7-coupons).
const (
	MsgCouponTimesRequired = "Required when duration_scheme=limited."
	MsgCouponTimesOnly     = "Only limited coupons have a duration."
)

const couponColumns = `id, name, amount, currency, discount_scheme, duration_scheme, duration_times, valid_until, apply_on, status, archived, metadata, test_mode, created, updated`

// Coupons reads coupons: Get, Ref, List and Archive.
var Coupons = Kind[*Coupon]{
	table: rows.Table{Name: "coupons", Prefix: PrefixCoupon, Columns: couponColumns},
	event: "coupon",
	label: "Coupon",
	scan:  scanCoupon,
}

func (c *Coupon) state() string { return c.Status }

func scanCoupon(sc workspace.Scope, row list.Scanner) (*Coupon, error) {
	var (
		t      tail
		c      Coupon
		amount string
		valid  sql.NullString
		times  sql.NullInt64
	)
	cols := []any{&c.ID, &c.Name, &amount, &c.Currency, &c.DiscountScheme, &c.DurationScheme, &times, &valid, &c.ApplyOn}
	if err := row.Scan(append(cols, t.dest(&c.Status, &c.TestMode)...)...); err != nil {
		return nil, err
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return nil, fmt.Errorf("coupon %s: amount %q: %w", c.ID, amount, err)
	}
	c.Value = d
	c.Amount = couponAmount(c.DiscountScheme, d)
	c.DurationTimes, c.ValidUntil = nint(times), rows.Text(valid)
	if c.ValidUntil != nil && len(*c.ValidUntil) > 10 { // PostgreSQL DATE-like text
		v := (*c.ValidUntil)[:10]
		c.ValidUntil = &v
	}
	t.set(sc.Loc, &c.Archived, &c.Metadata, &c.Created, &c.Updated)
	return &c, nil
}

func couponAmount(scheme string, d decimal.Decimal) json.RawMessage {
	if scheme == DiscountFixed {
		return json.RawMessage(money.NewMoney(d).String())
	}
	return json.RawMessage(money.NewPercent(d).String())
}

// CouponListSpec declares the coupon list (docs/billing.md#7-coupons).
var CouponListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: StatusChoices, Lookups: []string{list.In}},
		{Name: "apply_on", Expr: "apply_on", Kind: list.Enum, Choices: ApplyOns, Lookups: []string{list.In}},
		{Name: "discount_scheme", Expr: "discount_scheme", Kind: list.Enum, Choices: DiscountSchemes, Lookups: []string{list.In}},
		{Name: "duration_scheme", Expr: "duration_scheme", Kind: list.Enum, Choices: DurationSchemes, Lookups: []string{list.In}},
		{Name: "valid_until", Expr: "valid_until", Kind: list.Date, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created", "valid_until": "COALESCE(valid_until, '9999-12-31')"}, // no limit sorts as the latest date
	DefaultOrdering: "-created",
	Search:          []string{"name"},
	Metadata:        "metadata",
}

type couponRecord struct {
	name, currency, discountScheme, durationScheme, applyOn, status, metadata string
	amount                                                                    decimal.Decimal
	durationTimes                                                             *int
	validUntil                                                                *string
}

func (r *couponRecord) storedAmount() string {
	if r.discountScheme == DiscountFixed {
		return money.NewMoney(r.amount).String()
	}
	return money.NewPercent(r.amount).String()
}

// CreateCoupon validates body and inserts a coupon.
func CreateCoupon(ctx context.Context, q store.Querier, sc workspace.Scope, c CouponParams, now time.Time) (*Coupon, error) {
	rec := couponRecord{discountScheme: DiscountPercent, durationScheme: DurationOneTime, applyOn: ApplyOnInvoice, status: StatusActive, metadata: "{}"}
	if err := rec.apply(c); err != nil {
		return nil, err
	}
	cid := id.New(PrefixCoupon)
	us := now.UnixMicro()
	archived := createdArchived(rec.status, us)
	if err := event.After(ctx, q, sc, "coupon.created", cid, now, `INSERT INTO coupons (id, workspace_id, test_mode, name, amount, currency, discount_scheme, duration_scheme, duration_times,
		valid_until, apply_on, status, archived, metadata, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
		cid, sc.ID, sc.TestMode, rec.name, rec.storedAmount(), rec.currency, rec.discountScheme, rec.durationScheme, rec.durationTimes,
		rec.validUntil, rec.applyOn, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	return Coupons.Get(ctx, q, sc, cid)
}

// UpdateCoupon applies a partial update (same fields as create).
func UpdateCoupon(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, couponID string, cp CouponParams, now time.Time) (*Coupon, error) {
	c, err := Coupons.lock(ctx, q, d, sc, couponID)
	if err != nil {
		return nil, err
	}
	rec := couponRecord{name: c.Name, currency: c.Currency, discountScheme: c.DiscountScheme, durationScheme: c.DurationScheme, applyOn: c.ApplyOn,
		status: c.Status, metadata: string(c.Metadata), amount: c.Value, durationTimes: c.DurationTimes, validUntil: c.ValidUntil}
	if err := rec.apply(cp); err != nil {
		return nil, err
	}
	archived, name := statusChange("coupon", c.Status, rec.status, c.Archived.Micros, now)
	if err := event.After(ctx, q, sc, name, couponID, now, `UPDATE coupons SET name = $4, amount = $5, currency = $6, discount_scheme = $7, duration_scheme = $8, duration_times = $9,
		valid_until = $10, apply_on = $11, status = $12, archived = $13, metadata = $14, updated = $15 WHERE id = $1`+scopeWhere,
		couponID, sc.ID, sc.TestMode, rec.name, rec.storedAmount(), rec.currency, rec.discountScheme, rec.durationScheme, rec.durationTimes,
		rec.validUntil, rec.applyOn, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	return Coupons.Get(ctx, q, sc, couponID)
}
