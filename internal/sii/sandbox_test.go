package sii

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func codes(a Answer) string {
	var c []string
	for _, m := range a.Messages {
		c = append(c, m.Code+" "+m.Text)
	}
	return strings.Join(c, "; ")
}

func build(t *testing.T, doc *Doc, caf *CAF) []byte {
	t.Helper()
	env, err := Build(doc, caf, SandboxCertificate(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	return env.XML
}

// The sandbox rejects with the SII-like codes of docs/tax-agency.md#92-the-sandbox.
func TestSandboxRejections(t *testing.T) {
	caf := testCAF(t, 33, 1201, 1300)
	sb := &Sandbox{Today: testNow}
	cases := []struct {
		name, status, want string
		doc                func() *Doc
		caf                *CAF
		mangle             func([]byte) []byte
	}{
		{name: "tampered amount", status: "RFR", want: "FRM-001 Signature of F1201T33 does not verify.; FRM-002 Envelope signature does not verify.",
			doc: func() *Doc { return docFor(33) }, mangle: func(b []byte) []byte {
				return bytes.Replace(b, []byte("<MntTotal>63719<"), []byte("<MntTotal>63710<"), 1)
			}},
		{name: "envelope only", status: "RFR", want: "FRM-002 Envelope signature does not verify.",
			doc: func() *Doc { return docFor(33) }, mangle: func(b []byte) []byte {
				return bytes.Replace(b, []byte("<NroResol>0<"), []byte("<NroResol>1<"), 1)
			}},
		{name: "schema", status: "RSC", want: "SCH-001 Element '{http://www.sii.cl/SiiDte}Folio': '0' is not a valid value of the atomic type '{http://www.sii.cl/SiiDte}FolioType'.; SCH-001 Element '{http://www.sii.cl/SiiDte}F': '0' is not a valid value of the atomic type '{http://www.sii.cl/SiiDte}FolioType'.",
			doc: func() *Doc { x := docFor(33); x.Folio = 0; return x }},
		{name: "vat", status: "EPR", want: "TOT-002 IVA 8659 should be 8658.; TOT-003 MntTotal 63719 should be 63720.",
			doc: func() *Doc { x := docFor(33); x.VAT = dp("8659"); return x }},
		{name: "line", status: "EPR", want: "TOT-001 Line 1: MontoItem 47971 should be 47970.",
			doc: func() *Doc { x := docFor(33); x.Lines[0].Total = d("47971"); return x }},
		{name: "receiver rut", status: "EPR", want: "RUT-001 RUTRecep 76086428-4 has an invalid check digit.",
			doc: func() *Doc { x := docFor(33); x.Receiver.RUT = "76086428-4"; return x }},
		{name: "folio range", status: "EPR", want: "CAF-002 Folio 1301 is outside the CAF range 1201-1300.",
			doc: func() *Doc { x := docFor(33); x.Folio = 1301; return x }},
		{name: "caf other rut", status: "EPR", want: "CAF-001 CAF does not belong to the issuer.",
			doc: func() *Doc { x := docFor(33); return x }, caf: func() *CAF {
				raw, _ := GenerateCAFWithKey(SandboxSIIKey(), SandboxIDK, testCAFKey(t), "76086428-5", "Otro", 33, 1201, 1300, time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC))
				c, _ := ParseCAF(raw)
				return c
			}()},
		{name: "caf expired", status: "EPR", want: "CAF-003 CAF expired on 2025-05-30.",
			doc: func() *Doc { return docFor(33) }, caf: func() *CAF {
				raw, _ := GenerateCAFWithKey(SandboxSIIKey(), SandboxIDK, testCAFKey(t), issuerRUT, "Demo", 33, 1201, 1300, time.Date(2024, 11, 30, 0, 0, 0, 0, time.UTC))
				c, _ := ParseCAF(raw)
				return c
			}()},
		{name: "caf untrusted", status: "EPR", want: "CAF-001 The CAF signature is not valid.",
			doc: func() *Doc { return docFor(33) }, caf: func() *CAF {
				raw, _ := GenerateCAFWithKey(SandboxCertificate().Key, SandboxIDK, testCAFKey(t), issuerRUT, "Demo", 33, 1201, 1300, time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC))
				c, _ := ParseCAF(raw)
				return c
			}()},
		{name: "credit note without CodRef", status: "EPR", want: "REF-001 Credit note without reference to the adjusted document.",
			doc: func() *Doc { x := docFor(61); x.References[0].Code = 0; return x }, caf: testCAF(t, 61, 1201, 1300)},
		{name: "future", status: "EPR", want: "DAT-001 FchEmis 2025-06-03 is in the future.",
			doc: func() *Doc { x := docFor(33); x.Date = "2025-06-03"; return x }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cf := caf
			if c.caf != nil {
				cf = c.caf
			}
			xml := build(t, c.doc(), cf)
			if c.mangle != nil {
				xml = c.mangle(xml)
			}
			a := sb.Check(xml)
			if a.Status != c.status || a.DocStatus != "RCH" || codes(a) != c.want {
				t.Fatalf("got %s/%s %q\nwant %s/RCH %q", a.Status, a.DocStatus, codes(a), c.status, c.want)
			}
		})
	}
}

func TestSandboxDuplicateAndDeterministic(t *testing.T) {
	seen := map[string]bool{}
	sb := &Sandbox{Today: testNow, Seen: func(rut string, td int, folio int64) bool {
		k := rut + "/" + string(rune(td)) + "/" + string(rune(folio))
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	}}
	xml := build(t, docFor(33), testCAF(t, 33, 1201, 1300))
	a := sb.Check(xml)
	sb.CheckDuplicate(&a, issuerRUT, 33, 1201)
	b := sb.Check(xml)
	if a.TrackID != b.TrackID || len(a.TrackID) != 10 || a.DocStatus != "DOK" {
		t.Fatalf("answers %+v %+v", a, b)
	}
	sb.CheckDuplicate(&b, issuerRUT, 33, 1201)
	if b.DocStatus != "RCH" || codes(b) != "DUP-001 Folio 1201 of type 33 was already received." {
		t.Fatalf("duplicate: %+v", b)
	}
}

// Golden signed XML with fixed keys and time (go test -update rewrites it).
func TestGoldenCL33(t *testing.T) {
	xml := build(t, sampleDoc(33), testCAF(t, 33, 1201, 1300))
	p := filepath.Join("testdata", "golden_cl33.xml")
	if *update {
		if err := os.WriteFile(p, xml, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(xml, want) {
		t.Fatalf("signed XML differs from %s (go test ./internal/sii -run TestGoldenCL33 -update after checking the change)", p)
	}
	// ISO-8859-1 on the wire: ñ is one byte
	if !bytes.Contains(xml, []byte("&lt;\xf1and\xfa&gt;")) {
		t.Fatal("text not escaped/encoded as ISO-8859-1")
	}
	xmlCheck(t, xml, false)
}

func TestParseCAF(t *testing.T) {
	raw, err := GenerateCAFWithKey(SandboxSIIKey(), SandboxIDK, testCAFKey(t), issuerRUT, "Servicios Cobro Demo SpA", 33, 1, 100, time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCAF(raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.RE != issuerRUT || c.TD != 33 || c.From != 1 || c.To != 100 || c.IDK != 100 || c.PubKey.E != 3 || c.PubKey.N.BitLen() != 512 {
		t.Fatalf("%+v", c)
	}
	if !c.VerifySignature(&SandboxSIIKey().PublicKey) || c.VerifySignature(&SandboxCertificate().Key.PublicKey) {
		t.Fatal("FRMA check")
	}
	if exp, ok := c.Expires(); !ok || exp.Format("2006-01-02") != "2026-02-28" {
		t.Fatalf("expiry %v (month-end clamped)", exp)
	}
	if _, ok := CAFExpiry(52, c.FA); ok {
		t.Fatal("52 does not expire")
	}
	// tampering and bad input
	other, _ := generateCAFKey()
	otherPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}))
	s := string(raw)
	i, j := strings.Index(s, "-----BEGIN RSA"), strings.Index(s, "-----END RSA PRIVATE KEY-----")+len("-----END RSA PRIVATE KEY-----\n")
	for name, c := range map[string]struct{ in, want string }{
		"not xml":     {"hello", "The file is not a valid CAF."},
		"other root":  {"<X/>", "The file is not a valid CAF."},
		"key":         {s[:i] + otherPEM + s[j:], "The CAF private key does not match its public key."},
		"range":       {strings.Replace(strings.Replace(s, "<D>1</D>", "<D>200</D>", 1), "<H>100</H>", "<H>100</H>", 1), "The CAF range is invalid."},
		"missing idk": {strings.Replace(s, "<IDK>100</IDK>", "", 1), "The file is not a valid CAF."},
	} {
		_, err := ParseCAF([]byte(c.in))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	// a tampered range no longer matches the SII signature
	c2, err := ParseCAF([]byte(strings.Replace(s, "<H>100</H>", "<H>1000</H>", 1)))
	if err != nil || c2.VerifySignature(&SandboxSIIKey().PublicKey) {
		t.Fatalf("tampered range verified: %v", err)
	}
}

func FuzzParseCAF(f *testing.F) {
	raw, _ := GenerateCAFWithKey(SandboxSIIKey(), SandboxIDK, testCAFKey(f), issuerRUT, "Demo", 33, 1, 100, time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC))
	f.Add(raw)
	f.Add([]byte("<AUTORIZACION><CAF><DA></DA></CAF></AUTORIZACION>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCAF(b)
		if err == nil {
			if c.Key == nil || c.PubKey == nil || c.From > c.To || c.From < 1 {
				t.Fatalf("accepted an incomplete CAF: %+v", c)
			}
			c.VerifySignature(&SandboxSIIKey().PublicKey)
		} else if _, ok := err.(*CAFError); !ok {
			t.Fatalf("error type %T", err)
		}
	})
}

func TestLoadPKCS12(t *testing.T) {
	sc := SandboxCertificate()
	p12, err := sc.PKCS12("secreto")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := LoadPKCS12(p12, "secreto", now)
	if err != nil || c.RUT != SandboxRUT {
		t.Fatalf("%v %+v", err, c)
	}
	sum := c.Summary()
	if sum.SubjectRUT != "11111111-1" || sum.SubjectName != "COBRO SANDBOX TEST CERTIFICATE" || len(sum.FingerprintSHA1) != 40 {
		t.Fatalf("%+v", sum)
	}
	for name, tc := range map[string]struct {
		data []byte
		pw   string
		now  time.Time
		want string
	}{
		"password": {p12, "wrong", now, "password: The certificate could not be opened with this password."},
		"garbage":  {[]byte("not a p12"), "x", now, "file: The file is not a valid PKCS#12 (.p12/.pfx) certificate."},
		"expired":  {p12, "secreto", time.Date(2050, 2, 1, 0, 0, 0, 0, time.UTC), "file: The certificate expired on 2050-01-01."},
	} {
		_, err := LoadPKCS12(tc.data, tc.pw, tc.now)
		ce, ok := err.(*CertError)
		if !ok || ce.Field+": "+ce.Msg != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}
	// no RUT anywhere
	noRUT, err := FakeCertificate(sc.Key, SandboxRUT, "X", now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *noRUT.Cert
	tmpl.Subject.SerialNumber = ""
	tmpl.ExtraExtensions = nil
	tmpl.Extensions = nil
	tmpl.RawSubject = nil
	der, err := x509.CreateCertificate(nil, &tmpl, &tmpl, &sc.Key.PublicKey, sc.Key)
	if err != nil {
		t.Fatal(err)
	}
	{
		cert, _ := x509.ParseCertificate(der)
		if _, err := NewCertificate(sc.Key, cert); err != ErrCertNoRUT {
			t.Fatalf("no RUT: %v", err)
		}
	}
	_ = rsa.PublicKey{}
}

func BenchmarkBuildCL33(b *testing.B) {
	caf := testCAF(b, 33, 1, 9_999_999_999)
	cert := SandboxCertificate()
	for i := 0; b.Loop(); i++ {
		doc := sampleDoc(33)
		doc.Folio = int64(i + 1)
		if _, err := Build(doc, caf, cert, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzSandboxCheck: the sandbox answers any envelope without panicking,
// with the schema check off so that the Go checks see every shape.
func FuzzSandboxCheck(f *testing.F) {
	env, err := Build(docFor(33), testCAF(f, 33, 1201, 1300), SandboxCertificate(), testNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env.XML)
	f.Add([]byte(`<EnvioDTE xmlns="http://www.sii.cl/SiiDte"><SetDTE ID="SetDoc"><DTE><Documento ID="x"><TED><DD><CAF/></DD></TED></Documento></DTE></SetDTE></EnvioDTE>`))
	f.Add([]byte(`<EnvioBOLETA><SetDTE/><Signature/></EnvioBOLETA>`))
	sb := &Sandbox{Today: testNow, Schema: func([]byte, bool) []string { return nil }}
	f.Fuzz(func(t *testing.T, b []byte) {
		a := sb.Check(b)
		if a.Status == "" || a.DocStatus == "" || len(a.TrackID) != 10 {
			t.Fatalf("incomplete answer %+v", a)
		}
	})
}
