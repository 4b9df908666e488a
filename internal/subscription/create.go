package subscription

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// MaxStart bounds date_start and next_billing: a schedule starting after
// it is a typo, and its dates would leave four-digit years (Cobro).
const (
	MaxStart  = "2100-01-01"
	MsgTooFar = "Date must be before 2100-01-01."
)

// Messages of docs/billing.md#811-errors.
const (
	MsgDateStartPast     = "Date must be today or later."
	MsgNextBeforeStart   = "Must be on or after date_start."
	MsgSameFrequency     = "All plans must have the same frequency."
	MsgSameCurrency      = "All plans must have the same currency."
	MsgMeteredQuantity   = "Metered lines take their quantity from usage records."
	MsgLineCouponInvoice = "Coupon applies to invoices; set it on the subscription."
	MsgSubCouponLine     = "Coupon applies to lines; set it on a subscription line."
	MsgSourceRequired    = "Required when collection_scheme=charge_payment."
	MsgRatesRecurring    = "Rates apply only to one_time add-ons."
	MsgRatesSum          = "Percentages must add up to 100."
	MsgCustomChangeMin   = "Ensure this value is greater than or equal to 1."
	MsgStatusPatch       = "Use the pause, resume or DELETE endpoints to change the status."
	MsgAfterFirstBilling = "This field cannot be changed after the first billing."
	MsgClosedOnlyMeta    = "Cancelled or finalized subscriptions can only change metadata."
)

// env is what the subscription operations need.
type env struct {
	ctx context.Context
	q   store.Querier
	d   store.Dialect
	sc  workspace.Scope
	now time.Time // the subscription's now: its test clock's time when attached
	us  int64     // the real time of the write, for created/updated stamps
	// numbering defers invoice numbers to the end of a batch (scheduler)
	numbering *document.Numbering
	svc       *Service
}

func (e env) today() Date { return DateOf(e.now, e.sc.Loc) }

func (e env) doc() document.Env {
	return document.Env{Ctx: e.ctx, Q: e.q, D: e.d, Scope: e.sc, Now: e.now, Numbering: e.numbering, Deps: e.svc.documents()}
}

// Create validates a body and inserts the subscription; when its first
// billing date is today the first run executes in the same transaction.
func (svc *Service) Create(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, o *input.Object, now time.Time) (*Sub, error) {
	e := env{ctx: ctx, q: q, d: d, sc: sc, now: now, us: now.UnixMicro(), svc: svc}
	s := &Sub{ID: id.New(Prefix), TestMode: sc.TestMode, Status: StatusActive, NextBillingCycle: 1, ExpirationDays: 10,
		CollectionScheme: SchemeSendInvoice, Refs: []Reference{}, Metadata: []byte("{}"), Created: e.us, Updated: e.us}

	if v, ok := o.Ref("customer", true, false, func(s string) bool { return id.Valid("cus", s) }); ok && v != nil {
		c, msg, err := customer.Ref(ctx, q, d, sc, *v, false)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			o.Fail("customer", msg)
		} else {
			s.CustomerID = c.ID
			if c.TestClock != nil {
				s.TestClockID = c.TestClock
				t, err := clockTime(ctx, q, sc, *c.TestClock)
				if err != nil {
					return nil, err
				}
				e.now = t
			}
		}
	}
	today := e.today()
	if t, ok := invoiceType(o, sc, true); ok {
		s.TypeID = t.ID
	}
	if v, ok := o.Date("date_start", true, false); ok {
		if v != nil && *v < today.String() {
			o.Fail("date_start", MsgDateStartPast)
		} else if v != nil && *v >= MaxStart {
			o.Fail("date_start", MsgTooFar)
		} else if v != nil {
			s.DateStart = *v
		}
	}
	var nextGiven *string
	if v, ok := o.Date("next_billing", false, true); ok && v != nil {
		nextGiven = v
		if s.DateStart != "" && *v < s.DateStart {
			o.Fail("next_billing", MsgNextBeforeStart)
		} else if *v >= MaxStart {
			o.Fail("next_billing", MsgTooFar)
		}
	}
	if err := e.readBody(o, s, nil); err != nil {
		return nil, err
	}
	if !o.OK() {
		return nil, o.Err()
	}
	// schedule (docs/billing.md#84-billing-schedule)
	s.Anchor = s.DateStart
	if nextGiven != nil {
		s.Anchor = *nextGiven
	}
	s.NextIndex = 0
	if nextGiven == nil && !s.hasLicensed() {
		s.NextIndex = 1
	}
	s.setNext()
	if err := insert(ctx, q, sc, s); err != nil {
		return nil, err
	}
	if err := e.emit("subscription.created", s.ID); err != nil {
		return nil, err
	}
	if s.NextBilling != nil && *s.NextBilling <= today.String() {
		// a run stopped before its invoice leaves the subscription in
		// needs_attention: the create still succeeds and shows it
		if _, err := e.run(s); err != nil && !isAttention(err) {
			return nil, err
		}
	}
	return s, nil
}

func (s *Sub) hasLicensed() bool {
	for _, l := range s.Lines {
		if !l.Metered {
			return true
		}
	}
	return false
}

func (s *Sub) hasMetered() bool {
	for _, l := range s.Lines {
		if l.Metered {
			return true
		}
	}
	return false
}

// setNext sets next_billing = B(next_index).
func (s *Sub) setNext() {
	a, _ := ParseDate(s.Anchor)
	p, _ := PeriodOf(s.Frequency)
	s.NextBilling = str(BillingDate(a, p, s.NextIndex).String())
}

// readBody reads every field create and update share onto s. before is the
// stored subscription on update (nil on create).
func (e env) readBody(o *input.Object, s *Sub, before *Sub) error {
	var plans []*product.Plan
	if lines, ps, ok, err := e.readLines(o, before); err != nil {
		return err
	} else if ok {
		s.Lines, plans = lines, ps
	}
	samePlans(o, s, before, plans)
	if o.Has("frequency") {
		if v, ok := o.Choice("frequency", false, frequencyIDs()...); ok && s.Frequency != "" && v != s.Frequency && !o.Failed("lines") {
			o.Fail("frequency", fmt.Sprintf("Plans of this subscription are billed %s.", s.Frequency))
		}
	}
	if o.Has("billing_cycles") {
		if raw, _ := o.Raw("billing_cycles"); raw == nil {
			s.BillingCycles = nil
		} else if n, ok := intField(o, "billing_cycles", 1, 0); ok {
			if before != nil && n < before.CyclesOpened {
				o.Fail("billing_cycles", fmt.Sprintf("Must be at least %d, the number of cycles already billed.", before.CyclesOpened))
			} else {
				s.BillingCycles = &n
			}
		}
	}
	if o.Has("expiration_days") {
		if n, ok := intField(o, "expiration_days", 0, 365); ok {
			s.ExpirationDays = n
		}
	}
	if v, ok := o.Choice("collection_scheme", false, schemes...); ok {
		s.CollectionScheme = v
	}
	if o.Has("default_source") {
		if v, ok := o.Ref("default_source", false, true, func(string) bool { return true }); ok {
			s.DefaultSource = v
		}
	}
	if o.Has("custom_change") {
		if raw, _ := o.Raw("custom_change"); raw == nil {
			s.CustomChange = nil
		} else if v, ok := o.Decimal("custom_change", false, money.ParseQuantity); ok {
			if v.LessThan(decimal.NewFromInt(1)) {
				o.Fail("custom_change", MsgCustomChangeMin)
			} else {
				s.CustomChange = &v
			}
		}
	}
	if v, ok := o.Bool("require_reference", false); ok {
		s.RequireReference = v
	}
	if o.Has("references") {
		if refs, ok := decode.References(o, true); ok {
			s.Refs = make([]Reference, len(refs))
			for i, r := range refs {
				s.Refs[i] = Reference{Date: r.Date, Document: r.Document, Serial: r.Serial, DateEnd: r.DateEnd, Description: r.Description}
			}
		}
	}
	if o.Has("note") {
		if v, ok := o.String("note", input.StrOpt{Max: 100}); ok {
			s.Note = v
		}
	}
	if v, ok := o.Metadata("metadata"); ok {
		s.Metadata = []byte(v)
	}
	// add-ons after lines: they must match the subscription currency
	if o.Has("addons") || before == nil {
		if addons, ok, err := e.readAddons(o, before, s.Currency); err != nil {
			return err
		} else if ok {
			s.Addons = addons
		}
	}
	if err := e.readCoupon(o, s, before); err != nil {
		return err
	}
	customerID := s.CustomerID
	if o.Has("orgunit") {
		if v, ok := o.Ref("orgunit", false, true, func(x string) bool { return id.Valid("org", x) }); ok {
			if v != nil && customerID != "" {
				var n int
				if err := e.q.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM orgunits WHERE id = $1 AND customer_id = $2 AND workspace_id = $3 AND test_mode = $4`,
					*v, customerID, e.sc.ID, e.sc.TestMode).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					o.Fail("orgunit", input.MsgPK(*v))
				}
			}
			s.OrgunitID = v
		}
	}
	return e.checkDefaultSource(o, s, before)
}

// samePlans: every plan of a subscription has one frequency and one
// currency, those it was created with once it has billed.
func samePlans(o *input.Object, s, before *Sub, plans []*product.Plan) {
	if len(plans) == 0 {
		return
	}
	freq, cur := plans[0].Frequency, plans[0].Currency
	for _, p := range plans[1:] {
		if p.Frequency != freq && !o.Failed("lines") {
			o.Fail("lines", MsgSameFrequency)
		}
		if p.Currency != cur && !o.Failed("lines") {
			o.Fail("lines", MsgSameCurrency)
		}
	}
	if !o.Failed("lines") {
		if before != nil && before.NextBillingCycle > 1 && freq != before.Frequency {
			o.Fail("lines", fmt.Sprintf("Plans of this subscription are billed %s.", before.Frequency))
		} else if before != nil && cur != before.Currency {
			o.Fail("lines", fmt.Sprintf("Plans of this subscription are in %s.", before.Currency))
		} else {
			s.Frequency, s.Currency = freq, cur
		}
	}
}

// readCoupon reads the invoice coupon.
func (e env) readCoupon(o *input.Object, s, before *Sub) error {
	if o.Has("coupon") {
		if v, ok := o.Ref("coupon", false, true, func(x string) bool { return id.Valid("cou", x) }); ok {
			if v == nil {
				s.CouponID = nil
			} else if before == nil || before.CouponID == nil || *before.CouponID != *v {
				c, msg, err := product.CouponRef(e.ctx, e.q, e.sc, *v)
				if err != nil {
					return err
				}
				switch {
				case msg != "":
					o.Fail("coupon", msg)
				case c.ApplyOn != product.ApplyOnInvoice:
					o.Fail("coupon", MsgSubCouponLine)
				default:
					if m := e.couponUsable(c, s.Currency); m != "" {
						o.Fail("coupon", m)
					} else {
						s.CouponID = v
						s.CouponRedemptions = 0
					}
				}
			}
		}
	}
	return nil
}

// checkDefaultSource: charge_payment needs a default_source; a given one
// must be a chargeable reusable source of the customer.
func (e env) checkDefaultSource(o *input.Object, s, before *Sub) error {
	customerID := s.CustomerID
	switch {
	case o.Failed("default_source") || o.Failed("collection_scheme"):
	case s.CollectionScheme == SchemeChargePayment && s.DefaultSource == nil:
		o.Fail("default_source", MsgSourceRequired)
	case s.DefaultSource == nil || customerID == "":
	case before != nil && !o.Has("default_source") && !o.Has("collection_scheme"):
		// unchanged since it was checked
	case e.svc.payments() == nil:
		o.Fail("default_source", input.MsgPK(*s.DefaultSource))
	default:
		if err := e.svc.payments().CheckDefaultSource(e.ctx, e.q, e.sc, customerID, *s.DefaultSource); err != nil {
			fe, ok := apperr.As(err)
			if !ok || fe.Kind != apperr.Invalid {
				return err
			}
			o.Fail("default_source", fe.Message("default_source"))
		}
	}
	return nil
}

func frequencyIDs() []string {
	var out []string
	for _, f := range catalog.Frequencies() {
		out = append(out, f.ID)
	}
	return out
}

// intField reads an integer in [min, max] (max 0 = unbounded).
func intField(o *input.Object, key string, min, max int) (int, bool) {
	raw, ok := o.Raw(key)
	if !ok {
		return 0, false
	}
	d, err := ParseNonNegative(raw)
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

// couponUsable checks valid_until and the currency of "$" coupons.
func (e env) couponUsable(c *product.Coupon, currency string) string {
	if c.ValidUntil != nil && *c.ValidUntil < e.today().String() {
		return fmt.Sprintf("Coupon expired on %s.", *c.ValidUntil)
	}
	if c.DiscountScheme == product.DiscountFixed && currency != "" && c.Currency != currency {
		return fmt.Sprintf("Coupon currency %s does not match the subscription currency %s.", c.Currency, currency)
	}
	return ""
}

// readLines reads "lines": 1–20 {id?, plan, quantity?, coupon?}. Items
// with the id of a line of before update that line.
func (e env) readLines(o *input.Object, before *Sub) ([]*Item, []*product.Plan, bool, error) {
	raw, ok := o.List("lines", before == nil)
	if !ok {
		return nil, nil, false, nil
	}
	if len(raw) == 0 {
		o.Fail("lines", input.MsgEmptyList)
		return nil, nil, false, nil
	}
	if len(raw) > 20 {
		o.Fail("lines", "Ensure this field has no more than 20 elements.")
		return nil, nil, false, nil
	}
	old := map[string]*Item{}
	if before != nil {
		for _, l := range before.Lines {
			old[l.ID] = l
		}
	}
	items := make([]*Item, len(raw))
	plans := make([]*product.Plan, 0, len(raw))
	errs := make([]any, len(raw))
	bad := false
	seenPlan := map[string]bool{}
	for i, r := range raw {
		lo, it, ok := e.entry(r, kindLine, old)
		if !ok {
			errs[i] = map[string]any{"non_field_errors": []string{input.MsgDict(input.TypeName(r))}}
			bad = true
			continue
		}
		plan, err := e.readLinePlan(lo, it, seenPlan)
		if err != nil {
			return nil, nil, false, err
		}
		if plan != nil {
			plans = append(plans, plan)
		}
		if err := e.readLineCoupon(lo, it, plan); err != nil {
			return nil, nil, false, err
		}
		items[i] = it
		if lo.OK() {
			errs[i] = map[string]any{}
		} else {
			errs[i] = lo.Errors()
			bad = true
		}
	}
	if bad {
		o.FailNested("lines", errs)
		return nil, nil, false, nil
	}
	// removing a metered line with unbilled usage is refused
	if before != nil {
		for _, l := range before.Lines {
			if _, removed := old[l.ID]; removed && l.Metered {
				n, err := e.unbilledUsage(before, l.ID)
				if err != nil {
					return nil, nil, false, err
				}
				if n > 0 {
					o.Fail("lines", fmt.Sprintf("Line %s has usage records not yet billed.", l.ID))
					return nil, nil, false, nil
				}
			}
		}
	}
	return items, plans, true, nil
}

// readLinePlan reads the plan and quantity of one item of "lines".
func (e env) readLinePlan(lo *input.Object, it *Item, seenPlan map[string]bool) (*product.Plan, error) {
	var plan *product.Plan
	if v, ok := lo.Ref("plan", it.PlanID == nil, false, func(x string) bool { return id.Valid("pla", x) }); ok && v != nil {
		p, msg, err := product.PlanRef(e.ctx, e.q, e.sc, *v)
		if err != nil {
			return nil, err
		}
		if msg != "" && !(it.PlanID != nil && *it.PlanID == *v) { // an archived plan already attached keeps billing
			lo.Fail("plan", msg)
		} else {
			plan = p
			it.PlanID = v
		}
	} else if it.PlanID != nil && !lo.Has("plan") {
		p, err := product.GetPlan(e.ctx, e.q, e.sc, *it.PlanID)
		if err != nil {
			return nil, err
		}
		plan = p
	}
	if plan != nil {
		if seenPlan[plan.ID] {
			lo.Fail("plan", "This plan is already a line of the subscription.")
		}
		seenPlan[plan.ID] = true
		it.Metered = plan.UsageScheme == product.UsageMetered
		qraw, has := lo.Raw("quantity")
		switch {
		case it.Metered && has && qraw != nil:
			lo.Fail("quantity", MsgMeteredQuantity)
		case it.Metered:
			it.Quantity = nil
		case !has && it.Quantity == nil, has && qraw == nil:
			lo.Fail("quantity", input.MsgRequired)
		case has:
			if q, ok := lo.Decimal("quantity", true, money.ParseQuantity); ok {
				if !q.IsPositive() {
					lo.Fail("quantity", "Ensure this value is greater than 0.")
				} else {
					it.Quantity = &q
				}
			}
		}
	}
	return plan, nil
}

// readLineCoupon reads the coupon of one item of "lines" (a line coupon in
// the plan's currency).
func (e env) readLineCoupon(lo *input.Object, it *Item, plan *product.Plan) error {
	if lo.Has("coupon") {
		if v, ok := lo.Ref("coupon", false, true, func(x string) bool { return id.Valid("cou", x) }); ok {
			if v == nil {
				it.CouponID = nil
			} else if it.CouponID == nil || *it.CouponID != *v {
				c, msg, err := product.CouponRef(e.ctx, e.q, e.sc, *v)
				if err != nil {
					return err
				}
				switch {
				case msg != "":
					lo.Fail("coupon", msg)
				case c.ApplyOn != product.ApplyOnLine:
					lo.Fail("coupon", MsgLineCouponInvoice)
				default:
					cur := ""
					if plan != nil {
						cur = plan.Currency
					}
					if m := e.couponUsable(c, cur); m != "" {
						lo.Fail("coupon", m)
					} else {
						it.CouponID = v
						it.Redemptions = 0
					}
				}
			}
		}
	}
	return nil
}

// unbilledUsage counts usage records of a line after the last billed period.
func (e env) unbilledUsage(s *Sub, lineID string) (int, error) {
	from := int64(0)
	if s.PreviousBilling != nil {
		d, _ := ParseDate(*s.PreviousBilling)
		from = d.Start(e.sc.Loc).UnixMicro()
	}
	var n int
	err := e.q.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM usages WHERE line_id = $1 AND date_time >= $2`, lineID, from).Scan(&n)
	return n, err
}

// entry starts reading one item of "lines" or "addons": a new entry, or a
// copy of the stored one its "id" names (taken out of old, so what is left
// there is being removed). ok is false when the item is not an object.
func (e env) entry(raw any, kind string, old map[string]*Item) (*input.Object, *Item, bool) {
	m, isMap := raw.(map[string]any)
	if !isMap {
		return nil, nil, false
	}
	o := input.New(m, false)
	it := &Item{ID: id.New(PrefixLine), Kind: kind, Rates: []Rate{}, Created: e.us, Updated: e.us, isNew: true, dirty: true}
	if v, ok := o.Ref("id", false, true, func(string) bool { return true }); ok && v != nil {
		if prev, found := old[*v]; found {
			cp := *prev
			it = &cp
			it.Updated, it.dirty = e.us, true
			delete(old, *v)
		} else {
			o.Fail("id", input.MsgPK(*v))
		}
	}
	return o, it, true
}

// readAddons reads "addons": up to 20 {id?, addon, quantity, rates?}.
func (e env) readAddons(o *input.Object, before *Sub, currency string) ([]*Item, bool, error) {
	raw, ok := o.List("addons", false)
	if !ok {
		if o.Has("addons") && !o.Failed("addons") {
			return []*Item{}, true, nil // null clears
		}
		if before == nil {
			return []*Item{}, true, nil
		}
		return nil, false, nil
	}
	if len(raw) > 20 {
		o.Fail("addons", "Ensure this field has no more than 20 elements.")
		return nil, false, nil
	}
	old := map[string]*Item{}
	if before != nil {
		for _, a := range before.Addons {
			old[a.ID] = a
		}
	}
	items := make([]*Item, len(raw))
	errs := make([]any, len(raw))
	bad := false
	for i, r := range raw {
		ao, it, ok := e.entry(r, kindAddon, old)
		if !ok {
			errs[i] = map[string]any{"non_field_errors": []string{input.MsgDict(input.TypeName(r))}}
			bad = true
			continue
		}
		var addon *product.Addon
		if v, ok := ao.Ref("addon", it.AddonID == nil, false, func(x string) bool { return id.Valid("add", x) }); ok && v != nil {
			a, msg, err := product.AddonRef(e.ctx, e.q, e.sc, *v)
			if err != nil {
				return nil, false, err
			}
			if msg != "" && !(it.AddonID != nil && *it.AddonID == *v) {
				ao.Fail("addon", msg)
			} else {
				addon = a
				it.AddonID = v
				if currency != "" && a.Currency != currency {
					ao.Fail("addon", fmt.Sprintf("Add-on currency %s does not match the subscription currency %s.", a.Currency, currency))
				}
			}
		} else if it.AddonID != nil {
			a, err := product.GetAddon(e.ctx, e.q, e.sc, *it.AddonID)
			if err != nil {
				return nil, false, err
			}
			addon = a
		}
		if ao.Has("quantity") || it.Quantity == nil {
			if q, ok := ao.Decimal("quantity", true, money.ParseQuantity); ok {
				if !q.IsPositive() {
					ao.Fail("quantity", "Ensure this value is greater than 0.")
				} else {
					it.Quantity = &q
				}
			}
		}
		if ao.Has("rates") {
			if rates, ok := readRates(ao); ok {
				if len(rates) > 0 && addon != nil && addon.ApplyScheme != product.ApplyOneTime {
					ao.Fail("rates", MsgRatesRecurring)
				} else {
					it.Rates = rates
				}
			}
		}
		items[i] = it
		if ao.OK() {
			errs[i] = map[string]any{}
		} else {
			errs[i] = ao.Errors()
			bad = true
		}
	}
	if bad {
		o.FailNested("addons", errs)
		return nil, false, nil
	}
	return items, true, nil
}

// ParseNonNegative reads a quantity that may be 0 (usage records,
// integers): ParseQuantity refuses 0 and says "greater than 0" for
// negatives.
func ParseNonNegative(raw any) (decimal.Decimal, error) {
	d, err := money.ParseQuantity(raw)
	var fe *money.FieldError
	if errors.As(err, &fe) && fe.Msg == money.MsgPositive {
		if strings.HasPrefix(strings.TrimSpace(fmt.Sprint(raw)), "-") && strings.Trim(strings.TrimSpace(fmt.Sprint(raw)), "-0.") != "" {
			return decimal.Zero, &money.FieldError{Msg: "Ensure this value is greater than or equal to 0."}
		}
		return decimal.Zero, nil
	}
	return d, err
}

func readRates(o *input.Object) ([]Rate, bool) {
	raw, ok := o.List("rates", false)
	if !ok {
		return []Rate{}, !o.Failed("rates")
	}
	out := make([]Rate, 0, len(raw))
	seen := map[int]bool{}
	sum := decimal.Zero
	for _, r := range raw {
		m, isMap := r.(map[string]any)
		if !isMap {
			o.Fail("rates", input.MsgDict(input.TypeName(r)))
			return nil, false
		}
		ro := input.New(m, false)
		var rate Rate
		if n, ok := intField(ro, "billing_cycle", 1, 0); ok {
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
			for k, v := range ro.Errors() {
				o.FailNested("rates", map[string]any{k: v})
			}
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
		o.Fail("rates", MsgRatesSum)
		return nil, false
	}
	return out, true
}

// invoiceType reads the "document" field as the type of the invoices.
func invoiceType(o *input.Object, sc workspace.Scope, required bool) (*catalog.DocumentType, bool) {
	ref, ok := decode.TypeRef(o, required)
	if !ok {
		return nil, false
	}
	t, msg := document.TypeFor(sc, document.Invoice, ref)
	if msg != "" {
		o.Fail("document", msg)
		return nil, false
	}
	return &t, true
}
