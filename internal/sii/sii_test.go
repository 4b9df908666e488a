package sii

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "regenerate golden files")

// fixed test time: 2025-06-02 12:00:01 in Santiago
var testNow = time.Date(2025, 6, 2, 16, 0, 1, 0, time.UTC)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func dp(s string) *decimal.Decimal {
	v := d(s)
	return &v
}

// testCAFKey is a fixed 512-bit stamp key (testdata/caf_key.pem).
func testCAFKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	p := filepath.Join("testdata", "caf_key.pem")
	b, err := os.ReadFile(p)
	if err != nil {
		k, err := generateCAFKey()
		if err != nil {
			t.Fatal(err)
		}
		b = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k.Precompute()
	return k
}

const issuerRUT = "77123456-9"

func testIssuer() Issuer {
	return Issuer{RUT: issuerRUT, BusinessName: "Servicios Cobro Demo SpA", Activity: "Desarrollo de software",
		ActivityCodes: []int{620100}, Address: "Av. Providencia 1208, of. 501", Commune: "Providencia", City: "Santiago",
		ResolutionNumber: 0, ResolutionDate: "2025-01-15"}
}

func testCAF(t testing.TB, td int, from, to int64) *CAF {
	t.Helper()
	raw, err := GenerateCAFWithKey(SandboxSIIKey(), SandboxIDK, testCAFKey(t), issuerRUT, "Servicios Cobro Demo SpA", td, from, to, time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCAF(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sampleDoc is the factura of docs/tax-agency.md#6-dte-xml-and-field-mapping.
func sampleDoc(td int) *Doc {
	doc := &Doc{Type: td, Folio: 1234, Date: "2025-06-02", DueDate: "2025-06-12", Issuer: testIssuer(),
		Receiver: Receiver{RUT: "76086428-5", Name: "Comercial Andes SpA", Activity: "Venta de equipos", Email: "facturas@andes.cl",
			Address: "Av. Apoquindo 4501, of. 1201", Commune: "Las Condes"},
		Lines: []Line{
			{Code: "CLOUD-PRO", CodeScheme: "INT1", Name: "Cloud Pro", Description: "Cobro Cloud, plan Pro", Unit: "user", Quantity: d("5"), Price: d("25000"), Total: d("125000")},
			{Name: "Setup (cuota 1/2)", Description: "Implementation & onboarding <ñandú>", Quantity: d("1"), Price: d("60000"), Total: d("60000")},
		},
		Discount: &GlobalDiscount{Scheme: "%", Value: d("20")},
		Net:      dp("148000"), TaxPercent: d("19"), VAT: dp("28120"), Total: d("176120"),
	}
	return doc
}

func have(t *testing.T, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		t.Skipf("SKIP: %s is not installed (apt-get install libxml2-utils xmlsec1)", bin)
	}
}

func TestBuildCL33ValidatesAndVerifies(t *testing.T) {
	caf := testCAF(t, 33, 1201, 1300)
	doc := sampleDoc(33)
	env, err := Build(doc, caf, SandboxCertificate(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "dte.xml")
	os.WriteFile(p, env.XML, 0o644)
	have(t, "xmllint")
	out, err := exec.Command("xmllint", "--noout", "--schema", "/work/shared/sii/schemas/EnvioDTE_v10.xsd", p).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint: %s\n%s", out, env.XML)
	}
	have(t, "xmlsec1")
	out, err = exec.Command("xmlsec1", "--verify", "--id-attr:ID", "Documento", "--id-attr:ID", "SetDTE", p).CombinedOutput()
	if err != nil {
		t.Fatalf("xmlsec1: %s", out)
	}
	t.Logf("%s", out)
	_ = bytes.Contains
	_ = strings.Contains
}
