package subscription

import (
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/shopspring/decimal"
)

func (e env) emit(name, objectID string) error {
	if e.batch != nil {
		return e.batch.tail.Events.Emit(e.ctx, e.q, e.sc, name, objectID, time.UnixMicro(e.us))
	}
	return event.Emit(e.ctx, e.q, e.sc, name, objectID, time.UnixMicro(e.us))
}

// attention is a run stopped before its invoice (docs/billing.md#88-needs_attention-reasons).
type attention struct{ reason, detail string }

func (a *attention) Error() string { return "Subscription needs attention: " + a.reason + "." }

// ErrNotDue: the subscription has no run to do (another node did it, or it
// is no longer active). The scheduler skips it.
var ErrNotDue = errors.New("subscription: no run due")

// runDates is where a run stands in the schedule (docs/billing.md#85-what-a-run-does).
type runDates struct {
	j              int
	P, B, Bnext    Date // previous billing, this billing, the next one
	opens, closes  bool // opens a licensed period; closes a metered one
	last           bool // the last run of a subscription with billing_cycles
	licensedPeriod bool
}

// runPrice converts plan prices into the invoice currency.
type runPrice struct {
	currency     string // the invoice's
	local        bool   // the document type fixes the currency
	scale        int32
	factor       decimal.Decimal
	customChange *decimal.Decimal // the rate used, when converting
}

func (pr runPrice) conv(d decimal.Decimal) decimal.Decimal { return Convert(d, pr.factor, pr.scale) }

// invoiceLine is a line of a run's invoice.
type invoiceLine struct {
	name, description     string
	quantity, amount      decimal.Decimal
	exempt                bool
	plan, code, unitLabel *string
	discount              *decimal.Decimal
	discountScheme        string // "%" or "$" with a discount
}

// runInvoice is the invoice a run makes.
type runInvoice struct {
	dates           runDates
	price           runPrice
	lines           []invoiceLine
	discount        *decimal.Decimal
	discountScheme  string
	usedLineCoupons []*Item
	billedAddons    []*Item
	couponApplied   bool
}

// run performs the run at s.NextBilling (docs/billing.md#85-what-a-run-does) in the caller's
// transaction, whatever the date (process bills early with the schedule's
// periods). s must be locked (or just created). A run stopped before its
// invoice leaves s in needs_attention and returns *attention.
func (e env) run(s *Sub) (*document.Doc, error) {
	if s.NextBilling == nil {
		return nil, ErrNotDue
	}
	dates, err := scheduleOf(s)
	if err != nil {
		return nil, err
	}
	// 1. checks that stop the run before any invoice exists
	if err := e.runChecks(s, dates.B); err != nil {
		return nil, err
	}
	price, err := e.priceOf(s, dates.B)
	if err != nil {
		return nil, err
	}
	ri := &runInvoice{dates: dates, price: price}
	// 2–4. lines and add-ons
	if err := e.planLines(s, ri); err != nil {
		return nil, err
	}
	if dates.opens {
		if err := e.addonLines(s, ri); err != nil {
			return nil, err
		}
	}
	// 5–7. the invoice: with nothing to bill at this date (e.g. a closing
	// run of a line since removed), no invoice is made and the run still
	// advances the schedule
	if err := e.invoiceCoupon(s, ri); err != nil {
		return nil, err
	}
	held := e.heldRun(s)
	var inv *document.Doc
	if len(ri.lines) > 0 {
		inv, err = e.createInvoice(s, ri, held)
		if err != nil {
			if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
				return nil, e.needAttention(s, ReasonProcessing, "The invoice could not be created: "+ae.Message(""))
			}
			return nil, err
		}
		if err := e.recordRun(s, dates.B, inv, held); err != nil {
			return nil, err
		}
	}
	// 8. the schedule advances: the run is done from here on
	if err := e.advance(s, ri, inv); err != nil {
		return nil, err
	}
	// 9. collection, in a savepoint: a refused finalize or charge leaves the
	// invoice as it was and the subscription needing attention
	if inv != nil && held {
		inv, err = e.collectHeld(s, inv)
	} else if inv != nil {
		inv, err = e.collect(s, inv)
	}
	if err != nil {
		return nil, err
	}
	// 10. finish
	if dates.last && s.Status == StatusActive {
		s.Status = StatusFinalized
		if err := e.emit("subscription.finalized", s.ID); err != nil {
			return nil, err
		}
	}
	if err := e.saveRun(s, held); err != nil {
		return nil, err
	}
	if err := e.emit("subscription.updated", s.ID); err != nil {
		return nil, err
	}
	return inv, nil
}

// heldRun tells whether s's run is done in memory and written with its
// batch's other runs at the batch's flush (issue 15): in a billing batch,
// for an invoice type without a tax agency, collected by send_invoice
// (a charge goes through the payments work at once).
func (e env) heldRun(s *Sub) bool {
	return e.batch != nil && s.CollectionScheme == SchemeSendInvoice && document.CanHold(e.doc(), s.TypeID)
}

// recordRun writes the run's row, whose primary key refuses a second run
// of the same billing date (at the batch's flush for a held run).
func (e env) recordRun(s *Sub, B Date, inv *document.Doc, held bool) error {
	row := []any{s.ID, B.String(), s.NextBillingCycle, inv.ID, e.us}
	if held {
		e.batch.runs = append(e.batch.runs, row)
		return nil
	}
	_, err := e.q.ExecContext(e.ctx, `INSERT INTO subscription_runs (`+runsColumns+`) VALUES ($1, $2, $3, $4, $5)`, row...)
	return err
}

const runsColumns = `subscription_id, billing_date, run, invoice_id, created`

// saveRun writes s after its run: its changed items at once, and its row
// at the batch's flush for a held run.
func (e env) saveRun(s *Sub, held bool) error {
	if !held {
		return save(e.ctx, e.q, e.sc, s, true, s)
	}
	e.batch.saves = append(e.batch.saves, s)
	return saveItems(e.ctx, e.q, e.sc, s, s)
}

// collectHeld is step 9 of a held run: the invoice is finalized in
// memory. A refusal leaves it a draft and the subscription needing
// attention, as collect's savepoint does.
func (e env) collectHeld(s *Sub, inv *document.Doc) (*document.Doc, error) {
	draft := *inv
	out, err := document.FinalizeHeld(e.doc(), inv)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		*inv = draft
		return inv, e.setAttention(s, ReasonBiller, "Invoice "+inv.ID+" could not be finalized: "+ae.Message(""), &inv.ID)
	}
	return out, err
}

// scheduleOf places the run at s.NextBilling in s's schedule.
func scheduleOf(s *Sub) (runDates, error) {
	anchor, _ := ParseDate(s.Anchor)
	period, ok := PeriodOf(s.Frequency)
	if !ok {
		return runDates{}, fmt.Errorf("subscription %s: unknown frequency %q", s.ID, s.Frequency)
	}
	d := runDates{j: s.NextIndex}
	d.B = BillingDate(anchor, period, d.j)
	d.Bnext = BillingDate(anchor, period, d.j+1)
	d.P, _ = ParseDate(s.DateStart)
	if s.PreviousBilling != nil {
		d.P, _ = ParseDate(*s.PreviousBilling)
	}
	N := s.BillingCycles
	d.opens = N == nil || d.j+1 <= *N
	metered := s.hasMetered()
	d.closes = metered && d.P.Before(d.B)
	d.last = N != nil && ((metered && d.j >= *N) || (!metered && d.j >= *N-1))
	d.licensedPeriod = d.opens && s.hasLicensed()
	return d, nil
}

// runChecks stops a run whose customer is archived or whose references
// are missing or expired at B.
func (e env) runChecks(s *Sub, B Date) error {
	cusStatus, err := e.customerStatus(s)
	if err != nil {
		return err
	}
	if cusStatus != customer.StatusActive {
		return e.needAttention(s, ReasonProcessing, "The customer is archived.")
	}
	if !s.RequireReference {
		return nil
	}
	if len(s.Refs) == 0 {
		return e.needAttention(s, ReasonWithoutReference, "The subscription requires a reference and has none.")
	}
	for _, r := range s.Refs {
		if r.DateEnd == nil || *r.DateEnd >= B.String() {
			return nil
		}
	}
	return e.needAttention(s, ReasonReferenceExpired, "Every reference expired before "+B.String()+".")
}

// priceOf is the invoice currency and the conversion of s's prices into
// it at B.
func (e env) priceOf(s *Sub, B Date) (runPrice, error) {
	t, _ := catalog.DocumentTypeByID(s.TypeID)
	pr := runPrice{currency: s.Currency, local: t.HasLocalFormat, factor: decimal.NewFromInt(1)}
	if t.HasLocalFormat {
		pr.currency = t.Currency
	}
	pr.scale = money.ScaleFor(currencyRounded(pr.currency))
	if pr.currency == s.Currency {
		return pr, nil
	}
	if s.CustomChange != nil {
		pr.factor = *s.CustomChange
	} else {
		r, found, err := document.Rate(e.ctx, e.q, e.sc.ID, s.Currency, pr.currency, B.String())
		if err != nil {
			return pr, err
		}
		if !found {
			return pr, e.needAttention(s, ReasonProcessing, fmt.Sprintf("No exchange rate from %s to %s on %s.", s.Currency, pr.currency, B))
		}
		pr.factor = r
	}
	f := pr.factor
	pr.customChange = &f
	return pr, nil
}

// planLines adds the lines of the plans billed by this run (steps 2–3).
func (e env) planLines(s *Sub, ri *runInvoice) error {
	d, pr := ri.dates, ri.price
	for _, l := range s.Lines {
		if l.Metered && !d.closes || !l.Metered && !d.opens {
			continue
		}
		plan, err := e.plan(deref(l.PlanID))
		if err != nil {
			return err
		}
		qty := decimal.Zero
		if l.Metered {
			q, n, err := e.usage(l.ID, aggregationOf(plan), d.P, d.B)
			if err != nil {
				return err
			}
			if n == 0 {
				return e.needAttention(s, ReasonWithoutUsage, fmt.Sprintf("Line %s has no usage records from %s to %s.", l.ID, d.P, d.B.AddDays(-1)))
			}
			qty = q
		} else {
			qty = *l.Quantity
		}
		mode := ""
		if plan.TiersMode != nil {
			mode = *plan.TiersMode
		}
		var lineCoupon *product.Coupon
		if l.CouponID != nil {
			c, err := e.coupon(*l.CouponID)
			if err != nil {
				return err
			}
			if CouponApplies(c, l.Redemptions) {
				lineCoupon = c
				ri.usedLineCoupons = append(ri.usedLineCoupons, l)
			}
		}
		ri.lines = append(ri.lines, chargeLines(plan, TierCharges(mode, plan.Tiers, plan.Amount.Decimal, qty), lineCoupon, pr)...)
	}
	return nil
}

// chargeLines are the invoice lines of a plan's charges, with the line's
// coupon: a percentage on each, a fixed amount spent across them.
func chargeLines(plan *product.Plan, charges []Charge, coupon *product.Coupon, pr runPrice) []invoiceLine {
	fixedLeft := decimal.Zero
	if coupon != nil && coupon.DiscountScheme == product.DiscountFixed {
		fixedLeft = pr.conv(coupon.Value)
	}
	out := make([]invoiceLine, 0, len(charges))
	for _, c := range charges {
		l := planLine(plan, c)
		l.amount = pr.conv(c.Amount)
		if coupon != nil {
			if coupon.DiscountScheme == product.DiscountPercent {
				v := coupon.Value
				l.discount, l.discountScheme = &v, "%"
			} else {
				gross := money.Round(c.Quantity.Mul(l.amount), pr.scale)
				d := decimal.Min(gross, fixedLeft)
				fixedLeft = fixedLeft.Sub(d)
				l.discount, l.discountScheme = &d, "$"
			}
		}
		out = append(out, l)
	}
	return out
}

// addonLines adds the add-ons billed by a run that opens a period (step 4).
func (e env) addonLines(s *Sub, ri *runInvoice) error {
	pr := ri.price
	for _, a := range s.Addons {
		addon, err := e.addon(deref(a.AddonID))
		if err != nil {
			return err
		}
		bill := func(l invoiceLine) {
			ri.lines = append(ri.lines, l)
			ri.billedAddons = append(ri.billedAddons, a)
		}
		switch {
		case addon.ApplyScheme == product.ApplyRecurring:
			if addon.DurationTimes == nil || a.Redemptions < *addon.DurationTimes {
				bill(addonLine(addon, *a.Quantity, pr.conv(addon.Amount.Decimal), ""))
			}
		case len(a.Rates) == 0:
			if a.Redemptions == 0 {
				bill(addonLine(addon, *a.Quantity, pr.conv(addon.Amount.Decimal), ""))
			}
		default:
			for _, r := range a.Rates {
				if r.BillingCycle != a.Opened+1 {
					continue
				}
				share := money.Round(pr.conv(addon.Amount.Decimal).Mul(*a.Quantity).Mul(r.Percentage).Div(decimal.NewFromInt(100)), pr.scale)
				label := fmt.Sprintf("share %d", r.BillingCycle)
				if r.Description != nil {
					label = *r.Description
				}
				bill(addonLine(addon, decimal.NewFromInt(1), share, label))
			}
		}
	}
	return nil
}

// invoiceCoupon applies the subscription's coupon to the invoice.
func (e env) invoiceCoupon(s *Sub, ri *runInvoice) error {
	if s.CouponID == nil {
		return nil
	}
	c, err := e.coupon(*s.CouponID)
	if err != nil || !CouponApplies(c, s.CouponRedemptions) {
		return err
	}
	ri.couponApplied = true
	v, scheme := c.Value, "%"
	if c.DiscountScheme != product.DiscountPercent {
		v, scheme = decimal.Min(ri.price.conv(c.Value), linesNet(ri.lines, ri.price.scale)), "$"
	}
	ri.discount, ri.discountScheme = &v, scheme
	return nil
}

// advance moves s's schedule past this run (step 8).
func (e env) advance(s *Sub, ri *runInvoice, inv *document.Doc) error {
	d := ri.dates
	s.PreviousBilling = str(d.B.String())
	s.NextIndex = d.j + 1
	s.NextBillingCycle++
	if d.opens {
		s.CyclesOpened++
		for _, a := range s.Addons {
			a.Opened++
			a.Updated, a.dirty = e.us, true
		}
	}
	for _, a := range ri.billedAddons {
		a.Redemptions++
	}
	for _, l := range ri.usedLineCoupons {
		l.Redemptions++
		l.Updated, l.dirty = e.us, true
	}
	if ri.couponApplied {
		s.CouponRedemptions++
	}
	if d.last {
		s.NextBilling = nil
	} else {
		s.NextBilling = str(d.Bnext.String())
	}
	if inv != nil {
		s.LatestInvoice = &inv.ID
		if err := e.emit("subscription.invoice_created", s.ID); err != nil {
			return err
		}
	}
	if s.Status == StatusNeedsAttention { // a process call resolving attention
		s.clearAttention()
	}
	s.Updated = e.us
	return nil
}

// collect is step 9 of a run.
func (e env) collect(s *Sub, inv *document.Doc) (*document.Doc, error) {
	de := e.doc()
	if _, err := e.q.ExecContext(e.ctx, `SAVEPOINT collect`); err != nil {
		return nil, err
	}
	var (
		out    *document.Doc
		reason string
		detail string
		err    error
	)
	if s.CollectionScheme == SchemeChargePayment && inv.Total.IsPositive() && e.svc.payments() != nil && s.DefaultSource != nil {
		ok, cerr := e.svc.payments().ChargeInvoice(de, inv.ID, *s.DefaultSource, fmt.Sprintf("Subscription %s run %d", s.ID, s.NextBillingCycle-1))
		err = cerr
		if cerr == nil && !ok {
			reason, detail = ReasonGateway, "The charge of invoice "+inv.ID+" failed."
			if err := e.startDunning(s, inv.ID); err != nil {
				return nil, err
			}
		}
	} else if s.CollectionScheme == SchemeChargePayment && inv.Total.IsPositive() {
		reason, detail = ReasonGateway, "No payment source can be charged."
	} else {
		out, err = document.Finalize(de, document.Invoice, inv.ID)
		if err == nil && out.BillerStatus == biller.StatusFailed {
			reason, detail = ReasonBiller, "The tax agency rejected invoice "+inv.ID+"."
		}
	}
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		if _, err := e.q.ExecContext(e.ctx, `ROLLBACK TO SAVEPOINT collect`); err != nil {
			return nil, err
		}
		err = nil
		reason, detail = ReasonBiller, "Invoice "+inv.ID+" could not be finalized: "+ae.Message("")
		if s.CollectionScheme == SchemeChargePayment {
			reason = ReasonGateway
		}
	}
	if err != nil {
		return nil, err
	}
	if _, err := e.q.ExecContext(e.ctx, `RELEASE SAVEPOINT collect`); err != nil {
		return nil, err
	}
	if reason != "" {
		if err := e.setAttention(s, reason, detail, &inv.ID); err != nil {
			return nil, err
		}
	}
	if out != nil && reason == "" {
		return out, nil
	}
	return document.Get(de, document.Invoice, inv.ID)
}

// needAttention records a pre-invoice stop and returns it as *attention.
func (e env) needAttention(s *Sub, reason, detail string) error {
	if err := e.setAttention(s, reason, detail, nil); err != nil {
		return err
	}
	if err := save(e.ctx, e.q, e.sc, s, false, nil); err != nil {
		return err
	}
	return &attention{reason: reason, detail: detail}
}

func (e env) setAttention(s *Sub, reason, detail string, invoiceID *string) error {
	entering := s.Status != StatusNeedsAttention
	s.Status = StatusNeedsAttention
	s.NeedsAttentionReason = &reason
	if len(detail) > 512 {
		detail = detail[:509] + "..."
	}
	s.StatusDescription = &detail
	s.AttentionInvoice = invoiceID
	at := e.us
	s.NeedsAttention = &at
	s.Updated = e.us
	if entering {
		return e.emit("subscription.needs_attention", s.ID)
	}
	return nil
}

func (s *Sub) clearAttention() {
	s.Status = StatusActive
	s.NeedsAttention, s.NeedsAttentionReason, s.AttentionInvoice, s.StatusDescription = nil, nil, nil, nil
}

// usage aggregates a metered line's records with P ≤ date_time < B (local
// days of the workspace).
func (e env) usage(lineID, aggregation string, P, B Date) (decimal.Decimal, int, error) {
	rows, err := e.q.QueryContext(e.ctx, `SELECT quantity FROM usages WHERE line_id = $1 AND date_time >= $2 AND date_time < $3 ORDER BY date_time, created`,
		lineID, P.Start(e.sc.Loc).UnixMicro(), B.Start(e.sc.Loc).UnixMicro())
	if err != nil {
		return decimal.Zero, 0, err
	}
	defer rows.Close()
	var qs []decimal.Decimal
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return decimal.Zero, 0, err
		}
		v, err := decimal.NewFromString(s)
		if err != nil {
			return decimal.Zero, 0, err
		}
		qs = append(qs, v)
	}
	if err := rows.Err(); err != nil {
		return decimal.Zero, 0, err
	}
	return Aggregate(aggregation, qs), len(qs), nil
}

func aggregationOf(p *product.Plan) string {
	if p.UsageAggregation == nil {
		return product.AggregationSum
	}
	return *p.UsageAggregation
}

func currencyRounded(id string) bool {
	c, _ := catalog.CurrencyByID(id)
	return c.Rounded
}

// planLine is the invoice line of one charge of a plan.
func planLine(p *product.Plan, c Charge) invoiceLine {
	planID := p.ID
	l := invoiceLine{name: p.Name, description: p.Description, quantity: c.Quantity, exempt: p.Exempt, plan: &planID, code: p.SKU, unitLabel: p.UnitLabel}
	if c.Tier > 0 {
		l.description = TierDescription(c.Tier, p.Tiers[c.Tier-1])
	}
	return l
}

// addonLine is the invoice line of an add-on; label names a rate share.
func addonLine(a *product.Addon, qty, amount decimal.Decimal, label string) invoiceLine {
	name := a.Name
	if label != "" {
		name = fmt.Sprintf("%s (%s)", a.Name, label)
	}
	return invoiceLine{name: name, description: a.Description, quantity: qty, amount: amount, exempt: a.Exempt, code: a.SKU, unitLabel: a.UnitLabel}
}

// linesNet is A0 + E0 of lines (docs/conventions.md#8-totals-formula): the cap of a "$" invoice coupon.
func linesNet(lines []invoiceLine, scale int32) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range lines {
		gross := money.Round(l.quantity.Mul(l.amount), scale)
		if l.discount != nil {
			if l.discountScheme == "%" {
				gross = gross.Sub(money.Round(gross.Mul(*l.discount).Div(decimal.NewFromInt(100)), scale))
			} else {
				gross = gross.Sub(*l.discount)
			}
		}
		sum = sum.Add(gross)
	}
	return sum
}
