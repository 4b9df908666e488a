package dashboard_test

import (
	"net/http"
	"net/http/httptest"
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

// TestPartialCreditNote: the invoice page credits the lines ticked, with
// the quantity and unit price given; no line ticked, or a bad quantity,
// draws the page again with the message on its row; the same form twice
// makes one credit note.
func TestPartialCreditNote(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Andes", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "Design", "quantity": "1", "amount": "100"}, map[string]any{"name": "Hosting", "quantity": "3", "amount": "20"}}}).Expect(201), "id")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		_, page := b.do("GET", "/app/invoices/"+inv, nil)
		if !strings.Contains(page, `id="credit-form"`) || !strings.Contains(page, `name="credit_quantity_1" inputmode="decimal" value="3.0"`) {
			t.Fatalf("no partial credit form: %s", page)
		}
		path := "/app/invoices/" + inv + "/partial-credit"
		form := url.Values{"idem": {"credit-1"}, "credit_1": {"on"}, "credit_quantity_0": {"1"}, "credit_amount_0": {"100"},
			"credit_quantity_1": {"two"}, "credit_amount_1": {"20"}, "note": {"Two months of hosting back"}}
		if res, _ := b.do("POST", path, form); res.StatusCode != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", res.StatusCode)
		}
		form.Set("csrf", b.csrf("/app/invoices/"+inv))
		none := url.Values{"csrf": form["csrf"], "idem": {"credit-0"}}
		if res, page := b.do("POST", path, none); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="e-credit">Tick at least one line`) {
			t.Fatalf("no line ticked: %d %s", res.StatusCode, page)
		}
		res, page := b.do("POST", path, form)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `value="two"><p class="error">A valid number is required.</p>`) {
			t.Fatalf("a bad quantity: %d %s", res.StatusCode, page)
		}
		wantField(t, c.Get("/creditnotes/").Expect(200), "count", "0")
		form.Set("credit_quantity_1", "2")
		form.Set("idem", "credit-2")
		var loc string
		for range 2 {
			res, page = b.do("POST", path, form)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/app/credit-notes/crn_") {
				t.Fatalf("partial credit: %d %s", res.StatusCode, page)
			}
			loc = res.Header.Get("Location")
		}
		wantField(t, c.Get("/creditnotes/").Expect(200), "count", "1")
		note := c.Get("/creditnotes/" + loc[strings.LastIndex(loc, "/")+1:] + "/").Expect(200)
		lines := note["lines"].([]any)
		if len(lines) != 1 || apitest.Str(lines[0].(map[string]any), "name") != "Hosting" {
			t.Fatalf("credited lines %v", lines)
		}
		wantField(t, note, "total", "40.00")
		wantField(t, note, "note", "Two months of hosting back")
	})
}

// TestDeliveryLog: a webhook's page lists its delivery attempts as a
// table (event, status code, duration, attempt; a loopback receiver's
// answer is never recorded, TestDeliveryRows shows the excerpt), and
// its redeliver button delivers the event again to that endpoint.
func TestDeliveryLog(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("maintenance window <b>until 03:00</b>"))
		}))
		defer receiver.Close()
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery").Test()
		hook := apitest.Str(c.Post("/webhooks/", map[string]any{"url": receiver.URL + "/hooks", "events": []any{"customer.*"}}).Expect(201), "id")
		c.Post("/customers/", map[string]any{"name": "Andes", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201)
		if _, err := e.Webhooks.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		token := b.csrf("/app")
		b.do("POST", "/app/switch", url.Values{"csrf": {token}, "mode": {"test"}})
		_, page := b.do("GET", "/app/webhooks/"+hook, nil)
		for _, want := range []string{`id="delivery-log"`, `>customer.created</a>`, `<span class="status s-failed">503</span>`, `data-label="Attempt">1</td>`,
			`action="/app/webhooks/` + hook + `/redeliver"`} {
			if !strings.Contains(page, want) {
				t.Fatalf("the log lacks %s: %s", want, page)
			}
		}
		if strings.Contains(page, `class="json"`) {
			t.Fatal("the log is raw JSON")
		}
		ev := apitest.Str(c.Get("/events/?event=customer.created").Expect(200)["results"].([]any)[0].(map[string]any), "id")
		if res, _ := b.do("POST", "/app/webhooks/"+hook+"/redeliver", url.Values{"event": {ev}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("redeliver without CSRF: %d", res.StatusCode)
		}
		res, _ := b.do("POST", "/app/webhooks/"+hook+"/redeliver", url.Values{"csrf": {token}, "event": {ev}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app/webhooks/"+hook+"?redelivered=1" {
			t.Fatalf("redeliver: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if n := len(c.Get("/events/" + ev + "/").Expect(200)["deliveries"].([]any)); n != 2 {
			t.Fatalf("deliveries after redeliver: %d", n)
		}
		if _, page := b.do("GET", "/app/events/"+ev, nil); !strings.Contains(page, `<span class="status s-failed">503</span>`) {
			t.Fatalf("the event page lacks its log: %s", page)
		}
	})
}

// TestAddonForm: the add-on form of the catalog creates one through
// POST /addons/ (the runs go as a number), shows the API's message next to
// a refused field, and refuses a post without the CSRF token.
func TestAddonForm(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		form := url.Values{"idem": {"addon-1"}, "name": {"Setup"}, "description": {"Onboarding"}, "currency": {"USD"}, "amount": {"120"},
			"apply_scheme": {"one_time"}, "duration_times": {"3"}}
		if res, _ := b.do("POST", "/app/addons", form); res.StatusCode != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", res.StatusCode)
		}
		form.Set("csrf", b.csrf("/app/addons"))
		res, page := b.do("POST", "/app/addons", form)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="e-duration_times">Only recurring add-ons have a duration.`) {
			t.Fatalf("a one-time add-on with runs: %d %s", res.StatusCode, page)
		}
		form.Set("apply_scheme", "recurring")
		form.Set("idem", "addon-2")
		for range 2 {
			if res, page := b.do("POST", "/app/addons", form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("add-on: %d %s", res.StatusCode, page)
			}
		}
		addons := c.Get("/addons/").Expect(200)
		wantField(t, addons, "count", "1")
		wantField(t, addons["results"].([]any)[0].(map[string]any), "duration_times", "3")
	})
}
