package api_test

import (
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// acmeCustomer creates the customer of the documents.md examples.
func acmeCustomer(c *apitest.Client) string {
	return apitest.Str(c.Post("/customers/", map[string]any{"name": "Acme Nation LLC", "address": "17st, National Sub", "country": "US",
		"state": "IL", "email": "billing@stark.com", "website": "https://www.stark.com"}).Expect(201), "id")
}

func TestInvoiceExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := acmeCustomer(c)
		inv := c.Post("/invoices/", `{"customer": "`+cus+`", "document": "US1", "date": "2025-06-02",
		 "due_date": "2025-07-02", "tax_percent": 8.25, "discount": 10, "discount_scheme": "$",
		 "lines": [{"name": "Widget", "quantity": 3, "amount": 19.99, "discount": 10},
		           {"name": "Installation", "quantity": 1, "amount": 100.00, "exempt": true}]}`).Expect(201)
		t.Logf("%v", inv)
	})
}
