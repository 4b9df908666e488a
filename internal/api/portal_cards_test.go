package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/gateway/stripe/stripetest"
	"github.com/cobrobilling/cobro/internal/gateway/transbank/tbkfake"
)

// portalStripeSetups: stripe-mock's SetupIntents have saved a card to a
// Stripe customer (what Stripe answers once the payer's confirmSetup in
// Stripe.js succeeded).
func portalStripeSetups(r stripetest.Resources) {
	stripetest.Succeeding(r)
	r["setup_intent"]["customer"] = "cus_PortalAna"
	r["setup_intent"]["payment_method"] = "pm_card_visa"
}

// startStripeCard configures Stripe as the workspace's card gateway,
// starts adding a card on the session's page and answers the new
// source's id.
func startStripeCard(t *testing.T, e *apitest.Env, c *apitest.Client, p string) string {
	t.Helper()
	configureStripe(c)
	c.Patch("/providers/stripe/", map[string]any{"default": true}).Expect(200)
	r := form(e, p+"cards/", url.Values{"make_default": {"1"}})
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(p) + `cards/(sou_[A-Za-z0-9]+)/$`).FindStringSubmatch(r.Location)
	if r.Status != 303 || m == nil {
		t.Fatalf("add a card: %d %q", r.Status, r.Location)
	}
	return m[1]
}

// docs/billing.md#11-customer-portal: with Stripe as the card gateway the
// portal's "add a card" makes a SetupIntent, the card page carries its
// client secret and the publishable key for Stripe.js (under a CSP of
// Stripe's hosts), and the return reads the SetupIntent from Stripe
// (stripe-mock) to save the card and make it the default; reloads and
// second clicks start nothing new; another customer's session cannot
// open or finish the setup.
func TestCustomerPortalStripeCards(t *testing.T) {
	stripeEach(t, portalStripeSetups, func(t *testing.T, e *apitest.Env, _ string) {
		c := e.Workspace("US").Test()
		f := newPortalFixture(t, c)
		charged := apitest.Str(c.Post("/subscriptions/", map[string]any{"customer": f.mine, "document": "US1", "date_start": "2026-06-03",
			"collection_scheme": "charge_payment", "default_source": f.card, "lines": []any{map[string]any{"plan": subPlan(c, "USD", 5, nil), "quantity": 1}}}).Expect(201), "id")
		p, other := f.session(t, f.mine, nil), f.session(t, f.other, nil)
		anon := e.Anonymous()
		sid := startStripeCard(t, e, c, p)
		page := string(anon.Get(p).Body)
		if !strings.Contains(page, `id="add-card"`) || !strings.Contains(page, "Stripe") || strings.Contains(page, `name="number"`) {
			t.Errorf("the portal page does not offer Stripe's card page: %s", page)
		}
		if again := form(e, p+"cards/", url.Values{"make_default": {"1"}}); again.Location != p+"cards/"+sid+"/" {
			t.Errorf("a second click started another setup: %q", again.Location)
		}
		src := c.Get("/sources/" + sid + "/").Expect(200)
		if src["status"] != "requires_authorization" || src["gateway"] != "stripe" || strings.Contains(string(mustJSON(src)), "_secret_") {
			t.Fatalf("source while the payer enters the card: %v", src)
		}

		card := anon.Get(p + "cards/" + sid + "/")
		body, csp := string(card.Body), card.Header.Get("Content-Security-Policy")
		for _, want := range []string{stripePublic, "seti_1Pgag7B7WZ01zgkWSgwGdb8Z_secret_", `src="https://js.stripe.com/v3/"`, sid} {
			if card.Status != 200 || !strings.Contains(body, want) {
				t.Errorf("card page %d lacks %s", card.Status, want)
			}
		}
		if !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(csp, "https://js.stripe.com") || !strings.Contains(csp, "frame-src https://js.stripe.com") {
			t.Errorf("card page CSP %q", csp)
		}
		anon.Get(other + "cards/" + sid + "/").Expect(404)
		anon.Get(other + "cards/" + sid + "/return/").Expect(404)

		// Stripe sends the payer back: Cobro reads the SetupIntent it made
		// from Stripe; the browser's query names nothing that counts
		ret := visit(e, "GET", "/publishable/gateways/stripe/return/"+sid+"/?setup_intent=seti_forged&setup_intent_client_secret=x&redirect_status=succeeded", nil)
		if ret.Status != 303 || ret.Location != e.URL+p+"cards/"+sid+"/return/?default=1" {
			t.Fatalf("return from Stripe: %d %q", ret.Status, ret.Location)
		}
		for range 2 { // a reload changes nothing
			if back := visit(e, "GET", p+"cards/"+sid+"/return/?default=1", nil); back.Location != p+"?done=card_added" {
				t.Fatalf("back in the portal: %d %q", back.Status, back.Location)
			}
		}
		src = c.Get("/sources/" + sid + "/").Expect(200)
		wantField(t, src, "status", "chargeable")
		wantJSON(t, src["card"], `{"brand":"visa","exp_month":8,"exp_year":2030,"last4":"4242"}`)
		wantField(t, c.Get("/subscriptions/"+charged+"/").Expect(200), "default_source", sid)
		n := 0
		for _, s := range c.Get("/sources/?customer=" + f.mine).Expect(200)["results"].([]any) {
			if s.(map[string]any)["gateway"] == "stripe" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d Stripe sources, want 1", n)
		}
		if page := string(anon.Get(p + "?done=card_added").Body); !strings.Contains(page, `data-card="`+sid+`"`) || !strings.Contains(page, "4242") {
			t.Errorf("the saved card is not on the page")
		}
		// the card page of a finished setup goes back to the portal
		if r := visit(e, "GET", p+"cards/"+sid+"/", nil); r.Location != p+"?error=card" {
			t.Errorf("card page after saving: %q", r.Location)
		}
	})
}

// A SetupIntent Stripe reports as made for another source (another
// customer's card) saves nothing: the source fails and the portal says
// the card could not be used.
func TestCustomerPortalStripeForeignSetupIntent(t *testing.T) {
	foreign := func(r stripetest.Resources) {
		portalStripeSetups(r)
		r["setup_intent"]["metadata"] = map[string]any{"cobro_source": "sou_SomeoneElse0000000000"}
	}
	stripeEach(t, foreign, func(t *testing.T, e *apitest.Env, _ string) {
		c := e.Workspace("US").Test()
		f := newPortalFixture(t, c)
		p := f.session(t, f.mine, nil)
		sid := startStripeCard(t, e, c, p)
		visit(e, "GET", "/publishable/gateways/stripe/return/"+sid+"/?redirect_status=succeeded", nil)
		if back := visit(e, "GET", p+"cards/"+sid+"/return/?default=1", nil); back.Location != p+"?error=card" {
			t.Fatalf("back in the portal: %q", back.Location)
		}
		if src := c.Get("/sources/" + sid + "/").Expect(200); src["status"] != "failed" || src["card"] != nil {
			t.Fatalf("source of a foreign SetupIntent: %v", src)
		}
	})
}

// In live mode the portal adds cards only through a configured gateway
// that saves them: with none (or Webpay Plus alone, single-use) the page
// says cards cannot be added and a post is refused with that message;
// Oneclick inscribes only customers with an email, and the page says so.
// Never a 500.
func TestCustomerPortalLiveCardGateway(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e, fake := transbankEnv(t, dialect)
			live := e.Workspace("CL")
			sessions := portalFixture{c: live}
			p := sessions.session(t, custNew(live, custExample()), nil)
			anon := e.Anonymous()
			offered := func(path string) bool {
				t.Helper()
				page := string(anon.Get(path).Body)
				return strings.Contains(page, `action="`+path+`cards/"`) && !strings.Contains(page, `id="cards-off"`)
			}
			if offered(p) {
				t.Error("the page offers to add a card with no card gateway")
			}
			if r := form(e, p+"cards/", url.Values{"make_default": {"1"}}); r.Location != p+"?error=cards_off" {
				t.Errorf("add a card without a gateway: %d %q", r.Status, r.Location)
			}
			fake.Keys["597012345670"] = "live-webpay"
			live.Patch("/providers/transbank_webpay/", map[string]any{"commerce_code": "597012345670", "api_key_secret": "live-webpay", "environment": "production"}).Expect(200)
			if offered(p) {
				t.Error("Webpay Plus alone is offered for saving cards")
			}
			oneclickLive(live, fake)
			if !offered(p) {
				t.Error("Oneclick is configured but the page offers no card")
			}
			// inscriptions Transbank declines or the payer lets expire:
			// back on the page, which says what happened
			for action, want := range map[string]string{"pay": "error=card_declined", "timeout": "error=card_timeout"} {
				start := form(e, p+"cards/", url.Values{})
				res := inscribeOnOneclick(t, http.DefaultClient, fake.URL, start.Location, action, tbkfake.DeclinedCard)
				if res.Request.URL.Path != p || res.Request.URL.RawQuery != want {
					t.Errorf("%s: ended on %s, want %s?%s", action, res.Request.URL, p, want)
				}
			}
			noEmail := custExample()
			delete(noEmail, "email")
			p2 := sessions.session(t, custNew(live, noEmail), nil)
			if r := form(e, p2+"cards/", url.Values{}); r.Location != p2+"?error=card_email" {
				t.Errorf("a customer without an email: %d %q", r.Status, r.Location)
			}
			if page := string(anon.Get(p2 + "?error=card_email").Body); !strings.Contains(page, "necesitamos su correo") {
				t.Errorf("the page does not say why")
			}
		})
	}
}
