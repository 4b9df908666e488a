package subscription

import (
	"github.com/cobrobilling/cobro/internal/document"
)

// createInvoice creates a run's invoice (docs/billing.md#85-what-a-run-does steps 5–7)
// through the document engine, with every rule it applies to any invoice.
func (e env) createInvoice(s *Sub, ri *runInvoice, held bool) (*document.Doc, error) {
	today, d, pr := e.today(), ri.dates, ri.price
	dr := &document.Draft{Customer: document.RefTo(s.CustomerID), Document: ptrTo(s.TypeID), Date: ptrTo(today.String()),
		DueDate: document.Of(today.AddDays(s.ExpirationDays).String()), CollectionMethod: ptrTo("deferred")}
	for _, l := range ri.lines {
		dr.Lines = append(dr.Lines, l.draft())
	}
	if !pr.local {
		dr.Currency = ptrTo(pr.currency)
	}
	if pr.customChange != nil {
		dr.CustomChange = document.Of(*pr.customChange)
	}
	if d.licensedPeriod {
		dr.PeriodStart, dr.PeriodEnd = document.Of(d.B.String()), document.Of(d.Bnext.AddDays(-1).String())
	} else {
		dr.PeriodStart, dr.PeriodEnd = document.Of(d.P.String()), document.Of(d.B.AddDays(-1).String())
	}
	if s.CollectionScheme == SchemeChargePayment {
		dr.CollectionMethod = ptrTo("automatically")
	}
	if s.Note != nil {
		dr.Note = document.Of(*s.Note)
	}
	if len(s.Refs) > 0 {
		refs := make([]document.Reference, len(s.Refs))
		for i, r := range s.Refs {
			refs[i] = document.Reference{Date: r.Date, Document: r.Document, Serial: r.Serial, Description: r.Description}
		}
		dr.References = &refs
	}
	if ri.discount != nil {
		dr.Discount, dr.DiscountScheme = ri.discount, ptrTo(ri.discountScheme)
	}
	de := e.doc()
	de.PlansChecked = true
	if held {
		return document.CreateHeld(de, dr, s.ID)
	}
	return document.CreateForSubscription(de, dr, s.ID)
}

// draft is the line as the document engine takes it.
func (l invoiceLine) draft() document.LineDraft {
	q, a, exempt := l.quantity, l.amount, l.exempt
	ld := document.LineDraft{Name: ptrTo(l.name), Quantity: &q, Amount: &a, Exempt: &exempt, Plan: l.plan, UnitLabel: l.unitLabel}
	if l.description != "" {
		ld.Description = ptrTo(l.description)
	}
	if l.code != nil {
		ld.Code, ld.CodeScheme = l.code, ptrTo("INT1")
	}
	if l.discount != nil {
		ld.Discount, ld.DiscountScheme = l.discount, ptrTo(l.discountScheme)
	}
	return ld
}

func ptrTo[T any](v T) *T { return &v }
