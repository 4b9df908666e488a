package api_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/gateway/stripe/stripetest"
	"github.com/stripe/stripe-go/v82/webhook"
)

// stripeProxyEach runs fn on both databases, each against its own proxy
// (stripetest.Proxy: ids, PaymentIntent states, a request log) in front
// of one stripe-mock with patched fixtures.
func stripeProxyEach(t *testing.T, patch func(stripetest.Resources), fn func(t *testing.T, e *apitest.Env, px *stripetest.Proxy)) {
	base := stripetest.StartWith(t, patch)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			px := stripetest.NewProxy(t, base)
			e := apitest.NewWith(t, dialect, func(c *app.Config) { c.StripeBaseURL = px.URL })
			fn(t, e, px)
		})
	}
}

// stripeHook sends Stripe webhooks, signed with the workspace's signing
// secret, to the workspace's test-mode endpoint.
type stripeHook struct {
	t     *testing.T
	payer *apitest.Client
	path  string
}

func newStripeHook(t *testing.T, e *apitest.Env, c *apitest.Client) *stripeHook {
	return &stripeHook{t: t, payer: e.Anonymous(), path: "/publishable/gateways/stripe/webhooks/" + c.Workspace + "/test/"}
}

// send posts the event id of type typ about object and returns the
// endpoint's answer.
func (h *stripeHook) send(id, typ string, object map[string]any) map[string]any {
	h.t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": "2025-08-27.basil", "type": typ, "livemode": false,
		"created": 1764770000, "data": map[string]any{"object": object}})
	if err != nil {
		h.t.Fatal(err)
	}
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: stripeWebhook, Timestamp: time.Now()}).Header
	return h.payer.Do("POST", h.path, body, "Stripe-Signature", sig).Expect(200)
}

// intentObject is a PaymentIntent as a webhook carries it.
func intentObject(id, status string, amount int64, extra ...any) map[string]any {
	o := map[string]any{"id": id, "object": "payment_intent", "status": status, "amount": amount, "currency": "usd"}
	for i := 0; i+1 < len(extra); i += 2 {
		o[extra[i].(string)] = extra[i+1]
	}
	return o
}

// refundObject is a Stripe refund as a webhook carries it.
func refundObject(id, intent, status string, amount int64) map[string]any {
	return map[string]any{"id": id, "object": "refund", "payment_intent": intent, "status": status, "amount": amount, "currency": "usd"}
}

// eventResult is what Cobro recorded having done with a webhook event.
func eventResult(t *testing.T, e *apitest.Env, eventID string) string {
	t.Helper()
	var result *string
	if err := e.DB.QueryRowContext(context.Background(), `SELECT result FROM gateway_events WHERE event_id = $1`, eventID).Scan(&result); err != nil {
		t.Fatal(err)
	}
	if result == nil {
		return ""
	}
	return *result
}

// savedStripeCard saves pm_card_visa for the fixture's customer.
func savedStripeCard(f *payFixture) string {
	return apitest.Str(f.c.Post("/sources/", map[string]any{"gateway": "stripe", "usage": "reusable", "customer": f.customer, "payment_method": "pm_card_visa"}).Expect(201), "id")
}

// processingFixture is a workspace with Stripe configured, a customer with
// a saved card, and Stripe answering "processing" to every charge.
func processingFixture(t *testing.T, e *apitest.Env, px *stripetest.Proxy) (*payFixture, *stripeHook, string) {
	f := newPayFixture(e)
	configureStripe(f.c)
	card := savedStripeCard(f)
	px.OnCreate(map[string]any{"status": "processing", "next_action": nil, "last_payment_error": nil})
	return f, newStripeHook(t, e, f.c), card
}

// capturedAtStripe checks how many times the intent was captured.
func capturedAtStripe(t *testing.T, px *stripetest.Proxy, intent string, want int) {
	t.Helper()
	if n := px.Count("POST", "/v1/payment_intents/"+intent+"/capture"); n != want {
		t.Fatalf("intent %s captured %d times at Stripe, want %d", intent, n, want)
	}
}

// A payment Stripe finishes later (processing) is settled by the
// PaymentIntent webhooks, from the signed event's amount, once.
func TestStripeWebhooksSettleProcessingPayments(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		f, hook, card := processingFixture(t, e, px)
		processing := func(total string) (string, string, string) {
			inv := f.invoice(total, true)
			p := f.payment(inv, total, "source", card)
			wantField(t, p, "status", "processing")
			intents := px.Intents()
			return apitest.Str(p, "id"), inv, intents[len(intents)-1]
		}

		pid, inv, pi := processing("147.60")
		// an amount other than the payment's is recorded, not applied
		hook.send("evt_short", "payment_intent.succeeded", intentObject(pi, "succeeded", 10000, "amount_received", 10000))
		if r := eventResult(t, e, "evt_short"); r != "amount_mismatch" {
			t.Fatalf("short event: result %q", r)
		}
		hook.send("evt_eur", "payment_intent.succeeded", intentObject(pi, "succeeded", 14760, "amount_received", 14760, "currency", "eur"))
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "status", "processing")
		// the payer is still authenticating: nothing is decided
		hook.send("evt_action", "payment_intent.requires_action", intentObject(pi, "requires_action", 14760))
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "status", "processing")

		ok := intentObject(pi, "succeeded", 14760, "amount_received", 14760)
		wantJSON(t, hook.send("evt_ok", "payment_intent.succeeded", ok), `{"duplicate":false,"id":"evt_ok"}`)
		got := f.c.Get("/payments/" + pid + "/").Expect(200)
		wantField(t, got, "status", "succeeded")
		wantField(t, got, "balance", "0.00")
		if got["payment_date"] == nil {
			t.Fatalf("no payment_date: %v", got)
		}
		wantField(t, f.c.Get("/invoices/"+inv+"/").Expect(200), "status", "paid")
		if b := f.balance(); b != "0.00" {
			t.Fatalf("customer balance %s", b)
		}
		if !events(f.c)["payment.succeeded"] {
			t.Fatal("no payment.succeeded event")
		}
		// resent, or sent again under another id: one transition only
		wantJSON(t, hook.send("evt_ok", "payment_intent.succeeded", ok), `{"duplicate":true,"id":"evt_ok"}`)
		hook.send("evt_ok2", "payment_intent.succeeded", ok)
		var captures int
		if err := e.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM payment_charges WHERE payment_id = $1 AND kind = 'capture'`, pid).Scan(&captures); err != nil || captures != 1 {
			t.Fatalf("%d captures recorded (%v), want 1", captures, err)
		}

		// declined or cancelled at Stripe: the payment fails with the reason
		pid, _, pi = processing("20.00")
		hook.send("evt_declined", "payment_intent.payment_failed", intentObject(pi, "requires_payment_method", 2000,
			"last_payment_error", map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}))
		got = f.c.Get("/payments/" + pid + "/").Expect(200)
		wantField(t, got, "status", "failed")
		wantField(t, got, "failed_reason", "insufficient_funds")
		pid, _, pi = processing("21.00")
		hook.send("evt_canceled", "payment_intent.canceled", intentObject(pi, "canceled", 2100, "cancellation_reason", "abandoned"))
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "status", "failed")

		// held for capture at Stripe: Cobro captures it, once
		pid, _, pi = processing("22.00")
		hook.send("evt_held", "payment_intent.amount_capturable_updated", intentObject(pi, "requires_capture", 2200, "amount_capturable", 2200))
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "status", "succeeded")
		capturedAtStripe(t, px, pi, 1)
	})
}

// A webhook and the merchant's synchronous capture of the same processing
// payment: exactly one of them settles it.
func TestStripeWebhookRacesCapture(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		f, hook, card := processingFixture(t, e, px)
		for i := range 4 {
			p := f.payment("", "30.00", "customer", f.customer, "source", card)
			pid, intents := apitest.Str(p, "id"), px.Intents()
			pi := intents[len(intents)-1]
			var wg sync.WaitGroup
			var capture *apitest.Resp
			wg.Add(2)
			go func() {
				defer wg.Done()
				capture = f.c.Post("/payments/"+pid+"/capture/", nil)
			}()
			go func() {
				defer wg.Done()
				hook.send("evt_race_"+string(rune('a'+i)), "payment_intent.succeeded", intentObject(pi, "succeeded", 3000, "amount_received", 3000))
			}()
			wg.Wait()
			if capture.Status != 200 && capture.Status != 400 {
				t.Fatalf("capture: %d %s", capture.Status, capture.Body)
			}
			got := f.c.Get("/payments/" + pid + "/").Expect(200)
			wantField(t, got, "status", "succeeded")
			wantField(t, got, "balance", "0.00")
			var captures int
			if err := e.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM payment_charges WHERE payment_id = $1 AND kind = 'capture' AND status = 'succeeded'`,
				pid).Scan(&captures); err != nil || captures != 1 {
				t.Fatalf("%d captures recorded (%v), want 1", captures, err)
			}
		}
	})
}

// refundsAsked are the refunds the adapter asked of Stripe: the intent
// and the amount in minor units.
func refundsAsked(px *stripetest.Proxy) []string {
	var out []string
	for _, r := range px.Requests() {
		if r.Method == "POST" && r.Path == "/v1/refunds" {
			out = append(out, r.Form.Get("payment_intent")+" "+r.Form.Get("amount"))
		}
	}
	return out
}

// POST /payments/{id}/refund/ of a Stripe payment, partial then full:
// Stripe is asked for each amount on the payment's intent; the payment,
// invoice and customer's balance follow.
func TestStripeRefundThroughAPI(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		f := newPayFixture(e)
		configureStripe(f.c)
		inv := f.invoice("147.60", true)
		pid := apitest.Str(f.payment(inv, "147.60", "source", savedStripeCard(f)), "id")
		pi := px.Intents()[0]
		refund := func(body map[string]any) map[string]any {
			return f.c.Post("/payments/"+pid+"/refund/", body).Expect(201)
		}
		r := refund(map[string]any{"amount": "47.60", "reason": "requested_by_customer"})
		wantField(t, r, "status", "succeeded")
		wantField(t, r, "amount", "47.60")
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "amount_refunded", "47.60")
		wantField(t, f.c.Get("/invoices/"+inv+"/").Expect(200), "status", "finalized")
		if b := f.balance(); b != "47.60" {
			t.Fatalf("balance after a partial refund: %s", b)
		}
		wantField(t, refund(map[string]any{}), "amount", "100.00")
		got := f.c.Get("/payments/" + pid + "/").Expect(200)
		wantField(t, got, "amount_refunded", "147.60")
		if len(got["refunds"].([]any)) != 2 {
			t.Fatalf("refunds %v", got["refunds"])
		}
		if b := f.balance(); b != "147.60" {
			t.Fatalf("balance after a full refund: %s", b)
		}
		f.c.Post("/payments/"+pid+"/refund/", map[string]any{}).ExpectBody(400, `{"non_field_errors": ["This payment has nothing left to refund."]}`)
		wantJSON(t, refundsAsked(px), `["`+pi+` 4760","`+pi+` 10000"]`)
		if !events(f.c)["payment.refunded"] {
			t.Fatal("no payment.refunded event")
		}
	})
}

// Refund webhooks: a refund made in Stripe's dashboard is recorded, never
// beyond what was captured; one Cobro asked for that Stripe reports
// failed is reverted; a pending one settles; replays do nothing.
func TestStripeRefundWebhooks(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		f := newPayFixture(e)
		configureStripe(f.c)
		hook := newStripeHook(t, e, f.c)
		inv := f.invoice("100.00", true)
		pid := apitest.Str(f.payment(inv, "100.00", "source", savedStripeCard(f)), "id")
		pi := px.Intents()[0]
		refunded := func(want string) map[string]any {
			t.Helper()
			got := f.c.Get("/payments/" + pid + "/").Expect(200)
			wantField(t, got, "amount_refunded", want)
			if b := f.balance(); b != want {
				t.Fatalf("customer balance %s, want %s", b, want)
			}
			return got
		}

		// made in Stripe's dashboard: recorded as a refund of the payment
		dash := refundObject("re_dash1", pi, "succeeded", 2000)
		wantJSON(t, hook.send("evt_r1", "refund.created", dash), `{"duplicate":false,"id":"evt_r1"}`)
		got := refunded("20.00")
		rs := got["refunds"].([]any)
		if len(rs) != 1 || apitest.Str(rs[0].(map[string]any), "status") != "succeeded" {
			t.Fatalf("refunds %v", rs)
		}
		wantField(t, f.c.Get("/invoices/"+inv+"/").Expect(200), "status", "finalized")
		// replayed, or reported again by other events: recorded once
		wantJSON(t, hook.send("evt_r1", "refund.created", dash), `{"duplicate":true,"id":"evt_r1"}`)
		hook.send("evt_r2", "refund.updated", dash)
		hook.send("evt_r3", "charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "payment_intent": pi, "currency": "usd",
			"amount": 10000, "amount_captured": 10000, "amount_refunded": 5000, "refunded": false,
			"refunds": map[string]any{"object": "list", "data": []any{dash, refundObject("re_dash2", pi, "succeeded", 3000)}}})
		refunded("50.00")
		// more than is left of the capture: not recorded
		hook.send("evt_big", "refund.created", refundObject("re_big", pi, "succeeded", 6000))
		if r := eventResult(t, e, "evt_big"); r != "refund_exceeds_captured" {
			t.Fatalf("big refund: result %q", r)
		}
		refunded("50.00")

		// pending at Stripe: counted, then settled by refund.updated
		hook.send("evt_p1", "refund.created", refundObject("re_pending", pi, "pending", 500))
		refunded("55.00")
		before := countOf(eventOrder(f.c), "payment.refunded")
		hook.send("evt_p2", "refund.updated", refundObject("re_pending", pi, "succeeded", 500))
		if after := countOf(eventOrder(f.c), "payment.refunded"); after != before+1 {
			t.Fatalf("payment.refunded events %d → %d", before, after)
		}

		// asked by Cobro, then reported failed by Stripe: given back to the payment
		mine := f.c.Post("/payments/"+pid+"/refund/", map[string]any{"amount": "10.00"}).Expect(201)
		refunded("65.00")
		asked := refundsAsked(px)
		if len(asked) != 1 {
			t.Fatalf("refunds asked of Stripe: %v", asked)
		}
		var reID string
		for _, r := range px.Requests() {
			if r.Path == "/v1/refunds" {
				reID = r.Created
			}
		}
		hook.send("evt_f1", "refund.failed", refundObject(reID, pi, "failed", 1000))
		refunded("55.00")
		for _, r := range f.c.Get("/payments/" + pid + "/").Expect(200)["refunds"].([]any) {
			if m := r.(map[string]any); m["id"] == mine["id"] && (m["status"] != "failed" || m["failed_reason"] != "gateway_error") {
				t.Fatalf("failed refund %v", m)
			}
		}
		hook.send("evt_f2", "refund.updated", refundObject(reID, pi, "failed", 1000))
		refunded("55.00")
		wantField(t, f.c.Get("/invoices/"+inv+"/").Expect(200), "status", "finalized")
	})
}

func countOf(names []string, name string) int {
	n := 0
	for _, x := range names {
		if x == name {
			n++
		}
	}
	return n
}

// 3-D Secure on a payment link, with Stripe's state kept by the proxy:
// the intent waits (requires_action), the payer authenticates at Stripe
// and comes back, and Cobro reads the intent (now held), captures and
// finalizes; a refused authentication fails the intent.
func TestStripe3DSecureReturn(t *testing.T) {
	const acs = "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1"
	stripeProxyEach(t, nil, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		px.OnCreate(stripetest.RequiresAction(acs))
		c, payer, path := stripeLink(e)
		pay := func(approve bool) (map[string]any, string) {
			in := payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_threeDSecure2Required"}).Expect(201)
			wantField(t, in, "status", "requires_authentication")
			intents := px.Intents()
			pi := intents[len(intents)-1]
			px.Authenticate(pi, approve)
			if r := payer.Get("/publishable/gateways/stripe/return/" + apitest.Str(in, "source") + "/?payment_intent=" + pi + "&redirect_status=succeeded"); r.Status != 200 && r.Status != 303 {
				t.Fatalf("return: %d %s", r.Status, r.Body)
			}
			return payer.Get(path + "intents/" + apitest.Str(in, "id") + "/").Expect(200), pi
		}
		ok, pi := pay(true)
		wantField(t, ok, "status", "finalized")
		inv := c.Get("/invoices/" + apitest.Str(ok, "invoice") + "/").Expect(200)
		wantField(t, inv, "status", "paid")
		wantField(t, inv, "total", "25.00")
		capturedAtStripe(t, px, pi, 1)
		refused, pi := pay(false)
		wantField(t, refused, "status", "failed")
		wantField(t, refused, "failed_reason", "authentication_failed")
		capturedAtStripe(t, px, pi, 0)
	})
}

// Every card a customer saves goes to one Stripe customer, made once
// even when the cards are saved concurrently, and the charges of those
// cards name it.
func TestStripeCustomerReused(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		f := newPayFixture(e)
		configureStripe(f.c)
		body := map[string]any{"gateway": "stripe", "usage": "reusable", "customer": f.customer, "payment_method": "pm_card_visa"}
		statuses := make([]int, 4)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func() { defer wg.Done(); statuses[i] = f.c.Post("/sources/", body).Status }()
		}
		wg.Wait()
		wantJSON(t, statuses, `[201,201,201,201]`)
		card := savedStripeCard(f)
		other := apitest.Str(f.c.Post("/customers/", map[string]any{"name": "Other LLC", "address": "2 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
		f.c.Post("/sources/", map[string]any{"gateway": "stripe", "usage": "reusable", "customer": other, "payment_method": "pm_card_visa"}).Expect(201)
		wantField(t, f.payment("", "10.00", "customer", f.customer, "source", card), "status", "succeeded")

		setups, keys := map[string]int{}, map[string]bool{}
		for _, r := range px.Requests() {
			switch r.Path {
			case "/v1/setup_intents":
				setups[r.Form.Get("customer")]++
			case "/v1/customers":
				keys[r.IdempotencyKey] = true
			}
		}
		var mine string
		for cus, n := range setups {
			if n == 5 {
				mine = cus
			}
		}
		if len(setups) != 2 || mine == "" {
			t.Fatalf("SetupIntents per Stripe customer: %v, want 5 for one and 1 for the other", setups)
		}
		// concurrent saves may each ask; they share the customer's idempotency key
		if !keys["cobro-customer-"+f.customer] || !keys["cobro-customer-"+other] || len(keys) != 2 {
			t.Fatalf("customer creations by idempotency key: %v", keys)
		}
		intents := px.Requests()
		last := ""
		for _, r := range intents {
			if r.Path == "/v1/payment_intents" {
				last = r.Form.Get("customer")
			}
		}
		if last != mine {
			t.Fatalf("the saved card was charged on Stripe customer %q, want %q", last, mine)
		}
	})
}

// An authorization Stripe reports held later (amount_capturable_updated)
// stays held: only POST …/capture/ collects it. A pay left pending is
// captured by the same event (TestStripeWebhooksSettleProcessingPayments).
func TestStripeHeldAuthorizationWaitsForCapture(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		f, hook, card := processingFixture(t, e, px)
		inv := f.invoice("40.00", true)
		pid := apitest.Str(f.payment(inv, "40.00"), "id")
		wantField(t, f.c.Post("/payments/"+pid+"/authorize/", map[string]any{"source": card}).Expect(200), "status", "processing")
		intents := px.Intents()
		pi := intents[len(intents)-1]

		hook.send("evt_auth_held", "payment_intent.amount_capturable_updated", intentObject(pi, "requires_capture", 4000, "amount_capturable", 4000))
		if r := eventResult(t, e, "evt_auth_held"); r != "payment_authorized" {
			t.Fatalf("held event: result %q", r)
		}
		got := f.c.Get("/payments/" + pid + "/").Expect(200)
		wantField(t, got, "status", "processing")
		wantField(t, got, "balance", "40.00")
		capturedAtStripe(t, px, pi, 0)
		wantField(t, f.c.Get("/invoices/"+inv+"/").Expect(200), "status", "finalized")

		got = f.c.Post("/payments/"+pid+"/capture/", nil).Expect(200)
		wantField(t, got, "status", "succeeded")
		wantField(t, got, "balance", "0.00")
		capturedAtStripe(t, px, pi, 1)
		wantField(t, f.c.Get("/invoices/"+inv+"/").Expect(200), "status", "paid")
	})
}

// A payment link's charge Stripe answers "processing" leaves the intent
// processing (the hosted page keeps polling); the PaymentIntent webhooks
// settle it once, from the signed event's amount: succeeded pays the
// link's invoice, payment_failed fails the intent.
func TestStripeWebhooksSettleProcessingLinks(t *testing.T) {
	stripeProxyEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, px *stripetest.Proxy) {
		c, payer, path := stripeLink(e)
		hook := newStripeHook(t, e, c)
		px.OnCreate(map[string]any{"status": "processing", "next_action": nil, "last_payment_error": nil})
		processing := func() (string, string) {
			in := payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_visa"}).Expect(201)
			wantField(t, in, "status", "processing")
			intents := px.Intents()
			return apitest.Str(in, "id"), intents[len(intents)-1]
		}

		in, pi := processing()
		hook.send("evt_link_short", "payment_intent.succeeded", intentObject(pi, "succeeded", 100, "amount_received", 100))
		if r := eventResult(t, e, "evt_link_short"); r != "amount_mismatch" {
			t.Fatalf("short event: result %q", r)
		}
		wantField(t, payer.Get(path+"intents/"+in+"/").Expect(200), "status", "processing")
		ok := intentObject(pi, "succeeded", 2500, "amount_received", 2500)
		hook.send("evt_link_ok", "payment_intent.succeeded", ok)
		got := payer.Get(path + "intents/" + in + "/").Expect(200)
		wantField(t, got, "status", "finalized")
		inv := c.Get("/invoices/" + apitest.Str(got, "invoice") + "/").Expect(200)
		wantField(t, inv, "status", "paid")
		wantField(t, inv, "total", "25.00")
		capturedAtStripe(t, px, pi, 0) // Stripe captured it already
		wantJSON(t, hook.send("evt_link_ok", "payment_intent.succeeded", ok), `{"duplicate":true,"id":"evt_link_ok"}`)
		hook.send("evt_link_ok2", "payment_intent.succeeded", ok)
		if n := apitest.Num(c.Get("/payments/?invoice=" + apitest.Str(got, "invoice")).Expect(200)["count"]); n != "1" {
			t.Fatalf("%s payments of the link's invoice, want 1", n)
		}

		in, pi = processing()
		hook.send("evt_link_declined", "payment_intent.payment_failed", intentObject(pi, "requires_payment_method", 2500,
			"last_payment_error", map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}))
		got = payer.Get(path + "intents/" + in + "/").Expect(200)
		wantField(t, got, "status", "failed")
		wantField(t, got, "failed_reason", "insufficient_funds")
		if got["invoice"] != nil {
			t.Fatalf("failed intent has an invoice: %v", got)
		}
	})
}
