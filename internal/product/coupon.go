package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
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
	discountSchemes = []string{DiscountPercent, DiscountFixed}
	durationSchemes = []string{DurationOneTime, DurationForever, DurationLimited}
	applyOns        = []string{ApplyOnInvoice, ApplyOnLine}
)

// Coupon messages (docs/billing.md#7-coupons).
const (
	MsgCouponTimesRequired = "Required when duration_scheme=limited."
	MsgCouponTimesOnly     = "Only limited coupons have a duration."
)

const couponColumns = `id, name, amount, currency, discount_scheme, duration_scheme, duration_times, valid_until, apply_on, status, archived, metadata, test_mode, created, updated`

func scanCoupon(sc workspace.Scope, row interface{ Scan(...any) error }) (*Coupon, error) {
	var (
		c                Coupon
		amount           string
		valid            sql.NullString
		times, archived  sql.NullInt64
		meta             string
		created, updated int64
	)
	if err := row.Scan(&c.ID, &c.Name, &amount, &c.Currency, &c.DiscountScheme, &c.DurationScheme, &times, &valid, &c.ApplyOn,
		&c.Status, &archived, &meta, &c.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return nil, fmt.Errorf("coupon %s: amount %q: %w", c.ID, amount, err)
	}
	c.Value = d
	c.Amount = couponAmount(c.DiscountScheme, d)
	c.DurationTimes, c.ValidUntil = nint(times), ns(valid)
	if c.ValidUntil != nil && len(*c.ValidUntil) > 10 { // PostgreSQL DATE-like text
		v := (*c.ValidUntil)[:10]
		c.ValidUntil = &v
	}
	c.Archived = nstamp(archived, sc.Loc)
	c.Metadata = json.RawMessage(meta)
	c.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	c.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &c, nil
}

func couponAmount(scheme string, d decimal.Decimal) json.RawMessage {
	if scheme == DiscountFixed {
		return json.RawMessage(money.NewMoney(d).String())
	}
	return json.RawMessage(money.NewPercent(d).String())
}

func getCoupon(ctx context.Context, q store.Querier, sc workspace.Scope, couponID, lock string) (*Coupon, error) {
	if !id.Valid(PrefixCoupon, couponID) {
		return nil, notFoundErr()
	}
	c, err := scanCoupon(sc, q.QueryRowContext(ctx, `SELECT `+couponColumns+` FROM coupons WHERE id = $1`+scopeWhere+lock, couponID, sc.ID, sc.TestMode))
	return c, notFound(err)
}

// GetCoupon returns a coupon of the scope, or 404.
func GetCoupon(ctx context.Context, q store.Querier, sc workspace.Scope, couponID string) (*Coupon, error) {
	return getCoupon(ctx, q, sc, couponID, "")
}

// CouponRef resolves a coupon referenced from a body field: the second
// result is the field message ("Invalid pk …", "Coupon is archived.").
// valid_until is the caller's rule (it depends on the attachment date).
func CouponRef(ctx context.Context, q store.Querier, sc workspace.Scope, couponID string) (*Coupon, string, error) {
	c, err := getCoupon(ctx, q, sc, couponID, "")
	status := ""
	if c != nil {
		status = c.Status
	}
	msg, err := refErr(err, couponID, "Coupon", status)
	return c, msg, err
}

// CouponListSpec declares the coupon list (docs/billing.md#7-coupons).
var CouponListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "apply_on", Expr: "apply_on", Kind: list.Enum, Choices: applyOns, Lookups: []string{list.In}},
		{Name: "discount_scheme", Expr: "discount_scheme", Kind: list.Enum, Choices: discountSchemes, Lookups: []string{list.In}},
		{Name: "duration_scheme", Expr: "duration_scheme", Kind: list.Enum, Choices: durationSchemes, Lookups: []string{list.In}},
		{Name: "valid_until", Expr: "valid_until", Kind: list.Date, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created", "valid_until": "COALESCE(valid_until, '9999-12-31')"}, // no limit sorts as the latest date
	DefaultOrdering: "-created",
	Search:          []string{"name"},
	Metadata:        "metadata",
}

// ListCoupons returns one page of coupons.
func ListCoupons(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Coupon, error) {
	count, out, err := list.Fetch(ctx, q, lq, couponColumns, ` FROM coupons WHERE workspace_id = $1 AND test_mode = $2`, []any{sc.ID, sc.TestMode}, func(row list.Scanner) (*Coupon, error) { return scanCoupon(sc, row) })
	if err != nil {
		return 0, nil, err
	}
	return count, out, nil
}

type couponRecord struct {
	name, currency, discountScheme, durationScheme, applyOn, status, metadata string
	amount                                                                    decimal.Decimal
	durationTimes                                                             *int
	validUntil                                                                *string
}

// parseCouponAmount reads a number ≥ 0 with at most 4 decimals and 15
// integer digits; the scheme rules are checked on the resulting object.
func parseCouponAmount(raw any) (decimal.Decimal, error) {
	d, err := money.ParsePercent(raw)
	if err == nil || err.Error() != money.MsgMax100 {
		return d, err
	}
	// above 100: fine for "$" coupons, which are checked as money below
	m, merr := money.ParseMoney(raw)
	if merr != nil && merr.Error() == money.MsgDecimalPlaces(money.MoneyDecimals) {
		return m, &money.FieldError{Msg: money.MsgMax100} // a percentage > 100 with decimals
	}
	return m, merr
}

func (r *couponRecord) apply(o *input.Object) {
	reqStr(o, &r.name, "name", 56)
	amountSet := false
	if v, ok := o.Decimal("amount", true, parseCouponAmount); ok {
		r.amount, amountSet = v, true
	}
	currency(o, &r.currency, true)
	if v, ok := o.Choice("discount_scheme", false, discountSchemes...); ok {
		r.discountScheme = v
	}
	if v, ok := o.Choice("duration_scheme", false, durationSchemes...); ok {
		r.durationScheme = v
	}
	if v, ok := integer(o, "duration_times", 1); ok {
		r.durationTimes = v
	}
	if v, ok := o.Date("valid_until", false, true); ok {
		r.validUntil = v
	}
	if v, ok := o.Choice("apply_on", false, applyOns...); ok {
		r.applyOn = v
	}
	status(o, &r.status)
	metadata(o, &r.metadata)

	// against the resulting object
	if !o.Failed("amount") && !o.Failed("discount_scheme") && (amountSet || o.Has("discount_scheme") || o.Has("currency")) {
		switch {
		case !r.amount.IsPositive():
			o.Fail("amount", money.MsgPositive)
		case r.discountScheme == DiscountPercent:
			if _, err := money.ParsePercent(r.amount.String()); err != nil {
				o.Fail("amount", err.Error())
			}
		default:
			if _, err := money.ParseMoney(r.amount.String()); err != nil {
				o.Fail("amount", err.Error())
			} else if cur, ok := catalog.CurrencyByID(r.currency); ok && !o.Failed("currency") {
				if err := money.CheckScale(r.amount, money.ScaleFor(cur.Rounded)); err != nil {
					o.Fail("amount", err.Error())
				}
			}
		}
	}
	if !o.Failed("duration_scheme") && !o.Failed("duration_times") {
		switch {
		case r.durationScheme == DurationLimited && r.durationTimes == nil:
			o.Fail("duration_times", MsgCouponTimesRequired)
		case r.durationScheme != DurationLimited && r.durationTimes != nil:
			o.Fail("duration_times", MsgCouponTimesOnly)
		}
	}
}

func (r *couponRecord) storedAmount() string {
	if r.discountScheme == DiscountFixed {
		return money.NewMoney(r.amount).String()
	}
	return money.NewPercent(r.amount).String()
}

// CreateCoupon validates body and inserts a coupon.
func CreateCoupon(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, now time.Time) (*Coupon, error) {
	rec := couponRecord{discountScheme: DiscountPercent, durationScheme: DurationOneTime, applyOn: ApplyOnInvoice, status: StatusActive, metadata: "{}"}
	rec.apply(o)
	if err := o.Err(); err != nil {
		return nil, err
	}
	cid := id.New(PrefixCoupon)
	us := now.UnixMicro()
	var archived *int64
	if rec.status == StatusArchived {
		archived = &us
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO coupons (id, workspace_id, test_mode, name, amount, currency, discount_scheme, duration_scheme, duration_times,
		valid_until, apply_on, status, archived, metadata, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
		cid, sc.ID, sc.TestMode, rec.name, rec.storedAmount(), rec.currency, rec.discountScheme, rec.durationScheme, rec.durationTimes,
		rec.validUntil, rec.applyOn, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "coupon.created", cid, now); err != nil {
		return nil, err
	}
	return GetCoupon(ctx, q, sc, cid)
}

// UpdateCoupon applies a partial update (same fields as create).
func UpdateCoupon(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, couponID string, o *input.Object, now time.Time) (*Coupon, error) {
	c, err := getCoupon(ctx, q, sc, couponID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := couponRecord{name: c.Name, currency: c.Currency, discountScheme: c.DiscountScheme, durationScheme: c.DurationScheme, applyOn: c.ApplyOn,
		status: c.Status, metadata: string(c.Metadata), amount: c.Value, durationTimes: c.DurationTimes, validUntil: c.ValidUntil}
	rec.apply(o)
	if err := o.Err(); err != nil {
		return nil, err
	}
	archived, name := statusChange("coupon", c.Status, rec.status, c.Archived.Micros, now)
	if _, err := q.ExecContext(ctx, `UPDATE coupons SET name = $4, amount = $5, currency = $6, discount_scheme = $7, duration_scheme = $8, duration_times = $9,
		valid_until = $10, apply_on = $11, status = $12, archived = $13, metadata = $14, updated = $15 WHERE id = $1`+scopeWhere,
		couponID, sc.ID, sc.TestMode, rec.name, rec.storedAmount(), rec.currency, rec.discountScheme, rec.durationScheme, rec.durationTimes,
		rec.validUntil, rec.applyOn, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, name, couponID, now); err != nil {
		return nil, err
	}
	return GetCoupon(ctx, q, sc, couponID)
}

// ArchiveCoupon is DELETE: archived, idempotent.
func ArchiveCoupon(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, couponID string, now time.Time) (*Coupon, error) {
	c, err := getCoupon(ctx, q, sc, couponID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	if err := archive(ctx, q, sc, "coupons", "coupon", couponID, c.Status, now); err != nil {
		return nil, err
	}
	return GetCoupon(ctx, q, sc, couponID)
}
