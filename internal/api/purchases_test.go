package api_test

import (
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

func newSupplier(c *apitest.Client) string {
	return apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Midwest Parts Inc.", "country": "US", "state": "OH", "tax_id": "31-1234567",
		"email": "ar@midwestparts.com"}).Expect(201), "id")
}

// docs/procurement.md#25-example and docs/procurement.md#35-example, and the procurement flow of the seed.
func TestPurchaseFlow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sup := newSupplier(c)
		pur := c.Post("/purchases/", `{"supplier": "`+sup+`", "document": "US5", "date": "2025-06-03", "due_date": "2025-07-03",
		 "lines": [{"name": "Bearing 6204", "quantity": 10, "amount": 45.50},
		           {"name": "Freight", "quantity": 1, "amount": 120.00, "exempt": true}]}`).Expect(201)
		for k, want := range map[string]string{"amount": "455.00", "exempt": "120.00", "subtotal": "575.00", "total": "575.00", "total_adjusted": "575.00", "number": "1"} {
			if got := apitest.Num(pur[k]); got != want {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
		if pur["tax"] != nil || pur["imported"] != false || pur["supplier"].(map[string]any)["name"] != "Midwest Parts Inc." || pur["status"] != "draft" {
			t.Errorf("purchase %v", pur)
		}
		id := apitest.Str(pur, "id")
		c.Post("/purchases/"+id+"/finalize/", nil).Expect(200)
		c.Patch("/purchases/"+id+"/", map[string]any{"note": "x"}).ExpectBody(400, `{"non_field_errors": ["Only purchases with status draft can be updated."]}`)
		pcn := c.Post("/purchases/credit-notes/", `{"purchase": "`+id+`", "document": "US6", "date": "2025-06-05", "note": "2 bearings returned",
		 "lines": [{"name": "Bearing 6204", "quantity": 2, "amount": 45.50}]}`).Expect(201)
		if apitest.Num(pcn["total"]) != "91.00" || pcn["purchase"] != id || apitest.Num(pcn["number"]) != "1" {
			t.Errorf("purchase credit note %v", pcn)
		}
		c.Post("/purchases/credit-notes/"+apitest.Str(pcn, "id")+"/finalize/", nil).Expect(200)
		if got := c.Get("/purchases/" + id + "/").Expect(200); apitest.Num(got["total_adjusted"]) != "484.00" || got["status"] != "finalized" {
			t.Errorf("after credit: %v %v", got["total_adjusted"], got["status"])
		}
		c.Post("/purchases/credit-notes/", `{"purchase": "`+id+`", "document": "US6", "date": "2025-06-05", "note": "too much",
		 "lines": [{"name": "Bearing 6204", "quantity": 20, "amount": 45.50}]}`).
			ExpectBody(400, `{"non_field_errors": ["Credit note total (910.00) exceeds the purchase's creditable amount (484.00)."]}`)
		for _, path := range []string{"/purchases/" + id + "/pdf/", "/purchases/credit-notes/" + apitest.Str(pcn, "id") + "/pdf/"} {
			if apitest.Str(c.Get(path).Expect(200), "file") == "" {
				t.Errorf("%s: no PDF", path)
			}
		}
		// received documents: the supplier's number, unique per supplier and type
		rec := map[string]any{"supplier": sup, "document": "US1", "date": "2025-06-03", "number": 4471,
			"lines": []any{map[string]any{"name": "Service", "quantity": 1, "amount": 100}}}
		got := c.Post("/purchases/", rec).Expect(201)
		if got["imported"] != true || apitest.Num(got["number"]) != "4471" {
			t.Errorf("received purchase %v %v", got["imported"], got["number"])
		}
		c.Post("/purchases/", rec).ExpectBody(400, `{"non_field_errors": ["A purchase with this supplier, document and number already exists."]}`)
		delete(rec, "number")
		c.Post("/purchases/", rec).ExpectBody(400, `{"number": ["The supplier's document number is required for received documents."]}`)
		rec["document"] = "US2"
		c.Post("/purchases/", rec).ExpectBody(400, `{"document": ["Document type US2 cannot be used for purchases."]}`)
		// a supplier with documents cannot be deleted
		c.Delete("/suppliers/"+sup+"/").ExpectBody(400, `{"non_field_errors": ["Suppliers with documents cannot be deleted."]}`)
		if n := apitest.Num(c.Get("/purchases/?imported=true").Expect(200)["count"]); n != "1" {
			t.Errorf("imported filter %s", n)
		}
	})
}
