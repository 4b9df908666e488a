package sii

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"embed"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/taxid"
	"github.com/shopspring/decimal"
)

// Message is one finding of the agency (tax_agency.messages).
type Message struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Text     string `json:"text"`
}

// Answer is the sandbox agency's verdict on an envelope (docs/tax-agency.md#92-the-sandbox).
type Answer struct {
	TrackID   string
	Status    string // EPR, RSC, RFR, RCT
	DocStatus string // DOK, RPR, RCH
	Messages  []Message
}

// Result maps the answer to tax_agency.result (docs/tax-agency.md#10-the-tax_agency-object-chile).
func (a Answer) Result() string {
	switch a.DocStatus {
	case "DOK":
		return "accepted"
	case "RPR":
		return "accepted_with_objections"
	}
	return "rejected"
}

// Sandbox is the built-in agency. Its checks are those of docs/tax-agency.md#92-the-sandbox, in that
// order; every failure found is reported.
type Sandbox struct {
	// SIIKeys are the agency public keys by IDK that CAF signatures are
	// checked against; the sandbox key (IDK 100) is trusted unless Live.
	SIIKeys map[int]*rsa.PublicKey
	// Live distrusts the sandbox key (it is public, in this repository):
	// a CAF must verify against SIIKeys alone, and one signed by the
	// sandbox key is refused (docs/procurement.md#61-intake).
	Live bool
	// Seen reports (and records) whether an issuer/type/folio was
	// already accepted (DUP-001); nil: no duplicate check.
	Seen func(rut string, td int, folio int64) bool
	// Today is the agency's date (DAT-001) in Chile; zero: now.
	Today time.Time
	// Schema validates the envelope against the XSDs; nil: SchemaCheck.
	Schema func(xml []byte, boleta bool) []string
	// Receivers are the RUTs the carátula may name as RutReceptor; empty:
	// the SII alone. A receiving company (docs/procurement.md#6-received-dtes)
	// takes its own RUT and the SII's (a copy of the envelope filed).
	Receivers []string
}

// Check examines a signed envelope.
func (s *Sandbox) Check(xml []byte) Answer {
	h := sha1.Sum(xml)
	a := Answer{TrackID: fmt.Sprintf("%010d", binary.BigEndian.Uint64(h[:8])%9000000000+1000000000), Status: "EPR"}
	add := func(code, sev, text string) { a.Messages = append(a.Messages, Message{code, sev, text}) }
	root, err := Parse(xml)
	if err != nil {
		add("SCH-001", "error", "The envelope is not well-formed XML.")
		a.Status, a.DocStatus = "RSC", "RCH"
		return a
	}
	boleta := root.Local() == "EnvioBOLETA"
	schema := s.Schema
	if schema == nil {
		schema = SchemaCheck
	}
	for _, m := range schema(xml, boleta) {
		add("SCH-001", "error", m)
	}
	if len(a.Messages) > 0 {
		a.Status, a.DocStatus = "RSC", "RCH"
		return a
	}
	set := root.Child("SetDTE")
	if set == nil {
		add("SCH-001", "error", "SetDTE is missing.")
		a.Status, a.DocStatus = "RSC", "RCH"
		return a
	}
	// FRM-001 / FRM-002
	var docs []*Elem
	sigBad := false
	for _, dte := range set.ChildrenNamed("DTE") {
		doc := dte.Child("Documento")
		if doc == nil {
			continue
		}
		docs = append(docs, doc)
		if !verifyEnveloping(dte.Child("Signature"), doc) {
			add("FRM-001", "error", "Signature of "+doc.Attr("ID")+" does not verify.")
			sigBad = true
		}
	}
	envSig := root.Child("Signature")
	if !verifyEnveloping(envSig, set) {
		add("FRM-002", "error", "Envelope signature does not verify.")
		sigBad = true
	}
	car := set.Child("Caratula")
	if envSig != nil {
		if cert := sigCert(envSig); cert != nil {
			if ts, err := time.ParseInLocation("2006-01-02T15:04:05", car.Child("TmstFirmaEnv").Text(), santiago); err == nil {
				if ts.After(cert.NotAfter) {
					add("FRM-003", "error", "Certificate expired on "+cert.NotAfter.In(santiago).Format("2006-01-02")+".")
					sigBad = true
				} else if ts.Before(cert.NotBefore) {
					add("FRM-003", "error", "Certificate not valid before "+cert.NotBefore.In(santiago).Format("2006-01-02")+".")
					sigBad = true
				}
			}
		}
	}
	if sigBad {
		a.Status, a.DocStatus = "RFR", "RCH"
		return a
	}
	// CAR-001
	carBad := false
	rutEmisor := car.Child("RutEmisor").Text()
	counts := map[string]int{}
	for _, doc := range docs {
		if r := doc.Path("Encabezado", "Emisor", "RUTEmisor").Text(); r != rutEmisor {
			add("CAR-001", "error", "RutEmisor "+rutEmisor+" differs from RUTEmisor "+r+".")
			carBad = true
		}
		counts[doc.Path("Encabezado", "IdDoc", "TipoDTE").Text()]++
	}
	if r := car.Child("RutReceptor").Text(); !s.receiverOK(r) {
		want := "the SII (" + RUTSII + ")"
		if len(s.Receivers) > 0 {
			want = strings.Join(s.Receivers, " or ")
		}
		add("CAR-001", "error", "RutReceptor "+r+" is not "+want+".")
		carBad = true
	}
	declared := map[string]int{}
	for _, st := range car.ChildrenNamed("SubTotDTE") {
		n, _ := strconv.Atoi(st.Child("NroDTE").Text())
		declared[st.Child("TpoDTE").Text()] += n
	}
	for td, n := range counts {
		if declared[td] != n {
			add("CAR-001", "error", fmt.Sprintf("SubTotDTE declares %d documents of type %s, the envelope has %d.", declared[td], td, n))
			carBad = true
		}
	}
	if carBad {
		a.Status, a.DocStatus = "RCT", "RCH"
		return a
	}
	// RUT-001 (carátula)
	for _, n := range []string{"RutEmisor", "RutEnvia", "RutReceptor"} {
		if v := car.Child(n).Text(); !validRUT(v) {
			add("RUT-001", "error", n+" "+v+" has an invalid check digit.")
		}
	}
	for _, doc := range docs {
		s.checkDoc(doc, add)
	}
	a.DocStatus = "DOK"
	for _, m := range a.Messages {
		if m.Severity == "error" {
			a.DocStatus = "RCH"
			break
		}
		if m.Severity == "warning" {
			a.DocStatus = "RPR"
		}
	}
	return a
}

func (s *Sandbox) receivers() []string {
	if len(s.Receivers) == 0 {
		return []string{RUTSII}
	}
	return s.Receivers
}

func (s *Sandbox) receiverOK(rut string) bool {
	for _, r := range s.receivers() {
		if r == rut {
			return true
		}
	}
	return false
}

func validRUT(v string) bool {
	n, err := taxid.Normalize("CL", v)
	return err == nil && n == v
}

func (s *Sandbox) checkDoc(doc *Elem, add func(code, sev, text string)) {
	enc := doc.Child("Encabezado")
	id := enc.Child("IdDoc")
	td, _ := strconv.Atoi(id.Child("TipoDTE").Text())
	fe := id.Child("FchEmis").Text()
	// RUT-001
	for _, p := range [][]string{{"Emisor", "RUTEmisor"}, {"Receptor", "RUTRecep"}, {"Transporte", "Chofer", "RUTChofer"}} {
		if e := enc.Path(p...); e != nil && !validRUT(e.Text()) {
			add("RUT-001", "error", p[len(p)-1]+" "+e.Text()+" has an invalid check digit.")
		}
	}
	if !s.checkStamp(doc, add) {
		return
	}
	checkLines(doc, add)
	checkTotals(enc.Child("Totales"), td, add)
	// REF-001
	if td == 56 || td == 61 {
		ok := false
		for _, r := range doc.ChildrenNamed("Referencia") {
			if r.Child("CodRef") != nil {
				ok = true
			}
		}
		if !ok {
			kind := "Credit note"
			if td == 56 {
				kind = "Debit note"
			}
			add("REF-001", "error", kind+" without reference to the adjusted document.")
		}
	}
	// DAT-001
	today := s.Today
	if today.IsZero() {
		today = time.Now()
	}
	if fe > today.In(santiago).Format("2006-01-02") {
		add("DAT-001", "error", "FchEmis "+fe+" is in the future.")
	}
}

// checkStamp runs CAF-001..003, TED-001 and TED-002; false when the
// document has no TED at all.
func (s *Sandbox) checkStamp(doc *Elem, add func(code, sev, text string)) bool {
	enc := doc.Child("Encabezado")
	id := enc.Child("IdDoc")
	td, _ := strconv.Atoi(id.Child("TipoDTE").Text())
	folio, _ := strconv.ParseInt(id.Child("Folio").Text(), 10, 64)
	fe := id.Child("FchEmis").Text()
	rutE := enc.Path("Emisor", "RUTEmisor").Text()
	ted := doc.Child("TED")
	dd := ted.Child("DD")
	if ted == nil || dd == nil {
		add("TED-001", "error", "The document has no TED.")
		return false
	}
	caf, cafErr := cafFromTED(dd.Child("CAF"))
	if cafErr != nil {
		add("CAF-001", "error", "The CAF in the TED is not valid.")
	} else {
		if reason := s.cafSignatureProblem(caf); reason != "" {
			add("CAF-001", "error", reason)
		}
		if caf.RE != rutE {
			add("CAF-001", "error", "CAF does not belong to the issuer.")
		}
		if caf.TD != td {
			add("CAF-001", "error", fmt.Sprintf("CAF is for document type %d, not %d.", caf.TD, td))
		}
		if folio < caf.From || folio > caf.To {
			add("CAF-002", "error", fmt.Sprintf("Folio %d is outside the CAF range %d-%d.", folio, caf.From, caf.To))
		}
		if exp, ok := caf.Expires(); ok {
			if f, err := time.Parse("2006-01-02", fe); err == nil && !f.Before(exp) {
				add("CAF-003", "error", "CAF expired on "+exp.Format("2006-01-02")+".")
			}
		}
		frmt, err := b64(ted.Child("FRMT").Text())
		if err != nil || !VerifySHA1(caf.PubKey, Flat(dd), frmt) {
			add("TED-001", "error", "TED signature does not verify.")
		}
	}
	// TED-002
	it1 := ""
	if det := doc.Child("Detalle"); det != nil {
		it1 = truncRunes(det.Child("NmbItem").Text(), 40)
	}
	for _, c := range []struct{ dd, name, want string }{
		{"RE", "RUTEmisor", rutE}, {"TD", "TipoDTE", id.Child("TipoDTE").Text()}, {"F", "Folio", id.Child("Folio").Text()},
		{"FE", "FchEmis", fe}, {"RR", "RUTRecep", enc.Path("Receptor", "RUTRecep").Text()},
		{"MNT", "MntTotal", enc.Path("Totales", "MntTotal").Text()}, {"IT1", "NmbItem", it1},
	} {
		if got := dd.Child(c.dd).Text(); got != c.want {
			add("TED-002", "error", fmt.Sprintf("TED %s %s differs from %s %s.", c.dd, got, c.name, c.want))
		}
	}
	return true
}

// cafSignatureProblem is CAF-001's signature check: "" when the CAF's
// FRMA verifies against a trusted key, else why not.
func (s *Sandbox) cafSignatureProblem(caf *CAF) string {
	sandboxSigned := caf.VerifySignature(&SandboxSIIKey().PublicKey)
	if sandboxSigned && !s.Live {
		return ""
	}
	if sandboxSigned {
		return "The CAF is signed by Cobro's sandbox test key (cobro sii fake-caf), which is public, not by the SII; live mode accepts only CAFs signed by the SII."
	}
	if k := s.SIIKeys[caf.IDK]; k != nil && caf.VerifySignature(k) {
		return ""
	}
	if s.Live && s.SIIKeys[caf.IDK] == nil {
		return fmt.Sprintf("The CAF names SII key IDK %d, which does not sign CAFs for live documents (production CAFs name IDK %d).", caf.IDK, ProductionIDK)
	}
	return "The CAF signature is not valid."
}

// checkLines is TOT-001.
func checkLines(doc *Elem, add func(code, sev, text string)) {
	for i, det := range doc.ChildrenNamed("Detalle") {
		q, e1 := decimal.NewFromString(orZero(det.Child("QtyItem").Text(), "1"))
		p, e2 := decimal.NewFromString(orZero(det.Child("PrcItem").Text(), "0"))
		dm, e3 := decimal.NewFromString(orZero(det.Child("DescuentoMonto").Text(), "0"))
		m, e4 := decimal.NewFromString(orZero(det.Child("MontoItem").Text(), "0"))
		if e1 != nil || e2 != nil || e3 != nil || e4 != nil {
			continue
		}
		want := q.Mul(p).Round(0).Sub(dm)
		if !want.Equal(m) {
			add("TOT-001", "error", fmt.Sprintf("Line %d: MontoItem %s should be %s.", i+1, m.String(), want.String()))
		}
	}
}

// checkTotals is TOT-002 and TOT-003.
func checkTotals(tot *Elem, td int, add func(code, sev, text string)) {
	num := func(name string) decimal.Decimal {
		v, err := decimal.NewFromString(orZero(tot.Child(name).Text(), "0"))
		if err != nil {
			return decimal.Zero
		}
		return v
	}
	neto, exe, iva, total := num("MntNeto"), num("MntExe"), num("IVA"), num("MntTotal")
	rate := num("TasaIVA")
	if tot.Child("TasaIVA") == nil {
		rate = decimal.NewFromInt(19)
	}
	if tot.Child("MntNeto") != nil {
		want := neto.Mul(rate).Div(decimal.NewFromInt(100)).Round(0)
		tol := decimal.Zero
		if td == 39 || td == 41 {
			tol = decimal.NewFromInt(1)
		}
		if iva.Sub(want).Abs().GreaterThan(tol) {
			add("TOT-002", "error", fmt.Sprintf("IVA %s should be %s.", iva.String(), want.String()))
		}
	}
	ret := decimal.Zero
	for _, ir := range tot.ChildrenNamed("ImptoReten") {
		if ir.Child("TipoImp").Text() == "15" {
			if v, err := decimal.NewFromString(ir.Child("MontoImp").Text()); err == nil {
				ret = ret.Add(v)
			}
		}
	}
	if want := neto.Add(exe).Add(iva).Sub(ret); !want.Equal(total) {
		add("TOT-003", "error", fmt.Sprintf("MntTotal %s should be %s.", total.String(), want.String()))
	}
}

// CheckDuplicate runs DUP-001 on an answer that accepted its documents and
// records them; it turns the answer into a rejection for a folio the
// sandbox already accepted.
func (s *Sandbox) CheckDuplicate(a *Answer, rut string, td int, folio int64) {
	if s.Seen == nil || a.DocStatus == "RCH" || a.DocStatus == "" {
		return
	}
	if s.Seen(rut, td, folio) {
		a.Messages = append(a.Messages, Message{"DUP-001", "error", fmt.Sprintf("Folio %d of type %d was already received.", folio, td)})
		a.DocStatus = "RCH"
	}
}

func orZero(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return strings.TrimSpace(s)
}

// cafFromTED reads the CAF copied into a TED (public part only).
func cafFromTED(ce *Elem) (*CAF, error) {
	if ce == nil {
		return nil, ErrCAFInvalid
	}
	da := ce.Child("DA")
	if da == nil || ce.Child("FRMA") == nil {
		return nil, ErrCAFInvalid
	}
	c := &CAF{Elem: ce, RE: da.Child("RE").Text(), RS: da.Child("RS").Text()}
	var err error
	if c.TD, err = strconv.Atoi(da.Child("TD").Text()); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.From, err = strconv.ParseInt(da.Path("RNG", "D").Text(), 10, 64); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.To, err = strconv.ParseInt(da.Path("RNG", "H").Text(), 10, 64); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.FA, err = time.Parse("2006-01-02", da.Child("FA").Text()); err != nil {
		return nil, ErrCAFInvalid
	}
	c.IDK, _ = strconv.Atoi(da.Child("IDK").Text())
	m, err1 := b64(da.Path("RSAPK", "M").Text())
	e, err2 := b64(da.Path("RSAPK", "E").Text())
	frma, err3 := b64(ce.Child("FRMA").Text())
	if err1 != nil || err2 != nil || err3 != nil || len(e) > 4 || len(m) == 0 {
		return nil, ErrCAFInvalid
	}
	c.PubKey = &rsa.PublicKey{N: new(big.Int).SetBytes(m), E: int(new(big.Int).SetBytes(e).Int64())}
	c.FRMA = frma
	return c, nil
}

// verifyEnveloping checks an XML-DSig Signature that references target by
// ID: the digest of target's C14N and the RSA-SHA1 value over SignedInfo,
// with the key of KeyInfo (the certificate's when present).
func verifyEnveloping(sig, target *Elem) bool {
	if sig == nil || target == nil {
		return false
	}
	si := sig.Child("SignedInfo")
	ref := si.Child("Reference")
	if si == nil || ref == nil || ref.Attr("URI") != "#"+target.Attr("ID") {
		return false
	}
	if si.Child("CanonicalizationMethod").Attr("Algorithm") != algC14N || si.Child("SignatureMethod").Attr("Algorithm") != algRSA ||
		ref.Child("DigestMethod").Attr("Algorithm") != algSHA1 {
		return false
	}
	if t := ref.Child("Transforms"); t != nil {
		for _, tr := range t.ChildrenNamed("Transform") {
			if tr.Attr("Algorithm") != algC14N {
				return false
			}
		}
	}
	dg := sha1.Sum(C14N(target))
	want, err := b64(ref.Child("DigestValue").Text())
	if err != nil || !bytes.Equal(want, dg[:]) {
		return false
	}
	sv, err := b64(sig.Child("SignatureValue").Text())
	if err != nil {
		return false
	}
	var pub *rsa.PublicKey
	if cert := sigCert(sig); cert != nil {
		pub, _ = cert.PublicKey.(*rsa.PublicKey)
	}
	if pub == nil {
		kv := sig.Path("KeyInfo", "KeyValue", "RSAKeyValue")
		m, err1 := b64(kv.Child("Modulus").Text())
		e, err2 := b64(kv.Child("Exponent").Text())
		if kv == nil || err1 != nil || err2 != nil || len(e) > 4 {
			return false
		}
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(m), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return VerifySHA1(pub, C14N(si), sv)
}

func sigCert(sig *Elem) *x509.Certificate {
	if sig == nil {
		return nil
	}
	c := sig.Path("KeyInfo", "X509Data", "X509Certificate")
	if c == nil {
		return nil
	}
	der, err := b64(c.Text())
	if err != nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return cert
}

//go:embed schemas/*.xsd
var schemaFS embed.FS

var (
	schemaMu  sync.Mutex
	schemaDir string
)

// schemaFiles writes the embedded schemas to a temporary directory for
// xmllint, once per process, and again if the directory disappeared (temp
// cleaners, a test's TMPDIR).
func schemaFiles() (string, error) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if schemaDir != "" {
		if _, err := os.Stat(filepath.Join(schemaDir, "EnvioBOLETA_v11.xsd")); err == nil {
			return schemaDir, nil
		}
	}
	dir, err := os.MkdirTemp("", "cobro-sii-schemas-")
	if err != nil {
		return "", err
	}
	ents, _ := schemaFS.ReadDir("schemas")
	for _, e := range ents {
		b, _ := schemaFS.ReadFile("schemas/" + e.Name())
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return "", err
		}
	}
	schemaDir = dir
	return dir, nil
}

// XMLLintAvailable reports whether schema validation can run.
func XMLLintAvailable() bool { _, err := exec.LookPath("xmllint"); return err == nil }

// SchemaCheck validates an envelope against the SII schemas (SCH-001).
//
// Go has no XSD validator, so this shells out to xmllint (libxml2) with
// the schemas embedded in the binary. Without xmllint it falls back to the
// structural checks the rest of the sandbox relies on; the tests always
// run xmllint (CI installs it).
func SchemaCheck(xml []byte, boleta bool) []string {
	if !XMLLintAvailable() {
		return structuralCheck(xml, boleta)
	}
	if _, err := schemaFiles(); err != nil {
		return structuralCheck(xml, boleta)
	}
	xsd := "EnvioDTE_v10.xsd"
	if boleta {
		xsd = "EnvioBOLETA_v11.xsd"
	}
	return xmllintCheck(xml, xsd)
}

// xmllintCheck validates xml against one of the embedded schemas with
// xmllint: nil when it validates (or xmllint cannot run), else its
// messages.
func xmllintCheck(xml []byte, xsd string) []string {
	dir, err := schemaFiles()
	if err != nil || !XMLLintAvailable() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xmllint", "--noout", "--nonet", "--schema", filepath.Join(dir, xsd), "-")
	cmd.Stdin = bytes.NewReader(xml)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	var msgs []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasSuffix(l, "fails to validate") || strings.HasSuffix(l, "validates") {
			continue
		}
		// "-:1: element X: Schemas validity error : Element '…': …"
		if i := strings.Index(l, "Schemas validity error : "); i >= 0 {
			l = l[i+len("Schemas validity error : "):]
		} else if i := strings.Index(l, "parser error : "); i >= 0 {
			l = l[i+len("parser error : "):]
		}
		msgs = append(msgs, l)
		if len(msgs) == 20 {
			break
		}
	}
	if len(msgs) == 0 {
		msgs = []string{"The envelope does not validate against the SII schemas."}
	}
	return msgs
}

// structuralCheck is the fallback without xmllint: the root, the
// namespace and the elements the sandbox reads.
func structuralCheck(xml []byte, boleta bool) []string {
	root, err := Parse(xml)
	if err != nil {
		return []string{"The envelope is not well-formed XML."}
	}
	want := "EnvioDTE"
	if boleta {
		want = "EnvioBOLETA"
	}
	var msgs []string
	if root.Name != want || root.Attr("xmlns") != NSSii {
		msgs = append(msgs, "The root element must be "+want+" in namespace "+NSSii+".")
	}
	set := root.Child("SetDTE")
	if set == nil || set.Child("Caratula") == nil || set.Child("DTE") == nil {
		return append(msgs, "Element 'SetDTE': Caratula and DTE are required.")
	}
	for _, p := range []string{"RutEmisor", "RutEnvia", "RutReceptor", "FchResol", "NroResol", "TmstFirmaEnv"} {
		if set.Child("Caratula").Child(p) == nil {
			msgs = append(msgs, "Element 'Caratula': missing child element "+p+".")
		}
	}
	for _, dte := range set.ChildrenNamed("DTE") {
		doc := dte.Child("Documento")
		if doc == nil || doc.Path("Encabezado", "IdDoc", "TipoDTE") == nil || doc.Path("Encabezado", "Totales", "MntTotal") == nil ||
			doc.Child("Detalle") == nil || doc.Child("TED") == nil {
			msgs = append(msgs, "Element 'Documento': Encabezado, Detalle and TED are required.")
		}
	}
	return msgs
}
