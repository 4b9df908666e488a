package api

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/shopspring/decimal"
)

// Request bodies of usage records and test clocks (docs/billing.md#9-usages to docs/billing.md#10-test-clocks)
// decoded into subscription commands.

// decodeUsage reads a POST /usages/ body.
func decodeUsage(o *input.Object, loc *time.Location) subscription.UsageParams {
	var c subscription.UsageParams
	if v, ok := o.Ref("subscription_line", true, false, func(x string) bool { return id.Valid(subscription.PrefixLine, x) }); ok && v != nil {
		c.Line = v
	}
	if t, ok := readInstant(o, "date_time", loc); ok {
		c.DateTime = &t
	}
	c.Quantity, _ = o.Decimal("quantity", true, subscription.ParseNonNegative)
	c.Errs = fieldErrors(o)
	return c
}

// decodeClock reads a POST /test_clocks/ body.
func decodeClock(o *input.Object, loc *time.Location) subscription.ClockParams {
	var c subscription.ClockParams
	c.FrozenTime, _ = readInstant(o, "frozen_time", loc)
	c.Name, _ = o.String("name", input.StrOpt{Max: 64})
	c.Errs = fieldErrors(o)
	return c
}

func readInstant(o *input.Object, key string, loc *time.Location) (time.Time, bool) {
	raw, ok := o.Raw(key)
	switch {
	case !ok:
		o.Fail(key, input.MsgRequired)
	case raw == nil:
		o.Fail(key, input.MsgNull)
	default:
		s, isStr := raw.(string)
		if t, err := list.ParseDateTime(s, loc); isStr && err == nil {
			return t, true
		}
		o.Fail(key, input.MsgDateTime)
	}
	return time.Time{}, false
}

// decodeStatusChange reads the body of pause (paused_reason, pause_until)
// and cancel (cancel_reason).
func decodeStatusChange(o *input.Object, reasonKey string, reasons []string) subscription.StatusChange {
	var c subscription.StatusChange
	if v, ok := o.Choice(reasonKey, false, reasons...); ok {
		c.Reason = &v
	}
	if reasonKey == "paused_reason" {
		if v, ok := o.Date("pause_until", false, true); ok && v != nil {
			c.PauseUntil = v
		}
	}
	c.Description, _ = o.String("status_description", input.StrOpt{Max: 512})
	c.Errs = fieldErrors(o)
	return c
}

// decodeSubscription reads a POST /subscriptions/ body.
func decodeSubscription(body map[string]any) *subscription.Params {
	o := input.New(body, false)
	p := &subscription.Params{Keys: bodyKeys(body)}
	if v, ok := o.Ref("customer", true, false, func(s string) bool { return id.Valid("cus", s) }); ok && v != nil {
		p.Customer = v
	}
	p.DateStart, _ = o.Date("date_start", true, false)
	if v, ok := o.Date("next_billing", false, true); ok && v != nil {
		p.NextBilling = opt.Of(*v)
	}
	subscriptionFields(o, p, false)
	p.Errs = fieldErrors(o)
	return p
}

// decodeSubscriptionPatch reads a PATCH /subscriptions/{id}/ body.
func decodeSubscriptionPatch(body map[string]any) *subscription.Patch {
	o := input.New(body, true)
	p := &subscription.Patch{Params: subscription.Params{Keys: bodyKeys(body)}}
	if raw, has := o.Raw("customer"); has {
		p.CustomerGiven.Set = true
		if v, isStr := raw.(string); isStr {
			p.CustomerGiven.Value = &v
		}
	}
	if o.Has("date_start") {
		p.DateStart, _ = o.Date("date_start", true, false)
	}
	if o.Has("next_billing") {
		p.NextBilling.Value, p.NextBilling.Set = o.Date("next_billing", false, true)
	}
	subscriptionFields(o, &p.Params, true)
	p.Errs = fieldErrors(o)
	return p
}

func bodyKeys(body map[string]any) map[string]bool {
	out := make(map[string]bool, len(body))
	for k := range body {
		out[k] = true
	}
	return out
}

// subscriptionFields reads the fields create and update share.
func subscriptionFields(o *input.Object, p *subscription.Params, partial bool) {
	if ref, ok := decode.TypeRef(o, !partial); ok {
		p.Document = &ref
	}
	p.Lines = subscriptionLines(o, !partial)
	if o.Has("frequency") {
		if v, ok := o.Choice("frequency", false, subscription.Frequencies()...); ok {
			p.Frequency = &v
		}
	}
	if o.Has("billing_cycles") {
		if raw, _ := o.Raw("billing_cycles"); raw == nil {
			p.BillingCycles.Set = true
		} else if n, ok := boundedInt(o, "billing_cycles", 1, 0); ok {
			p.BillingCycles = opt.Of(n)
		}
	}
	if o.Has("expiration_days") {
		if n, ok := boundedInt(o, "expiration_days", 0, 365); ok {
			p.ExpirationDays = &n
		}
	}
	if v, ok := o.Choice("collection_scheme", false, subscription.Schemes()...); ok {
		p.CollectionScheme = &v
	}
	if o.Has("default_source") {
		p.DefaultSource.Value, p.DefaultSource.Set = o.Ref("default_source", false, true, func(string) bool { return true })
	}
	if o.Has("custom_change") {
		if raw, _ := o.Raw("custom_change"); raw == nil {
			p.CustomChange.Set = true
		} else if v, ok := o.Decimal("custom_change", false, money.ParseQuantity); ok {
			p.CustomChange = opt.Of(v)
		}
	}
	if v, ok := o.Bool("require_reference", false); ok {
		p.RequireReference = &v
	}
	if o.Has("references") {
		if refs, ok := decode.References(o, true); ok {
			p.References = &refs
		}
	}
	if o.Has("note") {
		p.Note.Value, p.Note.Set = o.String("note", input.StrOpt{Max: 100})
	}
	if v, ok := o.Metadata("metadata"); ok {
		raw := json.RawMessage(v)
		p.Metadata = &raw
	}
	if o.Has("addons") {
		p.Addons = opt.Nullable[[]subscription.AddonEntry]{Set: true, Value: subscriptionAddons(o)}
	}
	if o.Has("coupon") {
		p.Coupon.Value, p.Coupon.Set = o.Ref("coupon", false, true, func(x string) bool { return id.Valid("cou", x) })
	}
	if o.Has("orgunit") {
		p.Orgunit.Value, p.Orgunit.Set = o.Ref("orgunit", false, true, func(x string) bool { return id.Valid("org", x) })
	}
}

// boundedInt reads an integer in [min, max] (max 0 = unbounded).
func boundedInt(o *input.Object, key string, min, max int) (int, bool) {
	raw, ok := o.Raw(key)
	if !ok {
		return 0, false
	}
	d, err := subscription.ParseNonNegative(raw)
	if err != nil || !d.IsInteger() || raw == nil {
		if raw == nil {
			o.Fail(key, input.MsgNull)
		} else {
			o.Fail(key, input.MsgInteger)
		}
		return 0, false
	}
	if d.LessThan(decimal.NewFromInt(int64(min))) {
		o.Fail(key, fmt.Sprintf("Ensure this value is greater than or equal to %d.", min))
		return 0, false
	}
	if max > 0 && d.GreaterThan(decimal.NewFromInt(int64(max))) {
		o.Fail(key, fmt.Sprintf("Ensure this value is less than or equal to %d.", max))
		return 0, false
	}
	if d.GreaterThan(decimal.NewFromInt(1_000_000)) {
		o.Fail(key, "Ensure this value is less than or equal to 1000000.")
		return 0, false
	}
	return int(d.IntPart()), true
}

// entryList reads "lines" or "addons": a list of at most 20 items (nil
// when absent or refused).
func entryList(o *input.Object, key string, required, nonEmpty bool) []any {
	raw, ok := o.List(key, required)
	if !ok {
		return nil
	}
	if nonEmpty && len(raw) == 0 {
		o.Fail(key, input.MsgEmptyList)
		return nil
	}
	if len(raw) > 20 {
		o.Fail(key, "Ensure this field has no more than 20 elements.")
		return nil
	}
	return raw
}

// subscriptionEntry reads what line and add-on items share; the object is
// nil when the item is not one.
func subscriptionEntry(raw any) (subscription.Entry, *input.Object) {
	m, isMap := raw.(map[string]any)
	if !isMap {
		f := &apperr.Fields{}
		f.Add("non_field_errors", input.MsgDict(input.TypeName(raw)))
		return subscription.Entry{NotObject: true, Errs: f}, nil
	}
	eo := input.New(m, false)
	var en subscription.Entry
	en.ID, _ = eo.Ref("id", false, true, func(string) bool { return true })
	return en, eo
}

// entryRef reads the plan or add-on of an entry; whether it is required
// depends on the stored item, so absence is the domain's to judge.
func entryRef(eo *input.Object, key, prefix string) subscription.EntryRef {
	r := subscription.EntryRef{Sent: eo.Has(key)}
	if r.Sent {
		r.ID, _ = eo.Ref(key, false, false, func(x string) bool { return id.Valid(prefix, x) })
	}
	return r
}

// subscriptionLines reads "lines": 1–20 {id?, plan, quantity?, coupon?}.
func subscriptionLines(o *input.Object, required bool) *[]subscription.LineEntry {
	raw := entryList(o, "lines", required, true)
	if raw == nil {
		return nil
	}
	out := make([]subscription.LineEntry, len(raw))
	for i, item := range raw {
		en, lo := subscriptionEntry(item)
		out[i].Entry = en
		if lo == nil {
			continue
		}
		out[i].Plan = entryRef(lo, "plan", "pla")
		if qraw, has := lo.Raw("quantity"); has {
			out[i].Quantity.Set = true
			if qraw != nil {
				if q, err := money.ParseQuantity(qraw); err != nil {
					out[i].QuantityErr = err.Error()
				} else {
					out[i].Quantity.Value = &q
				}
			}
		}
		if lo.Has("coupon") {
			out[i].Coupon.Value, out[i].Coupon.Set = lo.Ref("coupon", false, true, func(x string) bool { return id.Valid("cou", x) })
		}
		out[i].Errs = fieldErrors(lo)
	}
	return &out
}

// subscriptionAddons reads "addons": up to 20 {id?, addon, quantity, rates?};
// nil when null or refused.
func subscriptionAddons(o *input.Object) *[]subscription.AddonEntry {
	raw := entryList(o, "addons", false, false)
	if raw == nil {
		return nil
	}
	out := make([]subscription.AddonEntry, len(raw))
	for i, item := range raw {
		en, ao := subscriptionEntry(item)
		out[i].Entry = en
		if ao == nil {
			continue
		}
		out[i].Addon = entryRef(ao, "addon", "add")
		if ao.Has("quantity") {
			if q, ok := ao.Decimal("quantity", true, money.ParseQuantity); ok {
				out[i].Quantity = opt.Of(q)
			} else {
				out[i].Quantity.Set = true
			}
		}
		if ao.Has("rates") {
			if rates, ok := addonRates(ao); ok {
				out[i].Rates = &rates
			}
		}
		out[i].Errs = fieldErrors(ao)
	}
	return &out
}

// addonRates reads the rates of a one-time add-on: unique billing cycles
// whose percentages add up to 100.
func addonRates(o *input.Object) ([]subscription.Rate, bool) {
	raw, ok := o.List("rates", false)
	if !ok {
		return []subscription.Rate{}, !o.Failed("rates")
	}
	out := make([]subscription.Rate, 0, len(raw))
	seen := map[int]bool{}
	sum := decimal.Zero
	for _, r := range raw {
		m, isMap := r.(map[string]any)
		if !isMap {
			o.Fail("rates", input.MsgDict(input.TypeName(r)))
			return nil, false
		}
		ro := input.New(m, false)
		var rate subscription.Rate
		if n, ok := boundedInt(ro, "billing_cycle", 1, 0); ok {
			rate.BillingCycle = n
		} else if !ro.Has("billing_cycle") {
			ro.Fail("billing_cycle", input.MsgRequired)
		}
		if p, ok := ro.Decimal("percentage", true, money.ParsePercent); ok {
			if !p.IsPositive() {
				ro.Fail("percentage", "Ensure this value is greater than 0.")
			}
			rate.Percentage = p
		}
		if v, ok := ro.String("description", input.StrOpt{Max: 80}); ok {
			rate.Description = v
		}
		if !ro.OK() {
			// every field of the item at once (one picked from a map was
			// a different field from one request to the next)
			o.FailNested("rates", ro.Errors())
			return nil, false
		}
		if seen[rate.BillingCycle] {
			o.Fail("rates", "billing_cycle values must be unique.")
			return nil, false
		}
		seen[rate.BillingCycle] = true
		sum = sum.Add(rate.Percentage)
		out = append(out, rate)
	}
	if len(out) > 0 && !sum.Equal(decimal.NewFromInt(100)) {
		o.Fail("rates", subscription.MsgRatesSum)
		return nil, false
	}
	return out, true
}
