package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/apitest"
)

// fuzzEnv serves requests in-process (no sockets) so fuzzing is fast.
type fuzzEnv struct {
	e    *apitest.Env
	c    *apitest.Client
	h    http.Handler
	test bool // the next request in test mode
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	e := apitest.New(f, "sqlite")
	c := e.Workspace("CL")
	return &fuzzEnv{e: e, c: c, h: e.Server.Handler()}
}

// routePaths lists the router's paths of a method: with an {id} (the part
// before it, deduplicated) or without, list routes only when lists is set.
// Deriving them from the router keeps every new route fuzzed.
func (fe *fuzzEnv) routePaths(method string, withID, lists bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, rt := range fe.e.Server.Routes() {
		if rt.Method != method || rt.Auth != api.AuthToken || (lists && !rt.List) {
			continue
		}
		p := rt.Path
		if i := strings.Index(p, "{"); i >= 0 {
			if !withID {
				continue
			}
			p = p[:i]
		} else if withID {
			continue
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// serveMode is serve in test mode when test is set.
func (fe *fuzzEnv) serveMode(test bool, method, target, body string) *httptest.ResponseRecorder {
	fe.test = test
	defer func() { fe.test = false }()
	return fe.serve(method, target, body)
}

func (fe *fuzzEnv) serve(method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://cobro.test/", strings.NewReader(body))
	req.URL.RawQuery = ""
	if i := strings.IndexByte(target, '?'); i >= 0 {
		req.URL.Path, req.URL.RawQuery = target[:i], target[i+1:]
	} else {
		req.URL.Path = target
	}
	req.Header.Set("Authorization", "Token "+fe.c.Token)
	req.Header.Set("x-simple-workspace", fe.c.Workspace)
	req.Header.Set("Content-Type", "application/json")
	if fe.test {
		req.Header.Set("x-piriod-test-mode", "true")
	}
	rec := httptest.NewRecorder()
	fe.h.ServeHTTP(rec, req)
	return rec
}

// FuzzListQuery: any query string on the list endpoints is a 2xx, 400 or
// 404 — never a 500 (the parser must reject what the SQL cannot take).
func FuzzListQuery(f *testing.F) {
	fe := newFuzzEnv(f)
	fe.c.Post("/customers/", map[string]any{"name": "Andes", "address": "x", "country": "US", "state": "IL", "metadata": map[string]any{"k": 1}}).Expect(201)
	for _, s := range []string{"", "page=2", "page_size=0", "limit=5&page=1", "search=an%25d_", "name__icontains=a", "country__in=CL,US",
		"created__gte=2026-01-01", "created__lt=2026-01-01T10:00:00Z", "metadata__k=1", "ordering=-name,created", "status=active",
		"status__in=active,archived", "email__isnull=true", "tax_id__in=", "ordering=", "format=json", "expand=orgunit", "%zz", "a=b&a=c"} {
		f.Add("/customers/", s)
	}
	f.Add("/contacts/", "orgunit__isnull=false&invoicing=1")
	f.Add("/generals/documents/", "available=true&kind__in=invoice")
	f.Add("/generals/changes/", "date__gte=2026-01-01")
	f.Add("/subscriptions/", "plan=pla_tnlUbv0YSTbzmsx7oH&status__in=active,paused&next_billing__lte=2026-07-01&ordering=-next_billing")
	f.Add("/subscriptions/", "lines=lin_x&customer__in=cus_a,cus_b&needs_attention_reason=without_usage_records&search=andes")
	f.Add("/usages/", "subscription_line__in=lin_a&date_time__gte=2026-06-01T00:00:00Z&ordering=date_time")
	f.Add("/customers/", "subscriptions__isnull=false&subscriptions=sub_x")
	paths := fe.routePaths("GET", false, true)
	f.Fuzz(func(t *testing.T, path, query string) {
		ok := false
		for _, p := range paths {
			ok = ok || p == path
		}
		if !ok {
			path = paths[len(path)%len(paths)]
		}
		rec := fe.serve("GET", path+"?"+query, "")
		if rec.Code >= 500 {
			t.Fatalf("GET %s?%s → %d %s", path, query, rec.Code, rec.Body)
		}
	})
}

// FuzzCreateBody: any body on a create endpoint is answered without a 500.
func FuzzCreateBody(f *testing.F) {
	fe := newFuzzEnv(f)
	cus := apitest.Str(fe.c.Post("/customers/", map[string]any{"name": "Andes", "address": "x", "country": "CL", "state": "RM", "tax_id": "76086428-5"}).Expect(201), "id")
	product := apitest.Str(fe.c.Post("/products/", map[string]any{"name": "Cloud"}).Expect(201), "id")
	plan := apitest.Str(fe.c.Post("/plans/", map[string]any{"product": product, "name": "Pro", "description": "Pro", "frequency": "monthly", "currency": "CLP", "amount": 1000}).Expect(201), "id")
	metered := apitest.Str(fe.c.Post("/plans/", map[string]any{"product": product, "name": "Use", "description": "Use", "frequency": "monthly", "currency": "CLP", "amount": 10, "usage_scheme": "metered"}).Expect(201), "id")
	subm := fe.c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "CL33", "date_start": "2026-06-03",
		"lines": []any{map[string]any{"plan": plan, "quantity": 1}, map[string]any{"plan": metered}}}).Expect(201)
	sub := apitest.Str(subm, "id")
	line := apitest.Str(subm["lines"].([]any)[1].(map[string]any), "id")
	seeds := []string{
		`{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501", "country": "CL", "state": "RM", "tax_id": "76.086.428-5", "tax_settings": {"cl_commune": "Las Condes"}}`,
		`{"name": "x", "address": "y", "country": "US", "state": "US-IL", "email": "a@b.co", "website": "https://x.y", "metadata": {"a": 1, "b": true}}`,
		`{"name": ["x"], "country": 5, "state": null, "tax_settings": [], "metadata": "m", "send_invoices": "maybe"}`,
		`{"name": "Marta", "email": "m@x.cl", "customer": "` + cus + `", "orgunit": 7}`,
		`{"customer": "` + cus + `", "name": "Sucursal"}`,
		`{"country": "MX", "tax_id": "EKU9003173C9"}`, `{"country": "CO", "tax_id": "900.373.115-3"}`, `{"country": "PE", "tax_id": "20100070970"}`,
		`[]`, `null`, `"x"`, `{"a":`, `{"name": "\u0000"}`,
		`{"customer": "` + cus + `", "document": 33, "date": "2026-06-01", "discount": "5", "lines": [{"name": "A", "quantity": "1.5", "amount": 990, "discount": 10, "discount_scheme": "$"}]}`,
		`{"customer": "` + cus + `", "document": "CL52", "date": "2026-06-01", "carrier_id": "12.345.678-5", "lines": [{"name": "B", "quantity": 2, "amount": 10}]}`,
		`{"invoice": "inv_tnlUbv0YSTbzmsx7oH", "date": "2026-06-01", "lines": [{"name": "x", "quantity": 1, "amount": 1}], "tax_settings": {"cl_reference_code": 2}}`,
		`{"url": "http://127.0.0.1:9/x", "events": ["invoice.*", "nope"]}`,
		`{"supplier": "sup_tnlUbv0YSTbzmsx7oH", "document": "US5", "number": -1, "date": "2026-06-01", "lines": []}`,
		`{"purchase": "pur_tnlUbv0YSTbzmsx7oH", "lines": [{"name": "r", "amount": 0, "retention_percent": 101}]}`,
		`{"invoice": "x", "recipient": ["a@b.co", 5], "message": "m", "action": "pay"}`,
		`{"customer": "` + cus + `", "document": "CL33", "date_start": "2026-06-02", "lines": [{"plan": "` + plan + `", "quantity": 2, "coupon": null}],
		  "addons": [{"addon": "add_x", "quantity": 1, "rates": [{"billing_cycle": 1, "percentage": 100}]}], "billing_cycles": 3, "custom_change": "1.5",
		  "references": [{"date": "2026-06-01", "document": "801", "serial": "1", "date_end": "2026-12-31"}], "collection_scheme": "charge_payment"}`,
		`{"subscription_line": "` + line + `", "date_time": "2026-06-02T10:00:00Z", "quantity": "0.000001"}`,
		`{"frozen_time": "2027-01-15T09:00:00-03:00", "name": "clock"}`,
		`{"paused_reason": "custom", "pause_until": "2026-07-01", "status_description": null}`,
		`{"lines": [{"id": "` + line + `", "quantity": 3}], "status": "paused", "next_billing": "2026-06-30"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	// every create route of the router, and updates and actions of live objects
	paths := append(fe.routePaths("POST", false, false), "/customers/"+cus+"/", "/subscriptions/"+sub+"/",
		"/subscriptions/"+sub+"/pause/", "/subscriptions/"+sub+"/process/")
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		method := "POST"
		if strings.HasPrefix(path, "/customers/cus_") || strings.HasSuffix(path, sub+"/") {
			method = "PATCH"
		}
		rec := fe.serveMode(which >= 128, method, path, body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q → %d %s", method, path, body, rec.Code, rec.Body)
		}
	})
}

// FuzzPathIDs: any id in a path, with any verb, is answered without a 500
// (malformed ids are 404, never 400 or 500).
func FuzzPathIDs(f *testing.F) {
	fe := newFuzzEnv(f)
	for _, s := range []string{"cus_tnlUbv0YSTbzmsx7oH", "inv_x", "%00", "..", "cus_tnlUbv0YSTbzmsx7oH/finalize", "ret_' OR 1=1 --", "日本", ""} {
		f.Add(uint8(0), s)
	}
	resources := append(fe.routePaths("GET", true, false), "/files/")
	verbs := []string{"GET", "PATCH", "PUT", "DELETE", "POST"}
	f.Fuzz(func(t *testing.T, which uint8, id string) {
		res := resources[int(which)%len(resources)]
		verb := verbs[int(which/32)%len(verbs)]
		target := res + url.PathEscape(id) + "/"
		if verb == "POST" {
			target = res + url.PathEscape(id) + "/finalize/"
		}
		rec := fe.serveMode(which%2 == 1, verb, target, "{}")
		if rec.Code >= 500 {
			t.Fatalf("%s %s → %d %s", verb, target, rec.Code, rec.Body)
		}
	})
}
