package api_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// FuzzPaymentBodies: any body on the payment write endpoints (sources,
// payments and their actions, links, the payer's intents, the simulated
// authentication) and any id in their paths is answered without a 500.
func FuzzPaymentBodies(f *testing.F) {
	e := apitest.New(f, "sqlite")
	c := e.Workspace("US").Test()
	h := e.Server.Handler()
	cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Fuzz", "address": "x", "country": "US", "state": "IL"}).Expect(201), "id")
	inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02",
		"lines": []any{map[string]any{"name": "A", "quantity": 1, "amount": 1000000}}}).Expect(201), "id")
	src := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "usage": "reusable", "customer": cus, "card": card(cardOK)}).Expect(201), "id")
	auth := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "card": card(cardAuth)}).Expect(201), "id")
	pay := apitest.Str(c.Post("/payments/", map[string]any{"amount": 1, "currency": "USD", "date": "2026-06-02", "description": "f", "invoice": inv, "enable_checkout": true}).Expect(201), "id")
	paid := apitest.Str(c.Post("/payments/", map[string]any{"amount": 5, "currency": "USD", "date": "2026-06-02", "description": "f", "customer": cus, "source": src}).Expect(201), "id")
	link := c.Post("/payment_links/links/", map[string]any{"amount": 10, "currency": "USD", "capture_method": "manual"}).Expect(201)
	key, lid := apitest.Str(link, "publishable_key"), apitest.Str(link, "id")
	paths := []string{"/sources/", "/payments/", "/payments/" + pay + "/", "/payments/" + pay + "/authorize/", "/payments/" + pay + "/pay/",
		"/payments/" + pay + "/capture/", "/payment_links/links/", "/payment_links/links/" + lid + "/", "/publishable/payment_links/links/" + key + "/intents/",
		"/publishable/gateways/test/authenticate/" + auth + "/", "/payments/pay_X/pay/", "/publishable/payment_links/links/pk_x/intents/",
		"/payments/" + paid + "/refund/", "/providers/test/", "/publishable/gateways/test/return/" + auth + "/"}
	seeds := []string{
		`{"gateway": "test", "customer": "` + cus + `", "usage": "reusable", "card": {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}`,
		`{"gateway": "manual", "method": "cash", "amount": "1.005", "client": [], "return_url": "ftp://x"}`,
		`{"gateway": "test", "payment": "` + pay + `", "card": {"number": 4242424242424242, "exp_month": "12", "exp_year": 99999999999, "cvc": 1}}`,
		`{"amount": 147.60, "currency": "USD", "date": "2026-06-02", "description": "x", "invoice": "` + inv + `", "source": "` + src + `"}`,
		`{"amount": "1e3", "currency": "XXX", "date": "2026-13-01", "status": 5, "payment_date": "yesterday", "sources": ["` + src + `", 3]}`,
		`{"source": "` + src + `"}`, `{"source": 5}`, `{"outcome": "approve"}`, `{"outcome": ["deny"]}`,
		`{"amount": 16, "currency": "CLP", "document": "33", "expires": "2020-01-01T00:00:00Z", "invoice": "` + inv + `", "customer": 7}`,
		`{"payer": {"name": "A", "email": "a@b.co", "country": "CL", "tax_id": "1-9", "state": "ZZ"}, "card": {"number": "4000002760003184", "exp_month": 1, "exp_year": 2031, "cvc": "999"}}`,
		`{"payer": "x", "card": []}`, `{"amount": 1, "reason": "x", "credit_note": true}`, `{"amount": "0.001", "credit_note": 1}`,
		`{"commerce_code": null, "default": true, "key": 5}`, `{"token_ws": "x", "TBK_TOKEN": ["y"]}`, `{}`, `[]`, `null`, `{"metadata": {"a": {"b": 1}}, "status": "archived", "amount": -1}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		path := paths[int(which)%len(paths)]
		method := "POST"
		if strings.HasSuffix(path, lid+"/") || strings.HasSuffix(path, pay+"/") || strings.HasPrefix(path, "/providers/") {
			method = "PATCH"
		}
		req := httptest.NewRequest(method, "http://cobro.test"+path, strings.NewReader(body))
		if !strings.HasPrefix(path, "/publishable/") && which%3 != 0 {
			req.Header.Set("Authorization", "Token "+c.Token)
			req.Header.Set("x-simple-workspace", c.Workspace)
			req.Header.Set("x-piriod-test-mode", "true")
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q → %d %s", method, path, body, rec.Code, rec.Body)
		}
	})
}
