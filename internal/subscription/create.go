package subscription

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/opt"
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
	// batch: the billing batch this run is part of (scheduler), nil
	// otherwise
	batch *batch
	svc   *Service
}

func (e env) today() Date { return DateOf(e.now, e.sc.Loc) }

func (e env) doc() document.Env {
	de := document.Env{Ctx: e.ctx, Q: e.q, D: e.d, Scope: e.sc, Now: e.now, Deps: e.svc.documents()}
	if e.batch != nil {
		de.Tail, de.Customers = e.batch.tail, e.batch.customers
	}
	return de
}

// Create checks the command and inserts the subscription; when its first
// billing date is today the first run executes in the same transaction.
func (svc *Service) Create(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, p *Params, now time.Time) (*Sub, error) {
	e := env{ctx: ctx, q: q, d: d, sc: sc, now: now, us: now.UnixMicro(), svc: svc}
	s := &Sub{ID: id.New(Prefix), TestMode: sc.TestMode, Status: StatusActive, NextBillingCycle: 1, ExpirationDays: 10,
		CollectionScheme: SchemeSendInvoice, Refs: []Reference{}, Metadata: []byte("{}"), Created: e.us, Updated: e.us}
	errs := p.errs()
	if p.Customer != nil {
		c, msg, err := customer.Ref(ctx, q, d, sc, *p.Customer, false)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			errs.Add("customer", msg)
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
	if t, ok := invoiceType(p.Document, sc, errs); ok {
		s.TypeID = t.ID
	}
	if v := p.DateStart; v != nil {
		if *v < today.String() {
			errs.Add("date_start", MsgDateStartPast)
		} else if *v >= MaxStart {
			errs.Add("date_start", MsgTooFar)
		} else {
			s.DateStart = *v
		}
	}
	nextGiven := p.NextBilling.Value
	if v := nextGiven; v != nil {
		if s.DateStart != "" && *v < s.DateStart {
			errs.Add("next_billing", MsgNextBeforeStart)
		} else if *v >= MaxStart {
			errs.Add("next_billing", MsgTooFar)
		}
	}
	if err := e.readBody(p, errs, s, nil); err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	s.restartSchedule(nextGiven)
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

// restartSchedule anchors the billing schedule (docs/billing.md#84-billing-schedule) at next_billing
// when given, else at date_start; without a given date and with no
// licensed line the first run is one period later (metered lines bill in
// arrears).
func (s *Sub) restartSchedule(nextGiven *string) {
	s.Anchor = s.DateStart
	if nextGiven != nil {
		s.Anchor = *nextGiven
	}
	s.NextIndex = 0
	if nextGiven == nil && !s.hasLicensed() {
		s.NextIndex = 1
	}
}

// setNext sets next_billing = B(next_index).
func (s *Sub) setNext() {
	a, _ := ParseDate(s.Anchor)
	p, _ := PeriodOf(s.Frequency)
	s.NextBilling = str(BillingDate(a, p, s.NextIndex).String())
}

// readBody applies every field create and update share onto s, adding
// rule errors to errs. before is the stored subscription on update (nil
// on create).
func (e env) readBody(p *Params, errs *apperr.Fields, s *Sub, before *Sub) error {
	var plans []*product.Plan
	if lines, ps, ok, err := e.readLines(p, errs, before); err != nil {
		return err
	} else if ok {
		s.Lines, plans = lines, ps
	}
	samePlans(errs, s, before, plans)
	if v := p.Frequency; v != nil && s.Frequency != "" && *v != s.Frequency && !errs.Has("lines") {
		errs.Add("frequency", fmt.Sprintf("Plans of this subscription are billed %s.", s.Frequency))
	}
	if p.BillingCycles.Set {
		if n := p.BillingCycles.Value; n != nil && before != nil && *n < before.CyclesOpened {
			errs.Add("billing_cycles", fmt.Sprintf("Must be at least %d, the number of cycles already billed.", before.CyclesOpened))
		} else {
			s.BillingCycles = n
		}
	}
	opt.Assign(&s.ExpirationDays, p.ExpirationDays)
	opt.Assign(&s.CollectionScheme, p.CollectionScheme)
	p.DefaultSource.Apply(&s.DefaultSource)
	if p.CustomChange.Set {
		if v := p.CustomChange.Value; v != nil && v.LessThan(decimal.NewFromInt(1)) {
			errs.Add("custom_change", MsgCustomChangeMin)
		} else {
			s.CustomChange = v
		}
	}
	opt.Assign(&s.RequireReference, p.RequireReference)
	if p.References != nil {
		s.Refs = make([]Reference, len(*p.References))
		for i, r := range *p.References {
			s.Refs[i] = Reference{Date: r.Date, Document: r.Document, Serial: r.Serial, DateEnd: r.DateEnd, Description: r.Description}
		}
	}
	p.Note.Apply(&s.Note)
	if p.Metadata != nil {
		s.Metadata = []byte(*p.Metadata)
	}
	// add-ons after lines: they must match the subscription currency
	if p.Addons.Set || before == nil {
		if addons, ok, err := e.readAddons(p, errs, before, s.Currency); err != nil {
			return err
		} else if ok {
			s.Addons = addons
		}
	}
	if err := e.readCoupon(p, errs, s, before); err != nil {
		return err
	}
	if err := e.readOrgunit(p, errs, s); err != nil {
		return err
	}
	return e.checkDefaultSource(p, errs, s, before)
}

// readOrgunit sets the organisational unit, one of the customer's.
func (e env) readOrgunit(p *Params, errs *apperr.Fields, s *Sub) error {
	if !p.Orgunit.Set {
		return nil
	}
	v := p.Orgunit.Value
	if v != nil && s.CustomerID != "" {
		var n int
		if err := e.q.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM orgunits WHERE id = $1 AND customer_id = $2 AND workspace_id = $3 AND test_mode = $4`,
			*v, s.CustomerID, e.sc.ID, e.sc.TestMode).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			errs.Add("orgunit", apperr.MsgPK(*v))
		}
	}
	s.OrgunitID = v
	return nil
}

// samePlans: every plan of a subscription has one frequency and one
// currency, those it was created with once it has billed.
func samePlans(errs *apperr.Fields, s, before *Sub, plans []*product.Plan) {
	if len(plans) == 0 {
		return
	}
	freq, cur := plans[0].Frequency, plans[0].Currency
	for _, p := range plans[1:] {
		if p.Frequency != freq && !errs.Has("lines") {
			errs.Add("lines", MsgSameFrequency)
		}
		if p.Currency != cur && !errs.Has("lines") {
			errs.Add("lines", MsgSameCurrency)
		}
	}
	if !errs.Has("lines") {
		if before != nil && before.NextBillingCycle > 1 && freq != before.Frequency {
			errs.Add("lines", fmt.Sprintf("Plans of this subscription are billed %s.", before.Frequency))
		} else if before != nil && cur != before.Currency {
			errs.Add("lines", fmt.Sprintf("Plans of this subscription are in %s.", before.Currency))
		} else {
			s.Frequency, s.Currency = freq, cur
		}
	}
}

// readCoupon sets the invoice coupon.
func (e env) readCoupon(p *Params, errs *apperr.Fields, s, before *Sub) error {
	var current *string
	if before != nil {
		current = before.CouponID
	}
	return e.applyCoupon(p.Coupon, current, product.ApplyOnInvoice, MsgSubCouponLine, s.Currency, errs, &s.CouponID, &s.CouponRedemptions)
}

// applyCoupon applies a coupon field to *dst: null clears it, a coupon
// other than current is checked by couponFor at applyOn and, when
// accepted, set with its redemptions starting again.
func (e env) applyCoupon(field opt.Nullable[string], current *string, applyOn, wrongKind, currency string, errs *apperr.Fields, dst **string, redemptions *int) error {
	v := field.Value
	switch {
	case !field.Set:
		return nil
	case v == nil:
		*dst = nil
		return nil
	case current != nil && *current == *v:
		return nil
	}
	msg, err := e.couponFor(*v, applyOn, wrongKind, currency)
	switch {
	case err != nil:
		return err
	case msg != "":
		errs.Add("coupon", msg)
	default:
		*dst, *redemptions = v, 0
	}
	return nil
}

// couponFor checks the coupon couponID for use at applyOn (invoice or
// line) in currency: the field message (wrongKind when it applies at the
// other level), "" when it can be used.
func (e env) couponFor(couponID, applyOn, wrongKind, currency string) (string, error) {
	c, msg, err := product.Coupons.Ref(e.ctx, e.q, e.sc, couponID)
	switch {
	case err != nil || msg != "":
		return msg, err
	case c.ApplyOn != applyOn:
		return wrongKind, nil
	}
	return e.couponUsable(c, currency), nil
}

// checkDefaultSource: charge_payment needs a default_source; a given one
// must be a chargeable reusable source of the customer.
func (e env) checkDefaultSource(p *Params, errs *apperr.Fields, s, before *Sub) error {
	customerID := s.CustomerID
	switch {
	case errs.Has("default_source") || errs.Has("collection_scheme"):
	case s.CollectionScheme == SchemeChargePayment && s.DefaultSource == nil:
		errs.Add("default_source", MsgSourceRequired)
	case s.DefaultSource == nil || customerID == "":
	case before != nil && !p.Has("default_source") && !p.Has("collection_scheme"):
		// unchanged since it was checked
	case e.svc.payments() == nil:
		errs.Add("default_source", apperr.MsgPK(*s.DefaultSource))
	default:
		if err := e.svc.payments().CheckDefaultSource(e.ctx, e.q, e.sc, customerID, *s.DefaultSource); err != nil {
			fe, ok := apperr.As(err)
			if !ok || fe.Kind != apperr.Invalid {
				return err
			}
			errs.Add("default_source", fe.Message("default_source"))
		}
	}
	return nil
}

// Frequencies are the ids of the billing frequencies.
func Frequencies() []string {
	var out []string
	for _, f := range catalog.Frequencies() {
		out = append(out, f.ID)
	}
	return out
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

// readLines applies "lines": items with the id of a line of before update
// that line. Entry errors are nested per item under "lines".
func (e env) readLines(p *Params, errs *apperr.Fields, before *Sub) ([]*Item, []*product.Plan, bool, error) {
	if p.Lines == nil {
		return nil, nil, false, nil
	}
	entries := *p.Lines
	old := map[string]*Item{}
	if before != nil {
		for _, l := range before.Lines {
			old[l.ID] = l
		}
	}
	items := make([]*Item, len(entries))
	plans := make([]*product.Plan, 0, len(entries))
	nested := make([]any, len(entries))
	bad := false
	seenPlan := map[string]bool{}
	for i, en := range entries {
		if en.NotObject {
			nested[i], bad = errBody(en.errs()), true
			continue
		}
		it, lerrs := e.entry(en.Entry, kindLine, old)
		plan, err := e.readLinePlan(en, lerrs, it, seenPlan)
		if err != nil {
			return nil, nil, false, err
		}
		if plan != nil {
			plans = append(plans, plan)
		}
		if err := e.readLineCoupon(en, lerrs, it, plan); err != nil {
			return nil, nil, false, err
		}
		items[i] = it
		nested[i] = errBody(lerrs)
		bad = bad || !lerrs.OK()
	}
	if bad {
		errs.Nest("lines", nested)
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
					errs.Add("lines", fmt.Sprintf("Line %s has usage records not yet billed.", l.ID))
					return nil, nil, false, nil
				}
			}
		}
	}
	return items, plans, true, nil
}

// readLinePlan applies the plan and quantity of one item of "lines".
func (e env) readLinePlan(en LineEntry, errs *apperr.Fields, it *Item, seenPlan map[string]bool) (*product.Plan, error) {
	var plan *product.Plan
	if v := en.Plan.ID; v != nil {
		p, msg, err := product.Plans.Ref(e.ctx, e.q, e.sc, *v)
		if err != nil {
			return nil, err
		}
		if msg != "" && !(it.PlanID != nil && *it.PlanID == *v) { // an archived plan already attached keeps billing
			errs.Add("plan", msg)
		} else {
			plan = p
			it.PlanID = v
		}
	} else if it.PlanID != nil && !en.Plan.Sent {
		p, err := product.Plans.Get(e.ctx, e.q, e.sc, *it.PlanID)
		if err != nil {
			return nil, err
		}
		plan = p
	} else if !en.Plan.Sent {
		errs.Add("plan", apperr.MsgRequired)
	}
	if plan == nil {
		return nil, nil
	}
	if seenPlan[plan.ID] {
		errs.Add("plan", "This plan is already a line of the subscription.")
	}
	seenPlan[plan.ID] = true
	it.Metered = plan.UsageScheme == product.UsageMetered
	q := en.Quantity
	null := q.Set && q.Value == nil && en.QuantityErr == ""
	switch {
	case it.Metered && q.Set && !null:
		errs.Add("quantity", MsgMeteredQuantity)
	case it.Metered:
		it.Quantity = nil
	case !q.Set && it.Quantity == nil, null:
		errs.Add("quantity", apperr.MsgRequired)
	case en.QuantityErr != "":
		errs.Add("quantity", en.QuantityErr)
	case q.Set:
		if !q.Value.IsPositive() {
			errs.Add("quantity", "Ensure this value is greater than 0.")
		} else {
			it.Quantity = q.Value
		}
	}
	return plan, nil
}

// readLineCoupon applies the coupon of one item of "lines" (a line coupon
// in the plan's currency).
func (e env) readLineCoupon(en LineEntry, errs *apperr.Fields, it *Item, plan *product.Plan) error {
	cur := ""
	if plan != nil {
		cur = plan.Currency
	}
	return e.applyCoupon(en.Coupon, it.CouponID, product.ApplyOnLine, MsgLineCouponInvoice, cur, errs, &it.CouponID, &it.Redemptions)
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

// entry starts applying one item of "lines" or "addons": a new item, or a
// copy of the stored one its id names (taken out of old, so what is left
// there is being removed). It returns the item and the entry's errors.
func (e env) entry(en Entry, kind string, old map[string]*Item) (*Item, *apperr.Fields) {
	errs := en.errs()
	it := &Item{ID: id.New(PrefixLine), Kind: kind, Rates: []Rate{}, Created: e.us, Updated: e.us, isNew: true, dirty: true}
	if v := en.ID; v != nil {
		if prev, found := old[*v]; found {
			cp := *prev
			it = &cp
			it.Updated, it.dirty = e.us, true
			delete(old, *v)
		} else {
			errs.Add("id", apperr.MsgPK(*v))
		}
	}
	return it, errs
}

// readAddons applies "addons" (up to 20 entries).
func (e env) readAddons(p *Params, errs *apperr.Fields, before *Sub, currency string) ([]*Item, bool, error) {
	if p.Addons.Value == nil {
		if p.Addons.Set && !errs.Has("addons") {
			return []*Item{}, true, nil // null clears
		}
		if before == nil {
			return []*Item{}, true, nil
		}
		return nil, false, nil
	}
	entries := *p.Addons.Value
	old := map[string]*Item{}
	if before != nil {
		for _, a := range before.Addons {
			old[a.ID] = a
		}
	}
	items := make([]*Item, len(entries))
	nested := make([]any, len(entries))
	bad := false
	for i, en := range entries {
		if en.NotObject {
			nested[i], bad = errBody(en.errs()), true
			continue
		}
		it, aerrs := e.entry(en.Entry, kindAddon, old)
		if err := e.readAddon(en, aerrs, it, currency); err != nil {
			return nil, false, err
		}
		items[i] = it
		nested[i] = errBody(aerrs)
		bad = bad || !aerrs.OK()
	}
	if bad {
		errs.Nest("addons", nested)
		return nil, false, nil
	}
	return items, true, nil
}

// readAddon applies the add-on, quantity and rates of one item of "addons".
func (e env) readAddon(en AddonEntry, errs *apperr.Fields, it *Item, currency string) error {
	var addon *product.Addon
	if v := en.Addon.ID; v != nil {
		a, msg, err := product.Addons.Ref(e.ctx, e.q, e.sc, *v)
		if err != nil {
			return err
		}
		if msg != "" && !(it.AddonID != nil && *it.AddonID == *v) {
			errs.Add("addon", msg)
		} else {
			addon = a
			it.AddonID = v
			if currency != "" && a.Currency != currency {
				errs.Add("addon", fmt.Sprintf("Add-on currency %s does not match the subscription currency %s.", a.Currency, currency))
			}
		}
	} else if it.AddonID != nil {
		a, err := product.Addons.Get(e.ctx, e.q, e.sc, *it.AddonID)
		if err != nil {
			return err
		}
		addon = a
	} else if !en.Addon.Sent {
		errs.Add("addon", apperr.MsgRequired)
	}
	switch q := en.Quantity; {
	case q.Set && q.Value != nil:
		if !q.Value.IsPositive() {
			errs.Add("quantity", "Ensure this value is greater than 0.")
		} else {
			it.Quantity = q.Value
		}
	case !q.Set && it.Quantity == nil:
		errs.Add("quantity", apperr.MsgRequired)
	}
	if en.Rates != nil {
		if len(*en.Rates) > 0 && addon != nil && addon.ApplyScheme != product.ApplyOneTime {
			errs.Add("rates", MsgRatesRecurring)
		} else {
			it.Rates = *en.Rates
		}
	}
	return nil
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

// invoiceType resolves the "document" field as the type of the invoices.
func invoiceType(ref *string, sc workspace.Scope, errs *apperr.Fields) (*catalog.DocumentType, bool) {
	if ref == nil {
		return nil, false
	}
	t, msg := document.TypeFor(sc, document.Invoice, *ref)
	if msg != "" {
		errs.Add("document", msg)
		return nil, false
	}
	return &t, true
}
