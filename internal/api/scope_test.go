package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/apitest"
)

// fixtures create one object of a resource in the client's workspace and
// mode and return its id. Every route with an {id} must have one (or be a
// global catalogue): a new route without a fixture fails TestCrossScope.
var fixtures = map[string]func(c *apitest.Client) string{
	"/retentions/": func(c *apitest.Client) string { return newRetention(c, false) },
	"/cancellations/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/cancellations/", map[string]any{"retention": newRetention(c, true)}).Expect(201), "id")
	},
	"/purchases/": func(c *apitest.Client) string { return newPurchase(c, false) },
	"/purchases/credit-notes/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/purchases/credit-notes/", map[string]any{"purchase": newPurchase(c, true), "document": "US6", "date": "2026-06-02", "note": "Returned"}).Expect(201), "id")
	},
	"/purchase/credit-notes/": func(c *apitest.Client) string { // the singular alias of docs/procurement.md#31-endpoints
		return apitest.Str(c.Post("/purchase/credit-notes/", map[string]any{"purchase": newPurchase(c, true), "document": "US6", "date": "2026-06-02", "note": "Returned"}).Expect(201), "id")
	},
	"/customers/": func(c *apitest.Client) string { return newCustomer(c, "Scope Co") },
	"/contacts/": func(c *apitest.Client) string {
		cus := newCustomer(c, "Scope Co")
		return apitest.Str(c.Post("/contacts/", map[string]any{"name": "Ana", "email": "ana@example.com", "customer": cus}).Expect(201), "id")
	},
	"/orgunits/": func(c *apitest.Client) string {
		cus := newCustomer(c, "Scope Co")
		return apitest.Str(c.Post("/orgunits/", map[string]any{"name": "Norte", "customer": cus}).Expect(201), "id")
	},
	"/suppliers/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Scope Supply", "country": "US", "state": "OH"}).Expect(201), "id")
	},
	"/products/": func(c *apitest.Client) string { return newProduct(c) },
	"/plans/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/plans/", map[string]any{"product": newProduct(c), "name": "Pro", "description": "Plan Pro",
			"frequency": "monthly", "currency": "USD", "amount": 25}).Expect(201), "id")
	},
	"/addons/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/addons/", map[string]any{"name": "Setup", "description": "Onboarding", "currency": "USD", "amount": 100}).Expect(201), "id")
	},
	"/coupons/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/coupons/", map[string]any{"name": "Launch", "amount": 20, "currency": "USD"}).Expect(201), "id")
	},
	"/invoices/":      func(c *apitest.Client) string { return newInvoice(c, false) },
	"/subscriptions/": func(c *apitest.Client) string { return apitest.Str(newSubscription(c, false), "id") },
	"/usages/": func(c *apitest.Client) string {
		sub := newSubscription(c, true)
		line := apitest.Str(sub["lines"].([]any)[0].(map[string]any), "id")
		return apitest.Str(c.Post("/usages/", map[string]any{"subscription_line": line, "date_time": "2026-06-02T10:00:00Z", "quantity": 3}).Expect(201), "id")
	},
	"/dunning/": func(c *apitest.Client) string { // a declined charge of the test gateway
		sub := chargedSubscription(c, subPlan(c, "USD", 12, nil), "2026-06-02", nil, declinedCard)
		return apitest.Str(c.Get("/subscriptions/" + apitest.Str(sub, "id") + "/dunning/").Expect(200)["results"].([]any)[0].(map[string]any), "id")
	},
	"/test_clocks/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/test_clocks/", map[string]any{"frozen_time": "2027-01-15T00:00:00Z"}).Expect(201), "id")
	},
	"/reminders/rules/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/reminders/rules/", map[string]any{"days": 3}).Expect(201), "id")
	},
	"/reminders/messages/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/reminders/messages/", map[string]any{"invoice": newInvoice(c, true), "recipient": []string{"a@example.com"}, "message": "Please pay."}).Expect(201), "id")
	},
	"/orders/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/orders/", map[string]any{"customer": newCustomer(c, "Scope Co"), "document": "US2", "date": "2026-06-01",
			"lines": []any{map[string]any{"name": "Box", "quantity": 1, "amount": 10}}}).Expect(201), "id")
	},
	"/creditnotes/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/creditnotes/", map[string]any{"invoice": newInvoice(c, true), "date": "2026-06-02"}).Expect(201), "id")
	},
	"/debitnotes/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/debitnotes/", map[string]any{"invoice": newInvoice(c, true), "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "Interest", "quantity": 1, "amount": 5}}}).Expect(201), "id")
	},
	"/webhooks/": func(c *apitest.Client) string {
		// a public address literal: no DNS, allowed in both modes
		return apitest.Str(c.Post("/webhooks/", map[string]any{"url": "https://203.0.113.10/hooks/cobro"}).Expect(201), "id")
	},
	// Payments (docs/payments.md)
	"/sources/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/sources/", map[string]any{"gateway": "manual"}).Expect(201), "id")
	},
	"/payments/": func(c *apitest.Client) string {
		return apitest.Str(c.Post("/payments/", map[string]any{"invoice": newInvoice(c, true), "amount": 10, "currency": "USD", "date": "2026-06-02", "description": "Scope"}).Expect(201), "id")
	},
	"/payment_links/links/": func(c *apitest.Client) string { return newLink(c) },
	"/payment_links/intents/": func(c *apitest.Client) string {
		key := apitest.Str(c.Get("/payment_links/links/"+newLink(c)+"/").Expect(200), "publishable_key")
		payer := *c
		payer.Token, payer.Workspace, payer.TestMode = "", "", false
		return apitest.Str(payer.Post("/publishable/payment_links/links/"+key+"/intents/", map[string]any{
			"payer": map[string]any{"name": "Ana", "email": "ana@example.com"},
			"card":  map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}).Expect(201), "id")
	},
	"/events/": func(c *apitest.Client) string {
		newCustomer(c, "Scope Co")
		page := c.Get("/events/?page_size=1").Expect(200)
		return apitest.Str(page["results"].([]any)[0].(map[string]any), "id")
	},
}

// newInvoice creates a US1 draft (finalized when asked).
func newInvoice(c *apitest.Client, finalized bool) string {
	inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": newCustomer(c, "Scope Co"), "document": "US1", "date": "2026-06-01",
		"lines": []any{map[string]any{"name": "Service", "quantity": 2, "amount": 50}}}).Expect(201), "id")
	if finalized {
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
	}
	return inv
}

// newLink creates a payment link (manual capture: its intents stay
// authorized). Links exist only in test mode in this version: live mode
// needs a card gateway and none is installed (docs/payments.md#45-errors).
func newLink(c *apitest.Client) string {
	return apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 10, "currency": "USD", "capture_method": "manual"}).Expect(201), "id")
}

func newProduct(c *apitest.Client) string {
	return apitest.Str(c.Post("/products/", map[string]any{"name": "Scope Cloud"}).Expect(201), "id")
}

// testOnly resources exist only in test mode (404 in live mode).
var testOnly = map[string]bool{"/test_clocks/": true}

// newSubscription subscribes a new customer to a new monthly USD plan
// starting today (licensed ×2, or metered); the first run happens at once.
func newSubscription(c *apitest.Client, metered bool) map[string]any {
	body := map[string]any{"product": newProduct(c), "name": "Pro", "description": "Plan Pro", "frequency": "monthly", "currency": "USD", "amount": 25}
	line := map[string]any{"quantity": 2}
	if metered {
		body["usage_scheme"] = "metered"
		line = map[string]any{}
	}
	line["plan"] = apitest.Str(c.Post("/plans/", body).Expect(201), "id")
	return c.Post("/subscriptions/", map[string]any{"customer": newCustomer(c, "Scope Co"), "document": "US1", "date_start": "2026-06-02",
		"lines": []any{line}}).Expect(201)
}

// ownCrossScope resources exist only in Chilean workspaces (this test's
// owner is a US one); their own tests check other workspaces and modes
// (TestCAFUploadAndFolios, TestReceiveEnvelopeByUpload, TestReceptionAnswers).
var ownCrossScope = map[string]bool{"/billers/built_in/cafs/": true, "/purchases/received/": true, "/purchases/received/answers/": true}

// testModeOnly resources cannot be created in live mode in this version.
var testModeOnly = map[string]bool{"/payment_links/links/": true, "/payment_links/intents/": true, "/dunning/": true}

// global paths hold reference data shared by every workspace.
var global = []string{"/generals/", "/frequencies/", "/providers/"}

func newCustomer(c *apitest.Client, name string) string {
	return apitest.Str(c.Post("/customers/", map[string]any{"name": name, "address": "1 Main St", "country": "US", "state": "IL", "email": "billing@example.com"}).Expect(201), "id")
}

// resourceOf maps "/customers/{id}/…" to "/customers/".
func resourceOf(path string) string {
	i := strings.Index(path, "{id}")
	return path[:i]
}

func isGlobal(path string) bool {
	for _, g := range global {
		if strings.HasPrefix(path, g) {
			return true
		}
	}
	return false
}

// TestCrossScope enumerates every registered route with an id and calls it
// from another workspace and from the other mode: 404 every time, and the
// object is untouched. Lists never show another scope's rows.
func TestCrossScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		owner := e.Workspace("US")
		stranger := e.Workspace("US")
		checked := 0
		defer func() {
			if checked < 40 { // grows with every resource
				t.Errorf("only %d id routes checked", checked)
			}
		}()
		for _, rt := range e.Server.Routes() {
			if rt.Auth != api.AuthToken || isGlobal(rt.Path) {
				continue
			}
			if !strings.Contains(rt.Path, "{id}") {
				continue
			}
			res := resourceOf(rt.Path)
			if ownCrossScope[res] {
				continue
			}
			make, ok := fixtures[res]
			if !ok {
				t.Errorf("route %s %s has no cross-scope fixture: add one for %s to fixtures", rt.Method, rt.Path, res)
				continue
			}
			checked++
			for _, mode := range []string{"live", "test"} {
				if mode == "live" && (testOnly[res] || testModeOnly[res]) {
					continue
				}
				c := owner
				if mode == "test" {
					c = owner.Test()
				}
				objID := make(c)
				path := strings.Replace(rt.Path, "{id}", objID, 1)
				before := c.Get(res + objID + "/").Expect(200)
				intruders := map[string]*apitest.Client{"other workspace": stranger, "other mode": owner}
				if mode == "test" {
					intruders["other workspace"] = stranger.Test()
				} else {
					intruders["other mode"] = owner.Test()
				}
				for who, intruder := range intruders {
					var body any
					if rt.Method != "GET" && rt.Method != "DELETE" {
						body = map[string]any{"name": "hijacked"}
					}
					r := intruder.Do(rt.Method, path, body)
					if r.Status != 404 || !apitest.JSONEqual(r.Body, []byte(`{"detail": "Not found."}`)) {
						t.Errorf("%s %s from %s (%s object): %d %s, want 404", rt.Method, rt.Path, who, mode, r.Status, r.Body)
					}
				}
				after := c.Get(res + objID + "/").Expect(200)
				delete(before, "local_file") // a signed URL, fresh on every read
				delete(after, "local_file")
				if b, a := fmt.Sprint(before), fmt.Sprint(after); b != a {
					t.Errorf("%s %s: object changed from another scope:\n%s\n%s", rt.Method, rt.Path, b, a)
				}
			}
		}
		// lists never show another scope's rows
		for res := range fixtures {
			// the owner has rows in both modes by now
			for who, intruder := range map[string]*apitest.Client{"other workspace": stranger, "other workspace, test mode": stranger.Test()} {
				if testOnly[res] && !intruder.TestMode {
					intruder.Get(res).Expect(404)
					continue
				}
				page := intruder.Get(res).Expect(200)
				if n := page["count"].(interface{ String() string }).String(); n != "0" {
					t.Errorf("GET %s from %s shows %s rows", res, who, n)
				}
			}
			if testOnly[res] {
				continue
			}
			live := owner.Get(res).Expect(200)["results"].([]any)
			for _, row := range live {
				if row.(map[string]any)["test_mode"] != false {
					t.Errorf("GET %s live list shows a test-mode row", res)
				}
			}
		}
	})
}

func TestMalformedIDsAre404(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		for _, p := range []string{"/customers/123/", "/customers/pro_tnlUbv0YSTbzmsx7oH/", "/customers/cus_short/", "/contacts/%00/", "/orgunits/org_tnlUbv0YSTbzmsx7oH/", "/customers/cus_tnlUbv0YSTbzmsx7oH/"} {
			c.Get(p).ExpectBody(404, `{"detail": "Not found."}`)
			c.Delete(p).ExpectBody(404, `{"detail": "Not found."}`)
		}
	})
}

// newPurchase creates a US5 purchase draft (finalized when asked).
func newPurchase(c *apitest.Client, finalized bool) string {
	pur := apitest.Str(c.Post("/purchases/", map[string]any{"supplier": newSupplier(c), "document": "US5", "date": "2026-06-01",
		"lines": []any{map[string]any{"name": "Parts", "quantity": 2, "amount": 50}}}).Expect(201), "id")
	if finalized {
		c.Post("/purchases/"+pur+"/finalize/", nil).Expect(200)
	}
	return pur
}

// newRetention creates a US7 retention on a finalized purchase.
func newRetention(c *apitest.Client, finalized bool) string {
	ret := apitest.Str(c.Post("/retentions/", map[string]any{"purchase": newPurchase(c, true), "document": "US7", "date": "2026-06-02",
		"lines": []any{map[string]any{"name": "Income tax withholding", "amount": 50, "retention_percent": 10}}}).Expect(201), "id")
	if finalized {
		c.Post("/retentions/"+ret+"/finalize/", nil).Expect(200)
	}
	return ret
}
