package catalog

import (
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/money"
)

// The API shapes of the catalogue objects (docs/catalogues.md).

type CountryView struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	NameEn        string        `json:"name_en"`
	Code          string        `json:"code"`
	PhoneCode     string        `json:"phone_code"`
	HasRegulation bool          `json:"has_regulation"`
	Currencies    []string      `json:"currencies"`
	TaxPercent    money.Percent `json:"tax_percent"`
	TimeZone      string        `json:"time_zone"`
	TaxIDName     *string       `json:"tax_id_name"`
}

func (c Country) View() CountryView {
	return CountryView{ID: c.ID, Name: c.Name, NameEn: c.NameEn, Code: c.Code, PhoneCode: c.Code, HasRegulation: c.HasRegulation,
		Currencies: append([]string{}, c.Currencies...), TaxPercent: money.NewPercent(c.TaxPercent), TimeZone: c.TimeZone,
		TaxIDName: nullIfEmpty(c.TaxIDName)}
}

// nullIfEmpty is s, or nil (JSON null) when the catalogue leaves it empty.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type StateView struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

func (s State) View() StateView {
	return StateView{ID: s.ID, Code: s.Code, Name: s.Name, Country: s.Country}
}

type CurrencyView struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	NameEn       string  `json:"name_en"`
	Conversion   *string `json:"conversion"`
	Country      string  `json:"country"`
	Default      bool    `json:"default"`
	IsChargeable bool    `json:"is_chargeable"`
	Available    bool    `json:"available"`
	Rounded      bool    `json:"rounded"`
}

func (c Currency) View() CurrencyView {
	return CurrencyView{ID: c.ID, Name: c.Name, NameEn: c.NameEn, Conversion: nullIfEmpty(c.Conversion), Country: c.Country, Default: c.Default,
		IsChargeable: c.IsChargeable, Available: c.Available, Rounded: c.Rounded}
}

type DocumentTypeView struct {
	ID             string        `json:"id"`
	Code           string        `json:"code"`
	Name           string        `json:"name"`
	Country        string        `json:"country"`
	Currency       CurrencyView  `json:"currency"`
	Tax            money.Percent `json:"tax"`
	Kind           string        `json:"kind"`
	HasTaxes       bool          `json:"has_taxes"`
	HasTaxesDetail bool          `json:"has_taxes_detail"`
	HasLinesTotal  bool          `json:"has_lines_total"`
	HasLocalFormat bool          `json:"has_local_format"`
	HoldTaxes      bool          `json:"hold_taxes"`
	IsForeign      bool          `json:"is_foreign"`
	IsSale         bool          `json:"is_sale"`
	IsPurchase     bool          `json:"is_purchase"`
	IsPurshase     bool          `json:"is_purshase"`
	IsOrder        bool          `json:"is_order"`
	Send           bool          `json:"send"`
	Given          bool          `json:"given"`
	Biller         string        `json:"biller"`
	MaxLines       int           `json:"max_lines"`
	Available      bool          `json:"available"`
}

// Available tells whether a workspace of the given country may use d:
// types without a local format everywhere, the others in their country.
func (d DocumentType) Available(workspaceCountry string) bool {
	return !d.HasLocalFormat || d.Country == workspaceCountry
}

func (d DocumentType) View(workspaceCountry string) DocumentTypeView {
	cur, _ := CurrencyByID(d.Currency)
	return DocumentTypeView{ID: d.ID, Code: d.Code, Name: d.Name, Country: d.Country, Currency: cur.View(),
		Tax: money.NewPercent(d.Tax), Kind: d.Kind, HasTaxes: d.HasTaxes, HasTaxesDetail: d.HasTaxesDetail,
		HasLinesTotal: d.HasLinesTotal, HasLocalFormat: d.HasLocalFormat, HoldTaxes: d.HoldTaxes, IsForeign: d.IsForeign,
		IsSale: d.IsSale, IsPurchase: d.IsPurchase, IsPurshase: d.IsPurchase, IsOrder: d.IsOrder, Send: d.Send,
		Given: d.Given, Biller: d.Biller, MaxLines: d.MaxLines, Available: d.Available(workspaceCountry)}
}

type ReferenceTypeView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Country string `json:"country"`
}

func (r ReferenceType) View() ReferenceTypeView {
	return ReferenceTypeView{ID: r.ID, Name: r.Name, Country: r.Country}
}

type FrequencyView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	NameEn        string `json:"name_en"`
	Interval      string `json:"interval"`
	IntervalCount int    `json:"interval_count"`
}

func (f Frequency) View() FrequencyView {
	return FrequencyView{ID: f.ID, Name: f.Name, NameEn: f.NameEn, Interval: f.Interval, IntervalCount: f.IntervalCount}
}

// RateView is an exchange rate (docs/catalogues.md#7-exchange-rates).
type RateView struct {
	ID           string          `json:"id"`
	CurrencyFrom string          `json:"currency_from"`
	CurrencyTo   string          `json:"currency_to"`
	Amount       json.RawMessage `json:"amount"`
	Date         string          `json:"date"`
	Created      json.RawMessage `json:"created"`
	Updated      json.RawMessage `json:"updated"`
}
