package product

import (
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/shopspring/decimal"
)

// The catalogue's commands. The HTTP edge decodes request bodies into
// them, each field on its own; the rules that join fields are checked
// here against the resulting object (a PATCH is checked with the stored
// values of the fields it does not send). A nil pointer or an unset
// opt.Nullable is a field not given; Errs are the fields the edge could
// not decode, reported together with those rules.

// Common are the fields of every catalogue object.
type Common struct {
	Errs     *apperr.Fields
	Status   *string
	Metadata *string // canonical JSON
}

func (c Common) errs() *apperr.Fields {
	if c.Errs == nil {
		return &apperr.Fields{}
	}
	return c.Errs.Clone()
}

// ProductParams creates or updates a product.
type ProductParams struct {
	Common
	Name      *string
	UnitLabel opt.Nullable[string]
}

// AddonParams creates or updates an add-on.
type AddonParams struct {
	Common
	Name, Description, Currency *string
	Amount                      *decimal.Decimal
	SKU, UnitLabel              opt.Nullable[string]
	Exempt                      *bool
	ApplyScheme                 *string
	DurationTimes               opt.Nullable[int]
}

// CouponParams creates or updates a coupon.
type CouponParams struct {
	Common
	Name, Currency                 *string
	Amount                         *decimal.Decimal
	DiscountScheme, DurationScheme *string
	DurationTimes                  opt.Nullable[int]
	ValidUntil                     opt.Nullable[string]
	ApplyOn                        *string
	// Given names the fields the body carried (the amount rules apply when
	// the amount, the scheme or the currency is sent).
	Given map[string]bool
}

// PlanParams creates a plan; an update takes the mutable fields only (the
// edge refuses a change of the others).
type PlanParams struct {
	Common
	Name, Description *string
	SKU, UnitLabel    opt.Nullable[string]
	// fixed at creation
	Product          string
	Frequency        string
	Currency         string
	Exempt           bool
	UsageScheme      string // licensed when ""
	UsageAggregation *string
	TiersMode        *string
	Tiers            []StoredTier
	Amount           decimal.Decimal
}

func (r *productRecord) apply(c ProductParams) error {
	opt.Assign(&r.name, c.Name)
	c.UnitLabel.Apply(&r.unitLabel)
	opt.Assign(&r.status, c.Status)
	opt.Assign(&r.metadata, c.Metadata)
	return c.errs().Err()
}

func (r *addonRecord) apply(c AddonParams) error {
	errs := c.errs()
	opt.Assign(&r.name, c.Name)
	opt.Assign(&r.description, c.Description)
	opt.Assign(&r.currency, c.Currency)
	opt.Assign(&r.amount, c.Amount)
	c.SKU.Apply(&r.sku)
	opt.Assign(&r.exempt, c.Exempt)
	opt.Assign(&r.applyScheme, c.ApplyScheme)
	c.DurationTimes.Apply(&r.durationTimes)
	c.UnitLabel.Apply(&r.unitLabel)
	opt.Assign(&r.status, c.Status)
	opt.Assign(&r.metadata, c.Metadata)
	// against the resulting object: a PATCH to one_time must drop the duration
	if r.durationTimes != nil && r.applyScheme != ApplyRecurring && !errs.Has("apply_scheme") && !errs.Has("duration_times") {
		errs.Add("duration_times", MsgAddonDuration)
	}
	return errs.Err()
}

func (r *couponRecord) apply(c CouponParams) error {
	errs := c.errs()
	opt.Assign(&r.name, c.Name)
	opt.Assign(&r.amount, c.Amount)
	opt.Assign(&r.currency, c.Currency)
	opt.Assign(&r.discountScheme, c.DiscountScheme)
	opt.Assign(&r.durationScheme, c.DurationScheme)
	c.DurationTimes.Apply(&r.durationTimes)
	c.ValidUntil.Apply(&r.validUntil)
	opt.Assign(&r.applyOn, c.ApplyOn)
	opt.Assign(&r.status, c.Status)
	opt.Assign(&r.metadata, c.Metadata)
	if !errs.Has("amount") && !errs.Has("discount_scheme") && (c.Amount != nil || c.Given["discount_scheme"] || c.Given["currency"]) {
		if msg := r.amountRule(errs.Has("currency")); msg != "" {
			errs.Add("amount", msg)
		}
	}
	if !errs.Has("duration_scheme") && !errs.Has("duration_times") {
		switch {
		case r.durationScheme == DurationLimited && r.durationTimes == nil:
			errs.Add("duration_times", MsgCouponTimesRequired)
		case r.durationScheme != DurationLimited && r.durationTimes != nil:
			errs.Add("duration_times", MsgCouponTimesOnly)
		}
	}
	return errs.Err()
}

// amountRule checks the amount against the scheme: a percentage up to
// 100, or money in the currency's decimals.
func (r *couponRecord) amountRule(currencyFailed bool) string {
	switch {
	case !r.amount.IsPositive():
		return money.MsgPositive
	case r.discountScheme == DiscountPercent:
		if _, err := money.ParsePercent(r.amount.String()); err != nil {
			return err.Error()
		}
	default:
		if _, err := money.ParseMoney(r.amount.String()); err != nil {
			return err.Error()
		}
		if cur, ok := catalog.CurrencyByID(r.currency); ok && !currencyFailed {
			if err := money.CheckScale(r.amount, money.ScaleFor(cur.Rounded)); err != nil {
				return err.Error()
			}
		}
	}
	return ""
}

// applyMutable copies the fields an update may change.
func (r *planRecord) applyMutable(c PlanParams) {
	opt.Assign(&r.name, c.Name)
	opt.Assign(&r.description, c.Description)
	c.SKU.Apply(&r.sku)
	c.UnitLabel.Apply(&r.unitLabel)
	opt.Assign(&r.status, c.Status)
	opt.Assign(&r.metadata, c.Metadata)
}

// applyFixed copies the fields fixed at creation.
func (r *planRecord) applyFixed(c PlanParams) {
	r.product, r.frequency, r.currency, r.exempt = c.Product, c.Frequency, c.Currency, c.Exempt
	if c.UsageScheme != "" {
		r.usageScheme = c.UsageScheme
	}
	r.usageAggregation, r.tiersMode, r.tiers, r.amount = c.UsageAggregation, c.TiersMode, c.Tiers, c.Amount
}
