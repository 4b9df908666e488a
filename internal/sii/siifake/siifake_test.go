package siifake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siifake"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
	"github.com/shopspring/decimal"
)

const issuer = "77123456-9"

var today = time.Now()

func envelope(t *testing.T, td int, folio int64, mutate func(*sii.Doc)) []byte {
	t.Helper()
	raw, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, issuer, "Servicios Cobro Demo SpA", td, 1, 100, today)
	if err != nil {
		t.Fatal(err)
	}
	caf, err := sii.ParseCAF(raw)
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	net, vat := d("50000"), d("9500")
	doc := &sii.Doc{Type: td, Folio: folio, Date: today.In(sii.Santiago()).Format("2006-01-02"), Cash: true, Service: 3,
		Issuer: sii.Issuer{RUT: issuer, BusinessName: "Servicios Cobro Demo SpA", Activity: "Desarrollo de software", ActivityCodes: []int{620100},
			Address: "Av. Providencia 1208", Commune: "Providencia", ResolutionDate: "2025-01-15"},
		Receiver: sii.Receiver{RUT: "76086428-5", Name: "Comercial Andes SpA", Activity: "Venta de equipos", Address: "Av. Apoquindo 4501", Commune: "Las Condes"},
		Lines:    []sii.Line{{Name: "Cloud Pro", Quantity: d("2"), Price: d("25000"), Total: d("50000")}},
		Net:      &net, VAT: &vat, TaxPercent: d("19"), Total: d("59500")}
	if mutate != nil {
		mutate(doc)
	}
	env, err := sii.Build(doc, caf, sii.SandboxCertificate(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return env.XML
}

func start(t *testing.T) (*siifake.Server, *siiws.Client) {
	fake := &siifake.Server{}
	ts := httptest.NewServer(fake.Handler())
	t.Cleanup(ts.Close)
	return fake, &siiws.Client{Env: siiws.Certification, BaseURL: ts.URL, HTTP: ts.Client(), Tokens: &siiws.TokenCache{}}
}

// The DTE services end to end: seed, token, upload, QueryEstUp, QueryEstDte.
func TestDTEFlow(t *testing.T) {
	fake, c := start(t)
	ctx := context.Background()
	cert := sii.SandboxCertificate()
	track, err := c.Upload(ctx, cert, issuer, envelope(t, 33, 7, nil), false)
	if err != nil || len(track) != 10 {
		t.Fatalf("upload: %q %v", track, err)
	}
	st, err := c.UploadStatus(ctx, cert, issuer, track, false)
	if err != nil || st.State != "EPR" || !st.Final() || st.DocStatus() != "DOK" || st.Accepted != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	q := siiws.DocQuery{Company: issuer, Receiver: "76086428-5", Type: 33, Folio: 7, Date: today.In(sii.Santiago()).Format("2006-01-02"), Amount: "59500"}
	if ds, err := c.DocStatus(ctx, cert, q); err != nil || ds.State != "DOK" {
		t.Fatalf("doc status: %+v %v", ds, err)
	}
	q.Amount = "1"
	if ds, _ := c.DocStatus(ctx, cert, q); ds.State != "DNK" {
		t.Fatalf("doc status with another amount: %+v", ds)
	}
	if n := fake.Calls(siiws.PathToken); n != 1 {
		t.Errorf("token requests %d, want 1 (cached)", n)
	}
	// the token expires: the client renews it and the upload goes through
	fake.ExpireTokens()
	track2, err := c.Upload(ctx, cert, issuer, envelope(t, 33, 8, nil), false)
	if err != nil || track2 == track {
		t.Fatalf("upload after expiry: %q %v", track2, err)
	}
	if n := fake.Calls(siiws.PathToken); n != 2 {
		t.Errorf("token requests %d, want 2", n)
	}
	// the same folio again: rejected as already received
	track3, err := c.Upload(ctx, cert, issuer, envelope(t, 33, 7, nil), false)
	if err != nil {
		t.Fatal(err)
	}
	st, _ = c.UploadStatus(ctx, cert, issuer, track3, false)
	if st.DocStatus() != "RCH" || len(st.Messages) != 1 || st.Messages[0].Code != "DUP-001" {
		t.Fatalf("repeated folio: %+v", st)
	}
	// a rejection carries the sandbox's messages
	track4, _ := c.Upload(ctx, cert, issuer, envelope(t, 33, 9, func(d *sii.Doc) { d.Receiver.RUT = "76086428-4" }), false)
	st, _ = c.UploadStatus(ctx, cert, issuer, track4, false)
	if st.State != "EPR" || st.DocStatus() != "RCH" || st.Messages[0].Text != "RUTRecep 76086428-4 has an invalid check digit." {
		t.Fatalf("rejection: %+v", st)
	}
}

// 5xx and maintenance are temporary; the next try succeeds.
func TestTemporaryFailures(t *testing.T) {
	fake, c := start(t)
	ctx := context.Background()
	cert := sii.SandboxCertificate()
	fake.Fail(siiws.PathUpload, http.StatusBadGateway)
	_, err := c.Upload(ctx, cert, issuer, envelope(t, 33, 1, nil), false)
	if !siiws.IsTemporary(err) || !strings.Contains(err.Error(), "HTTP-502") {
		t.Fatalf("502: %v", err)
	}
	fake.Maintenance(true)
	if _, err := c.UploadStatus(ctx, cert, issuer, "1", false); !siiws.IsTemporary(err) {
		t.Fatalf("maintenance: %v", err)
	}
	fake.Maintenance(false)
	if _, err := c.Upload(ctx, cert, issuer, envelope(t, 33, 1, nil), false); err != nil {
		t.Fatal(err)
	}
	// another company's RUT in the upload form: the envelope is refused (carátula)
	track, _ := c.Upload(ctx, cert, "76086428-5", envelope(t, 33, 2, nil), false)
	if st, _ := c.UploadStatus(ctx, cert, "76086428-5", track, false); st.State != "RCT" {
		t.Fatalf("other company: %+v", st)
	}
}

// A boleta through the REST API: semilla, token, envío, estado (JSON).
func TestBoletaFlow(t *testing.T) {
	fake, c := start(t)
	ctx := context.Background()
	cert := sii.SandboxCertificate()
	xml := envelope(t, 39, 3, func(d *sii.Doc) { d.Receiver = sii.Receiver{RUT: sii.RUTAnonymous}; d.Service = 3 })
	track, err := c.Upload(ctx, cert, issuer, xml, true)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.UploadStatus(ctx, cert, issuer, track, true)
	if err != nil || st.State != "EPR" || st.DocStatus() != "DOK" {
		t.Fatalf("boleta status: %+v %v", st, err)
	}
	if fake.Calls(siiws.PathBoletaToken) != 1 || fake.Calls(siiws.PathToken) != 0 {
		t.Errorf("boleta token not from the boleta API")
	}
	fake.ExpireTokens()
	if _, err := c.UploadStatus(ctx, cert, issuer, track, true); err != nil {
		t.Fatalf("status after expiry: %v", err)
	}
}

// The signed seed verifies with xmlsec1 (an independent XML-DSig
// implementation) and is refused by the fake once tampered with.
func TestSignedSeedXMLSec(t *testing.T) {
	if _, err := exec.LookPath("xmlsec1"); err != nil {
		t.Skip("xmlsec1 not installed")
	}
	signed, err := siiws.SignedSeed("012345678901", sii.SandboxCertificate())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "seed.xml")
	os.WriteFile(p, signed, 0o600)
	if out, err := exec.Command("xmlsec1", "--verify", "--insecure", p).CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1: %v\n%s\n%s", err, out, signed)
	}
	bad := strings.Replace(string(signed), "012345678901", "012345678902", 1)
	os.WriteFile(p, []byte(bad), 0o600)
	if err := exec.Command("xmlsec1", "--verify", "--insecure", p).Run(); err == nil {
		t.Fatal("xmlsec1 accepted a tampered seed")
	}
	root, _ := sii.Parse([]byte(bad))
	if _, err := sii.VerifyEnveloped(root); err == nil {
		t.Fatal("a tampered seed verified")
	}
}

// The register of acceptances and claims over the real transport: a
// document the SII received is accepted once; a claim after it, and an
// unknown document, are refused; its events list the acceptance.
func TestRCV(t *testing.T) {
	fake := &siifake.Server{}
	ts := httptest.NewServer(fake.Handler())
	defer ts.Close()
	c := &siiws.Client{Env: siiws.Certification, BaseURL: ts.URL, Tokens: &siiws.TokenCache{}}
	cert := sii.SandboxCertificate()
	ctx := context.Background()
	if _, err := c.Upload(ctx, cert, issuer, envelope(t, 33, 7, nil), false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		folio  int64
		action string
		code   int
	}{{7, "ACD", siiws.RCVOK}, {7, "ACD", siiws.RCVRegistered}, {7, "RCD", 6}, {7, "ERM", siiws.RCVOK}, {8, "ACD", 16}, {7, "XYZ", 1}} {
		a, err := c.RCVAction(ctx, cert, issuer, 33, tc.folio, tc.action)
		if err != nil || a.Code != tc.code || a.Text == "" {
			t.Errorf("%s on folio %d: %+v %v, want code %d", tc.action, tc.folio, a, err, tc.code)
		}
	}
	a, evs, err := c.RCVEvents(ctx, cert, issuer, 33, 7)
	if err != nil || a.Code != 0 || len(evs) != 2 || evs[0].Code != "ACD" || evs[1].Code != "ERM" || evs[0].Responsible != cert.RUT {
		t.Fatalf("events: %+v %+v %v", a, evs, err)
	}
	if fake.Calls(siiws.PathRCVCert) != 7 {
		t.Errorf("calls to the certification register: %d", fake.Calls(siiws.PathRCVCert))
	}
	// an expired token is renewed once
	fake.ExpireTokens()
	if a, err := c.RCVAction(ctx, cert, issuer, 33, 7, "ERM"); err != nil || a.Code != siiws.RCVRegistered {
		t.Errorf("after the token expired: %+v %v", a, err)
	}
}
