package api_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// pdfText extracts the text of a PDF with pdftotext (poppler-utils).
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils); .ci/run installs it")
	}
	f := filepath.Join(t.TempDir(), "d.pdf")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestDocumentPDFs(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := apitest.Str(c.Post("/invoices/", `{"customer": "`+cus+`", "document": "US1", "date": "2025-06-02",
		 "due_date": "2025-07-02", "tax_percent": 8.25, "discount": 10, "discount_scheme": "$", "note": "Thank you!",
		 "lines": [{"name": "Widget", "quantity": 3, "amount": 19.99, "discount": 10},
		           {"name": "Installation", "quantity": 1, "amount": 100.00, "exempt": true}]}`).Expect(201), "id")

		// default: base64 in JSON; drafts carry the watermark
		got := c.Get("/invoices/" + inv + "/pdf/").Expect(200)
		raw, err := base64.StdEncoding.DecodeString(apitest.Str(got, "file"))
		if err != nil || !bytes.HasPrefix(raw, []byte("%PDF-")) {
			t.Fatalf("file is not a base64 PDF: %v", err)
		}
		text := pdfText(t, raw)
		for _, want := range []string{"Invoice", "Acme Nation LLC", "Widget", "Installation", "147.60", "DRAFT", "Thank you!"} {
			if !strings.Contains(text, want) {
				t.Errorf("draft PDF lacks %q:\n%s", want, text)
			}
		}
		// deterministic for a given state
		again := c.Get("/invoices/" + inv + "/pdf/").Expect(200)
		if apitest.Str(again, "file") != apitest.Str(got, "file") {
			t.Error("two renders of the same draft differ")
		}

		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		r := c.Do("GET", "/invoices/"+inv+"/pdf/", nil, "Accept", "application/pdf")
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
			t.Fatalf("raw PDF: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `inline; filename=Invoice-1.pdf` {
			t.Errorf("Content-Disposition %q", cd)
		}
		text = pdfText(t, r.Body)
		if strings.Contains(text, "DRAFT") || !strings.Contains(text, "147.60") {
			t.Errorf("finalized PDF:\n%s", text)
		}
		// the receiver is frozen at finalize
		c.Patch("/customers/"+cus+"/", map[string]any{"name": "Renamed Inc"}).Expect(200)
		if text := pdfText(t, c.Do("GET", "/invoices/"+inv+"/pdf/", nil, "Accept", "application/pdf").Body); !strings.Contains(text, "Acme Nation LLC") || strings.Contains(text, "Renamed") {
			t.Errorf("finalized PDF does not keep the receiver it was finalized with:\n%s", text)
		}

		// every kind renders
		crn := apitest.Str(c.Post("/creditnotes/", map[string]any{"invoice": inv, "date": "2025-06-10", "lines": []any{map[string]any{"name": "Widget", "quantity": 1, "amount": 19.99}}}).Expect(201), "id")
		if text := pdfText(t, c.Do("GET", "/creditnotes/"+crn+"/pdf/", nil, "Accept", "application/pdf").Body); !strings.Contains(text, "Credit note") || !strings.Contains(text, "21.64") {
			t.Errorf("credit note PDF:\n%s", text)
		}
		ord := apitest.Str(c.Post("/orders/", map[string]any{"customer": cus, "document": "US2", "date": "2020-10-21", "lines": []any{map[string]any{"name": "My physical product", "quantity": 4, "amount": 500}}}).Expect(201), "id")
		if text := pdfText(t, c.Do("GET", "/orders/"+ord+"/pdf/", nil, "Accept", "application/pdf").Body); !strings.Contains(text, "Order") || !strings.Contains(text, "2,000.00") {
			t.Errorf("order PDF:\n%s", text)
		}

		// Spanish for a Chilean workspace
		cl := e.Workspace("CL")
		clCus := docCLCustomer(cl, "Comercial Andes SpA", true)
		clInv := apitest.Str(cl.Post("/invoices/", map[string]any{"customer": clCus, "document": 33, "date": "2026-06-01",
			"lines": []any{map[string]any{"name": "Servicio de instalación", "quantity": 3, "amount": 15990}}}).Expect(201), "id")
		text = pdfText(t, cl.Do("GET", "/invoices/"+clInv+"/pdf/", nil, "Accept", "application/pdf").Body)
		for _, want := range []string{"Factura electrónica", "BORRADOR", "Comercial Andes SpA", "76086428-5", "instalación", "57.084"} {
			if !strings.Contains(text, want) {
				t.Errorf("CL PDF lacks %q:\n%s", want, text)
			}
		}
	})
}
