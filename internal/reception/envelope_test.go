package reception

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// golden is the signed CL33 envelope of docs/tax-agency.md#6-dte-xml-and-field-mapping,
// addressed to 76086428-5.
func golden(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("..", "sii", "testdata", "golden_cl33.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEnvelope(t *testing.T) {
	env, err := ParseEnvelope(golden(t))
	if err != nil {
		t.Fatal(err)
	}
	if env.IssuerRUT != "77123456-9" || len(env.Docs) != 1 {
		t.Fatalf("envelope: %+v", env)
	}
	d := env.Docs[0]
	if d.Type != 33 || d.Folio != 1234 || d.Date != "2025-06-02" || d.DueDate != "2025-06-12" || d.ReceiverRUT != "76086428-5" ||
		d.Net.String() != "148000" || d.VAT.String() != "28120" || d.Total.String() != "176120" || d.Exempt.String() != "0" ||
		d.Discount == nil || !d.Discount.Percent || d.Discount.Value.String() != "20" || len(d.Lines) != 2 {
		t.Fatalf("document: %+v", d)
	}
	l := d.Lines[0]
	if l.Name != "Cloud Pro" || l.Quantity.String() != "5" || l.Price.String() != "25000" || l.Amount.String() != "125000" || l.Code != "CLOUD-PRO" {
		t.Fatalf("line: %+v", l)
	}
	if d.Issuer.RUT != "77123456-9" || d.Issuer.Name == "" || d.Issuer.Commune == "" {
		t.Fatalf("issuer: %+v", d.Issuer)
	}
}

// Verify: the golden envelope passes for its receiver on its date and is
// refused for another company.
func TestVerifyReceiver(t *testing.T) {
	day := time.Date(2025, 6, 2, 15, 0, 0, 0, time.UTC)
	if env, msgs := Verify(golden(t), "76086428-5", day, true); env == nil || len(msgs) != 0 {
		t.Fatalf("golden refused: %v", msgs)
	}
	_, msgs := Verify(golden(t), "12345678-5", day, true)
	if len(msgs) != 1 || msgs[0].Code != "REC-001" {
		t.Fatalf("another receiver: %v", msgs)
	}
}

// Verify in live mode: the golden envelope's CAF is signed by the public
// sandbox key, so it is refused (CAF-001) and says why.
func TestVerifyLiveRefusesSandboxCAF(t *testing.T) {
	day := time.Date(2025, 6, 2, 15, 0, 0, 0, time.UTC)
	_, msgs := Verify(golden(t), "76086428-5", day, false)
	if len(msgs) != 1 || msgs[0].Code != "CAF-001" || !strings.Contains(msgs[0].Text, "sandbox test key") {
		t.Fatalf("live: %v", msgs)
	}
}

// FuzzParseEnvelope: any file is read into documents or refused with an
// error, never a panic, and what is read has what recording needs.
func FuzzParseEnvelope(f *testing.F) {
	f.Add(golden(f))
	f.Add([]byte(`<EnvioDTE xmlns="http://www.sii.cl/SiiDte"><SetDTE><DTE><Documento><Encabezado><IdDoc><TipoDTE>33</TipoDTE><Folio>1</Folio></IdDoc></Encabezado><Detalle><MontoItem>1</MontoItem></Detalle></Documento></DTE></SetDTE></EnvioDTE>`))
	f.Add([]byte(`<EnvioDTE><SetDTE><DTE/></SetDTE></EnvioDTE>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := ParseEnvelope(b)
		if err != nil {
			return
		}
		for _, d := range env.Docs {
			if d.Folio < 1 || len(d.Lines) == 0 {
				t.Fatalf("read a document recording cannot use: %+v", d)
			}
			for _, l := range d.Lines {
				if !l.Quantity.IsPositive() {
					t.Fatalf("line quantity %s", l.Quantity)
				}
			}
		}
	})
}

// FuzzAttachments: any message is read into a sender and EnvioDTE
// attachments or skipped, never a panic.
func FuzzAttachments(f *testing.F) {
	f.Add([]byte("From: a@b.cl\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/xml\r\nContent-Disposition: attachment; filename=\"e.xml\"\r\n\r\n<EnvioDTE/>\r\n--x--\r\n"))
	f.Add([]byte("From: a@b.cl\r\n\r\nhola"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, files := Attachments(b)
		for _, fl := range files {
			if fl.Name == "" || len(fl.Data) > maxAttachment {
				t.Fatalf("attachment %q of %d bytes", fl.Name, len(fl.Data))
			}
		}
	})
}
