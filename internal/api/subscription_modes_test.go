package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// Each coupon, add-on and tier mode on a cycle invoice, with its exact
// totals (US1, no tax rate), over two runs (the second by process).
func TestSubscriptionModesOnInvoices(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		flat := subPlan(c, "USD", "100.00", nil)
		tiers := []any{
			map[string]any{"quantity_from": 0, "quantity_to": 10, "amount": 5},
			map[string]any{"quantity_from": 10, "quantity_to": 50, "amount": 4},
			map[string]any{"quantity_from": 50, "quantity_to": nil, "amount": 3},
		}
		graduated := subPlan(c, "USD", 0, map[string]any{"tiers_mode": "graduated", "tiers": tiers})
		volume := subPlan(c, "USD", 0, map[string]any{"tiers_mode": "volume", "tiers": tiers})
		pkg := subPlan(c, "USD", 0, map[string]any{"tiers_mode": "package_overage", "tiers": []any{
			map[string]any{"quantity_from": 0, "quantity_to": 100, "amount": 1000, "amount_scheme": "flat"},
			map[string]any{"quantity_from": 100, "quantity_to": nil, "amount": 9}}})
		coupon := func(body map[string]any) string {
			body["name"], body["currency"] = "C", "USD"
			return apitest.Str(c.Post("/coupons/", body).Expect(201), "id")
		}
		pct10Once := coupon(map[string]any{"amount": 10})
		fixed30Forever := coupon(map[string]any{"amount": 30, "discount_scheme": "$", "duration_scheme": "forever"})
		fixedHuge := coupon(map[string]any{"amount": 100000, "discount_scheme": "$"})
		linePct50Limited := coupon(map[string]any{"amount": 50, "apply_on": "line", "duration_scheme": "limited", "duration_times": 1})
		lineFixed20 := coupon(map[string]any{"amount": 20, "apply_on": "line", "discount_scheme": "$", "duration_scheme": "forever"})
		addon := func(body map[string]any) string {
			body["name"], body["description"], body["currency"] = "Extra", "Extra", "USD"
			return apitest.Str(c.Post("/addons/", body).Expect(201), "id")
		}
		setup := addon(map[string]any{"amount": 40})
		support := addon(map[string]any{"amount": 15, "apply_scheme": "recurring", "duration_times": 1})
		forever := addon(map[string]any{"amount": 7, "apply_scheme": "recurring"})

		cases := []struct {
			name          string
			lines, addons []any
			coupon        string
			first, second string // invoice totals of run 1 and run 2
		}{
			{"plain", []any{map[string]any{"plan": flat, "quantity": 2}}, nil, "", "200.00", "200.00"},
			{"graduated 60", []any{map[string]any{"plan": graduated, "quantity": 60}}, nil, "", "240.00", "240.00"},
			{"volume 60", []any{map[string]any{"plan": volume, "quantity": 60}}, nil, "", "180.00", "180.00"},
			{"package_overage 140", []any{map[string]any{"plan": pkg, "quantity": 140}}, nil, "", "1360.00", "1360.00"},
			{"% one_time on the invoice", []any{map[string]any{"plan": flat, "quantity": 1}}, nil, pct10Once, "90.00", "100.00"},
			{"$ forever on the invoice", []any{map[string]any{"plan": flat, "quantity": 1}}, nil, fixed30Forever, "70.00", "70.00"},
			{"$ capped at the invoice", []any{map[string]any{"plan": flat, "quantity": 1}}, nil, fixedHuge, "0.00", "100.00"},
			{"% limited on a line", []any{map[string]any{"plan": flat, "quantity": 1, "coupon": linePct50Limited}}, nil, "", "50.00", "100.00"},
			{"$ forever on a line", []any{map[string]any{"plan": flat, "quantity": 3, "coupon": lineFixed20}}, nil, "", "280.00", "280.00"},
			{"one-time add-on", []any{map[string]any{"plan": flat, "quantity": 1}}, []any{map[string]any{"addon": setup, "quantity": 2}}, "", "180.00", "100.00"},
			{"recurring add-on, 1 time", []any{map[string]any{"plan": flat, "quantity": 1}}, []any{map[string]any{"addon": support, "quantity": 1}}, "", "115.00", "100.00"},
			{"recurring add-on, forever", []any{map[string]any{"plan": flat, "quantity": 1}}, []any{map[string]any{"addon": forever, "quantity": 3}}, "", "121.00", "121.00"},
			{"rates 30/70", []any{map[string]any{"plan": flat, "quantity": 1}}, []any{map[string]any{"addon": setup, "quantity": 1, "rates": []any{
				map[string]any{"billing_cycle": 1, "percentage": 30}, map[string]any{"billing_cycle": 2, "percentage": 70}}}}, "", "112.00", "128.00"},
		}
		for _, tc := range cases {
			body := map[string]any{"customer": newCustomer(c, tc.name), "document": "US1", "date_start": "2026-06-02", "lines": tc.lines}
			if tc.addons != nil {
				body["addons"] = tc.addons
			}
			if tc.coupon != "" {
				body["coupon"] = tc.coupon
			}
			sub := c.Post("/subscriptions/", body).Expect(201)
			inv := c.Get("/invoices/" + apitest.Str(sub, "latest_invoice") + "/").Expect(200)
			if got := apitest.Num(inv["total"]); got != tc.first {
				t.Errorf("%s: first invoice total %s, want %s (%v)", tc.name, got, tc.first, inv["lines"])
			}
			if tc.first == "0.00" && inv["status"] != "paid" {
				t.Errorf("%s: a zero invoice is %v, want paid", tc.name, inv["status"])
			}
			second := c.Post("/subscriptions/"+apitest.Str(sub, "id")+"/process/", nil).Expect(200)
			if got := apitest.Num(second["total"]); got != tc.second {
				t.Errorf("%s: second invoice total %s, want %s (%v)", tc.name, got, tc.second, second["lines"])
			}
		}
	})
}

// billing_cycles ends the subscription: licensed lines end at the last
// opening run; a metered line adds the closing run for the last usage.
func TestSubscriptionBillingCyclesAndReferences(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		plan := subPlan(c, "USD", 10, nil)
		sub := c.Post("/subscriptions/", map[string]any{"customer": newCustomer(c, "Two Co"), "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}, "billing_cycles": 2}).Expect(201)
		id := apitest.Str(sub, "id")
		if sub["end_date"] != "2026-08-01" {
			t.Errorf("end_date %v", sub["end_date"])
		}
		c.Post("/subscriptions/"+id+"/process/", nil).Expect(200)
		got := c.Get("/subscriptions/" + id + "/").Expect(200)
		if got["status"] != "finalized" || got["next_billing"] != nil {
			t.Errorf("after 2 of 2 cycles: %v %v", got["status"], got["next_billing"])
		}
		c.Patch("/subscriptions/"+id+"/", map[string]any{"billing_cycles": 5}).
			ExpectBody(400, `{"non_field_errors": ["Cancelled or finalized subscriptions can only change metadata."]}`)

		// metered + licensed, 1 cycle: the opening run, then a closing run for the usage
		metered := subPlan(c, "USD", 2, map[string]any{"usage_scheme": "metered"})
		sub = c.Post("/subscriptions/", map[string]any{"customer": newCustomer(c, "Meter Co"), "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}, map[string]any{"plan": metered}}, "billing_cycles": 1}).Expect(201)
		id = apitest.Str(sub, "id")
		line := apitest.Str(sub["lines"].([]any)[1].(map[string]any), "id")
		if sub["status"] != "active" || sub["next_billing"] != "2026-07-02" {
			t.Fatalf("after the opening run: %v %v", sub["status"], sub["next_billing"])
		}
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T12:00:00Z", "quantity": 4}).Expect(201)
		closing := c.Post("/subscriptions/"+id+"/process/", nil).Expect(200)
		if apitest.Num(closing["total"]) != "8.00" || len(closing["lines"].([]any)) != 1 || closing["period_start"] != "2026-06-02" || closing["period_end"] != "2026-07-01" {
			t.Errorf("closing run: %v %v %v–%v", closing["total"], closing["lines"], closing["period_start"], closing["period_end"])
		}
		if got := c.Get("/subscriptions/" + id + "/").Expect(200); got["status"] != "finalized" {
			t.Errorf("after the closing run: %v", got["status"])
		}

		// require_reference
		sub = c.Post("/subscriptions/", map[string]any{"customer": newCustomer(c, "Ref Co"), "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}, "require_reference": true}).Expect(201)
		id = apitest.Str(sub, "id")
		if sub["status"] != "needs_attention" || sub["needs_attention_reason"] != "without_reference" || sub["latest_invoice"] != nil {
			t.Errorf("without reference: %v %v", sub["status"], sub["needs_attention_reason"])
		}
		// resume from needs_attention: active again, the run retried later (still no reference)
		if r := c.Post("/subscriptions/"+id+"/resume/", nil).Expect(200); r["status"] != "active" || r["needs_attention_reason"] != nil || r["next_billing"] != "2026-06-02" {
			t.Errorf("resumed from needs_attention: %v %v %v", r["status"], r["needs_attention_reason"], r["next_billing"])
		}
		c.Patch("/subscriptions/"+id+"/", map[string]any{"references": []any{map[string]any{"date": "2026-05-01", "document": "801", "serial": "PO-1", "date_end": "2026-05-31"}}}).Expect(200)
		c.Post("/subscriptions/"+id+"/process/", nil).ExpectBody(400, `{"non_field_errors": ["Subscription needs attention: reference_expired."]}`)
		c.Patch("/subscriptions/"+id+"/", map[string]any{"references": []any{map[string]any{"date": "2026-05-01", "document": "801", "serial": "PO-2", "date_end": "2026-12-31"}}}).Expect(200)
		inv := c.Post("/subscriptions/"+id+"/process/", nil).Expect(200)
		refs := inv["references"].([]any)
		if len(refs) != 1 || refs[0].(map[string]any)["serial"] != "PO-2" {
			t.Errorf("invoice references %v", refs)
		}
		if _, has := refs[0].(map[string]any)["date_end"]; has {
			t.Errorf("date_end copied to the invoice: %v", refs)
		}

		// an archived customer stops the scheduler's run: processing_issue
		cus := newCustomer(c, "Gone Co")
		sub = c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "US1", "date_start": "2026-06-03",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
		if _, err := e.DB.ExecContext(context.Background(), `UPDATE customers SET status = 'archived' WHERE id = $1`, cus); err != nil {
			t.Fatal(err)
		}
		c.Post("/subscriptions/"+apitest.Str(sub, "id")+"/process/", nil).ExpectBody(400, `{"non_field_errors": ["Subscription needs attention: processing_issue."]}`)
	})
}

// CL33 invoices are in CLP: a UF (CLF) plan is converted by custom_change,
// else by the exchange rate of the billing date; no rate → processing_issue.
func TestSubscriptionCurrencyConversion(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := docCLCustomer(c, "Comercial Andes SpA", true)
		plan := subPlan(c, "CLF", "2.50", nil)
		sub := c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "CL33", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}, "custom_change": "39000.55"}).Expect(201)
		inv := c.Get("/invoices/" + apitest.Str(sub, "latest_invoice") + "/").Expect(200)
		line := inv["lines"].([]any)[0].(map[string]any)
		if inv["currency"] != "CLP" || apitest.Num(line["amount"]) != "97501" && apitest.Num(line["amount"]) != "97501.00" || apitest.Num(inv["custom_change"]) == "" {
			t.Errorf("converted: %v %v custom_change %v", inv["currency"], line["amount"], inv["custom_change"])
		}
		sub = c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "CL33", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
		if sub["needs_attention_reason"] != "processing_issue" {
			t.Errorf("no rate: %v %v", sub["status"], sub["needs_attention_reason"])
		}
		if _, err := e.DB.ExecContext(context.Background(), `INSERT INTO exchange_rates (id, currency_from, currency_to, amount, date, created, updated) VALUES ('chg_test', 'CLF', 'CLP', '39242.85', '2026-06-01', 0, 0)`); err != nil {
			t.Fatal(err)
		}
		inv = c.Post("/subscriptions/"+apitest.Str(sub, "id")+"/process/", nil).Expect(200)
		if line := inv["lines"].([]any)[0].(map[string]any); apitest.Num(line["amount"]) != "98107" && apitest.Num(line["amount"]) != "98107.00" {
			t.Errorf("by the rate of 2026-06-01: %v", line["amount"])
		}
	})
}

// The document engine applies the value rules to every caller: an add-on
// share whose line name ("<add-on name> (<rate description>)") is longer
// than 80 characters stops the run in needs_attention with the engine's
// message, and no invoice is stored.
func TestSubscriptionRunLineNameTooLong(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		plan := subPlan(c, "USD", 10, nil)
		name := strings.Repeat("n", 56)
		addon := apitest.Str(c.Post("/addons/", map[string]any{"name": name, "description": "Setup", "currency": "USD", "amount": 40}).Expect(201), "id")
		rate := func(desc string) []any {
			return []any{map[string]any{"billing_cycle": 1, "percentage": 100, "description": desc}}
		}
		body := func(desc string) map[string]any {
			return map[string]any{"customer": newCustomer(c, "Long Names Co"), "document": "US1", "date_start": "2026-06-02",
				"lines":  []any{map[string]any{"plan": plan, "quantity": 1}},
				"addons": []any{map[string]any{"addon": addon, "quantity": 1, "rates": rate(desc)}}}
		}
		// 56 + len(" (") + 21 + len(")") = 80: billed
		ok := c.Post("/subscriptions/", body(strings.Repeat("d", 21))).Expect(201)
		if ok["status"] != "active" || ok["latest_invoice"] == nil {
			t.Fatalf("an 80-character line: %v %v %v", ok["status"], ok["needs_attention_reason"], ok["status_description"])
		}
		// one more character: refused by the engine
		sub := c.Post("/subscriptions/", body(strings.Repeat("d", 22))).Expect(201)
		want := "The invoice could not be created: Ensure this field has no more than 80 characters."
		if sub["status"] != "needs_attention" || sub["needs_attention_reason"] != "processing_issue" || sub["status_description"] != want || sub["latest_invoice"] != nil {
			t.Errorf("an 81-character line: %v %v %q %v", sub["status"], sub["needs_attention_reason"], sub["status_description"], sub["latest_invoice"])
		}
		if got := invoicesOf(c, apitest.Str(sub, "id")); len(got) != 0 {
			t.Errorf("invoices stored for the refused run: %d", len(got))
		}
	})
}
