package payment

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/shopspring/decimal"
)

// Payment statuses (docs/payments.md#34-status-machine).
const (
	RequiresPaymentMethod = "requires_payment_method"
	Processing            = "processing"
	Incomplete            = "incomplete"
	Succeeded             = "succeeded"
	Failed                = "failed"
	Cancelled             = "cancelled"
)

var paymentStatuses = []string{RequiresPaymentMethod, Processing, Incomplete, Succeeded, Failed, Cancelled}

// AuthorizationWindow: a hold not captured within it expires.
const AuthorizationWindow = 7 * 24 * time.Hour

// Payment is the API object (docs/payments.md#32-payment-object).
type Payment struct {
	ID           string            `json:"id"`
	Amount       money.Money       `json:"amount"`
	Currency     string            `json:"currency"`
	Date         string            `json:"date"`
	Description  string            `json:"description"`
	Invoice      *string           `json:"invoice"`
	Subscription *string           `json:"subscription"`
	Customer     *customer.Summary `json:"customer"`
	Balance      money.Money       `json:"balance"`
	PaymentDate  clock.NullStamp   `json:"payment_date"`
	Source       *string           `json:"source"`
	Sources      []string          `json:"sources"`
	Status       string            `json:"status"`
	FailedReason *string           `json:"failed_reason"`
	// AmountRefunded sums the refunds not failed; Refunds lists every
	// refund, oldest first (docs/payments.md#310-refunds).
	AmountRefunded money.Money     `json:"amount_refunded"`
	Refunds        []*Refund       `json:"refunds"`
	ReturnURL      *string         `json:"return_url"`
	EnableCheckout bool            `json:"enable_checkout"`
	Metadata       json.RawMessage `json:"metadata"`
	TestMode       bool            `json:"test_mode"`
	Created        clock.Stamp     `json:"created"`
	Updated        clock.Stamp     `json:"updated"`

	CustomerID  *string          `json:"-"`
	paymentDate *int64           // micros
	heldSource  *string          // processing: the authorized source
	heldAmount  *decimal.Decimal // and amount
	heldAt      *int64
}

// Captured is amount − balance.
func (p *Payment) Captured() decimal.Decimal { return p.Amount.Sub(p.Balance.Decimal) }

var paymentsTable = rows.Table{Name: "payments", Prefix: "pay", Columns: paymentColumns}

const paymentColumns = `id, amount, currency, date, description, invoice_id, subscription_id, customer_id, balance, payment_date, sources, status,
	failed_reason, return_url, enable_checkout, metadata, held_source, held_amount, held_at, test_mode, created, updated`

func scanPayment(e Env, row interface{ Scan(...any) error }) (*Payment, error) {
	var (
		p                                       Payment
		amount, balance, sources, meta          string
		inv, sub, cus, reason, ret, held, heldA sql.NullString
		pdate, heldAt                           sql.NullInt64
		created, updated                        int64
	)
	if err := row.Scan(&p.ID, &amount, &p.Currency, &p.Date, &p.Description, &inv, &sub, &cus, &balance, &pdate, &sources, &p.Status,
		&reason, &ret, &p.EnableCheckout, &meta, &held, &heldA, &heldAt, &p.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	p.Amount, p.Balance = money.NewMoney(dec(amount)), money.NewMoney(dec(balance))
	p.Invoice, p.Subscription, p.CustomerID = rows.Text(inv), rows.Text(sub), rows.Text(cus)
	p.FailedReason, p.ReturnURL, p.heldSource = rows.Text(reason), rows.Text(ret), rows.Text(held)
	if heldA.Valid {
		d := dec(heldA.String)
		p.heldAmount = &d
	}
	p.heldAt = rows.Int(heldAt)
	p.paymentDate = rows.Int(pdate)
	p.PaymentDate = clock.NullStamp{Micros: p.paymentDate, Loc: e.Scope.Loc}
	_ = json.Unmarshal([]byte(sources), &p.Sources)
	if p.Sources == nil {
		p.Sources = []string{}
	}
	if len(p.Sources) > 0 {
		p.Source = &p.Sources[0]
	}
	p.Metadata = json.RawMessage(meta)
	p.Created, p.Updated = clock.Stamp{Micros: created, Loc: e.Scope.Loc}, clock.Stamp{Micros: updated, Loc: e.Scope.Loc}
	return &p, nil
}

// payments reads the payments of e's scope, refunds and customer expanded.
func payments(e Env) rows.Resource[*Payment] {
	return rows.Resource[*Payment]{Ctx: e.Ctx, Q: e.Q, D: e.D, Scope: e.Scope, Table: paymentsTable,
		Scan:   func(r list.Scanner) (*Payment, error) { return scanPayment(e, r) },
		Expand: func(ps []*Payment) error { return expandPayments(e, ps) }}
}

func getPayment(e Env, paymentID string, lock bool) (*Payment, error) {
	return payments(e).Get(paymentID, lock)
}

// GetPayment returns a payment of the scope, or 404.
func GetPayment(e Env, paymentID string) (*Payment, error) { return payments(e).Show(paymentID) }

// GetCheckoutPayment returns a payment for a publishable call: 404 unless
// enable_checkout (docs/conventions.md#4-publishable-public-endpoints).
func GetCheckoutPayment(e Env, paymentID string) (*Payment, error) {
	p, err := getPayment(e, paymentID, false)
	if err != nil {
		return nil, err
	}
	if !p.EnableCheckout {
		return nil, apperr.NotFoundErr()
	}
	return p, nil
}

func expandPayments(e Env, ps []*Payment) error {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	refunds, err := listRefunds(e, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		p.Refunds = refunds[p.ID]
		if p.Refunds == nil {
			p.Refunds = []*Refund{}
		}
		p.AmountRefunded = money.NewMoney(refundedOf(p.Refunds))
	}
	return rows.Expand(ps, func(p *Payment) (string, bool) { return deref(p.CustomerID) }, summaries(e),
		func(p *Payment, c *customer.Summary) { p.Customer = c })
}

// summaries loads customer summaries for Expand.
func summaries(e Env) func([]string) (map[string]*customer.Summary, error) {
	return func(ids []string) (map[string]*customer.Summary, error) {
		return e.Deps.Customers.Summaries(e.Ctx, e.Q, e.Scope, ids)
	}
}

// deref is an optional id for Expand.
func deref(s *string) (string, bool) {
	if s == nil {
		return "", false
	}
	return *s, true
}

// PaymentListSpec declares the payment list (docs/payments.md#37-list).
var PaymentListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: paymentStatuses, Lookups: []string{list.In}},
		{Name: "customer", Expr: "customer_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "invoice", Expr: "invoice_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "subscription", Expr: "subscription_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "amount", Expr: "amount", Kind: list.Decimal, Lookups: list.Ranges},
		{Name: "date", Expr: "date", Kind: list.Date, Lookups: list.Ranges},
		{Name: "payment_date", Expr: "payment_date", Kind: list.DateTime, Lookups: append([]string{list.IsNull}, list.Ranges...)},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"date": "date", "payment_date": "payment_date", "amount": "CAST(amount AS NUMERIC)", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"description", "(SELECT c.name FROM customers c WHERE c.id = payments.customer_id)"},
	Metadata:        "metadata",
}

// ListPayments returns one page of payments.
func ListPayments(e Env, lq *list.Query) (int, []*Payment, error) { return payments(e).List(lq) }

// save writes the mutable state of p.
func (p *Payment) save(e Env) error {
	p.Updated = clock.Stamp{Micros: e.Now.UnixMicro(), Loc: e.Scope.Loc}
	var held any
	if p.heldAmount != nil {
		held = p.heldAmount.StringFixed(2)
	}
	_, err := e.Q.ExecContext(e.Ctx, `UPDATE payments SET amount = $1, currency = $2, date = $3, description = $4, balance = $5, payment_date = $6,
		sources = $7, status = $8, failed_reason = $9, return_url = $10, enable_checkout = $11, metadata = $12, held_source = $13, held_amount = $14,
		held_at = $15, updated = $16 WHERE id = $17 AND workspace_id = $18 AND test_mode = $19`,
		p.Amount.StringFixed(2), p.Currency, p.Date, p.Description, p.Balance.StringFixed(2), p.paymentDate, string(canonical(p.Sources)), p.Status,
		p.FailedReason, p.ReturnURL, p.EnableCheckout, string(p.Metadata), p.heldSource, held, p.heldAt, p.Updated.Micros,
		p.ID, e.Scope.ID, e.Scope.TestMode)
	return err
}

// mailReceipt tells Deps.Mail of a succeeded payment (its receipt,
// docs/documents.md#55-emails-cobro-sends).
func mailReceipt(e Env, p *Payment) error {
	if e.Deps.Mail == nil {
		return nil
	}
	return e.Deps.Mail.PaymentSucceeded(e, p.ID)
}

func (p *Payment) emit(e Env, name string) error {
	return event.Emit(e.Ctx, e.Q, e.Scope, "payment."+name, p.ID, e.Now)
}

// usableSource loads a source for payment p and tells why it cannot pay
// it ("" when it can). publishable: only sources created for p.
func usableSource(e Env, p *Payment, sourceID string, publishable bool) (*Source, string, error) {
	s, err := getSource(e, sourceID, true)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return nil, apperr.MsgPK(sourceID), nil
	}
	if err != nil {
		return nil, "", err
	}
	if err := expireAuth(e, s); err != nil {
		return nil, "", err
	}
	switch {
	case publishable && s.PaymentID != p.ID:
		return nil, apperr.MsgPK(sourceID), nil
	case s.Status != SourceChargeable:
		return nil, "Source is not chargeable.", nil
	case s.PaymentID != "" && s.PaymentID != p.ID:
		return nil, "Source is not chargeable.", nil
	case s.Usage == "reusable" && (p.CustomerID == nil || *p.CustomerID != s.CustomerID):
		return nil, "Source belongs to another customer.", nil
	}
	return s, "", nil
}

// checkLimit enforces the amount limit of docs/payments.md#33-create-body with the
// invoice row locked: Σ amount of live payments + Σ captured of failed
// ones + this amount ≤ total_adjusted. exclude is the payment itself.
func checkLimit(e Env, inv *document.Doc, exclude string, amount decimal.Decimal) error {
	committed, err := committedOn(e, inv.ID, exclude)
	if err != nil {
		return err
	}
	ta := inv.Total
	if inv.TotalAdjusted != nil {
		ta = *inv.TotalAdjusted
	}
	left := ta.Sub(committed)
	if amount.GreaterThan(left) {
		if left.Sign() < 0 {
			left = decimal.Zero
		}
		return apperr.Field("amount", fmt.Sprintf("Amount exceeds the invoice's outstanding balance (%s).", left.StringFixed(2)))
	}
	return nil
}

func committedOn(e Env, invoiceID, exclude string) (decimal.Decimal, error) {
	refunded, err := refundedOnInvoice(e, invoiceID)
	if err != nil {
		return decimal.Zero, err
	}
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT status, amount, balance FROM payments WHERE invoice_id = $1 AND workspace_id = $2 AND test_mode = $3 AND id <> $4`,
		invoiceID, e.Scope.ID, e.Scope.TestMode, exclude)
	if err != nil {
		return decimal.Zero, err
	}
	defer rows.Close()
	sum := decimal.Zero
	for rows.Next() {
		var st, amount, balance string
		if err := rows.Scan(&st, &amount, &balance); err != nil {
			return decimal.Zero, err
		}
		switch st {
		case Cancelled:
		case Failed:
			sum = sum.Add(dec(amount).Sub(dec(balance)))
		default:
			sum = sum.Add(dec(amount))
		}
	}
	return sum.Sub(refunded), rows.Err()
}

// refundedOnInvoice sums the refunds (not failed) of the invoice's
// payments: money given back no longer counts as collected.
func refundedOnInvoice(e Env, invoiceID string) (decimal.Decimal, error) {
	rs, err := e.Q.QueryContext(e.Ctx, `SELECT r.amount FROM refunds r JOIN payments p ON p.id = r.payment_id
		WHERE p.invoice_id = $1 AND r.workspace_id = $2 AND r.test_mode = $3 AND r.status <> 'failed'`, invoiceID, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return decimal.Zero, err
	}
	defer rs.Close()
	sum := decimal.Zero
	for rs.Next() {
		var a string
		if err := rs.Scan(&a); err != nil {
			return decimal.Zero, err
		}
		sum = sum.Add(dec(a))
	}
	return sum, rs.Err()
}

// settle brings the invoice of p up to date with what its payments
// collected (docs/documents.md#15-status-machine): pending back to draft when every payment
// is cancelled, collected amount recorded (paid, automatic finalize).
func settle(e Env, p *Payment) error {
	if p.Invoice == nil {
		return nil
	}
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT status, amount, balance FROM payments WHERE invoice_id = $1 AND workspace_id = $2 AND test_mode = $3`,
		*p.Invoice, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return err
	}
	collected, live := decimal.Zero, 0
	for rows.Next() {
		var st, amount, balance string
		if err := rows.Scan(&st, &amount, &balance); err != nil {
			rows.Close()
			return err
		}
		collected = collected.Add(dec(amount).Sub(dec(balance)))
		if st != Cancelled {
			live++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	inv, err := document.Lock(e, document.Invoice, *p.Invoice)
	if err != nil {
		return err
	}
	if inv.Status == document.StatusPending && live == 0 {
		_, err := document.UnmarkPending(e, inv.ID)
		return err
	}
	if inv.Status == document.StatusDraft {
		return nil
	}
	refunded, err := refundedOnInvoice(e, inv.ID)
	if err != nil {
		return err
	}
	_, err = document.SetCollected(e, inv.ID, collected.Sub(refunded))
	return err
}

// pendingFinalizable: every payment of a pending invoice that is not
// cancelled has succeeded, at least one (docs/documents.md#15-status-machine).
func pendingFinalizable(e document.Env, d *document.Doc) error {
	var total, ok int
	err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END), 0) FROM payments
		WHERE invoice_id = $1 AND workspace_id = $2 AND test_mode = $3 AND status <> 'cancelled'`, d.ID, e.Scope.ID, e.Scope.TestMode).Scan(&total, &ok)
	if err != nil {
		return err
	}
	if total == 0 || ok != total {
		return apperr.NonField("All payments of a pending invoice must be succeeded before it can be finalized.")
	}
	return nil
}

// Patch is the command that updates a payment (docs/payments.md#36-update). The
// HTTP edge decodes a body into it: Given names the fields the body
// carried, Errs those it could not decode (reported with the rules that
// depend on the payment). A nil pointer is a field not given.
type Patch struct {
	Given          map[string]bool
	Errs           *apperr.Fields
	Status         *string // the status sent ("" when not a string)
	Description    *string
	ReturnURL      **string
	EnableCheckout *bool
	Metadata       *json.RawMessage
	Amount         *decimal.Decimal
	Currency       *string
	Date           *string
	// Invoice and Customer are the ids sent: they cannot change, only be
	// repeated.
	Invoice, Customer *string
}

// draftOnly may change only while the payment requires a payment method.
var draftOnly = []string{"amount", "currency", "date", "invoice", "customer"}

// UpdatePayment applies a PATCH/PUT (docs/payments.md#36-update).
func UpdatePayment(e Env, paymentID string, c Patch) (*Payment, error) {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return nil, err
	}
	if p.Status == Cancelled {
		return nil, apperr.NonField("Cancelled payments cannot be updated.")
	}
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	if c.Given["status"] && (c.Status == nil || *c.Status != p.Status) {
		errs.Add("status", "Use POST /payments/{id}/authorize/, /pay/ or /capture/, or DELETE, to change the status.")
	}
	c.applyOptions(p)
	draft := p.Status == RequiresPaymentMethod
	for _, k := range draftOnly {
		if c.Given[k] && !draft {
			errs.Drop(k)
			errs.Add(k, "This field can only be changed while the payment requires a payment method.")
		}
	}
	if draft {
		c.applyDraft(p, errs)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if c.Given["amount"] && p.Invoice != nil {
		inv, err := document.Lock(e, document.Invoice, *p.Invoice)
		if err != nil {
			return nil, err
		}
		if err := checkLimit(e, inv, p.ID, p.Amount.Decimal); err != nil {
			return nil, err
		}
	}
	if err := p.save(e); err != nil {
		return nil, err
	}
	if err := p.emit(e, "updated"); err != nil {
		return nil, err
	}
	return GetPayment(e, p.ID)
}

// applyOptions sets the fields any payment may change.
func (c Patch) applyOptions(p *Payment) {
	if c.Description != nil {
		p.Description = *c.Description
	}
	if c.ReturnURL != nil {
		p.ReturnURL = *c.ReturnURL
	}
	if c.EnableCheckout != nil {
		p.EnableCheckout = *c.EnableCheckout
	}
	if c.Metadata != nil {
		p.Metadata = *c.Metadata
	}
}

// applyDraft sets the fields a payment that requires a payment method may
// change.
func (c Patch) applyDraft(p *Payment, errs *apperr.Fields) {
	if c.Amount != nil {
		p.Amount, p.Balance = money.NewMoney(*c.Amount), money.NewMoney(*c.Amount)
		if cur, found := catalog.CurrencyByID(p.Currency); found && !errs.Has("amount") {
			if err := money.CheckScale(*c.Amount, money.ScaleFor(cur.Rounded)); err != nil {
				errs.Add("amount", err.Error())
			}
		}
	}
	if c.Date != nil {
		p.Date = *c.Date
	}
	if c.Currency != nil && *c.Currency != p.Currency {
		errs.Add("currency", "The currency of a payment cannot be changed; create another payment.")
	}
	for k, sent := range map[string]*string{"invoice": c.Invoice, "customer": c.Customer} {
		cur := p.Invoice
		if k == "customer" {
			cur = p.CustomerID
		}
		if c.Given[k] && (cur == nil || sent == nil || *sent != *cur) {
			errs.Add(k, apperr.MsgNoChange)
		}
	}
}

// DeletePayment destroys a requires_payment_method payment (nil, nil) or
// cancels a processing/failed one (docs/payments.md#34-status-machine).
func DeletePayment(e Env, paymentID string) (*Payment, error) {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return nil, err
	}
	switch p.Status {
	case RequiresPaymentMethod:
		if _, err := e.Q.ExecContext(e.Ctx, `DELETE FROM payments WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, p.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
			return nil, err
		}
		if err := p.emit(e, "deleted"); err != nil {
			return nil, err
		}
		return nil, settle(e, p)
	case Processing, Failed:
		if p.Captured().Sign() > 0 {
			return nil, apperr.NonField("Payments with captured money cannot be cancelled.")
		}
		if err := release(e, p); err != nil {
			return nil, err
		}
		p.Status = Cancelled
		if err := p.save(e); err != nil {
			return nil, err
		}
		if err := p.emit(e, "cancelled"); err != nil {
			return nil, err
		}
		if err := settle(e, p); err != nil {
			return nil, err
		}
		return GetPayment(e, p.ID)
	}
	return nil, apperr.NonField("Only payments with status requires_payment_method, processing or failed can be deleted.")
}

// checkAmountScale refuses decimals a currency does not have (docs/conventions.md#7-data-types:
// scale 0 for rounded currencies such as CLP).
