package document

import (
	"encoding/json"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/shopspring/decimal"
)

// TypeSummary is the embedded document type (docs/conventions.md#6-expansion-on-reads).
type TypeSummary struct {
	ID       string               `json:"id"`
	Name     string               `json:"name"`
	Code     string               `json:"code"`
	Country  string               `json:"country"`
	Currency catalog.CurrencyView `json:"currency"`
}

// TypeSummaryOf is the embedded document type of a type id.
func TypeSummaryOf(id string) TypeSummary { return typeSummary(id) }

func typeSummary(id string) TypeSummary {
	t, _ := catalog.DocumentTypeByID(id)
	cur, _ := catalog.CurrencyByID(t.Currency)
	return TypeSummary{ID: t.ID, Name: t.Name, Code: t.Code, Country: t.Country, Currency: cur.View()}
}

// SaleLine is the sale line of docs/documents.md#01-sale-line.
type SaleLine struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Description      *string        `json:"description"`
	Quantity         money.Quantity `json:"quantity"`
	Amount           money.Money    `json:"amount"`
	Exempt           bool           `json:"exempt"`
	Discount         money.Money    `json:"discount"`
	DiscountScheme   string         `json:"discount_scheme"`
	TaxPercent       money.Percent  `json:"tax_percent"`
	Tax              *money.Money   `json:"tax"`
	RetentionPercent money.Percent  `json:"retention_percent"`
	RetentionScheme  string         `json:"retention_scheme"`
	Retention        *money.Money   `json:"retention"`
	Code             *string        `json:"code"`
	CodeScheme       *string        `json:"code_scheme"`
	UnitLabel        *string        `json:"unit_label"`
	Plan             *string        `json:"plan"`
	Total            money.Money    `json:"total"`
	Created          clock.Stamp    `json:"created"`
	Updated          clock.Stamp    `json:"updated"`
}

// OrderLine is the order line of docs/documents.md#42-order-object.
type OrderLine struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description *string        `json:"description"`
	Quantity    money.Quantity `json:"quantity"`
	Amount      money.Money    `json:"amount"`
	Exempt      bool           `json:"exempt"`
	Tax         *money.Money   `json:"tax"`
	TaxPercent  money.Percent  `json:"tax_percent"`
	Total       money.Money    `json:"total"`
	Created     clock.Stamp    `json:"created"`
	Updated     clock.Stamp    `json:"updated"`
}

// Amounts are the totals of a sale or purchase document; the views
// embed them (and the blocks below) so each shows them alike, in order.
type Amounts struct {
	Amount     money.Money   `json:"amount"`
	Exempt     *money.Money  `json:"exempt"`
	Tax        *money.Money  `json:"tax"`
	TaxPercent money.Percent `json:"tax_percent"`
	Subtotal   money.Money   `json:"subtotal"`
	Total      money.Money   `json:"total"`
}

// Deductions are what is withheld from or discounted on the total.
type Deductions struct {
	Retention      *money.Money `json:"retention"`
	Discount       money.Money  `json:"discount"`
	DiscountScheme string       `json:"discount_scheme"`
}

// Filing is the document's status and its standing with the tax agency.
type Filing struct {
	Status       string          `json:"status"`
	BillerStatus string          `json:"biller_status"`
	TaxAgency    json.RawMessage `json:"tax_agency"`
	LocalFile    *string         `json:"local_file"`
}

// Record is the bookkeeping every document view ends with.
type Record struct {
	Imported bool            `json:"imported"`
	Metadata json.RawMessage `json:"metadata"`
	TestMode bool            `json:"test_mode"`
	Created  clock.Stamp     `json:"created"`
	Updated  clock.Stamp     `json:"updated"`
}

// Invoice is the invoice object of docs/documents.md#12-invoice-object.
type InvoiceView struct {
	ID               string            `json:"id"`
	Customer         *customer.Summary `json:"customer"`
	Document         TypeSummary       `json:"document"`
	Number           *int64            `json:"number"`
	Currency         string            `json:"currency"`
	Date             string            `json:"date"`
	DueDate          *string           `json:"due_date"`
	PeriodStart      *string           `json:"period_start"`
	PeriodEnd        *string           `json:"period_end"`
	CollectionMethod *string           `json:"collection_method"`
	Note             *string           `json:"note"`
	Lines            []SaleLine        `json:"lines"`
	Amounts
	TotalAdjusted money.Money `json:"total_adjusted"`
	Deductions
	CustomChange json.RawMessage `json:"custom_change"`
	Filing
	Subscription  *string          `json:"subscription"`
	Imported      bool             `json:"imported"`
	Uncollectible clock.NullStamp  `json:"uncollectible"`
	References    []Reference      `json:"references"`
	Payments      []InvoicePayment `json:"payments"`
	Metadata      json.RawMessage  `json:"metadata"`
	User          *string          `json:"user"`
	TestMode      bool             `json:"test_mode"`
	Created       clock.Stamp      `json:"created"`
	Updated       clock.Stamp      `json:"updated"`
}

// NoteView is a credit note (docs/documents.md#22-credit-note-object) or a debit note (docs/documents.md#32-debit-note-object).
type NoteView struct {
	ID           string            `json:"id"`
	CreditNote   *string           `json:"credit_note,omitempty"`
	Invoice      *string           `json:"invoice"`
	Customer     *customer.Summary `json:"customer"`
	Document     TypeSummary       `json:"document"`
	Number       *int64            `json:"number"`
	Date         string            `json:"date"`
	Currency     string            `json:"currency"`
	Note         *string           `json:"note"`
	InternalNote *string           `json:"internal_note"`
	Lines        []SaleLine        `json:"lines"`
	Amounts
	Deductions
	TaxSettings json.RawMessage `json:"tax_settings"`
	Filing
	Record
}

// DebitNoteView always writes credit_note (null when absent).
type DebitNoteView struct {
	ID         string  `json:"id"`
	CreditNote *string `json:"credit_note"`
	NoteView
}

// OrderView is the order object of docs/documents.md#42-order-object (the seed's shape).
type OrderView struct {
	ID           string            `json:"id"`
	Customer     *customer.Summary `json:"customer"`
	Number       *int64            `json:"number"`
	Document     TypeSummary       `json:"document"`
	TestMode     bool              `json:"test_mode"`
	Date         string            `json:"date"`
	Address      *string           `json:"address"`
	CarrierID    *string           `json:"carrier_id"`
	CarrierName  *string           `json:"carrier_name"`
	State        *string           `json:"state"`
	LicencePlate *string           `json:"licence_plate"`
	ShippingType *string           `json:"shipping_type"`
	Lines        []OrderLine       `json:"lines"`
	Amount       money.Money       `json:"amount"`
	Exempt       *money.Money      `json:"exempt"`
	Tax          *money.Money      `json:"tax"`
	TaxPercent   money.Percent     `json:"tax_percent"`
	Total        money.Money       `json:"total"`
	Note         *string           `json:"note"`
	References   []Reference       `json:"references"`
	LocalFile    *string           `json:"local_file"`
	TaxAgency    json.RawMessage   `json:"tax_agency"`
	BillerStatus string            `json:"biller_status"`
	Imported     bool              `json:"imported"`
	Status       string            `json:"status"`
	Created      clock.Stamp       `json:"created"`
	Updated      clock.Stamp       `json:"updated"`
}

// PurchaseView is the purchase object of docs/procurement.md#22-purchase-object.
type PurchaseView struct {
	ID       string             `json:"id"`
	Supplier *supplier.Supplier `json:"supplier"`
	Document TypeSummary        `json:"document"`
	Number   *int64             `json:"number"`
	Date     string             `json:"date"`
	DueDate  *string            `json:"due_date"`
	Currency string             `json:"currency"`
	Lines    []SaleLine         `json:"lines"`
	Note     *string            `json:"note"`
	Amounts
	TotalAdjusted money.Money `json:"total_adjusted"`
	Deductions
	TaxSettings json.RawMessage `json:"tax_settings"`
	Filing
	Record
}

// PurchaseNoteView is the purchase credit note of docs/procurement.md#32-object.
type PurchaseNoteView struct {
	ID           string             `json:"id"`
	Purchase     string             `json:"purchase"`
	Supplier     *supplier.Supplier `json:"supplier"`
	Document     TypeSummary        `json:"document"`
	Number       *int64             `json:"number"`
	Date         string             `json:"date"`
	Currency     string             `json:"currency"`
	Lines        []SaleLine         `json:"lines"`
	Note         *string            `json:"note"`
	InternalNote *string            `json:"internal_note"`
	Amounts
	Deductions
	TaxSettings json.RawMessage `json:"tax_settings"`
	Filing
	Record
}

// RetentionLine is the retention line of docs/procurement.md#42-retention-object.
type RetentionLine struct {
	ID               string        `json:"id"`
	Name             string        `json:"name"`
	Description      *string       `json:"description"`
	Amount           money.Money   `json:"amount"`
	RetentionPercent money.Percent `json:"retention_percent"`
	Retention        money.Money   `json:"retention"`
	Total            money.Money   `json:"total"`
	Created          clock.Stamp   `json:"created"`
	Updated          clock.Stamp   `json:"updated"`
}

// RetentionView is the retention object of docs/procurement.md#42-retention-object.
type RetentionView struct {
	ID           string             `json:"id"`
	Supplier     *supplier.Supplier `json:"supplier"`
	Purchase     string             `json:"purchase"`
	Document     TypeSummary        `json:"document"`
	Number       *int64             `json:"number"`
	Date         string             `json:"date"`
	Currency     string             `json:"currency"`
	Lines        []RetentionLine    `json:"lines"`
	Amount       money.Money        `json:"amount"`
	Retention    money.Money        `json:"retention"`
	Total        money.Money        `json:"total"`
	Note         *string            `json:"note"`
	InternalNote *string            `json:"internal_note"`
	Bulk         *string            `json:"bulk"`
	Cancellation *string            `json:"cancellation"`
	Filing
	Record
}

// Renderer turns stored documents into API objects.
type Renderer struct {
	Loc       *time.Location
	Customers map[string]*customer.Summary
	Suppliers map[string]*supplier.Supplier
	// Payments are the invoices' payments by invoice id.
	Payments map[string][]InvoicePayment
	// FileURL signs a local_file URL for a stored file id.
	FileURL func(fileID string) string
}

func mon(d decimal.Decimal) money.Money { return money.NewMoney(d) }

func monp(d *decimal.Decimal) *money.Money {
	if d == nil {
		return nil
	}
	m := money.NewMoney(*d)
	return &m
}

func monps(s *string) *money.Money {
	if s == nil {
		return nil
	}
	m := money.NewMoney(dec(*s))
	return &m
}

func quantity(s string) money.Quantity {
	q, err := decimal.NewFromString(s)
	if err != nil {
		return money.NewQuantity(decimal.Zero)
	}
	return money.NewQuantity(q)
}

func (r *Renderer) stamp(us int64) clock.Stamp { return clock.Stamp{Micros: us, Loc: r.Loc} }

func (r *Renderer) localFile(d *Doc) *string {
	if d.LocalFile == nil || r.FileURL == nil || d.Status == StatusDraft {
		return nil
	}
	u := r.FileURL(*d.LocalFile)
	return &u
}

func (r *Renderer) saleLines(d *Doc) []SaleLine {
	out := make([]SaleLine, len(d.Lines))
	for i, l := range d.Lines {
		out[i] = SaleLine{ID: l.ID, Name: l.Name, Description: l.Description, Quantity: quantity(l.Quantity), Amount: mon(dec(l.Amount)),
			Exempt: l.Exempt, Discount: mon(dec(l.Discount)), DiscountScheme: l.DiscountScheme, TaxPercent: money.NewPercent(dec(l.TaxPercent)),
			Tax: monps(l.Tax), RetentionPercent: money.NewPercent(dec(l.RetentionPercent)), RetentionScheme: l.RetentionScheme,
			Retention: monps(l.Retention), Code: l.Code, CodeScheme: l.CodeScheme, UnitLabel: l.UnitLabel, Plan: l.Plan,
			Total: mon(dec(l.Total)), Created: r.stamp(l.Created), Updated: r.stamp(l.Updated)}
	}
	return out
}

func amounts(d *Doc) Amounts {
	return Amounts{Amount: mon(d.Amount), Exempt: monp(d.Exempt), Tax: monp(d.Tax), TaxPercent: money.NewPercent(d.TaxPercent),
		Subtotal: mon(d.Subtotal), Total: mon(d.Total)}
}

func deductions(d *Doc) Deductions {
	return Deductions{Retention: monp(d.Retention), Discount: mon(d.Discount), DiscountScheme: d.DiscountScheme}
}

func (r *Renderer) filing(d *Doc) Filing {
	return Filing{Status: d.Status, BillerStatus: d.BillerStatus, TaxAgency: d.TaxAgency, LocalFile: r.localFile(d)}
}

func (r *Renderer) record(d *Doc) Record {
	return Record{Imported: d.Imported, Metadata: d.Metadata, TestMode: d.TestMode, Created: r.stamp(d.Created), Updated: r.stamp(d.Updated)}
}

// totalAdjusted is the total after credit and debit notes (the total
// until one is issued).
func totalAdjusted(d *Doc) money.Money {
	if d.TotalAdjusted != nil {
		return mon(*d.TotalAdjusted)
	}
	return mon(d.Total)
}

func refs(d *Doc) []Reference {
	if d.Refs == nil {
		return []Reference{}
	}
	return d.Refs
}

// View renders d as the API object of its kind.
func (r *Renderer) View(d *Doc) any {
	cus := r.Customers[d.CustomerID]
	switch d.Kind {
	case Retention.Name:
		lines := make([]RetentionLine, len(d.Lines))
		for i, l := range d.Lines {
			lines[i] = RetentionLine{ID: l.ID, Name: l.Name, Description: l.Description, Amount: mon(dec(l.Amount)),
				RetentionPercent: money.NewPercent(dec(l.RetentionPercent)), Retention: mon(dec(deref(l.Retention))), Total: mon(dec(l.Total)),
				Created: r.stamp(l.Created), Updated: r.stamp(l.Updated)}
		}
		ret := mon(decimal.Zero)
		if d.Retention != nil {
			ret = mon(*d.Retention)
		}
		return &RetentionView{ID: d.ID, Supplier: r.Suppliers[d.SupplierID], Purchase: d.PurchaseID, Document: typeSummary(d.TypeID),
			Number: d.Number, Date: d.Date, Currency: d.Currency, Lines: lines, Amount: mon(d.Amount), Retention: ret, Total: mon(d.Total),
			Note: d.Note, InternalNote: d.InternalNote, Cancellation: d.CancellationID, Filing: r.filing(d), Record: r.record(d)}
	case Purchase.Name:
		return &PurchaseView{ID: d.ID, Supplier: r.Suppliers[d.SupplierID], Document: typeSummary(d.TypeID), Number: d.Number, Date: d.Date,
			DueDate: d.DueDate, Currency: d.Currency, Lines: r.saleLines(d), Note: d.Note, Amounts: amounts(d), TotalAdjusted: totalAdjusted(d),
			Deductions: deductions(d), TaxSettings: d.TaxSettings, Filing: r.filing(d), Record: r.record(d)}
	case PurchaseCreditNote.Name:
		return &PurchaseNoteView{ID: d.ID, Purchase: d.PurchaseID, Supplier: r.Suppliers[d.SupplierID], Document: typeSummary(d.TypeID),
			Number: d.Number, Date: d.Date, Currency: d.Currency, Lines: r.saleLines(d), Note: d.Note, InternalNote: d.InternalNote,
			Amounts: amounts(d), Deductions: deductions(d), TaxSettings: d.TaxSettings, Filing: r.filing(d), Record: r.record(d)}
	case Invoice.Name:
		v := &InvoiceView{ID: d.ID, Customer: cus, Document: typeSummary(d.TypeID), Number: d.Number, Currency: d.Currency, Date: d.Date,
			DueDate: d.DueDate, PeriodStart: d.PeriodStart, PeriodEnd: d.PeriodEnd, CollectionMethod: d.CollectionMethod, Note: d.Note,
			Lines: r.saleLines(d), Amounts: amounts(d), TotalAdjusted: totalAdjusted(d), Deductions: deductions(d),
			CustomChange: json.RawMessage("null"), Filing: r.filing(d), Subscription: d.SubscriptionID, Imported: d.Imported,
			Uncollectible: clock.NullStamp{Micros: d.Uncollectible, Loc: r.Loc}, References: refs(d), Payments: r.payments(d),
			Metadata: d.Metadata, User: d.UserEmail, TestMode: d.TestMode, Created: r.stamp(d.Created), Updated: r.stamp(d.Updated)}
		if d.CustomChange != nil {
			v.CustomChange = json.RawMessage(d.CustomChange.String())
		}
		return v
	case CreditNote.Name, DebitNote.Name:
		v := NoteView{ID: d.ID, Invoice: d.InvoiceID, Customer: cus, Document: typeSummary(d.TypeID), Number: d.Number, Date: d.Date,
			Currency: d.Currency, Note: d.Note, InternalNote: d.InternalNote, Lines: r.saleLines(d), Amounts: amounts(d),
			Deductions: deductions(d), TaxSettings: d.TaxSettings, Filing: r.filing(d), Record: r.record(d)}
		if d.Kind == DebitNote.Name {
			return &DebitNoteView{ID: d.ID, CreditNote: d.CreditNoteID, NoteView: v}
		}
		return &v
	default:
		lines := make([]OrderLine, len(d.Lines))
		for i, l := range d.Lines {
			lines[i] = OrderLine{ID: l.ID, Name: l.Name, Description: l.Description, Quantity: quantity(l.Quantity), Amount: mon(dec(l.Amount)),
				Exempt: l.Exempt, Tax: monps(l.Tax), TaxPercent: money.NewPercent(dec(l.TaxPercent)), Total: mon(dec(l.Total)),
				Created: r.stamp(l.Created), Updated: r.stamp(l.Updated)}
		}
		return &OrderView{ID: d.ID, Customer: cus, Number: d.Number, Document: typeSummary(d.TypeID), TestMode: d.TestMode, Date: d.Date,
			Address: d.Address, CarrierID: d.CarrierID, CarrierName: d.CarrierName, State: d.State, LicencePlate: d.LicencePlate,
			ShippingType: d.ShippingType, Lines: lines, Amount: mon(d.Amount), Exempt: monp(d.Exempt), Tax: monp(d.Tax),
			TaxPercent: money.NewPercent(d.TaxPercent), Total: mon(d.Total), Note: d.Note, References: refs(d), LocalFile: r.localFile(d),
			TaxAgency: d.TaxAgency, BillerStatus: d.BillerStatus, Imported: d.Imported, Status: d.Status,
			Created: r.stamp(d.Created), Updated: r.stamp(d.Updated)}
	}
}
