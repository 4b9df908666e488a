package clsii

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/pdf"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/taxid"
	"github.com/cobrobilling/cobro/internal/workspace"
)

var _ biller.Rules = (*Biller)(nil)

// receiverKeys are the receiver's tax settings a type needs at finalize
// (docs/billing.md#1-customers tax_settings; docs/tax-agency.md#5-finalize-for-chilean-documents).
var receiverKeys = map[string][]string{
	"CL33": {"cl_activity_description", "cl_commune"}, "CL34": {"cl_activity_description", "cl_commune"},
	"CL52": {"cl_activity_description", "cl_commune"}, "CL56": {"cl_activity_description", "cl_commune"},
	"CL61": {"cl_activity_description", "cl_commune"},
}

// Receiver: a sale needs a valid RUT (a boleta, CL39, may go to an
// anonymous receiver), then giro, address and commune; a factura de
// compra (CL46) needs the same of its supplier, who receives its XML.
func (b *Biller) Receiver(t catalog.DocumentType, p biller.Party, supplier bool) string {
	setting := func(key string) string { s, _ := p.TaxSettings[key].(string); return s }
	if supplier {
		if t.ID != "CL46" {
			return ""
		}
		switch {
		case p.TaxID == "":
			return "The supplier needs a tax_id for document type CL46."
		case p.Address == "":
			return "The supplier needs an address for document type CL46."
		}
		for _, key := range []string{"cl_activity_description", "cl_commune"} {
			if setting(key) == "" {
				return fmt.Sprintf("The supplier needs tax_settings.%s for document type CL46.", key)
			}
		}
		return ""
	}
	if p.TaxID != "" || t.ID != "CL39" {
		if r, err := taxid.Normalize("CL", p.TaxID); err != nil || r != p.TaxID {
			return fmt.Sprintf("The customer needs a valid RUT for document type %s.", t.ID)
		}
	}
	for _, key := range receiverKeys[t.ID] {
		if setting(key) == "" || (key == "cl_commune" && p.Address == "") {
			if key == "cl_commune" {
				return fmt.Sprintf("The customer needs address and tax_settings.cl_commune for document type %s.", t.ID)
			}
			return fmt.Sprintf("The customer needs tax_settings.%s for document type %s.", key, t.ID)
		}
	}
	return ""
}

// Carrier: the carrier of a guía de despacho is a RUT (given with dots
// or without, stored normalised) and needs a name.
func (b *Biller) Carrier(fe *apperr.Fields, given bool, id, prev, name *string) *string {
	if given && id != nil && !fe.Has("carrier_id") && utf8.RuneCountInString(*id) > 16 {
		fe.Add("carrier_id", apperr.MsgMaxLen(16))
		id = prev
	}
	if id != nil && !fe.Has("carrier_id") {
		if norm, err := taxid.Normalize("CL", *id); err != nil {
			fe.Add("carrier_id", err.Error())
		} else if len(norm) > 10 {
			fe.Add("carrier_id", apperr.MsgMaxLen(10))
		} else {
			id = &norm
		}
	}
	if id != nil && name == nil && !fe.Has("carrier_name") {
		fe.Add("carrier_name", "This field is required when carrier_id is given.")
	}
	return id
}

// NoteDefaults: a new note cites with reference code 1 (cancels) when it
// is full and 3 (corrects amounts) when partial, unless one was given.
func (b *Biller) NoteDefaults(settings map[string]any, creating, full bool) {
	if _, has := settings["cl_reference_code"]; has || !creating {
		return
	}
	if full {
		settings["cl_reference_code"] = 1
	} else {
		settings["cl_reference_code"] = 3
	}
}

// LineRetention: the buyer of a factura de compra (CL46) withholds the
// whole VAT unless a line says otherwise (docs/procurement.md#23-create-body,
// ImptoReten code 15).
func (b *Biller) LineRetention(t catalog.DocumentType) (string, string, bool) {
	if t.ID == "CL46" {
		return "100", "tax", true
	}
	return "", "", false
}

// Cancelled: the SII keeps no state for a guía; its annulment is
// registered by hand.
func (b *Biller) Cancelled(date string, number int64) string {
	return fmt.Sprintf("Cancelled on %s: register the annulment of folio %d with the SII.", date, number)
}

// PartyLines prints the giro and the commune of a Chilean party.
func (b *Biller) PartyLines(p *pdf.Party, settings map[string]any) {
	if giro, _ := settings["cl_activity_description"].(string); giro != "" {
		p.Extra = append(p.Extra, "Giro: "+giro)
	}
	if comuna, _ := settings["cl_commune"].(string); comuna != "" {
		p.City = comuna
	}
}

// PDF adds the Chilean SII elements (docs/tax-agency.md#11-pdf-with-pdf417-chile): the issuer as
// configured in the biller settings, the red RUT box with the SII office,
// RUTs with dots, the payment form and, once finalized, the TED as a
// PDF417 stamp with its legends.
func (b *Biller) PDF(ctx context.Context, q store.Querier, sc workspace.Scope, d biller.Printed, doc *pdf.Document) error {
	st, err := Load(ctx, q, sc)
	if err != nil {
		return err
	}
	doc.AgencyBox = true
	if st.SIIOffice != nil {
		doc.AgencyOffice = "S.I.I. - " + strings.ToUpper(*st.SIIOffice)
	}
	if st.RUT != nil {
		doc.Issuer = issuer(st, doc.Issuer.Name, sc.Name)
	}
	doc.Receiver.TaxIDLabel = "R.U.T."
	if d.Kind == "invoice" && d.Type.ID != "CL39" {
		form := "Crédito"
		if d.DueDate == nil || *d.DueDate == d.Date {
			form = "Contado"
		}
		doc.Fields = append(doc.Fields, pdf.KV{Label: "Forma de pago", Value: form})
	}
	if d.File == nil {
		return nil
	}
	return stamp(st, d, doc)
}

// issuer is the workspace as the SII knows it.
func issuer(st *Stored, shown, workspaceName string) pdf.Party {
	is := pdf.Party{Name: str(st.BusinessName), TaxIDLabel: "R.U.T.", TaxID: sii.FormatRUT(*st.RUT), Address: str(st.Address)}
	if shown == "" || st.BusinessName == nil {
		is.Name = workspaceName
	}
	if st.ActivityDescription != nil {
		is.Extra = append(is.Extra, "Giro: "+*st.ActivityDescription)
	}
	city := str(st.Commune)
	if st.City != nil {
		city += ", " + *st.City
	}
	is.City = strings.TrimPrefix(city, ", ")
	if st.Email != nil {
		is.Email = *st.Email
	}
	return is
}

// stamp draws the TED of the accepted DTE as a PDF417 stamp with its
// legends, and the cedible legend on the factoring copy.
func stamp(st *Stored, d biller.Printed, doc *pdf.Document) error {
	ted, err := sii.TEDOf(d.File)
	if err != nil {
		return err
	}
	stamp, err := pdf.PDF417Stamp(ted)
	if err != nil {
		return err
	}
	doc.Stamp = stamp
	if d.Cedible {
		switch d.Type.ID {
		case "CL33", "CL34":
			doc.Cedible = "CEDIBLE"
		case "CL52":
			doc.Cedible = "CEDIBLE CON SU FACTURA"
		}
	}
	year := ""
	if st.ResolutionDate != nil && len(*st.ResolutionDate) >= 4 {
		year = (*st.ResolutionDate)[:4]
	}
	doc.StampCaption = fmt.Sprintf("Timbre Electrónico SII\nRes. N° %d de %s\nVerifique documento: www.sii.cl", derefInt(st.ResolutionNumber), year)
	return nil
}
