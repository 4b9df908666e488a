package payment

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
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
	ID             string            `json:"id"`
	Amount         money.Money       `json:"amount"`
	Currency       string            `json:"currency"`
	Date           string            `json:"date"`
	Description    string            `json:"description"`
	Invoice        *string           `json:"invoice"`
	Subscription   *string           `json:"subscription"`
	Customer       *customer.Summary `json:"customer"`
	Balance        money.Money       `json:"balance"`
	PaymentDate    clock.NullStamp   `json:"payment_date"`
	Source         *string           `json:"source"`
	Sources        []string          `json:"sources"`
	Status         string            `json:"status"`
	FailedReason   *string           `json:"failed_reason"`
	ReturnURL      *string           `json:"return_url"`
	EnableCheckout bool              `json:"enable_checkout"`
	Metadata       json.RawMessage   `json:"metadata"`
	TestMode       bool              `json:"test_mode"`
	Created        clock.Stamp       `json:"created"`
	Updated        clock.Stamp       `json:"updated"`

	CustomerID  *string          `json:"-"`
	paymentDate *int64           // micros
	heldSource  *string          // processing: the authorized source
	heldAmount  *decimal.Decimal // and amount
	heldAt      *int64
}

// Captured is amount − balance.
func (p *Payment) Captured() decimal.Decimal { return p.Amount.Sub(p.Balance.Decimal) }

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
	p.Invoice, p.Subscription, p.CustomerID = ns(inv), ns(sub), ns(cus)
	p.FailedReason, p.ReturnURL, p.heldSource = ns(reason), ns(ret), ns(held)
	if heldA.Valid {
		d := dec(heldA.String)
		p.heldAmount = &d
	}
	if heldAt.Valid {
		v := heldAt.Int64
		p.heldAt = &v
	}
	if pdate.Valid {
		v := pdate.Int64
		p.paymentDate = &v
	}
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

func getPayment(e Env, paymentID string, lock bool) (*Payment, error) {
	if !id.Valid("pay", paymentID) {
		return nil, apperr.NotFoundErr()
	}
	l := ""
	if lock {
		l = e.D.ForUpdate()
	}
	p, err := scanPayment(e, e.Q.QueryRowContext(e.Ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`+l,
		paymentID, e.Scope.ID, e.Scope.TestMode))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	return p, err
}

// GetPayment returns a payment of the scope, or 404.
func GetPayment(e Env, paymentID string) (*Payment, error) {
	p, err := getPayment(e, paymentID, false)
	if err != nil {
		return nil, err
	}
	return p, expandPayments(e, []*Payment{p})
}

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
	var ids []string
	for _, p := range ps {
		if p.CustomerID != nil {
			ids = append(ids, *p.CustomerID)
		}
	}
	sums, err := e.Deps.Customers.Summaries(e.Ctx, e.Q, e.Scope, ids)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.CustomerID != nil {
			p.Customer = sums[*p.CustomerID]
		}
	}
	return nil
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
func ListPayments(e Env, lq *list.Query) (int, []*Payment, error) {
	n, out, err := list.Fetch(e.Ctx, e.Q, lq, paymentColumns, ` FROM payments WHERE workspace_id = $1 AND test_mode = $2`, []any{e.Scope.ID, e.Scope.TestMode},
		func(row list.Scanner) (*Payment, error) { return scanPayment(e, row) })
	if err != nil {
		return 0, nil, err
	}
	return n, out, expandPayments(e, out)
}

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
		p.Amount.StringFixed(2), p.Currency, p.Date, p.Description, p.Balance.StringFixed(2), p.paymentDate, input.CanonicalJSON(p.Sources), p.Status,
		p.FailedReason, p.ReturnURL, p.EnableCheckout, string(p.Metadata), p.heldSource, held, p.heldAt, p.Updated.Micros,
		p.ID, e.Scope.ID, e.Scope.TestMode)
	return err
}

func (p *Payment) emit(e Env, name string) error {
	return event.Emit(e.Ctx, e.Q, e.Scope, "payment."+name, p.ID, e.Now)
}

// createRecord is a validated create body.
type createRecord struct {
	p       *Payment
	inv     *document.Doc
	sources []*Source
	record  bool // status: succeeded
}

// CreatePayment validates a body and creates a payment; with chargeable
// sources it charges them at once (docs/payments.md#33-create-body to docs/payments.md#34-status-machine).
func CreatePayment(e Env, o *input.Object) (*Payment, error) {
	us := e.Now.UnixMicro()
	p := &Payment{ID: id.New("pay"), Status: RequiresPaymentMethod, Sources: []string{}, Metadata: json.RawMessage("{}"), TestMode: e.Scope.TestMode,
		Created: clock.Stamp{Micros: us, Loc: e.Scope.Loc}}
	r := &createRecord{p: p}
	if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
		if v.Sign() <= 0 {
			o.Fail("amount", "Ensure this value is greater than 0.")
		}
		p.Amount = money.NewMoney(v)
	}
	if v, ok := o.String("currency", input.StrOpt{Required: true}); ok && v != nil {
		if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
			p.Currency = *v
		} else {
			o.Fail("currency", input.MsgPK(*v))
		}
	}
	checkAmountScale(o, p.Amount.Decimal, p.Currency)
	if raw, present := o.Raw("status"); present && raw != nil {
		s, _ := raw.(string)
		switch s {
		case RequiresPaymentMethod:
		case Succeeded:
			r.record = true
		default:
			o.Fail("status", "Only requires_payment_method or succeeded can be set on create.")
		}
	}
	if v, ok := o.Date("date", true, false); ok && v != nil {
		p.Date = *v
		if !r.record && p.Date < today(e) {
			o.Fail("date", "Date must be today or later.")
		}
	}
	if v, ok := o.String("description", input.StrOpt{Required: true, Max: 256}); ok && v != nil {
		p.Description = *v
	}
	if raw, present := o.Raw("payment_date"); present && raw != nil {
		s, isStr := raw.(string)
		t, err := list.ParseDateTime(s, loc(e.Scope))
		switch {
		case !isStr || err != nil:
			o.Fail("payment_date", input.MsgDateTime)
		case !r.record:
			o.Fail("payment_date", "Only recorded payments (status succeeded) take a payment_date.")
		default:
			v := t.UnixMicro()
			p.paymentDate = &v
		}
	}
	if v, ok := o.URL("return_url", input.StrOpt{Max: 2048}); ok {
		p.ReturnURL = v
	}
	if v, ok := o.Bool("enable_checkout", false); ok {
		p.EnableCheckout = v
	}
	if v, ok := o.Metadata("metadata"); ok {
		p.Metadata = json.RawMessage(v)
	}
	if v, ok := o.Ref("invoice", false, true, func(string) bool { return true }); ok && v != nil {
		inv, err := document.Lock(e, document.Invoice, *v)
		if ae, isApp := apperr.As(err); isApp && ae.Kind == apperr.NotFound {
			o.Fail("invoice", input.MsgPK(*v))
		} else if err != nil {
			return nil, err
		} else {
			r.inv = inv
			p.Invoice = &inv.ID
			switch inv.Status {
			case document.StatusDraft, document.StatusPending, document.StatusFinalized, document.StatusUncollectible:
			default:
				o.Fail("invoice", fmt.Sprintf("The invoice cannot receive payments in status %s.", inv.Status))
			}
		}
	}
	if v, ok := o.Ref("customer", false, true, func(string) bool { return true }); ok && v != nil {
		c, msg, err := customer.Ref(e.Ctx, e.Q, e.D, e.Scope, *v, false)
		switch {
		case err != nil:
			return nil, err
		case msg != "":
			o.Fail("customer", msg)
		default:
			p.CustomerID = &c.ID
		}
	}
	srcIDs := sourceIDs(o)
	if err := o.Err(); err != nil {
		return nil, err
	}
	// cross-field rules
	if r.inv != nil {
		if p.CustomerID == nil {
			p.CustomerID = &r.inv.CustomerID
		} else if *p.CustomerID != r.inv.CustomerID {
			o.Fail("customer", "Must be the invoice's customer.")
		}
		if p.Currency != r.inv.Currency {
			o.Fail("currency", fmt.Sprintf("Must equal the invoice currency (%s).", r.inv.Currency))
		}
		p.Subscription = r.inv.SubscriptionID
	}
	for _, sid := range srcIDs {
		s, msg, err := usableSource(e, p, sid, false)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			o.Fail("source", msg)
			break
		}
		if r.record && s.Gateway != "manual" {
			o.Fail("status", "Recorded payments cannot use a card source.")
			break
		}
		r.sources = append(r.sources, s)
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	if r.inv != nil {
		if err := checkLimit(e, r.inv, p.ID, p.Amount.Decimal); err != nil {
			return nil, err
		}
	}
	p.Balance = p.Amount
	if r.record {
		p.Status, p.Balance = Succeeded, money.NewMoney(decimal.Zero)
		if p.paymentDate == nil {
			p.paymentDate = &us
		}
		for _, s := range r.sources {
			p.Sources = append(p.Sources, s.ID)
		}
	}
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO payments (id, workspace_id, test_mode, amount, currency, date, description, invoice_id, subscription_id,
		customer_id, balance, payment_date, sources, status, failed_reason, return_url, enable_checkout, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16, $17, $18, $18)`,
		p.ID, e.Scope.ID, e.Scope.TestMode, p.Amount.StringFixed(2), p.Currency, p.Date, p.Description, p.Invoice, p.Subscription,
		p.CustomerID, p.Balance.StringFixed(2), p.paymentDate, input.CanonicalJSON(p.Sources), p.Status, p.ReturnURL, p.EnableCheckout, string(p.Metadata), us); err != nil {
		return nil, err
	}
	if err := p.emit(e, "created"); err != nil {
		return nil, err
	}
	if r.inv != nil && r.inv.Status == document.StatusDraft {
		if _, err := document.MarkPending(e, r.inv.ID); err != nil {
			return nil, err
		}
	}
	if r.record {
		for _, s := range r.sources {
			if err := recordCharge(e, p, s, "record", p.Amount.Decimal, gatewayOK, ""); err != nil {
				return nil, err
			}
			if err := consume(e, s); err != nil {
				return nil, err
			}
		}
		if err := p.emit(e, "succeeded"); err != nil {
			return nil, err
		}
		if err := settle(e, p); err != nil {
			return nil, err
		}
	} else if len(r.sources) > 0 {
		if err := charge(e, p, r.sources); err != nil {
			return nil, err
		}
	}
	return GetPayment(e, p.ID)
}

func sourceIDs(o *input.Object) []string {
	var out []string
	if v, ok := o.Ref("source", false, true, func(string) bool { return true }); ok && v != nil {
		out = append(out, *v)
	}
	if l, ok := o.List("sources", false); ok {
		for _, x := range l {
			s, isStr := x.(string)
			if !isStr {
				o.Fail("sources", input.MsgPKType(input.TypeName(x)))
				return nil
			}
			if len(out) == 0 || out[0] != s {
				out = append(out, s)
			}
		}
	}
	return out
}

// usableSource loads a source for payment p and tells why it cannot pay
// it ("" when it can). publishable: only sources created for p.
func usableSource(e Env, p *Payment, sourceID string, publishable bool) (*Source, string, error) {
	s, err := getSource(e, sourceID, true)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return nil, input.MsgPK(sourceID), nil
	}
	if err != nil {
		return nil, "", err
	}
	if err := expireAuth(e, s); err != nil {
		return nil, "", err
	}
	switch {
	case publishable && s.PaymentID != p.ID:
		return nil, input.MsgPK(sourceID), nil
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
	return sum, rows.Err()
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
	_, err = document.SetCollected(e, inv.ID, collected)
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

// UpdatePayment applies a PATCH/PUT (docs/payments.md#36-update).
func UpdatePayment(e Env, paymentID string, o *input.Object) (*Payment, error) {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return nil, err
	}
	if p.Status == Cancelled {
		return nil, apperr.NonField("Cancelled payments cannot be updated.")
	}
	if raw, present := o.Raw("status"); present && raw != p.Status {
		o.Fail("status", "Use POST /payments/{id}/authorize/, /pay/ or /capture/, or DELETE, to change the status.")
	}
	if v, ok := o.String("description", input.StrOpt{Required: true, Max: 256}); ok && v != nil {
		p.Description = *v
	}
	if v, ok := o.URL("return_url", input.StrOpt{Max: 2048}); ok {
		p.ReturnURL = v
	}
	if v, ok := o.Bool("enable_checkout", false); ok {
		p.EnableCheckout = v
	}
	if v, ok := o.Metadata("metadata"); ok {
		p.Metadata = json.RawMessage(v)
	}
	draft := p.Status == RequiresPaymentMethod
	for _, k := range []string{"amount", "currency", "date", "invoice", "customer"} {
		if !o.Has(k) {
			continue
		}
		switch {
		case !draft:
			o.Fail(k, "This field can only be changed while the payment requires a payment method.")
		case k == "amount":
			if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
				if v.Sign() <= 0 {
					o.Fail("amount", "Ensure this value is greater than 0.")
				}
				p.Amount, p.Balance = money.NewMoney(v), money.NewMoney(v)
				checkAmountScale(o, v, p.Currency)
			}
		case k == "date":
			if v, ok := o.Date("date", true, false); ok && v != nil {
				if *v < today(e) {
					o.Fail("date", "Date must be today or later.")
				}
				p.Date = *v
			}
		case k == "currency":
			if v, ok := o.String("currency", input.StrOpt{Required: true}); ok && v != nil && *v != p.Currency {
				o.Fail("currency", "The currency of a payment cannot be changed; create another payment.")
			}
		default: // invoice, customer: compare with the current value
			raw, _ := o.Raw(k)
			cur := p.Invoice
			if k == "customer" {
				cur = p.CustomerID
			}
			if s, _ := raw.(string); cur == nil || s != *cur {
				o.Fail(k, "This field cannot be changed after creation.")
			}
		}
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	if o.Has("amount") && p.Invoice != nil {
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
func checkAmountScale(o *input.Object, amount decimal.Decimal, currency string) {
	cur, found := catalog.CurrencyByID(currency)
	if !found || o.Failed("amount") {
		return
	}
	if err := money.CheckScale(amount, money.ScaleFor(cur.Rounded)); err != nil {
		o.Fail("amount", err.Error())
	}
}
