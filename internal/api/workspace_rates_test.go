package api_test

import (
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// A workspace writes its own exchange rates (docs/catalogues.md#71-a-workspaces-rates); UF
// and USD plans then bill in CLP at the rate of the billing date; another
// workspace neither sees nor uses them.
func TestWorkspaceRates(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		c.Post("/generals/changes/", map[string]any{"currency_from": "XXX", "currency_to": "CLP", "amount": 0, "date": "2026-13-01"}).ExpectBody(400,
			`{"amount": ["Ensure this value is greater than 0."], "currency_from": ["Invalid pk \"XXX\" - object does not exist."], "date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}`)
		c.Post("/generals/changes/", map[string]any{"currency_from": "CLP", "currency_to": "CLP", "amount": "1", "date": "2026-06-01"}).ExpectBody(400,
			`{"currency_to": ["Must differ from currency_from."]}`)
		c.Post("/generals/changes/", map[string]any{"currency_to": "CLP", "amount": "x", "date": "2026-06-01"}).ExpectBody(400,
			`{"amount": ["A valid number is required."], "currency_from": ["This field is required."]}`)

		cus := docCLCustomer(c, "Comercial Andes SpA", true)
		uf := subPlan(c, "CLF", "2.50", nil)
		usd := subPlan(c, "USD", "10", nil)
		subscribe := func(plan string) map[string]any {
			return c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "CL33", "date_start": "2026-06-02",
				"lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
		}
		subUF, subUSD := subscribe(uf), subscribe(usd)
		if subUF["needs_attention_reason"] != "processing_issue" || subUSD["needs_attention_reason"] != "processing_issue" {
			t.Fatalf("without rates: %v %v", subUF["status"], subUSD["status"])
		}
		first := c.Post("/generals/changes/", map[string]any{"currency_from": "CLF", "currency_to": "CLP", "amount": "39000", "date": "2026-06-01"}).Expect(201)
		again := c.Post("/generals/changes/", map[string]any{"currency_from": "clf", "currency_to": "CLP", "amount": 39242.85, "date": "2026-06-01"}).Expect(201)
		if !strings.HasPrefix(apitest.Str(first, "id"), "chg_") || again["id"] != first["id"] || apitest.Num(again["amount"]) != "39242.85" {
			t.Errorf("saved %v then %v", first, again)
		}
		c.Post("/generals/changes/", map[string]any{"currency_from": "USD", "currency_to": "CLP", "amount": "950", "date": "2026-06-02"}).Expect(201)
		if got := c.Get("/generals/changes/?currency_to=CLP").Expect(200); apitest.Num(got["count"]) != "2" {
			t.Errorf("list: %v", got)
		}
		c.Get("/generals/changes/" + apitest.Str(first, "id") + "/").Expect(200)

		inv := c.Post("/subscriptions/"+apitest.Str(subUF, "id")+"/process/", nil).Expect(200)
		if line := inv["lines"].([]any)[0].(map[string]any); inv["currency"] != "CLP" || strings.TrimSuffix(apitest.Num(line["amount"]), ".00") != "98107" {
			t.Errorf("UF plan by the rate of 2026-06-01: %v %v", inv["currency"], line["amount"])
		}
		inv = c.Post("/subscriptions/"+apitest.Str(subUSD, "id")+"/process/", nil).Expect(200)
		if line := inv["lines"].([]any)[0].(map[string]any); strings.TrimSuffix(apitest.Num(line["amount"]), ".00") != "9500" {
			t.Errorf("USD plan by the rate of 2026-06-02: %v", line["amount"])
		}

		// another workspace: not visible, not used
		other := e.Workspace("CL")
		other.Get("/generals/changes/" + apitest.Str(first, "id") + "/").Expect(404)
		if got := other.Get("/generals/changes/").Expect(200); apitest.Num(got["count"]) != "0" {
			t.Errorf("other workspace sees %v", got["count"])
		}
		ocus := docCLCustomer(other, "Otra SpA", true)
		osub := other.Post("/subscriptions/", map[string]any{"customer": ocus, "document": "CL33", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": subPlan(other, "CLF", "1", nil), "quantity": 1}}}).Expect(201)
		if osub["needs_attention_reason"] != "processing_issue" {
			t.Errorf("other workspace used the rate: %v", osub["status"])
		}
	})
}
