package subscription

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/shopspring/decimal"
)

// Charge is one invoice line a plan produces for a quantity: Quantity ×
// Amount (flat tiers: 1 × the tier amount).
type Charge struct {
	Tier     int // 1-based tier number; 0 for a plan without tiers
	Quantity decimal.Decimal
	Amount   decimal.Decimal
}

// TierCharges prices quantity q on a plan's tiers (docs/billing.md#5-plans, Cobro
// semantics). A plan without tiers gives one charge q × amount.
func TierCharges(mode string, tiers []product.Tier, amount, q decimal.Decimal) []Charge {
	if len(tiers) == 0 {
		return []Charge{{Quantity: q, Amount: amount}}
	}
	mode = product.CanonicalMode(mode)
	from := func(t product.Tier) decimal.Decimal { return t.QuantityFrom.Decimal }
	// units of q inside tier t: max(0, min(q, to) − from)
	units := func(t product.Tier) decimal.Decimal {
		hi := q
		if t.QuantityTo != nil && t.QuantityTo.Decimal.LessThan(hi) {
			hi = t.QuantityTo.Decimal
		}
		u := hi.Sub(from(t))
		if u.IsNegative() {
			return decimal.Zero
		}
		return u
	}
	// the tier containing q (0 falls in the first)
	containing := len(tiers) - 1
	for i, t := range tiers {
		if t.QuantityTo == nil || q.LessThanOrEqual(t.QuantityTo.Decimal) {
			containing = i
			break
		}
	}
	charge := func(i int, defaultUnits string) Charge {
		t := tiers[i]
		if t.AmountScheme == product.AmountFlat {
			return Charge{Tier: i + 1, Quantity: decimal.NewFromInt(1), Amount: t.Amount.Decimal}
		}
		scheme := t.UnitScheme
		if scheme == "" {
			scheme = defaultUnits
		}
		if scheme == product.UnitsAll {
			return Charge{Tier: i + 1, Quantity: q, Amount: t.Amount.Decimal}
		}
		return Charge{Tier: i + 1, Quantity: units(t), Amount: t.Amount.Decimal}
	}
	var out []Charge
	switch mode {
	case product.TiersVolume:
		out = append(out, charge(containing, product.UnitsAll))
	case product.TiersPackage:
		out = append(out, Charge{Tier: containing + 1, Quantity: decimal.NewFromInt(1), Amount: tiers[containing].Amount.Decimal})
	case product.TiersGraduated, product.TiersPackageOverage:
		for i, t := range tiers {
			switch {
			case i == 0 && mode == product.TiersPackageOverage:
				out = append(out, Charge{Tier: 1, Quantity: decimal.NewFromInt(1), Amount: t.Amount.Decimal})
			case i == 0 || units(t).IsPositive():
				out = append(out, charge(i, product.UnitsTier))
			}
		}
	default:
		out = append(out, Charge{Quantity: q, Amount: amount})
	}
	return out
}

// TierDescription names a tier on an invoice line: "Tier 2: 10–50", and
// "Tier 3: 50+" for the last one (Cobro).
func TierDescription(i int, t product.Tier) string {
	if t.QuantityTo == nil {
		return fmt.Sprintf("Tier %d: %s+", i, t.QuantityFrom.Decimal)
	}
	return fmt.Sprintf("Tier %d: %s–%s", i, t.QuantityFrom.Decimal, t.QuantityTo.Decimal)
}

// Aggregate reduces a metered line's usage quantities over a period
// (docs/billing.md#5-plans usage_aggregation). Records come ordered by (date_time,
// created), so the last is the latest record.
func Aggregate(aggregation string, quantities []decimal.Decimal) decimal.Decimal {
	if len(quantities) == 0 {
		return decimal.Zero
	}
	switch aggregation {
	case product.AggregationMax:
		m := quantities[0]
		for _, v := range quantities[1:] {
			if v.GreaterThan(m) {
				m = v
			}
		}
		return m
	case product.AggregationLastRecord:
		return quantities[len(quantities)-1]
	}
	sum := decimal.Zero
	for _, v := range quantities {
		sum = sum.Add(v)
	}
	return sum
}

// Convert multiplies a unit amount by a conversion factor and rounds it
// half-up to the invoice currency's scale (docs/billing.md#85-what-a-run-does step 5).
func Convert(amount, factor decimal.Decimal, scale int32) decimal.Decimal {
	return money.Round(amount.Mul(factor), scale)
}

// CouponApplies is the redemption rule of docs/billing.md#7-coupons: forever always,
// one_time at its first run, limited while redemptions < duration_times.
func CouponApplies(c *product.Coupon, redemptions int) bool {
	switch c.DurationScheme {
	case product.DurationForever:
		return true
	case product.DurationLimited:
		return c.DurationTimes != nil && redemptions < *c.DurationTimes
	}
	return redemptions == 0
}
