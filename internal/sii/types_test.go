package sii

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// docFor returns a representative document of each type, with totals
// from docs/conventions.md#8-totals-formula where there is a worked example.
func docFor(td int) *Doc {
	doc := sampleDoc(td)
	doc.Folio = 1201
	switch td {
	case 33: // worked example: 3 × 15990 taxable, 1 × 9990 exempt, 5 % global discount
		doc.Lines = []Line{
			{Name: "Equipo", Quantity: d("3"), Price: d("15990"), Total: d("47970")},
			{Name: "Servicio exento", Quantity: d("1"), Price: d("9990"), Total: d("9990"), Exempt: true},
		}
		doc.Discount = &GlobalDiscount{Scheme: "%", Value: d("5"), HasExempt: true}
		doc.Net, doc.Exempt, doc.VAT, doc.Total = dp("45571"), dp("9490"), dp("8658"), d("63719")
	case 34:
		doc.Lines = []Line{{Name: "Curso", Quantity: d("2"), Price: d("50000"), Total: d("100000"), Exempt: true}}
		doc.Discount = nil
		doc.Net, doc.Exempt, doc.VAT, doc.Total = nil, dp("100000"), nil, d("100000")
		doc.TaxPercent = d("0")
	case 39: // worked example: 2 × 5990 tax-inclusive
		doc.Receiver = Receiver{}
		doc.Lines = []Line{{Name: "Café de grano", Quantity: d("2"), Price: d("5990"), Total: d("11980")}}
		doc.Discount = nil
		doc.Net, doc.VAT, doc.Total = dp("10067"), dp("1913"), d("11980")
	case 46: // worked example: 10 × 1000, VAT withheld
		doc.Lines = []Line{{Name: "Cobre en desuso", Quantity: d("10"), Price: d("1000"), Total: d("10000"), RetainedVAT: true}}
		doc.Discount = nil
		doc.Net, doc.VAT, doc.Retained, doc.Total = dp("10000"), dp("1900"), dp("1900"), d("10000")
	case 52:
		doc.ShippingType = 1
		doc.Transport = &Transport{Plate: "ABCD12", DriverRUT: "12345678-5", DriverName: "Juan Soto", Address: "Camino Lo Boza 120"}
	case 56:
		doc.References = []Reference{{Type: "61", Folio: "77", Date: "2025-06-01", Code: 1, Reason: "Anula nota de crédito"}}
	case 61: // credits the worked CL33 example in full
		doc.Lines = []Line{
			{Name: "Equipo", Quantity: d("3"), Price: d("15990"), Total: d("47970")},
			{Name: "Servicio exento", Quantity: d("1"), Price: d("9990"), Total: d("9990"), Exempt: true},
		}
		doc.Discount = &GlobalDiscount{Scheme: "%", Value: d("5"), HasExempt: true}
		doc.Net, doc.Exempt, doc.VAT, doc.Total = dp("45571"), dp("9490"), dp("8658"), d("63719")
		doc.References = []Reference{{Type: "33", Folio: "1200", Date: "2025-06-01", Code: 1, Reason: "Anula documento"}, {Type: "801", Folio: "OC-55", Date: "2025-05-30"}}
	}
	return doc
}

// xmlCheck runs the external oracles on an envelope: xmllint against the
// SII schemas and xmlsec1 on both signatures.
func xmlCheck(t *testing.T, xml []byte, boleta bool) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "envio.xml")
	if err := os.WriteFile(p, xml, 0o644); err != nil {
		t.Fatal(err)
	}
	have(t, "xmllint")
	xsd := "EnvioDTE_v10.xsd"
	if boleta {
		xsd = "EnvioBOLETA_v11.xsd"
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join("schemas", xsd), p).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %s\n%s", out, xml)
	}
	have(t, "xmlsec1")
	for _, node := range []string{"/*/*/*/*[local-name()='Signature']", "/*/*[local-name()='Signature']"} {
		out, err := exec.Command("xmlsec1", "--verify", "--id-attr:ID", "Documento", "--id-attr:ID", "SetDTE", "--node-xpath", node, p).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("OK")) {
			t.Fatalf("xmlsec1 %s: %v %s", node, err, out)
		}
	}
}

// Every CL type builds an envelope that validates against the SII
// schemas, whose two signatures verify with xmlsec1, and that the sandbox
// accepts (TED against the CAF key, totals, RUTs, folio range).
func TestEveryTypeValidatesSignsAndIsAccepted(t *testing.T) {
	for _, td := range Types {
		t.Run(strings.TrimSpace(string(rune('0'+td/10))+string(rune('0'+td%10))), func(t *testing.T) {
			caf := testCAF(t, td, 1201, 1300)
			doc := docFor(td)
			env, err := Build(doc, caf, SandboxCertificate(), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(env.XML, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`)) {
				t.Fatalf("declaration: %.60s", env.XML)
			}
			xmlCheck(t, env.XML, td == 39)
			sb := &Sandbox{Today: testNow}
			a := sb.Check(env.XML)
			if a.Status != "EPR" || a.DocStatus != "DOK" || len(a.Messages) != 0 {
				t.Fatalf("sandbox: %+v", a)
			}
			// the TED verifies with the CAF public key alone
			root, _ := Parse(env.XML)
			ted := root.ByID(doc.ID()).Child("TED")
			sig, _ := b64(ted.Child("FRMT").Text())
			if !VerifySHA1(caf.PubKey, Flat(ted.Child("DD")), sig) {
				t.Fatal("TED does not verify with RSAPK")
			}
		})
	}
}
