package api

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/taxid"
)

// Request bodies of payment links (payments.md §4–§5) decoded into
// paylink commands.

// decodeIntent reads the payer's POST of an intent (§5.2): the payer
// (links without a customer) and the card (card gateways).
func decodeIntent(e paylink.Env, l *paylink.Link, o *input.Object) (paylink.IntentParams, error) {
	var c paylink.IntentParams
	if l.CustomerID == "" {
		c.Payer = readPayer(e, l, o)
	}
	g, _ := gateway.Get(l.Gateway)
	if g != nil && g.Info().Kind == "card" {
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
