package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/gateway/stripe/stripetest"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Stripe's published sample test key and made-up publishable key and
// signing secret: the shapes the gateway accepts.
const (
	stripeSecret  = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
	stripePublic  = "pk_test_TYooMQauvdEDq54NiTphI7jx"
	stripeWebhook = "whsec_testsigningsecret0123456789"
)

// stripeEach runs fn on both databases against one stripe-mock whose
// fixtures are patched (nil: as bundled).
func stripeEach(t *testing.T, patch func(stripetest.Resources), fn func(t *testing.T, e *apitest.Env, base string)) {
	base := stripetest.StartWith(t, patch)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e := apitest.NewWith(t, dialect, func(c *app.Config) { c.StripeBaseURL = base })
			fn(t, e, base)
		})
	}
}

func configureStripe(c *apitest.Client) {
	c.Patch("/providers/stripe/", map[string]any{"secret_key": stripeSecret, "publishable_key": stripePublic, "webhook_secret": stripeWebhook}).Expect(200)
}

// The stripe gateway's credentials: checked by shape and mode, sealed,
// never returned (docs/payments.md#17-stripe).
func TestStripeCredentials(t *testing.T) {
	stripeEach(t, nil, func(t *testing.T, e *apitest.Env, _ string) {
		c := e.Workspace("US").Test()
		wantField(t, c.Get("/providers/stripe/").Expect(200), "configured", "false")
		c.Post("/sources/", map[string]any{"gateway": "stripe", "payment_method": "pm_card_visa", "amount": 10}).
			ExpectBody(400, `{"gateway": ["The stripe gateway is not configured in this mode: set its credentials with PATCH /providers/stripe/."]}`)
		c.Patch("/providers/stripe/", map[string]any{"secret_key": "abc", "publishable_key": "sk_test_x", "webhook_secret": "secret"}).
			ExpectBody(400, `{"secret_key": ["Enter a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_… key)."],
				"publishable_key": ["Enter a Stripe publishable key (pk_test_… or pk_live_…)."],
				"webhook_secret": ["Enter the signing secret of the Stripe webhook endpoint (whsec_…)."]}`)
		c.Patch("/providers/stripe/", map[string]any{"secret_key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "publishable_key": stripePublic, "webhook_secret": stripeWebhook}).
			ExpectBody(400, `{"secret_key": ["Use a test-mode key (…_test_…): this API token works in test mode."]}`)
		wantField(t, c.Get("/providers/stripe/").Expect(200), "configured", "false")

		got := c.Patch("/providers/stripe/", map[string]any{"secret_key": stripeSecret, "publishable_key": stripePublic, "webhook_secret": stripeWebhook})
		for _, secret := range []string{stripeSecret, stripeWebhook} {
			if bytes.Contains(got.Body, []byte(secret)) {
				t.Fatalf("a secret was returned: %s", got.Body)
			}
		}
		p := got.Expect(200)
		wantField(t, p, "configured", "true")
		wantField(t, p, "checkout", "client")
		wantJSON(t, p["settings"], `{"publishable_key":"`+stripePublic+`"}`)
		wantJSON(t, p["secrets"], `["secret_key","webhook_secret"]`)
		// the live mode has its own keys: still unconfigured there
		live := e.Workspace("US")
		live.Patch("/providers/stripe/", map[string]any{"secret_key": stripeSecret, "publishable_key": stripePublic, "webhook_secret": stripeWebhook}).
			ExpectBody(400, `{"publishable_key": ["Use a live-mode key (…_live_…): this API token works in live mode."],
				"secret_key": ["Use a live-mode key (…_live_…): this API token works in live mode."]}`)
	})
}

// Saved cards and single-use sources through Stripe: every request is
// answered by stripe-mock, with fixtures of intents that succeed.
func TestStripeSourcesAndPayments(t *testing.T) {
	stripeEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, _ string) {
		f := newPayFixture(e)
		c := f.c
		configureStripe(c)

		// card data never goes to Cobro for Stripe; a PaymentMethod id does
		c.Post("/sources/", map[string]any{"gateway": "stripe", "usage": "reusable", "customer": f.customer, "card": card(cardOK)}).
			ExpectBody(400, `{"card": ["Stripe takes card data only in the payer's browser (Stripe.js): send payment_method (pm_…) instead."]}`)
		c.Post("/sources/", map[string]any{"gateway": "stripe", "usage": "reusable", "customer": f.customer}).
			ExpectBody(400, `{"payment_method": ["This field is required."]}`)
		c.Post("/sources/", map[string]any{"gateway": "stripe", "usage": "reusable", "customer": f.customer, "payment_method": "4242424242424242"}).
			ExpectBody(400, `{"payment_method": ["Enter the id of a Stripe PaymentMethod (pm_…)."]}`)
		c.Post("/sources/", map[string]any{"gateway": "stripe", "payment_method": "pm_card_visa"}).
			ExpectBody(400, `{"amount": ["Stripe single-use sources need an amount."]}`)

		// a saved card: a Stripe customer and a SetupIntent
		saved := c.Post("/sources/", map[string]any{"gateway": "stripe", "usage": "reusable", "customer": f.customer, "payment_method": "pm_card_visa"}).Expect(201)
		wantField(t, saved, "status", "chargeable")
		wantJSON(t, saved["card"], `{"brand":"visa","exp_month":8,"exp_year":2030,"last4":"4242"}`)
		inv := f.invoice("147.60", true)
		pay := f.payment(inv, "147.60", "source", apitest.Str(saved, "id"))
		wantField(t, pay, "status", "succeeded")
		wantField(t, pay, "balance", "0.00")
		wantField(t, c.Get("/invoices/"+inv+"/").Expect(200), "status", "paid")

		// a single-use source: a PaymentIntent confirmed at once, held, then captured
		one := c.Post("/sources/", map[string]any{"gateway": "stripe", "amount": "20.00", "payment_method": "pm_card_visa"}).Expect(201)
		wantField(t, one, "status", "chargeable")
		pay2 := f.payment("", "20.00", "customer", f.customer, "source", apitest.Str(one, "id"))
		wantField(t, pay2, "status", "succeeded")
	})
}

// wantJSON compares a decoded value with compact JSON (keys sorted).
func wantJSON(t *testing.T, v any, want string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil || string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// stripeLink is a test-mode US workspace with Stripe configured and a
// payment link of 25.00 USD on it; it returns the payer's client and the
// link's publishable path.
func stripeLink(e *apitest.Env) (c, payer *apitest.Client, path string) {
	c = e.Workspace("US").Test()
	configureStripe(c)
	l := c.Post("/payment_links/links/", map[string]any{"amount": "25.00", "currency": "USD", "description": "Workshop", "gateway": "stripe"}).Expect(201)
	return c, e.Anonymous(), "/publishable/payment_links/links/" + apitest.Str(l, "publishable_key") + "/"
}

var stripePayer = map[string]any{"name": "Josefa Rojas", "email": "jrojas@example.com"}

// A payment link on Stripe: the hosted page takes the card with Stripe.js
// and the intent is paid from the PaymentMethod id alone.
func TestStripePaymentLink(t *testing.T) {
	stripeEach(t, stripetest.Succeeding, func(t *testing.T, e *apitest.Env, _ string) {
		c, payer, path := stripeLink(e)
		page := payer.Get(path + "hosted/")
		if page.Status != 200 || !bytes.Contains(page.Body, []byte(`<script src="https://js.stripe.com/v3/"`)) ||
			!bytes.Contains(page.Body, []byte(`"stripeKey":"`+stripePublic+`"`)) || bytes.Contains(page.Body, []byte(`id="number"`)) {
			t.Fatalf("hosted page: %d %s", page.Status, page.Body)
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "https://js.stripe.com") {
			t.Fatalf("CSP %q does not allow Stripe.js", csp)
		}
		payer.Post(path+"intents/", map[string]any{"payer": stripePayer}).ExpectBody(400, `{"payment_method": ["This field is required."]}`)
		payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_visa"}).Expect(201)
		in := payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_visa"}).Expect(201)
		wantField(t, in, "status", "finalized")
		inv := c.Get("/invoices/" + apitest.Str(in, "invoice") + "/").Expect(200)
		wantField(t, inv, "status", "paid")
		wantField(t, inv, "total", "25.00")
	})
}

// 3-D Secure: the payer is sent to the intent's next action; on return
// Cobro asks Stripe, so a return while Stripe still waits fails the
// intent, whatever the browser brings.
func TestStripePaymentLink3DSecure(t *testing.T) {
	const acs = "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1"
	stripeEach(t, stripetest.Authenticating(acs), func(t *testing.T, e *apitest.Env, _ string) {
		_, payer, path := stripeLink(e)
		in := payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_threeDSecure2Required"}).Expect(201)
		wantField(t, in, "status", "requires_authentication")
		wantJSON(t, in["next_action"], `{"type":"redirect","url":"`+strings.ReplaceAll(acs, "&", `\u0026`)+`"}`)
		src := apitest.Str(in, "source")
		if r := payer.Get("/publishable/gateways/stripe/return/" + src + "/?payment_intent=pi_forged&redirect_status=succeeded"); r.Status != 200 && r.Status != 303 {
			t.Fatalf("return: %d %s", r.Status, r.Body)
		}
		got := payer.Get(path + "intents/" + apitest.Str(in, "id") + "/").Expect(200)
		wantField(t, got, "status", "failed")
		wantField(t, got, "failed_reason", "authentication_failed")
	})
}

// A card the bank declines fails the intent with Stripe's reason.
func TestStripePaymentLinkDeclined(t *testing.T) {
	stripeEach(t, stripetest.Declining, func(t *testing.T, e *apitest.Env, _ string) {
		_, payer, path := stripeLink(e)
		in := payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_chargeDeclined"}).Expect(201)
		wantField(t, in, "status", "failed")
		wantField(t, in, "failed_reason", "card_declined")
	})
}

// stripeEvent is a webhook body Stripe would send for a PaymentIntent.
func stripeEvent(id, typ, intent string, livemode bool) []byte {
	return fmt.Appendf(nil, `{"id": %q, "object": "event", "api_version": "2025-08-27.basil", "type": %q, "livemode": %t, "created": 1764770000,
		"data": {"object": {"id": %q, "object": "payment_intent", "status": "requires_capture", "amount": 2500, "amount_capturable": 2500, "currency": "usd"}}}`,
		id, typ, livemode, intent)
}

// Stripe's webhooks: verified with the workspace's signing secret, acted
// on once, and what they settle is read back from Stripe.
func TestStripeWebhooks(t *testing.T) {
	stripeEach(t, stripetest.Authenticating("https://hooks.stripe.com/3d_secure_2/x"), func(t *testing.T, e *apitest.Env, _ string) {
		c, payer, path := stripeLink(e)
		in := payer.Post(path+"intents/", map[string]any{"payer": stripePayer, "payment_method": "pm_card_threeDSecure2Required"}).Expect(201)
		wantField(t, in, "status", "requires_authentication")
		var intent string
		if err := e.DB.QueryRowContext(context.Background(), `SELECT gateway_token FROM sources WHERE id = $1`, apitest.Str(in, "source")).Scan(&intent); err != nil {
			t.Fatal(err)
		}
		hook := "/publishable/gateways/stripe/webhooks/" + c.Workspace + "/test/"
		send := func(body []byte, secret string) *apitest.Resp {
			sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()}).Header
			return payer.Do("POST", hook, body, "Stripe-Signature", sig)
		}
		body := stripeEvent("evt_1", "payment_intent.amount_capturable_updated", intent, false)
		send(body, "whsec_someoneelse0000000000").ExpectBody(400, `{"detail": "The webhook's signature does not verify with this workspace's signing secret."}`)
		payer.Do("POST", hook, body).Expect(400)
		send(stripeEvent("evt_live", "payment_intent.succeeded", intent, true), stripeWebhook).Expect(400)
		wantField(t, payer.Get(path+"intents/"+apitest.Str(in, "id")+"/").Expect(200), "status", "requires_authentication")
		for _, bad := range []string{"/publishable/gateways/stripe/webhooks/acc_nosuchworkspace00/test/", "/publishable/gateways/stripe/webhooks/" + c.Workspace + "/prod/",
			"/publishable/gateways/stripe/webhooks/" + c.Workspace + "/live/", "/publishable/gateways/test/webhooks/" + c.Workspace + "/test/"} {
			payer.Do("POST", bad, body, "Stripe-Signature", "t=1,v1=00").Expect(404)
		}

		// the signed event names the intent; its claim (requires_capture)
		// is not taken: Stripe is asked, and here it still waits for 3-D
		// Secure, so the payer's intent fails
		wantJSON(t, send(body, stripeWebhook).Expect(200), `{"duplicate":false,"id":"evt_1"}`)
		got := payer.Get(path + "intents/" + apitest.Str(in, "id") + "/").Expect(200)
		wantField(t, got, "status", "failed")
		wantField(t, got, "failed_reason", "authentication_failed")
		// Stripe resends: acted on once
		wantJSON(t, send(body, stripeWebhook).Expect(200), `{"duplicate":true,"id":"evt_1"}`)
		// an event about nothing Cobro waits on is acknowledged
		wantJSON(t, send(stripeEvent("evt_2", "payment_intent.succeeded", "pi_unknown", false), stripeWebhook).Expect(200), `{"duplicate":false,"id":"evt_2"}`)
	})
}
