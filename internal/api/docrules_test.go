package api_test

import (
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

func TestDraftTypeChangeAndCarrierRUT(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := docCLCustomer(c, "Andes", true)
		line := []any{map[string]any{"name": "Equipo", "quantity": 1, "amount": 1000}}
		inv := c.Post("/invoices/", map[string]any{"customer": cus, "document": 33, "date": "2026-06-01", "lines": line}).Expect(201)
		if inv["number"] != nil {
			t.Fatalf("CL33 draft numbered: %v", inv["number"])
		}
		id := apitest.Str(inv, "id")
		got := c.Patch("/invoices/"+id+"/", map[string]any{"document": "US1"}).Expect(200)
		if apitest.Num(got["number"]) != "1" {
			t.Fatalf("US1 draft number %v", got["number"])
		}
		c.Patch("/invoices/"+id+"/", map[string]any{"document": "CL33"}).
			ExpectBody(400, `{"document": ["The document type of a numbered draft cannot change; delete the draft and create a new one."]}`)

		ord := c.Post("/orders/", map[string]any{"customer": cus, "document": "CL52", "date": "2026-06-01", "lines": line,
			"carrier_id": "12.345.678-5", "carrier_name": "Juan Pérez"}).Expect(201)
		if ord["carrier_id"] != "12345678-5" {
			t.Errorf("carrier_id %v", ord["carrier_id"])
		}
	})
}
