package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

const (
	cardOK           = "4242 4242 4242 4242"
	cardDeclined     = "4000 0000 0000 0002"
	cardInsufficient = "4000 0000 0000 9995"
	cardAuth         = "4000 0027 6000 3184"
)

func card(number string) map[string]any {
	return map[string]any{"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
}

// payFixture is a test-mode US workspace with a customer and a finalized
// invoice of 147.60 (docs/conventions.md#8-totals-formula's worked example).
type payFixture struct {
	c        *apitest.Client
	customer string
}

func newPayFixture(e *apitest.Env) *payFixture {
	c := e.Workspace("US").Test()
	cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Acme Test LLC", "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
	return &payFixture{c: c, customer: cus}
}

// invoice creates a US1 invoice of total (one line), finalized when asked.
func (f *payFixture) invoice(total string, finalized bool) string {
	inv := apitest.Str(f.c.Post("/invoices/", map[string]any{"customer": f.customer, "document": "US1", "date": "2026-06-02",
		"lines": []any{map[string]any{"name": "Service", "quantity": 1, "amount": total}}}).Expect(201), "id")
	if finalized {
		f.c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
	}
	return inv
}

func (f *payFixture) source(number string, reusable bool, extra ...any) string {
	body := map[string]any{"gateway": "test", "card": card(number)}
	if reusable {
		body["usage"], body["customer"] = "reusable", f.customer
	}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return apitest.Str(f.c.Post("/sources/", body).Expect(201), "id")
}

func (f *payFixture) payment(inv, amount string, extra ...any) map[string]any {
	body := map[string]any{"amount": amount, "currency": "USD", "date": "2026-06-02", "description": "Invoice payment"}
	if inv != "" {
		body["invoice"] = inv
	}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return f.c.Post("/payments/", body).Expect(201)
}

func (f *payFixture) status(path string) string {
	return apitest.Str(f.c.Get(path).Expect(200), "status")
}

func (f *payFixture) balance() string {
	agg := f.c.Get("/customers/" + f.customer + "/").Expect(200)["aggregations"].(map[string]any)
	return apitest.Num(agg["balance"])
}

func wantField(t *testing.T, m map[string]any, key, want string) {
	t.Helper()
	if got := apitest.Num(m[key]); got != want {
		t.Fatalf("%s = %s, want %s (%v)", key, got, want, m)
	}
}

// The seed's first flow: customer → invoice → finalize → charge a saved
// card with POST /payments/ → invoice paid, balance 0, events in order.
func TestPaymentChargesSavedCard(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		inv := f.invoice("147.60", true)
		if b := f.balance(); b != "147.60" {
			t.Fatalf("balance before: %s", b)
		}
		src := f.c.Post("/sources/", map[string]any{"gateway": "test", "customer": f.customer, "usage": "reusable", "card": card(cardOK)}).Expect(201)
		wantField(t, src, "status", "chargeable")
		if cd := src["card"].(map[string]any); cd["brand"] != "visa" || cd["last4"] != "4242" {
			t.Fatalf("card %v", cd)
		}
		if cl := src["client"].(map[string]any); cl["ip"] != "127.0.0.1" {
			t.Errorf("client %v", cl)
		}
		sid := apitest.Str(src, "id")
		if got := f.c.Get("/customers/" + f.customer + "/").Expect(200)["sources"].([]any); len(got) != 1 || got[0] != sid {
			t.Errorf("customer sources %v", got)
		}
		p := f.payment(inv, "147.60", "source", sid)
		wantField(t, p, "status", "succeeded")
		wantField(t, p, "balance", "0.00")
		wantField(t, p, "amount", "147.60")
		if p["payment_date"] == nil || p["source"] != sid || p["customer"].(map[string]any)["id"] != f.customer {
			t.Fatalf("payment %v", p)
		}
		if s := f.status("/invoices/" + inv + "/"); s != "paid" {
			t.Fatalf("invoice %s", s)
		}
		if b := f.balance(); b != "0.00" {
			t.Fatalf("balance after: %s", b)
		}
		// the reusable source stays chargeable
		wantField(t, f.c.Get("/sources/"+sid+"/").Expect(200), "status", "chargeable")
		// a paid invoice takes no more payments
		f.c.Post("/payments/", map[string]any{"amount": 1, "currency": "USD", "date": "2026-06-02", "description": "x", "invoice": inv}).
			ExpectBody(400, `{"invoice": ["The invoice cannot receive payments in status paid."]}`)
		// events
		evs := events(f.c)
		for _, want := range []string{"source.created", "payment.created", "payment.succeeded", "invoice.paid"} {
			if !evs[want] {
				t.Errorf("missing event %s", want)
			}
		}
		// filters
		page := f.c.Get("/payments/?status=succeeded&invoice=" + inv).Expect(200)
		wantField(t, page, "count", "1")
		page = f.c.Get("/customers/?sources=" + sid).Expect(200)
		wantField(t, page, "count", "1")
		page = f.c.Get("/customers/?sources__isnull=true").Expect(200)
		wantField(t, page, "count", "0")
		wantField(t, f.c.Get("/sources/?customer="+f.customer+"&usage=reusable").Expect(200), "count", "1")
	})
}

func events(c *apitest.Client) map[string]bool {
	out := map[string]bool{}
	for page := 1; ; page++ {
		r := c.Get(fmt.Sprintf("/events/?page_size=100&page=%d", page))
		if r.Status != 200 {
			return out
		}
		m := r.JSON()
		for _, ev := range m["results"].([]any) {
			out[apitest.Str(ev.(map[string]any), "event")] = true
		}
		if m["next"] == nil {
			return out
		}
	}
}

// Every payment status transition of docs/payments.md#34-status-machine, and the invoice
// and balance effects of docs/payments.md#35-effect-on-invoices-and-balances.
func TestPaymentTransitions(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		c := f.c

		// requires_payment_method → (authorize, declined) failed → (pay, other source) succeeded
		inv := f.invoice("100.00", true)
		p := f.payment(inv, "100.00")
		pid := apitest.Str(p, "id")
		wantField(t, p, "status", "requires_payment_method")
		wantField(t, p, "balance", "100.00")
		c.Post("/payments/"+pid+"/pay/", nil).ExpectBody(400, `{"source": ["This payment has no source to charge."]}`)
		c.Post("/payments/"+pid+"/authorize/", map[string]any{}).ExpectBody(400, `{"source": ["This field is required."]}`)
		c.Post("/payments/"+pid+"/capture/", nil).ExpectBody(400, `{"non_field_errors": ["Only processing payments can be captured."]}`)
		declined := f.source(cardDeclined, false)
		p = c.Post("/payments/"+pid+"/authorize/", map[string]any{"source": declined}).Expect(200)
		wantField(t, p, "status", "failed")
		wantField(t, p, "failed_reason", "card_declined")
		wantField(t, c.Get("/sources/"+declined+"/").Expect(200), "status", "consumed")
		c.Post("/payments/"+pid+"/pay/", map[string]any{"source": declined}).ExpectBody(400, `{"source": ["Source is not chargeable."]}`)
		poor := f.source(cardInsufficient, false)
		p = c.Post("/payments/"+pid+"/pay/", map[string]any{"source": poor}).Expect(200)
		wantField(t, p, "failed_reason", "insufficient_funds")
		if f.status("/invoices/"+inv+"/") != "finalized" || f.balance() != "100.00" {
			t.Fatalf("invoice after failures: %s, balance %s", f.status("/invoices/"+inv+"/"), f.balance())
		}
		p = c.Post("/payments/"+pid+"/pay/", map[string]any{"source": f.source(cardOK, false)}).Expect(200)
		wantField(t, p, "status", "succeeded")
		if len(p["sources"].([]any)) != 3 {
			t.Errorf("sources %v", p["sources"])
		}
		if f.status("/invoices/"+inv+"/") != "paid" || f.balance() != "0.00" {
			t.Fatalf("invoice not paid")
		}
		c.Post("/payments/"+pid+"/authorize/", map[string]any{"source": f.source(cardOK, false)}).
			ExpectBody(400, `{"non_field_errors": ["Payments with status succeeded cannot be authorized."]}`)
		c.Delete("/payments/"+pid+"/").ExpectBody(400, `{"non_field_errors": ["Only payments with status requires_payment_method, processing or failed can be deleted."]}`)

		// partial payments: two payments of 60 + 40; a single-use source capped at 25 leaves incomplete
		inv2 := f.invoice("100.00", true)
		a := f.payment(inv2, "60.00", "source", f.source(cardOK, false, "amount", 25))
		wantField(t, a, "status", "incomplete")
		wantField(t, a, "balance", "35.00")
		if f.status("/invoices/"+inv2+"/") != "finalized" || f.balance() != "75.00" {
			t.Fatalf("after partial: %s %s", f.status("/invoices/"+inv2+"/"), f.balance())
		}
		f.c.Post("/payments/", map[string]any{"amount": "40.01", "currency": "USD", "date": "2026-06-02", "description": "x", "invoice": inv2}).
			ExpectBody(400, `{"amount": ["Amount exceeds the invoice's outstanding balance (40.00)."]}`)
		a = c.Post("/payments/"+apitest.Str(a, "id")+"/pay/", map[string]any{"source": f.source(cardOK, false)}).Expect(200)
		wantField(t, a, "status", "succeeded")
		if f.status("/invoices/"+inv2+"/") != "finalized" {
			t.Fatalf("60 of 100 paid: %s", f.status("/invoices/"+inv2+"/"))
		}
		// authorize (hold) then capture
		b := f.payment(inv2, "40.00")
		bid := apitest.Str(b, "id")
		b = c.Post("/payments/"+bid+"/authorize/", map[string]any{"source": f.source(cardOK, false)}).Expect(200)
		wantField(t, b, "status", "processing")
		wantField(t, b, "balance", "40.00")
		if f.balance() != "40.00" {
			t.Fatalf("a hold collects nothing: %s", f.balance())
		}
		b = c.Get("/payments/" + bid + "/capture/").Expect(200)
		wantField(t, b, "status", "succeeded")
		wantField(t, b, "balance", "0.00")
		if f.status("/invoices/"+inv2+"/") != "paid" || f.balance() != "0.00" {
			t.Fatalf("after capture: %s %s", f.status("/invoices/"+inv2+"/"), f.balance())
		}

		// manual gateway: processing until the merchant confirms
		inv3 := f.invoice("50.00", true)
		man := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "manual", "method": "cash"}).Expect(201), "id")
		m := f.payment(inv3, "50.00", "source", man)
		wantField(t, m, "status", "processing")
		m = c.Post("/payments/"+apitest.Str(m, "id")+"/capture/", nil).Expect(200)
		wantField(t, m, "status", "succeeded")
		if f.status("/invoices/"+inv3+"/") != "paid" {
			t.Fatal("manual payment did not pay the invoice")
		}

		// recorded payment (status succeeded), any date
		inv4 := f.invoice("30.00", true)
		r := f.payment(inv4, "30.00", "status", "succeeded", "date", "2026-05-01", "payment_date", "2026-06-01T16:00:00-04:00")
		wantField(t, r, "status", "succeeded")
		if !strings.HasPrefix(apitest.Str(r, "payment_date"), "2026-06-01T16:00:00") {
			t.Errorf("payment_date %v", r["payment_date"])
		}
		if f.status("/invoices/"+inv4+"/") != "paid" {
			t.Fatal("recorded payment did not pay the invoice")
		}

		// cancellations: processing → cancelled; failed → cancelled; requires_payment_method → destroyed
		inv5 := f.invoice("20.00", true)
		h := f.payment(inv5, "20.00")
		hid := apitest.Str(h, "id")
		c.Post("/payments/"+hid+"/authorize/", map[string]any{"source": f.source(cardOK, false)}).Expect(200)
		wantField(t, c.Delete("/payments/"+hid+"/").Expect(200), "status", "cancelled")
		c.Post("/payments/"+hid+"/pay/", map[string]any{"source": f.source(cardOK, false)}).
			ExpectBody(400, `{"non_field_errors": ["Payments with status cancelled cannot be paid."]}`)
		c.Patch("/payments/"+hid+"/", map[string]any{"description": "x"}).ExpectBody(400, `{"non_field_errors": ["Cancelled payments cannot be updated."]}`)
		fl := f.payment(inv5, "20.00", "source", f.source(cardDeclined, false))
		wantField(t, fl, "status", "failed")
		wantField(t, c.Delete("/payments/"+apitest.Str(fl, "id")+"/").Expect(200), "status", "cancelled")
		d := f.payment(inv5, "20.00")
		if r := c.Delete("/payments/" + apitest.Str(d, "id") + "/"); r.Status != 204 {
			t.Fatalf("destroy: %d %s", r.Status, r.Body)
		}
		c.Get("/payments/" + apitest.Str(d, "id") + "/").Expect(404)
		// a failed payment that captured part of its amount keeps it and cannot be cancelled
		part := f.payment(inv5, "20.00", "sources", []any{f.source(cardOK, false, "amount", 5), f.source(cardDeclined, false)})
		wantField(t, part, "status", "incomplete")
		part = c.Post("/payments/"+apitest.Str(part, "id")+"/pay/", map[string]any{"source": f.source(cardDeclined, false)}).Expect(200)
		wantField(t, part, "status", "failed")
		wantField(t, part, "balance", "15.00")
		c.Delete("/payments/"+apitest.Str(part, "id")+"/").ExpectBody(400, `{"non_field_errors": ["Payments with captured money cannot be cancelled."]}`)
		if f.balance() != "15.00" {
			t.Fatalf("balance with a partly captured failed payment: %s", f.balance())
		}

		// a hold not captured within 7 days expires at the capture attempt
		inv6 := f.invoice("10.00", true)
		x := f.payment(inv6, "10.00")
		c.Post("/payments/"+apitest.Str(x, "id")+"/authorize/", map[string]any{"source": f.source(cardOK, false)}).Expect(200)
		e.Clock.Advance(8 * 24 * 3600 * 1e9)
		x = c.Post("/payments/"+apitest.Str(x, "id")+"/capture/", nil).Expect(200)
		if x["status"] != "failed" || x["failed_reason"] != "expired_authorization" {
			t.Fatalf("expired hold %v", x)
		}
		if f.status("/invoices/"+inv6+"/") != "finalized" {
			t.Fatal("expired hold changed the invoice")
		}
	})
}

// A draft invoice with a payment is pending; cancelling every payment
// returns it to draft; a covering payment finalizes it and makes it paid.
func TestPaymentPendingInvoice(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		c := f.c
		inv := f.invoice("80.00", false)
		p := f.payment(inv, "80.00")
		if f.status("/invoices/"+inv+"/") != "pending" {
			t.Fatal("not pending")
		}
		c.Post("/invoices/"+inv+"/finalize/", nil).
			ExpectBody(400, `{"non_field_errors": ["All payments of a pending invoice must be succeeded before it can be finalized."]}`)
		c.Delete("/payments/" + apitest.Str(p, "id") + "/")
		if f.status("/invoices/"+inv+"/") != "draft" {
			t.Fatal("not back to draft")
		}
		// charged and failed: stays pending; retried with a good card: finalized and paid
		fl := f.payment(inv, "80.00", "source", f.source(cardDeclined, true))
		wantField(t, fl, "status", "failed")
		if f.status("/invoices/"+inv+"/") != "pending" {
			t.Fatal("failed payment: not pending")
		}
		ok := c.Post("/payments/"+apitest.Str(fl, "id")+"/pay/", map[string]any{"source": f.source(cardOK, true)}).Expect(200)
		wantField(t, ok, "status", "succeeded")
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		if got["status"] != "paid" || got["number"] == nil {
			t.Fatalf("invoice %v %v", got["status"], got["number"])
		}
		if f.balance() != "0.00" {
			t.Fatalf("balance %s", f.balance())
		}
	})
}

// Every refusal of docs/payments.md#25-errors and docs/payments.md#38-errors.
func TestPaymentRefusals(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		c := f.c
		live := e.Workspace("US")
		// sources
		c.Post("/sources/", map[string]any{}).ExpectBody(400, `{"gateway": ["This field is required."]}`)
		c.Post("/sources/", map[string]any{"gateway": "stripe"}).ExpectBody(400, `{"gateway": ["Invalid pk \"stripe\" - object does not exist."]}`)
		live.Post("/sources/", map[string]any{"gateway": "test", "card": card(cardOK)}).ExpectBody(400, `{"gateway": ["The test gateway is only available in test mode."]}`)
		c.Post("/sources/", map[string]any{"gateway": "test", "usage": "reusable", "card": card(cardOK)}).ExpectBody(400, `{"customer": ["Required for reusable sources."]}`)
		c.Post("/sources/", map[string]any{"gateway": "manual", "usage": "reusable", "customer": f.customer}).ExpectBody(400, `{"usage": ["The manual gateway only supports single-use sources."]}`)
		c.Post("/sources/", map[string]any{"gateway": "test"}).ExpectBody(400, `{"card": ["This field is required."]}`)
		c.Post("/sources/", map[string]any{"gateway": "manual", "card": card(cardOK)}).ExpectBody(400, `{"card": ["This gateway does not take card data."]}`)
		c.Post("/sources/", map[string]any{"gateway": "test", "usage": "reusable", "customer": f.customer, "amount": 5, "card": card(cardOK)}).
			ExpectBody(400, `{"amount": ["Only single-use sources have an amount."]}`)
		c.Post("/sources/", map[string]any{"gateway": "test", "card": map[string]any{"number": "4242 4242 4242 4241", "exp_month": 13, "exp_year": 2030, "cvc": "12"}}).
			ExpectBody(400, `{"card": {"number": ["Invalid card number."], "exp_month": ["Ensure this value is less than or equal to 12."], "cvc": ["Invalid security code."]}}`)
		c.Post("/sources/", map[string]any{"gateway": "test", "card": map[string]any{"number": cardOK, "exp_month": 5, "exp_year": 2026, "cvc": "123"}}).
			ExpectBody(400, `{"card": {"exp_year": ["The card has expired."]}}`)
		e.Anonymous().Post("/sources/", map[string]any{"gateway": "test", "card": card(cardOK)}).
			ExpectBody(401, `{"detail": "Authentication credentials were not provided."}`)
		c.Patch("/sources/"+f.source(cardOK, false)+"/", map[string]any{}).Expect(405)
		sid := f.source(cardOK, false)
		wantField(t, c.Delete("/sources/"+sid+"/").Expect(200), "status", "finalized")
		c.Delete("/sources/"+sid+"/").ExpectBody(400, `{"non_field_errors": ["Source is already finalized."]}`)
		// payments
		inv := f.invoice("147.60", true)
		base := func(kv ...any) map[string]any {
			m := map[string]any{"amount": "10.00", "currency": "USD", "date": "2026-06-02", "description": "x", "invoice": inv}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
				} else {
					m[kv[i].(string)] = kv[i+1]
				}
			}
			return m
		}
		c.Post("/payments/", base("description", nil)).ExpectBody(400, `{"description": ["This field is required."]}`)
		c.Post("/payments/", base("amount", 0)).ExpectBody(400, `{"amount": ["Ensure this value is greater than 0."]}`)
		c.Post("/payments/", base("date", "2026-06-01")).ExpectBody(400, `{"date": ["Date must be today or later."]}`)
		c.Post("/payments/", base("currency", "CLP")).ExpectBody(400, `{"currency": ["Must equal the invoice currency (USD)."]}`)
		c.Post("/payments/", base("amount", "147.61")).ExpectBody(400, `{"amount": ["Amount exceeds the invoice's outstanding balance (147.60)."]}`)
		other := apitest.Str(c.Post("/customers/", map[string]any{"name": "Other", "address": "x", "country": "US", "state": "IL"}).Expect(201), "id")
		c.Post("/payments/", base("customer", other)).ExpectBody(400, `{"customer": ["Must be the invoice's customer."]}`)
		consumed := f.source(cardDeclined, false)
		f.payment("", "1.00", "source", consumed)
		c.Post("/payments/", base("source", consumed)).ExpectBody(400, `{"source": ["Source is not chargeable."]}`)
		otherSrc := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "usage": "reusable", "customer": other, "card": card(cardOK)}).Expect(201), "id")
		c.Post("/payments/", base("source", otherSrc)).ExpectBody(400, `{"source": ["Source belongs to another customer."]}`)
		c.Post("/payments/", base("status", "processing")).ExpectBody(400, `{"status": ["Only requires_payment_method or succeeded can be set on create."]}`)
		c.Post("/payments/", base("status", "succeeded", "source", f.source(cardOK, false))).ExpectBody(400, `{"status": ["Recorded payments cannot use a card source."]}`)
		c.Post("/payments/", base("invoice", "inv_tnlUbv0YSTbzmsx7oH")).ExpectBody(400, `{"invoice": ["Invalid pk \"inv_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`)
		// publishable calls need enable_checkout
		p := f.payment(inv, "10.00")
		e.Anonymous().Post("/payments/"+apitest.Str(p, "id")+"/pay/", nil).ExpectBody(404, `{"detail": "Not found."}`)
		e.Anonymous().Post("/sources/", map[string]any{"gateway": "test", "payment": apitest.Str(p, "id"), "card": card(cardOK)}).ExpectBody(404, `{"detail": "Not found."}`)
		// updates
		c.Patch("/payments/"+apitest.Str(p, "id")+"/", map[string]any{"amount": "12.00", "metadata": map[string]any{"k": "v"}}).Expect(200)
		c.Patch("/payments/"+apitest.Str(p, "id")+"/", map[string]any{"status": "succeeded"}).Expect(400)
	})
}

// A payer completes a checkout-enabled payment from the browser side:
// publishable source bound to the payment, then publishable pay.
func TestPaymentPublishableCheckout(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		inv := f.invoice("25.00", true)
		p := f.payment(inv, "25.00", "enable_checkout", true)
		pid := apitest.Str(p, "id")
		anon := e.Anonymous()
		// another payment's sources are refused to a payer
		foreign := f.source(cardOK, false)
		anon.Post("/payments/"+pid+"/pay/", map[string]any{"source": foreign}).
			ExpectBody(400, fmt.Sprintf(`{"source": ["Invalid pk \"%s\" - object does not exist."]}`, foreign))
		src := anon.Post("/sources/", map[string]any{"gateway": "test", "payment": pid, "card": card(cardOK)}).Expect(201)
		if src["customer"].(map[string]any)["id"] != f.customer {
			t.Fatalf("publishable source customer %v", src["customer"])
		}
		got := anon.Post("/payments/"+pid+"/pay/", map[string]any{"source": apitest.Str(src, "id")}).Expect(200)
		wantField(t, got, "status", "succeeded")
		if f.status("/invoices/"+inv+"/") != "paid" {
			t.Fatal("not paid")
		}
	})
}

// The simulated authentication of the test gateway (docs/payments.md#12-simulated-authentication-test-gateway).
func TestSourceAuthentication(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		src := f.c.Post("/sources/", map[string]any{"gateway": "test", "card": card(cardAuth), "return_url": "https://shop.example.com/back"}).Expect(201)
		wantField(t, src, "status", "requires_authorization")
		sid := apitest.Str(src, "id")
		url := src["gateway_data"].(map[string]any)["redirect_url"].(string)
		if !strings.HasSuffix(url, "/publishable/gateways/test/authenticate/"+sid+"/") {
			t.Fatalf("redirect_url %s", url)
		}
		path := "/publishable/gateways/test/authenticate/" + sid + "/"
		anon := e.Anonymous()
		page := anon.Get(path)
		if page.Status != 200 || !strings.Contains(string(page.Body), "Approve") || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("page %d %s", page.Status, page.Body)
		}
		wantField(t, f.c.Get("/sources/"+sid+"/").Expect(200), "status", "waiting_authorization")
		// a cross-site form post is refused
		anon.Do("POST", path, "outcome=approve", "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site").Expect(403)
		anon.Post(path, map[string]any{"outcome": "approve"}).ExpectBody(200, fmt.Sprintf(`{"id": "%s", "status": "chargeable"}`, sid))
		anon.Post(path, map[string]any{"outcome": "approve"}).ExpectBody(400, `{"non_field_errors": ["This source is not waiting for authentication."]}`)
		// deny by form → 303 to return_url; 30 minutes without outcome → failed
		s2 := f.source(cardAuth, false, "return_url", e.URL+"/healthz")
		r := anon.Do("POST", "/publishable/gateways/test/authenticate/"+s2+"/", "outcome=deny", "Content-Type", "application/x-www-form-urlencoded")
		if r.Status != 200 || !strings.Contains(string(r.Body), `"ok"`) { // the 303 was followed to return_url
			t.Fatalf("form deny: %d %s", r.Status, r.Body)
		}
		wantField(t, f.c.Get("/sources/"+s2+"/").Expect(200), "status", "failed")
		s3 := f.source(cardAuth, false)
		e.Clock.Advance(31 * 60 * 1e9)
		wantField(t, f.c.Get("/sources/"+s3+"/").Expect(200), "status", "failed")
		anon.Post("/publishable/gateways/test/authenticate/"+s3+"/", map[string]any{"outcome": "approve"}).
			ExpectBody(400, `{"non_field_errors": ["This source is not waiting for authentication."]}`)
	})
}

// Double submission never charges twice: 32 simultaneous attempts to
// charge one invoice (distinct requests and one retried key) → one
// capture, the invoice paid once.
func TestPaymentConcurrentCharges(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		inv := f.invoice("99.00", true)
		src := f.source(cardOK, true)
		const n = 32
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := map[string]any{"amount": "99.00", "currency": "USD", "date": "2026-06-02", "description": "Double click", "invoice": inv, "source": src}
				statuses[i] = f.c.Do("POST", "/payments/", body).Status
			}(i)
		}
		wg.Wait()
		created := 0
		for _, st := range statuses {
			switch st {
			case 201:
				created++
			case 400:
			default:
				t.Errorf("status %d", st)
			}
		}
		if created != 1 {
			t.Fatalf("%d payments created, want 1 (%v)", created, statuses)
		}
		var captures int
		if err := e.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM payment_charges c JOIN payments p ON p.id = c.payment_id
			WHERE p.invoice_id = $1 AND c.status = 'succeeded'`, inv).Scan(&captures); err != nil {
			t.Fatal(err)
		}
		if captures != 1 {
			t.Fatalf("%d captures", captures)
		}
		if f.status("/invoices/"+inv+"/") != "paid" || f.balance() != "0.00" {
			t.Fatal("invoice not paid once")
		}

		// 32 pay attempts on one payment, half with one retried Idempotency-Key
		inv2 := f.invoice("50.00", true)
		pid := apitest.Str(f.payment(inv2, "50.00"), "id")
		ok := make([]int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var hdr []string
				if i%2 == 0 {
					hdr = []string{"Idempotency-Key", "pay-" + pid}
				}
				r := f.c.Do("POST", "/payments/"+pid+"/pay/", map[string]any{"source": src}, hdr...)
				if r.Status == 200 && r.Header.Get("Idempotent-Replayed") == "" && r.JSON()["status"] == "succeeded" {
					ok[i] = 1
				} else if r.Status != 200 && r.Status != 400 && r.Status != 409 {
					t.Errorf("pay: %d %s", r.Status, r.Body)
				}
			}(i)
		}
		wg.Wait()
		charged := 0
		for _, v := range ok {
			charged += v
		}
		if charged != 1 {
			t.Fatalf("%d pay attempts charged, want 1", charged)
		}
		if err := e.DB.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM payment_charges WHERE payment_id = $1`, pid).Scan(&captures); err != nil {
			t.Fatal(err)
		}
		if captures != 1 {
			t.Fatalf("%d gateway charges on one payment", captures)
		}
		if f.status("/invoices/"+inv2+"/") != "paid" {
			t.Fatal("second invoice not paid")
		}
	})
}

func TestProviders(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("US")
	c.Get("/providers/").ExpectBody(200, `{"count": 2, "next": null, "previous": null, "results": [
		{"id": "manual", "name": "Manual", "kind": "offline", "usage": ["single"], "modes": ["test", "live"], "checkout": "",
			"configured": true, "default": false, "settings": {}, "secrets": [], "fields": []},
		{"id": "test", "name": "Test gateway", "kind": "card", "usage": ["single", "reusable"], "modes": ["test"], "checkout": "card_form",
			"configured": false, "default": false, "settings": {}, "secrets": [], "fields": []}]}`)
	c.Test().Get("/providers/test/").ExpectBody(200, `{"id": "test", "name": "Test gateway", "kind": "card", "usage": ["single", "reusable"], "modes": ["test"],
		"checkout": "card_form", "configured": true, "default": false, "settings": {}, "secrets": [], "fields": []}`)
	c.Get("/providers/stripe/").Expect(404)
}

// Amounts take the currency's scale (docs/conventions.md#7-data-types): no decimals in CLP.
func TestPaymentAmountScale(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		c.Post("/payments/", map[string]any{"amount": "9990.50", "currency": "CLP", "date": "2026-06-02", "description": "x", "status": "succeeded"}).
			ExpectBody(400, `{"amount": ["Ensure that there are no more than 0 decimal places."]}`)
		c.Post("/payments/", map[string]any{"amount": "9990.00", "currency": "CLP", "date": "2026-06-02", "description": "x", "status": "succeeded"}).Expect(201)
		c.Post("/payment_links/links/", map[string]any{"amount": "9990.5", "currency": "CLP"}).
			ExpectBody(400, `{"amount": ["Ensure that there are no more than 0 decimal places."]}`)
		c.Post("/payments/", map[string]any{"amount": "10.55", "currency": "USD", "date": "2026-06-02", "description": "x", "status": "succeeded"}).Expect(201)
	})
}
