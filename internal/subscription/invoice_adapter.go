package subscription

import (
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/input"
)

// createInvoice creates a run's invoice (docs/billing.md#85-what-a-run-does steps 5–7). It is
// the one call that still hands the document engine a request body: the
// engine takes a typed document.Draft on the typed-doc branch, and this
// function switches to it in place.
func (e env) createInvoice(s *Sub, ri *runInvoice) (*document.Doc, error) {
	today, d, pr := e.today(), ri.dates, ri.price
	body := map[string]any{
		"customer": s.CustomerID, "document": s.TypeID, "date": today.String(),
		"due_date": today.AddDays(s.ExpirationDays).String(),
	}
	items := make([]any, len(ri.lines))
	for i, l := range ri.lines {
		items[i] = l.body()
	}
	body["lines"] = items
	if !pr.local {
		body["currency"] = pr.currency
	}
	if pr.customChange != nil {
		body["custom_change"] = *pr.customChange
	}
	if d.licensedPeriod {
		body["period_start"], body["period_end"] = d.B.String(), d.Bnext.AddDays(-1).String()
	} else {
		body["period_start"], body["period_end"] = d.P.String(), d.B.AddDays(-1).String()
	}
	body["collection_method"] = "deferred"
	if s.CollectionScheme == SchemeChargePayment {
		body["collection_method"] = "automatically"
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
	if ri.discount != nil {
		body["discount"], body["discount_scheme"] = *ri.discount, ri.discountScheme
	}
	de := e.doc()
	de.PlansChecked = true
	return document.CreateForSubscription(de, input.New(body, false), s.ID)
}

// body is the line as the document engine reads it today.
func (l invoiceLine) body() map[string]any {
	m := map[string]any{"name": l.name, "description": l.description, "quantity": l.quantity, "amount": l.amount, "exempt": l.exempt}
	if l.plan != nil {
		m["plan"] = *l.plan
	}
	if l.code != nil {
		m["code"], m["code_scheme"] = *l.code, "INT1"
	}
	if l.unitLabel != nil {
		m["unit_label"] = *l.unitLabel
	}
	if l.discount != nil {
		m["discount"], m["discount_scheme"] = *l.discount, l.discountScheme
	}
	return m
}
