package api_test

import (
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// invoice.payments lists the invoice's payments in created order, in the
// contract's shape (docs/documents.md#12-invoice-object), on the object and in
// the list; an invoice without payments shows [].
func TestInvoicePayments(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := newCustomer(c, "Two Payments Co")
		inv := usInvoice(c, cus, "100.00")
		other := usInvoice(c, cus, "5.00")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		p1 := c.Post("/payments/", map[string]any{"amount": "30.00", "currency": "USD", "date": "2026-06-02", "description": "First", "invoice": inv, "status": "succeeded"}).Expect(201)
		e.Clock.Advance(time.Second)
		p2 := c.Post("/payments/", map[string]any{"amount": "70.00", "currency": "USD", "date": "2026-06-03", "description": "Second", "invoice": inv, "status": "succeeded"}).Expect(201)
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		if got["status"] != "paid" {
			t.Errorf("status %v", got["status"])
		}
		ps, _ := got["payments"].([]any)
		if len(ps) != 2 {
			t.Fatalf("payments %v", got["payments"])
		}
		for i, want := range []map[string]any{p1, p2} {
			p := ps[i].(map[string]any)
			if len(p) != 10 {
				t.Errorf("payment %d has %d fields: %v", i, len(p), p)
			}
			for _, k := range []string{"id", "amount", "currency", "date", "description", "status", "payment_date", "balance", "source", "created"} {
				if apitest.Num(p[k]) != apitest.Num(want[k]) {
					t.Errorf("payment %d %s = %v, /payments/ says %v", i, k, p[k], want[k])
				}
			}
		}
		list := c.Get("/invoices/?ordering=created").Expect(200)["results"].([]any)
		for _, r := range list {
			r := r.(map[string]any)
			n := len(r["payments"].([]any))
			if (r["id"] == inv && n != 2) || (r["id"] == other && n != 0) {
				t.Errorf("list: %s has %d payments", r["id"], n)
			}
		}
	})
}
