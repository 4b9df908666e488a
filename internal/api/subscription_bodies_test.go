package api_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// goldenIDs are the object ids of a response, which differ on every run.
var goldenIDs = regexp.MustCompile(`\b(sub|cus|pla|lin|cou|add|inv)_[A-Za-z0-9]{18}\b`)

// The status and error body of ~120 subscription create and update bodies,
// well and badly formed, against testdata/subscription_bodies.golden: the
// answers the API gave before request decoding moved to the HTTP edge
// (COBRO_UPDATE_GOLDEN=1 rewrites the file).
func TestSubscriptionBodiesGolden(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		out := &bytes.Buffer{}
		defer func() { compareGolden(t, "testdata/subscription_bodies.golden", out.Bytes()) }()
		c := e.Workspace("US")
		cus := newCustomer(c, "Err Co")
		plan := subPlan(c, "USD", 10, nil)
		plan2 := subPlan(c, "USD", 12, nil)
		metered := subPlan(c, "USD", 1, map[string]any{"usage_scheme": "metered"})
		eur := subPlan(c, "EUR", 10, nil)
		lineCoupon := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Line", "amount": 10, "currency": "USD", "apply_on": "line"}).Expect(201), "id")
		invCoupon := apitest.Str(c.Post("/coupons/", map[string]any{"name": "Inv", "amount": 10, "currency": "USD"}).Expect(201), "id")
		recurring := apitest.Str(c.Post("/addons/", map[string]any{"name": "Support", "description": "Support", "currency": "USD", "amount": 5, "apply_scheme": "recurring"}).Expect(201), "id")
		oneTime := apitest.Str(c.Post("/addons/", map[string]any{"name": "Setup", "description": "Setup", "currency": "USD", "amount": 5}).Expect(201), "id")
		eurAddon := apitest.Str(c.Post("/addons/", map[string]any{"name": "E", "description": "E", "currency": "EUR", "amount": 5}).Expect(201), "id")
		L := func(m ...map[string]any) []any {
			out := []any{}
			for _, x := range m {
				out = append(out, x)
			}
			return out
		}
		M := func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		base := func(kv ...any) map[string]any {
			b := map[string]any{"customer": cus, "document": "US1", "date_start": "2026-06-10", "lines": L(M("plan", plan, "quantity", 1))}
			for i := 0; i < len(kv); i += 2 {
				b[kv[i].(string)] = kv[i+1]
			}
			return b
		}
		many := make([]any, 21)
		for i := range many {
			many[i] = M("plan", plan, "quantity", 1)
		}
		bodies := []map[string]any{
			{}, {"customer": nil, "document": nil, "date_start": nil, "lines": nil},
			{"customer": 5, "document": true, "date_start": "x", "lines": "x", "next_billing": "y"},
			base("customer", "cus_nope"), base("document", 5), base("document", "33"), base("document", "ZZ9"),
			base("lines", many), base("lines", []any{5, "x", nil}),
			base("lines", L(M(), M("plan", nil), M("plan", 5), M("plan", "bad"), M("plan", plan, "quantity", nil))),
			base("lines", L(M("plan", plan, "quantity", "x"), M("plan", plan2, "quantity", 0), M("plan", metered, "quantity", nil))),
			base("lines", L(M("plan", metered, "quantity", "x"), M("plan", plan, "quantity", -1))),
			base("lines", L(M("plan", plan, "quantity", 1), M("plan", plan, "quantity", 2))),
			base("lines", L(M("id", "sli_nope", "plan", plan, "quantity", 1), M("id", 5, "plan", plan2, "quantity", 1))),
			base("lines", L(M("plan", plan, "quantity", 1, "coupon", 5), M("plan", plan2, "quantity", 1, "coupon", "cou_nope"))),
			base("lines", L(M("plan", plan, "quantity", 1, "coupon", nil), M("plan", plan2, "quantity", 1, "coupon", lineCoupon))),
			base("lines", L(M("plan", "bad", "quantity", "x", "coupon", invCoupon))),
			base("lines", L(M("plan", eur, "quantity", 1)), "addons", L(M("addon", oneTime, "quantity", 1))),
			base("addons", nil), base("addons", "x"), base("addons", []any{5}),
			base("addons", L(M(), M("addon", nil), M("addon", "bad", "quantity", nil), M("addon", oneTime, "quantity", 0), M("addon", oneTime, "quantity", "x"))),
			base("addons", L(M("addon", eurAddon, "quantity", 1), M("addon", recurring, "quantity", 1, "rates", nil), M("addon", oneTime, "quantity", 1, "rates", "x"))),
			base("addons", L(M("addon", oneTime, "quantity", 1, "rates", []any{5}), M("addon", oneTime, "quantity", 1, "rates", L(M("billing_cycle", 1, "percentage", 50), M("billing_cycle", 1, "percentage", 50))))),
			base("addons", L(M("addon", oneTime, "quantity", 1, "rates", L(M(), M("billing_cycle", 0, "percentage", 0, "description", 5))))),
			base("addons", L(M("addon", oneTime, "quantity", 1, "id", "x", "rates", L(M("billing_cycle", 1, "percentage", 40), M("billing_cycle", 2, "percentage", 60, "description", "second"))))),
			base("billing_cycles", nil, "expiration_days", nil), base("billing_cycles", 0, "expiration_days", -1), base("billing_cycles", "x", "expiration_days", 1.5),
			base("billing_cycles", 2000000, "expiration_days", 366), base("frequency", "weird"), base("frequency", nil), base("frequency", "monthly"),
			base("collection_scheme", "x"), base("collection_scheme", nil), base("default_source", 5), base("default_source", nil), base("default_source", "src_x"),
			base("collection_scheme", "charge_payment", "default_source", "src_x"), base("collection_scheme", "charge_payment", "default_source", 5),
			base("custom_change", nil), base("custom_change", "x"), base("custom_change", 0), base("custom_change", "1.5"),
			base("require_reference", "x"), base("require_reference", nil), base("references", nil), base("references", "x"),
			base("references", []any{5, M(), M("date", "2026-01-01", "document", "801", "serial", "A", "date_end", "x", "description", "d")}),
			base("note", nil), base("note", 5), base("note", string(make([]byte, 101))), base("note", "  "),
			base("metadata", nil), base("metadata", 5), base("metadata", M("a", "b")),
			base("coupon", nil), base("coupon", 5), base("coupon", "cou_nope"), base("coupon", invCoupon),
			base("orgunit", nil), base("orgunit", 5), base("orgunit", "org_nope"), base("orgunit", "bad"),
			base("next_billing", nil), base("next_billing", ""), base("next_billing", "2100-01-01"), base("next_billing", "2026-06-11"),
			base("date_start", "2026-06-02"), base("date_start", "2026-6-2"), base("date_start", ""),
			base("customer", "cus_nope", "date_start", "2026-06-01", "next_billing", "2026-05-01"),
		}
		record := func(label string, i int, r *apitest.Resp) {
			if r.Status < 300 {
				fmt.Fprintf(out, "%s %d %d\n", label, i, r.Status)
				return
			}
			fmt.Fprintf(out, "%s %d %d %s\n", label, i, r.Status, goldenIDs.ReplaceAll(r.Body, []byte("${1}_X")))
		}
		for i, b := range bodies {
			record("POST", i, c.Do("POST", "/subscriptions/", b))
		}
		// PATCH
		sub := c.Post("/subscriptions/", base("addons", L(M("addon", oneTime, "quantity", 2)), "lines", L(M("plan", plan, "quantity", 1), M("plan", metered)))).Expect(201)
		id := apitest.Str(sub, "id")
		lid := apitest.Str(sub["lines"].([]any)[0].(map[string]any), "id")
		mid := apitest.Str(sub["lines"].([]any)[1].(map[string]any), "id")
		aid := apitest.Str(sub["addons"].([]any)[0].(map[string]any), "id")
		patches := []map[string]any{
			{}, {"status": "x", "lines": "x"}, {"customer": cus}, {"customer": "cus_other"}, {"customer": 5}, {"customer": nil},
			{"document": nil}, {"document": "US3"}, {"date_start": nil}, {"date_start": "x"}, {"date_start": "2026-06-01"}, {"date_start": "2026-06-15"},
			{"next_billing": nil}, {"next_billing": "x"}, {"next_billing": "2026-06-01"},
			{"lines": nil}, {"lines": []any{}}, {"lines": L(M("id", lid))}, {"lines": L(M("id", lid, "quantity", nil))}, {"lines": L(M("id", lid, "plan", nil))},
			{"lines": L(M("id", lid, "plan", plan2), M("id", mid, "quantity", 5))}, {"lines": L(M("id", mid), M("id", mid))},
			{"lines": L(M("id", lid, "coupon", lineCoupon))}, {"lines": L(M("id", lid, "plan", eur, "quantity", 1))},
			{"addons": L(M("id", aid))}, {"addons": L(M("id", aid, "quantity", nil))}, {"addons": L(M("id", aid, "addon", "bad"))}, {"addons": L(M("addon", oneTime))},
			{"addons": L(M("id", aid, "addon", recurring, "rates", L(M("billing_cycle", 1, "percentage", 100))))}, {"addons": nil}, {"addons": []any{}},
			{"billing_cycles": 1}, {"billing_cycles": nil}, {"frequency": "annual"}, {"coupon": invCoupon}, {"coupon": invCoupon}, {"coupon": nil},
			{"collection_scheme": "charge_payment"}, {"metadata": M("k", "v")}, {"note": "hello"}, {"note": nil},
		}
		for i, b := range patches {
			record("PATCH", i, c.Do("PATCH", "/subscriptions/"+id+"/", b))
		}
		c.Post("/subscriptions/"+id+"/process/", nil).Expect(200)
		for i, b := range []map[string]any{{"date_start": "x"}, {"next_billing": nil}, {"date_start": nil, "next_billing": 5}, {"billing_cycles": 0}, {"lines": L(M("id", lid, "quantity", 1))}} {
			record("PATCH2", i, c.Do("PATCH", "/subscriptions/"+id+"/", b))
		}
		c.Delete("/subscriptions/" + id + "/").Expect(200)
		for i, b := range []map[string]any{{"metadata": M("a", "b")}, {"note": "x"}, {"status": "active"}} {
			record("PATCH3", i, c.Do("PATCH", "/subscriptions/"+id+"/", b))
		}
	})
}

// compareGolden compares got with the golden file, or rewrites it when
// COBRO_UPDATE_GOLDEN is set.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if os.Getenv("COBRO_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
}
