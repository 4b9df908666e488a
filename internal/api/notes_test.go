package api_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// docCreditExample is the docs/documents.md#25-example body against an invoice.
func docCreditExample(inv string) map[string]any {
	return map[string]any{"invoice": inv, "date": "2025-06-10", "note": "Devolución parcial",
		"lines": []any{docLine("Widget", 1, 19.99)}}
}

// docNoteOut is the docs/documents.md#25-example / docs/documents.md#35-example answer: one line Widget 1 × 19.99 at 8.25 %.
func docNoteOut(head, customer, doc, date, note, status, biller, updated string) string {
	return `{` + head + `, "customer": ` + customer + `, "document": ` + doc + `,
		"number": 1, "date": "` + date + `", "currency": "USD", "note": "` + note + `", "internal_note": null,
		"lines": [{"id": "lin_*", "name": "Widget", "description": null, "quantity": 1.0,
		           "amount": 19.99, "exempt": false, "discount": 0.00, "discount_scheme": "%", "tax_percent": 0,
		           "tax": null, "retention_percent": 0, "retention_scheme": "subtotal", "retention": null,
		           "code": null, "code_scheme": null, "unit_label": null, "plan": null, "total": 19.99,
		           "created": "` + docStamp + `", "updated": "` + docStamp + `"}],
		"amount": 19.99, "exempt": null, "tax": 1.65, "tax_percent": 8.25, "subtotal": 19.99, "total": 21.64,
		"retention": null, "discount": 0.00, "discount_scheme": "%", "tax_settings": {}, "status": "` + status + `",
		"biller_status": "` + biller + `", "tax_agency": {}, "local_file": null, "imported": false, "metadata": {},
		"test_mode": false, "created": "` + docStamp + `", "updated": "` + updated + `"}`
}

// docs/documents.md#25-example and docs/documents.md#35-example against the docs/documents.md#19-example invoice, with their effects.
func TestCreditDebitExamples(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := docExampleInvoice(t, c, cus)

		r := c.Post("/creditnotes/", docCreditExample(inv))
		want := docNoteOut(`"id": "crn_*", "invoice": "`+inv+`"`, docAcmeSummary("147.60", "147.60", "0.00"),
			docTypeSummary("US3", "Credit note", "3"), "2025-06-10", "Devolución parcial", "draft", "pending", docStamp)
		docCheck(t, r, 201, want, "credit note create")
		crn := apitest.Str(r.JSON(), "id")
		docCheck(t, c.Get("/creditnotes/"+crn+"/"), 200, want, "credit note retrieve")
		// a draft credit note does not change the invoice
		docFields(t, "invoice with draft credit", c.Get("/invoices/"+inv+"/").Expect(200), "total_adjusted", "147.60", "status", "finalized")

		e.Clock.Advance(time.Hour)
		r = c.Post("/creditnotes/"+crn+"/finalize/", nil)
		docCheck(t, r, 200, docNoteOut(`"id": "crn_*", "invoice": "`+inv+`"`, docAcmeSummary("125.96", "125.96", "0.00"),
			docTypeSummary("US3", "Credit note", "3"), "2025-06-10", "Devolución parcial", "finalized", "succeeded", docStamp1), "credit note finalize")
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		docFields(t, "invoice after partial credit", got, "total_adjusted", "125.96", "total", "147.60", "status", "finalized", "updated", docStamp1)

		// docs/documents.md#35-example: the full reversal of that credit note
		e.Clock.Set(time.Date(2026, 6, 2, 14, 15, 0, 0, time.UTC))
		r = c.Post("/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-12", "note": "Anula NC 88"})
		dwant := docNoteOut(`"id": "dbn_*", "credit_note": "`+crn+`", "invoice": "`+inv+`"`, docAcmeSummary("125.96", "125.96", "0.00"),
			docTypeSummary("US4", "Debit note", "4"), "2025-06-12", "Anula NC 88", "draft", "pending", docStamp)
		docCheck(t, r, 201, dwant, "debit note create")
		dbn := apitest.Str(r.JSON(), "id")
		docCheck(t, c.Get("/debitnotes/"+dbn+"/"), 200, dwant, "debit note retrieve")
		e.Clock.Advance(2 * time.Hour)
		got = docFinalize(t, c, "/debitnotes/", dbn)
		docFields(t, "debit note finalized", got, "status", "finalized", "biller_status", "succeeded", "number", "1",
			"customer.aggregations.sales", "147.60", "updated", docStamp2)
		docFields(t, "credit note cancelled", c.Get("/creditnotes/"+crn+"/").Expect(200), "status", "cancelled", "updated", docStamp2)
		docFields(t, "invoice restored", c.Get("/invoices/"+inv+"/").Expect(200), "total_adjusted", "147.60", "status", "finalized")
		if evs := docEvents(t, e, crn); !slices.Equal(evs, []string{"creditnote.created", "creditnote.finalized", "creditnote.cancelled"}) {
			t.Errorf("credit note events %q", evs)
		}
		if evs := docEvents(t, e, dbn); !slices.Equal(evs, []string{"debitnote.created", "debitnote.finalized"}) {
			t.Errorf("debit note events %q", evs)
		}
		// the invoice: created, finalized (fake clock T0), then updated by the credit note (T1) and the debit note (T2)
		if evs := docEvents(t, e, inv); !slices.Equal(evs[len(evs)-2:], []string{"invoice.updated", "invoice.updated"}) ||
			!docSameSet(evs[:len(evs)-2], "invoice.created", "invoice.finalized") {
			t.Errorf("invoice events %q", evs)
		}
		// nothing is left of the credit note to reverse
		docCheck(t, c.Post("/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-12"}), 400,
			`{"credit_note": ["Only finalized credit notes can be adjusted."]}`, "debit a cancelled credit note")

		// lists
		docListIs(t, c, "/creditnotes/?invoice="+inv, "id", crn)
		docListIs(t, c, "/creditnotes/?status=cancelled&customer="+cus, "id", crn)
		docListIs(t, c, "/creditnotes/?search=acme", "id", crn)
		docListIs(t, c, "/debitnotes/?credit_note="+crn+"&invoice__in="+inv, "id", dbn)
		docListIs(t, c, "/debitnotes/?credit_note__isnull=true", "id")
		docListIs(t, c, "/debitnotes/?date__gte=2025-06-12&status=finalized", "id", dbn)
	})
}

// docs/documents.md#23-create-body-and-rules: full credit copies lines and discount and cancels the
// invoice; a debit note reverses it back to finalized.
func TestCreditNoteFullAndPartial(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := docExampleInvoice(t, c, cus)
		ilines := c.Get("/invoices/" + inv + "/").Expect(200)["lines"].([]any)

		full := docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv, "date": "2025-06-02"})
		docFields(t, "full credit", full, "amount", "43.97", "exempt", "100.00", "tax", "3.63", "total", "147.60", "subtotal", "143.97",
			"discount", "10.00", "discount_scheme", "$", "tax_percent", "8.25", "tax_settings", "map[]", "currency", "USD", "document.id", "US3")
		flines := full["lines"].([]any)
		if len(flines) != 2 {
			t.Fatalf("copied lines %v", flines)
		}
		for i, l := range flines {
			src := ilines[i].(map[string]any)
			for _, k := range []string{"name", "quantity", "amount", "exempt", "discount", "discount_scheme", "total"} {
				if apitest.Num(l.(map[string]any)[k]) != apitest.Num(src[k]) {
					t.Errorf("copied line %d %s = %v, want %v", i, k, l.(map[string]any)[k], src[k])
				}
			}
			if l.(map[string]any)["id"] == src["id"] {
				t.Errorf("copied line %d kept the invoice line id", i)
			}
		}
		fid := apitest.Str(full, "id")
		e.Clock.Advance(time.Hour)
		docFinalize(t, c, "/creditnotes/", fid)
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		docFields(t, "cancelled invoice", got, "status", "cancelled", "total_adjusted", "0.00", "customer.aggregations.sales", "0.00",
			"customer.aggregations.balance", "0.00")
		if evs := docEvents(t, e, inv); evs[len(evs)-1] != "invoice.cancelled" {
			t.Errorf("invoice events %q", evs)
		}
		// a cancelled invoice can be neither credited nor toggled
		docCheck(t, c.Post("/creditnotes/", docCreditExample(inv)), 400,
			`{"invoice": ["Only finalized, paid or uncollectible invoices can be credited."]}`, "credit a cancelled invoice")
		docCheck(t, c.Post("/invoices/"+inv+"/uncollectible/", nil), 400,
			`{"non_field_errors": ["Only finalized or uncollectible invoices can be toggled."]}`, "toggle a cancelled invoice")

		// full reversal: the invoice goes back to finalized
		e.Clock.Advance(time.Hour)
		dbn := docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": fid, "date": "2025-06-03"})
		docFields(t, "full reversal", dbn, "total", "147.60", "discount", "10.00", "discount_scheme", "$", "invoice", inv, "credit_note", fid)
		docFinalize(t, c, "/debitnotes/", apitest.Str(dbn, "id"))
		docFields(t, "invoice back", c.Get("/invoices/"+inv+"/").Expect(200), "status", "finalized", "total_adjusted", "147.60",
			"customer.aggregations.sales", "147.60")
		docFields(t, "credit note cancelled", c.Get("/creditnotes/"+fid+"/").Expect(200), "status", "cancelled")
		if evs := docEvents(t, e, inv); evs[len(evs)-1] != "invoice.updated" {
			t.Errorf("invoice events after reversal %q", evs)
		}

		// partial credits: total_adjusted goes down, status stays
		inv2 := docExampleInvoice(t, c, cus)
		p1 := docCreate(t, c, "/creditnotes/", custWith(docCreditExample(inv2), "date", "2025-06-02"))
		docFinalize(t, c, "/creditnotes/", apitest.Str(p1, "id"))
		docFields(t, "partial", c.Get("/invoices/"+inv2+"/").Expect(200), "status", "finalized", "total_adjusted", "125.96")
		// a second full credit after a partial one
		docCheck(t, c.Post("/creditnotes/", map[string]any{"invoice": inv2, "date": "2025-06-10"}), 400,
			`{"lines": ["The invoice was already partially credited; list the lines to credit."]}`, "full after partial")
		// the rest, as a partial credit of exactly what remains, cancels it
		rest := docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv2, "date": "2025-06-10",
			"lines": []any{docLine("Rest", 1, 125.96, "exempt", true)}})
		docFields(t, "rest", rest, "total", "125.96", "tax", "0.00", "exempt", "125.96", "amount", "0.00")
		docFinalize(t, c, "/creditnotes/", apitest.Str(rest, "id"))
		docFields(t, "credited in two parts", c.Get("/invoices/"+inv2+"/").Expect(200), "status", "cancelled", "total_adjusted", "0.00")

		// an uncollectible invoice can be credited; partial credit keeps it uncollectible
		inv3 := docExampleInvoice(t, c, cus)
		c.Post("/invoices/"+inv3+"/uncollectible/", nil).Expect(200)
		p3 := docCreate(t, c, "/creditnotes/", custWith(docCreditExample(inv3), "date", "2025-06-02"))
		docFinalize(t, c, "/creditnotes/", apitest.Str(p3, "id"))
		docFields(t, "uncollectible credited", c.Get("/invoices/"+inv3+"/").Expect(200), "status", "uncollectible", "total_adjusted", "125.96")

		// a debit note with its own lines raises total_adjusted
		inv4 := docExampleInvoice(t, c, cus)
		dn := docCreate(t, c, "/debitnotes/", map[string]any{"invoice": inv4, "date": "2025-06-20", "note": "Interest",
			"lines": []any{docLine("Late fee", 1, 10)}})
		docFields(t, "debit on invoice", dn, "credit_note", "null", "invoice", inv4, "tax", "0.83", "total", "10.83", "tax_percent", "8.25",
			"tax_settings", "map[]", "document.id", "US4")
		docFields(t, "draft debit", c.Get("/invoices/"+inv4+"/").Expect(200), "total_adjusted", "147.60")
		docFinalize(t, c, "/debitnotes/", apitest.Str(dn, "id"))
		docFields(t, "debited", c.Get("/invoices/"+inv4+"/").Expect(200), "total_adjusted", "158.43", "status", "finalized",
			"total", "147.60")
		// the credit limit follows total_adjusted
		docCheck(t, c.Post("/creditnotes/", map[string]any{"invoice": inv4, "date": "2025-06-20",
			"lines": []any{docLine("Too much", 1, 158.44, "exempt", true)}}), 400,
			`{"non_field_errors": ["Credit note total (158.44) exceeds the invoice's creditable amount (158.43)."]}`, "above adjusted")
		docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv4, "date": "2025-06-20",
			"lines": []any{docLine("All of it", 1, 158.43, "exempt", true)}})
	})
}

// docs/documents.md#24-errors, every row.
func TestCreditNoteErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := docExampleInvoice(t, c, cus)
		draft := apitest.Str(docCreate(t, c, "/invoices/", docInvBody(cus)), "id")
		base := docCreditExample(inv)
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"invoice missing", custWith(base, "invoice", custOmit), `{"invoice": ["This field is required."]}`},
			{"draft invoice", custWith(base, "invoice", draft), `{"invoice": ["Only finalized, paid or uncollectible invoices can be credited."]}`},
			{"unknown invoice", custWith(base, "invoice", "inv_unknown00000000000"), `{"invoice": ["Invalid pk \"inv_unknown00000000000\" - object does not exist."]}`},
			{"date before invoice", custWith(base, "date", "2025-06-01"), `{"date": ["Date cannot be earlier than the invoice date."]}`},
			{"date missing", custWith(base, "date", custOmit), `{"date": ["This field is required."]}`},
			{"above total_adjusted", custWith(base, "lines", []any{docLine("Refund", 1, 150, "exempt", true)}),
				`{"non_field_errors": ["Credit note total (150.00) exceeds the invoice's creditable amount (147.60)."]}`},
			{"note 65", custWith(base, "note", strings.Repeat("n", 65)), `{"note": ["Ensure this field has no more than 64 characters."]}`},
			{"code 2 with amounts", custWith(base, "tax_settings", map[string]any{"cl_reference_code": 2}),
				`{"tax_settings": {"cl_reference_code": ["Text corrections (2) must have all line totals equal to 0."]}}`},
			{"code 4", custWith(base, "tax_settings", map[string]any{"cl_reference_code": 4}),
				`{"tax_settings": {"cl_reference_code": ["\"4\" is not a valid choice."]}}`},
			{"US4 as credit note", custWith(base, "document", "US4"), `{"document": ["Document type US4 cannot be used for credit notes."]}`},
			{"US6 (purchase credit note)", custWith(base, "document", "US6"), `{"document": ["Document type US6 cannot be used for credit notes."]}`},
			{"lines empty", custWith(base, "lines", []any{}), `{"lines": ["This list may not be empty."]}`},
			{"line without name", custWith(base, "lines", []any{map[string]any{"quantity": 1, "amount": 1}}), `{"lines": [{"name": ["This field is required."]}]}`},
		}
		for _, row := range rows {
			docCheck(t, c.Post("/creditnotes/", row.body), 400, row.want, row.label)
		}
		// a text correction with zero totals is fine
		got := docCreate(t, c, "/creditnotes/", custWith(base, "tax_settings", map[string]any{"cl_reference_code": 2},
			"lines", []any{docLine("Razón social corregida", 1, 0)}))
		docFields(t, "code 2", got, "tax_settings.cl_reference_code", "2", "total", "0.00")
		c.Delete("/creditnotes/" + apitest.Str(got, "id") + "/").Expect(204)
		// the date may equal the invoice date; the note may be 64 characters
		docCreate(t, c, "/creditnotes/", custWith(base, "date", "2025-06-02", "note", strings.Repeat("n", 64)))

		// updates, deletes, finalize on a finalized credit note
		crn := apitest.Str(docCreate(t, c, "/creditnotes/", base), "id")
		path := "/creditnotes/" + crn + "/"
		docFields(t, "PATCH draft", c.Patch(path, map[string]any{"lines": []any{docLine("Widget", 2, 19.99)}, "internal_note": "x"}).Expect(200),
			"total", "43.28", "internal_note", "x")
		docCheck(t, c.Patch(path, map[string]any{"lines": []any{docLine("Refund", 1, 150, "exempt", true)}}), 400,
			`{"non_field_errors": ["Credit note total (150.00) exceeds the invoice's creditable amount (147.60)."]}`, "PATCH above limit")
		docCheck(t, c.Patch(path, map[string]any{"invoice": draft}), 400, `{"invoice": ["This field cannot be changed after creation."]}`, "PATCH invoice")
		docFinalize(t, c, "/creditnotes/", crn)
		docCheck(t, c.Patch(path, map[string]any{"note": "x"}), 400,
			`{"non_field_errors": ["Only credit notes with status draft can be updated."]}`, "PATCH finalized")
		docFields(t, "metadata on finalized", c.Patch(path, map[string]any{"metadata": map[string]any{"k": "v"}}).Expect(200), "metadata.k", "v")
		docCheck(t, c.Delete(path), 400, `{"non_field_errors": ["Only credit notes with status draft can be deleted."]}`, "DELETE finalized")
		docCheck(t, c.Post(path+"finalize/", nil), 400, `{"non_field_errors": ["Only credit notes with status draft can be finalized."]}`, "finalize twice")
		r := c.Patch(path, map[string]any{"status": "draft"})
		if r.Status != 400 || !docOnlyKeys(r, "status") {
			t.Errorf("status in body: %d %s", r.Status, r.Body)
		}

		// finalize re-checks the limit: two drafts each under it
		inv2 := docExampleInvoice(t, c, cus)
		a := apitest.Str(docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv2, "date": "2025-06-02",
			"lines": []any{docLine("A", 1, 100, "exempt", true)}}), "id")
		b := apitest.Str(docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv2, "date": "2025-06-02",
			"lines": []any{docLine("B", 1, 100, "exempt", true)}}), "id")
		docFinalize(t, c, "/creditnotes/", a)
		docCheck(t, c.Post("/creditnotes/"+b+"/finalize/", nil), 400,
			`{"non_field_errors": ["Credit note total (100.00) exceeds the invoice's creditable amount (47.60)."]}`, "finalize above limit")
		docFields(t, "still draft", c.Get("/creditnotes/"+b+"/").Expect(200), "status", "draft", "number", "5")
		docFields(t, "invoice after one", c.Get("/invoices/"+inv2+"/").Expect(200), "total_adjusted", "47.60", "status", "finalized")
	})
}

// docs/documents.md#24-errors / docs/documents.md#23-create-body-and-rules rows of Chilean invoices (a CL33 invoice is
// forced to finalized: finalizing needs a CAF).
func TestCreditNoteCL(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := docCLCustomer(c, "Comercial Andes SpA", true)
		inv := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-01",
			"lines": []any{docLine("Servicio", 2, 10000)}}), "id")
		docSetStatus(t, e, inv, "finalized")
		docCheck(t, c.Post("/creditnotes/", map[string]any{"invoice": inv, "document": "US3", "date": "2026-06-02",
			"lines": []any{docLine("Servicio", 1, 10000)}}), 400,
			`{"document": ["Document type US3 cannot credit an invoice of type CL33."]}`, "US3 for CL33")
		docCheck(t, c.Post("/creditnotes/", map[string]any{"invoice": inv, "date": "2026-06-03",
			"lines": []any{docLine("Servicio", 1, 10000)}}), 400,
			`{"date": ["Date cannot be in the future for document type CL61."]}`, "CL61 in the future")
		docCheck(t, c.Post("/creditnotes/", map[string]any{"invoice": inv, "date": "2026-06-02", "tax_settings": map[string]any{"cl_reference_code": 2},
			"lines": []any{docLine("Servicio", 1, 10000)}}), 400,
			`{"tax_settings": {"cl_reference_code": ["Text corrections (2) must have all line totals equal to 0."]}}`, "CL code 2")
		// defaults: CL61, code 1 for a full credit, 3 for a partial one
		full := docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv, "date": "2026-06-02"})
		docFields(t, "CL full", full, "document.id", "CL61", "tax_settings.cl_reference_code", "1", "number", "null", "currency", "CLP",
			"tax_percent", "19", "amount", "20000.00", "tax", "3800.00", "total", "23800.00")
		part := docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv, "date": "2026-06-02", "document": 61,
			"lines": []any{docLine("Servicio", 1, 10000)}})
		docFields(t, "CL partial", part, "document.id", "CL61", "tax_settings.cl_reference_code", "3", "total", "11900.00")
		// finalizing a CL61 needs folios
		docCheck(t, c.Post("/creditnotes/"+apitest.Str(part, "id")+"/finalize/", nil), 400,
			`{"non_field_errors": ["The SII biller is not configured: set rut, business_name, activity_description, activity_codes, address, commune, resolution_number and resolution_date."]}`, "CL61 no folios")

		// debit notes on a (forced) finalized CL61: CL56, code 1 for a full
		// reversal, 3 for a partial one
		docSetStatus(t, e, apitest.Str(part, "id"), "finalized")
		dn := docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": part["id"], "date": "2026-06-02"})
		docFields(t, "CL full reversal", dn, "document.id", "CL56", "tax_settings.cl_reference_code", "1", "total", "11900.00", "number", "null")
		dn = docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": part["id"], "date": "2026-06-02", "lines": []any{docLine("Servicio", 1, 5000)}})
		docFields(t, "CL partial reversal", dn, "document.id", "CL56", "tax_settings.cl_reference_code", "3", "total", "5950.00")
		r := c.Post("/debitnotes/", map[string]any{"credit_note": part["id"], "date": "2026-06-02", "document": "US4"})
		if r.Status != 400 || !docOnlyKeys(r, "document") {
			t.Errorf("US4 for a CL invoice: %d %s", r.Status, r.Body)
		}
		docCheck(t, c.Post("/debitnotes/", map[string]any{"credit_note": part["id"], "date": "2026-06-03"}), 400,
			`{"date": ["Date cannot be in the future for document type CL56."]}`, "CL56 in the future")
		docCheck(t, c.Post("/debitnotes/"+apitest.Str(dn, "id")+"/finalize/", nil), 400,
			`{"non_field_errors": ["The SII biller is not configured: set rut, business_name, activity_description, activity_codes, address, commune, resolution_number and resolution_date."]}`, "CL56 no folios")
	})
}

// docs/documents.md#34-errors, every row.
func TestDebitNoteErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := docExampleInvoice(t, c, cus)
		crn := apitest.Str(docCreate(t, c, "/creditnotes/", docCreditExample(inv)), "id")
		lines := []any{docLine("Fee", 1, 10)}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"neither", map[string]any{"date": "2025-06-12", "lines": lines}, `{"non_field_errors": ["Give either credit_note or invoice."]}`},
			{"both", map[string]any{"credit_note": crn, "invoice": inv, "date": "2025-06-12"}, `{"non_field_errors": ["Give either credit_note or invoice, not both."]}`},
			// cross-field rules wait for the field errors (docs/conventions.md#12-errors)
			{"neither, bad note", map[string]any{"date": "2025-06-12", "note": strings.Repeat("n", 65)}, `{"note": ["Ensure this field has no more than 64 characters."]}`},
			{"both, date missing", map[string]any{"credit_note": crn, "invoice": inv}, `{"date": ["This field is required."]}`},
			{"unknown invoice, bad internal_note", map[string]any{"invoice": "inv_unknown00000000000", "date": "2025-06-12", "lines": lines, "internal_note": strings.Repeat("i", 1025)},
				`{"invoice": ["Invalid pk \"inv_unknown00000000000\" - object does not exist."], "internal_note": ["Ensure this field has no more than 1024 characters."]}`},
			{"draft credit note", map[string]any{"credit_note": crn, "date": "2025-06-12"}, `{"credit_note": ["Only finalized credit notes can be adjusted."]}`},
			{"invoice without lines", map[string]any{"invoice": inv, "date": "2025-06-12"}, `{"lines": ["This field is required when invoice is given."]}`},
			{"CL61", map[string]any{"invoice": inv, "date": "2025-06-12", "lines": lines, "document": "CL61"},
				`{"document": ["Document type CL61 cannot be used for debit notes."]}`},
			{"internal_note 1025", map[string]any{"invoice": inv, "date": "2025-06-12", "lines": lines, "internal_note": strings.Repeat("i", 1025)},
				`{"internal_note": ["Ensure this field has no more than 1024 characters."]}`},
			{"date before invoice", map[string]any{"invoice": inv, "date": "2025-06-01", "lines": lines},
				`{"date": ["Date cannot be earlier than the invoice date."]}`},
			{"draft invoice", map[string]any{"invoice": apitest.Str(docCreate(t, c, "/invoices/", docInvBody(cus)), "id"), "date": "2026-06-01", "lines": lines},
				`{"invoice": ["Only finalized, paid or uncollectible invoices can be adjusted."]}`},
		}
		for _, row := range rows {
			docCheck(t, c.Post("/debitnotes/", row.body), 400, row.want, row.label)
		}
		docCreate(t, c, "/debitnotes/", map[string]any{"invoice": inv, "date": "2025-06-12", "lines": lines, "internal_note": strings.Repeat("i", 1024)})

		// above what the credit note allows; partial reversals add up
		docFinalize(t, c, "/creditnotes/", crn)
		docCheck(t, c.Post("/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-12",
			"lines": []any{docLine("X", 1, 30, "exempt", true)}}), 400,
			`{"non_field_errors": ["Debit note total (30.00) exceeds the remaining amount of the credit note (21.64)."]}`, "above credit note")
		docCheck(t, c.Post("/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-09", "lines": lines}), 400,
			`{"date": ["Date cannot be earlier than the credit note date."]}`, "before the credit note")
		p1 := docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-12",
			"lines": []any{docLine("Part", 1, 10, "exempt", true)}})
		docFinalize(t, c, "/debitnotes/", apitest.Str(p1, "id"))
		docFields(t, "after a partial reversal", c.Get("/creditnotes/"+crn+"/").Expect(200), "status", "finalized")
		docFields(t, "invoice after a partial reversal", c.Get("/invoices/"+inv+"/").Expect(200), "total_adjusted", "135.96")
		docCheck(t, c.Post("/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-12",
			"lines": []any{docLine("X", 1, 11.65, "exempt", true)}}), 400,
			`{"non_field_errors": ["Debit note total (11.65) exceeds the remaining amount of the credit note (11.64)."]}`, "above the rest")
		p2 := docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-12",
			"lines": []any{docLine("Rest", 1, 11.64, "exempt", true)}})
		docFinalize(t, c, "/debitnotes/", apitest.Str(p2, "id"))
		docFields(t, "fully reversed in two parts", c.Get("/creditnotes/"+crn+"/").Expect(200), "status", "cancelled")
		docFields(t, "invoice restored", c.Get("/invoices/"+inv+"/").Expect(200), "total_adjusted", "147.60", "status", "finalized")

		// debit-note state rules
		dn := apitest.Str(docCreate(t, c, "/debitnotes/", map[string]any{"invoice": inv, "date": "2025-06-12", "lines": lines}), "id")
		docCheck(t, c.Patch("/debitnotes/"+dn+"/", map[string]any{"credit_note": crn}), 400,
			`{"credit_note": ["This field cannot be changed after creation."]}`, "PATCH credit_note")
		docFinalize(t, c, "/debitnotes/", dn)
		for label, r := range map[string]*apitest.Resp{
			"PATCH":    c.Patch("/debitnotes/"+dn+"/", map[string]any{"note": "x"}),
			"DELETE":   c.Delete("/debitnotes/" + dn + "/"),
			"finalize": c.Post("/debitnotes/"+dn+"/finalize/", nil),
		} {
			verb := map[string]string{"PATCH": "updated", "DELETE": "deleted", "finalize": "finalized"}[label]
			docCheck(t, r, 400, fmt.Sprintf(`{"non_field_errors": ["Only debit notes with status draft can be %s."]}`, verb), label+" finalized debit note")
		}
	})
}

// docs/documents.md#23-create-body-and-rules: the limit holds when credit notes of one invoice are
// finalized at the same time (the invoice is the lock).
func TestCreditNoteConcurrentFinalize(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := docExampleInvoice(t, c, cus)
		const n = 8
		ids := make([]string, n)
		for i := range ids {
			ids[i] = apitest.Str(docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv, "date": "2025-06-02",
				"lines": []any{docLine("Part", 1, 100, "exempt", true)}}), "id")
		}
		resps := make([]*apitest.Resp, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resps[i] = c.Post("/creditnotes/"+ids[i]+"/finalize/", nil)
			}()
		}
		wg.Wait()
		ok := 0
		for _, r := range resps {
			switch {
			case r.Status == 200:
				ok++
			case r.Status == 400 && docSame(r.Body, `{"non_field_errors": ["Credit note total (100.00) exceeds the invoice's creditable amount (47.60)."]}`):
			default:
				t.Errorf("concurrent credit finalize: %d %s", r.Status, r.Body)
			}
		}
		if ok != 1 {
			t.Errorf("%d credit notes finalized, want 1", ok)
		}
		docFields(t, "invoice", c.Get("/invoices/"+inv+"/").Expect(200), "total_adjusted", "47.60", "status", "finalized")

		// the same for debit notes reversing one credit note
		crn := apitest.Str(docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv, "date": "2025-06-02",
			"lines": []any{docLine("Part", 1, 40, "exempt", true)}}), "id")
		docFinalize(t, c, "/creditnotes/", crn)
		for i := range ids {
			ids[i] = apitest.Str(docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": crn, "date": "2025-06-02",
				"lines": []any{docLine("Back", 1, 30, "exempt", true)}}), "id")
		}
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resps[i] = c.Post("/debitnotes/"+ids[i]+"/finalize/", nil)
			}()
		}
		wg.Wait()
		ok = 0
		for _, r := range resps {
			switch {
			case r.Status == 200:
				ok++
			case r.Status == 400 && docSame(r.Body, `{"non_field_errors": ["Debit note total (30.00) exceeds the remaining amount of the credit note (10.00)."]}`):
			default:
				t.Errorf("concurrent debit finalize: %d %s", r.Status, r.Body)
			}
		}
		if ok != 1 {
			t.Errorf("%d debit notes finalized, want 1", ok)
		}
		docFields(t, "invoice after debit", c.Get("/invoices/"+inv+"/").Expect(200), "total_adjusted", "37.60")
	})
}

// docs/conventions.md#2-requests-and-responses status in bodies; docs/documents.md#15-status-machine paid → finalized by a debit note.
func TestNoteStatusAndPaidInvoice(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := docExampleInvoice(t, c, cus)
		for path, body := range map[string]map[string]any{
			"/creditnotes/": custWith(docCreditExample(inv), "status", "finalized"),
			"/debitnotes/":  {"invoice": inv, "date": "2025-06-12", "lines": []any{docLine("Fee", 1, 1)}, "status": "finalized"},
		} {
			r := c.Post(path, body)
			if r.Status != 400 || !docOnlyKeys(r, "status") {
				t.Errorf("POST %s with status: %d %s", path, r.Status, r.Body)
			}
			got := docCreate(t, c, path, custWith(body, "status", "draft"))
			p := path + apitest.Str(got, "id") + "/"
			if r := c.Patch(p, map[string]any{"status": "cancelled"}); r.Status != 400 || !docOnlyKeys(r, "status") {
				t.Errorf("PATCH %s with status: %d %s", p, r.Status, r.Body)
			}
			c.Delete(p).Expect(204)
		}

		// a paid (zero) invoice gets a debit note: back to finalized
		z := apitest.Str(docCreate(t, c, "/invoices/", docInvBody(cus, "lines", []any{docLine("Free", 1, 0)})), "id")
		docFields(t, "zero", docFinalize(t, c, "/invoices/", z), "status", "paid")
		dn := docCreate(t, c, "/debitnotes/", map[string]any{"invoice": z, "date": "2026-06-01", "lines": []any{docLine("Fee", 1, 10)}})
		e.Clock.Advance(time.Hour)
		docFinalize(t, c, "/debitnotes/", apitest.Str(dn, "id"))
		docFields(t, "paid then debited", c.Get("/invoices/"+z+"/").Expect(200), "status", "finalized", "total_adjusted", "10.00",
			"customer.aggregations.balance", "157.60")
		if evs := docEvents(t, e, z); len(evs) != 4 || evs[3] != "invoice.updated" {
			t.Errorf("events %q", evs)
		}
		// and can be credited again down to cancelled
		cn := docCreate(t, c, "/creditnotes/", map[string]any{"invoice": z, "date": "2026-06-01", "lines": []any{docLine("Fee", 1, 10)}})
		docFinalize(t, c, "/creditnotes/", apitest.Str(cn, "id"))
		docFields(t, "credited", c.Get("/invoices/"+z+"/").Expect(200), "status", "cancelled", "total_adjusted", "0.00")
	})
}
