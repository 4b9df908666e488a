package paylink

import (
	"time"

	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/input"
)

// The two calls below still hand the customer and document engines a
// request body: those engines take typed commands on the typed-doc
// branch, and each call switches to them in place.

// createPayer creates the payer's customer.
func createPayer(e Env, p Payer) (string, error) {
	body := map[string]any{"name": p.Name, "email": p.Email, "country": p.Country}
	if p.TaxID != "" {
		body["tax_id"] = p.TaxID
	}
	if p.Address != "" {
		body["address"] = p.Address
	}
	if p.State != "" {
		body["state"] = p.State
	}
	ts := map[string]any{}
	if p.Activity != "" {
		ts["cl_activity_description"] = p.Activity
	}
	if p.Commune != "" {
		ts["cl_commune"] = p.Commune
	}
	if len(ts) > 0 {
		body["tax_settings"] = ts
	}
	c, err := customer.CreatePayer(e.Ctx, e.Q, e.Scope, input.New(body, false), e.Now)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// createInvoice creates the intent's invoice: one line for the link's
// net amount, collected automatically.
func createInvoice(e Env, in *Intent, l *Link) (string, error) {
	body := map[string]any{"customer": in.CustomerID, "document": l.Document.ID, "date": e.Now.In(loc(e.Scope)).Format(time.DateOnly),
		"currency": l.Currency, "collection_method": "automatically",
		"lines":    []any{map[string]any{"name": l.Description, "quantity": "1", "amount": l.LineAmount.StringFixed(2), "exempt": l.Exempt}},
		"metadata": map[string]any{"payment_link": l.ID, "payment_link_intent": in.ID}}
	d, err := document.Create(e.Env, document.Invoice, input.New(body, false))
	if err != nil {
		return "", err
	}
	return d.ID, nil
}
