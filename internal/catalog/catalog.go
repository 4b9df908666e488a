// Package catalog holds Cobro's read-only reference data
// (docs/catalogues.md#1-countries to docs/catalogues.md#6-frequencies): countries, states, currencies, document types, reference types and
// billing frequencies, plus lookups over them.
//
// The data ships with Cobro and never changes at run time. Every accessor
// returns copies, so callers may modify the values they get without
// affecting the catalogue.
package catalog

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Country is one ISO 3166-1 country (docs/catalogues.md#1-countries).
type Country struct {
	ID            string // ISO 3166-1 alpha-2, e.g. "CL"
	Name          string // Spanish name
	NameEn        string // English name
	Code          string // international phone prefix, e.g. "+56" (also served as phone_code)
	HasRegulation bool   // a tax agency regulates invoicing (CL, MX, CO, PE)
	Currencies    []string
	TaxPercent    decimal.Decimal
	TimeZone      string // IANA zone, default workspace time zone
	TaxIDName     string // local name of the tax id ("RUT", "RFC"…); "" when none (null in JSON)
}

// State is an ISO 3166-2 subdivision (docs/catalogues.md#2-states).
type State struct {
	ID      string // "CL-RM"
	Code    string // "RM": what customers, suppliers and orders store in state
	Name    string
	Country string
}

// Currency is an ISO 4217 currency available in Cobro (docs/catalogues.md#3-currencies-public).
type Currency struct {
	ID           string
	Name         string // Spanish name
	NameEn       string
	Conversion   string // currency it is invoiced in ("CLF" → "CLP"); "" = null, invoiced as is
	Country      string
	Default      bool // main currency of Country
	IsChargeable bool
	Available    bool
	Rounded      bool // amounts round to whole units (scale 0)
}

// Document kinds (DocumentType.Kind).
const (
	KindInvoice      = "invoice"
	KindOrder        = "order"
	KindCreditNote   = "credit_note"
	KindDebitNote    = "debit_note"
	KindPurchase     = "purchase"
	KindRetention    = "retention"
	KindCancellation = "cancellation"
)

// Billers (DocumentType.Biller).
const (
	BillerNone  = "none"
	BillerCLSII = "cl_sii"
)

// DocumentType says how a transaction is declared (docs/catalogues.md#4-document-types).
type DocumentType struct {
	ID             string // country + fiscal code, "CL33"
	Code           string // fiscal code, "33"
	Name           string
	Country        string
	Currency       string // base currency id
	Kind           string // one of the Kind* constants
	Tax            decimal.Decimal
	HasTaxes       bool
	HasTaxesDetail bool
	HasLinesTotal  bool
	HasLocalFormat bool
	HoldTaxes      bool
	IsForeign      bool
	IsSale         bool
	IsPurchase     bool // also served as the legacy is_purshase
	IsOrder        bool
	Send           bool
	Given          bool
	Biller         string // BillerNone or BillerCLSII
	MaxLines       int
}

// ReferenceType is a code accepted in references[].document besides
// document type ids (docs/catalogues.md#5-reference-types).
type ReferenceType struct {
	ID      string
	Name    string
	Country string
}

// Frequency is a billing frequency (docs/catalogues.md#6-frequencies).
type Frequency struct {
	ID            string
	Name          string // Spanish name
	NameEn        string
	Interval      string // "week" or "month"
	IntervalCount int
}

// Frequency intervals.
const (
	IntervalWeek  = "week"
	IntervalMonth = "month"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	countryIndex   map[string]int
	stateIndex     map[string]int
	statesOf       map[string]bool
	currencyIndex  map[string]int
	documentIndex  map[string]int
	frequencyIndex map[string]int
)

func init() {
	slices.SortFunc(countries, func(a, b Country) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(states, func(a, b State) int { return strings.Compare(a.ID, b.ID) })
	countryIndex = index(countries, func(c Country) string { return c.ID })
	stateIndex = index(states, func(s State) string { return s.ID })
	statesOf = make(map[string]bool)
	for _, s := range states {
		statesOf[s.Country] = true
	}
	currencyIndex = index(currencies, func(c Currency) string { return c.ID })
	documentIndex = index(documentTypes, func(d DocumentType) string { return d.ID })
	frequencyIndex = index(frequencies, func(f Frequency) string { return f.ID })
}

func index[T any](items []T, key func(T) string) map[string]int {
	m := make(map[string]int, len(items))
	for i, it := range items {
		k := key(it)
		if _, dup := m[k]; dup {
			panic("catalog: duplicate id " + k)
		}
		m[k] = i
	}
	return m
}

// lookup is the item of items whose id index gives.
func lookup[T any](items []T, index map[string]int, id string) (T, bool) {
	i, ok := index[id]
	if !ok {
		var zero T
		return zero, false
	}
	return items[i], true
}

func copyCountry(c Country) Country {
	c.Currencies = slices.Clone(c.Currencies)
	if c.Currencies == nil {
		c.Currencies = []string{}
	}
	return c
}

// Countries returns every ISO 3166-1 country, sorted by ID.
func Countries() []Country {
	out := make([]Country, len(countries))
	for i, c := range countries {
		out[i] = copyCountry(c)
	}
	return out
}

// CountryByID returns the country with the given alpha-2 id (exact match,
// upper case).
func CountryByID(id string) (Country, bool) {
	c, ok := lookup(countries, countryIndex, id)
	if !ok {
		return c, false
	}
	return copyCountry(c), true
}

// States returns every state, sorted by ID.
func States() []State { return slices.Clone(states) }

// StateByID returns the state with the given ISO 3166-2 id ("CL-RM", exact
// match).
func StateByID(id string) (State, bool) { return lookup(states, stateIndex, id) }

// StateOf resolves a state of country given either its code ("RM") or its
// full id ("CL-RM"), case-insensitively. It fails when the state does not
// exist or belongs to another country.
func StateOf(country, codeOrID string) (State, bool) {
	country = strings.ToUpper(strings.TrimSpace(country))
	v := strings.ToUpper(strings.TrimSpace(codeOrID))
	if country == "" || v == "" {
		return State{}, false
	}
	id := country + "-" + v
	if strings.HasPrefix(v, country+"-") {
		// Full id given. A code never contains a hyphen, so "CL-RM" cannot
		// also be a code.
		id = v
	}
	i, ok := stateIndex[id]
	if !ok || states[i].Country != country {
		return State{}, false
	}
	return states[i], true
}

// HasStates reports whether Cobro tracks states for country (US, CL, MX, CO,
// PE). For other countries a state is optional and free.
func HasStates(country string) bool {
	return statesOf[strings.ToUpper(strings.TrimSpace(country))]
}

// Currencies returns the currency catalogue in catalogue order.
func Currencies() []Currency { return slices.Clone(currencies) }

// CurrencyByID returns the currency with the given ISO 4217 id.
func CurrencyByID(id string) (Currency, bool) { return lookup(currencies, currencyIndex, id) }

// DocumentTypes returns the document type catalogue in catalogue order.
func DocumentTypes() []DocumentType { return slices.Clone(documentTypes) }

// DocumentTypeByID returns the document type with the given id ("CL33").
func DocumentTypeByID(id string) (DocumentType, bool) {
	return lookup(documentTypes, documentIndex, id)
}

// ReferenceTypes returns the reference type catalogue in catalogue order.
func ReferenceTypes() []ReferenceType { return slices.Clone(referenceTypes) }

// ReferenceTypeByID returns the reference type with the given id ("801").
func ReferenceTypeByID(id string) (ReferenceType, bool) {
	for _, r := range referenceTypes {
		if r.ID == id {
			return r, true
		}
	}
	return ReferenceType{}, false
}

// Frequencies returns the billing frequencies, shortest first.
func Frequencies() []Frequency { return slices.Clone(frequencies) }

// FrequencyByID returns the frequency with the given id ("monthly").
func FrequencyByID(id string) (Frequency, bool) { return lookup(frequencies, frequencyIndex, id) }

// DefaultTimeZone returns the default workspace time zone for a country
// (docs/conventions.md#3-authentication-and-headers: CL America/Santiago, US America/New_York, MX America/Mexico_City,
// CO America/Bogota, PE America/Lima; other countries use the catalogue's
// representative zone). Unknown countries get "UTC".
func DefaultTimeZone(country string) string {
	if i, ok := countryIndex[strings.ToUpper(strings.TrimSpace(country))]; ok && countries[i].TimeZone != "" {
		return countries[i].TimeZone
	}
	return "UTC"
}

// spanish lists the countries whose documents are printed in Spanish.
var spanish = map[string]bool{"CL": true, "MX": true, "CO": true, "PE": true, "AR": true, "BO": true, "CR": true, "CU": true,
	"DO": true, "EC": true, "ES": true, "GQ": true, "GT": true, "HN": true, "NI": true, "PA": true, "PY": true, "SV": true, "UY": true, "VE": true}

// Language is the language documents of a country are printed in: "es"
// or "en".
func Language(country string) string {
	if spanish[country] {
		return "es"
	}
	return "en"
}
