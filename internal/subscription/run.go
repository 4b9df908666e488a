package subscription

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/shopspring/decimal"
)

func (e env) emit(name, objectID string) error {
	return event.Emit(e.ctx, e.q, e.sc, name, objectID, time.UnixMicro(e.us))
}

// attention is a run stopped before its invoice (docs/billing.md#88-needs_attention-reasons).
type attention struct{ reason, detail string }

func (a *attention) Error() string { return "Subscription needs attention: " + a.reason + "." }

// ErrNotDue: the subscription has no run to do (another node did it, or it
// is no longer active). The scheduler skips it.
var ErrNotDue = errors.New("subscription: no run due")

// run performs the run at s.NextBilling (docs/billing.md#85-what-a-run-does) in the caller's
// transaction, whatever the date (process bills early with the schedule's
// periods). s must be locked (or just created). A run stopped before its
// invoice leaves s in needs_attention and returns *attention.
func (e env) run(s *Sub) (*document.Doc, error) {
	if s.NextBilling == nil {
		return nil, ErrNotDue
	}
	anchor, _ := ParseDate(s.Anchor)
	period, ok := PeriodOf(s.Frequency)
	if !ok {
		return nil, fmt.Errorf("subscription %s: unknown frequency %q", s.ID, s.Frequency)
	}
	j := s.NextIndex
	B := BillingDate(anchor, period, j)
	Bnext := BillingDate(anchor, period, j+1)
	P, _ := ParseDate(s.DateStart)
	if s.PreviousBilling != nil {
		P, _ = ParseDate(*s.PreviousBilling)
	}
	N := s.BillingCycles
	opens := N == nil || j+1 <= *N
	metered := s.hasMetered()
	closes := metered && P.Before(B)
	last := N != nil && ((metered && j >= *N) || (!metered && j >= *N-1))

	// 1. checks that stop the run before any invoice exists
	var cusStatus string
	if err := e.q.QueryRowContext(e.ctx, `SELECT status FROM customers WHERE id = $1`, s.CustomerID).Scan(&cusStatus); err != nil {
		return nil, err
	}
	if cusStatus != customer.StatusActive {
		return nil, e.needAttention(s, ReasonProcessing, "The customer is archived.")
	}
	if s.RequireReference {
		if len(s.Refs) == 0 {
			return nil, e.needAttention(s, ReasonWithoutReference, "The subscription requires a reference and has none.")
		}
		valid := false
		for _, r := range s.Refs {
			if r.DateEnd == nil || *r.DateEnd >= B.String() {
				valid = true
			}
		}
		if !valid {
			return nil, e.needAttention(s, ReasonReferenceExpired, "Every reference expired before "+B.String()+".")
		}
	}
	t, _ := catalog.DocumentTypeByID(s.TypeID)
	invCurrency := s.Currency
	if t.HasLocalFormat {
		invCurrency = t.Currency
	}
	scale := money.ScaleFor(currencyRounded(invCurrency))
	factor := decimal.NewFromInt(1)
	var customChange *decimal.Decimal
	if invCurrency != s.Currency {
		if s.CustomChange != nil {
			factor = *s.CustomChange
		} else {
			r, found, err := document.Rate(e.ctx, e.q, s.Currency, invCurrency, B.String())
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, e.needAttention(s, ReasonProcessing, fmt.Sprintf("No exchange rate from %s to %s on %s.", s.Currency, invCurrency, B))
			}
			factor = r
		}
		customChange = &factor
	}
	conv := func(d decimal.Decimal) decimal.Decimal { return Convert(d, factor, scale) }

	// 2–3. lines
	var lines []map[string]any
	var usedLineCoupons []*Item
	for _, l := range s.Lines {
		if l.Metered && !closes || !l.Metered && !opens {
			continue
		}
		plan, err := product.GetPlan(e.ctx, e.q, e.sc, deref(l.PlanID))
		if err != nil {
			return nil, err
		}
		var qty decimal.Decimal
		if l.Metered {
			q, n, err := e.usage(l.ID, aggregationOf(plan), P, B)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, e.needAttention(s, ReasonWithoutUsage, fmt.Sprintf("Line %s has no usage records from %s to %s.", l.ID, P, B.AddDays(-1)))
			}
			qty = q
		} else {
			qty = *l.Quantity
		}
		mode := ""
		if plan.TiersMode != nil {
			mode = *plan.TiersMode
		}
		charges := TierCharges(mode, plan.Tiers, plan.Amount.Decimal, qty)
		var lineCoupon *product.Coupon
		if l.CouponID != nil {
			c, err := product.GetCoupon(e.ctx, e.q, e.sc, *l.CouponID)
			if err != nil {
				return nil, err
			}
			if CouponApplies(c, l.Redemptions) {
				lineCoupon = c
				usedLineCoupons = append(usedLineCoupons, l)
			}
		}
		fixedLeft := decimal.Zero
		if lineCoupon != nil && lineCoupon.DiscountScheme == product.DiscountFixed {
			fixedLeft = conv(lineCoupon.Value)
		}
		for _, c := range charges {
			m := planLine(plan, c)
			m["amount"] = conv(c.Amount)
			if lineCoupon != nil {
				if lineCoupon.DiscountScheme == product.DiscountPercent {
					m["discount"], m["discount_scheme"] = lineCoupon.Value, "%"
				} else {
					gross := money.Round(c.Quantity.Mul(conv(c.Amount)), scale)
					d := decimal.Min(gross, fixedLeft)
					fixedLeft = fixedLeft.Sub(d)
					m["discount"], m["discount_scheme"] = d, "$"
				}
			}
			lines = append(lines, m)
		}
	}
	// 4. add-ons
	var billedAddons []*Item
	if opens {
		for _, a := range s.Addons {
			addon, err := product.GetAddon(e.ctx, e.q, e.sc, deref(a.AddonID))
			if err != nil {
				return nil, err
			}
			switch {
			case addon.ApplyScheme == product.ApplyRecurring:
				if addon.DurationTimes == nil || a.Redemptions < *addon.DurationTimes {
					lines = append(lines, addonLine(addon, *a.Quantity, conv(addon.Amount.Decimal), ""))
					billedAddons = append(billedAddons, a)
				}
			case len(a.Rates) == 0:
				if a.Redemptions == 0 {
					lines = append(lines, addonLine(addon, *a.Quantity, conv(addon.Amount.Decimal), ""))
					billedAddons = append(billedAddons, a)
				}
			default:
				for _, r := range a.Rates {
					if r.BillingCycle != a.Opened+1 {
						continue
					}
					share := money.Round(conv(addon.Amount.Decimal).Mul(*a.Quantity).Mul(r.Percentage).Div(decimal.NewFromInt(100)), scale)
					label := fmt.Sprintf("share %d", r.BillingCycle)
					if r.Description != nil {
						label = *r.Description
					}
					lines = append(lines, addonLine(addon, decimal.NewFromInt(1), share, label))
					billedAddons = append(billedAddons, a)
				}
			}
		}
	}

	// 5–7. the invoice
	today := e.today()
	body := map[string]any{
		"customer": s.CustomerID, "document": s.TypeID, "date": today.String(),
		"due_date": today.AddDays(s.ExpirationDays).String(),
	}
	items := make([]any, len(lines))
	for i, l := range lines {
		items[i] = l
	}
	body["lines"] = items
	if !t.HasLocalFormat {
		body["currency"] = invCurrency
	}
	if customChange != nil {
		body["custom_change"] = *customChange
	}
	if opens && s.hasLicensed() {
		body["period_start"], body["period_end"] = B.String(), Bnext.AddDays(-1).String()
	} else {
		body["period_start"], body["period_end"] = P.String(), B.AddDays(-1).String()
	}
	if s.CollectionScheme == SchemeChargePayment {
		body["collection_method"] = "automatically"
	} else {
		body["collection_method"] = "deferred"
	}
	if s.Note != nil {
		body["note"] = *s.Note
	}
	if len(s.Refs) > 0 {
		refs := make([]any, len(s.Refs))
		for i, r := range s.Refs {
			m := map[string]any{"date": r.Date, "document": r.Document, "serial": r.Serial}
			if r.Description != nil {
				m["description"] = *r.Description
			}
			refs[i] = m
		}
		body["references"] = refs
	}
	couponApplied := false
	if s.CouponID != nil {
		c, err := product.GetCoupon(e.ctx, e.q, e.sc, *s.CouponID)
		if err != nil {
			return nil, err
		}
		if CouponApplies(c, s.CouponRedemptions) {
			couponApplied = true
			if c.DiscountScheme == product.DiscountPercent {
				body["discount"], body["discount_scheme"] = c.Value, "%"
			} else {
				body["discount"], body["discount_scheme"] = decimal.Min(conv(c.Value), linesNet(lines, scale)), "$"
			}
		}
	}
	// with nothing to bill at this date (e.g. a closing run of a line since
	// removed), no invoice is made and the run still advances the schedule
	var (
		inv *document.Doc
		err error
	)
	if len(lines) > 0 {
		de := e.doc()
		de.PlansChecked = true
		inv, err = document.CreateForSubscription(de, input.New(body, false), s.ID)
		if err != nil {
			if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
				return nil, e.needAttention(s, ReasonProcessing, "The invoice could not be created: "+ae.Message(""))
			}
			return nil, err
		}
		if _, err := e.q.ExecContext(e.ctx, `INSERT INTO subscription_runs (subscription_id, billing_date, run, invoice_id, created) VALUES ($1, $2, $3, $4, $5)`,
			s.ID, B.String(), s.NextBillingCycle, inv.ID, e.us); err != nil {
			return nil, err
		}
	}

	// 8. the schedule advances: the run is done from here on
	s.PreviousBilling = str(B.String())
	s.NextIndex = j + 1
	s.NextBillingCycle++
	if opens {
		s.CyclesOpened++
		for _, a := range s.Addons {
			a.Opened++
			a.Updated, a.dirty = e.us, true
		}
	}
	for _, a := range billedAddons {
		a.Redemptions++
	}
	for _, l := range usedLineCoupons {
		l.Redemptions++
		l.Updated, l.dirty = e.us, true
	}
	if couponApplied {
		s.CouponRedemptions++
	}
	if last {
		s.NextBilling = nil
	} else {
		s.NextBilling = str(Bnext.String())
	}
	if inv != nil {
		s.LatestInvoice = &inv.ID
		if err := e.emit("subscription.invoice_created", s.ID); err != nil {
			return nil, err
		}
	}
	if s.Status == StatusNeedsAttention { // a process call resolving attention
		s.clearAttention()
	}
	s.Updated = e.us

	// 9. collection, in a savepoint: a refused finalize or charge leaves the
	// invoice as it was and the subscription needing attention
	if inv != nil {
		inv, err = e.collect(s, inv)
		if err != nil {
			return nil, err
		}
	}
	// 10. finish
	if last && s.Status == StatusActive {
		s.Status = StatusFinalized
		if err := e.emit("subscription.finalized", s.ID); err != nil {
			return nil, err
		}
	}
	if err := save(e.ctx, e.q, e.sc, s, true, s); err != nil {
		return nil, err
	}
	if err := e.emit("subscription.updated", s.ID); err != nil {
		return nil, err
	}
	return inv, nil
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
		if err := e.mailInvoice(s, out); err != nil {
			return nil, err
		}
		return out, nil
	}
	return document.Get(de, document.Invoice, inv.ID)
}

// mailInvoice emails a send_invoice run's finalized invoice when the
// customer's send_invoices is on (docs/billing.md#85-what-a-run-does step 9): to the invoicing
// contacts of the subscription's orgunit, else of the customer, else the
// customer's email. Test-mode invoices are not emailed (as reminders).
func (e env) mailInvoice(s *Sub, inv *document.Doc) error {
	if e.svc.mailer() == nil || e.sc.TestMode || s.CollectionScheme != SchemeSendInvoice {
		return nil
	}
	var (
		send  bool
		email sql.NullString
	)
	if err := e.q.QueryRowContext(e.ctx, `SELECT send_invoices, email FROM customers WHERE id = $1`, s.CustomerID).Scan(&send, &email); err != nil || !send {
		return err
	}
	var to []string
	queries := []struct {
		sql string
		arg *string
	}{{`SELECT email FROM contacts WHERE orgunit_id = $1 AND invoicing = $2 ORDER BY created, id`, s.OrgunitID},
		{`SELECT email FROM contacts WHERE customer_id = $1 AND invoicing = $2 ORDER BY created, id`, &s.CustomerID}}
	for _, qq := range queries {
		if qq.arg == nil || len(to) > 0 {
			continue
		}
		rows, err := e.q.QueryContext(e.ctx, qq.sql, *qq.arg, true)
		if err != nil {
			return err
		}
		for rows.Next() {
			var addr sql.NullString
			if err := rows.Scan(&addr); err != nil {
				rows.Close()
				return err
			}
			if addr.Valid && addr.String != "" {
				to = append(to, addr.String)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if len(to) == 0 && email.Valid && email.String != "" {
		to = []string{email.String}
	}
	if len(to) == 0 {
		return nil
	}
	return e.svc.mailer().EnqueueInvoice(e.ctx, e.q, e.sc, inv.ID, to, time.UnixMicro(e.us))
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
func planLine(p *product.Plan, c Charge) map[string]any {
	m := map[string]any{"name": p.Name, "quantity": c.Quantity, "exempt": p.Exempt, "plan": p.ID}
	desc := p.Description
	if c.Tier > 0 {
		desc = TierDescription(c.Tier, p.Tiers[c.Tier-1])
	}
	m["description"] = desc
	if p.SKU != nil {
		m["code"], m["code_scheme"] = *p.SKU, "INT1"
	}
	if p.UnitLabel != nil {
		m["unit_label"] = *p.UnitLabel
	}
	return m
}

// addonLine is the invoice line of an add-on; label names a rate share.
func addonLine(a *product.Addon, qty, amount decimal.Decimal, label string) map[string]any {
	name := a.Name
	if label != "" {
		name = fmt.Sprintf("%s (%s)", a.Name, label)
	}
	m := map[string]any{"name": name, "description": a.Description, "quantity": qty, "amount": amount, "exempt": a.Exempt}
	if a.SKU != nil {
		m["code"], m["code_scheme"] = *a.SKU, "INT1"
	}
	if a.UnitLabel != nil {
		m["unit_label"] = *a.UnitLabel
	}
	return m
}

// linesNet is A0 + E0 of lines (docs/conventions.md#8-totals-formula): the cap of a "$" invoice coupon.
func linesNet(lines []map[string]any, scale int32) decimal.Decimal {
	sum := decimal.Zero
	for _, m := range lines {
		gross := money.Round(m["quantity"].(decimal.Decimal).Mul(m["amount"].(decimal.Decimal)), scale)
		if d, ok := m["discount"].(decimal.Decimal); ok {
			if m["discount_scheme"] == "%" {
				gross = gross.Sub(money.Round(gross.Mul(d).Div(decimal.NewFromInt(100)), scale))
			} else {
				gross = gross.Sub(d)
			}
		}
		sum = sum.Add(gross)
	}
	return sum
}
