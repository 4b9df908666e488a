package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/workspace"
)

func subPlan(c *apitest.Client, currency string, amount any, extra map[string]any) string {
	body := map[string]any{"product": newProduct(c), "name": "Pro", "description": "Plan Pro", "frequency": "monthly", "currency": currency, "amount": amount}
	for k, v := range extra {
		body[k] = v
	}
	return apitest.Str(c.Post("/plans/", body).Expect(201), "id")
}

func invoicesOf(c *apitest.Client, sub string) []map[string]any {
	var out []map[string]any
	for _, r := range c.Get("/invoices/?ordering=created&page_size=100&subscription__isnull=false").Expect(200)["results"].([]any) {
		inv := r.(map[string]any)
		if inv["subscription"] == sub {
			out = append(out, inv)
		}
	}
	return out
}

// The "done when": a product and plan, a customer subscribed on a
// test clock, the first invoice finalized on the billing date, three more
// after advancing three months, then pause, resume and cancel.
func TestSubscriptionLifecycleWithTestClock(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		clk := c.Post("/test_clocks/", map[string]any{"name": "demo", "frozen_time": "2027-01-15T09:00:00Z"}).Expect(201)
		clkID := apitest.Str(clk, "id")
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Clocked Co", "address": "1 Main St", "country": "US", "state": "IL",
			"email": "billing@example.com", "test_clock": clkID}).Expect(201), "id")
		c.Get("/customers/" + cus + "/").Expect(200)
		plan := subPlan(c, "USD", 25, nil)
		sub := c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "US1", "date_start": "2027-01-15",
			"lines": []any{map[string]any{"plan": plan, "quantity": 2}}}).Expect(201)
		id := apitest.Str(sub, "id")
		if sub["next_billing"] != "2027-02-15" || sub["previous_billing"] != "2027-01-15" || apitest.Num(sub["next_billing_cycle"]) != "2" || sub["latest_invoice"] == nil {
			t.Fatalf("first run not done at create: %v", sub)
		}
		invs := invoicesOf(c, id)
		if len(invs) != 1 || invs[0]["status"] != "finalized" || invs[0]["date"] != "2027-01-15" || invs[0]["due_date"] != "2027-01-25" ||
			invs[0]["period_start"] != "2027-01-15" || invs[0]["period_end"] != "2027-02-14" || apitest.Num(invs[0]["total"]) != "50.00" {
			t.Fatalf("first invoice: %v", invs)
		}
		line := invs[0]["lines"].([]any)[0].(map[string]any)
		if line["plan"] != plan || line["name"] != "Pro" || line["description"] != "Plan Pro" {
			t.Errorf("invoice line %v", line)
		}
		// too far: more than two periods past the next billing date
		c.Post("/test_clocks/"+clkID+"/advance/", map[string]any{"frozen_time": "2027-05-20T00:00:00Z"}).Expect(400)
		c.Post("/test_clocks/"+clkID+"/advance/", map[string]any{"frozen_time": "2027-01-01T00:00:00Z"}).
			ExpectBody(400, `{"frozen_time": ["Must be later than the current frozen_time."]}`)
		adv := c.Post("/test_clocks/"+clkID+"/advance/", map[string]any{"frozen_time": "2027-04-15T12:00:00Z"}).Expect(200)
		if adv["status"] != "ready" || adv["frozen_time"] != "2027-04-15T08:00:00.000000-04:00" || apitest.Num(adv["customers"]) != "1" {
			t.Errorf("clock after advance: %v", adv)
		}
		invs = invoicesOf(c, id)
		if len(invs) != 4 {
			t.Fatalf("%d invoices after three months, want 4", len(invs))
		}
		for i, want := range []string{"2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15"} {
			if invs[i]["date"] != want || invs[i]["period_start"] != want || invs[i]["status"] != "finalized" {
				t.Errorf("invoice %d: date %v period %v status %v, want %s", i, invs[i]["date"], invs[i]["period_start"], invs[i]["status"], want)
			}
		}
		got := c.Get("/subscriptions/" + id + "/").Expect(200)
		if got["next_billing"] != "2027-05-15" || apitest.Num(got["next_billing_cycle"]) != "5" {
			t.Errorf("after advance: next %v cycle %v", got["next_billing"], got["next_billing_cycle"])
		}
		// advancing again over the same dates bills nothing twice
		c.Post("/test_clocks/"+clkID+"/advance/", map[string]any{"frozen_time": "2027-04-16T00:00:00Z"}).Expect(200)
		if n := len(invoicesOf(c, id)); n != 4 {
			t.Errorf("%d invoices after a second advance, want 4", n)
		}

		// pause with pause_until: skipped periods are never billed, resume at pause_until
		c.Post("/subscriptions/"+id+"/pause/", map[string]any{"pause_until": "2027-04-10"}).
			ExpectBody(400, `{"pause_until": ["Date must be later than today."]}`)
		p := c.Post("/subscriptions/"+id+"/pause/", map[string]any{"pause_until": "2027-06-01"}).Expect(200)
		if p["status"] != "paused" || p["paused_reason"] != "not_specified" || p["pause_until"] != "2027-06-01" || p["paused"] == nil {
			t.Errorf("paused: %v", p)
		}
		c.Post("/subscriptions/"+id+"/pause/", nil).ExpectBody(400, `{"non_field_errors": ["Only active subscriptions or subscriptions that need attention can be paused."]}`)
		c.Post("/test_clocks/"+clkID+"/advance/", map[string]any{"frozen_time": "2027-06-02T00:00:00Z"}).Expect(200)
		got = c.Get("/subscriptions/" + id + "/").Expect(200)
		if got["status"] != "active" || got["next_billing"] != "2027-06-15" || got["pause_until"] != nil || got["paused"] != nil {
			t.Errorf("after pause_until: %v %v %v", got["status"], got["next_billing"], got["pause_until"])
		}
		if n := len(invoicesOf(c, id)); n != 4 {
			t.Errorf("%d invoices after the pause, want 4 (May skipped)", n)
		}
		// manual pause and resume
		c.Post("/subscriptions/"+id+"/pause/", map[string]any{"paused_reason": "custom"}).
			ExpectBody(400, `{"status_description": ["This field is required when the reason is custom."]}`)
		c.Post("/subscriptions/"+id+"/pause/", map[string]any{"paused_reason": "custom", "status_description": "Vacation"}).Expect(200)
		r := c.Post("/subscriptions/"+id+"/resume/", map[string]any{}).Expect(200)
		if r["status"] != "active" || r["paused_reason"] != nil || r["status_description"] != nil {
			t.Errorf("resumed: %v", r)
		}
		c.Post("/subscriptions/"+id+"/resume/", nil).ExpectBody(400, `{"non_field_errors": ["Only paused subscriptions or subscriptions that need attention can be resumed."]}`)
		// cancel
		c.Delete("/subscriptions/"+id+"/?cancel_reason=bored").ExpectBody(400, `{"cancel_reason": ["\"bored\" is not a valid choice."]}`)
		x := c.Do("DELETE", "/subscriptions/"+id+"/", map[string]any{"cancel_reason": "not_paid"}).Expect(200)
		if x["status"] != "cancelled" || x["cancel_reason"] != "not_paid" || x["next_billing"] != nil || x["cancelled"] == nil {
			t.Errorf("cancelled: %v", x)
		}
		c.Delete("/subscriptions/"+id+"/").ExpectBody(400, `{"non_field_errors": ["Only active, paused or needs-attention subscriptions can be cancelled."]}`)
		c.Patch("/subscriptions/"+id+"/", map[string]any{"note": "x"}).ExpectBody(400, `{"non_field_errors": ["Cancelled or finalized subscriptions can only change metadata."]}`)
		c.Patch("/subscriptions/"+id+"/", map[string]any{"metadata": map[string]any{"k": "v"}}).Expect(200)
		c.Post("/subscriptions/"+id+"/process/", nil).ExpectBody(400, `{"non_field_errors": ["Only active subscriptions or subscriptions that need attention can be processed."]}`)

		// the clock's events: one invoice_created per run
		var created int
		for _, ev := range c.Get("/events/?page_size=200").Expect(200)["results"].([]any) {
			if ev.(map[string]any)["event"] == "subscription.invoice_created" {
				created++
			}
		}
		if created != 4 {
			t.Errorf("%d subscription.invoice_created events, want 4", created)
		}
		// test clocks are test mode only; deleting one deletes its customers and their documents
		live := e.Workspace("US")
		live.Get("/test_clocks/").Expect(404)
		live.Post("/test_clocks/", map[string]any{"frozen_time": "2027-01-15T09:00:00Z"}).Expect(404)
		c.Delete("/test_clocks/" + clkID + "/").Expect(204)
		c.Get("/customers/" + cus + "/").Expect(404)
		c.Get("/subscriptions/" + id + "/").Expect(404)
		if n := len(invoicesOf(c, id)); n != 0 {
			t.Errorf("%d invoices left after deleting the clock", n)
		}
	})
}

// docs/billing.md#812-example: plan 5 × 25000, a one-time add-on split 50/50 by rates
// and a 20 % coupon for 3 runs, on a CL33 (no CAF here, so the finalize
// fails: the invoice stays draft and the subscription needs attention).
func TestSubscriptionWorkedExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := docCLCustomer(c, "Comercial Andes SpA", true)
		plan := subPlan(c, "CLP", 25000, nil)
		addon := apitest.Str(c.Post("/addons/", map[string]any{"name": "Setup", "description": "Implementation and onboarding", "currency": "CLP", "amount": 120000}).Expect(201), "id")
		coupon := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Launch 20%", "amount": 20, "currency": "CLP", "duration_scheme": "limited", "duration_times": 3}).Expect(201), "id")
		sub := c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "CL33", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 5}},
			"addons": []any{map[string]any{"addon": addon, "quantity": 1, "rates": []any{
				map[string]any{"billing_cycle": 1, "percentage": 50, "description": "cuota 1/2"},
				map[string]any{"billing_cycle": 2, "percentage": 50, "description": "cuota 2/2"}}}},
			"coupon": coupon, "billing_cycles": 12}).Expect(201)
		if sub["end_date"] != "2027-06-01" || apitest.Num(sub["coupon_redemptions"]) != "1" || sub["next_billing"] != "2026-07-02" {
			t.Errorf("after the first run: end %v redemptions %v next %v", sub["end_date"], sub["coupon_redemptions"], sub["next_billing"])
		}
		if sub["status"] != "needs_attention" || sub["needs_attention_reason"] != "biller_issue" {
			t.Errorf("status %v reason %v (%v), want needs_attention biller_issue", sub["status"], sub["needs_attention_reason"], sub["status_description"])
		}
		inv := c.Get("/invoices/" + apitest.Str(sub, "latest_invoice") + "/").Expect(200)
		for k, want := range map[string]string{"amount": "148000", "tax": "28120", "total": "176120"} {
			if got := apitest.Num(inv[k]); got != want && got != want+".00" {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
		if inv["status"] != "draft" || inv["currency"] != "CLP" || len(inv["lines"].([]any)) != 2 {
			t.Errorf("invoice %v %v %d lines", inv["status"], inv["currency"], len(inv["lines"].([]any)))
		}
		if name := inv["lines"].([]any)[1].(map[string]any)["name"]; name != "Setup (cuota 1/2)" {
			t.Errorf("add-on line name %v", name)
		}
		// process runs the second cycle early: the second share, the coupon again
		second := c.Post("/subscriptions/"+apitest.Str(sub, "id")+"/process/", nil).Expect(200)
		if second["period_start"] != "2026-07-02" || apitest.Num(second["total"]) != "176120" && apitest.Num(second["total"]) != "176120.00" {
			t.Errorf("second run: period %v total %v", second["period_start"], second["total"])
		}
		got := c.Get("/subscriptions/" + apitest.Str(sub, "id") + "/").Expect(200)
		if apitest.Num(got["coupon_redemptions"]) != "2" || apitest.Num(got["addons"].([]any)[0].(map[string]any)["addon_redemptions"]) != "2" || got["next_billing"] != "2026-08-02" {
			t.Errorf("after process: %v %v %v", got["coupon_redemptions"], got["addons"], got["next_billing"])
		}
	})
}

// docs/billing.md#811-errors, the rows that need only a body.
func TestSubscriptionErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := newCustomer(c, "Err Co")
		plan := subPlan(c, "USD", 10, nil)
		annual := subPlan(c, "USD", 10, map[string]any{"frequency": "annual"})
		eur := subPlan(c, "EUR", 10, nil)
		metered := subPlan(c, "USD", 1, map[string]any{"usage_scheme": "metered"})
		archived := subPlan(c, "USD", 10, nil)
		c.Delete("/plans/" + archived + "/").Expect(200)
		other := e.Workspace("US")
		foreign := subPlan(other, "USD", 10, nil)
		invCoupon := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Inv", "amount": 10, "currency": "USD"}).Expect(201), "id")
		expired := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Old", "amount": 10, "currency": "USD", "valid_until": "2026-05-31"}).Expect(201), "id")
		clpCoupon := apitest.Str(c.Post("/coupons/", map[string]any{"name": "CLP", "amount": 1000, "currency": "CLP", "discount_scheme": "$"}).Expect(201), "id")
		lineCoupon := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Line", "amount": 10, "currency": "USD", "apply_on": "line"}).Expect(201), "id")
		recurring := apitest.Str(c.Post("/addons/", map[string]any{"name": "Support", "description": "Support", "currency": "USD", "amount": 5, "apply_scheme": "recurring"}).Expect(201), "id")
		oneTime := apitest.Str(c.Post("/addons/", map[string]any{"name": "Setup", "description": "Setup", "currency": "USD", "amount": 5}).Expect(201), "id")
		line := func(m map[string]any) []any { return []any{m} }
		base := func(kv ...any) map[string]any {
			b := map[string]any{"customer": cus, "document": "US1", "date_start": "2026-06-10", "lines": line(map[string]any{"plan": plan, "quantity": 1})}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(b, kv[i].(string))
				} else {
					b[kv[i].(string)] = kv[i+1]
				}
			}
			return b
		}
		cases := []struct {
			body map[string]any
			want string
		}{
			{base("lines", nil), `{"lines": ["This field is required."]}`},
			{base("lines", []any{}), `{"lines": ["This list may not be empty."]}`},
			{base("date_start", "2026-06-01"), `{"date_start": ["Date must be today or later."]}`},
			{base("date_start", "9999-12-31"), `{"date_start": ["Date must be before 2100-01-01."]}`},
			{base("next_billing", "2026-06-09"), `{"next_billing": ["Must be on or after date_start."]}`},
			{base("document", "US3"), `{"document": ["Document type US3 cannot be used for invoices."]}`},
			{base("lines", line(map[string]any{"plan": foreign, "quantity": 1})), fmt.Sprintf(`{"lines": [{"plan": ["Invalid pk \"%s\" - object does not exist."]}]}`, foreign)},
			{base("lines", line(map[string]any{"plan": archived, "quantity": 1})), `{"lines": [{"plan": ["Plan is archived."]}]}`},
			{base("lines", []any{map[string]any{"plan": plan, "quantity": 1}, map[string]any{"plan": annual, "quantity": 1}}), `{"lines": ["All plans must have the same frequency."]}`},
			{base("lines", []any{map[string]any{"plan": plan, "quantity": 1}, map[string]any{"plan": eur, "quantity": 1}}), `{"lines": ["All plans must have the same currency."]}`},
			{base("frequency", "annual"), `{"frequency": ["Plans of this subscription are billed monthly."]}`},
			{base("lines", line(map[string]any{"plan": plan})), `{"lines": [{"quantity": ["This field is required."]}]}`},
			{base("lines", line(map[string]any{"plan": metered, "quantity": 3})), `{"lines": [{"quantity": ["Metered lines take their quantity from usage records."]}]}`},
			{base("lines", line(map[string]any{"plan": plan, "quantity": 1, "coupon": invCoupon})), `{"lines": [{"coupon": ["Coupon applies to invoices; set it on the subscription."]}]}`},
			{base("coupon", lineCoupon), `{"coupon": ["Coupon applies to lines; set it on a subscription line."]}`},
			{base("coupon", expired), `{"coupon": ["Coupon expired on 2026-05-31."]}`},
			{base("coupon", clpCoupon), `{"coupon": ["Coupon currency CLP does not match the subscription currency USD."]}`},
			{base("collection_scheme", "charge_payment"), `{"default_source": ["Required when collection_scheme=charge_payment."]}`},
			{base("addons", []any{map[string]any{"addon": recurring, "quantity": 1, "rates": []any{map[string]any{"billing_cycle": 1, "percentage": 100}}}}), `{"addons": [{"rates": ["Rates apply only to one_time add-ons."]}]}`},
			{base("addons", []any{map[string]any{"addon": oneTime, "quantity": 1, "rates": []any{map[string]any{"billing_cycle": 1, "percentage": 90}}}}), `{"addons": [{"rates": ["Percentages must add up to 100."]}]}`},
			{base("custom_change", 0.5), `{"custom_change": ["Ensure this value is greater than or equal to 1."]}`},
			{base("expiration_days", 400), `{"expiration_days": ["Ensure this value is less than or equal to 365."]}`},
		}
		for _, tc := range cases {
			c.Post("/subscriptions/", tc.body).ExpectBody(400, tc.want)
		}
		// PATCH rules
		sub := c.Post("/subscriptions/", base()).Expect(201)
		id := apitest.Str(sub, "id")
		c.Patch("/subscriptions/"+id+"/", map[string]any{"status": "paused"}).ExpectBody(400, `{"status": ["Use the pause, resume or DELETE endpoints to change the status."]}`)
		c.Patch("/subscriptions/"+id+"/", map[string]any{"next_billing": "2026-06-20"}).Expect(200)
		got := c.Patch("/subscriptions/"+id+"/", map[string]any{"lines": []any{map[string]any{"id": apitest.Str(sub["lines"].([]any)[0].(map[string]any), "id"), "quantity": 4}}}).Expect(200)
		if apitest.Num(got["lines"].([]any)[0].(map[string]any)["quantity"]) != "4.0" || got["next_billing"] != "2026-06-20" {
			t.Errorf("patched: %v %v", got["lines"], got["next_billing"])
		}
		c.Post("/subscriptions/"+id+"/process/", nil).Expect(200)
		c.Patch("/subscriptions/"+id+"/", map[string]any{"next_billing": "2026-07-20"}).ExpectBody(400, `{"next_billing": ["This field cannot be changed after the first billing."]}`)
		c.Patch("/subscriptions/"+id+"/", map[string]any{"billing_cycles": 0}).ExpectBody(400, `{"billing_cycles": ["Ensure this value is greater than or equal to 1."]}`)
		// an archived customer with a live subscription cannot be archived
		c.Delete("/customers/"+cus+"/").ExpectBody(400, `{"non_field_errors": ["Cancel the customer's subscriptions before archiving it."]}`)
		if n := c.Get("/customers/?subscriptions=" + id).Expect(200)["count"]; apitest.Num(n) != "1" {
			t.Errorf("customers?subscriptions= → %v", n)
		}
		if n := c.Get("/subscriptions/?plan=" + plan).Expect(200)["count"]; apitest.Num(n) != "1" {
			t.Errorf("subscriptions?plan= → %v", n)
		}
	})
}

// Metered lines bill in arrears from usage records; a period without any
// stops the run with without_usage_records (400 from process, status kept).
func TestSubscriptionMeteredUsage(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		plan := subPlan(c, "USD", 2, map[string]any{"usage_scheme": "metered", "usage_aggregation": "max"})
		sub := c.Post("/subscriptions/", map[string]any{"customer": newCustomer(c, "Meter Co"), "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan}}}).Expect(201)
		id, line := apitest.Str(sub, "id"), apitest.Str(sub["lines"].([]any)[0].(map[string]any), "id")
		if sub["next_billing"] != "2026-07-02" || sub["latest_invoice"] != nil {
			t.Fatalf("all-metered: first run at B(1), got %v %v", sub["next_billing"], sub["latest_invoice"])
		}
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-03T10:00:00Z", "quantity": 1}).
			ExpectBody(400, `{"date_time": ["Usage cannot be recorded in the future."]}`)
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-01T10:00:00Z", "quantity": 1}).
			ExpectBody(400, `{"date_time": ["Usage cannot be earlier than the subscription start."]}`)
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T10:00:00Z", "quantity": -1}).
			ExpectBody(400, `{"quantity": ["Ensure this value is greater than or equal to 0."]}`)
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T10:00:00Z", "quantity": "0.1234567"}).
			ExpectBody(400, `{"quantity": ["Ensure that there are no more than 6 decimal places."]}`)
		// no usage yet: the early run stops, the status change is kept
		c.Post("/subscriptions/"+id+"/process/", nil).ExpectBody(400, `{"non_field_errors": ["Subscription needs attention: without_usage_records."]}`)
		if got := c.Get("/subscriptions/" + id + "/").Expect(200); got["status"] != "needs_attention" || got["needs_attention_reason"] != "without_usage_records" {
			t.Errorf("after the stopped run: %v %v", got["status"], got["needs_attention_reason"])
		}
		// a retried POST with its Idempotency-Key records the usage once
		body := map[string]any{"subscription_line": line, "date_time": "2026-06-02T10:00:00Z", "quantity": 7}
		u1 := apitest.Str(c.Do("POST", "/usages/", body, "Idempotency-Key", "usage-1").Expect(201), "id")
		if again := apitest.Str(c.Do("POST", "/usages/", body, "Idempotency-Key", "usage-1").Expect(201), "id"); again != u1 {
			t.Errorf("retry recorded a second usage %s", again)
		}
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T11:00:00Z", "quantity": 3}).Expect(201)
		// a record of the open period may be deleted (and is not billed)
		gone := apitest.Str(c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T12:00:00Z", "quantity": 50}).Expect(201), "id")
		c.Delete("/usages/" + gone + "/").Expect(204)
		c.Get("/usages/" + gone + "/").Expect(404)
		inv := c.Post("/subscriptions/"+id+"/process/", nil).Expect(200)
		if apitest.Num(inv["total"]) != "14.00" || inv["period_start"] != "2026-06-02" || inv["period_end"] != "2026-07-01" || inv["status"] != "finalized" {
			t.Errorf("metered invoice (max 7 × 2.00): total %v period %v–%v %v", inv["total"], inv["period_start"], inv["period_end"], inv["status"])
		}
		if got := c.Get("/subscriptions/" + id + "/").Expect(200); got["status"] != "active" || got["needs_attention_reason"] != nil {
			t.Errorf("process resolves attention: %v", got["status"])
		}
		// the billed period is closed
		c.Delete("/usages/"+u1+"/").ExpectBody(400, `{"non_field_errors": ["Usage records of a billed period cannot be deleted."]}`)
		c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T12:00:00Z", "quantity": 1}).
			ExpectBody(400, `{"date_time": ["This period has already been billed."]}`)
		if n := c.Get("/usages/?subscription=" + id).Expect(200)["count"]; apitest.Num(n) != "2" {
			t.Errorf("usages listed: %v", n)
		}
		c.Patch("/usages/"+u1+"/", map[string]any{"quantity": 1}).Expect(405)
	})
}

// charge_payment (docs/billing.md#85-what-a-run-does step 9 with docs/payments.md): the default
// source is charged at the run; a decline leaves the invoice pending and the
// subscription in gateway_issue until the invoice is paid another way.
func TestSubscriptionChargePayment(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		plan := subPlan(c, "USD", "30.00", nil)
		source := func(cus, number, usage string) string {
			return apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "customer": cus, "usage": usage,
				"card": map[string]any{"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}).Expect(201), "id")
		}
		body := func(cus, src string) map[string]any {
			return map[string]any{"customer": cus, "document": "US1", "date_start": "2026-06-02", "collection_scheme": "charge_payment",
				"default_source": src, "lines": []any{map[string]any{"plan": plan, "quantity": 1}}}
		}
		// refusals
		cus := newCustomer(c, "Card Co")
		other := newCustomer(c, "Other Co")
		c.Post("/subscriptions/", body(cus, source(cus, "4242 4242 4242 4242", "single"))).
			ExpectBody(400, `{"default_source": ["Source must be reusable and belong to the customer."]}`)
		c.Post("/subscriptions/", body(cus, source(other, "4242 4242 4242 4242", "reusable"))).
			ExpectBody(400, `{"default_source": ["Source must be reusable and belong to the customer."]}`)

		// a good card: the first run charges it, the invoice is paid
		sub := c.Post("/subscriptions/", body(cus, source(cus, "4242 4242 4242 4242", "reusable"))).Expect(201)
		inv := c.Get("/invoices/" + apitest.Str(sub, "latest_invoice") + "/").Expect(200)
		if sub["status"] != "active" || inv["status"] != "paid" || inv["collection_method"] != "automatically" {
			t.Errorf("charged run: subscription %v, invoice %v %v", sub["status"], inv["status"], inv["collection_method"])
		}
		pays := c.Get("/payments/?invoice=" + apitest.Str(inv, "id")).Expect(200)["results"].([]any)
		if len(pays) != 1 || pays[0].(map[string]any)["status"] != "succeeded" || pays[0].(map[string]any)["subscription"] != sub["id"] {
			t.Errorf("payments of the invoice: %v", pays)
		}

		// a declined card: pending invoice, gateway_issue; paying it resolves the attention
		cus2 := newCustomer(c, "Declined Co")
		sub = c.Post("/subscriptions/", body(cus2, source(cus2, "4000 0000 0000 0002", "reusable"))).Expect(201)
		inv = c.Get("/invoices/" + apitest.Str(sub, "latest_invoice") + "/").Expect(200)
		if sub["status"] != "needs_attention" || sub["needs_attention_reason"] != "gateway_issue" || inv["status"] != "pending" {
			t.Fatalf("declined run: %v %v, invoice %v", sub["status"], sub["needs_attention_reason"], inv["status"])
		}
		if sub["next_billing"] != "2026-07-02" {
			t.Errorf("the run counts as done: next_billing %v", sub["next_billing"])
		}
		// the failed payment is paid again with a new card (POST …/pay/)
		failed := c.Get("/payments/?invoice=" + apitest.Str(inv, "id")).Expect(200)["results"].([]any)
		if len(failed) != 1 || failed[0].(map[string]any)["status"] != "failed" {
			t.Fatalf("payments of the declined run: %v", failed)
		}
		if d := failed[0].(map[string]any)["description"]; !strings.HasPrefix(fmt.Sprint(d), "Subscription "+apitest.Str(sub, "id")+" run 1") {
			t.Errorf("payment description %v", d)
		}
		good := source(cus2, "4242 4242 4242 4242", "reusable")
		p := c.Post("/payments/"+apitest.Str(failed[0].(map[string]any), "id")+"/pay/", map[string]any{"source": good}).Expect(200)
		if p["status"] != "succeeded" {
			t.Fatalf("paid again: %v", p["status"])
		}
		if inv := c.Get("/invoices/" + apitest.Str(inv, "id") + "/").Expect(200); inv["status"] != "paid" {
			t.Errorf("invoice after the payment: %v", inv["status"])
		}
		if got := c.Get("/subscriptions/" + apitest.Str(sub, "id") + "/").Expect(200); got["status"] != "active" || got["needs_attention_reason"] != nil {
			t.Errorf("subscription after its invoice was paid: %v %v", got["status"], got["needs_attention_reason"])
		}
	})
}

// With the SII biller configured (sandbox certificate and CAF), a CL33
// subscription's invoice is folioed and accepted at its run. Without
// folios the run leaves biller_issue; once a CAF is uploaded and the
// invoice finalized, the subscription is active again.
func TestSubscriptionCL33WithSII(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		clBiller(t, c, true)
		cus := docCLCustomer(c, "Comercial Andes SpA", true)
		plan := subPlan(c, "CLP", 25000, nil)
		body := map[string]any{"customer": cus, "document": "CL33", "date_start": "2026-06-02", "lines": []any{map[string]any{"plan": plan, "quantity": 5}}}
		sub := c.Post("/subscriptions/", body).Expect(201)
		if sub["status"] != "needs_attention" || sub["needs_attention_reason"] != "biller_issue" || !strings.Contains(fmt.Sprint(sub["status_description"]), "CAF") {
			t.Fatalf("without a CAF: %v %v %v", sub["status"], sub["needs_attention_reason"], sub["status_description"])
		}
		inv := apitest.Str(sub, "latest_invoice")
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 1, 10, "2026-05-20")}).Expect(201)
		fin := c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		if fin["status"] != "finalized" || apitest.Num(fin["number"]) != "1" || fin["biller_status"] == "failed" {
			t.Errorf("finalized by hand: %v %v %v", fin["status"], fin["number"], fin["biller_status"])
		}
		if got := c.Get("/subscriptions/" + apitest.Str(sub, "id") + "/").Expect(200); got["status"] != "active" {
			t.Errorf("after its invoice was finalized: %v %v", got["status"], got["needs_attention_reason"])
		}
		// the next run is folioed and accepted at once
		next := c.Post("/subscriptions/"+apitest.Str(sub, "id")+"/process/", nil).Expect(200)
		if next["status"] != "finalized" || apitest.Num(next["number"]) != "2" || next["biller_status"] == "failed" || next["local_file"] == nil ||
			apitest.Num(next["total"]) != "148750" && apitest.Num(next["total"]) != "148750.00" {
			t.Errorf("second run: %v %v %v %v total %v", next["status"], next["number"], next["biller_status"], next["local_file"], next["total"])
		}
	})
}

// An asynchronous rejection by the agency (after the run committed) puts
// the run's subscription in needs_attention (biller_issue); finalizing the
// invoice again later resolves it.
func TestSubscriptionLateAgencyRejection(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		sub := newSubscription(c, false)
		inv := apitest.Str(sub, "latest_invoice")
		w, err := workspace.ByID(context.Background(), e.DB, c.Workspace)
		if err != nil {
			t.Fatal(err)
		}
		err = e.DB.InTx(context.Background(), func(tx *sql.Tx) error {
			return e.App.Subscriptions.DocumentRejected(context.Background(), tx, workspace.Scope{Workspace: w}, inv, e.Clock.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		got := c.Get("/subscriptions/" + apitest.Str(sub, "id") + "/").Expect(200)
		if got["status"] != "needs_attention" || got["needs_attention_reason"] != "biller_issue" || got["next_billing"] != sub["next_billing"] {
			t.Errorf("after the rejection: %v %v next %v", got["status"], got["needs_attention_reason"], got["next_billing"])
		}
		var n int
		for _, ev := range c.Get("/events/?page_size=100").Expect(200)["results"].([]any) {
			if ev.(map[string]any)["event"] == "subscription.needs_attention" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d subscription.needs_attention events", n)
		}
	})
}
