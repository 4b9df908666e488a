package document

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/pdf"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Lang is the document language of a workspace: its country's
// (docs/conventions.md#10-pdfs-and-local_file: the workspace country decides).
func Lang(sc workspace.Scope) string { return catalog.Language(sc.Country) }

type words struct {
	no, date, dueDate, period, currency, invoice, creditNote, shipping, address, carrier, plate, status,
	net, exempt, tax, retention, discount, total, totalAdjusted, subtotal string
	titles        map[string]string
	shippingTypes map[string]string
}

var vocab = map[string]words{
	"en": {no: "No. ", date: "Date", dueDate: "Due date", period: "Period", currency: "Currency", invoice: "Invoice", creditNote: "Credit note",
		shipping: "Shipping type", address: "Delivery address", carrier: "Carrier", plate: "Licence plate", status: "Status",
		net: "Net", exempt: "Exempt", tax: "Tax", retention: "Withheld", discount: "Discount", total: "Total", totalAdjusted: "Total adjusted",
		subtotal: "Subtotal",
		titles: map[string]string{"invoice": "Invoice", "credit_note": "Credit note", "debit_note": "Debit note", "order": "Order",
			"purchase": "Purchase", "purchase_credit_note": "Purchase credit note", "retention": "Retention"},
		shippingTypes: map[string]string{"1": "Sale", "2": "Sale to be made", "3": "Consignment", "4": "Free delivery", "5": "Internal transfer",
			"6": "Other non-sale transfer", "7": "Return", "8": "Transfer for export", "9": "Sale for export"}},
	"es": {no: "N° ", date: "Fecha", dueDate: "Vencimiento", period: "Período", currency: "Moneda", invoice: "Factura", creditNote: "Nota de crédito",
		shipping: "Tipo de traslado", address: "Dirección de entrega", carrier: "Transportista", plate: "Patente", status: "Estado",
		net: "Neto", exempt: "Exento", tax: "IVA", retention: "Retención", discount: "Descuento", total: "Total", totalAdjusted: "Total ajustado",
		subtotal: "Subtotal",
		titles: map[string]string{"invoice": "Factura", "credit_note": "Nota de crédito", "debit_note": "Nota de débito", "order": "Orden de despacho",
			"purchase": "Compra", "purchase_credit_note": "Nota de crédito de compra", "retention": "Certificado de retención"},
		shippingTypes: map[string]string{"1": "Venta", "2": "Venta por efectuar", "3": "Consignación", "4": "Entrega gratuita", "5": "Traslado interno",
			"6": "Otros traslados no venta", "7": "Guía de devolución", "8": "Traslado para exportación", "9": "Venta para exportación"}},
}

// PDFOptions are the variants of a document's PDF.
type PDFOptions struct {
	// Cedible prints the copy for a factoring company, for the types
	// whose agency has one (docs/tax-agency.md#11-pdf-with-pdf417-chile).
	Cedible bool
}

// PDF renders d (docs/conventions.md#10-pdfs-and-local_file): deterministic for a given document state,
// a "DRAFT"/"BORRADOR" watermark on drafts, the receiver as frozen at
// finalize.
func PDF(e Env, d *Doc) ([]byte, string, error) { return PDFWith(e, d, PDFOptions{}) }

// PDFWith is PDF with options.
func PDFWith(e Env, d *Doc, opt PDFOptions) ([]byte, string, error) {
	lang := Lang(e.Scope)
	w := vocab[lang]
	t := d.Type()
	cur, _ := catalog.CurrencyByID(d.Currency)
	title := t.Name
	if !t.HasLocalFormat {
		title = w.titles[d.Kind] // the generic US* types, in the workspace language
	}
	rules, hasRules := e.Deps.Billers.RulesFor(t)
	receiver, settings, err := pdfReceiver(e, d, lang)
	if err != nil {
		return nil, "", err
	}
	if hasRules {
		rules.PartyLines(&receiver, exactMap(settings))
	}
	doc := pdf.Document{Lang: lang, Title: title, Draft: d.Status == StatusDraft,
		Issuer:   pdf.Party{Name: e.Scope.Name, Country: countryName(e.Scope.Country, lang)},
		Receiver: receiver, Currency: d.Currency, Rounded: cur.Rounded,
		Created: time.UnixMicro(d.Updated).UTC()}
	if d.Number != nil {
		doc.Number = strconv.FormatInt(*d.Number, 10)
	}
	doc.Fields = headerFields(e, d, w)
	if Buying(d.Kind) {
		doc.Labels = map[string]string{"recipient": map[string]string{"es": "Proveedor", "en": "Supplier"}[lang]}
	}
	if d.Kind == Retention.Name {
		return retentionPDF(doc, d, w, lang, title)
	}
	if hasRules && !d.Imported {
		if err := agencyPDF(e, d, rules, &doc, opt); err != nil {
			return nil, "", err
		}
	}
	pdfLines(&doc, d, w, lang, cur.Rounded)
	if d.Note != nil {
		doc.Notes = append(doc.Notes, *d.Note)
	}
	for _, r := range d.Refs {
		name := r.Document
		if rt, ok := catalog.ReferenceTypeByID(r.Document); ok {
			name = rt.Name
		} else if dt, ok := catalog.DocumentTypeByID(r.Document); ok {
			name = dt.Name
		}
		v := w.no + r.Serial + " · " + r.Date
		if r.Description != nil {
			v += " · " + *r.Description
		}
		doc.References = append(doc.References, pdf.KV{Label: name, Value: v})
	}
	return render(doc, title)
}

// render draws doc and names its file after the title and number.
func render(doc pdf.Document, title string) ([]byte, string, error) {
	out, err := pdf.Render(doc)
	if err != nil {
		return nil, "", err
	}
	name := strings.ReplaceAll(title, " ", "-")
	if doc.Number != "" {
		name += "-" + doc.Number
	}
	return out, name + ".pdf", nil
}

// pdfReceiver is the receiver's block, with its tax settings: as frozen at
// finalize, else the customer or supplier as they are now.
func pdfReceiver(e Env, d *Doc, lang string) (pdf.Party, json.RawMessage, error) {
	var rcv customer.Summary
	if d.Receiver != nil {
		_ = json.Unmarshal(d.Receiver, &rcv)
	} else if d.CustomerID != "" {
		c, err := e.Deps.Customers.Get(e.Ctx, e.Q, e.Scope, d.CustomerID)
		if err != nil {
			return pdf.Party{}, nil, err
		}
		rcv = *c.Summarize()
	} else if d.SupplierID != "" {
		ss, err := supplier.Summaries(e.Ctx, e.Q, e.Scope, []string{d.SupplierID})
		if err != nil {
			return pdf.Party{}, nil, err
		}
		// the supplier object carries the same party fields as a customer summary
		_ = json.Unmarshal([]byte(jsonText(ss[d.SupplierID])), &rcv)
	}
	country, _ := catalog.CountryByID(rcv.Country)
	taxLabel := country.TaxIDName
	if taxLabel == "" {
		taxLabel = map[string]string{"es": "ID fiscal", "en": "Tax ID"}[lang]
	}
	return pdf.Party{Name: rcv.Name, TaxIDLabel: taxLabel, TaxID: deref(rcv.TaxID), Address: deref(rcv.Address),
		State: deref(rcv.State), Country: countryName(rcv.Country, lang), Email: deref(rcv.Email), Phone: deref(rcv.Phone)}, rcv.TaxSettings, nil
}

// headerFields are the header facts: dates, currency, what the document
// adjusts, the delivery of an order, a status past finalized.
func headerFields(e Env, d *Doc, w words) []pdf.KV {
	fields := []pdf.KV{{Label: w.date, Value: d.Date}}
	if d.DueDate != nil {
		fields = append(fields, pdf.KV{Label: w.dueDate, Value: *d.DueDate})
	}
	if d.PeriodStart != nil && d.PeriodEnd != nil {
		fields = append(fields, pdf.KV{Label: w.period, Value: *d.PeriodStart + " – " + *d.PeriodEnd})
	}
	fields = append(fields, pdf.KV{Label: w.currency, Value: d.Currency})
	if d.InvoiceID != nil {
		if inv, err := get(e.Ctx, e.Q, e.Scope, Invoice, *d.InvoiceID, ""); err == nil && inv.Number != nil {
			fields = append(fields, pdf.KV{Label: w.invoice, Value: w.no + strconv.FormatInt(*inv.Number, 10) + " · " + inv.Date})
		}
	}
	if d.CreditNoteID != nil {
		if crn, err := get(e.Ctx, e.Q, e.Scope, CreditNote, *d.CreditNoteID, ""); err == nil && crn.Number != nil {
			fields = append(fields, pdf.KV{Label: w.creditNote, Value: w.no + strconv.FormatInt(*crn.Number, 10) + " · " + crn.Date})
		}
	}
	if d.Kind == Order.Name {
		if d.ShippingType != nil {
			fields = append(fields, pdf.KV{Label: w.shipping, Value: w.shippingTypes[*d.ShippingType]})
		}
		if d.Address != nil {
			fields = append(fields, pdf.KV{Label: w.address, Value: *d.Address})
		}
		if d.CarrierName != nil {
			v := *d.CarrierName
			if d.CarrierID != nil {
				v += " (" + *d.CarrierID + ")"
			}
			fields = append(fields, pdf.KV{Label: w.carrier, Value: v})
		}
		if d.LicencePlate != nil {
			fields = append(fields, pdf.KV{Label: w.plate, Value: *d.LicencePlate})
		}
	}
	if d.Status != StatusDraft && d.Status != StatusFinalized {
		fields = append(fields, pdf.KV{Label: w.status, Value: d.Status})
	}
	return fields
}

// pdfLines fills the lines table and the totals box.
func pdfLines(doc *pdf.Document, d *Doc, w words, lang string, rounded bool) {
	for _, l := range d.Lines {
		pl := pdf.Line{Name: l.Name, Description: deref(l.Description), Code: deref(l.Code), Quantity: dec(l.Quantity),
			UnitPrice: dec(l.Amount), Total: dec(l.Total), Exempt: l.Exempt}
		if disc := dec(l.Discount); disc.IsPositive() {
			if l.DiscountScheme == "$" {
				pl.Discount = pdf.FormatMoney(disc, d.Currency, rounded, lang)
			} else {
				pl.Discount = money.NewPercent(disc).String() + "%"
			}
		}
		doc.Lines = append(doc.Lines, pl)
	}
	add := func(label string, v decimal.Decimal, bold bool) {
		doc.Totals = append(doc.Totals, pdf.Total{Label: label, Value: v, Bold: bold})
	}
	if d.Discount.IsPositive() {
		label := w.discount
		if d.DiscountScheme == "%" {
			label += " " + money.NewPercent(d.Discount).String() + "%"
		}
		gross := decimal.Zero
		for _, l := range d.Lines {
			gross = gross.Add(dec(l.Total))
		}
		add(w.subtotal, gross, false)
		add(label, gross.Sub(d.Amount.Add(zeroIfNil(d.Exempt))).Neg(), false)
	}
	add(w.net, d.Amount, false)
	if d.Exempt != nil {
		add(w.exempt, *d.Exempt, false)
	}
	if d.Tax != nil {
		add(fmt.Sprintf("%s %s%%", w.tax, money.NewPercent(d.TaxPercent)), *d.Tax, false)
	}
	if d.Retention != nil {
		add(w.retention, d.Retention.Neg(), false)
	}
	add(w.total, d.Total, true)
	if d.TotalAdjusted != nil && !d.TotalAdjusted.Equal(d.Total) {
		add(w.totalAdjusted, *d.TotalAdjusted, true)
	}
}

func zeroIfNil(d *decimal.Decimal) decimal.Decimal {
	if d == nil {
		return decimal.Zero
	}
	return *d
}

func countryName(id, lang string) string {
	c, ok := catalog.CountryByID(id)
	if !ok {
		return id
	}
	if lang == "es" {
		return c.Name
	}
	return c.NameEn
}

// retentionPDF lists each withholding with its base and rate; the total
// is the amount certified as withheld.
func retentionPDF(doc pdf.Document, d *Doc, w words, lang, title string) ([]byte, string, error) {
	base := map[string]string{"es": "Base", "en": "Base"}[lang]
	withheld := map[string]string{"es": "Total retenido", "en": "Total withheld"}[lang]
	doc.Labels["quantity"] = map[string]string{"es": "Tasa %", "en": "Rate %"}[lang]
	doc.Labels["unit_price"] = base
	doc.Labels["total"] = map[string]string{"es": "Retenido", "en": "Withheld"}[lang]
	for _, l := range d.Lines {
		doc.Lines = append(doc.Lines, pdf.Line{Name: l.Name, Description: deref(l.Description),
			Quantity: dec(l.RetentionPercent), UnitPrice: dec(l.Amount), Total: dec(l.Total)})
	}
	doc.Totals = []pdf.Total{{Label: base, Value: d.Amount}, {Label: withheld, Value: d.Total, Bold: true}}
	if d.Note != nil {
		doc.Notes = append(doc.Notes, *d.Note)
	}
	return render(doc, title)
}

// Buying reports whether a stored kind is on the purchase side.
func Buying(kind string) bool {
	return kind == Purchase.Name || kind == PurchaseCreditNote.Name || kind == Retention.Name
}

// agencyPDF lets the agency of d's type lay out its elements, with the
// fiscal file it accepted once d is finalized.
func agencyPDF(e Env, d *Doc, rules biller.Rules, doc *pdf.Document, opt PDFOptions) error {
	p := biller.Printed{Kind: d.Kind, Type: d.Type(), Date: d.Date, DueDate: d.DueDate, Cedible: opt.Cedible}
	if d.LocalFile != nil && d.Status != StatusDraft {
		if err := e.Q.QueryRowContext(e.Ctx, `SELECT data FROM files WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
			*d.LocalFile, e.Scope.ID, e.Scope.TestMode).Scan(&p.File); err != nil {
			return err
		}
	}
	return rules.PDF(e.Ctx, e.Q, e.Scope, p, doc)
}
