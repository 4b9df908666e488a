package biller

import (
	"context"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/pdf"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Rules are what a tax agency adds to the generic document engine: the
// receiver data it needs, the carrier of a delivery document, the tax
// settings of a note, and its elements on the PDF. The engine asks the
// biller of a document's type for them (Set.RulesFor); a biller without
// rules leaves the engine's generic behaviour.
type Rules interface {
	// Receiver says what the receiver of a document of type t lacks at
	// finalize ("" when nothing): the customer of a sale, or (supplier
	// true) the supplier of a purchase document the workspace issues.
	Receiver(t catalog.DocumentType, p Party, supplier bool) string
	// Carrier checks the carrier of a delivery document as it will be
	// stored (given: the body carried an id) and returns the id to keep;
	// field errors go on fe. prev is the id before the update.
	Carrier(fe *apperr.Fields, given bool, id, prev, name *string) *string
	// NoteDefaults completes the tax settings of a new credit or debit
	// note (full: the note copies everything it adjusts).
	NoteDefaults(settings map[string]any, creating, full bool)
	// LineRetention is the withholding of a purchase line of type t that
	// gives none (ok false: none).
	LineRetention(t catalog.DocumentType) (percent, scheme string, ok bool)
	// Cancelled is the message recorded when a finalized order is
	// cancelled ("" when the agency needs nothing).
	Cancelled(date string, number int64) string
	// PartyLines adds the agency's lines for a party's tax settings to its
	// block on the PDF.
	PartyLines(p *pdf.Party, settings map[string]any)
	// PDF adds the agency's elements to the PDF of a document it issued.
	PDF(ctx context.Context, q store.Querier, sc workspace.Scope, d Printed, doc *pdf.Document) error
}

// Printed is what an agency needs to lay out a document's PDF.
type Printed struct {
	Kind    string // "invoice", "credit_note"…
	Type    catalog.DocumentType
	Date    string
	DueDate *string
	// File is the fiscal file the agency accepted (nil on drafts and
	// before finalize).
	File []byte
	// Cedible: the copy for a factoring company (docs/tax-agency.md#11-pdf-with-pdf417-chile).
	Cedible bool
}

// RulesFor returns the rules of the agency of type t, if it has any.
func (s Set) RulesFor(t catalog.DocumentType) (Rules, bool) {
	r, ok := s.For(t).(Rules)
	return r, ok
}
