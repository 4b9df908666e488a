// Package document is the fiscal-document engine, written once: lines,
// totals, draft-only edits, numbering, finalize with the biller hand-off,
// PDFs and events. Invoices, credit notes, debit notes and orders are
// configurations of it (Kind); purchases and retentions will be too.
package document

import (
	"github.com/cobrobilling/cobro/internal/catalog"
)

// Kind configures the engine for one resource.
type Kind struct {
	Name     string // stored in documents.kind: "invoice", "credit_note"…
	Prefix   string // id prefix: "inv"
	Plural   string // in messages: "invoices", "credit notes"
	Event    string // event object: "invoice", "creditnote"
	Path     string // "/invoices/"
	TypeKind string // catalogue kind the resource accepts
	NoteMax  int
	// OrderLines: the reduced order line (no discounts or retentions).
	OrderLines bool
	// Adjusts: credit and debit notes take their customer, currency and
	// tax rate from an invoice (purchase credit notes: from a purchase).
	Adjusts bool
	// Buying: the purchase side (a supplier instead of a customer).
	Buying bool
	// Title is the PDF/heading name by language when the type has none.
}

var (
	Invoice    = &Kind{Name: "invoice", Prefix: "inv", Plural: "invoices", Event: "invoice", Path: "/invoices/", TypeKind: catalog.KindInvoice, NoteMax: 256}
	CreditNote = &Kind{Name: "credit_note", Prefix: "crn", Plural: "credit notes", Event: "creditnote", Path: "/creditnotes/", TypeKind: catalog.KindCreditNote, NoteMax: 64, Adjusts: true}
	DebitNote  = &Kind{Name: "debit_note", Prefix: "dbn", Plural: "debit notes", Event: "debitnote", Path: "/debitnotes/", TypeKind: catalog.KindDebitNote, NoteMax: 64, Adjusts: true}
	Order      = &Kind{Name: "order", Prefix: "ord", Plural: "orders", Event: "order", Path: "/orders/", TypeKind: catalog.KindOrder, NoteMax: 100, OrderLines: true}
)

// Kinds lists every kind the engine serves.
var Kinds = []*Kind{Invoice, CreditNote, DebitNote, Order, Purchase, PurchaseCreditNote, Retention}

// accepts tells whether a document type can be used by the kind
// (docs/catalogues.md#4-document-types "Which resource accepts which type").
func (k *Kind) accepts(t catalog.DocumentType) bool {
	if k == Purchase {
		return t.IsPurchase && (t.Kind == catalog.KindPurchase || t.Kind == catalog.KindInvoice || t.Kind == catalog.KindDebitNote)
	}
	if t.Kind != k.TypeKind {
		return false
	}
	switch k {
	case Invoice, CreditNote, DebitNote:
		return t.IsSale
	case PurchaseCreditNote:
		return t.IsPurchase
	case Purchase:
		return false // see below: any is_purchase type of kind purchase, invoice or debit note
	}
	return true
}

// Statuses.
const (
	StatusDraft         = "draft"
	StatusPending       = "pending"
	StatusFinalized     = "finalized"
	StatusPaid          = "paid"
	StatusUncollectible = "uncollectible"
	StatusCancelled     = "cancelled"
)
