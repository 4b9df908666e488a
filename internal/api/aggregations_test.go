package api_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/shopspring/decimal"
)

// The maintained customer aggregations always equal a recomputation from
// the customer's invoices, whatever sequence of document changes ran.
func TestAggregationsEqualTheDocuments(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		rng := rand.New(rand.NewPCG(7, 11))
		var customers []string
		for i := 0; i < 3; i++ {
			customers = append(customers, newCustomer(c, fmt.Sprint("Agg ", i)))
		}
		var invoices []string
		for step := 0; step < 60; step++ {
			switch op := rng.IntN(6); {
			case op <= 1 || len(invoices) == 0:
				date := []string{"2026-06-01", "2026-05-20", "2026-06-02"}[rng.IntN(3)]
				inv := c.Post("/invoices/", map[string]any{"customer": customers[rng.IntN(3)], "document": "US1", "date": date, "tax_percent": "8.25",
					"lines": []any{map[string]any{"name": "X", "quantity": rng.IntN(3) + 1, "amount": fmt.Sprintf("%d.%02d", rng.IntN(200), rng.IntN(100))}}}).Expect(201)
				invoices = append(invoices, apitest.Str(inv, "id"))
			case op == 2:
				c.Post("/invoices/"+invoices[rng.IntN(len(invoices))]+"/finalize/", nil)
			case op == 3:
				c.Post("/invoices/"+invoices[rng.IntN(len(invoices))]+"/uncollectible/", nil)
			case op == 4:
				c.Post("/creditnotes/", map[string]any{"invoice": invoices[rng.IntN(len(invoices))], "date": "2026-06-02"})
			case op == 5:
				page := c.Get("/creditnotes/?status=draft").Expect(200)["results"].([]any)
				if len(page) > 0 {
					c.Post("/creditnotes/"+page[0].(map[string]any)["id"].(string)+"/finalize/", nil)
				}
			}
		}
		for _, cus := range customers {
			sales, current, balance := decimal.Zero, decimal.Zero, decimal.Zero
			page := c.Get("/invoices/?page_size=100&customer=" + cus).Expect(200)
			for _, row := range page["results"].([]any) {
				inv := row.(map[string]any)
				ta, _ := decimal.NewFromString(apitest.Num(inv["total_adjusted"]))
				switch inv["status"] {
				case "finalized", "paid", "uncollectible", "cancelled":
					sales = sales.Add(ta)
					if strings.HasPrefix(inv["date"].(string), "2026-06") {
						current = current.Add(ta)
					}
					if inv["status"] != "uncollectible" {
						balance = balance.Add(ta)
					}
				}
			}
			agg := c.Get("/customers/" + cus + "/").Expect(200)["aggregations"].(map[string]any)
			for name, want := range map[string]decimal.Decimal{"sales": sales, "sales_current_period": current, "balance": balance} {
				if got := apitest.Num(agg[name]); got != want.StringFixed(2) {
					t.Errorf("customer %s %s = %s, recomputed %s", cus, name, got, want.StringFixed(2))
				}
			}
		}
	})
}
