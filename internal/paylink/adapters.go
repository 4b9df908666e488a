package paylink

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/shopspring/decimal"
)

// createPayer creates the payer's customer from what the payer typed.
func createPayer(e Env, p Payer) (string, error) {
	given := func(v string) opt.Nullable[string] {
		if v = strings.TrimSpace(v); v != "" {
			return opt.Of(v)
		}
		return opt.Nullable[string]{}
	}
	country := p.Country
	cp := &customer.Params{Party: customer.Party{Name: ptr(strings.TrimSpace(p.Name)), Country: &country,
		Email: given(p.Email), Address: given(p.Address), State: given(p.State), TaxID: given(p.TaxID)}}
	ts := map[string]string{}
	if v := strings.TrimSpace(p.Activity); v != "" {
		ts["cl_activity_description"] = v
	}
	if v := strings.TrimSpace(p.Commune); v != "" {
		ts["cl_commune"] = v
	}
	if len(ts) > 0 {
		raw, _ := json.Marshal(ts)
		settings := json.RawMessage(raw)
		cp.TaxSettings = &settings
	}
	c, err := customer.CreatePayer(e.Ctx, e.Q, e.Scope, cp, e.Now)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// createInvoice creates the intent's invoice: one line for the link's
// net amount, collected automatically.
func createInvoice(e Env, in *Intent, l *Link) (string, error) {
	meta := json.RawMessage(fmt.Sprintf(`{"payment_link":%q,"payment_link_intent":%q}`, l.ID, in.ID))
	one, amount := decimal.NewFromInt(1), l.LineAmount.Round(2)
	dr := &document.Draft{Customer: document.RefTo(in.CustomerID), Document: &l.Document.ID, Currency: &l.Currency, Metadata: &meta,
		Date:             ptr(e.Now.In(loc(e.Scope)).Format(time.DateOnly)),
		CollectionMethod: ptr("automatically"),
		Lines:            []document.LineDraft{{Name: ptr(l.Description), Quantity: &one, Amount: &amount, Exempt: &l.Exempt}}}
	d, err := document.Create(e.Env, document.Invoice, dr)
	if err != nil {
		return "", err
	}
	return d.ID, nil
}
