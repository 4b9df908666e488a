package customer

import (
	"encoding/json"
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/taxid"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Party is what the commands of customers and suppliers share: who they
// are and where (docs/billing.md#1-customers, docs/procurement.md#12-supplier-object-and-body). A nil or unset
// field is not given: an update leaves it alone. The HTTP edge
// (internal/api/decode) decodes bodies into it.
type Party struct {
	Name                           *string
	Country                        *string
	Currency                       opt.Nullable[string] // null: the country's default
	State, TaxID                   opt.Nullable[string]
	Address, Email, Phone, Website opt.Nullable[string]
	TaxSettings                    *json.RawMessage // canonical JSON
	Metadata                       *json.RawMessage // canonical JSON; null clears to {}
}

// PartyRecord is the writable state of a customer or supplier.
type PartyRecord struct {
	Name, Country, Currency                      string
	Address, Email, Phone, Website, State, TaxID *string
	TaxSettings, Metadata                        string
}

// PartyRules are the differences between customers and suppliers.
type PartyRules struct {
	Noun         string // "customers", "suppliers": in the tax_id message
	RequireState bool   // a country with tracked states needs one
	// CountryFirst: state and tax_id are looked at only once the country
	// is known (customers), so their own errors wait for it.
	CountryFirst bool
}

// ApplyParty applies p onto rec and checks the result: country and
// currency exist, state and tax_id against the resulting country (so an
// update of the country re-validates them). Errors go on fe, after those
// the edge recorded.
func ApplyParty(fe *apperr.Fields, p *Party, rec *PartyRecord, sc workspace.Scope, rules PartyRules) {
	opt.Assign(&rec.Name, p.Name)
	countryOK := !fe.Has("country")
	if v := p.Country; v != nil {
		if _, found := catalog.CountryByID(*v); found {
			rec.Country = *v
		} else {
			fe.Add("country", apperr.MsgPK(*v))
			countryOK = false
		}
	}
	for _, f := range []struct {
		v   opt.Nullable[string]
		dst **string
	}{{p.Address, &rec.Address}, {p.Email, &rec.Email}, {p.Phone, &rec.Phone}, {p.Website, &rec.Website}, {p.State, &rec.State}, {p.TaxID, &rec.TaxID}} {
		f.v.Apply(f.dst)
	}
	if p.Metadata != nil {
		rec.Metadata = string(*p.Metadata)
	}
	if p.TaxSettings != nil {
		rec.TaxSettings = string(*p.TaxSettings)
	}
	if p.Currency.Set {
		if v := p.Currency.Value; v == nil {
			rec.Currency = "" // back to the country's default below
		} else if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
			rec.Currency = *v
		} else {
			fe.Add("currency", apperr.MsgPK(*v))
		}
	}
	if !countryOK || rec.Country == "" {
		if rules.CountryFirst {
			fe.Drop("state", "tax_id")
		}
		return
	}
	country, _ := catalog.CountryByID(rec.Country)
	if rec.Currency == "" {
		rec.Currency = defaultCurrency(country, sc)
	}
	if !fe.Has("state") {
		checkState(fe, rec, rules.RequireState)
	}
	if !fe.Has("tax_id") {
		checkTaxID(fe, rec, country, sc, rules.Noun)
	}
}

// checkState: a country with tracked states takes one of its own, stored
// as its code.
func checkState(fe *apperr.Fields, rec *PartyRecord, required bool) {
	switch {
	case !catalog.HasStates(rec.Country):
	case rec.State == nil && required:
		fe.Add("state", apperr.MsgRequired)
	case rec.State == nil:
	default:
		if st, ok := catalog.StateOf(rec.Country, *rec.State); ok {
			code := st.Code
			rec.State = &code
		} else {
			fe.Add("state", fmt.Sprintf("State %q does not belong to country %s.", *rec.State, rec.Country))
		}
	}
}

// checkTaxID: required in the workspace's own regulated country, and
// normalised where the country's algorithm is known.
func checkTaxID(fe *apperr.Fields, rec *PartyRecord, country catalog.Country, sc workspace.Scope, noun string) {
	if rec.TaxID == nil {
		if country.HasRegulation && country.ID == sc.Country {
			fe.Add("tax_id", fmt.Sprintf("This field is required for %s in %s.", noun, country.ID))
		}
		return
	}
	if taxid.HasAlgorithm(country.ID) {
		if norm, err := taxid.Normalize(country.ID, *rec.TaxID); err != nil {
			fe.Add("tax_id", err.Error())
		} else {
			rec.TaxID = &norm
		}
	}
}

// defaultCurrency is the country's first available currency, else the
// workspace's.
func defaultCurrency(c catalog.Country, sc workspace.Scope) string {
	for _, id := range c.Currencies {
		if cur, ok := catalog.CurrencyByID(id); ok && cur.Available {
			return id
		}
	}
	return sc.Currency
}
