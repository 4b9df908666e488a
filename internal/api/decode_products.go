package api

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Request bodies of the catalogue (docs/billing.md#4-products to docs/billing.md#7-coupons) decoded into product
// commands. Errors travel in the command (Errs): the rules that join
// fields are checked against the resulting object.

const (
	maxCatalogueTimes = 1_000_000
	maxTiers          = 20
)

// decodeProduct reads a product body.
func decodeProduct(o *input.Object) product.ProductParams {
	var c product.ProductParams
	requiredText(o, &c.Name, "name", 64)
	nullableText(o, &c.UnitLabel, "unit_label", input.StrOpt{Max: 12})
	status(o, &c.Status)
	metadata(o, &c.Metadata)
	c.Errs = fieldErrors(o)
	return c
}

// decodeAddon reads an add-on body.
func decodeAddon(o *input.Object) product.AddonParams {
	var c product.AddonParams
	requiredText(o, &c.Name, "name", 56)
	requiredText(o, &c.Description, "description", 256)
	currency(o, &c.Currency, true)
	if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
		c.Amount = &v
	}
	nullableText(o, &c.SKU, "sku", input.StrOpt{Max: 32})
	if v, ok := o.Bool("exempt", false); ok {
		c.Exempt = &v
	}
	if v, ok := o.Choice("apply_scheme", false, product.ApplySchemes...); ok {
		c.ApplyScheme = &v
	}
	if v, ok := nullableInt(o, "duration_times", 1); ok {
		c.DurationTimes = opt.Nullable[int]{Set: true, Value: v}
	}
	nullableText(o, &c.UnitLabel, "unit_label", input.StrOpt{Max: 4})
	status(o, &c.Status)
	metadata(o, &c.Metadata)
	c.Errs = fieldErrors(o)
	return c
}

// decodeCoupon reads a coupon body.
func decodeCoupon(o *input.Object) product.CouponParams {
	c := product.CouponParams{Given: given(o)}
	requiredText(o, &c.Name, "name", 56)
	if v, ok := o.Decimal("amount", true, parseCouponAmount); ok {
		c.Amount = &v
	}
	currency(o, &c.Currency, true)
	if v, ok := o.Choice("discount_scheme", false, product.DiscountSchemes...); ok {
		c.DiscountScheme = &v
	}
	if v, ok := o.Choice("duration_scheme", false, product.DurationSchemes...); ok {
		c.DurationScheme = &v
	}
	if v, ok := nullableInt(o, "duration_times", 1); ok {
		c.DurationTimes = opt.Nullable[int]{Set: true, Value: v}
	}
	if v, ok := o.Date("valid_until", false, true); ok {
		c.ValidUntil = opt.Nullable[string]{Set: true, Value: v}
	}
	if v, ok := o.Choice("apply_on", false, product.ApplyOns...); ok {
		c.ApplyOn = &v
	}
	status(o, &c.Status)
	metadata(o, &c.Metadata)
	c.Errs = fieldErrors(o)
	return c
}

// decodePlan reads a POST /plans/ body.
func decodePlan(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object) (product.PlanParams, error) {
	c := product.PlanParams{UsageScheme: product.UsageLicensed}
	decodePlanMutable(o, &c)
	if err := decodePlanFixed(ctx, q, sc, o, &c, true); err != nil {
		return c, err
	}
	c.Errs = fieldErrors(o)
	return c, nil
}

// decodePlanPatch reads a PATCH/PUT plan body: the fields fixed at
// creation are accepted with their current value only.
func decodePlanPatch(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, p *product.Plan) (product.PlanParams, error) {
	var c product.PlanParams
	decodePlanMutable(o, &c)
	if err := checkFixed(ctx, q, sc, o, p); err != nil {
		return c, err
	}
	c.Errs = fieldErrors(o)
	return c, nil
}

// currencyInto reads a required currency into *dst.
func currencyInto(o *input.Object, dst *string) {
	var v *string
	currency(o, &v, true)
	if v != nil {
		*dst = *v
	}
}

// nullableText reads an optional string into *dst when given.
func nullableText(o *input.Object, dst *opt.Nullable[string], key string, limits input.StrOpt) {
	if v, ok := o.String(key, limits); ok {
		*dst = opt.Nullable[string]{Set: true, Value: v}
	}
}

// requiredText reads a required string into *dst when set.
func requiredText(o *input.Object, dst **string, key string, max int) {
	if v, ok := o.String(key, input.StrOpt{Required: true, Max: max}); ok && v != nil {
		*dst = v
	}
}

// currency reads an available currency id (docs/catalogues.md#3-currencies-public).
func currency(o *input.Object, dst **string, required bool) {
	v, ok := o.String("currency", input.StrOpt{Required: required || o.Has("currency")})
	if !ok || v == nil {
		return
	}
	if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
		*dst = v
		return
	}
	o.Fail("currency", input.MsgPK(*v))
}

// status reads status; the archived stamp follows it.
func status(o *input.Object, st **string) {
	if v, ok := o.Choice("status", false, product.StatusChoices...); ok {
		*st = &v
	}
}

// metadata reads metadata into *dst when set.
func metadata(o *input.Object, dst **string) {
	if v, ok := o.Metadata("metadata"); ok {
		*dst = &v
	}
}

// nullableInt reads a nullable integer ≥ min. It returns (value, set).
func nullableInt(o *input.Object, key string, min int) (*int, bool) {
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
		o.Fail(key, product.MsgMinValue(min))
		return nil, false
	}
	if d.GreaterThan(decimal.NewFromInt(maxCatalogueTimes)) {
		o.Fail(key, product.MsgMaxValue(maxCatalogueTimes))
		return nil, false
	}
	v := int(d.IntPart())
	return &v, true
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

// parseTierQuantity reads a tier bound: a decimal ≥ 0 with the quantity
// limits of docs/conventions.md#7-data-types (0 is allowed: the first tier starts at 0).
func parseTierQuantity(raw any) (decimal.Decimal, error) {
	d, err := money.ParseQuantity(raw)
	if err == nil || err.Error() != money.MsgPositive {
		return d, err
	}
	// zero or negative: ParseMoney tells them apart (negative → ≥ 0)
	if _, merr := money.ParseMoney(raw); merr != nil && merr.Error() == money.MsgNonNegative {
		return decimal.Zero, merr
	}
	return decimal.Zero, nil
}

// parseTiers validates tiers for mode. It returns the stored tiers, or
// false after recording errors on "tiers".
func parseTiers(o *input.Object, raw []any, mode string) ([]product.StoredTier, bool) {
	if len(raw) > maxTiers {
		o.Fail("tiers", product.MsgMaxTiers)
		return nil, false
	}
	if product.CanonicalMode(mode) == product.TiersPackageOverage && len(raw) < 2 {
		o.Fail("tiers", product.MsgOverageTiers)
		return nil, false
	}
	canon := product.CanonicalMode(mode)
	defUnits := product.UnitsAll
	if canon == product.TiersGraduated || canon == product.TiersPackageOverage {
		defUnits = product.UnitsTier
	}
	out := make([]product.StoredTier, len(raw))
	errs := make([]any, len(raw))
	bad := false
	var prevTo *decimal.Decimal
	prevKnown := true
	for i, item := range raw {
		m, isMap := item.(map[string]any)
		if !isMap {
			errs[i] = map[string]any{"non_field_errors": []string{input.MsgDict(input.TypeName(item))}}
			bad, prevKnown = true, false
			continue
		}
		t := input.New(m, false)
		last := i == len(raw)-1
		var from decimal.Decimal
		fromOK := false
		if v, ok := t.Decimal("quantity_from", false, parseTierQuantity); ok {
			from, fromOK = v, true
		} else if !t.Has("quantity_from") {
			// absent: contiguous by construction
			switch {
			case i == 0:
				from, fromOK = decimal.Zero, true
			case prevTo != nil:
				from, fromOK = *prevTo, true
			}
		}
		if fromOK {
			switch {
			case i == 0 && !from.IsZero():
				t.Fail("quantity_from", product.MsgFirstTierFrom)
			case i > 0 && prevKnown && prevTo != nil && !from.Equal(*prevTo):
				t.Fail("quantity_from", product.MsgTierContiguous(prevTo.String()))
			}
		}
		var to *decimal.Decimal
		toRaw, _ := t.Raw("quantity_to")
		if toRaw != nil {
			if v, ok := t.Decimal("quantity_to", false, parseTierQuantity); ok {
				to = &v
				switch {
				case fromOK && !v.GreaterThan(from):
					t.Fail("quantity_to", product.MsgTierToGreater)
				case last:
					t.Fail("quantity_to", product.MsgLastTierTo)
				}
			}
		} else if !last {
			t.Fail("quantity_to", product.MsgTierToNull)
		}
		amount, _ := t.Decimal("amount", true, money.ParseMoney)
		amountScheme := product.AmountUnit
		if v, ok := t.Choice("amount_scheme", false, product.AmountUnit, product.AmountFlat); ok {
			amountScheme = v
		}
		unitScheme := defUnits
		if v, ok := t.Choice("unit_scheme", false, product.UnitsAll, product.UnitsTier); ok {
			unitScheme = v
		}
		if t.Failed("quantity_to") || t.Failed("quantity_from") && to == nil {
			prevKnown = false
		} else {
			prevKnown = true
		}
		prevTo = to
		if !t.OK() {
			errs[i] = t.Errors()
			bad = true
			continue
		}
		errs[i] = map[string]any{}
		st := product.StoredTier{From: from.String(), Amount: money.NewMoney(amount).String(), AmountScheme: amountScheme, UnitScheme: unitScheme}
		if to != nil {
			s := to.String()
			st.To = &s
		}
		out[i] = st
	}
	if bad {
		o.FailNested("tiers", errs)
		return nil, false
	}
	return out, true
}

// decodePlanMutable reads the fields an update may change.
func decodePlanMutable(o *input.Object, c *product.PlanParams) {
	requiredText(o, &c.Name, "name", 56)
	requiredText(o, &c.Description, "description", 200)
	nullableText(o, &c.SKU, "sku", input.StrOpt{Max: 32})
	nullableText(o, &c.UnitLabel, "unit_label", input.StrOpt{Max: 4})
	status(o, &c.Status)
	metadata(o, &c.Metadata)
}

// decodePlanFixed reads the fields fixed at creation.
func decodePlanFixed(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, r *product.PlanParams, withProduct bool) error {
	if !withProduct {
		// compared by the caller
	} else if v, ok := o.Ref("product", true, false, func(s string) bool { return id.Valid(product.PrefixProduct, s) }); ok {
		_, msg, err := product.Products.Ref(ctx, q, sc, *v)
		if err != nil {
			return err
		}
		if msg != "" {
			o.Fail("product", msg)
		} else {
			r.Product = *v
		}
	}
	if v, ok := o.String("frequency", input.StrOpt{Required: true}); ok && v != nil {
		if _, found := catalog.FrequencyByID(*v); found {
			r.Frequency = *v
		} else {
			o.Fail("frequency", input.MsgPK(*v))
		}
	}
	currencyInto(o, &r.Currency)
	if v, ok := o.Bool("exempt", false); ok {
		r.Exempt = v
	}
	if v, ok := o.Choice("usage_scheme", false, product.UsageSchemes...); ok {
		r.UsageScheme = v
	}
	aggRaw, _ := o.Raw("usage_aggregation")
	if aggRaw != nil {
		if v, ok := o.Choice("usage_aggregation", false, product.Aggregations...); ok {
			if r.UsageScheme == product.UsageMetered {
				r.UsageAggregation = &v
			} else if !o.Failed("usage_scheme") {
				o.Fail("usage_aggregation", product.MsgMeteredOnly)
			}
		}
	} else if r.UsageScheme == product.UsageMetered {
		agg := product.AggregationSum
		r.UsageAggregation = &agg
	}

	modeRaw, _ := o.Raw("tiers_mode")
	if modeRaw != nil {
		if v, ok := o.Choice("tiers_mode", false, product.TiersModes...); ok {
			r.TiersMode = &v
		}
	}
	tiersRaw, _ := o.Raw("tiers")
	var tiers []any
	if tiersRaw != nil {
		if l, ok := o.List("tiers", false); ok {
			tiers = l
		}
	}
	switch {
	case o.Failed("tiers") || o.Failed("tiers_mode"):
	case r.TiersMode != nil && len(tiers) == 0:
		o.Fail("tiers", product.MsgTiersRequired)
	case r.TiersMode == nil && len(tiers) > 0:
		o.Fail("tiers_mode", product.MsgTiersModeRequired)
	case r.TiersMode != nil:
		if st, ok := parseTiers(o, tiers, *r.TiersMode); ok {
			r.Tiers = st
		}
	}

	tiered := r.TiersMode != nil || (modeRaw != nil && o.Failed("tiers_mode")) || len(tiers) > 0
	amountRaw, amountGiven := o.Raw("amount")
	switch {
	case tiered && (!amountGiven || amountRaw == nil):
		r.Amount = decimal.Zero
	case tiered:
		if v, ok := o.Decimal("amount", false, money.ParseMoney); ok && !v.IsZero() {
			o.Fail("amount", product.MsgAmountTiered)
		}
		r.Amount = decimal.Zero
	default:
		if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
			r.Amount = v
		}
	}
	return nil
}

// checkFixed accepts the fields fixed at creation only with their current
// value (so a whole object can be PUT back); another value is rejected.
func checkFixed(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, p *product.Plan) error {
	if raw, ok := o.Raw("product"); ok {
		if sent, isStr := raw.(string); !isStr && raw != nil {
			o.Fail("product", input.MsgPKType(input.TypeName(raw)))
		} else if sent != p.Product {
			o.Fail("product", input.MsgNoChange)
		}
	}
	keys := []string{"frequency", "currency", "exempt", "usage_scheme", "usage_aggregation", "tiers_mode", "tiers"}
	if raw, ok := o.Raw("amount"); ok {
		if v, err := money.ParseMoney(raw); err != nil {
			o.Fail("amount", err.Error())
		} else if !v.Equal(p.Amount.Decimal) {
			o.Fail("amount", input.MsgNoChange)
		}
	}
	present := false
	for _, k := range keys {
		present = present || o.Has(k)
	}
	if !present {
		return nil
	}
	// Validate the fixed fields as a create would, over the current values
	// for the keys not sent, then compare.
	body := map[string]any{}
	cur, _ := json.Marshal(p)
	dec := json.NewDecoder(bytes.NewReader(cur))
	dec.UseNumber()
	var curMap map[string]any
	if err := dec.Decode(&curMap); err != nil {
		return err
	}
	for _, k := range keys {
		if v, ok := o.Raw(k); ok {
			body[k] = v
		} else {
			body[k] = curMap[k]
		}
	}
	body["amount"] = curMap["amount"] // compared below
	fixed := input.New(body, false)
	rec := product.PlanParams{UsageScheme: product.UsageLicensed}
	if err := decodePlanFixed(ctx, q, sc, fixed, &rec, false); err != nil {
		return err
	}
	for k, v := range fixed.Errors() {
		if o.Has(k) {
			o.FailNested(k, v)
		}
	}
	curTiers, _ := json.Marshal(p.Tiers)
	newTiers, _ := json.Marshal(viewTiers(rec.Tiers))
	differs := map[string]bool{
		"frequency":         rec.Frequency != p.Frequency,
		"currency":          rec.Currency != p.Currency,
		"exempt":            rec.Exempt != p.Exempt,
		"usage_scheme":      rec.UsageScheme != p.UsageScheme,
		"usage_aggregation": !eqPtr(rec.UsageAggregation, p.UsageAggregation),
		"tiers_mode":        !eqPtr(rec.TiersMode, p.TiersMode),
		"tiers":             string(curTiers) != string(newTiers),
	}
	for _, k := range keys {
		if o.Has(k) && !o.Failed(k) && differs[k] {
			o.Fail(k, input.MsgNoChange)
		}
	}
	return nil
}

func viewTiers(st []product.StoredTier) []product.Tier {
	out := make([]product.Tier, len(st))
	for i, t := range st {
		out[i] = t.View()
	}
	return out
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
