package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// docs/procurement.md: suppliers, purchases, purchase credit notes, retentions
// and cancellations (purchases_test.go holds the first flow).

// procExamplePurchase is the docs/procurement.md#25-example create body.
func procExamplePurchase(sup string) string {
	return `{"supplier": "` + sup + `", "document": "US5", "date": "2025-06-03", "due_date": "2025-07-03",
	 "lines": [{"name": "Bearing 6204", "quantity": 10, "amount": 45.50},
	           {"name": "Freight", "quantity": 1, "amount": 120.00, "exempt": true}]}`
}

// procExampleRetention is the docs/procurement.md#44-example create body.
func procExampleRetention(sup, pur string) string {
	return `{"supplier": "` + sup + `", "purchase": "` + pur + `", "document": "US7", "date": "2025-06-06",
	 "lines": [{"name": "Income tax withholding", "amount": 455.00, "retention_percent": 10},
	           {"name": "Freight withholding", "amount": 120.00, "retention_percent": 2.5}]}`
}

// procSaleLine is a sale line of the docs/procurement.md#25-example/docs/procurement.md#35-example answers (no tax, no retention).
func procSaleLine(name, quantity, amount string, exempt bool, total, stamp string) string {
	ex := "false"
	if exempt {
		ex = "true"
	}
	return `{"id": "lin_*", "name": "` + name + `", "description": null, "quantity": ` + quantity + `,
	  "amount": ` + amount + `, "exempt": ` + ex + `, "discount": 0.00, "discount_scheme": "%", "tax_percent": 0,
	  "tax": null, "retention_percent": 0, "retention_scheme": "subtotal", "retention": null, "code": null,
	  "code_scheme": null, "unit_label": null, "plan": null, "total": ` + total + `,
	  "created": "` + stamp + `", "updated": "` + stamp + `"}`
}

// procPDF checks GET path/pdf/: {"file": base64} of a PDF whose text (with
// pdftotext, when installed) contains every want.
func procPDF(t *testing.T, c *apitest.Client, path string, want ...string) {
	t.Helper()
	r := c.Get(path)
	if r.Status != 200 {
		t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		return
	}
	raw, err := base64.StdEncoding.DecodeString(apitest.Str(r.JSON(), "file"))
	if err != nil || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Errorf("GET %s: file is not a base64 PDF (%v)", path, err)
		return
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		return // pdfText would skip the whole test
	}
	text := pdfText(t, raw)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("GET %s: PDF lacks %q:\n%s", path, w, text)
		}
	}
}

// procOrder checks the top-level field order of an object body.
func procOrder(t *testing.T, r *apitest.Resp, want ...string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	var keys []string
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", r.Body)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(keys, want) {
		t.Errorf("field order\n got: %q\nwant: %q", keys, want)
	}
}

// procCLSupplier creates a Chilean supplier (RUT 76086428-5); complete adds
// what a CL46 receiver needs at finalize, giro the activity alone.
func procCLSupplier(c *apitest.Client, name string, address, giro, commune bool) string {
	body := custWith(supCL(), "name", name)
	if address {
		body["address"] = "Av. Apoquindo 4501"
	}
	ts := map[string]any{}
	if giro {
		ts["cl_activity_description"] = "Venta de repuestos"
	}
	if commune {
		ts["cl_commune"] = "Las Condes"
	}
	body["tax_settings"] = ts
	return supNew(c, body)
}

// procFinalized creates and finalizes a US5 purchase of the docs/procurement.md#25-example example.
func procFinalized(t *testing.T, c *apitest.Client, sup string) string {
	t.Helper()
	pur := apitest.Str(docCreate(t, c, "/purchases/", procExamplePurchase(sup)), "id")
	docFinalize(t, c, "/purchases/", pur)
	return pur
}

// docs/procurement.md#25-example, docs/procurement.md#35-example, docs/procurement.md#44-example and docs/procurement.md#54-example, digit for digit: the fake
// clock is set to each example's timestamp, so created/updated match too.
// Only ids and the numbers (per-workspace sequences starting at 1) differ.
func TestProcurementExamples(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		at := func(s string) {
			ts, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatal(err)
			}
			e.Clock.Set(ts)
		}
		at("2025-06-03T09:00:00.318220-04:00")
		sup := supNew(c, supExample())
		supOut := strings.NewReplacer(`"id": "%s"`, `"id": "sup_*"`, "%t", "false", "%s", "2025-06-03T09:00:00.318220-04:00").Replace(supExampleOut)

		// docs/procurement.md#25-example
		const s25 = "2025-06-03T09:10:00.511002-04:00"
		at(s25)
		want := `{"id": "pur_*", "supplier": ` + supOut + `, "document": ` + docTypeSummary("US5", "Purchase", "5") + `,
		 "number": 1, "date": "2025-06-03", "due_date": "2025-07-03", "currency": "USD",
		 "lines": [` + procSaleLine("Bearing 6204", "10.0", "45.50", false, "455.00", s25) + `,
		           ` + procSaleLine("Freight", "1.0", "120.00", true, "120.00", s25) + `],
		 "note": null, "amount": 455.00, "exempt": 120.00, "tax": null, "tax_percent": 0, "subtotal": 575.00,
		 "total": 575.00, "total_adjusted": 575.00, "retention": null, "discount": 0.00, "discount_scheme": "%",
		 "tax_settings": {}, "status": "draft", "biller_status": "pending", "tax_agency": {}, "local_file": null,
		 "imported": false, "metadata": {}, "test_mode": false,
		 "created": "` + s25 + `", "updated": "` + s25 + `"}`
		r := c.Post("/purchases/", procExamplePurchase(sup))
		docCheck(t, r, 201, want, "docs/procurement.md#25-example create")
		pur := apitest.Str(r.JSON(), "id")
		if !strings.HasPrefix(pur, "pur_") {
			t.Fatalf("purchase id %q", pur)
		}
		docCheck(t, c.Get("/purchases/"+pur+"/"), 200, want, "docs/procurement.md#25-example retrieve")
		procOrder(t, c.Get("/purchases/"+pur+"/"), "id", "supplier", "document", "number", "date", "due_date", "currency", "lines", "note",
			"amount", "exempt", "tax", "tax_percent", "subtotal", "total", "total_adjusted", "retention", "discount", "discount_scheme",
			"tax_settings", "status", "biller_status", "tax_agency", "local_file", "imported", "metadata", "test_mode", "created", "updated")
		at("2025-06-04T09:00:00-04:00")
		docFields(t, "docs/procurement.md#25-example finalized", docFinalize(t, c, "/purchases/", pur), "status", "finalized", "biller_status", "succeeded",
			"number", "1", "total_adjusted", "575.00", "local_file", "null", "tax_agency", "map[]")

		// docs/procurement.md#35-example
		const s35 = "2025-06-05T11:00:00.003391-04:00"
		at(s35)
		want = `{"id": "pcn_*", "purchase": "` + pur + `", "supplier": ` + supOut + `,
		 "document": ` + docTypeSummary("US6", "Purchase credit note", "6") + `,
		 "number": 1, "date": "2025-06-05", "currency": "USD",
		 "lines": [` + procSaleLine("Bearing 6204", "2.0", "45.50", false, "91.00", s35) + `],
		 "note": "2 bearings returned", "internal_note": null, "amount": 91.00, "exempt": null, "tax": null,
		 "tax_percent": 0, "subtotal": 91.00, "total": 91.00, "retention": null, "discount": 0.00,
		 "discount_scheme": "%", "tax_settings": {}, "status": "draft", "biller_status": "pending",
		 "tax_agency": {}, "local_file": null, "imported": false, "metadata": {}, "test_mode": false,
		 "created": "` + s35 + `", "updated": "` + s35 + `"}`
		r = c.Post("/purchases/credit-notes/", `{"purchase": "`+pur+`", "document": "US6", "date": "2025-06-05", "note": "2 bearings returned",
		 "lines": [{"name": "Bearing 6204", "quantity": 2, "amount": 45.50}]}`)
		docCheck(t, r, 201, want, "docs/procurement.md#35-example create")
		pcn := apitest.Str(r.JSON(), "id")
		docCheck(t, c.Get("/purchases/credit-notes/"+pcn+"/"), 200, want, "docs/procurement.md#35-example retrieve")
		procOrder(t, c.Get("/purchases/credit-notes/"+pcn+"/"), "id", "purchase", "supplier", "document", "number", "date", "currency", "lines",
			"note", "internal_note", "amount", "exempt", "tax", "tax_percent", "subtotal", "total", "retention", "discount", "discount_scheme",
			"tax_settings", "status", "biller_status", "tax_agency", "local_file", "imported", "metadata", "test_mode", "created", "updated")

		// docs/procurement.md#44-example (the credit note stays a draft: the purchase still has 575.00)
		const s44 = "2025-06-06T10:00:00.642077-04:00"
		at(s44)
		want = `{"id": "ret_*", "supplier": ` + supOut + `, "purchase": "` + pur + `",
		 "document": ` + docTypeSummary("US7", "Retention", "7") + `,
		 "number": 1, "date": "2025-06-06", "currency": "USD",
		 "lines": [{"id": "lin_*", "name": "Income tax withholding", "description": null,
		            "amount": 455.00, "retention_percent": 10, "retention": 45.50, "total": 45.50,
		            "created": "` + s44 + `", "updated": "` + s44 + `"},
		           {"id": "lin_*", "name": "Freight withholding", "description": null,
		            "amount": 120.00, "retention_percent": 2.5, "retention": 3.00, "total": 3.00,
		            "created": "` + s44 + `", "updated": "` + s44 + `"}],
		 "amount": 575.00, "retention": 48.50, "total": 48.50, "note": null, "internal_note": null,
		 "bulk": null, "cancellation": null, "status": "draft", "biller_status": "pending", "tax_agency": {},
		 "local_file": null, "imported": false, "metadata": {}, "test_mode": false,
		 "created": "` + s44 + `", "updated": "` + s44 + `"}`
		r = c.Post("/retentions/", procExampleRetention(sup, pur))
		docCheck(t, r, 201, want, "docs/procurement.md#44-example create")
		ret := apitest.Str(r.JSON(), "id")
		docCheck(t, c.Get("/retentions/"+ret+"/"), 200, want, "docs/procurement.md#44-example retrieve")
		procOrder(t, c.Get("/retentions/"+ret+"/"), "id", "supplier", "purchase", "document", "number", "date", "currency", "lines",
			"amount", "retention", "total", "note", "internal_note", "bulk", "cancellation", "status", "biller_status", "tax_agency",
			"local_file", "imported", "metadata", "test_mode", "created", "updated")
		at("2025-06-07T09:00:00-04:00")
		docFinalize(t, c, "/retentions/", ret)

		// docs/procurement.md#54-example
		const s54 = "2025-06-09T15:20:00.120551-04:00"
		at(s54)
		want = `{"id": "can_*", "retention": "` + ret + `", "document": null, "number": null,
		 "date": "2025-06-09", "note": "Wrong base amount", "internal_note": null, "status": "finalized",
		 "biller_status": "succeeded", "tax_agency": {}, "local_file": null, "test_mode": false,
		 "created": "` + s54 + `", "updated": "` + s54 + `"}`
		r = c.Post("/cancellations/", `{"retention": "`+ret+`", "note": "Wrong base amount"}`)
		docCheck(t, r, 201, want, "docs/procurement.md#54-example create")
		can := apitest.Str(r.JSON(), "id")
		if !strings.HasPrefix(can, "can_") {
			t.Errorf("cancellation id %q", can)
		}
		docCheck(t, c.Get("/cancellations/"+can+"/"), 200, want, "docs/procurement.md#54-example retrieve")
		procOrder(t, c.Get("/cancellations/"+can+"/"), "id", "retention", "document", "number", "date", "note", "internal_note", "status",
			"biller_status", "tax_agency", "local_file", "test_mode", "created", "updated")
		docFields(t, "docs/procurement.md#54-example retention", c.Get("/retentions/"+ret+"/").Expect(200), "status", "cancelled", "cancellation", can,
			"updated", s54, "total", "48.50")
	})
}

// The procurement flow of the seed (000: register a supplier, record a
// purchase and its credit note, issue retentions, finalize each), with
// the cancellation of a retention, the events and every PDF.
func TestProcurementFlow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sup := newSupplier(c)
		pur := apitest.Str(docCreate(t, c, "/purchases/", procExamplePurchase(sup)), "id")
		procPDF(t, c, "/purchases/"+pur+"/pdf/", "Purchase", "Midwest Parts Inc.", "Bearing 6204", "575.00", "DRAFT")
		got := docFinalize(t, c, "/purchases/", pur)
		docFields(t, "purchase finalized", got, "status", "finalized", "biller_status", "succeeded", "number", "1", "total_adjusted", "575.00")
		procPDF(t, c, "/purchases/"+pur+"/pdf/", "Purchase", "Midwest Parts Inc.", "575.00")

		ret := docCreate(t, c, "/retentions/", procExampleRetention(sup, pur))
		rid := apitest.Str(ret, "id")
		docFields(t, "retention", ret, "status", "draft", "amount", "575.00", "retention", "48.50", "total", "48.50", "number", "1")
		procPDF(t, c, "/retentions/"+rid+"/pdf/", "Retention", "Midwest Parts Inc.", "48.50", "DRAFT")
		got = docFinalize(t, c, "/retentions/", rid)
		docFields(t, "retention finalized", got, "status", "finalized", "biller_status", "succeeded", "local_file", "null", "cancellation", "null")
		procPDF(t, c, "/retentions/"+rid+"/pdf/", "Retention", "Midwest Parts Inc.", "48.50", "575.00")

		can := docCreate(t, c, "/cancellations/", map[string]any{"retention": rid, "note": "Wrong base amount"})
		cid := apitest.Str(can, "id")
		docFields(t, "cancellation", can, "retention", rid, "status", "finalized", "biller_status", "succeeded", "date", "2026-06-02",
			"document", "null", "number", "null")
		got = c.Get("/retentions/" + rid + "/").Expect(200)
		docFields(t, "retention cancelled", got, "status", "cancelled", "cancellation", cid)
		procPDF(t, c, "/retentions/"+rid+"/pdf/", "Midwest Parts Inc.", "48.50", "cancelled")
		if evs := docEvents(t, e, cid); !slices.Equal(evs, []string{"cancellation.created"}) {
			t.Errorf("cancellation events %q", evs)
		}
		if evs := docEvents(t, e, rid); !slices.Equal(evs, []string{"retention.created", "retention.finalized", "retention.cancelled"}) {
			t.Errorf("retention events %q", evs)
		}
		if evs := docEvents(t, e, pur); !slices.Equal(evs, []string{"purchase.created", "purchase.finalized"}) {
			t.Errorf("purchase events %q", evs)
		}
		docListIs(t, c, "/cancellations/?retention="+rid, "id", cid)

		// the purchase credit note
		pcn := docCreate(t, c, "/purchases/credit-notes/", map[string]any{"purchase": pur, "document": "US6", "date": "2025-06-05",
			"note": "2 bearings returned", "lines": []any{docLine("Bearing 6204", 2, 45.50)}})
		pid := apitest.Str(pcn, "id")
		procPDF(t, c, "/purchases/credit-notes/"+pid+"/pdf/", "Purchase credit note", "Midwest Parts Inc.", "91.00", "DRAFT")
		docFields(t, "purchase with a draft credit note", c.Get("/purchases/"+pur+"/").Expect(200), "total_adjusted", "575.00")
		got = docFinalize(t, c, "/purchases/credit-notes/", pid)
		docFields(t, "credit note finalized", got, "status", "finalized", "biller_status", "succeeded", "number", "1", "imported", "false")
		procPDF(t, c, "/purchases/credit-notes/"+pid+"/pdf/", "Purchase credit note", "Midwest Parts Inc.", "91.00")
		docFields(t, "purchase credited", c.Get("/purchases/"+pur+"/").Expect(200), "total_adjusted", "484.00", "total", "575.00", "status", "finalized")
		procPDF(t, c, "/purchases/"+pur+"/pdf/", "575.00", "484.00")
		if evs := docEvents(t, e, pid); !slices.Equal(evs, []string{"purchase.creditnote.created", "purchase.creditnote.finalized"}) {
			t.Errorf("credit note events %q", evs)
		}
		if evs := docEvents(t, e, pur); !slices.Equal(evs, []string{"purchase.created", "purchase.finalized", "purchase.updated"}) {
			t.Errorf("purchase events after credit %q", evs)
		}
		// raw PDF
		r := c.Do("GET", "/retentions/"+rid+"/pdf/", nil, "Accept", "application/pdf")
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
			t.Errorf("raw retention PDF: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
	})
}

// docs/procurement.md#24-errors, every row (the CL rows in a Chilean workspace).
func TestPurchaseErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sup := newSupplier(c)
		lines := []any{docLine("Parts", 2, 50)}
		body := func(kv ...any) map[string]any {
			return custWith(map[string]any{"supplier": sup, "document": "US5", "date": "2026-06-01", "lines": lines}, kv...)
		}
		docCheck(t, c.Post("/purchases/", body("supplier", custOmit)), 400, `{"supplier": ["This field is required."]}`, "supplier missing")
		// docs/procurement.md#24-errors names US1, but US1 is a received purchase type (docs/procurement.md#2-purchases table,
		// docs/catalogues.md#4-document-types: is_purchase); the types that are not are refused
		for _, typ := range []string{"US2", "US3", "US4", "US6", "US7"} {
			docCheck(t, c.Post("/purchases/", body("document", typ)), 400,
				`{"document": ["Document type `+typ+` cannot be used for purchases."]}`, typ+" not a purchase type")
		}
		docCheck(t, c.Post("/purchases/", body("note", strings.Repeat("n", 101))), 400,
			`{"note": ["Ensure this field has no more than 100 characters."]}`, "note 101")
		docCreate(t, c, "/purchases/", body("note", strings.Repeat("n", 100)))
		docCheck(t, c.Post("/purchases/", body("discount", 10, "lines", []any{docLine("Parts", 2, 50, "retention_percent", 100, "retention_scheme", "tax")})), 400,
			`{"discount": ["A global discount cannot be combined with tax-based retentions."]}`, "discount with tax retention")
		rec := body("document", "US1", "number", 4471)
		docCreate(t, c, "/purchases/", rec)
		docCheck(t, c.Post("/purchases/", rec), 400,
			`{"non_field_errors": ["A purchase with this supplier, document and number already exists."]}`, "duplicate received number")
		docCheck(t, c.Post("/purchases/", body("due_date", "2026-05-31")), 400, `{"due_date": ["Must be on or after date."]}`, "due_date before date")
		pur := apitest.Str(docCreate(t, c, "/purchases/", body()), "id")
		docFinalize(t, c, "/purchases/", pur)
		docCheck(t, c.Patch("/purchases/"+pur+"/", map[string]any{"note": "late"}), 400,
			`{"non_field_errors": ["Only purchases with status draft can be updated."]}`, "PATCH finalized")
		// currency (docs/procurement.md#22-purchase-object): default the supplier's for types without a local format
		mx := supNew(c, map[string]any{"name": "Refacciones del Norte", "country": "MX"})
		docFields(t, "supplier's currency", docCreate(t, c, "/purchases/", body("supplier", mx)), "currency", "MXN", "supplier.currency", "MXN")
		docFields(t, "explicit currency", docCreate(t, c, "/purchases/", body("supplier", mx, "currency", "USD")), "currency", "USD")

		cl := e.Workspace("CL")
		noGiro := procCLSupplier(cl, "Sin Giro SpA", true, false, true)
		complete := procCLSupplier(cl, "Proveedora Andes SpA", true, true, true)
		cbody := func(s string, kv ...any) map[string]any {
			return custWith(map[string]any{"supplier": s, "document": "CL46", "date": "2026-06-01", "lines": []any{docLine("Servicio", 10, 1000)}}, kv...)
		}
		docCheck(t, cl.Post("/purchases/", cbody(complete, "document", "CL33")), 400,
			`{"number": ["The supplier's document number is required for received documents."]}`, "received CL33 without number")
		docCheck(t, cl.Post("/purchases/", cbody(complete, "number", 7)), 400,
			`{"number": ["Numbers of document type CL46 are assigned from the CAF at finalize."]}`, "number on CL46")
		docCheck(t, cl.Post("/purchases/", cbody(complete, "discount", 5)), 400,
			`{"discount": ["A global discount cannot be combined with tax-based retentions."]}`, "discount with the CL46 default retention")
		docCheck(t, cl.Post("/purchases/", cbody(complete, "date", "2026-06-03")), 400,
			`{"date": ["Date cannot be in the future for document type CL46."]}`, "CL46 in the future")
		docCreate(t, cl, "/purchases/", cbody(complete, "number", 0))
		p := apitest.Str(docCreate(t, cl, "/purchases/", cbody(noGiro)), "id")
		docCheck(t, cl.Post("/purchases/"+p+"/finalize/", nil), 400,
			`{"supplier": ["The supplier needs tax_settings.cl_activity_description for document type CL46."]}`, "CL46 supplier without giro")
		docFields(t, "still draft", cl.Get("/purchases/"+p+"/").Expect(200), "status", "draft", "number", "null")
		// the supplier checks come before the folios; complete, the CAF is missing
		p = apitest.Str(docCreate(t, cl, "/purchases/", cbody(complete)), "id")
		docCheck(t, cl.Post("/purchases/"+p+"/finalize/", nil), 400,
			`{"non_field_errors": ["The SII biller is not configured: set rut, business_name, activity_description, activity_codes, address, commune, resolution_number and resolution_date."]}`, "CL46 no folios")
		docFields(t, "still draft", cl.Get("/purchases/"+p+"/").Expect(200), "status", "draft", "number", "null")
	})
}

// docs/conventions.md#8-totals-formula CL46 example and the CL46 default (docs/procurement.md#23-create-body).
func TestPurchaseCL46(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		sup := procCLSupplier(c, "Proveedora Andes SpA", true, true, true)
		got := docCreate(t, c, "/purchases/", map[string]any{"supplier": sup, "document": 46, "date": "2026-06-01",
			"lines": []any{docLine("Servicio", 10, 1000)}})
		docFields(t, "CL46 example", got, "document.id", "CL46", "currency", "CLP", "number", "null", "imported", "false",
			"amount", "10000.00", "exempt", "null", "tax", "1900.00", "tax_percent", "19", "retention", "1900.00", "subtotal", "10000.00",
			"total", "10000.00", "total_adjusted", "10000.00", "supplier.tax_id", "76086428-5")
		line := got["lines"].([]any)[0].(map[string]any)
		docFields(t, "CL46 line", line, "retention_scheme", "tax", "retention_percent", "100", "retention", "1900.00", "total", "10000.00", "tax", "null")
		procPDF(t, c, "/purchases/"+apitest.Str(got, "id")+"/pdf/", "Factura de compra electrónica", "Proveedora Andes SpA", "BORRADOR", "10.000")
		// an explicit retention wins
		got = docCreate(t, c, "/purchases/", map[string]any{"supplier": sup, "document": "CL46", "date": "2026-06-01",
			"lines": []any{docLine("Servicio", 10, 1000, "retention_percent", 0), docLine("Flete", 1, 1000, "retention_percent", 50, "retention_scheme", "tax")}})
		docFields(t, "CL46 explicit", got, "amount", "11000.00", "tax", "2090.00", "retention", "95.00", "total", "12995.00")
		lines := got["lines"].([]any)
		docFields(t, "CL46 explicit line 0", lines[0].(map[string]any), "retention_percent", "0", "retention", "null", "retention_scheme", "subtotal")
		docFields(t, "CL46 explicit line 1", lines[1].(map[string]any), "retention_percent", "50", "retention", "95.00")
		// PATCH lines: the default applies again to lines without a retention
		got = c.Patch("/purchases/"+apitest.Str(got, "id")+"/", map[string]any{"lines": []any{docLine("Servicio", 1, 1000)}}).Expect(200)
		docFields(t, "CL46 patched", got, "amount", "1000.00", "tax", "190.00", "retention", "190.00", "total", "1000.00")
		many := make([]any, 61)
		for i := range many {
			many[i] = docLine("Servicio", 1, 1000)
		}
		docCheck(t, c.Post("/purchases/", map[string]any{"supplier": sup, "document": "CL46", "date": "2026-06-01", "lines": many}), 400,
			`{"lines": ["Document type CL46 accepts at most 60 lines."]}`, "CL46 61 lines")
		docCheck(t, c.Post("/purchases/", map[string]any{"supplier": sup, "document": "CL46", "date": "2026-06-01", "currency": "USD",
			"lines": []any{docLine("Servicio", 10, 1000)}}), 400, `{"currency": ["Document type CL46 is issued in CLP."]}`, "CL46 currency")
		// currency and tax rate are the type's
		docCheck(t, c.Post("/purchases/", map[string]any{"supplier": sup, "document": "CL46", "date": "2026-06-01", "tax_percent": 10,
			"lines": []any{docLine("Servicio", 10, 1000)}}), 400, `{"tax_percent": ["Tax rate is fixed at 19 for document type CL46."]}`, "CL46 tax_percent")
	})
}

// Received documents (docs/procurement.md#2-purchases table): the supplier's number,
// unique per supplier and type; imported; finalize submits nothing.
func TestPurchaseReceived(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		a := procCLSupplier(c, "Proveedora Andes SpA", false, false, false) // a received document needs no receiver data
		b := supNew(c, custWith(supCL(), "name", "Otra SpA", "tax_id", "11.111.111-1"))
		rec := func(sup, typ string, number any) map[string]any {
			return map[string]any{"supplier": sup, "document": typ, "number": number, "date": "2026-06-01", "lines": []any{docLine("Servicio", 10, 1000)}}
		}
		got := docCreate(t, c, "/purchases/", rec(a, "CL33", 1234))
		pur := apitest.Str(got, "id")
		docFields(t, "received CL33", got, "imported", "true", "number", "1234", "currency", "CLP", "tax", "1900.00", "retention", "null",
			"total", "11900.00", "status", "draft", "biller_status", "pending")
		docCheck(t, c.Post("/purchases/", rec(a, "CL33", 1234)), 400,
			`{"non_field_errors": ["A purchase with this supplier, document and number already exists."]}`, "duplicate")
		docCheck(t, c.Post("/purchases/", rec(a, "CL33", 0)), 400,
			`{"number": ["The supplier's document number is required for received documents."]}`, "number 0")
		docCheck(t, c.Post("/purchases/", rec(a, "CL33", nil)), 400,
			`{"number": ["The supplier's document number is required for received documents."]}`, "number null")
		docFields(t, "same number, other supplier", docCreate(t, c, "/purchases/", rec(b, "CL33", 1234)), "number", "1234", "imported", "true")
		docFields(t, "same number, other type", docCreate(t, c, "/purchases/", rec(a, "CL34", 1234)), "number", "1234", "imported", "true",
			"tax", "null", "exempt", "10000.00", "total", "10000.00")
		docFields(t, "received CL56", docCreate(t, c, "/purchases/", rec(a, "CL56", 1234)), "number", "1234", "imported", "true")
		// a draft renumbered onto an existing number
		other := apitest.Str(docCreate(t, c, "/purchases/", rec(a, "CL33", 1235)), "id")
		docCheck(t, c.Patch("/purchases/"+other+"/", map[string]any{"number": 1234}), 400,
			`{"non_field_errors": ["A purchase with this supplier, document and number already exists."]}`, "PATCH onto a used number")
		docFields(t, "PATCH number", c.Patch("/purchases/"+other+"/", map[string]any{"number": 1236}).Expect(200), "number", "1236")

		// finalize: no folio, no agency, even for a CL33 in a CL workspace
		got = docFinalize(t, c, "/purchases/", pur)
		docFields(t, "received finalized", got, "status", "finalized", "biller_status", "succeeded", "local_file", "null",
			"tax_agency", "map[]", "number", "1234", "imported", "true", "total_adjusted", "11900.00")
		if evs := docEvents(t, e, pur); !slices.Equal(evs, []string{"purchase.created", "purchase.finalized"}) {
			t.Errorf("received purchase events %q (no agency: no biller event)", evs)
		}
		docListIs(t, c, "/purchases/?imported=true&status=finalized", "id", pur)
		docListIs(t, c, "/purchases/?number=1234&supplier="+b, "supplier.name", "Otra SpA")
		docListIs(t, c, "/purchases/?number=1234&document=CL34", "supplier.name", "Proveedora Andes SpA")
		docListIs(t, c, "/purchases/?number=1234&document__in=CL33,CL56&supplier="+a+"&imported=true&status=draft", "document.id", "CL56")

		// a credit note on a received purchase records the supplier's note
		note := map[string]any{"purchase": pur, "document": "CL61", "date": "2026-06-01", "note": "Devolución", "lines": []any{docLine("Servicio", 1, 1000)}}
		docCheck(t, c.Post("/purchases/credit-notes/", note), 400,
			`{"number": ["The supplier's document number is required for received documents."]}`, "received credit note without number")
		docCheck(t, c.Post("/purchases/credit-notes/", custWith(note, "document", "US6", "number", 88)), 400,
			`{"document": ["Document type US6 cannot credit a purchase of type CL33."]}`, "US6 on a CL33 purchase")
		note["number"] = 88
		got = docCreate(t, c, "/purchases/credit-notes/", note)
		docFields(t, "received credit note", got, "imported", "true", "number", "88", "total", "1190.00", "currency", "CLP", "tax_percent", "19")
		rcn := apitest.Str(got, "id")
		got = docFinalize(t, c, "/purchases/credit-notes/", rcn)
		if evs := docEvents(t, e, rcn); !slices.Equal(evs, []string{"purchase.creditnote.created", "purchase.creditnote.finalized"}) {
			t.Errorf("received credit note events %q (no agency: no biller event)", evs)
		}
		docFields(t, "received credit note finalized", got, "status", "finalized", "biller_status", "succeeded", "local_file", "null", "number", "88")
		docFields(t, "purchase after the supplier's note", c.Get("/purchases/"+pur+"/").Expect(200), "total_adjusted", "10710.00", "status", "finalized")

		// the US side: US1 received
		us := e.Workspace("US")
		sup := newSupplier(us)
		r := docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US1", "number": 9, "date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}})
		docFields(t, "received US1", r, "imported", "true", "number", "9")
		docFields(t, "received US1 finalized", docFinalize(t, us, "/purchases/", apitest.Str(r, "id")), "number", "9", "biller_status", "succeeded")
		// an issued US5 may carry an explicit number, unique within the type
		docFields(t, "US5 explicit", docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US5", "number": 311,
			"date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}}), "number", "311", "imported", "false")
		docFields(t, "US5 sequence", docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US5", "number": 0,
			"date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}}), "number", "1", "imported", "false")
		// the sequence skips a number taken explicitly
		docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US5", "number": 2, "date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}})
		docFields(t, "US5 sequence after an explicit 2", docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US5",
			"date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}}), "number", "3")
		// a supplier's US1 number is not the workspace's own US1 numbering
		cus := acmeCustomer(us)
		inv := docCreate(t, us, "/invoices/", docInvBody(cus))
		docFields(t, "own invoice", inv, "number", "1")
		docFields(t, "supplier's invoice 1", docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US1", "number": 1,
			"date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}}), "number", "1", "imported", "true")
		docCreate(t, us, "/purchases/", map[string]any{"supplier": sup, "document": "US1", "number": 2, "date": "2026-06-01", "lines": []any{docLine("Service", 1, 100)}})
		docFields(t, "own invoice 2", docCreate(t, us, "/invoices/", docInvBody(cus)), "number", "2")
		// received and issued purchase credit notes number apart too
		issued := procFinalized(t, us, sup)
		rcvd := apitest.Str(r, "id")
		docFields(t, "supplier's credit note 1", docCreate(t, us, "/purchases/credit-notes/", map[string]any{"purchase": rcvd, "document": "US6", "number": 1,
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), "number", "1", "imported", "true")
		docFields(t, "own credit note 1", docCreate(t, us, "/purchases/credit-notes/", map[string]any{"purchase": issued, "document": "US6",
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), "number", "1", "imported", "false")
		docFields(t, "own credit note 5", docCreate(t, us, "/purchases/credit-notes/", map[string]any{"purchase": issued, "document": "US6", "number": 5,
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), "number", "5", "imported", "false")
		docCheck(t, us.Post("/purchases/credit-notes/", map[string]any{"purchase": issued, "document": "US6", "number": 5,
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), 400, `{"number": ["Number 5 is already used by document type US6."]}`, "own 5 twice")
		docFields(t, "supplier's credit note 5", docCreate(t, us, "/purchases/credit-notes/", map[string]any{"purchase": rcvd, "document": "US6", "number": 5,
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), "number", "5", "imported", "true")
		docFields(t, "supplier's credit note 7", docCreate(t, us, "/purchases/credit-notes/", map[string]any{"purchase": rcvd, "document": "US6", "number": 7,
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), "number", "7", "imported", "true")
		docFields(t, "own credit note 7", docCreate(t, us, "/purchases/credit-notes/", map[string]any{"purchase": issued, "document": "US6", "number": 7,
			"date": "2026-06-01", "note": "x", "lines": []any{docLine("Service", 1, 10)}}), "number", "7", "imported", "false")
	})
}

// docs/procurement.md#33-create-body/docs/procurement.md#34-errors: every error row; total_adjusted counts only
// finalized credit notes; a purchase credited in full is cancelled; the
// retention limit follows total_adjusted.
func TestPurchaseCreditNotes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sup := newSupplier(c)
		pur := procFinalized(t, c, sup)
		note := func(p string, kv ...any) map[string]any {
			return custWith(map[string]any{"purchase": p, "document": "US6", "date": "2025-06-05", "note": "Returned",
				"lines": []any{docLine("Bearing 6204", 2, 45.50)}}, kv...)
		}
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "note", custOmit)), 400, `{"note": ["This field is required."]}`, "note missing")
		draft := apitest.Str(docCreate(t, c, "/purchases/", procExamplePurchase(sup)), "id")
		docCheck(t, c.Post("/purchases/credit-notes/", note(draft)), 400, `{"purchase": ["Only finalized purchases can be credited."]}`, "draft purchase")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "document", "US3")), 400,
			`{"document": ["Document type US3 cannot be used for purchase credit notes."]}`, "US3")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "lines", []any{docLine("Bearing 6204", 1, 600)})), 400,
			`{"non_field_errors": ["Credit note total (600.00) exceeds the purchase's creditable amount (575.00)."]}`, "above total_adjusted")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "note", strings.Repeat("n", 65))), 400,
			`{"note": ["Ensure this field has no more than 64 characters."]}`, "note 65")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "date", "2025-06-02")), 400,
			`{"date": ["Date cannot be earlier than the purchase date."]}`, "before the purchase")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "purchase", custOmit)), 400, `{"purchase": ["This field is required."]}`, "purchase missing")
		// received side without number: the docs/procurement.md#34-errors row on a received US1
		rec := apitest.Str(docCreate(t, c, "/purchases/", map[string]any{"supplier": sup, "document": "US1", "number": 4471, "date": "2025-06-03",
			"lines": []any{docLine("Service", 1, 100)}}), "id")
		docFinalize(t, c, "/purchases/", rec)
		docCheck(t, c.Post("/purchases/credit-notes/", note(rec, "lines", []any{docLine("Service", 1, 10)})), 400,
			`{"number": ["The supplier's document number is required for received documents."]}`, "received without number")

		// drafts do not count; finalized ones lower total_adjusted
		a := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", note(pur)), "id")
		b := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", note(pur, "lines", []any{docLine("Freight", 1, 120, "exempt", true)})), "id")
		docFields(t, "two drafts", c.Get("/purchases/"+pur+"/").Expect(200), "total_adjusted", "575.00", "status", "finalized")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "lines", custOmit)), 400,
			`{"lines": ["The purchase was already partially credited; list the lines to credit."]}`, "full copy after partial")
		docFinalize(t, c, "/purchases/credit-notes/", a)
		docFields(t, "one finalized", c.Get("/purchases/"+pur+"/").Expect(200), "total_adjusted", "484.00", "status", "finalized")
		// the retention limit follows total_adjusted
		docCheck(t, c.Post("/retentions/", procExampleRetention(sup, pur)), 400,
			`{"lines": ["The base amounts (575.00) exceed the purchase total (484.00)."]}`, "retention above total_adjusted")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur, "lines", []any{docLine("Bearing 6204", 1, 485)})), 400,
			`{"non_field_errors": ["Credit note total (485.00) exceeds the purchase's creditable amount (484.00)."]}`, "above the rest")
		c2 := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", note(pur, "lines", []any{docLine("Bearing 6204", 8, 45.50)})), "id")
		docFinalize(t, c, "/purchases/credit-notes/", b)
		docFields(t, "two finalized", c.Get("/purchases/"+pur+"/").Expect(200), "total_adjusted", "364.00", "status", "finalized")
		got := docFinalize(t, c, "/purchases/credit-notes/", c2)
		docFields(t, "last credit note", got, "status", "finalized", "total", "364.00")
		got = c.Get("/purchases/" + pur + "/").Expect(200)
		docFields(t, "fully credited", got, "total_adjusted", "0.00", "total", "575.00", "status", "cancelled")
		if evs := docEvents(t, e, pur); !slices.Equal(evs, []string{"purchase.created", "purchase.finalized", "purchase.updated", "purchase.updated", "purchase.cancelled"}) {
			t.Errorf("purchase events %q", evs)
		}
		docCheck(t, c.Post("/retentions/", procExampleRetention(sup, pur)), 400,
			`{"purchase": ["Only finalized purchases can have retentions."]}`, "retention on a cancelled purchase")
		docCheck(t, c.Post("/purchases/credit-notes/", note(pur)), 400,
			`{"purchase": ["Only finalized purchases can be credited."]}`, "credit note on a cancelled purchase")

		// a full credit in one note: lines omitted copy the purchase's
		p2 := procFinalized(t, c, sup)
		early := apitest.Str(docCreate(t, c, "/retentions/", procExampleRetention(sup, p2)), "id")
		full := docCreate(t, c, "/purchases/credit-notes/", note(p2, "lines", custOmit))
		docFields(t, "full copy", full, "total", "575.00", "amount", "455.00", "exempt", "120.00")
		if n := len(full["lines"].([]any)); n != 2 {
			t.Errorf("full copy has %d lines", n)
		}
		docFinalize(t, c, "/purchases/credit-notes/", apitest.Str(full, "id"))
		docFields(t, "full credit", c.Get("/purchases/"+p2+"/").Expect(200), "total_adjusted", "0.00", "status", "cancelled")
		procPDF(t, c, "/purchases/"+p2+"/pdf/", "cancelled", "575.00")
		// its retention draft is re-validated: the purchase is cancelled now
		docCheck(t, c.Post("/retentions/"+early+"/finalize/", nil), 400,
			`{"purchase": ["Only finalized purchases can have retentions."]}`, "retention finalize on a cancelled purchase")
		docCheck(t, c.Patch("/retentions/"+early+"/", map[string]any{"note": "x"}), 400,
			`{"purchase": ["Only finalized purchases can have retentions."]}`, "retention PATCH on a cancelled purchase")
		c.Delete("/retentions/" + early + "/").Expect(204)

		// a retention draft made before a credit note is checked again at finalize
		p3 := procFinalized(t, c, sup)
		ret := apitest.Str(docCreate(t, c, "/retentions/", procExampleRetention(sup, p3)), "id")
		cn := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", note(p3)), "id")
		docFinalize(t, c, "/purchases/credit-notes/", cn)
		docCheck(t, c.Post("/retentions/"+ret+"/finalize/", nil), 400,
			`{"lines": ["The base amounts (575.00) exceed the purchase total (484.00)."]}`, "retention finalize above total_adjusted")
		docFields(t, "retention still draft", c.Get("/retentions/"+ret+"/").Expect(200), "status", "draft", "number", "2")
	})
}

// docs/procurement.md#43-errors, every row, and the retention rules of docs/procurement.md#42-retention-object.
func TestRetentionErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sup := newSupplier(c)
		pur := procFinalized(t, c, sup)
		ret := func(kv ...any) map[string]any {
			return custWith(map[string]any{"supplier": sup, "purchase": pur, "document": "US7", "date": "2025-06-06",
				"lines": []any{map[string]any{"name": "Income tax withholding", "amount": 455, "retention_percent": 10}}}, kv...)
		}
		rline := func(amount, pct any) []any {
			return []any{map[string]any{"name": "Income tax withholding", "amount": amount, "retention_percent": pct}}
		}
		docCheck(t, c.Post("/retentions/", ret("purchase", custOmit)), 400, `{"purchase": ["This field is required."]}`, "purchase missing")
		draft := apitest.Str(docCreate(t, c, "/purchases/", procExamplePurchase(sup)), "id")
		docCheck(t, c.Post("/retentions/", ret("purchase", draft)), 400, `{"purchase": ["Only finalized purchases can have retentions."]}`, "draft purchase")
		other := supNew(c, custWith(supExample(), "name", "Other Parts"))
		docCheck(t, c.Post("/retentions/", ret("supplier", other)), 400, `{"supplier": ["Must be the purchase's supplier."]}`, "other supplier")
		docCheck(t, c.Post("/retentions/", ret("document", "US5")), 400, `{"document": ["Document type US5 cannot be used for retentions."]}`, "US5")
		docCheck(t, c.Post("/retentions/", ret("lines", rline(455, 0))), 400,
			`{"lines": [{"retention_percent": ["Ensure this value is greater than 0."]}]}`, "0 %")
		docCheck(t, c.Post("/retentions/", ret("lines", rline(455, 101))), 400,
			`{"lines": [{"retention_percent": ["Ensure this value is less than or equal to 100."]}]}`, "101 %")
		docCheck(t, c.Post("/retentions/", ret("lines", rline(700, 10))), 400,
			`{"lines": ["The base amounts (700.00) exceed the purchase total (575.00)."]}`, "bases above the purchase")
		// the other line rules of docs/procurement.md#42-retention-object
		docCheck(t, c.Post("/retentions/", ret("lines", rline(0, 10))), 400,
			`{"lines": [{"amount": ["Ensure this value is greater than 0."]}]}`, "amount 0")
		docCheck(t, c.Post("/retentions/", ret("lines", []any{})), 400, `{"lines": ["This list may not be empty."]}`, "no lines")
		many := make([]any, 101)
		for i := range many {
			many[i] = map[string]any{"name": "W", "amount": 1, "retention_percent": 1}
		}
		docCheck(t, c.Post("/retentions/", ret("lines", many)), 400, `{"lines": ["Ensure this field has no more than 100 elements."]}`, "101 lines")
		docCheck(t, c.Post("/retentions/", ret("date", "2025-06-02")), 400, `{"date": ["Date cannot be earlier than the purchase date."]}`, "before the purchase")
		// boundaries: 100 %, bases equal to the purchase, document defaults to US7
		got := docCreate(t, c, "/retentions/", ret("document", custOmit, "supplier", custOmit,
			"lines", []any{map[string]any{"name": "A", "amount": 575, "retention_percent": 100}}))
		docFields(t, "100 %", got, "document.id", "US7", "amount", "575.00", "retention", "575.00", "total", "575.00", "supplier.id", sup)
		// half-up at the currency scale: 0.05 × 10 % = 0.005 → 0.01
		got = docCreate(t, c, "/retentions/", ret("lines", rline(0.05, 10)))
		docFields(t, "rounding", got, "retention", "0.01", "amount", "0.05")
		if l := got["lines"].([]any)[0].(map[string]any); apitest.Num(l["retention"]) != "0.01" || apitest.Num(l["total"]) != "0.01" {
			t.Errorf("line rounding %v", l)
		}
		r := apitest.Str(got, "id")
		docFields(t, "PATCH draft", c.Patch("/retentions/"+r+"/", map[string]any{"lines": rline(200, 5), "note": "Q2"}).Expect(200),
			"amount", "200.00", "total", "10.00", "note", "Q2")
		docFinalize(t, c, "/retentions/", r)
		docCheck(t, c.Patch("/retentions/"+r+"/", map[string]any{"note": "late"}), 400,
			`{"non_field_errors": ["Only retentions with status draft can be updated."]}`, "PATCH finalized")
		docCheck(t, c.Patch("/retentions/"+r+"/", map[string]any{"lines": rline(100, 5)}), 400,
			`{"non_field_errors": ["Only retentions with status draft can be updated."]}`, "PATCH finalized lines")
		docCheck(t, c.Delete("/retentions/"+r+"/"), 400,
			`{"non_field_errors": ["Only retentions with status draft can be deleted."]}`, "DELETE finalized")
		docCheck(t, c.Post("/retentions/"+r+"/finalize/", nil), 400,
			`{"non_field_errors": ["Only retentions with status draft can be finalized."]}`, "finalize twice")
		docFields(t, "metadata on a finalized retention", c.Patch("/retentions/"+r+"/", map[string]any{"metadata": map[string]any{"k": "v"}}).Expect(200),
			"metadata.k", "v")
		// a draft is destroyed
		d := apitest.Str(docCreate(t, c, "/retentions/", ret()), "id")
		c.Delete("/retentions/" + d + "/").Expect(204)
		c.Get("/retentions/"+d+"/").ExpectBody(404, `{"detail": "Not found."}`)
		if evs := docEvents(t, e, d); !slices.Equal(evs, []string{"retention.created", "retention.deleted"}) {
			t.Errorf("deleted retention events %q", evs)
		}
	})
}

// docs/procurement.md#51-endpoints/docs/procurement.md#53-errors, every row.
func TestCancellationErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		docCheck(t, c.Post("/cancellations/", map[string]any{"note": "x"}), 400, `{"retention": ["This field is required."]}`, "retention missing")
		draft := newRetention(c, false)
		docCheck(t, c.Post("/cancellations/", map[string]any{"retention": draft}), 400,
			`{"retention": ["Only finalized retentions can be cancelled."]}`, "draft retention")
		ret := newRetention(c, true)
		docCheck(t, c.Post("/cancellations/", map[string]any{"retention": ret, "document": "US1"}), 400,
			`{"document": ["Document type US1 cannot be used for cancellations."]}`, "US1")
		docCheck(t, c.Post("/cancellations/", map[string]any{"retention": ret, "note": strings.Repeat("n", 65)}), 400,
			`{"note": ["Ensure this field has no more than 64 characters."]}`, "note 65")
		docCheck(t, c.Post("/cancellations/", map[string]any{"retention": "ret_tnlUbv0YSTbzmsx7oH"}), 400,
			`{"retention": ["Invalid pk \"ret_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`, "unknown retention")
		docFields(t, "still finalized", c.Get("/retentions/"+ret+"/").Expect(200), "status", "finalized", "cancellation", "null")
		can := docCreate(t, c, "/cancellations/", map[string]any{"retention": ret, "note": strings.Repeat("n", 64), "date": "2026-05-30",
			"internal_note": "ops"})
		cid := apitest.Str(can, "id")
		docFields(t, "cancellation", can, "date", "2026-05-30", "internal_note", "ops", "document", "null")
		docCheck(t, c.Post("/cancellations/", map[string]any{"retention": ret}), 400,
			`{"retention": ["The retention is already cancelled."]}`, "already cancelled")
		for _, m := range []string{"PATCH", "PUT", "DELETE"} {
			docCheck(t, c.Do(m, "/cancellations/"+cid+"/", map[string]any{"note": "x"}), 405, `{"detail": "Method \"`+m+`\" not allowed."}`, m)
		}
		docCheck(t, c.Do("DELETE", "/cancellations/", nil), 405, `{"detail": "Method \"DELETE\" not allowed."}`, "DELETE list")
		docFields(t, "unchanged", c.Get("/cancellations/"+cid+"/").Expect(200), "status", "finalized", "retention", ret)
		c.Get("/cancellations/can_tnlUbv0YSTbzmsx7oH/").ExpectBody(404, `{"detail": "Not found."}`)
		// another workspace's retention does not exist here
		stranger := e.Workspace("US")
		theirs := newRetention(c, true)
		docCheck(t, stranger.Post("/cancellations/", map[string]any{"retention": theirs}), 400,
			`{"retention": ["Invalid pk \"`+theirs+`\" - object does not exist."]}`, "other workspace")
		docFields(t, "theirs untouched", c.Get("/retentions/"+theirs+"/").Expect(200), "status", "finalized")
	})
}

// Refusals across procurement (docs/procurement.md#12-supplier-object-and-body, docs/procurement.md#24-errors, docs/procurement.md#34-errors, docs/procurement.md#43-errors, docs/procurement.md#51-endpoints
// and the docs/procurement.md#31-endpoints alias).
func TestProcurementRefusals(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sup := newSupplier(c)
		pur := procFinalized(t, c, sup)
		// editing a finalized purchase: any field but metadata
		for _, body := range []map[string]any{{"note": "x"}, {"lines": []any{docLine("Parts", 1, 1)}}, {"supplier": newSupplier(c)},
			{"number": 99}, {"due_date": "2026-01-01"}, {"document": "US1"}} {
			docCheck(t, c.Patch("/purchases/"+pur+"/", body), 400,
				`{"non_field_errors": ["Only purchases with status draft can be updated."]}`, "PATCH finalized purchase")
		}
		docCheck(t, c.Put("/purchases/"+pur+"/", procExamplePurchase(sup)), 400,
			`{"non_field_errors": ["Only purchases with status draft can be updated."]}`, "PUT finalized purchase")
		docCheck(t, c.Delete("/purchases/"+pur+"/"), 400, `{"non_field_errors": ["Only purchases with status draft can be deleted."]}`, "DELETE finalized purchase")
		docCheck(t, c.Post("/purchases/"+pur+"/finalize/", nil), 400, `{"non_field_errors": ["Only purchases with status draft can be finalized."]}`, "finalize twice")
		docFields(t, "unchanged", c.Patch("/purchases/"+pur+"/", map[string]any{"metadata": map[string]any{"erp": "77"}}).Expect(200),
			"metadata.erp", "77", "number", "1", "supplier.id", sup, "total", "575.00")
		// a credit note above the purchase
		docCheck(t, c.Post("/purchases/credit-notes/", map[string]any{"purchase": pur, "document": "US6", "date": "2025-06-05", "note": "x",
			"lines": []any{docLine("Parts", 1, 575.01)}}), 400,
			`{"non_field_errors": ["Credit note total (575.01) exceeds the purchase's creditable amount (575.00)."]}`, "credit note above")
		// a finalized credit note is locked too
		pcn := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", map[string]any{"purchase": pur, "document": "US6", "date": "2025-06-05", "note": "x",
			"lines": []any{docLine("Parts", 1, 5)}}), "id")
		docFinalize(t, c, "/purchases/credit-notes/", pcn)
		docCheck(t, c.Patch("/purchases/credit-notes/"+pcn+"/", map[string]any{"note": "y"}), 400,
			`{"non_field_errors": ["Only purchase credit notes with status draft can be updated."]}`, "PATCH finalized credit note")
		// a retention on another workspace's purchase
		stranger := e.Workspace("US")
		docCheck(t, stranger.Post("/retentions/", map[string]any{"purchase": pur, "document": "US7", "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "W", "amount": 10, "retention_percent": 10}}}), 400,
			`{"purchase": ["Invalid pk \"`+pur+`\" - object does not exist."]}`, "other workspace's purchase")
		docCheck(t, c.Test().Post("/retentions/", map[string]any{"purchase": pur, "document": "US7", "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "W", "amount": 10, "retention_percent": 10}}}), 400,
			`{"purchase": ["Invalid pk \"`+pur+`\" - object does not exist."]}`, "other mode's purchase")
		docCheck(t, stranger.Post("/purchases/credit-notes/", map[string]any{"purchase": pur, "document": "US6", "date": "2026-06-02", "note": "x"}), 400,
			`{"purchase": ["Invalid pk \"`+pur+`\" - object does not exist."]}`, "credit note on another workspace's purchase")
		docCheck(t, stranger.Post("/purchases/", map[string]any{"supplier": sup, "document": "US5", "date": "2026-06-02",
			"lines": []any{docLine("Parts", 1, 1)}}), 400, `{"supplier": ["Invalid pk \"`+sup+`\" - object does not exist."]}`, "other workspace's supplier")
		// a duplicate received number
		rec := map[string]any{"supplier": sup, "document": "US1", "number": 12, "date": "2026-06-01", "lines": []any{docLine("Parts", 1, 1)}}
		docCreate(t, c, "/purchases/", rec)
		docCheck(t, c.Post("/purchases/", rec), 400,
			`{"non_field_errors": ["A purchase with this supplier, document and number already exists."]}`, "duplicate received number")
		docFields(t, "other mode", docCreate(t, c.Test(), "/purchases/", custWith(rec, "supplier", newSupplier(c.Test()))), "number", "12")
		// an explicit issued number is unique within the type
		docCreate(t, c, "/purchases/", map[string]any{"supplier": sup, "document": "US5", "number": 500, "date": "2026-06-01", "lines": []any{docLine("Parts", 1, 1)}})
		docCheck(t, c.Post("/purchases/", map[string]any{"supplier": newSupplier(c), "document": "US5", "number": 500, "date": "2026-06-01",
			"lines": []any{docLine("Parts", 1, 1)}}), 400, `{"number": ["Number 500 is already used by document type US5."]}`, "duplicate issued number")
		// DELETE on a supplier with purchases
		docCheck(t, c.Delete("/suppliers/"+sup+"/"), 400, `{"non_field_errors": ["Suppliers with documents cannot be deleted."]}`, "supplier with purchases")
		lone := newSupplier(c)
		d := apitest.Str(docCreate(t, c, "/purchases/", map[string]any{"supplier": lone, "document": "US5", "date": "2026-06-01",
			"lines": []any{docLine("Parts", 1, 1)}}), "id")
		docCheck(t, c.Delete("/suppliers/"+lone+"/"), 400, `{"non_field_errors": ["Suppliers with documents cannot be deleted."]}`, "supplier with a draft")
		c.Delete("/purchases/" + d + "/").Expect(204)
		c.Delete("/suppliers/" + lone + "/").Expect(204)
		c.Get("/suppliers/"+lone+"/").ExpectBody(404, `{"detail": "Not found."}`)

		// docs/procurement.md#31-endpoints: the singular alias serves the same resource
		got := c.Get("/purchase/credit-notes/" + pcn + "/").Expect(200)
		docFields(t, "alias retrieve", got, "id", pcn, "purchase", pur)
		docListIs(t, c, "/purchase/credit-notes/?purchase="+pur, "id", pcn)
		al := docCreate(t, c, "/purchase/credit-notes/", map[string]any{"purchase": pur, "document": "US6", "date": "2025-06-05", "note": "alias",
			"lines": []any{docLine("Parts", 1, 1)}})
		aid := apitest.Str(al, "id")
		docFields(t, "alias PATCH", c.Patch("/purchase/credit-notes/"+aid+"/", map[string]any{"note": "alias 2"}).Expect(200), "note", "alias 2")
		docFields(t, "alias finalize", docFinalize(t, c, "/purchase/credit-notes/", aid), "status", "finalized")
		procPDF(t, c, "/purchase/credit-notes/"+aid+"/pdf/", "Midwest Parts Inc.")
		docFields(t, "plural sees it", c.Get("/purchases/credit-notes/"+aid+"/").Expect(200), "note", "alias 2", "status", "finalized")
		x := apitest.Str(docCreate(t, c, "/purchase/credit-notes/", map[string]any{"purchase": pur, "document": "US6", "date": "2025-06-05", "note": "x",
			"lines": []any{docLine("Parts", 1, 1)}}), "id")
		c.Delete("/purchase/credit-notes/" + x + "/").Expect(204)
	})
}

// List filters of docs/procurement.md#23-create-body, docs/procurement.md#33-create-body, docs/procurement.md#42-retention-object and docs/procurement.md#52-object-and-body.
func TestProcurementLists(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		a := newSupplier(c)
		b := supNew(c, map[string]any{"name": "Lakeside Tools", "country": "US", "tax_id": "98-7654321", "email": "ap@lakeside.com"})
		mk := func(sup, date string, amount float64, kv ...any) string {
			return apitest.Str(docCreate(t, c, "/purchases/", custWith(map[string]any{"supplier": sup, "document": "US5", "date": date,
				"lines": []any{docLine("Parts", 1, amount)}}, kv...)), "id")
		}
		p1 := mk(a, "2026-05-01", 100, "due_date", "2026-05-31", "metadata", map[string]any{"erp": "A1"})
		p2 := mk(a, "2026-05-10", 300)
		p3 := mk(b, "2026-05-20", 200, "due_date", "2026-06-30")
		p4 := apitest.Str(docCreate(t, c, "/purchases/", map[string]any{"supplier": b, "document": "US1", "number": 777, "date": "2026-05-25",
			"lines": []any{docLine("Parts", 1, 50)}}), "id")
		docFinalize(t, c, "/purchases/", p1)
		docFinalize(t, c, "/purchases/", p3)

		docListIs(t, c, "/purchases/?supplier="+a+"&ordering=date", "id", p1, p2)
		docListIs(t, c, "/purchases/?supplier__in="+a+","+b+"&ordering=-date", "id", p4, p3, p2, p1)
		docListIs(t, c, "/purchases/?status=finalized&ordering=date", "id", p1, p3)
		docListIs(t, c, "/purchases/?status__in=draft&ordering=date", "id", p2, p4)
		docListIs(t, c, "/purchases/?document=US1", "id", p4)
		docListIs(t, c, "/purchases/?number__gte=2&number__lte=3&ordering=number", "number", "2", "3")
		docListIs(t, c, "/purchases/?date__gte=2026-05-10&date__lt=2026-05-25&ordering=date", "id", p2, p3)
		docListIs(t, c, "/purchases/?due_date__gt=2026-06-01", "id", p3)
		docListIs(t, c, "/purchases/?due_date__isnull=true&ordering=date", "id", p2, p4)
		docListIs(t, c, "/purchases/?imported=false&ordering=date", "id", p1, p2, p3)
		docListIs(t, c, "/purchases/?biller_status=succeeded&ordering=date", "id", p1, p3)
		docListIs(t, c, "/purchases/?total__gte=200&ordering=-total", "total", "300.00", "200.00")
		docListIs(t, c, "/purchases/?ordering=total", "total", "50.00", "100.00", "200.00", "300.00")
		docListIs(t, c, "/purchases/?metadata__erp=A1", "id", p1)
		docListIs(t, c, "/purchases/?search=lakeside&ordering=date", "id", p3, p4)
		docListIs(t, c, "/purchases/?search=98-7654&ordering=date", "id", p3, p4)
		docListIs(t, c, "/purchases/?search=777", "id", p4)
		docListIs(t, c, "/purchases/?created__lte=2026-06-02T14:15:00Z&supplier="+b+"&ordering=date", "id", p3, p4)
		docCheck(t, c.Get("/purchases/?status=paidx"), 400, `{"status": ["Select a valid choice. paidx is not one of the available choices."]}`, "bad status")
		docCheck(t, c.Get("/purchases/?customer="+a), 400, `{"customer": ["Unknown filter."]}`, "customer filter")
		docCheck(t, c.Get("/purchases/?ordering=due_date"), 400, `{"ordering": ["Invalid ordering field: due_date."]}`, "ordering")

		// purchase credit notes
		n1 := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", map[string]any{"purchase": p1, "document": "US6", "date": "2026-05-02", "note": "a",
			"lines": []any{docLine("Parts", 1, 10)}}), "id")
		n2 := apitest.Str(docCreate(t, c, "/purchases/credit-notes/", map[string]any{"purchase": p3, "document": "US6", "date": "2026-05-21", "note": "b",
			"lines": []any{docLine("Parts", 1, 20)}}), "id")
		docFinalize(t, c, "/purchases/credit-notes/", n2)
		docListIs(t, c, "/purchases/credit-notes/?purchase="+p1, "id", n1)
		docListIs(t, c, "/purchases/credit-notes/?purchase__in="+p1+","+p3+"&ordering=date", "id", n1, n2)
		docListIs(t, c, "/purchases/credit-notes/?supplier="+b, "id", n2)
		docListIs(t, c, "/purchases/credit-notes/?status=draft", "id", n1)
		docListIs(t, c, "/purchases/credit-notes/?document=US6&ordering=-number", "number", "2", "1")
		docListIs(t, c, "/purchases/credit-notes/?number=2", "id", n2)
		docListIs(t, c, "/purchases/credit-notes/?date__gt=2026-05-02", "id", n2)
		docListIs(t, c, "/purchases/credit-notes/?created__gte=2026-06-02T00:00:00Z&ordering=date", "id", n1, n2)
		docCheck(t, c.Get("/purchases/credit-notes/?total=10"), 400, `{"total": ["Unknown filter."]}`, "pcn total filter")

		// retentions
		rmk := func(pur, sup, date string, amount float64) string {
			return apitest.Str(docCreate(t, c, "/retentions/", map[string]any{"purchase": pur, "supplier": sup, "date": date,
				"lines": []any{map[string]any{"name": "W", "amount": amount, "retention_percent": 10}}}), "id")
		}
		r1 := rmk(p1, a, "2026-05-03", 90)
		r2 := rmk(p3, b, "2026-05-22", 150)
		r3 := rmk(p3, b, "2026-05-23", 30)
		docFinalize(t, c, "/retentions/", r2)
		docFinalize(t, c, "/retentions/", r3)
		can := apitest.Str(docCreate(t, c, "/cancellations/", map[string]any{"retention": r3, "date": "2026-05-24"}), "id")
		docListIs(t, c, "/retentions/?supplier="+b+"&ordering=date", "id", r2, r3)
		docListIs(t, c, "/retentions/?supplier__in="+a+"&ordering=date", "id", r1)
		docListIs(t, c, "/retentions/?purchase="+p3+"&ordering=-date", "id", r3, r2)
		docListIs(t, c, "/retentions/?document=US7&ordering=number", "number", "1", "2", "3")
		docListIs(t, c, "/retentions/?number__gt=1&ordering=number", "id", r2, r3)
		docListIs(t, c, "/retentions/?date__lte=2026-05-22&ordering=date", "id", r1, r2)
		docListIs(t, c, "/retentions/?total__gte=9&ordering=-total", "total", "15.00", "9.00")
		docListIs(t, c, "/retentions/?status__in=finalized,cancelled&ordering=date", "id", r2, r3)
		docListIs(t, c, "/retentions/?status=cancelled", "cancellation", can)
		docListIs(t, c, "/retentions/?bulk__isnull=true&ordering=date", "id", r1, r2, r3)
		docListIs(t, c, "/retentions/?search=lakeside&ordering=date", "id", r2, r3)
		docListIs(t, c, "/retentions/?created__lt=2026-06-01", "id")

		// cancellations
		r4 := rmk(p3, b, "2026-05-25", 10)
		docFinalize(t, c, "/retentions/", r4)
		e.Clock.Advance(time.Hour)
		can2 := apitest.Str(docCreate(t, c, "/cancellations/", map[string]any{"retention": r4}), "id")
		docListIs(t, c, "/cancellations/?retention="+r3, "id", can)
		docListIs(t, c, "/cancellations/?retention__in="+r3+","+r4+"&ordering=created", "id", can, can2)
		docListIs(t, c, "/cancellations/", "id", can2, can)
		docListIs(t, c, "/cancellations/?date__lt=2026-06-01", "id", can)
		docListIs(t, c, "/cancellations/?date=2026-06-02", "id", can2)
		docListIs(t, c, "/cancellations/?created__gt=2026-06-02T14:30:00Z", "id", can2)
		docCheck(t, c.Get("/cancellations/?ordering=date"), 400, `{"ordering": ["Invalid ordering field: date."]}`, "cancellation ordering")
		docCheck(t, c.Get("/cancellations/?status=finalized"), 400, `{"status": ["Unknown filter."]}`, "cancellation status filter")
	})
}
