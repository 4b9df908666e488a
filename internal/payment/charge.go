package payment

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

const gatewayOK = "succeeded"

// recordCharge appends one gateway operation to the payment's ledger;
// ref is Cobro's id of the operation (the Charge.Reference the gateway
// saw) and out the gateway's answer.
func recordCharge(e Env, p *Payment, s *Source, ref, kind string, amount decimal.Decimal, out gateway.Outcome) error {
	var r, gref any
	if out.FailedReason != "" {
		r = out.FailedReason
	}
	if out.Reference != "" {
		gref = out.Reference
	}
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO payment_charges (id, workspace_id, test_mode, payment_id, source_id, kind, amount, status, failed_reason, gateway_ref, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, ref, e.Scope.ID, e.Scope.TestMode, p.ID, s.ID, kind, amount.StringFixed(2), out.Status, r, gref, e.Now.UnixMicro())
	return err
}

// book records one gateway operation in the ledger and consumes a
// single-use source, which is spent whatever the gateway answered.
func book(e Env, p *Payment, s *Source, ref, kind string, amount decimal.Decimal, out gateway.Outcome) error {
	if err := recordCharge(e, p, s, ref, kind, amount, out); err != nil {
		return err
	}
	return consume(e, s)
}

// gatewayOf opens the gateway of s with the scope's credentials.
func gatewayOf(e Env, s *Source) (gateway.Gateway, error) {
	if e.Deps.Gateways == nil {
		return nil, fmt.Errorf("no gateway registry in the environment")
	}
	return e.Deps.Gateways.Open(e.Ctx, e.Q, e.Scope, s.Gateway)
}

// chargeOf is the operation ref on source s for amount.
func chargeOf(s *Source, ref string, amount decimal.Decimal, currency string) gateway.Charge {
	return gateway.Charge{Token: s.token, Amount: amount, Currency: currency, Reference: ref, Customer: s.CustomerID}
}

// notConfigured is the outcome of an operation on a gateway whose
// credentials were removed since the source was made.
var notConfigured = gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_not_configured"}

// operate runs op on the gateway of s; a gateway no longer configured
// fails the operation instead of the request.
func operate(e Env, s *Source, op func(gateway.Gateway) gateway.Outcome) (gateway.Outcome, error) {
	gw, err := gatewayOf(e, s)
	if errors.Is(err, gateway.ErrNotConfigured) {
		return notConfigured, nil
	}
	if err != nil {
		return gateway.Outcome{}, err
	}
	return op(gw), nil
}

// heldReference is the processor's reference of the authorization that
// holds p's amount on its source ("" when none was recorded).
func heldReference(e Env, p *Payment, sourceID string) (string, error) {
	var ref sql.NullString
	err := e.Q.QueryRowContext(e.Ctx, `SELECT gateway_ref FROM payment_charges WHERE payment_id = $1 AND source_id = $2 AND kind = 'authorize'
		AND workspace_id = $3 AND test_mode = $4 ORDER BY created DESC, id DESC LIMIT 1`, p.ID, sourceID, e.Scope.ID, e.Scope.TestMode).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return ref.String, err
}

// consume marks a single-use source used (whatever the result).
func consume(e Env, s *Source) error {
	if s.Usage != "single" || s.Status != SourceChargeable {
		return nil
	}
	if err := s.setStatus(e, SourceConsumed, nil); err != nil {
		return err
	}
	return event.Emit(e.Ctx, e.Q, e.Scope, "source.consumed", s.ID, e.Now)
}

func attach(p *Payment, s *Source) {
	for _, x := range p.Sources {
		if x == s.ID {
			return
		}
	}
	p.Sources = append(p.Sources, s.ID)
	p.Source = &p.Sources[0]
}

// authorizeFrom attaches s to p and asks its gateway to authorize what s
// may collect of the balance, under a new operation reference.
func authorizeFrom(e Env, p *Payment, s *Source) (ref string, amt decimal.Decimal, out gateway.Outcome, err error) {
	attach(p, s)
	amt = capOf(p, s)
	ref = id.New("chg")
	out, err = operate(e, s, func(gw gateway.Gateway) gateway.Outcome {
		return gw.Authorize(e.Ctx, chargeOf(s, ref, amt, p.Currency))
	})
	return ref, amt, out, err
}

// capOf is what source s may collect of the payment's balance.
func capOf(p *Payment, s *Source) decimal.Decimal {
	amt := p.Balance.Decimal
	if s.Amount != nil && s.Amount.LessThan(amt) {
		amt = s.Amount.Decimal
	}
	return amt
}

// charge runs sources in order against the balance (authorize and
// capture each): all captured → succeeded, some → incomplete, none →
// failed; a manual source leaves the payment processing. The payment row
// is locked by the caller, so one charge runs at a time per payment.
func charge(e Env, p *Payment, srcs []*Source) error {
	capturedNow := decimal.Zero
	lastReason := ""
	for _, s := range srcs {
		if p.Balance.Sign() <= 0 {
			break
		}
		ref, amt, out, err := authorizeFrom(e, p, s)
		if err != nil {
			return err
		}
		if out.Status == gateway.Pending { // manual: waits for the merchant
			if err := book(e, p, s, ref, "authorize", amt, out); err != nil {
				return err
			}
			return hold(e, p, s, amt, false)
		}
		if out.Status == gateway.Succeeded {
			c := chargeOf(s, ref, amt, p.Currency)
			c.Authorization = out.Reference
			if out, err = operate(e, s, func(gw gateway.Gateway) gateway.Outcome { return gw.Capture(e.Ctx, c) }); err != nil {
				return err
			}
		}
		if err := book(e, p, s, ref, "charge", amt, out); err != nil {
			return err
		}
		if out.Status != gateway.Succeeded {
			lastReason = out.FailedReason
			continue
		}
		p.Balance = money.NewMoney(p.Balance.Sub(amt))
		capturedNow = capturedNow.Add(amt)
	}
	return conclude(e, p, capturedNow, lastReason)
}

// conclude sets the status after captures and settles the invoice.
func conclude(e Env, p *Payment, capturedNow decimal.Decimal, reason string) error {
	evt := ""
	switch {
	case p.Balance.Sign() <= 0:
		p.Status, evt, p.FailedReason = Succeeded, "succeeded", nil
		us := e.Now.UnixMicro()
		p.paymentDate = &us
	case capturedNow.Sign() > 0:
		p.Status, evt, p.FailedReason = Incomplete, "updated", nil
	default:
		if reason == "" {
			reason = "gateway_error"
		}
		p.Status, evt, p.FailedReason = Failed, "failed", &reason
	}
	p.heldSource, p.heldAmount, p.heldAt = nil, nil, nil
	if err := p.save(e); err != nil {
		return err
	}
	if err := p.emit(e, evt); err != nil {
		return err
	}
	if err := settle(e, p); err != nil {
		return err
	}
	if p.Status != Succeeded {
		return nil
	}
	return mailReceipt(e, p)
}

// hold leaves p processing with amt authorized on s. holdOnly says the
// merchant asked only for the hold (…/authorize/): a processor reporting
// it later must not capture it, as it would for a pending …/pay/.
func hold(e Env, p *Payment, s *Source, amt decimal.Decimal, holdOnly bool) error {
	us := e.Now.UnixMicro()
	p.Status, p.FailedReason = Processing, nil
	p.heldSource, p.heldAmount, p.heldAt = &s.ID, &amt, &us
	if err := p.save(e); err != nil {
		return err
	}
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE payments SET hold_only = $1 WHERE id = $2 AND workspace_id = $3 AND test_mode = $4`,
		holdOnly, p.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
		return err
	}
	if s.Gateway != "manual" {
		if err := ScheduleExpiry(e, p.ID, e.Now.Add(AuthorizationWindow)); err != nil {
			return err
		}
	}
	return p.emit(e, "authorized")
}

// release frees an authorization that will not be captured.
func release(e Env, p *Payment) error {
	if p.heldSource == nil || p.heldAmount == nil {
		return nil
	}
	s, err := getSource(e, *p.heldSource, false)
	if err != nil {
		return err
	}
	auth, err := heldReference(e, p, s.ID)
	if err != nil {
		return err
	}
	c := chargeOf(s, id.New("chg"), *p.heldAmount, p.Currency)
	c.Authorization = auth
	if _, err := operate(e, s, func(gw gateway.Gateway) gateway.Outcome { gw.Release(e.Ctx, c); return gateway.Outcome{} }); err != nil {
		return err
	}
	p.heldSource, p.heldAmount, p.heldAt = nil, nil, nil
	return nil
}

// Actor says who calls an action: the merchant (token) or a payer
// (publishable, enable_checkout payments only, their own sources only).
type Actor int

const (
	Merchant Actor = iota
	Payer
)

func lockForAction(e Env, paymentID string, who Actor) (*Payment, error) {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return nil, err
	}
	if who == Payer && !p.EnableCheckout {
		return nil, apperr.NotFoundErr()
	}
	return p, nil
}

// retryable: statuses from which authorize and pay start (docs/payments.md#34-status-machine).
func retryable(p *Payment) bool {
	return p.Status == RequiresPaymentMethod || p.Status == Failed || p.Status == Incomplete
}

// recheckLimit re-applies the invoice amount limit when a failed payment
// is retried (its amount was not counted while failed).
func recheckLimit(e Env, p *Payment) error {
	if p.Invoice == nil || p.Status != Failed {
		return nil
	}
	inv, err := document.Lock(e, document.Invoice, *p.Invoice)
	if err != nil {
		return err
	}
	return checkLimit(e, inv, p.ID, p.Amount.Decimal)
}

// SourceChoice is the body of authorize and pay: the source to use.
// Errs is what the edge could not decode, reported once the payment is
// known to exist.
type SourceChoice struct {
	Source *string
	Errs   *apperr.Fields
}

// fieldsErr is the 400 of the errors f holds (none when nil).
func fieldsErr(f *apperr.Fields) error {
	if f == nil {
		return nil
	}
	return f.Err()
}

// Authorize attaches a source and holds the balance (POST …/authorize/).
func Authorize(e Env, paymentID string, c SourceChoice, who Actor) (*Payment, error) {
	p, err := lockForAction(e, paymentID, who)
	if err != nil {
		return nil, err
	}
	if err := fieldsErr(c.Errs); err != nil || c.Source == nil {
		return nil, err
	}
	if !retryable(p) {
		return nil, apperr.NonField(fmt.Sprintf("Payments with status %s cannot be authorized.", p.Status))
	}
	s, msg, err := usableSource(e, p, *c.Source, who == Payer)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return nil, apperr.Field("source", msg)
	}
	if err := recheckLimit(e, p); err != nil {
		return nil, err
	}
	ref, amt, out, err := authorizeFrom(e, p, s)
	if err != nil {
		return nil, err
	}
	status := out.Status
	if err := book(e, p, s, ref, "authorize", amt, out); err != nil {
		return nil, err
	}
	if status == gateway.Failed {
		if err := conclude(e, p, decimal.Zero, out.FailedReason); err != nil {
			return nil, err
		}
	} else if err := hold(e, p, s, amt, true); err != nil {
		return nil, err
	}
	return GetPayment(e, p.ID)
}

// Pay authorizes and captures in one step with the given or attached
// source (GET|POST …/pay/).
func Pay(e Env, paymentID string, c SourceChoice, who Actor) (*Payment, error) {
	p, err := lockForAction(e, paymentID, who)
	if err != nil {
		return nil, err
	}
	var ids []string
	if c.Source != nil {
		ids = []string{*c.Source}
	}
	if err := fieldsErr(c.Errs); err != nil {
		return nil, err
	}
	if !retryable(p) {
		return nil, apperr.NonField(fmt.Sprintf("Payments with status %s cannot be paid.", p.Status))
	}
	var srcs []*Source
	if len(ids) == 0 {
		// the attached sources that can still pay
		for _, sid := range p.Sources {
			s, msg, err := usableSource(e, p, sid, who == Payer)
			if err != nil {
				return nil, err
			}
			if msg == "" {
				srcs = append(srcs, s)
			}
		}
		if len(srcs) == 0 {
			return nil, apperr.Field("source", "This payment has no source to charge.")
		}
	} else {
		s, msg, err := usableSource(e, p, ids[0], who == Payer)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			return nil, apperr.Field("source", msg)
		}
		srcs = []*Source{s}
	}
	if err := recheckLimit(e, p); err != nil {
		return nil, err
	}
	if err := charge(e, p, srcs); err != nil {
		return nil, err
	}
	return GetPayment(e, p.ID)
}

// Capture captures an authorization or confirms a manual payment
// (GET|POST …/capture/). A hold older than 7 days has expired.
func Capture(e Env, paymentID string) (*Payment, error) {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return nil, err
	}
	if p.Status != Processing || p.heldSource == nil || p.heldAmount == nil {
		return nil, apperr.NonField("Only processing payments can be captured.")
	}
	s, err := getSource(e, *p.heldSource, false)
	if err != nil {
		return nil, err
	}
	if p.heldAt != nil && s.Gateway != "manual" && e.Now.UnixMicro() >= *p.heldAt+AuthorizationWindow.Microseconds() {
		if err := release(e, p); err != nil {
			return nil, err
		}
		if err := conclude(e, p, decimal.Zero, "expired_authorization"); err != nil {
			return nil, err
		}
		return GetPayment(e, p.ID)
	}
	if err := captureHeld(e, p, s); err != nil {
		return nil, err
	}
	return GetPayment(e, p.ID)
}

// captureHeld collects the amount p holds on s through its gateway and
// concludes the payment.
func captureHeld(e Env, p *Payment, s *Source) error {
	amt := *p.heldAmount
	auth, err := heldReference(e, p, s.ID)
	if err != nil {
		return err
	}
	ref := id.New("chg")
	c := chargeOf(s, ref, amt, p.Currency)
	c.Authorization = auth
	out, err := operate(e, s, func(gw gateway.Gateway) gateway.Outcome { return gw.Capture(e.Ctx, c) })
	if err != nil {
		return err
	}
	if out.Status == gateway.Succeeded && out.Reference == "" {
		out.Reference = auth // the capture collected what the authorization named
	}
	if err := recordCharge(e, p, s, ref, "capture", amt, out); err != nil {
		return err
	}
	captured := decimal.Zero
	if out.Status == gateway.Succeeded {
		p.Balance = money.NewMoney(p.Balance.Sub(amt))
		captured = amt
	}
	return conclude(e, p, captured, out.FailedReason)
}

// ChargeInvoice implements docs/billing.md#85-what-a-run-does step 9 charge_payment for a
// draft invoice with total > 0: a payment for the invoice total against
// sourceID (the invoice becomes pending), charged at once. Succeeded →
// the invoice is finalized automatically and paid; failed → the invoice
// stays pending with its failed payment (succeeded=false, err=nil).
// Other errors (e.g. the source is no longer usable) are returned.
func ChargeInvoice(e Env, invoiceID, sourceID, description string) (succeeded bool, err error) {
	inv, err := document.Lock(e, document.Invoice, invoiceID)
	if err != nil {
		return false, err
	}
	p, err := Create(e, CreateParams{Amount: inv.Total, Currency: inv.Currency, Date: today(e), Description: description,
		Invoice: inv, Sources: []string{sourceID}})
	if err != nil {
		return false, err
	}
	return p.Status == Succeeded, nil
}

// RecordCaptured creates a succeeded payment for money already captured
// on a source outside any payment (payment-link intents,
// docs/payments.md#55-what-finalization-produces): the capture is recorded in the ledger and settles the invoice.
// authorization is the processor's reference of the capture (refunds name it).
func RecordCaptured(e Env, invoiceID, customerID, sourceID, description string, amount decimal.Decimal, currency, authorization string) (*Payment, error) {
	c := CreateParams{Amount: amount, Currency: currency, Date: today(e), Description: description, Record: true}
	if invoiceID != "" {
		inv, err := document.Lock(e, document.Invoice, invoiceID)
		if err != nil {
			return nil, err
		}
		c.Invoice = inv
	}
	if customerID != "" {
		cu, msg, err := customer.Ref(e.Ctx, e.Q, e.D, e.Scope, customerID, false)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			return nil, apperr.Field("customer", msg)
		}
		c.CustomerID = &cu.ID
	}
	p, err := Create(e, c)
	if err != nil {
		return nil, err
	}
	s, err := getSource(e, sourceID, true)
	if err != nil {
		return nil, err
	}
	attach(p, s)
	if err := p.save(e); err != nil {
		return nil, err
	}
	if err := recordCharge(e, p, s, id.New("chg"), "capture", amount, gateway.Outcome{Status: gatewayOK, Reference: authorization}); err != nil {
		return nil, err
	}
	return GetPayment(e, p.ID)
}

// SourceForCheckout exposes what paylink needs of a source: its gateway,
// token and status (inside the package's transaction rules).
func SourceForCheckout(e Env, sourceID string) (*Source, error) { return getSource(e, sourceID, true) }

// AuthorizeSource holds amount on a source outside any payment (payment
// link intents); ref is Cobro's id of the operation. It returns the
// gateway outcome and consumes the source.
func AuthorizeSource(e Env, s *Source, ref string, amount decimal.Decimal, currency string) (gateway.Outcome, error) {
	if s.Status != SourceChargeable {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "source_not_chargeable"}, nil
	}
	out, err := operate(e, s, func(gw gateway.Gateway) gateway.Outcome {
		return gw.Authorize(e.Ctx, chargeOf(s, ref, amount, currency))
	})
	if err != nil {
		return out, err
	}
	return out, consume(e, s)
}

// CaptureSource captures a hold made by AuthorizeSource; authorization is
// the Reference of its outcome.
func CaptureSource(e Env, s *Source, ref, authorization string, amount decimal.Decimal, currency string) (gateway.Outcome, error) {
	c := chargeOf(s, ref, amount, currency)
	c.Authorization = authorization
	out, err := operate(e, s, func(gw gateway.Gateway) gateway.Outcome { return gw.Capture(e.Ctx, c) })
	if out.Status == gateway.Succeeded && out.Reference == "" {
		out.Reference = authorization
	}
	return out, err
}

// ReleaseSource frees a hold made by AuthorizeSource.
func ReleaseSource(e Env, s *Source, ref, authorization string, amount decimal.Decimal, currency string) error {
	c := chargeOf(s, ref, amount, currency)
	c.Authorization = authorization
	_, err := operate(e, s, func(gw gateway.Gateway) gateway.Outcome { gw.Release(e.Ctx, c); return gateway.Outcome{} })
	return err
}
