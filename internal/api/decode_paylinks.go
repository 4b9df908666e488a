package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/taxid"
)

// Request bodies of payment links (docs/payments.md#4-payment-links to docs/payments.md#5-payment-link-intents-and-the-hosted-checkout) decoded into
// paylink commands.

// decodeIntent reads the payer's POST of an intent (docs/payments.md#52-intent-creation-body): the payer
// (links without a customer) and the card (card gateways).
func decodeIntent(e paylink.Env, l *paylink.Link, o *input.Object) (paylink.IntentParams, error) {
	var c paylink.IntentParams
	if l.CustomerID == "" {
		c.Payer = readPayer(e, l, o)
	}
	g, _ := e.Deps.Gateways.Adapter(l.Gateway)
	if g != nil && g.Info().Checkout == gateway.CheckoutCardForm {
		raw, present := o.Raw("card")
		m, isMap := raw.(map[string]any)
		switch {
		case !present || raw == nil:
			o.Fail("card", input.MsgRequired)
		case !isMap:
			o.Fail("card", input.MsgDict(input.TypeName(raw)))
		default:
			if _, errs := gateway.ParseCard(m, e.Now.In(scopeLoc(e.Scope))); len(errs) > 0 {
				o.FailNested("card", errs)
			}
			c.Card = m
		}
	} else if raw, ok := o.Raw("card"); ok {
		c.Card, _ = raw.(map[string]any)
	}
	return c, o.Err()
}

// readPayer reads the payer block against the link's payer_fields.
func readPayer(e paylink.Env, l *paylink.Link, o *input.Object) *paylink.Payer {
	raw, present := o.Raw("payer")
	m, isMap := raw.(map[string]any)
	switch {
	case !present || raw == nil:
		o.Fail("payer", input.MsgRequired)
		return nil
	case !isMap:
		o.Fail("payer", input.MsgDict(input.TypeName(raw)))
		return nil
	}
	need := map[string]bool{}
	for _, f := range l.PayerFields() {
		need[f] = true
	}
	p := input.New(m, false)
	out := map[string]string{}
	if v, ok := p.String("name", input.StrOpt{Required: true, Max: 100}); ok && v != nil {
		out["name"] = *v
	}
	if v, ok := p.Email("email", input.StrOpt{Required: true, Max: 64}); ok && v != nil {
		out["email"] = *v
	}
	country := e.Scope.Country
	if v, ok := p.String("country", input.StrOpt{}); ok && v != nil {
		if _, found := catalog.CountryByID(*v); found {
			country = *v
		} else {
			p.Fail("country", input.MsgPK(*v))
		}
	}
	out["country"] = country
	for _, f := range []struct {
		key string
		max int
	}{{"tax_id", 64}, {"address", 64}, {"state", 64}, {"activity", 40}, {"commune", 20}} {
		v, ok := p.String(f.key, input.StrOpt{Required: need[f.key], Max: f.max})
		if !ok || v == nil {
			continue
		}
		switch f.key {
		case "tax_id":
			if taxid.HasAlgorithm(country) {
				norm, err := taxid.Normalize(country, *v)
				if err != nil {
					p.Fail("tax_id", err.Error())
					continue
				}
				v = &norm
			}
		case "state":
			if catalog.HasStates(country) {
				st, found := catalog.StateOf(country, *v)
				if !found {
					p.Fail("state", fmt.Sprintf("State %q does not belong to country %s.", *v, country))
					continue
				}
				code := st.Code
				v = &code
			}
		}
		out[f.key] = *v
	}
	if !p.OK() {
		o.FailNested("payer", p.Errors())
		return nil
	}
	return &paylink.Payer{Name: out["name"], Email: out["email"], Country: country, TaxID: out["tax_id"], Address: out["address"],
		State: out["state"], Activity: out["activity"], Commune: out["commune"]}
}

// decodeLink reads a POST (creating) or PATCH/PUT body of a payment link
// (docs/payments.md#43-create-body to docs/payments.md#44-update-and-archive). Errors travel in the command: an update reports them only
// once the link is known to exist and may still change.
func decodeLink(e paylink.Env, o *input.Object, creating bool) (paylink.LinkParams, error) {
	c := paylink.LinkParams{Given: given(o)}
	if v, ok := o.Decimal("amount", creating, money.ParseMoney); ok {
		if v.Sign() <= 0 {
			o.Fail("amount", msgPositive)
		}
		c.Amount = &v
	}
	if v, ok := o.String("currency", input.StrOpt{Required: creating || o.Has("currency")}); ok && v != nil {
		if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
			c.Currency = v
		} else {
			o.Fail("currency", input.MsgPK(*v))
		}
	}
	if o.Has("description") {
		if v, ok := o.String("description", input.StrOpt{Max: 80}); ok {
			c.Description = v
		}
	}
	decodeLinkDocument(e, o, &c)
	if v, ok := o.Bool("exempt", false); ok {
		c.Exempt = &v
	}
	if v, ok := o.Bool("single_use", false); ok {
		c.SingleUse = &v
	}
	if v, ok := o.Choice("capture_method", false, "automatic", "manual"); ok {
		c.CaptureMethod = &v
	}
	if v, ok := o.Choice("status", false, paylink.StatusActive, paylink.StatusArchived); ok {
		c.Status = &v
	}
	if v, ok := o.URL("return_url", input.StrOpt{Max: 2048}); ok {
		c.ReturnURL = v
	}
	if raw, present := o.Raw("expires"); present && raw != nil && raw != "" {
		if s, isStr := raw.(string); !isStr {
			o.Fail("expires", input.MsgDateTime)
		} else if t, err := list.ParseDateTime(s, scopeLoc(e.Scope)); err != nil {
			o.Fail("expires", input.MsgDateTime)
		} else {
			us := t.UnixMicro()
			c.Expires = &us
		}
	}
	if v, ok := o.Metadata("metadata"); ok {
		c.Metadata = &v
	}
	if err := decodeLinkRefs(e, o, &c); err != nil {
		return c, err
	}
	c.Errs = fieldErrors(o)
	return c, nil
}

// decodeLinkDocument reads document: a type id, or its number in the
// workspace country.
func decodeLinkDocument(e paylink.Env, o *input.Object, c *paylink.LinkParams) {
	raw, present := o.Raw("document")
	if !present || raw == nil {
		return
	}
	s := ""
	switch x := raw.(type) {
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		s = string(x)
	}
	if s != "" && strings.Trim(s, "0123456789") == "" {
		s = e.Scope.Country + s
	}
	t, found := catalog.DocumentTypeByID(s)
	switch {
	case !found || !t.Available(e.Scope.Country):
		o.Fail("document", input.MsgPK(s))
	case t.Kind != catalog.KindInvoice:
		o.Fail("document", fmt.Sprintf("Document type %s cannot be used for invoices.", t.ID))
	default:
		c.Document = &t.ID
	}
}

// decodeLinkRefs resolves customer, invoice and gateway.
func decodeLinkRefs(e paylink.Env, o *input.Object, c *paylink.LinkParams) error {
	if v, ok := o.Ref("customer", false, true, anyID); ok && v != nil {
		cu, msg, err := customer.Ref(e.Ctx, e.Q, e.D, e.Scope, *v, false)
		if err != nil {
			return err
		}
		if msg != "" {
			o.Fail("customer", msg)
		} else {
			c.CustomerID = &cu.ID
		}
	}
	if v, ok := o.Ref("invoice", false, true, anyID); ok && v != nil {
		inv, err := document.Get(e.Env, document.Invoice, *v)
		if ae, isApp := apperr.As(err); isApp && ae.Kind == apperr.NotFound {
			o.Fail("invoice", input.MsgPK(*v))
		} else if err != nil {
			return err
		} else {
			c.Invoice = inv
		}
	}
	if v, ok := o.String("gateway", input.StrOpt{}); ok && v != nil {
		g, msg, err := payment.GatewayFor(e.Env, *v)
		switch {
		case err != nil:
			return err
		case msg != "":
			o.Fail("gateway", msg)
		case g.Info().Kind != "card":
			o.Fail("gateway", fmt.Sprintf("The %s gateway cannot be used by payment links in this mode.", *v))
		default:
			c.Gateway = v
		}
	}
	return nil
}
