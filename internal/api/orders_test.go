package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// The keys of the order and order-line objects, in the order of the
// docs/documents.md#45-examples example (the seed's shape).
var (
	docOrderKeys = []string{"id", "customer", "number", "document", "test_mode", "date", "address", "carrier_id", "carrier_name",
		"state", "licence_plate", "shipping_type", "lines", "amount", "exempt", "tax", "tax_percent", "total", "note", "references",
		"local_file", "tax_agency", "biller_status", "imported", "status", "created", "updated"}
	docOrderLineKeys = []string{"id", "name", "description", "quantity", "amount", "exempt", "tax", "tax_percent", "total", "created", "updated"}
)

// docKeys returns the keys of a JSON object in the order they were written.
func docKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
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
	return keys
}

// docOrderOut is the docs/documents.md#45-examples order in this test environment.
func docOrderOut(customer, date, status, biller, updated string) string {
	return `{"id": "ord_*", "customer": ` + customer + `, "number": 1, "document": ` + docTypeSummary("US2", "Order", "2") + `,
		"test_mode": false, "date": "` + date + `", "address": null, "carrier_id": null, "carrier_name": null,
		"state": null, "licence_plate": null, "shipping_type": "1",
		"lines": [{"id": "lin_*", "name": "My physical product", "description": null, "quantity": 4.0, "amount": 500.00,
		           "exempt": false, "tax": null, "tax_percent": 0, "total": 2000.00,
		           "created": "` + docStamp + `", "updated": "` + docStamp + `"}],
		"amount": 2000.00, "exempt": null, "tax": null, "tax_percent": 0, "total": 2000.00, "note": null, "references": [],
		"local_file": null, "tax_agency": {}, "biller_status": "` + biller + `", "imported": false, "status": "` + status + `",
		"created": "` + docStamp + `", "updated": "` + updated + `"}`
}

// docs/documents.md#45-examples (the seed's Orders resource), step by step.
func TestOrderExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		r := c.Post("/orders/", `{"customer": "`+cus+`", "document": "US2", "date": "2020-10-21", "shipping_type": "1",
			"lines": [{"name": "My physical product", "quantity": 4, "amount": 500.00}]}`)
		want := docOrderOut(docAcmeSummary("0.00", "0.00", "0.00"), "2020-10-21", "draft", "pending", docStamp)
		docCheck(t, r, 201, want, "create")
		if keys := docKeys(t, r.Body); !slices.Equal(keys, docOrderKeys) {
			t.Errorf("order keys\n got %q\nwant %q", keys, docOrderKeys)
		}
		order := r.JSON()
		id := apitest.Str(order, "id")
		if !strings.HasPrefix(id, "ord_") || len(id) != 22 {
			t.Errorf("id %q", id)
		}
		var raw struct{ Lines []json.RawMessage }
		if err := json.Unmarshal(r.Body, &raw); err != nil || len(raw.Lines) != 1 {
			t.Fatalf("lines: %v %s", err, r.Body)
		}
		line := raw.Lines[0]
		if keys := docKeys(t, line); !slices.Equal(keys, docOrderLineKeys) {
			t.Errorf("order line keys\n got %q\nwant %q", keys, docOrderLineKeys)
		}
		path := "/orders/" + id + "/"

		// retrieve
		docCheck(t, c.Get(path), 200, want, "retrieve")
		// update
		e.Clock.Advance(time.Hour)
		want = docOrderOut(docAcmeSummary("0.00", "0.00", "0.00"), "2020-10-25", "draft", "pending", docStamp1)
		docCheck(t, c.Patch(path, map[string]any{"date": "2020-10-25"}), 200, want, "PATCH date")
		docCheck(t, c.Get(path), 200, want, "retrieve after PATCH")
		// finalize by GET
		e.Clock.Advance(time.Hour)
		want = docOrderOut(docAcmeSummary("0.00", "0.00", "0.00"), "2020-10-25", "finalized", "succeeded", docStamp2)
		docCheck(t, c.Get(path+"finalize/"), 200, want, "finalize")
		docCheck(t, c.Get(path), 200, want, "retrieve finalized")

		// refusals after finalize
		docCheck(t, c.Patch(path, map[string]any{"date": "2020-10-26"}), 400,
			`{"non_field_errors": ["Only orders with status draft can be updated."]}`, "PATCH finalized")
		docCheck(t, c.Put(path, map[string]any{"lines": []any{docLine("X", 1, 1)}}), 400,
			`{"non_field_errors": ["Only orders with status draft can be updated."]}`, "PUT finalized")
		docCheck(t, c.Delete(path), 400, `{"non_field_errors": ["Only orders with status draft can be deleted."]}`, "DELETE finalized")
		docCheck(t, c.Get(path+"finalize/"), 400, `{"non_field_errors": ["Only orders with status draft can be finalized."]}`, "GET finalize twice")
		docCheck(t, c.Post(path+"finalize/", nil), 400, `{"non_field_errors": ["Only orders with status draft can be finalized."]}`, "POST finalize twice")
		e.Clock.Advance(time.Hour)
		docCheck(t, c.Post(path+"cancel/", map[string]any{"status": "x"}), 200, "", "cancel (body ignored)")
		e.Clock.Advance(time.Hour)
		r = c.Post(path+"cancel/", nil)
		docCheck(t, r, 400, `{"non_field_errors": ["Only finalized orders can be cancelled."]}`, "cancel twice")
		want = docOrderOut(docAcmeSummary("0.00", "0.00", "0.00"), "2020-10-25", "cancelled", "succeeded", "2026-06-02T13:15:00.000000-04:00")
		docCheck(t, c.Get(path), 200, want, "retrieve cancelled")
		docCheck(t, c.Get(path+"cancel/"), 405, "", "GET cancel")
		if evs := docEvents(t, e, id); !slices.Equal(evs, []string{"order.created", "order.updated", "order.finalized", "order.cancelled"}) {
			t.Errorf("events %q", evs)
		}
		// orders do not change the customer's aggregations
		docFields(t, "customer", c.Get("/customers/"+cus+"/").Expect(200), "aggregations.sales", "0.00")

		// a draft: cancel refused, delete allowed, number sequence of US2
		d := docCreate(t, c, "/orders/", map[string]any{"customer": cus, "document": "US2", "date": "2020-10-21",
			"lines": []any{docLine("Box", 1, 1)}})
		docFields(t, "second order", d, "number", "2", "shipping_type", "1", "status", "draft")
		dpath := "/orders/" + apitest.Str(d, "id") + "/"
		docCheck(t, c.Post(dpath+"cancel/", nil), 400, `{"non_field_errors": ["Only finalized orders can be cancelled."]}`, "cancel draft")
		r = c.Delete(dpath)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Errorf("DELETE draft order: %d %s", r.Status, r.Body)
		}
		docCheck(t, c.Get(dpath), 404, `{"detail": "Not found."}`, "deleted order")
		// an order id is not an invoice id
		docCheck(t, c.Get("/invoices/"+id+"/"), 404, `{"detail": "Not found."}`, "order as invoice")
	})
}

// docs/documents.md#43-create-body / docs/documents.md#44-errors, every row; CL52 rows in a CL workspace.
func TestOrderErrorsAndFields(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		base := map[string]any{"customer": cus, "document": "US2", "date": "2026-06-01", "lines": []any{docLine("Box", 4, 500)}}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"customer missing", custWith(base, "customer", custOmit), `{"customer": ["This field is required."]}`},
			{"US1", custWith(base, "document", "US1"), `{"document": ["Document type US1 cannot be used for orders."]}`},
			{"document missing", custWith(base, "document", custOmit), `{"document": ["This field is required."]}`},
			{"shipping_type 0", custWith(base, "shipping_type", "0"), `{"shipping_type": ["\"0\" is not a valid choice."]}`},
			{"shipping_type 10", custWith(base, "shipping_type", 10), `{"shipping_type": ["\"10\" is not a valid choice."]}`},
			{"shipping_type null", custWith(base, "shipping_type", nil), `{"shipping_type": ["This field may not be null."]}`},
			{"licence_plate 9", custWith(base, "licence_plate", "ABCDEFGHI"), `{"licence_plate": ["Ensure this field has no more than 8 characters."]}`},
			{"state ZZ", custWith(base, "state", "ZZ"), `{"state": ["State \"ZZ\" does not belong to country US."]}`},
			{"line without name", custWith(base, "lines", []any{map[string]any{"quantity": 1, "amount": 1}}), `{"lines": [{"name": ["This field is required."]}]}`},
			{"lines missing", custWith(base, "lines", custOmit), `{"lines": ["This field is required."]}`},
			{"date missing", custWith(base, "date", custOmit), `{"date": ["This field is required."]}`},
			{"address 71", custWith(base, "address", strings.Repeat("a", 71)), `{"address": ["Ensure this field has no more than 70 characters."]}`},
			{"carrier_id 11", custWith(base, "carrier_id", strings.Repeat("1", 11)), `{"carrier_id": ["Ensure this field has no more than 10 characters."]}`},
			{"carrier_name 31", custWith(base, "carrier_name", strings.Repeat("c", 31)), `{"carrier_name": ["Ensure this field has no more than 30 characters."]}`},
			{"note 101", custWith(base, "note", strings.Repeat("n", 101)), `{"note": ["Ensure this field has no more than 100 characters."]}`},
			{"status", custWith(base, "status", "finalized"), ""},
		}
		for _, row := range rows {
			r := c.Post("/orders/", row.body)
			if row.want == "" {
				if r.Status != 400 || !docOnlyKeys(r, "status") {
					t.Errorf("%s: %d %s", row.label, r.Status, r.Body)
				}
				continue
			}
			docCheck(t, r, 400, row.want, row.label)
		}

		// shipping_type as an integer is stored as a string; state as a code
		got := docCreate(t, c, "/orders/", custWith(base, "shipping_type", 3, "state", "US-IL", "address", "1 Dock St",
			"carrier_id", "A-1", "carrier_name", "Juan", "licence_plate", "ABCD12", "note", "Fragile", "tax_percent", 10,
			"references", []any{map[string]any{"date": "2026-05-30", "document": "801", "serial": "PO-1"}}))
		docFields(t, "fields", got, "shipping_type", "3", "state", "IL", "address", "1 Dock St", "carrier_id", "A-1", "carrier_name", "Juan",
			"licence_plate", "ABCD12", "note", "Fragile", "tax_percent", "10", "amount", "2000.00", "tax", "200.00", "total", "2200.00")
		if refs := got["references"].([]any); len(refs) != 1 || refs[0].(map[string]any)["serial"] != "PO-1" || refs[0].(map[string]any)["description"] != nil {
			t.Errorf("references %v", got["references"])
		}
		// the order line has no discount: a discount sent is ignored
		got = docCreate(t, c, "/orders/", custWith(base, "lines", []any{docLine("Box", 2, 10, "discount", 50), docLine("Manual", 1, 5, "exempt", true)}))
		docFields(t, "order lines", got, "amount", "20.00", "exempt", "5.00", "tax", "null", "total", "25.00")
		// PATCH on a draft: lines replace the list, shipping_type as integer
		opath := "/orders/" + apitest.Str(got, "id") + "/"
		got = c.Patch(opath, map[string]any{"lines": []any{docLine("Crate", 1, 7)}, "shipping_type": 9}).Expect(200)
		docFields(t, "PATCH", got, "total", "7.00", "exempt", "null", "shipping_type", "9")
		if n := len(got["lines"].([]any)); n != 1 {
			t.Errorf("lines after PATCH: %d", n)
		}
		docCheck(t, c.Patch(opath, map[string]any{"shipping_type": "0"}), 400, `{"shipping_type": ["\"0\" is not a valid choice."]}`, "PATCH shipping_type 0")

		// CL52 in a Chilean workspace
		cl := e.Workspace("CL")
		ccus := docCLCustomer(cl, "Comercial Andes SpA", true)
		cbase := map[string]any{"customer": ccus, "document": "CL52", "date": "2026-06-02", "lines": []any{docLine("Caja", 10, 1000)}}
		lines61 := make([]any, 61)
		for i := range lines61 {
			lines61[i] = docLine("Caja", 1, 1)
		}
		for _, row := range []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"bad RUT", custWith(cbase, "carrier_id", "12345678-9", "carrier_name", "Juan"), `{"carrier_id": ["Invalid RUT: the check digit does not match."]}`},
			{"carrier_id without name", custWith(cbase, "carrier_id", "12345678-5"), `{"carrier_name": ["This field is required when carrier_id is given."]}`},
			{"date in the future", custWith(cbase, "date", "2026-06-03"), `{"date": ["Date cannot be in the future for document type CL52."]}`},
			{"61 lines", custWith(cbase, "lines", lines61), `{"lines": ["Document type CL52 accepts at most 60 lines."]}`},
			{"line tax", custWith(cbase, "lines", []any{docLine("Caja", 1, 1, "tax_percent", 10)}),
				`{"lines": [{"tax_percent": ["Extra line taxes are not supported for document type CL52."]}]}`},
			{"tax_percent", custWith(cbase, "tax_percent", 0), `{"tax_percent": ["Tax rate is fixed at 19 for document type CL52."]}`},
			{"state of another country", custWith(cbase, "state", "IL"), `{"state": ["State \"IL\" does not belong to country CL."]}`},
			{"US1 in CL", custWith(cbase, "document", "US1"), `{"document": ["Document type US1 cannot be used for orders."]}`},
		} {
			docCheck(t, cl.Post("/orders/", row.body), 400, row.want, row.label)
		}
		got = docCreate(t, cl, "/orders/", custWith(cbase, "carrier_id", "123456785", "carrier_name", "Juan Pérez", "state", "RM", "shipping_type", "5"))
		docFields(t, "CL52", got, "number", "null", "carrier_id", "12345678-5", "state", "RM", "tax_percent", "19", "amount", "10000.00",
			"tax", "1900.00", "total", "11900.00", "document.currency.id", "CLP", "shipping_type", "5")
		// a US2 order is available in any workspace and numbered at creation
		docFields(t, "US2 in CL", docCreate(t, cl, "/orders/", custWith(cbase, "document", "US2")), "number", "1", "tax_percent", "0")
		// finalize CL52: receiver data, then folios
		cid := apitest.Str(got, "id")
		noGiro := docCLCustomer(cl, "Sin Giro SpA", false)
		ng := apitest.Str(docCreate(t, cl, "/orders/", custWith(cbase, "customer", noGiro)), "id")
		docCheck(t, cl.Post("/orders/"+ng+"/finalize/", nil), 400,
			`{"customer": ["The customer needs tax_settings.cl_activity_description for document type CL52."]}`, "CL52 no giro")
		docCheck(t, cl.Get("/orders/"+cid+"/finalize/"), 400,
			`{"non_field_errors": ["The SII biller is not configured: set rut, business_name, activity_description, activity_codes, address, commune, resolution_number and resolution_date."]}`, "CL52 no folios")
		docFields(t, "CL52 still draft", cl.Get("/orders/"+cid+"/").Expect(200), "status", "draft", "number", "null")

		// cancelling a (forced) finalized CL52 records the annulment to register at the SII
		docSetStatus(t, e, cid, "finalized")
		got = cl.Post("/orders/"+cid+"/cancel/", nil).Expect(200)
		if msgs, _ := got["tax_agency"].(map[string]any)["messages"].([]any); got["status"] != "cancelled" || len(msgs) != 1 {
			t.Errorf("CL52 cancel: %v %v", got["status"], got["tax_agency"])
		}
	})
}

// docs/documents.md#43-create-body list filters, ordering and search.
func TestOrderList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		a := custNew(c, custUSBody("Alpha Traders"))
		b := custNew(c, custUSBody("Beta Works"))
		mk := func(body map[string]any) string {
			t.Helper()
			return apitest.Str(docCreate(t, c, "/orders/", custWith(map[string]any{"document": "US2", "lines": []any{docLine("Box", 1, 10)}}, mapPairs(body)...)), "id")
		}
		o1 := mk(map[string]any{"customer": a, "date": "2026-05-01", "carrier_name": "Juan Perez", "licence_plate": "ABCD12"})
		mk(map[string]any{"customer": a, "date": "2026-05-20", "shipping_type": "3"})
		o3 := mk(map[string]any{"customer": b, "date": "2026-06-01", "shipping_type": 5, "licence_plate": "ZZTOP1"})
		docFinalize(t, c, "/orders/", o1)
		docFinalize(t, c, "/orders/", o3)
		c.Post("/orders/"+o3+"/cancel/", nil).Expect(200)
		for _, row := range []struct {
			q    string
			want []string
		}{
			{"status=draft", []string{"2"}},
			{"status__in=finalized,cancelled", []string{"1", "3"}},
			{"status=cancelled", []string{"3"}},
			{"number__gte=2", []string{"2", "3"}},
			{"number__lt=3", []string{"1", "2"}},
			{"number__in=1,3", []string{"1", "3"}},
			{"date__gte=2026-05-15", []string{"2", "3"}},
			{"date__lte=2026-05-20", []string{"1", "2"}},
			{"shipping_type=3", []string{"2"}},
			{"shipping_type__in=1,5", []string{"1", "3"}},
			{"search=perez", []string{"1"}},
			{"search=zztop", []string{"3"}},
			{"search=beta", []string{"3"}},
			{"search=alpha", []string{"1", "2"}},
			{"customer=" + a, []string{"1", "2"}},
			{"customer__in=" + b, []string{"3"}},
			{"document=US2&biller_status=succeeded", []string{"1", "3"}},
			{"biller_status=pending", []string{"2"}},
		} {
			docListIs(t, c, "/orders/?ordering=number&"+row.q, "number", row.want...)
		}
		docListIs(t, c, "/orders/?ordering=-number", "number", "3", "2", "1")
		docListIs(t, c, "/orders/?ordering=-date", "number", "3", "2", "1")
		docCheck(t, c.Get("/orders/?shipping_type=0"), 400, `{"shipping_type": ["Select a valid choice. 0 is not one of the available choices."]}`, "bad shipping_type")
		docCheck(t, c.Get("/orders/?ordering=total"), 400, `{"ordering": ["Invalid ordering field: total."]}`, "ordering total")
		docCheck(t, c.Get("/orders/?metadata__x=1"), 400, `{"metadata__x": ["Unknown filter."]}`, "no metadata on orders")
	})
}

// mapPairs flattens a map into key, value pairs for custWith.
func mapPairs(m map[string]any) []any {
	var out []any
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}
