package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// TestDocumentForms: the order, purchase and debit note forms create a
// draft through the API with the line editor (the same form twice: one
// draft), show the API's totals on its page, draw a refused form again
// with the API's message next to the field and a new key, and refuse a
// post without the CSRF token.
func TestDocumentForms(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Andes", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		sup := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Paper Mill", "country": "US"}).Expect(201), "id")
		inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "Design", "quantity": "1", "amount": "100"}}}).Expect(201), "id")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		for _, tc := range []struct {
			slug, api, party, value, document string
			extra                             url.Values
		}{
			{"orders", "/orders/", "customer", cus, "US2", url.Values{"address": {"1 Main"}, "carrier_name": {"Truck Co"}}},
			{"purchases", "/purchases/", "supplier", sup, "US5", url.Values{"number": {"77"}}},
			{"debit-notes", "/debitnotes/", "invoice", inv, "", url.Values{"note": {"Late fee"}}},
		} {
			_, page := b.do("GET", "/app/"+tc.slug+"/new", nil)
			if !strings.Contains(page, `<option value="`+tc.value+`"`) || !strings.Contains(page, `id="add-line"`) {
				t.Fatalf("%s: the form lacks its %s or line editor: %s", tc.slug, tc.party, page)
			}
			form := url.Values{"idem": {tc.slug + "-1"}, tc.party: {tc.value}, "document": {tc.document}, "date": {"2026-06-03"},
				"line_name": {"Freight", "Handling"}, "line_quantity": {"2", "1"}, "line_amount": {"10.50", "x"}}
			for k, v := range tc.extra {
				form[k] = v
			}
			if res, _ := b.do("POST", "/app/"+tc.slug, form); res.StatusCode != http.StatusForbidden {
				t.Fatalf("%s without CSRF: %d", tc.slug, res.StatusCode)
			}
			form.Set("csrf", b.csrf("/app/"+tc.slug+"/new"))
			res, page := b.do("POST", "/app/"+tc.slug, form)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `<input id="la-1" name="line_amount" inputmode="decimal" value="x">`) ||
				!strings.Contains(page, "A valid number is required.") || strings.Contains(page, `value="`+tc.slug+`-1"`) {
				t.Fatalf("%s with a bad amount: %d %s", tc.slug, res.StatusCode, page)
			}
			wantField(t, c.Get(tc.api).Expect(200), "count", "0")
			form["line_amount"] = []string{"10.50", "4"}
			form.Set("idem", tc.slug+"-2")
			var loc string
			for range 2 {
				res, page = b.do("POST", "/app/"+tc.slug, form)
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s: %d %s", tc.slug, res.StatusCode, page)
				}
				loc = res.Header.Get("Location")
			}
			wantField(t, c.Get(tc.api).Expect(200), "count", "1")
			doc := c.Get(tc.api + loc[strings.LastIndex(loc, "/")+1:] + "/").Expect(200)
			wantField(t, doc, "total", "25.00")
			if _, page := b.do("GET", loc, nil); !strings.Contains(page, `<dd class="grand" id="t-total">25.00 USD</dd>`) {
				t.Fatalf("%s page lacks the API's total: %s", tc.slug, page)
			}
		}
	})
}
