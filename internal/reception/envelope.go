// Package reception receives suppliers' DTEs (docs/procurement.md#6-received-dtes):
// it checks an EnvioDTE the way the SII sandbox does, records each of its
// documents as a received purchase or purchase credit note, answers the
// issuer with the exchange's signed XML, and files acceptances and claims
// in the SII's register (RCV).
package reception

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/shopspring/decimal"
)

// Envelope is what an EnvioDTE says, read for intake. Its signatures and
// stamps are checked by sii.Sandbox, not here.
type Envelope struct {
	SetID      string // SetDTE/@ID
	IssuerRUT  string // Caratula/RutEmisor
	SenderRUT  string // Caratula/RutEnvia
	ReceiverTo string // Caratula/RutReceptor
	Digest     string // the envelope signature's DigestValue
	Docs       []Received
}

// Received is one Documento of an envelope.
type Received struct {
	ID          string // Documento/@ID
	Type        int
	Folio       int64
	Date        string
	DueDate     string
	Issuer      Party
	ReceiverRUT string
	Lines       []Line
	Discount    *GlobalDiscount
	Net, Exempt decimal.Decimal
	VAT, Total  decimal.Decimal
	TaxRate     decimal.Decimal
	References  []Reference
}

// Party is the issuer's data (Emisor).
type Party struct {
	RUT, Name, Activity, Address, Commune, City, Email string
}

// Line is a Detalle.
type Line struct {
	Name, Description, Unit, Code string
	Quantity, Price               decimal.Decimal
	DiscountPct                   *decimal.Decimal
	Discount                      decimal.Decimal
	Amount                        decimal.Decimal
	Exempt                        bool
}

// GlobalDiscount is the first DscRcgGlobal of type D on the taxable part.
type GlobalDiscount struct {
	Percent bool
	Value   decimal.Decimal
}

// Reference is a Referencia.
type Reference struct {
	Type, Folio, Date, Reason string
	Code                      int
}

// ErrNotEnvelope: the file is not an EnvioDTE.
var ErrNotEnvelope = errors.New("the file is not an EnvioDTE envelope")

// maxDocs bounds the documents of one envelope (the SII takes 2000).
const maxDocs = 2000

// ParseEnvelope reads an EnvioDTE. It fails on anything it cannot read
// into a document; values are checked later against the SII's rules.
func ParseEnvelope(xml []byte) (*Envelope, error) {
	root, err := sii.Parse(xml)
	if err != nil {
		return nil, ErrNotEnvelope
	}
	if root.Local() != "EnvioDTE" {
		return nil, ErrNotEnvelope
	}
	set := root.Child("SetDTE")
	if set == nil {
		return nil, ErrNotEnvelope
	}
	car := set.Child("Caratula")
	env := &Envelope{SetID: set.Attr("ID"), IssuerRUT: car.Child("RutEmisor").Text(), SenderRUT: car.Child("RutEnvia").Text(),
		ReceiverTo: car.Child("RutReceptor").Text(), Digest: root.Path("Signature", "SignedInfo", "Reference", "DigestValue").Text()}
	dtes := set.ChildrenNamed("DTE")
	if len(dtes) == 0 || len(dtes) > maxDocs {
		return nil, fmt.Errorf("the envelope must hold between 1 and %d documents", maxDocs)
	}
	for i, dte := range dtes {
		d, err := parseDoc(dte.Child("Documento"))
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		env.Docs = append(env.Docs, *d)
	}
	return env, nil
}

func parseDoc(doc *sii.Elem) (*Received, error) {
	if doc == nil {
		return nil, errors.New("Documento is missing")
	}
	enc := doc.Child("Encabezado")
	id := enc.Child("IdDoc")
	d := &Received{ID: doc.Attr("ID"), Date: id.Child("FchEmis").Text(), DueDate: id.Child("FchVenc").Text(),
		ReceiverRUT: enc.Path("Receptor", "RUTRecep").Text()}
	var err error
	if d.Type, err = strconv.Atoi(id.Child("TipoDTE").Text()); err != nil {
		return nil, errors.New("TipoDTE is not a number")
	}
	if d.Folio, err = strconv.ParseInt(id.Child("Folio").Text(), 10, 64); err != nil || d.Folio < 1 {
		return nil, errors.New("Folio is not a positive number")
	}
	em := enc.Child("Emisor")
	d.Issuer = Party{RUT: em.Child("RUTEmisor").Text(), Name: em.Child("RznSoc").Text(), Activity: em.Child("GiroEmis").Text(),
		Address: em.Child("DirOrigen").Text(), Commune: em.Child("CmnaOrigen").Text(), City: em.Child("CiudadOrigen").Text(),
		Email: em.Child("CorreoEmisor").Text()}
	tot := enc.Child("Totales")
	num := func(e *sii.Elem, name, def string) (decimal.Decimal, error) {
		t := strings.TrimSpace(e.Child(name).Text())
		if t == "" {
			t = def
		}
		v, err := decimal.NewFromString(t)
		if err != nil {
			return v, fmt.Errorf("%s %q is not a number", name, t)
		}
		return v, nil
	}
	for _, f := range []struct {
		name, def string
		dst       *decimal.Decimal
	}{{"MntNeto", "0", &d.Net}, {"MntExe", "0", &d.Exempt}, {"IVA", "0", &d.VAT}, {"MntTotal", "", &d.Total}, {"TasaIVA", "19", &d.TaxRate}} {
		if *f.dst, err = num(tot, f.name, f.def); err != nil {
			return nil, err
		}
	}
	for _, det := range doc.ChildrenNamed("Detalle") {
		l, err := parseLine(det, num)
		if err != nil {
			return nil, err
		}
		d.Lines = append(d.Lines, l)
	}
	if len(d.Lines) == 0 {
		return nil, errors.New("the document has no Detalle")
	}
	if d.Discount, err = globalDiscount(doc.ChildrenNamed("DscRcgGlobal"), num); err != nil {
		return nil, err
	}
	for _, r := range doc.ChildrenNamed("Referencia") {
		ref := Reference{Type: r.Child("TpoDocRef").Text(), Folio: r.Child("FolioRef").Text(), Date: r.Child("FchRef").Text(), Reason: r.Child("RazonRef").Text()}
		if c := r.Child("CodRef").Text(); c != "" {
			if ref.Code, err = strconv.Atoi(c); err != nil {
				return nil, errors.New("CodRef is not a number")
			}
		}
		d.References = append(d.References, ref)
	}
	return d, nil
}

// globalDiscount reads the DscRcgGlobal entries as one document
// discount: a percentage given for the taxable and the exempt part alike,
// or amounts that add up.
func globalDiscount(gs []*sii.Elem, num func(*sii.Elem, string, string) (decimal.Decimal, error)) (*GlobalDiscount, error) {
	var g *GlobalDiscount
	for _, e := range gs {
		if e.Child("TpoMov").Text() != "D" {
			return nil, errors.New("surcharges (DscRcgGlobal TpoMov R) are not supported")
		}
		v, err := num(e, "ValorDR", "")
		if err != nil {
			return nil, err
		}
		pct := e.Child("TpoValor").Text() == "%"
		switch {
		case g == nil:
			g = &GlobalDiscount{Percent: pct, Value: v}
		case g.Percent != pct || (pct && !g.Value.Equal(v)):
			return nil, errors.New("global discounts of different kinds are not supported")
		case !pct:
			g.Value = g.Value.Add(v)
		}
	}
	return g, nil
}

func parseLine(det *sii.Elem, num func(*sii.Elem, string, string) (decimal.Decimal, error)) (Line, error) {
	l := Line{Name: det.Child("NmbItem").Text(), Description: det.Child("DscItem").Text(), Unit: det.Child("UnmdItem").Text(),
		Code: det.Path("CdgItem", "VlrCodigo").Text(), Exempt: det.Child("IndExe").Text() == "1"}
	var err error
	if l.Quantity, err = num(det, "QtyItem", "1"); err != nil {
		return l, err
	}
	if l.Amount, err = num(det, "MontoItem", ""); err != nil {
		return l, err
	}
	if det.Child("PrcItem") == nil { // an amount without a unit price: one unit of it
		l.Quantity, l.Price = decimal.NewFromInt(1), l.Amount
	} else if l.Price, err = num(det, "PrcItem", ""); err != nil {
		return l, err
	}
	if l.Discount, err = num(det, "DescuentoMonto", "0"); err != nil {
		return l, err
	}
	if det.Child("DescuentoPct") != nil {
		p, err := num(det, "DescuentoPct", "")
		if err != nil {
			return l, err
		}
		l.DiscountPct = &p
	}
	if !l.Quantity.IsPositive() {
		return l, errors.New("QtyItem must be positive")
	}
	return l, nil
}
