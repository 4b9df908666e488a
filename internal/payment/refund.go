package payment

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/shopspring/decimal"
)

// Refund statuses (docs/payments.md#310-refunds).
const (
	RefundSucceeded = "succeeded"
	RefundPending   = "pending"
	RefundFailed    = "failed"
)

// Refund is the API object of one refund of a payment.
type Refund struct {
	ID           string          `json:"id"`
	Payment      string          `json:"payment"`
	Amount       money.Money     `json:"amount"`
	Currency     string          `json:"currency"`
	Reason       *string         `json:"reason"`
	Status       string          `json:"status"`
	FailedReason *string         `json:"failed_reason"`
	CreditNote   *string         `json:"credit_note"`
	Metadata     json.RawMessage `json:"metadata"`
	TestMode     bool            `json:"test_mode"`
	Created      clock.Stamp     `json:"created"`

	chargeID string // the ledger capture refunded
}

// RefundParams is the command of POST /payments/{id}/refund/: Amount nil
// refunds what is left; CreditNote issues the credit note of the refund.
// Errs is what the edge could not decode.
type RefundParams struct {
	Amount     *decimal.Decimal
	Reason     *string
	CreditNote bool
	Metadata   json.RawMessage
	Errs       *apperr.Fields
}

// capture is a ledger line that collected money, with what is left of it
// to refund.
type capture struct {
	id, sourceID, ref string
	amount, left      decimal.Decimal
}

// RefundPayment gives back captured money of a payment through its
// gateway (recorded only for gateways that cannot refund, such as
// manual) and brings the invoice and the customer's balance up to date
// (docs/payments.md#310-refunds). The payment row is locked first, so
// concurrent refunds are serialised and never exceed what was captured.
func RefundPayment(e Env, paymentID string, c RefundParams) (*Refund, error) {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return nil, err
	}
	caps, err := captures(e, p.ID)
	if err != nil {
		return nil, err
	}
	left := decimal.Zero
	for _, cp := range caps {
		left = left.Add(cp.left)
	}
	amount, err := c.check(p, left)
	if err != nil {
		return nil, err
	}
	cp := pickCapture(caps, amount)
	if cp == nil {
		return nil, apperr.Field("amount", "This payment was collected in several charges: refund at most what one charge collected at a time.")
	}
	var inv *document.Doc
	if c.CreditNote {
		if inv, err = creditable(e, p, amount); err != nil {
			return nil, err
		}
	}
	r := &Refund{ID: id.New("ref"), Payment: p.ID, Amount: money.NewMoney(amount), Currency: p.Currency, Reason: c.Reason, Metadata: c.Metadata,
		TestMode: e.Scope.TestMode, Created: clock.Stamp{Micros: e.Now.UnixMicro(), Loc: e.Scope.Loc}, chargeID: cp.id}
	if r.Metadata == nil {
		r.Metadata = json.RawMessage("{}")
	}
	if err := r.execute(e, p, cp, inv); err != nil {
		return nil, err
	}
	return r, nil
}

// check validates the amount against what is left to refund.
func (c RefundParams) check(p *Payment, left decimal.Decimal) (decimal.Decimal, error) {
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	amount := left
	if c.Amount != nil && !errs.Has("amount") {
		amount = *c.Amount
		cur, _ := catalog.CurrencyByID(p.Currency)
		switch {
		case amount.Sign() <= 0:
			errs.Add("amount", "Ensure this value is greater than 0.")
		case money.CheckScale(amount, money.ScaleFor(cur.Rounded)) != nil:
			errs.Add("amount", money.CheckScale(amount, money.ScaleFor(cur.Rounded)).Error())
		case amount.GreaterThan(left) && left.Sign() > 0:
			errs.Add("amount", fmt.Sprintf("Amount exceeds what is left to refund (%s).", left.StringFixed(2)))
		}
	}
	if err := errs.Err(); err != nil {
		return amount, err
	}
	if left.Sign() <= 0 {
		return amount, apperr.NonField("This payment has nothing left to refund.")
	}
	return amount, nil
}

// captures lists the ledger lines of p that collected money, with what
// their refunds (not failed) left of each.
func captures(e Env, paymentID string) ([]*capture, error) {
	rs, err := e.Q.QueryContext(e.Ctx, `SELECT id, source_id, amount, gateway_ref FROM payment_charges WHERE payment_id = $1 AND workspace_id = $2 AND test_mode = $3
		AND status = 'succeeded' AND kind IN ('charge', 'capture', 'record') ORDER BY created, id`, paymentID, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return nil, err
	}
	var out []*capture
	byID := map[string]*capture{}
	for rs.Next() {
		var cp capture
		var amount string
		var ref sql.NullString
		if err := rs.Scan(&cp.id, &cp.sourceID, &amount, &ref); err != nil {
			rs.Close()
			return nil, err
		}
		cp.amount, cp.ref = dec(amount), ref.String
		cp.left = cp.amount
		out = append(out, &cp)
		byID[cp.id] = &cp
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, err
	}
	refunds, err := listRefunds(e, []string{paymentID})
	if err != nil {
		return nil, err
	}
	for _, r := range refunds[paymentID] {
		if cp := byID[r.chargeID]; cp != nil && r.Status != RefundFailed {
			cp.left = cp.left.Sub(r.Amount.Decimal)
		}
	}
	return out, nil
}

// pickCapture is the latest capture that can take the whole amount.
func pickCapture(caps []*capture, amount decimal.Decimal) *capture {
	for i := len(caps) - 1; i >= 0; i-- {
		if caps[i].left.GreaterThanOrEqual(amount) {
			return caps[i]
		}
	}
	return nil
}

// execute asks the gateway, records the refund and settles the invoice.
// The credit note is created and finalized first, in a savepoint, so a
// refusal of it refunds nothing and a refund the processor declines
// leaves no credit note.
func (r *Refund) execute(e Env, p *Payment, cp *capture, inv *document.Doc) error {
	if inv != nil {
		if _, err := e.Q.ExecContext(e.Ctx, "SAVEPOINT refund_credit_note"); err != nil {
			return err
		}
		cn, err := issueCreditNote(e, inv, p, r)
		if err != nil {
			return err
		}
		r.CreditNote = &cn
	}
	out, err := r.ask(e, p, cp)
	if err != nil {
		return err
	}
	r.Status = out.Status
	if out.Status == gateway.Failed {
		reason := out.FailedReason
		if reason == "" {
			reason = "gateway_error"
		}
		r.FailedReason = &reason
		if inv != nil {
			if _, err := e.Q.ExecContext(e.Ctx, "ROLLBACK TO SAVEPOINT refund_credit_note"); err != nil {
				return err
			}
			r.CreditNote = nil
		}
	}
	if err := r.insert(e, out.Reference); err != nil {
		return err
	}
	if r.Status == RefundFailed {
		return nil
	}
	if r.Status == RefundSucceeded {
		if err := p.emit(e, "refunded"); err != nil {
			return err
		}
	}
	return settle(e, p)
}

// ask runs the refund on the capture's gateway; a gateway that cannot
// refund (manual) has it recorded as given back outside Cobro.
func (r *Refund) ask(e Env, p *Payment, cp *capture) (gateway.Outcome, error) {
	s, err := getSource(e, cp.sourceID, false)
	if err != nil {
		return gateway.Outcome{}, err
	}
	return operate(e, s, func(gw gateway.Gateway) gateway.Outcome {
		rf, ok := gw.(gateway.Refunder)
		if !ok {
			return gateway.Outcome{Status: gateway.Succeeded}
		}
		reason := ""
		if r.Reason != nil {
			reason = *r.Reason
		}
		return rf.Refund(e.Ctx, gateway.Refund{Token: s.token, Customer: s.CustomerID, Authorization: cp.ref, Captured: cp.amount,
			Amount: r.Amount.Decimal, Currency: p.Currency, Reference: r.ID, Reason: reason})
	})
}

func (r *Refund) insert(e Env, gatewayRef string) error {
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO refunds (id, workspace_id, test_mode, payment_id, amount, currency, reason, status, failed_reason, gateway_ref,
		credit_note_id, metadata, charge_id, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
		r.ID, e.Scope.ID, e.Scope.TestMode, r.Payment, r.Amount.StringFixed(2), r.Currency, r.Reason, r.Status, r.FailedReason, rows.OrNull(gatewayRef),
		r.CreditNote, string(r.Metadata), r.chargeID, r.Created.Micros)
	return err
}

// listRefunds returns the refunds of the payments, oldest first.
func listRefunds(e Env, paymentIDs []string) (map[string][]*Refund, error) {
	out := map[string][]*Refund{}
	if len(paymentIDs) == 0 {
		return out, nil
	}
	args, in := store.InList([]any{e.Scope.ID, e.Scope.TestMode}, paymentIDs)
	rs, err := e.Q.QueryContext(e.Ctx, `SELECT id, payment_id, amount, currency, reason, status, failed_reason, credit_note_id, metadata, charge_id, test_mode, created
		FROM refunds WHERE workspace_id = $1 AND test_mode = $2 AND payment_id IN (`+in+`) ORDER BY created, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var r Refund
		var amount, meta string
		var reason, failed, cn, charge sql.NullString
		var created int64
		if err := rs.Scan(&r.ID, &r.Payment, &amount, &r.Currency, &reason, &r.Status, &failed, &cn, &meta, &charge, &r.TestMode, &created); err != nil {
			return nil, err
		}
		r.Amount, r.Reason, r.FailedReason, r.CreditNote = money.NewMoney(dec(amount)), rows.Text(reason), rows.Text(failed), rows.Text(cn)
		r.Metadata, r.chargeID, r.Created = json.RawMessage(meta), charge.String, clock.Stamp{Micros: created, Loc: e.Scope.Loc}
		out[r.Payment] = append(out[r.Payment], &r)
	}
	return out, rs.Err()
}

// refundedOf sums the refunds that gave money back or will (not failed).
func refundedOf(rs []*Refund) decimal.Decimal {
	sum := decimal.Zero
	for _, r := range rs {
		if r.Status != RefundFailed {
			sum = sum.Add(r.Amount.Decimal)
		}
	}
	return sum
}
