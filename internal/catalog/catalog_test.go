package catalog

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// mdRows parses the body rows of a markdown table copied from
// docs/catalogues.md, stripping backquotes.
func mdRows(t *testing.T, table string) [][]string {
	t.Helper()
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimPrefix(line, "|")
		line = strings.TrimSuffix(line, "|")
		cells := strings.Split(line, "|")
		for i, c := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(c), "`")
		}
		rows = append(rows, cells)
	}
	return rows
}

func mdBool(t *testing.T, s string) bool {
	t.Helper()
	b, err := strconv.ParseBool(s)
	if err != nil {
		t.Fatalf("bad bool %q", s)
	}
	return b
}

func mdInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad int %q", s)
	}
	return n
}

// ---------------------------------------------------------------- countries

func TestCountriesCountSortedUnique(t *testing.T) {
	cs := Countries()
	if len(cs) != 249 {
		t.Fatalf("len(Countries()) = %d, want 249", len(cs))
	}
	idRe := regexp.MustCompile(`^[A-Z]{2}$`)
	phoneRe := regexp.MustCompile(`^\+[1-9][0-9]{0,3}$`)
	curRe := regexp.MustCompile(`^[A-Z]{3}$`)
	seen := map[string]bool{}
	for i, c := range cs {
		if !idRe.MatchString(c.ID) {
			t.Errorf("bad country id %q", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("duplicate country id %q", c.ID)
		}
		seen[c.ID] = true
		if i > 0 && cs[i-1].ID >= c.ID {
			t.Errorf("countries not sorted: %q before %q", cs[i-1].ID, c.ID)
		}
		if c.Name == "" || c.NameEn == "" {
			t.Errorf("%s: empty name", c.ID)
		}
		if !phoneRe.MatchString(c.Code) {
			t.Errorf("%s: bad phone code %q", c.ID, c.Code)
		}
		if c.Currencies == nil {
			t.Errorf("%s: nil currencies (must serialise as [])", c.ID)
		}
		if len(c.Currencies) == 0 && c.ID != "AQ" {
			t.Errorf("%s: no currencies", c.ID)
		}
		for _, cur := range c.Currencies {
			if !curRe.MatchString(cur) {
				t.Errorf("%s: bad currency %q", c.ID, cur)
			}
		}
		if c.TaxPercent.IsNegative() || c.TaxPercent.GreaterThanOrEqual(decimal.NewFromInt(100)) {
			t.Errorf("%s: tax percent %s out of range", c.ID, c.TaxPercent)
		}
		if c.TimeZone == "" {
			t.Errorf("%s: empty time zone", c.ID)
		}
	}
}

// The tz database's iso3166.tab lists every officially assigned alpha-2
// code; when the machine has it, the catalogue must hold exactly those.
func TestCountriesMatchISO3166Tab(t *testing.T) {
	f, err := os.Open("/usr/share/zoneinfo/iso3166.tab")
	if err != nil {
		t.Skip("no iso3166.tab on this machine")
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want = append(want, strings.SplitN(line, "\t", 2)[0])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	var got []string
	for _, c := range Countries() {
		got = append(got, c.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("country ids differ from iso3166.tab (-tab +catalog):\n%s", diff)
	}
}

func TestCountryTimeZonesLoad(t *testing.T) {
	for _, c := range Countries() {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			t.Errorf("%s: time zone %q: %v", c.ID, c.TimeZone, err)
		}
	}
}

func TestSpecCountries(t *testing.T) {
	// docs/catalogues.md#1-countries.
	rows := mdRows(t, `
| `+"`CL`"+` | Chile / Chile | +56 | true | `+"`CLP`, `CLF`"+` | 19 | America/Santiago | RUT |
| `+"`MX`"+` | México / Mexico | +52 | true | `+"`MXN`"+` | 16 | America/Mexico_City | RFC |
| `+"`CO`"+` | Colombia / Colombia | +57 | true | `+"`COP`"+` | 19 | America/Bogota | NIT |
| `+"`PE`"+` | Perú / Peru | +51 | true | `+"`PEN`"+` | 18 | America/Lima | RUC |
| `+"`US`"+` | Estados Unidos / United States | +1 | false | `+"`USD`"+` | 0 | America/New_York | EIN |
`)
	for _, r := range rows {
		names := strings.Split(r[1], " / ")
		var curs []string
		for _, c := range strings.Split(r[4], ",") {
			curs = append(curs, strings.Trim(strings.TrimSpace(c), "`"))
		}
		want := Country{
			ID: r[0], Name: names[0], NameEn: names[1], Code: r[2],
			HasRegulation: mdBool(t, r[3]), Currencies: curs,
			TaxPercent: decimal.RequireFromString(r[5]), TimeZone: r[6], TaxIDName: r[7],
		}
		got, ok := CountryByID(want.ID)
		if !ok {
			t.Errorf("CountryByID(%q) not found", want.ID)
			continue
		}
		if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
			t.Errorf("country %s (-spec +catalog):\n%s", want.ID, diff)
		}
		if tz := DefaultTimeZone(want.ID); tz != want.TimeZone {
			t.Errorf("DefaultTimeZone(%q) = %q, want %q", want.ID, tz, want.TimeZone)
		}
		// Every currency of the spec countries is in the catalogue, and the
		// first one is that country's default currency.
		for i, id := range want.Currencies {
			cur, ok := CurrencyByID(id)
			if !ok {
				t.Errorf("%s: currency %s not in Currencies()", want.ID, id)
				continue
			}
			if cur.Country != want.ID || cur.Default != (i == 0) {
				t.Errorf("%s: currency %s has country %s default %v", want.ID, id, cur.Country, cur.Default)
			}
		}
	}
}

func TestCountryRegulationAndTaxIDName(t *testing.T) {
	wantReg := map[string]bool{"CL": true, "MX": true, "CO": true, "PE": true}
	wantTaxID := map[string]string{"CL": "RUT", "MX": "RFC", "CO": "NIT", "PE": "RUC", "US": "EIN"}
	for _, c := range Countries() {
		if c.HasRegulation != wantReg[c.ID] {
			t.Errorf("%s: has_regulation = %v", c.ID, c.HasRegulation)
		}
		if c.TaxIDName != wantTaxID[c.ID] {
			t.Errorf("%s: tax_id_name = %q, want %q", c.ID, c.TaxIDName, wantTaxID[c.ID])
		}
	}
}

func TestCountrySpotChecks(t *testing.T) {
	tests := []struct {
		id, name, nameEn, code string
		currencies             []string
		tz                     string
	}{
		{"ES", "España", "Spain", "+34", []string{"EUR"}, "Europe/Madrid"},
		{"PR", "Puerto Rico", "Puerto Rico", "+1", []string{"USD"}, "America/Puerto_Rico"},
		{"AR", "Argentina", "Argentina", "+54", []string{"ARS"}, "America/Argentina/Buenos_Aires"},
		{"BR", "Brasil", "Brazil", "+55", []string{"BRL"}, "America/Sao_Paulo"},
		{"GB", "Reino Unido", "United Kingdom", "+44", []string{"GBP"}, "Europe/London"},
		{"DE", "Alemania", "Germany", "+49", []string{"EUR"}, "Europe/Berlin"},
		{"CA", "Canadá", "Canada", "+1", []string{"CAD"}, "America/Toronto"},
	}
	for _, tt := range tests {
		c, ok := CountryByID(tt.id)
		if !ok {
			t.Errorf("CountryByID(%q) not found", tt.id)
			continue
		}
		if c.Name != tt.name || c.NameEn != tt.nameEn || c.Code != tt.code || !slices.Equal(c.Currencies, tt.currencies) || c.TimeZone != tt.tz {
			t.Errorf("%s = %+v", tt.id, c)
		}
	}
	if _, ok := CountryByID("ZZ"); ok {
		t.Error(`CountryByID("ZZ") found`)
	}
	if _, ok := CountryByID(""); ok {
		t.Error(`CountryByID("") found`)
	}
}

func TestDefaultTimeZone(t *testing.T) {
	tests := map[string]string{
		"CL": "America/Santiago", "US": "America/New_York", "MX": "America/Mexico_City",
		"CO": "America/Bogota", "PE": "America/Lima", "cl": "America/Santiago",
		"ES": "Europe/Madrid", "ZZ": "UTC", "": "UTC",
	}
	for in, want := range tests {
		if got := DefaultTimeZone(in); got != want {
			t.Errorf("DefaultTimeZone(%q) = %q, want %q", in, got, want)
		}
	}
}

// ------------------------------------------------------------------- states

func TestStatesCounts(t *testing.T) {
	want := map[string]int{"US": 51, "CL": 16, "MX": 32, "CO": 33, "PE": 26}
	got := map[string]int{}
	seen := map[string]bool{}
	ss := States()
	for i, s := range ss {
		got[s.Country]++
		if seen[s.ID] {
			t.Errorf("duplicate state id %q", s.ID)
		}
		seen[s.ID] = true
		if i > 0 && ss[i-1].ID >= s.ID {
			t.Errorf("states not sorted: %q before %q", ss[i-1].ID, s.ID)
		}
		if s.ID != s.Country+"-"+s.Code {
			t.Errorf("state %q: id is not country-code (%q, %q)", s.ID, s.Country, s.Code)
		}
		if s.Name == "" || s.Code == "" || strings.Contains(s.Code, "-") {
			t.Errorf("state %+v: bad name or code", s)
		}
		if _, ok := CountryByID(s.Country); !ok {
			t.Errorf("state %q: unknown country %q", s.ID, s.Country)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("states per country (-want +got):\n%s", diff)
	}
	if len(ss) != 51+16+32+33+26 {
		t.Errorf("len(States()) = %d", len(ss))
	}
}

func TestChileRegions(t *testing.T) {
	// docs/catalogues.md#2-states, verbatim.
	spec := "`AP` Arica y Parinacota, `TA` Tarapacá, `AN` Antofagasta, `AT`" +
		" Atacama, `CO` Coquimbo, `VS` Valparaíso, `RM` Región Metropolitana de" +
		" Santiago, `LI` Libertador General Bernardo O'Higgins, `ML` Maule, `NB`" +
		" Ñuble, `BI` Biobío, `AR` La Araucanía, `LR` Los Ríos, `LL` Los Lagos, `AI`" +
		" Aysén del General Carlos Ibáñez del Campo, `MA` Magallanes y de la Antártica" +
		" Chilena."
	re := regexp.MustCompile("`([A-Z]{2})` ([^`]+?)[,.]( |$)")
	var want []State
	for _, m := range re.FindAllStringSubmatch(spec, -1) {
		want = append(want, State{ID: "CL-" + m[1], Code: m[1], Name: m[2], Country: "CL"})
	}
	if len(want) != 16 {
		t.Fatalf("parsed %d regions from the spec", len(want))
	}
	slices.SortFunc(want, func(a, b State) int { return strings.Compare(a.ID, b.ID) })
	var got []State
	for _, s := range States() {
		if s.Country == "CL" {
			got = append(got, s)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Chilean regions (-spec +catalog):\n%s", diff)
	}
}

func TestStateSpotChecks(t *testing.T) {
	want := []State{
		{ID: "US-IL", Code: "IL", Name: "Illinois", Country: "US"},
		{ID: "US-DC", Code: "DC", Name: "District of Columbia", Country: "US"},
		{ID: "US-NY", Code: "NY", Name: "New York", Country: "US"},
		{ID: "MX-CMX", Code: "CMX", Name: "Ciudad de México", Country: "MX"},
		{ID: "MX-JAL", Code: "JAL", Name: "Jalisco", Country: "MX"},
		{ID: "CO-ANT", Code: "ANT", Name: "Antioquia", Country: "CO"},
		{ID: "CO-CUN", Code: "CUN", Name: "Cundinamarca", Country: "CO"},
		{ID: "CO-DC", Code: "DC", Name: "Distrito Capital de Bogotá", Country: "CO"},
		{ID: "PE-AMA", Code: "AMA", Name: "Amazonas", Country: "PE"},
		{ID: "PE-ARE", Code: "ARE", Name: "Arequipa", Country: "PE"},
		{ID: "PE-LMA", Code: "LMA", Name: "Municipalidad Metropolitana de Lima", Country: "PE"},
	}
	for _, w := range want {
		got, ok := StateByID(w.ID)
		if !ok || got != w {
			t.Errorf("StateByID(%q) = %+v, %v; want %+v", w.ID, got, ok, w)
		}
	}
	// US outlying areas are countries of their own, not states.
	for _, id := range []string{"US-PR", "US-GU", "US-VI", "US-AS", "US-MP", "US-UM"} {
		if _, ok := StateByID(id); ok {
			t.Errorf("StateByID(%q) found", id)
		}
	}
}

func TestStateOf(t *testing.T) {
	tests := []struct {
		country, in string
		wantID      string // "" = not found
	}{
		{"CL", "RM", "CL-RM"},
		{"CL", "CL-RM", "CL-RM"},
		{"CL", "rm", "CL-RM"},
		{"cl", "cl-rm", "CL-RM"},
		{"CL", " RM ", "CL-RM"},
		{"US", "IL", "US-IL"},
		{"MX", "CMX", "MX-CMX"},
		{"CO", "DC", "CO-DC"},
		{"US", "DC", "US-DC"},
		{"PE", "PE-LMA", "PE-LMA"},
		{"CL", "ZZ", ""},
		{"CL", "CL-ZZ", ""},
		{"CL", "IL", ""},    // a US state
		{"CL", "US-IL", ""}, // a US state by id
		{"US", "RM", ""},
		{"US", "CL-RM", ""},
		{"CO", "CL-CO", ""}, // CO is a Chilean region code, not a Colombian one
		{"CL", "", ""},
		{"", "RM", ""},
		{"ES", "MD", ""},
		{"ZZ", "RM", ""},
	}
	for _, tt := range tests {
		got, ok := StateOf(tt.country, tt.in)
		if tt.wantID == "" {
			if ok {
				t.Errorf("StateOf(%q, %q) = %+v, want not found", tt.country, tt.in, got)
			}
			continue
		}
		if !ok || got.ID != tt.wantID {
			t.Errorf("StateOf(%q, %q) = %+v, %v; want %s", tt.country, tt.in, got, ok, tt.wantID)
		}
	}
	// Every state resolves both ways within its own country.
	for _, s := range States() {
		if got, ok := StateOf(s.Country, s.Code); !ok || got != s {
			t.Errorf("StateOf(%q, %q) = %+v, %v", s.Country, s.Code, got, ok)
		}
		if got, ok := StateOf(s.Country, s.ID); !ok || got != s {
			t.Errorf("StateOf(%q, %q) = %+v, %v", s.Country, s.ID, got, ok)
		}
	}
}

func TestHasStates(t *testing.T) {
	for _, c := range Countries() {
		want := slices.Contains([]string{"US", "CL", "MX", "CO", "PE"}, c.ID)
		if got := HasStates(c.ID); got != want {
			t.Errorf("HasStates(%q) = %v, want %v", c.ID, got, want)
		}
	}
	if !HasStates("cl") {
		t.Error(`HasStates("cl") = false`)
	}
	if HasStates("") || HasStates("ZZ") {
		t.Error("HasStates of unknown country = true")
	}
}

// --------------------------------------------------------------- currencies

func TestCurrencies(t *testing.T) {
	// docs/catalogues.md#3-currencies-public.
	rows := mdRows(t, "| `USD` | Dólar Estadounidense | American Dollar | null | US | true | true | true | false |\n"+
		"| `CLP` | Peso Chileno | Chilean Peso | null | CL | true | true | true | true |\n"+
		"| `CLF` | Unidad de Fomento | Unidad de Fomento | `CLP` | CL | false | false | true | false |\n"+
		"| `MXN` | Peso Mexicano | Mexican Peso | null | MX | true | true | true | false |\n"+
		"| `COP` | Peso Colombiano | Colombian Peso | null | CO | true | true | true | false |\n"+
		"| `PEN` | Sol Peruano | Peruvian Sol | null | PE | true | true | true | false |\n"+
		"| `EUR` | Euro | Euro | null | ES | true | true | true | false |")
	var want []Currency
	for _, r := range rows {
		conv := r[3]
		if conv == "null" {
			conv = ""
		}
		want = append(want, Currency{
			ID: r[0], Name: r[1], NameEn: r[2], Conversion: conv, Country: r[4],
			Default: mdBool(t, r[5]), IsChargeable: mdBool(t, r[6]), Available: mdBool(t, r[7]), Rounded: mdBool(t, r[8]),
		})
	}
	if diff := cmp.Diff(want, Currencies()); diff != "" {
		t.Errorf("currencies (-spec +catalog):\n%s", diff)
	}
	for _, c := range Currencies() {
		if got, ok := CurrencyByID(c.ID); !ok || got != c {
			t.Errorf("CurrencyByID(%q) = %+v, %v", c.ID, got, ok)
		}
		if c.Conversion != "" {
			if _, ok := CurrencyByID(c.Conversion); !ok {
				t.Errorf("%s: conversion to unknown currency %q", c.ID, c.Conversion)
			}
		}
		country, ok := CountryByID(c.Country)
		if !ok {
			t.Errorf("%s: unknown country %q", c.ID, c.Country)
		} else if !slices.Contains(country.Currencies, c.ID) {
			t.Errorf("%s: not listed in the currencies of %s (%v)", c.ID, c.Country, country.Currencies)
		} else if c.Default && country.Currencies[0] != c.ID {
			t.Errorf("%s: default currency of %s but not first in %v", c.ID, c.Country, country.Currencies)
		}
	}
	if _, ok := CurrencyByID("XXX"); ok {
		t.Error(`CurrencyByID("XXX") found`)
	}
}

// ----------------------------------------------------------- document types

func TestDocumentTypes(t *testing.T) {
	// docs/catalogues.md#4-document-types; columns: id code name kind tax has_taxes
	// has_taxes_detail has_lines_total has_local_format hold_taxes is_sale
	// is_purchase is_order send given max_lines.
	rows := mdRows(t, `
| US1 | 1 | Invoice | invoice | 0 | true | true | false | false | false | true | true | false | false | false | 500 |
| US2 | 2 | Order | order | 0 | true | true | false | false | false | false | false | true | false | false | 500 |
| US3 | 3 | Credit note | credit_note | 0 | true | true | false | false | false | true | false | false | false | false | 500 |
| US4 | 4 | Debit note | debit_note | 0 | true | true | false | false | false | true | false | false | false | false | 500 |
| US5 | 5 | Purchase | purchase | 0 | true | true | false | false | false | false | true | false | false | false | 500 |
| US6 | 6 | Purchase credit note | credit_note | 0 | true | true | false | false | false | false | true | false | false | false | 500 |
| US7 | 7 | Retention | retention | 0 | false | false | false | false | true | false | true | false | false | false | 100 |
| CL33 | 33 | Factura electrónica | invoice | 19 | true | true | false | true | false | true | true | false | true | true | 60 |
| CL34 | 34 | Factura exenta electrónica | invoice | 0 | false | false | false | true | false | true | true | false | true | true | 60 |
| CL39 | 39 | Boleta electrónica | invoice | 19 | true | false | true | true | false | true | false | false | true | false | 1000 |
| CL46 | 46 | Factura de compra electrónica | purchase | 19 | true | true | false | true | true | false | true | false | true | false | 60 |
| CL52 | 52 | Guía de despacho electrónica | order | 19 | true | true | false | true | false | false | false | true | true | false | 60 |
| CL56 | 56 | Nota de débito electrónica | debit_note | 19 | true | true | false | true | false | true | true | false | true | false | 60 |
| CL61 | 61 | Nota de crédito electrónica | credit_note | 19 | true | true | false | true | false | true | true | false | true | false | 60 |
`)
	var want []DocumentType
	for _, r := range rows {
		d := DocumentType{
			ID: r[0], Code: r[1], Name: r[2], Kind: r[3], Tax: decimal.RequireFromString(r[4]),
			HasTaxes: mdBool(t, r[5]), HasTaxesDetail: mdBool(t, r[6]), HasLinesTotal: mdBool(t, r[7]),
			HasLocalFormat: mdBool(t, r[8]), HoldTaxes: mdBool(t, r[9]), IsSale: mdBool(t, r[10]),
			IsPurchase: mdBool(t, r[11]), IsOrder: mdBool(t, r[12]), Send: mdBool(t, r[13]), Given: mdBool(t, r[14]),
			MaxLines: mdInt(t, r[15]),
		}
		if strings.HasPrefix(d.ID, "US") {
			d.Country, d.Currency, d.Biller = "US", "USD", "none"
		} else {
			d.Country, d.Currency, d.Biller = "CL", "CLP", "cl_sii"
		}
		want = append(want, d)
	}
	got := DocumentTypes()
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("document types (-spec +catalog):\n%s", diff)
	}
	kinds := []string{KindInvoice, KindOrder, KindCreditNote, KindDebitNote, KindPurchase, KindRetention, KindCancellation}
	for _, d := range got {
		if d.ID != d.Country+d.Code {
			t.Errorf("%s: id is not country+code", d.ID)
		}
		if !slices.Contains(kinds, d.Kind) {
			t.Errorf("%s: unknown kind %q", d.ID, d.Kind)
		}
		if _, ok := CurrencyByID(d.Currency); !ok {
			t.Errorf("%s: unknown currency %q", d.ID, d.Currency)
		}
		if d.IsForeign {
			t.Errorf("%s: is_foreign = true", d.ID)
		}
		if g, ok := DocumentTypeByID(d.ID); !ok || !cmp.Equal(g, d, decimalEqual) {
			t.Errorf("DocumentTypeByID(%q) = %+v, %v", d.ID, g, ok)
		}
	}
	if _, ok := DocumentTypeByID("CL99"); ok {
		t.Error(`DocumentTypeByID("CL99") found`)
	}
}

func TestDocumentTypeCL33(t *testing.T) {
	got, ok := DocumentTypeByID("CL33")
	if !ok {
		t.Fatal("CL33 not found")
	}
	want := DocumentType{
		ID: "CL33", Code: "33", Name: "Factura electrónica", Country: "CL", Currency: "CLP",
		Kind: "invoice", Tax: decimal.NewFromInt(19),
		HasTaxes: true, HasTaxesDetail: true, HasLinesTotal: false, HasLocalFormat: true, HoldTaxes: false,
		IsForeign: false, IsSale: true, IsPurchase: true, IsOrder: false, Send: true, Given: true,
		Biller: "cl_sii", MaxLines: 60,
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("CL33 (-want +got):\n%s", diff)
	}
}

// ---------------------------------------------------------- reference types

func TestReferenceTypes(t *testing.T) {
	rows := mdRows(t, `
| 801 | Orden de compra | CL |
| 802 | Nota de pedido | CL |
| 803 | Contrato | CL |
| 804 | Resolución | CL |
| HES | Hoja de entrada de servicio | CL |
| SET | Set de pruebas (SII certification) | CL |
| PO | Purchase order | US |
| CTR | Contract | US |
`)
	var want []ReferenceType
	for _, r := range rows {
		want = append(want, ReferenceType{ID: r[0], Name: r[1], Country: r[2]})
	}
	if diff := cmp.Diff(want, ReferenceTypes()); diff != "" {
		t.Errorf("reference types (-spec +catalog):\n%s", diff)
	}
	for _, r := range want {
		if _, ok := DocumentTypeByID(r.ID); ok {
			t.Errorf("reference type %q collides with a document type id", r.ID)
		}
		if got, ok := ReferenceTypeByID(r.ID); !ok || got != r {
			t.Errorf("ReferenceTypeByID(%q) = %+v, %v", r.ID, got, ok)
		}
	}
	if _, ok := ReferenceTypeByID("999"); ok {
		t.Error(`ReferenceTypeByID("999") found`)
	}
}

// -------------------------------------------------------------- frequencies

func TestFrequencies(t *testing.T) {
	rows := mdRows(t, `
| weekly | Semanal | Weekly | week | 1 |
| monthly | Mensual | Monthly | month | 1 |
| quarterly | Trimestral | Quarterly | month | 3 |
| biannual | Semestral | Every six months | month | 6 |
| annual | Anual | Annual | month | 12 |
`)
	var want []Frequency
	for _, r := range rows {
		want = append(want, Frequency{ID: r[0], Name: r[1], NameEn: r[2], Interval: r[3], IntervalCount: mdInt(t, r[4])})
	}
	if diff := cmp.Diff(want, Frequencies()); diff != "" {
		t.Errorf("frequencies (-spec +catalog):\n%s", diff)
	}
	for _, f := range want {
		if got, ok := FrequencyByID(f.ID); !ok || got != f {
			t.Errorf("FrequencyByID(%q) = %+v, %v", f.ID, got, ok)
		}
	}
	if _, ok := FrequencyByID("daily"); ok {
		t.Error(`FrequencyByID("daily") found`)
	}
}

// ------------------------------------------------------------------- copies

func TestAccessorsReturnCopies(t *testing.T) {
	cs := Countries()
	cs[0].Name = "mutated"
	cs[0].Currencies[0] = "XXX"
	if c := Countries()[0]; c.Name == "mutated" || c.Currencies[0] == "XXX" {
		t.Error("Countries() exposes the catalogue")
	}
	cl, _ := CountryByID("CL")
	cl.Currencies[0] = "XXX"
	cl.Currencies = append(cl.Currencies, "YYY")
	if again, _ := CountryByID("CL"); !slices.Equal(again.Currencies, []string{"CLP", "CLF"}) {
		t.Errorf("CountryByID exposes the catalogue: %v", again.Currencies)
	}

	ss := States()
	ss[0].Name = "mutated"
	if States()[0].Name == "mutated" {
		t.Error("States() exposes the catalogue")
	}
	cur := Currencies()
	cur[0].Name = "mutated"
	if Currencies()[0].Name == "mutated" {
		t.Error("Currencies() exposes the catalogue")
	}
	ds := DocumentTypes()
	ds[0].Name = "mutated"
	if DocumentTypes()[0].Name == "mutated" {
		t.Error("DocumentTypes() exposes the catalogue")
	}
	rs := ReferenceTypes()
	rs[0].Name = "mutated"
	if ReferenceTypes()[0].Name == "mutated" {
		t.Error("ReferenceTypes() exposes the catalogue")
	}
	fs := Frequencies()
	fs[0].Name = "mutated"
	if Frequencies()[0].Name == "mutated" {
		t.Error("Frequencies() exposes the catalogue")
	}
}
