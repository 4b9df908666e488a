package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// fuzzEnv serves requests in-process (no sockets) so fuzzing is fast.
type fuzzEnv struct {
	e *apitest.Env
	c *apitest.Client
	h http.Handler
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	e := apitest.New(f, "sqlite")
	c := e.Workspace("CL")
	return &fuzzEnv{e: e, c: c, h: e.Server.Handler()}
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
	paths := []string{"/customers/", "/contacts/", "/orgunits/", "/generals/countries/", "/generals/documents/", "/generals/changes/", "/frequencies/"}
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
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	paths := []string{"/customers/", "/contacts/", "/orgunits/", "/customers/" + cus + "/", "/invoices/", "/orders/", "/creditnotes/",
		"/debitnotes/", "/suppliers/", "/purchases/", "/purchases/credit-notes/", "/retentions/", "/cancellations/", "/webhooks/",
		"/reminders/messages/"}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		method := "POST"
		if strings.HasPrefix(path, "/customers/cus_") {
			method = "PATCH"
		}
		rec := fe.serve(method, path, body)
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
	resources := []string{"/customers/", "/contacts/", "/orgunits/", "/invoices/", "/creditnotes/", "/debitnotes/", "/orders/", "/purchases/",
		"/purchases/credit-notes/", "/retentions/", "/cancellations/", "/suppliers/", "/products/", "/plans/", "/addons/", "/coupons/",
		"/webhooks/", "/events/", "/reminders/messages/", "/generals/countries/", "/files/"}
	verbs := []string{"GET", "PATCH", "PUT", "DELETE", "POST"}
	f.Fuzz(func(t *testing.T, which uint8, id string) {
		res := resources[int(which)%len(resources)]
		verb := verbs[int(which/32)%len(verbs)]
		target := res + url.PathEscape(id) + "/"
		if verb == "POST" {
			target = res + url.PathEscape(id) + "/finalize/"
		}
		rec := fe.serve(verb, target, "{}")
		if rec.Code >= 500 {
			t.Fatalf("%s %s → %d %s", verb, target, rec.Code, rec.Body)
		}
	})
}
