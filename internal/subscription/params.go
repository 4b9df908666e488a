package subscription

import (
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/shopspring/decimal"
)

// Params is the command that creates a subscription (docs/billing.md#82-subscription-object).
// The HTTP edge decodes request bodies into it (shapes, types and formats);
// Create applies the rules that need the schedule or stored objects
// (customer, plans, add-ons, coupons, organisational units, sources). A nil
// pointer or an unset Nullable is a field not given.
type Params struct {
	// Keys are the fields the body carried, null values included.
	Keys map[string]bool
	// Errs are the fields the edge could not decode, reported together
	// with the rule errors; nil when every field decoded.
	Errs *apperr.Fields

	Customer         *string // a well-formed customer id
	Document         *string // the invoice type: a type id or its number within the workspace country
	DateStart        *string // YYYY-MM-DD
	NextBilling      opt.Nullable[string]
	Lines            *[]LineEntry // nil: not given (or not a valid list)
	Frequency        *string      // must match the plans' frequency
	BillingCycles    opt.Nullable[int]
	ExpirationDays   *int
	CollectionScheme *string
	DefaultSource    opt.Nullable[string]
	CustomChange     opt.Nullable[decimal.Decimal]
	RequireReference *bool
	References       *[]document.Reference // an empty list clears
	Note             opt.Nullable[string]
	Metadata         *json.RawMessage // canonical JSON; null clears to {}
	// Addons: Set with a nil Value clears them (null, or a list the edge
	// refused).
	Addons  opt.Nullable[[]AddonEntry]
	Coupon  opt.Nullable[string]
	Orgunit opt.Nullable[string]
}

// Patch is the command of a PATCH (docs/billing.md#89-update-rules): the
// fields of Params an update may change, plus what it must refuse.
type Patch struct {
	Params
	// CustomerGiven, when Set, is the customer the body named (Value nil
	// when it was not a string): only the current one is accepted.
	CustomerGiven opt.Nullable[string]
}

// Has reports whether the body carried key (null included).
func (p *Params) Has(key string) bool { return p.Keys[key] }

// errs is the decoding errors of p, copied so the rules can add theirs.
func (p *Params) errs() *apperr.Fields {
	if p.Errs == nil {
		return &apperr.Fields{}
	}
	return p.Errs.Clone()
}

// EntryRef is a reference inside a line or add-on entry. Sent: the key was
// in the entry (null included); ID: its value, when a well-formed id.
type EntryRef struct {
	Sent bool
	ID   *string
}

// Entry is what line and add-on entries share.
type Entry struct {
	// NotObject: the item was not a JSON object (Errs says so); nothing
	// else of it is read.
	NotObject bool
	// ID names a current item to keep and update (nil: a new one).
	ID *string
	// Errs are the entry's fields the edge could not decode.
	Errs *apperr.Fields
}

// LineEntry is one item of "lines": {id?, plan, quantity?, coupon?}.
type LineEntry struct {
	Entry
	Plan EntryRef
	// Quantity: Set when the key was sent; Value nil for null or a value
	// that is not a quantity (QuantityErr then says why). Whether a
	// quantity is wanted depends on the plan, so the edge does not report it.
	Quantity    opt.Nullable[decimal.Decimal]
	QuantityErr string
	Coupon      opt.Nullable[string]
}

// AddonEntry is one item of "addons": {id?, addon, quantity, rates?}.
type AddonEntry struct {
	Entry
	Addon EntryRef
	// Quantity: Set when the key was sent (errors of a sent value are in Errs).
	Quantity opt.Nullable[decimal.Decimal]
	// Rates: nil when not sent or refused; an empty list clears.
	Rates *[]Rate
}

// entryErrs is the decoding errors of an entry, copied.
func (en Entry) errs() *apperr.Fields {
	if en.Errs == nil {
		return &apperr.Fields{}
	}
	return en.Errs.Clone()
}

// errBody is the entry's errors as nested in the body ({} when none).
func errBody(f *apperr.Fields) any {
	if f.OK() {
		return map[string]any{}
	}
	return f.Map()
}

// Schemes are the collection schemes.
func Schemes() []string { return append([]string(nil), schemes...) }
