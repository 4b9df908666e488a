package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// Products (docs/billing.md#4-products) and plans (docs/billing.md#5-plans).

const prodExampleOut = `{"id": "%s", "name": "Cobro Cloud", "unit_label": "seat", "plans": %s,
 "status": "active", "archived": null, "metadata": {}, "test_mode": %t,
 "created": "%s", "updated": "%s"}`

func prodNew(c *apitest.Client, name string) string {
	return apitest.Str(c.Post("/products/", map[string]any{"name": name}).Expect(201), "id")
}

// docs/billing.md#4-products Example, field for field.
func TestProductCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		r := c.Post("/products/", map[string]any{"name": "Cobro Cloud", "unit_label": "seat"})
		pid := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(pid, "pro_") || len(pid) != 4+18 {
			t.Fatalf("id %q", pid)
		}
		want := fmt.Sprintf(prodExampleOut, pid, "[]", false, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/products/"+pid+"/").ExpectBody(200, want)

		tc := c.Test()
		r = tc.Post("/products/", map[string]any{"name": "Cobro Cloud", "unit_label": "seat"})
		tid := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(prodExampleOut, tid, "[]", true, custStamp, custStamp))
		// modes and workspaces are apart
		custCheck(t, tc.Get("/products/"+pid+"/"), 404, `{"detail": "Not found."}`, "live product from test mode")
		custListIs(t, tc, "/products/", "id", false, tid)
		custListIs(t, c, "/products/", "id", false, pid)
		custListIs(t, e.Workspace("CL"), "/products/", "id", false)
		custListIs(t, c, "/events/?object_id="+pid, "event", false, "product.created")
	})
}

// docs/billing.md#4-products errors, every row, and the standard messages.
func TestProductErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		base := map[string]any{"name": "Cobro Cloud", "unit_label": "seat"}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"name 65", custWith(base, "name", strings.Repeat("n", 65)), `{"name": ["Ensure this field has no more than 64 characters."]}`},
			{"unit_label 13", custWith(base, "unit_label", strings.Repeat("u", 13)), `{"unit_label": ["Ensure this field has no more than 12 characters."]}`},
			{"status deleted", custWith(base, "status", "deleted"), `{"status": ["\"deleted\" is not a valid choice."]}`},
			{"name blank", custWith(base, "name", " "), `{"name": ["This field may not be blank."]}`},
			{"name null", custWith(base, "name", nil), `{"name": ["This field may not be null."]}`},
			{"metadata list", custWith(base, "metadata", []any{}), `{"metadata": ["Expected a dictionary of items but got type \"list\"."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/products/", row.body), 400, row.want, row.label)
		}
		// 64 characters (Unicode) are fine; blank unit_label is null
		got := c.Post("/products/", custWith(base, "name", strings.Repeat("é", 64), "unit_label", "")).Expect(201)
		if got["unit_label"] != nil {
			t.Errorf("unit_label = %v", got["unit_label"])
		}
		pid := apitest.Str(got, "id")
		custCheck(t, c.Patch("/products/"+pid+"/", map[string]any{"name": ""}), 400, `{"name": ["This field may not be blank."]}`, "PATCH blank name")
		custCheck(t, c.Patch("/products/"+pid+"/", map[string]any{"status": "deleted"}), 400, `{"status": ["\"deleted\" is not a valid choice."]}`, "PATCH status")
		for _, path := range []string{"/products/pro_unknown00000000000/", "/products/cus_WbqWgS8Tb4MSDZJiIc/", "/products/x/"} {
			custCheck(t, c.Get(path), 404, `{"detail": "Not found."}`, "GET "+path)
			custCheck(t, c.Patch(path, map[string]any{"name": "x"}), 404, `{"detail": "Not found."}`, "PATCH "+path)
			custCheck(t, c.Delete(path), 404, `{"detail": "Not found."}`, "DELETE "+path)
		}
	})
}

// docs/conventions.md#15-deletion-semantics: DELETE archives, repeating it is a no-op; PATCH status
// restores; archived products take no new plans but keep theirs.
func TestProductArchive(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		pid := apitest.Str(c.Post("/products/", map[string]any{"name": "Cobro Cloud", "unit_label": "seat"}).Expect(201), "id")
		plan := apitest.Str(c.Post("/plans/", planExample(pid)).Expect(201), "id")

		e.Clock.Advance(time.Hour)
		const stamp1 = "2026-06-02T11:15:00.000000-04:00"
		r := c.Delete("/products/" + pid + "/")
		got := r.Expect(200)
		if got["status"] != "archived" || got["archived"] != stamp1 || got["updated"] != stamp1 {
			t.Errorf("archived product: %s", r.Body)
		}
		// the plan is untouched
		if p := c.Get("/plans/" + plan + "/").Expect(200); p["status"] != "active" || p["archived"] != nil {
			t.Errorf("plan after product archive: %v", p)
		}
		// idempotent: same body, stamp kept
		e.Clock.Advance(time.Hour)
		again := c.Delete("/products/" + pid + "/")
		again.ExpectBody(200, string(r.Body))
		c.Get("/products/"+pid+"/").ExpectBody(200, string(r.Body))

		// no new plans on an archived product
		custCheck(t, c.Post("/plans/", planExample(pid)), 400, `{"product": ["Product is archived."]}`, "plan on archived product")

		// restore
		got = c.Patch("/products/"+pid+"/", map[string]any{"status": "active"}).Expect(200)
		if got["status"] != "active" || got["archived"] != nil {
			t.Errorf("restored: %v", got)
		}
		c.Post("/plans/", planExample(pid)).Expect(201)
		// PATCH status archived archives too
		got = c.Patch("/products/"+pid+"/", map[string]any{"status": "archived", "name": "Old Cloud"}).Expect(200)
		if got["status"] != "archived" || got["archived"] == nil || got["name"] != "Old Cloud" {
			t.Errorf("PATCH archived: %v", got)
		}
		// created archived
		got = c.Post("/products/", map[string]any{"name": "Legacy", "status": "archived"}).Expect(201)
		if got["status"] != "archived" || got["archived"] != "2026-06-02T12:15:00.000000-04:00" {
			t.Errorf("created archived: %v", got)
		}
		custListIs(t, c, "/events/?object_id="+pid, "event", true, "product.archived", "product.updated", "product.archived", "product.created")
	})
}

func TestProductUpdateAndList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		a := prodNew(c, "Alpha Cloud")
		e.Clock.Advance(time.Minute)
		b := apitest.Str(c.Post("/products/", map[string]any{"name": "beta storage", "unit_label": "GB", "metadata": map[string]any{"tier": "x"}}).Expect(201), "id")
		e.Clock.Advance(24 * time.Hour)
		g := prodNew(c, "Gamma")
		c.Delete("/products/" + g + "/").Expect(200)

		// PATCH: partial, metadata replaced, unit_label nulled
		got := c.Patch("/products/"+b+"/", map[string]any{"unit_label": nil, "metadata": map[string]any{"k": "v"}}).Expect(200)
		if got["name"] != "beta storage" || got["unit_label"] != nil || fmt.Sprint(got["metadata"]) != "map[k:v]" {
			t.Errorf("PATCH: %v", got)
		}
		got = c.Put("/products/"+b+"/", map[string]any{"name": "Beta Storage"}).Expect(200)
		if got["name"] != "Beta Storage" {
			t.Errorf("PUT: %v", got)
		}

		// plans listed on their product, by created, all statuses
		p1 := apitest.Str(c.Post("/plans/", custWith(planExample(a), "name", "First")).Expect(201), "id")
		e.Clock.Advance(time.Second)
		p2 := apitest.Str(c.Post("/plans/", custWith(planExample(a), "name", "Second")).Expect(201), "id")
		c.Delete("/plans/" + p1 + "/").Expect(200)
		pb := apitest.Str(c.Post("/plans/", planExample(b)).Expect(201), "id")
		prod := c.Get("/products/" + a + "/").Expect(200)
		if ids := custCol(map[string]any{"results": prod["plans"]}, "id"); fmt.Sprint(ids) != fmt.Sprint([]string{p1, p2}) {
			t.Errorf("plans of product = %v, want [%s %s]", ids, p1, p2)
		}
		if st := custCol(map[string]any{"results": prod["plans"]}, "status"); fmt.Sprint(st) != "[archived active]" {
			t.Errorf("plan statuses = %v", st)
		}

		custListIs(t, c, "/products/", "id", true, g, b, a) // -created
		custListIs(t, c, "/products/?ordering=name", "name", true, "Alpha Cloud", "Beta Storage", "Gamma")
		custListIs(t, c, "/products/?ordering=-name", "name", true, "Gamma", "Beta Storage", "Alpha Cloud")
		custListIs(t, c, "/products/?ordering=created", "id", true, a, b, g)
		custListIs(t, c, "/products/?name__icontains=CLOUD", "id", false, a)
		custListIs(t, c, "/products/?name=Gamma", "id", false, g)
		custListIs(t, c, "/products/?search=stor", "id", false, b)
		custListIs(t, c, "/products/?status=archived", "id", false, g)
		custListIs(t, c, "/products/?status__in=active,archived", "id", false, a, b, g)
		custListIs(t, c, "/products/?plans="+p2, "id", false, a)
		custListIs(t, c, "/products/?plans__in="+p1+","+pb, "id", false, a, b)
		custListIs(t, c, "/products/?plans=pla_unknown00000000000", "id", false)
		custListIs(t, c, "/products/?plans="+p2+"&status=archived", "id", false)
		custListIs(t, c, "/products/?created__gte=2026-06-03", "id", false, g)
		custListIs(t, c, "/products/?created=2026-06-02", "id", false, a, b)
		custListIs(t, c, "/products/?metadata__k=v", "id", false, b)
		custCheck(t, c.Get("/products/?status=deleted"), 400, `{"status": ["Select a valid choice. deleted is not one of the available choices."]}`, "bad status filter")
		custCheck(t, c.Get("/products/?ordering=unit_label"), 400, `{"ordering": ["Invalid ordering field: unit_label."]}`, "bad ordering")
		custCheck(t, c.Get("/products/?foo=1"), 400, `{"foo": ["Unknown filter."]}`, "unknown filter")
		// another workspace and the test mode see none of them
		custListIs(t, c.Test(), "/products/", "id", false)
		custListIs(t, e.Workspace("CL"), "/products/?plans="+p2, "id", false)
	})
}

// ------------------------------------------------------------------ plans

func planExample(product string) map[string]any {
	return map[string]any{"product": product, "name": "Cloud Pro", "description": "Cobro Cloud, plan Pro",
		"frequency": "monthly", "currency": "CLP", "amount": 25000, "sku": "CLOUD-PRO", "unit_label": "user"}
}

const planExampleOut = `{"id": "%s", "product": "%s", "name": "Cloud Pro",
 "description": "Cobro Cloud, plan Pro", "frequency": "monthly", "currency": "CLP",
 "amount": 25000.00, "sku": "CLOUD-PRO", "exempt": false, "usage_scheme": "licensed",
 "usage_aggregation": null, "tiers_mode": null, "tiers": [], "unit_label": "user",
 "status": "active", "archived": null, "metadata": {}, "test_mode": %t,
 "created": "%s", "updated": "%s"}`

// docs/billing.md#58-example, field for field; the product lists it.
func TestPlanCreateExample(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		pid := apitest.Str(c.Post("/products/", map[string]any{"name": "Cobro Cloud", "unit_label": "seat"}).Expect(201), "id")
		r := c.Post("/plans/", planExample(pid))
		plan := apitest.Str(r.Expect(201), "id")
		if !strings.HasPrefix(plan, "pla_") || len(plan) != 4+18 {
			t.Fatalf("id %q", plan)
		}
		want := fmt.Sprintf(planExampleOut, plan, pid, false, custStamp, custStamp)
		r.ExpectBody(201, want)
		c.Get("/plans/"+plan+"/").ExpectBody(200, want)
		c.Get("/products/"+pid+"/").ExpectBody(200, fmt.Sprintf(prodExampleOut, pid, "["+want+"]", false, custStamp, custStamp))
		custListIs(t, c, "/events/?object_id="+plan, "event", false, "plan.created")

		// test mode: its own product
		tc := c.Test()
		tp := apitest.Str(tc.Post("/products/", map[string]any{"name": "Cobro Cloud"}).Expect(201), "id")
		r = tc.Post("/plans/", planExample(tp))
		tplan := apitest.Str(r.Expect(201), "id")
		r.ExpectBody(201, fmt.Sprintf(planExampleOut, tplan, tp, true, custStamp, custStamp))
		// a live product does not exist in test mode, nor in another workspace
		custCheck(t, tc.Post("/plans/", planExample(pid)), 400, fmt.Sprintf(`{"product": ["Invalid pk \"%s\" - object does not exist."]}`, pid), "live product from test mode")
		custCheck(t, e.Workspace("CL").Post("/plans/", planExample(pid)), 400, fmt.Sprintf(`{"product": ["Invalid pk \"%s\" - object does not exist."]}`, pid), "other workspace")
		custListIs(t, tc, "/plans/", "id", false, tplan)
	})
}

func tier(from, to, amount any, kv ...any) map[string]any {
	return custWith(map[string]any{"quantity_from": from, "quantity_to": to, "amount": amount}, kv...)
}

// docs/billing.md#57-errors, every row.
func TestPlanErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		pid := prodNew(c, "Cobro Cloud")
		archived := prodNew(c, "Old")
		c.Delete("/products/" + archived + "/").Expect(200)
		base := planExample(pid)
		tiered := custWith(base, "amount", custOmit, "tiers_mode", "graduated")
		good := []any{tier(0, 10, 5), tier(10, nil, 4)}
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"frequency daily", custWith(base, "frequency", "daily"), `{"frequency": ["Invalid pk \"daily\" - object does not exist."]}`},
			{"amount missing", custWith(base, "amount", custOmit), `{"amount": ["This field is required."]}`},
			{"amount 9.999", custWith(base, "amount", 9.999), `{"amount": ["Ensure that there are no more than 2 decimal places."]}`},
			{"archived product", custWith(base, "product", archived), `{"product": ["Product is archived."]}`},
			{"tiers_mode without tiers", tiered, `{"tiers": ["This field is required when tiers_mode is set."]}`},
			{"tiers without tiers_mode", custWith(base, "amount", custOmit, "tiers", good), `{"tiers_mode": ["This field is required when tiers are given."]}`},
			{"amount 10 with tiers_mode", custWith(tiered, "amount", 10, "tiers", good), `{"amount": ["Must be 0 when tiers_mode is set."]}`},
			{"first tier from 1", custWith(tiered, "tiers", []any{tier(1, nil, 5)}), `{"tiers": [{"quantity_from": ["The first tier must start at 0."]}]}`},
			{"gap", custWith(tiered, "tiers", []any{tier(0, 10, 5), tier(12, nil, 4)}), `{"tiers": [{}, {"quantity_from": ["Must equal the previous tier's quantity_to (10)."]}]}`},
			{"last tier with quantity_to", custWith(tiered, "tiers", []any{tier(0, 10, 5), tier(10, 20, 4)}), `{"tiers": [{}, {"quantity_to": ["The last tier must have quantity_to null."]}]}`},
			{"quantity_to <= quantity_from", custWith(tiered, "tiers", []any{tier(0, 0, 5)}), `{"tiers": [{"quantity_to": ["Must be greater than quantity_from."]}]}`},
			{"usage_aggregation licensed", custWith(base, "usage_aggregation", "max"), `{"usage_aggregation": ["Only metered plans aggregate usage."]}`},
			// field rules of the create body
			{"product missing", custWith(base, "product", custOmit), `{"product": ["This field is required."]}`},
			{"product unknown", custWith(base, "product", "pro_unknown00000000000"), `{"product": ["Invalid pk \"pro_unknown00000000000\" - object does not exist."]}`},
			{"product of wrong kind", custWith(base, "product", "cus_WbqWgS8Tb4MSDZJiIc"), `{"product": ["Invalid pk \"cus_WbqWgS8Tb4MSDZJiIc\" - object does not exist."]}`},
			{"product number", custWith(base, "product", 5), `{"product": ["Incorrect type. Expected pk value, received int."]}`},
			{"name missing", custWith(base, "name", custOmit), `{"name": ["This field is required."]}`},
			{"name 57", custWith(base, "name", strings.Repeat("n", 57)), `{"name": ["Ensure this field has no more than 56 characters."]}`},
			{"description missing", custWith(base, "description", custOmit), `{"description": ["This field is required."]}`},
			{"description 201", custWith(base, "description", strings.Repeat("d", 201)), `{"description": ["Ensure this field has no more than 200 characters."]}`},
			{"frequency missing", custWith(base, "frequency", custOmit), `{"frequency": ["This field is required."]}`},
			{"currency missing", custWith(base, "currency", custOmit), `{"currency": ["This field is required."]}`},
			{"currency XYZ", custWith(base, "currency", "XYZ"), `{"currency": ["Invalid pk \"XYZ\" - object does not exist."]}`},
			{"amount negative", custWith(base, "amount", -1), `{"amount": ["Ensure this value is greater than or equal to 0."]}`},
			{"amount text", custWith(base, "amount", "abc"), `{"amount": ["A valid number is required."]}`},
			{"sku 33", custWith(base, "sku", strings.Repeat("s", 33)), `{"sku": ["Ensure this field has no more than 32 characters."]}`},
			{"unit_label 5", custWith(base, "unit_label", "units"), `{"unit_label": ["Ensure this field has no more than 4 characters."]}`},
			{"exempt", custWith(base, "exempt", "maybe"), `{"exempt": ["Must be a valid boolean."]}`},
			{"usage_scheme", custWith(base, "usage_scheme", "prepaid"), `{"usage_scheme": ["\"prepaid\" is not a valid choice."]}`},
			{"usage_aggregation", custWith(base, "usage_scheme", "metered", "usage_aggregation", "avg"), `{"usage_aggregation": ["\"avg\" is not a valid choice."]}`},
			{"tiers_mode", custWith(tiered, "tiers_mode", "stairs", "tiers", good), `{"tiers_mode": ["\"stairs\" is not a valid choice."]}`},
			{"tiers not a list", custWith(tiered, "tiers", "x"), `{"tiers": ["Expected a list of items but got type \"str\"."]}`},
			{"tiers empty", custWith(tiered, "tiers", []any{}), `{"tiers": ["This field is required when tiers_mode is set."]}`},
			{"package_overage one tier", custWith(tiered, "tiers_mode", "package_overage", "tiers", []any{tier(0, nil, 5)}), `{"tiers": ["package_overage needs at least 2 tiers."]}`},
			{"middle tier open", custWith(tiered, "tiers", []any{tier(0, nil, 5), tier(10, nil, 4)}),
				`{"tiers": [{"quantity_to": ["Only the last tier may have quantity_to null."]}, {}]}`},
			{"tier amount missing", custWith(tiered, "tiers", []any{tier(0, 10, 5), custWith(tier(10, nil, 4), "amount", custOmit)}), `{"tiers": [{}, {"amount": ["This field is required."]}]}`},
			{"tier schemes", custWith(tiered, "tiers", []any{tier(0, nil, 5, "amount_scheme", "fixed", "unit_scheme", "some")}),
				`{"tiers": [{"amount_scheme": ["\"fixed\" is not a valid choice."], "unit_scheme": ["\"some\" is not a valid choice."]}]}`},
			{"tier negative", custWith(tiered, "tiers", []any{tier(0, -1, 5), tier(-1, nil, 4)}),
				`{"tiers": [{"quantity_to": ["Ensure this value is greater than or equal to 0."]}, {"quantity_from": ["Ensure this value is greater than or equal to 0."]}]}`},
			{"tier not an object", custWith(tiered, "tiers", []any{"x"}), `{"tiers": [{"non_field_errors": ["Expected a dictionary of items but got type \"str\"."]}]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Post("/plans/", row.body), 400, row.want, row.label)
		}
		many := []any{}
		for i := range 21 {
			var to any = i + 1
			if i == 20 {
				to = nil
			}
			many = append(many, tier(i, to, 1))
		}
		custCheck(t, c.Post("/plans/", custWith(tiered, "tiers", many)), 400, `{"tiers": ["Ensure this field has no more than 20 elements."]}`, "21 tiers")
		custCheck(t, c.Post("/plans/", custWith(tiered, "tiers", many[1:])), 400, `{"tiers": [{"quantity_from": ["The first tier must start at 0."]}`+strings.Repeat(", {}", 19)+`]}`, "20 tiers from 1")
		custListIs(t, c, "/plans/", "id", false)
	})
}

// Every frequency and tier mode, defaults of tiers and metered plans.
func TestPlanTiersAndUsage(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		pid := prodNew(c, "Cobro Cloud")
		base := planExample(pid)
		for _, f := range []string{"weekly", "monthly", "quarterly", "biannual", "annual"} {
			if got := c.Post("/plans/", custWith(base, "frequency", f, "currency", "USD", "amount", "19.90")).Expect(201); got["frequency"] != f || apitest.Num(got["amount"]) != "19.90" || got["currency"] != "USD" {
				t.Errorf("frequency %s: %v", f, got)
			}
		}
		r := c.Post("/plans/", custWith(base, "amount", custOmit, "tiers_mode", "graduated",
			"tiers", []any{tier(0, 10, 5), tier("10", "50.5", "4.00", "amount_scheme", "flat"), map[string]any{"quantity_to": nil, "amount": 3}}))
		got := r.Expect(201)
		if !apitest.JSONEqual([]byte(fmt.Sprint(`{"amount":`, apitest.Num(got["amount"]), `}`)), []byte(`{"amount": 0.00}`)) || got["tiers_mode"] != "graduated" {
			t.Errorf("tiered plan: %s", r.Body)
		}
		wantTiers := `[{"quantity_from": 0.0, "quantity_to": 10.0, "amount": 5.00, "amount_scheme": "unit", "unit_scheme": "tier_units"},
			{"quantity_from": 10.0, "quantity_to": 50.5, "amount": 4.00, "amount_scheme": "flat", "unit_scheme": "tier_units"},
			{"quantity_from": 50.5, "quantity_to": null, "amount": 3.00, "amount_scheme": "unit", "unit_scheme": "tier_units"}]`
		checkTiers := func(label string, body []byte, want string) {
			t.Helper()
			var m map[string]any
			m = (&apitest.Resp{T: t, Body: body}).JSON()
			if !jsonOf(t, m["tiers"], want) {
				t.Errorf("%s tiers: %s\nwant %s", label, body, want)
			}
		}
		checkTiers("graduated", r.Body, wantTiers)
		plan := apitest.Str(got, "id")
		checkTiers("graduated read", c.Get("/plans/"+plan+"/").Body, wantTiers)

		// explicit amount 0 is allowed with tiers; volume defaults to all_units;
		// the deprecated aliases are returned as given
		for mode, units := range map[string]string{"volume": "all_units", "unit": "all_units", "package": "all_units", "range": "all_units", "package_overage": "tier_units"} {
			r := c.Post("/plans/", custWith(base, "amount", 0, "tiers_mode", mode, "tiers", []any{tier(0, 100, 1000), tier(100, nil, 9, "unit_scheme", "all_units")}))
			got := r.Expect(201)
			if got["tiers_mode"] != mode {
				t.Errorf("mode %s returned as %v", mode, got["tiers_mode"])
			}
			checkTiers(mode, r.Body, fmt.Sprintf(`[{"quantity_from": 0.0, "quantity_to": 100.0, "amount": 1000.00, "amount_scheme": "unit", "unit_scheme": "%s"},
				{"quantity_from": 100.0, "quantity_to": null, "amount": 9.00, "amount_scheme": "unit", "unit_scheme": "all_units"}]`, units))
		}
		// a single open tier is valid (except for package_overage)
		c.Post("/plans/", custWith(base, "amount", custOmit, "tiers_mode", "volume", "tiers", []any{tier(0, nil, 7)})).Expect(201)

		// metered: default sum, others as given; licensed has null
		got = c.Post("/plans/", custWith(base, "usage_scheme", "metered")).Expect(201)
		if got["usage_scheme"] != "metered" || got["usage_aggregation"] != "sum" {
			t.Errorf("metered default: %v", got)
		}
		for _, agg := range []string{"sum", "max", "last_record"} {
			if got := c.Post("/plans/", custWith(base, "usage_scheme", "metered", "usage_aggregation", agg)).Expect(201); got["usage_aggregation"] != agg {
				t.Errorf("aggregation %s: %v", agg, got["usage_aggregation"])
			}
		}
		if got := c.Post("/plans/", custWith(base, "usage_aggregation", nil, "exempt", true, "sku", "")).Expect(201); got["usage_aggregation"] != nil || got["exempt"] != true || got["sku"] != nil {
			t.Errorf("licensed: %v", got)
		}
	})
}

func jsonOf(t *testing.T, v any, want string) bool {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return apitest.JSONEqual(b, []byte(want))
}

// docs/billing.md#54-update and Archive.
func TestPlanUpdateArchive(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		pid := prodNew(c, "Cobro Cloud")
		r := c.Post("/plans/", custWith(planExample(pid), "tiers_mode", "volume", "amount", custOmit, "tiers", []any{tier(0, 10, 5), tier(10, nil, 4)}))
		plan := apitest.Str(r.Expect(201), "id")
		full := r.JSON()
		path := "/plans/" + plan + "/"

		e.Clock.Advance(time.Minute)
		got := c.Patch(path, map[string]any{"name": "Cloud Pro 2", "description": "New text", "sku": nil, "unit_label": "u", "metadata": map[string]any{"a": "1"}}).Expect(200)
		if got["name"] != "Cloud Pro 2" || got["description"] != "New text" || got["sku"] != nil || got["unit_label"] != "u" || got["updated"] != "2026-06-02T10:16:00.000000-04:00" || got["created"] != custStamp {
			t.Errorf("PATCH mutable: %v", got)
		}
		custCheck(t, c.Patch(path, map[string]any{"amount": 10}), 400, `{"amount": ["This field cannot be changed after creation."]}`, "PATCH amount")

		other := prodNew(c, "Other")
		rows := []struct {
			label string
			body  map[string]any
			want  string
		}{
			{"product", map[string]any{"product": other}, `{"product": ["This field cannot be changed after creation."]}`},
			{"frequency", map[string]any{"frequency": "annual"}, `{"frequency": ["This field cannot be changed after creation."]}`},
			{"frequency unknown", map[string]any{"frequency": "daily"}, `{"frequency": ["Invalid pk \"daily\" - object does not exist."]}`},
			{"currency", map[string]any{"currency": "USD"}, `{"currency": ["This field cannot be changed after creation."]}`},
			{"exempt", map[string]any{"exempt": true}, `{"exempt": ["This field cannot be changed after creation."]}`},
			{"usage_scheme", map[string]any{"usage_scheme": "metered"}, `{"usage_scheme": ["This field cannot be changed after creation."]}`},
			{"tiers_mode", map[string]any{"tiers_mode": "graduated"}, `{"tiers_mode": ["This field cannot be changed after creation."]}`},
			{"tiers", map[string]any{"tiers": []any{tier(0, 20, 5), tier(20, nil, 4)}}, `{"tiers": ["This field cannot be changed after creation."]}`},
			{"name blank", map[string]any{"name": ""}, `{"name": ["This field may not be blank."]}`},
			{"description 201", map[string]any{"description": strings.Repeat("d", 201)}, `{"description": ["Ensure this field has no more than 200 characters."]}`},
		}
		for _, row := range rows {
			custCheck(t, c.Patch(path, row.body), 400, row.want, row.label)
		}
		// the same values are accepted: a full object can be PUT back
		full["name"] = "Put back"
		got = c.Put(path, full).Expect(200)
		if got["name"] != "Put back" || got["description"] != "Cobro Cloud, plan Pro" || got["sku"] != "CLOUD-PRO" {
			t.Errorf("PUT back: %v", got)
		}
		c.Patch(path, map[string]any{"amount": "0.00", "currency": "CLP", "frequency": "monthly", "product": pid, "usage_aggregation": nil, "tiers_mode": "volume",
			"tiers": []any{map[string]any{"quantity_to": 10, "amount": 5}, map[string]any{"quantity_from": "10.0", "quantity_to": nil, "amount": "4.00", "unit_scheme": "all_units"}}}).Expect(200)

		// archive: DELETE, idempotent, restorable
		e.Clock.Advance(time.Minute)
		r = c.Delete(path)
		got = r.Expect(200)
		if got["status"] != "archived" || got["archived"] != "2026-06-02T10:17:00.000000-04:00" {
			t.Errorf("DELETE: %v", got)
		}
		e.Clock.Advance(time.Minute)
		c.Delete(path).ExpectBody(200, string(r.Body))
		// archived plans still show on their product and keep their fields
		if p := c.Get("/products/" + pid + "/").Expect(200); len(p["plans"].([]any)) != 1 {
			t.Errorf("product plans: %v", p["plans"])
		}
		got = c.Patch(path, map[string]any{"status": "active"}).Expect(200)
		if got["status"] != "active" || got["archived"] != nil {
			t.Errorf("restore: %v", got)
		}
		// plans of an archived product can still be edited
		c.Delete("/products/" + pid + "/").Expect(200)
		c.Patch(path, map[string]any{"name": "Still editable", "product": pid}).Expect(200)
		custListIs(t, c, "/events/?object_id="+plan, "event", true, "plan.updated", "plan.updated", "plan.archived", "plan.updated", "plan.updated", "plan.updated", "plan.created")
	})
}

func TestPlanList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		p1 := prodNew(c, "Cloud")
		p2 := prodNew(c, "Storage")
		mk := func(product string, kv ...any) string {
			e.Clock.Advance(time.Minute)
			return apitest.Str(c.Post("/plans/", custWith(planExample(product), kv...)).Expect(201), "id")
		}
		a := mk(p1, "name", "Basic", "amount", 9000, "sku", "B-1", "metadata", map[string]any{"team": "core"})
		b := mk(p1, "name", "Pro annual", "frequency", "annual", "amount", "250000")
		c2 := mk(p2, "name", "Storage GB", "description", "Per gigabyte", "currency", "USD", "amount", "10.50", "usage_scheme", "metered")
		e.Clock.Advance(24 * time.Hour)
		d := mk(p2, "name", "archived one", "amount", 100)
		c.Delete("/plans/" + d + "/").Expect(200)

		custListIs(t, c, "/plans/", "id", true, d, c2, b, a)
		custListIs(t, c, "/plans/?ordering=amount", "id", true, c2, d, a, b)
		custListIs(t, c, "/plans/?ordering=-amount", "id", true, b, a, d, c2)
		custListIs(t, c, "/plans/?ordering=name", "name", true, "Basic", "Pro annual", "Storage GB", "archived one")
		custListIs(t, c, "/plans/?ordering=created", "id", true, a, b, c2, d)
		custListIs(t, c, "/plans/?product="+p1, "id", false, a, b)
		custListIs(t, c, "/plans/?product__in="+p1+","+p2, "id", false, a, b, c2, d)
		custListIs(t, c, "/plans/?status=archived", "id", false, d)
		custListIs(t, c, "/plans/?status=active", "id", false, a, b, c2)
		custListIs(t, c, "/plans/?frequency=annual", "id", false, b)
		custListIs(t, c, "/plans/?currency=USD", "id", false, c2)
		custListIs(t, c, "/plans/?usage_scheme=metered", "id", false, c2)
		custListIs(t, c, "/plans/?name__icontains=PRO", "id", false, b)
		custListIs(t, c, "/plans/?created__gte=2026-06-03", "id", false, d)
		custListIs(t, c, "/plans/?metadata__team=core", "id", false, a)
		custListIs(t, c, "/plans/?search=gigabyte", "id", false, c2)
		custListIs(t, c, "/plans/?search=b-1", "id", false, a)
		custListIs(t, c, "/plans/?search=storage", "id", false, c2)
		custCheck(t, c.Get("/plans/?usage_scheme=prepaid"), 400, `{"usage_scheme": ["Select a valid choice. prepaid is not one of the available choices."]}`, "bad usage_scheme")
		custCheck(t, c.Get("/plans/?ordering=sku"), 400, `{"ordering": ["Invalid ordering field: sku."]}`, "bad ordering")
		custCheck(t, c.Get("/plans/?amount=1"), 400, `{"amount": ["Unknown filter."]}`, "unknown filter")
		custListIs(t, c.Test(), "/plans/", "id", false)
		custListIs(t, e.Workspace("CL"), "/plans/", "id", false)
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
