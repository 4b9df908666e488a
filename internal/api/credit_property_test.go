package api_test

import (
	"fmt"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Property: whatever partial credit notes are issued, credited + remaining
// = the invoice total, total_adjusted never goes negative, a credit above
// what remains is refused, and the invoice is cancelled exactly when
// nothing remains.
func TestCreditNotesPropertyRemainingPlusCreditedIsTotal(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("US")
	cus := newCustomer(c, "Prop Co")
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 4).Draw(rt, "lines")
		var lines []any
		for i := 0; i < n; i++ {
			lines = append(lines, map[string]any{"name": fmt.Sprint("L", i), "quantity": rapid.IntRange(1, 5).Draw(rt, "q"),
				"amount": fmt.Sprintf("%d.%02d", rapid.IntRange(0, 300).Draw(rt, "u"), rapid.IntRange(0, 99).Draw(rt, "c")),
				"exempt": rapid.Bool().Draw(rt, "exempt")})
		}
		inv := c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-01", "tax_percent": "8.25", "lines": lines}).Expect(201)
		id := apitest.Str(inv, "id")
		c.Post("/invoices/"+id+"/finalize/", nil).Expect(200)
		total, _ := decimal.NewFromString(apitest.Num(inv["total"]))
		credited := decimal.Zero
		for step := 0; step < 4; step++ {
			amount := fmt.Sprintf("%d.%02d", rapid.IntRange(0, 400).Draw(rt, "credit"), rapid.IntRange(0, 99).Draw(rt, "cc"))
			r := c.Post("/creditnotes/", map[string]any{"invoice": id, "date": "2026-06-02", "tax_percent": 0,
				"lines": []any{map[string]any{"name": "Refund", "quantity": 1, "amount": amount, "exempt": true}}})
			cur := c.Get("/invoices/" + id + "/").Expect(200)
			remaining, _ := decimal.NewFromString(apitest.Num(cur["total_adjusted"]))
			want, _ := decimal.NewFromString(amount)
			if r.Status == 400 {
				if want.LessThanOrEqual(remaining) {
					rt.Fatalf("credit %s refused with %s remaining: %s", amount, remaining, r.Body)
				}
				if cur["status"] == "cancelled" && !remaining.IsZero() {
					rt.Fatalf("cancelled with %s remaining", remaining)
				}
				continue
			}
			crn := r.Expect(201)
			if want.GreaterThan(remaining) {
				rt.Fatalf("credit %s accepted with %s remaining", amount, remaining)
			}
			c.Post("/creditnotes/"+apitest.Str(crn, "id")+"/finalize/", nil).Expect(200)
			credited = credited.Add(want)
			after := c.Get("/invoices/" + id + "/").Expect(200)
			left, _ := decimal.NewFromString(apitest.Num(after["total_adjusted"]))
			if !left.Add(credited).Equal(total) || left.IsNegative() {
				rt.Fatalf("total %s, credited %s, remaining %s", total, credited, left)
			}
			if (after["status"] == "cancelled") != left.IsZero() {
				rt.Fatalf("status %v with %s remaining", after["status"], left)
			}
		}
	})
}
