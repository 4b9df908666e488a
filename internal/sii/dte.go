package sii

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Namespaces of SII documents.
const (
	NSSii   = "http://www.sii.cl/SiiDte"
	NSXSI   = "http://www.w3.org/2001/XMLSchema-instance"
	NSDSig  = "http://www.w3.org/2000/09/xmldsig#"
	algC14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algRSA  = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algSHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"

	// RUTSII is the receiver of every envelope (the SII itself).
	RUTSII = "60803000-K"
	// RUTAnonymous is the receiver of a boleta without a RUT.
	RUTAnonymous = "66666666-6"
)

// Issuer is the biller settings that go into a DTE (docs/tax-agency.md#21-settings-object).
type Issuer struct {
	RUT, BusinessName, Activity string
	ActivityCodes               []int
	Address, Commune, City      string
	BranchCode                  int64 // 0: none
	ResolutionNumber            int64
	ResolutionDate              string // YYYY-MM-DD
}

// Receiver is the customer (supplier on 46) (docs/tax-agency.md#63-receptor).
type Receiver struct {
	RUT, Name, Activity, Contact, Email, Address, Commune, City string
}

// Line is a document line (docs/tax-agency.md#66-detalle). Amounts in CLP.
type Line struct {
	Code, CodeScheme, Name, Description, Unit string
	Quantity, Price                           decimal.Decimal
	DiscountPct                               *decimal.Decimal // line discount when %
	Discount                                  decimal.Decimal  // line discount amount (0: none)
	Total                                     decimal.Decimal
	Exempt                                    bool
	RetainedVAT                               bool // 46, and notes on a 46, with VAT withholding (CodImpAdic 15)
}

// GlobalDiscount is docs/tax-agency.md#67-dscrcgglobal's DscRcgGlobal source.
type GlobalDiscount struct {
	Scheme string          // "%" or "$"
	Value  decimal.Decimal // the % or, for "$", the taxable part (dA)
	Exempt decimal.Decimal // "$": dE; "%": unused
	// HasExempt: emit the second entry with IndExeDR 1.
	HasExempt bool
}

// Reference is a Referencia (docs/tax-agency.md#68-referencia).
type Reference struct {
	Type   string // TpoDocRef
	Folio  string
	Date   string
	Code   int // CodRef (0: none)
	Reason string
}

// Transport is docs/tax-agency.md#64-transporte (52).
type Transport struct{ Plate, DriverRUT, DriverName, Address string }

// Doc is one DTE's content.
type Doc struct {
	Type         int
	Folio        int64
	Date         string // FchEmis
	DueDate      string // FchVenc when ≠ Date
	Cash         bool   // FmaPago 1 (else 2)
	PeriodFrom   string
	PeriodTo     string
	ShippingType int // IndTraslado (52)
	Service      int // IndServicio (39): 1 or 3
	Issuer       Issuer
	Receiver     Receiver
	Lines        []Line
	Discount     *GlobalDiscount
	Net          *decimal.Decimal // MntNeto (nil: omitted)
	Exempt       *decimal.Decimal // MntExe
	TaxPercent   decimal.Decimal
	VAT          *decimal.Decimal
	Retained     *decimal.Decimal // ImptoReten 15 (46 and notes on it)
	Total        decimal.Decimal
	References   []Reference
	Transport    *Transport
}

// ID is the Documento/@ID (F{folio}T{code}).
func (d *Doc) ID() string { return fmt.Sprintf("F%dT%d", d.Folio, d.Type) }

// Boleta reports whether the document uses the EnvioBOLETA layout.
func (d *Doc) Boleta() bool { return d.Type == 39 || d.Type == 41 }

var santiago = func() *time.Location {
	if l, err := time.LoadLocation("America/Santiago"); err == nil {
		return l
	}
	return time.FixedZone("CLT", -4*3600)
}()

// LocalTime formats t in Chile's time (TSTED, TmstFirma, TmstFirmaEnv).
func LocalTime(t time.Time) string { return t.In(santiago).Format("2006-01-02T15:04:05") }

func amt(d decimal.Decimal) string { return d.Round(0).String() }

func qty(d decimal.Decimal) string { return d.Round(6).String() }

// documento builds <Documento> without TED and TmstFirma.
func (d *Doc) documento() *Elem {
	doc := E("Documento", "ID", d.ID())
	enc := E("Encabezado").Add(d.idDoc(), d.emisor(), d.receptor())
	if tr := d.transporte(); tr != nil {
		enc.Add(tr)
	}
	enc.Add(d.totales())
	doc.Add(enc)
	for i, l := range d.Lines {
		doc.Add(d.detalle(i, l))
	}
	doc.Add(d.globalDiscounts()...)
	for i, rf := range d.References {
		doc.Add(d.referencia(i, rf))
	}
	return doc
}

// idDoc is Encabezado/IdDoc: type, folio, dates and payment terms.
func (d *Doc) idDoc() *Elem {
	b := d.Boleta()
	id := E("IdDoc").T("TipoDTE", strconv.Itoa(d.Type)).T("Folio", strconv.FormatInt(d.Folio, 10)).T("FchEmis", d.Date)
	if d.Type == 52 && d.ShippingType > 0 {
		id.T("IndTraslado", strconv.Itoa(d.ShippingType))
	}
	if b {
		svc := d.Service
		if svc == 0 {
			svc = 3
		}
		id.T("IndServicio", strconv.Itoa(svc))
	}
	if d.Type == 33 || d.Type == 34 || d.Type == 46 {
		if d.Cash {
			id.T("FmaPago", "1")
		} else {
			id.T("FmaPago", "2")
		}
	}
	if d.Type == 33 || d.Type == 34 || b {
		id.Opt("PeriodoDesde", d.PeriodFrom).Opt("PeriodoHasta", d.PeriodTo)
	}
	if (d.Type == 33 || d.Type == 34 || d.Type == 46 || b) && d.DueDate != "" && d.DueDate != d.Date {
		id.T("FchVenc", d.DueDate)
	}
	return id
}

// emisor is Encabezado/Emisor (boletas name the fields differently).
func (d *Doc) emisor() *Elem {
	is := d.Issuer
	em := E("Emisor").T("RUTEmisor", is.RUT)
	if d.Boleta() {
		em.T("RznSocEmisor", Clean(is.BusinessName, 100)).T("GiroEmisor", Clean(is.Activity, 80))
	} else {
		em.T("RznSoc", Clean(is.BusinessName, 100)).T("GiroEmis", Clean(is.Activity, 80))
		for i, a := range is.ActivityCodes {
			if i == 4 {
				break
			}
			em.T("Acteco", strconv.Itoa(a))
		}
	}
	if is.BranchCode > 0 {
		em.T("CdgSIISucur", strconv.FormatInt(is.BranchCode, 10))
	}
	return em.Opt("DirOrigen", Clean(is.Address, 70)).Opt("CmnaOrigen", Clean(is.Commune, 20)).Opt("CiudadOrigen", Clean(is.City, 20))
}

// receptor is Encabezado/Receptor; a boleta without RUT names the
// anonymous consumer.
func (d *Doc) receptor() *Elem {
	b := d.Boleta()
	r := d.Receiver
	rc := E("Receptor")
	rut := r.RUT
	if rut == "" && b {
		rut = RUTAnonymous
	}
	rc.T("RUTRecep", rut)
	if b {
		rc.Opt("RznSocRecep", Clean(r.Name, 100)).Opt("Contacto", Clean(r.Contact, 80))
	} else {
		rc.T("RznSocRecep", Clean(r.Name, 100)).Opt("GiroRecep", Clean(r.Activity, 40)).Opt("Contacto", Clean(r.Contact, 80)).Opt("CorreoRecep", Clean(r.Email, 80))
	}
	return rc.Opt("DirRecep", Clean(r.Address, 70)).Opt("CmnaRecep", Clean(r.Commune, 20)).Opt("CiudadRecep", Clean(r.City, 20))
}

// transporte is Encabezado/Transporte of a guía de despacho (nil when
// there is nothing to say).
func (d *Doc) transporte() *Elem {
	t := d.Transport
	if t == nil || d.Type != 52 || (t.Plate == "" && t.DriverRUT == "" && t.Address == "") {
		return nil
	}
	tr := E("Transporte").Opt("Patente", Clean(t.Plate, 8))
	if t.DriverRUT != "" && t.DriverName != "" {
		tr.Add(E("Chofer").T("RUTChofer", t.DriverRUT).T("NombreChofer", Clean(t.DriverName, 30)))
	}
	return tr.Opt("DirDest", Clean(t.Address, 70))
}

// totales is Encabezado/Totales.
func (d *Doc) totales() *Elem {
	b := d.Boleta()
	tot := E("Totales")
	if d.Net != nil && d.Type != 34 {
		tot.T("MntNeto", amt(*d.Net))
	}
	if d.Exempt != nil {
		tot.T("MntExe", amt(*d.Exempt))
	}
	if d.Net != nil && d.Type != 34 {
		if !b {
			tot.T("TasaIVA", d.TaxPercent.String())
		}
		vat := decimal.Zero
		if d.VAT != nil {
			vat = *d.VAT
		}
		tot.T("IVA", amt(vat))
	}
	if d.Retained != nil && !b {
		tot.Add(E("ImptoReten").T("TipoImp", "15").T("TasaImp", d.TaxPercent.String()).T("MontoImp", amt(*d.Retained)))
	}
	return tot.T("MntTotal", amt(d.Total))
}

// detalle is the Detalle of line i.
func (d *Doc) detalle(i int, l Line) *Elem {
	de := E("Detalle").T("NroLinDet", strconv.Itoa(i+1))
	if l.Code != "" {
		scheme := l.CodeScheme
		if scheme == "" {
			scheme = "INT1"
		}
		de.Add(E("CdgItem").T("TpoCodigo", Clean(scheme, 10)).T("VlrCodigo", Clean(l.Code, 35)))
	}
	if l.Exempt || d.Type == 34 {
		de.T("IndExe", "1")
	}
	de.T("NmbItem", Clean(l.Name, 80)).Opt("DscItem", Clean(l.Description, 1000))
	de.T("QtyItem", qty(l.Quantity)).Opt("UnmdItem", Clean(l.Unit, 4))
	if l.Price.Sign() > 0 { // the schema wants a positive price or none (a text correction's zero line)
		de.T("PrcItem", qty(l.Price))
	}
	if l.DiscountPct != nil && l.DiscountPct.Sign() > 0 {
		de.T("DescuentoPct", l.DiscountPct.Round(2).String())
	}
	if l.Discount.Sign() > 0 {
		de.T("DescuentoMonto", amt(l.Discount))
	}
	if l.RetainedVAT {
		de.T("CodImpAdic", "15")
	}
	return de.T("MontoItem", amt(l.Total))
}

// globalDiscounts are the DscRcgGlobal lines: a percentage applies to the
// taxable and (when there is one) the exempt part; an amount is split.
func (d *Doc) globalDiscounts() []*Elem {
	g := d.Discount
	if g == nil {
		return nil
	}
	var out []*Elem
	add := func(v decimal.Decimal, exe bool) {
		dr := E("DscRcgGlobal").T("NroLinDR", strconv.Itoa(len(out)+1)).T("TpoMov", "D").T("GlosaDR", "Descuento").
			T("TpoValor", g.Scheme).T("ValorDR", qtyDR(v, g.Scheme))
		if exe {
			dr.T("IndExeDR", "1")
		}
		out = append(out, dr)
	}
	if g.Scheme == "%" {
		add(g.Value, false)
		if g.HasExempt {
			add(g.Value, true)
		}
		return out
	}
	if g.Value.Sign() > 0 {
		add(g.Value, false)
	}
	if g.Exempt.Sign() > 0 {
		add(g.Exempt, true)
	}
	return out
}

// referencia is the Referencia of reference i.
func (d *Doc) referencia(i int, rf Reference) *Elem {
	re := E("Referencia").T("NroLinRef", strconv.Itoa(i+1)).T("TpoDocRef", Clean(rf.Type, 3)).Opt("FolioRef", Clean(rf.Folio, 18))
	if !d.Boleta() {
		re.T("FchRef", rf.Date)
	}
	if rf.Code > 0 {
		re.T("CodRef", strconv.Itoa(rf.Code))
	}
	return re.Opt("RazonRef", Clean(rf.Reason, 90))
}

func qtyDR(v decimal.Decimal, scheme string) string {
	if scheme == "%" {
		return v.Round(2).String()
	}
	return amt(v)
}

// compactCopy copies an element without whitespace-only text between
// elements (the CAF copied into the TED, docs/tax-agency.md#7-ted-stamp).
func compactCopy(e *Elem) *Elem {
	c := &Elem{Name: e.Name, Attrs: append([]Attr(nil), e.Attrs...)}
	for _, ch := range significant(e.Children) {
		switch ch := ch.(type) {
		case Text:
			c.Children = append(c.Children, ch)
		case *Elem:
			c.Add(compactCopy(ch))
		}
	}
	return c
}

// TED builds the electronic stamp of a Documento (docs/tax-agency.md#7-ted-stamp) with the CAF.
func TED(doc *Elem, caf *CAF, stamp time.Time) (*Elem, error) {
	enc := doc.Child("Encabezado")
	rsr := enc.Path("Receptor", "RznSocRecep").Text()
	if rsr == "" {
		rsr = "Consumidor final"
	}
	it1 := ""
	if det := doc.Child("Detalle"); det != nil {
		it1 = det.Child("NmbItem").Text()
	}
	dd := E("DD").T("RE", enc.Path("Emisor", "RUTEmisor").Text()).T("TD", enc.Path("IdDoc", "TipoDTE").Text()).
		T("F", enc.Path("IdDoc", "Folio").Text()).T("FE", enc.Path("IdDoc", "FchEmis").Text()).
		T("RR", enc.Path("Receptor", "RUTRecep").Text()).T("RSR", truncRunes(rsr, 40)).
		T("MNT", enc.Path("Totales", "MntTotal").Text()).T("IT1", truncRunes(it1, 40)).
		Add(compactCopy(caf.Elem)).T("TSTED", LocalTime(stamp))
	sig, err := SignSHA1(caf.Key, Flat(dd))
	if err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	f := E("FRMT", "algoritmo", "SHA1withRSA")
	f.Children = []Node{Text(base64.StdEncoding.EncodeToString(sig))}
	return E("TED", "version", "1.0").Add(dd, f), nil
}

func truncRunes(s string, n int) string {
	i := 0
	for p := range s {
		if i == n {
			return strings.TrimSpace(s[:p])
		}
		i++
	}
	return s
}

// Envelope is what Build returns.
type Envelope struct {
	XML  []byte // ISO-8859-1, what local_file serves
	TED  []byte // the <TED> element, ISO-8859-1 (the PDF417 payload)
	Root *Elem
}

// Build makes the signed envelope of one document (docs/tax-agency.md#6-dte-xml-and-field-mapping to docs/tax-agency.md#8-signatures-and-envelope): the
// Documento, its TED stamped with the CAF key, the document signature and
// the envelope (EnvioDTE or EnvioBOLETA) signature with cert. now is the
// signing time (TSTED, TmstFirma, TmstFirmaEnv).
func Build(d *Doc, caf *CAF, cert *Certificate, now time.Time) (*Envelope, error) {
	if caf == nil || caf.Key == nil {
		return nil, fmt.Errorf("sii: no CAF key")
	}
	if cert == nil {
		return nil, fmt.Errorf("sii: no certificate")
	}
	root := E("EnvioDTE", "xmlns", NSSii, "xmlns:xsi", NSXSI, "xsi:schemaLocation", NSSii+" EnvioDTE_v10.xsd", "version", "1.0")
	if d.Boleta() {
		root = E("EnvioBOLETA", "xmlns", NSSii, "xmlns:xsi", NSXSI, "xsi:schemaLocation", NSSii+" EnvioBOLETA_v11.xsd", "version", "1.0")
	}
	set := E("SetDTE", "ID", "SetDoc")
	root.Add(set)
	car := E("Caratula", "version", "1.0").T("RutEmisor", d.Issuer.RUT).T("RutEnvia", cert.RUT).T("RutReceptor", RUTSII).
		T("FchResol", d.Issuer.ResolutionDate).T("NroResol", strconv.FormatInt(d.Issuer.ResolutionNumber, 10)).
		T("TmstFirmaEnv", LocalTime(now)).
		Add(E("SubTotDTE").T("TpoDTE", strconv.Itoa(d.Type)).T("NroDTE", "1"))
	set.Add(car)
	dte := E("DTE", "version", "1.0")
	set.Add(dte)
	doc := d.documento()
	dte.Add(doc)
	ted, err := TED(doc, caf, now)
	if err != nil {
		return nil, err
	}
	doc.Add(ted)
	doc.T("TmstFirma", LocalTime(now))
	if err := SignInPlace(dte, doc, cert); err != nil {
		return nil, err
	}
	if err := SignInPlace(root, set, cert); err != nil {
		return nil, err
	}
	return &Envelope{XML: Latin1Document(root), TED: Flat(ted), Root: root}, nil
}

// SignInPlace signs the element target (referenced by its ID attribute)
// with an XML-DSig Signature appended as the last child of parent (docs/tax-agency.md#8-signatures-and-envelope).
func SignInPlace(parent, target *Elem, cert *Certificate) error {
	dg := sha1.Sum(C14N(target))
	si := E("SignedInfo").
		Add(E("CanonicalizationMethod", "Algorithm", algC14N), E("SignatureMethod", "Algorithm", algRSA),
			E("Reference", "URI", "#"+target.Attr("ID")).Add(E("DigestMethod", "Algorithm", algSHA1)).T("DigestValue", base64.StdEncoding.EncodeToString(dg[:])))
	return appendSignature(parent, si, cert)
}

// appendSignature appends to parent the Signature over the SignedInfo si:
// its value (RSA-SHA1 of si's canonical form, taken once si sits in the
// document, whose namespaces it inherits) and the key that checks it.
func appendSignature(parent, si *Elem, cert *Certificate) error {
	sig := E("Signature", "xmlns", NSDSig).Add(si)
	parent.Add(sig)
	h := sha1.Sum(C14N(si))
	sv, err := rsa.SignPKCS1v15(nil, cert.Key, crypto.SHA1, h[:])
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	sig.T("SignatureValue", base64.StdEncoding.EncodeToString(sv))
	pub := &cert.Key.PublicKey
	sig.Add(E("KeyInfo").
		Add(E("KeyValue").Add(E("RSAKeyValue").T("Modulus", base64.StdEncoding.EncodeToString(pub.N.Bytes())).
			T("Exponent", base64.StdEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())))).
		Add(E("X509Data").T("X509Certificate", base64.StdEncoding.EncodeToString(cert.Cert.Raw))))
	return nil
}

// Santiago is Chile's time zone (a fixed -04:00 when the zone database is
// missing).
func Santiago() *time.Location { return santiago }
