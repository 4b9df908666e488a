package document

import (
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/shopspring/decimal"
)

// Draft is the command that creates a document of any kind or updates a
// draft. The HTTP edge (internal/api/decode) decodes request bodies into
// it; in-process callers (subscription runs, payment links) fill it
// directly. A nil pointer is a field not given: an update leaves it alone.
//
// Which fields a kind reads: invoices and orders (Customer, the sale
// fields, orders the delivery fields), credit notes (Invoice) and debit
// notes (Invoice or CreditNote), purchases (Supplier, Number), purchase
// credit notes and retentions (Purchase).
type Draft struct {
	// Keys are the fields the body carried, null values included (an
	// update of a finalized document may carry metadata alone).
	Keys map[string]bool
	// Errs are the fields the edge could not decode, reported together
	// with the engine's own rule errors; nil when every field decoded.
	Errs *apperr.Fields

	Customer, Supplier     Ref
	Invoice, CreditNote    Ref
	Purchase               Ref
	Document               *string // a type id, or its number within the workspace country
	Number                 *int64
	Currency               *string
	TaxPercent             *decimal.Decimal
	Date                   *string
	Note, InternalNote     Nullable[string]
	Metadata               *json.RawMessage // canonical JSON; null clears to {}
	References             *[]Reference     // an empty list clears
	DueDate                Nullable[string]
	PeriodStart, PeriodEnd Nullable[string]
	CollectionMethod       *string
	CustomChange           Nullable[decimal.Decimal]
	Discount               *decimal.Decimal
	DiscountScheme         *string
	ShippingType           *string
	Address, State         Nullable[string]
	CarrierID, CarrierName Nullable[string]
	LicencePlate           Nullable[string]
	Lines                  []LineDraft
	TaxSettings            map[string]any // agency keys of a note (numbers as json.Number)
	// Status is a status the body carried: refused unless it is the
	// document's own ("" when it was not a string).
	Status *string
}

// Has reports whether the body carried key (null included).
func (dr *Draft) Has(key string) bool { return dr.Keys[key] }

// Ref is a field naming another object. Given: the field came with a
// value (not null); ID: that value, when it is a well-formed id (else the
// edge recorded why in Errs). On an update of a note or a credit, ID is
// the text sent, compared with the current one.
type Ref struct {
	Given bool
	ID    *string
}

// RefTo is a Ref to objectID (in-process callers).
func RefTo(objectID string) Ref { return Ref{Given: true, ID: &objectID} }

// Nullable is a field an update may set, clear or leave alone.
type Nullable[T any] = opt.Nullable[T]

// Of is a Nullable set to v.
func Of[T any](v T) Nullable[T] { return opt.Of(v) }

// LineDraft is one line of a Draft. The whole list replaces the lines; a
// line that carries the id of a current line keeps it.
type LineDraft struct {
	ID                          string
	Name, Description           *string
	Quantity, Amount            *decimal.Decimal
	Exempt                      *bool
	TaxPercent                  *decimal.Decimal
	Discount                    *decimal.Decimal
	DiscountScheme              *string
	RetentionPercent            *decimal.Decimal
	RetentionScheme             *string
	Code, CodeScheme, UnitLabel *string
	Plan                        *string // a plan id, checked against the workspace
	// Errs are the line's fields the edge could not decode.
	Errs *apperr.Fields
}

// errs is the decoding errors of dr, copied so the rules can add theirs.
func (dr *Draft) errs() *apperr.Fields {
	if dr.Errs == nil {
		return &apperr.Fields{}
	}
	return dr.Errs.Clone()
}
