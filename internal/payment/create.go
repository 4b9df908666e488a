package payment

import (
	"encoding/json"
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// CreateParams is the command that creates a payment (docs/payments.md#33-create-body).
// The HTTP edge decodes a body into it, each field checked on its own and
// references resolved; in-process callers (subscription charges,
// payment-link captures) fill it directly. Create checks the rules that
// join fields.
type CreateParams struct {
	Amount      decimal.Decimal
	Currency    string
	Date        string // YYYY-MM-DD
	Description string
	// Record is status succeeded on create: money already received,
	// recorded in the ledger at once.
	Record         bool
	PaymentDate    *int64 // micros; recorded payments only (nil: now)
	ReturnURL      *string
	EnableCheckout bool
	Metadata       json.RawMessage // canonical JSON; nil is {}
	// Invoice is the invoice paid, locked by the caller.
	Invoice    *document.Doc
	CustomerID *string
	// Sources are the sources to charge (or, recorded, that were used).
	Sources []string
}

// Create creates a payment; with chargeable sources it is charged at once.
func Create(e Env, c CreateParams) (*Payment, error) {
	p := c.payment(e)
	sources, err := c.admit(e, p)
	if err != nil {
		return nil, err
	}
	if c.Invoice != nil {
		if err := checkLimit(e, c.Invoice, p.ID, p.Amount.Decimal); err != nil {
			return nil, err
		}
	}
	if c.Record {
		p.Status, p.Balance = Succeeded, money.NewMoney(decimal.Zero)
		for _, s := range sources {
			p.Sources = append(p.Sources, s.ID)
		}
	}
	if err := p.insert(e); err != nil {
		return nil, err
	}
	if c.Invoice != nil && c.Invoice.Status == document.StatusDraft {
		if _, err := document.MarkPending(e, c.Invoice.ID); err != nil {
			return nil, err
		}
	}
	switch {
	case c.Record:
		err = recordReceived(e, p, sources)
	case len(sources) > 0:
		err = charge(e, p, sources)
	}
	if err != nil {
		return nil, err
	}
	return GetPayment(e, p.ID)
}

// payment is the new payment the command describes.
func (c CreateParams) payment(e Env) *Payment {
	us := e.Now.UnixMicro()
	p := &Payment{ID: id.New("pay"), Status: RequiresPaymentMethod, Sources: []string{}, Metadata: c.Metadata, TestMode: e.Scope.TestMode,
		Created: clock.Stamp{Micros: us, Loc: e.Scope.Loc}, Amount: money.NewMoney(c.Amount), Currency: c.Currency, Date: c.Date,
		Description: c.Description, ReturnURL: c.ReturnURL, EnableCheckout: c.EnableCheckout, CustomerID: c.CustomerID, paymentDate: c.PaymentDate}
	if p.Metadata == nil {
		p.Metadata = json.RawMessage("{}")
	}
	if c.Record && p.paymentDate == nil {
		p.paymentDate = &us
	}
	if c.Invoice != nil {
		p.Invoice = &c.Invoice.ID
		p.Subscription = c.Invoice.SubscriptionID
		if p.CustomerID == nil {
			p.CustomerID = &c.Invoice.CustomerID
		}
	}
	p.Balance = p.Amount
	return p
}

// admit checks the rules that join fields and returns the sources to use,
// locked.
func (c CreateParams) admit(e Env, p *Payment) ([]*Source, error) {
	errs := map[string]any{}
	if inv := c.Invoice; inv != nil {
		if msg := InvoiceRefused(inv); msg != "" {
			return nil, apperr.Field("invoice", msg)
		}
		if c.CustomerID != nil && *c.CustomerID != inv.CustomerID {
			errs["customer"] = []string{"Must be the invoice's customer."}
		}
		if c.Currency != inv.Currency {
			errs["currency"] = []string{fmt.Sprintf("Must equal the invoice currency (%s).", inv.Currency)}
		}
	}
	var sources []*Source
	for _, sid := range c.Sources {
		s, msg, err := usableSource(e, p, sid, false)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			errs["source"] = []string{msg}
			break
		}
		if c.Record && s.Gateway != "manual" {
			errs["status"] = []string{"Recorded payments cannot use a card source."}
			break
		}
		sources = append(sources, s)
	}
	if err := apperr.FieldsErr(errs); err != nil {
		return nil, err
	}
	return sources, nil
}

// insert writes a new payment.
func (p *Payment) insert(e Env) error {
	srcs, _ := json.Marshal(p.Sources)
	_, err := e.Q.ExecContext(e.Ctx, `INSERT INTO payments (id, workspace_id, test_mode, amount, currency, date, description, invoice_id, subscription_id,
		customer_id, balance, payment_date, sources, status, failed_reason, return_url, enable_checkout, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16, $17, $18, $18)`,
		p.ID, e.Scope.ID, e.Scope.TestMode, p.Amount.StringFixed(2), p.Currency, p.Date, p.Description, p.Invoice, p.Subscription,
		p.CustomerID, p.Balance.StringFixed(2), p.paymentDate, string(srcs), p.Status, p.ReturnURL, p.EnableCheckout, string(p.Metadata), p.Created.Micros)
	if err != nil {
		return err
	}
	return p.emit(e, "created")
}

// recordReceived books a recorded payment: one ledger line per source, the
// sources consumed, the invoice settled.
func recordReceived(e Env, p *Payment, sources []*Source) error {
	for _, s := range sources {
		if err := book(e, p, s, id.New("chg"), "record", p.Amount.Decimal, gateway.Outcome{Status: gatewayOK}); err != nil {
			return err
		}
	}
	if err := p.emit(e, "succeeded"); err != nil {
		return err
	}
	if err := settle(e, p); err != nil {
		return err
	}
	return mailReceipt(e, p)
}

// Today is the workspace's date now (the earliest date of a payment that
// is not recorded).
func Today(e Env) string { return today(e) }

// InvoiceRefused is why an invoice cannot receive a payment ("" when it
// can).
func InvoiceRefused(inv *document.Doc) string {
	switch inv.Status {
	case document.StatusDraft, document.StatusPending, document.StatusFinalized, document.StatusUncollectible:
		return ""
	}
	return fmt.Sprintf("The invoice cannot receive payments in status %s.", inv.Status)
}
