package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// portalFixture is a test-mode workspace with two customers: "mine" with an
// open invoice, a paid one, a send_invoice subscription and a saved card;
// "other" with an open invoice and a subscription of its own.
type portalFixture struct {
	c                             *apitest.Client
	mine, other                   string
	open, otherInv                string
	sub, otherSub, card, otherCrd string
}

func newPortalFixture(t *testing.T, c *apitest.Client) portalFixture {
	f := portalFixture{c: c}
	f.mine, f.other = newCustomer(c, "Ana Client"), newCustomer(c, "Other Client")
	f.open = apitest.Str(docFinalize(t, c, "/invoices/", apitest.Str(docCreate(t, c, "/invoices/", docInvBody(f.mine)), "id")), "id")
	f.otherInv = apitest.Str(docFinalize(t, c, "/invoices/", apitest.Str(docCreate(t, c, "/invoices/", docInvBody(f.other)), "id")), "id")
	plan := subPlan(c, "USD", 12, nil)
	sub := func(cus string) string {
		return apitest.Str(c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "US1", "date_start": "2026-06-03",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201), "id")
	}
	f.sub, f.otherSub = sub(f.mine), sub(f.other)
	card := func(cus string) string {
		return apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "customer": cus, "usage": "reusable",
			"card": map[string]any{"number": "5555 5555 5555 4444", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}).Expect(201), "id")
	}
	f.card, f.otherCrd = card(f.mine), card(f.other)
	return f
}

// session creates a portal session for a customer and answers its path.
func (f portalFixture) session(t *testing.T, cus string, extra map[string]any) string {
	body := map[string]any{"customer": cus}
	for k, v := range extra {
		body[k] = v
	}
	s := f.c.Post("/customer_base/sessions/", body).Expect(201)
	u, err := url.Parse(apitest.Str(s, "url"))
	if err != nil || !strings.HasPrefix(u.Path, "/publishable/customer_base/sessions/") || !strings.HasPrefix(apitest.Str(s, "id"), "cbs_") {
		t.Fatalf("session %v", s)
	}
	return u.Path
}

// posted is the answer to a form post, its redirect not followed.
type posted struct {
	Status   int
	Location string
}

// form posts a form as the portal page does (same origin).
func form(e *apitest.Env, path string, v url.Values) posted {
	e.T.Helper()
	return visit(e, "POST", path, v)
}

// visit sends a browser's request to a path of the server (a GET when v
// is nil) and answers it without following its redirect.
func visit(e *apitest.Env, method, path string, v url.Values) posted {
	e.T.Helper()
	req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(v.Encode()))
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	resp.Body.Close()
	return posted{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
}

// A session shows one customer only: another customer's invoice, card or
// subscription is a 404 through it; an expired session is refused; bad
// create bodies are 400s (docs/billing.md#11-customer-portal).
func TestCustomerPortalScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		f := newPortalFixture(t, c)
		c.Patch("/settings/collection/", map[string]any{"portal_cancel_subscriptions": true}).Expect(200)
		p := f.session(t, f.mine, map[string]any{"return_url": "https://shop.example/account", "expires_in": 600})
		anon := e.Anonymous()

		page := anon.Get(p)
		if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("page: %d", page.Status)
		}
		body := string(page.Body)
		for _, want := range []string{"Ana Client", f.open, f.sub, f.card, "https://shop.example/account"} {
			if !strings.Contains(body, want) {
				t.Errorf("the page does not show %s", want)
			}
		}
		for _, never := range []string{"Other Client", f.otherInv, f.otherSub, f.otherCrd} {
			if strings.Contains(body, never) {
				t.Errorf("the page shows another customer's %s", never)
			}
		}
		if r := anon.Get(p + "invoices/" + f.open + "/pdf/"); r.Status != 200 || !strings.HasPrefix(string(r.Body), "%PDF-") {
			t.Errorf("own PDF: %d", r.Status)
		}
		anon.Get(p + "invoices/" + f.otherInv + "/pdf/").Expect(404)
		wantStatus(t, form(e, p+"invoices/"+f.otherInv+"/pay/", nil), 404)
		wantStatus(t, form(e, p+"subscriptions/"+f.otherSub+"/cancel/", nil), 404)
		wantStatus(t, form(e, p+"cards/"+f.otherCrd+"/remove/", nil), 404)
		wantStatus(t, form(e, p+"cards/"+f.otherCrd+"/default/", nil), 404)
		if st := c.Get("/subscriptions/" + f.otherSub + "/").Expect(200)["status"]; st != "active" {
			t.Errorf("another customer's subscription: %v", st)
		}
		// cancelling one's own subscription, allowed by the workspace
		r := form(e, p+"subscriptions/"+f.sub+"/cancel/", nil)
		if r.Status != http.StatusSeeOther || r.Location != p+"?done=cancelled" {
			t.Fatalf("cancel: %d %v", r.Status, r.Location)
		}
		if got := c.Get("/subscriptions/" + f.sub + "/").Expect(200); got["status"] != "cancelled" || got["cancel_reason"] != "custom" {
			t.Errorf("cancelled from the portal: %v %v", got["status"], got["cancel_reason"])
		}
		// a session of another mode or workspace cannot be created for this customer
		e.Workspace("US").Test().Post("/customer_base/sessions/", map[string]any{"customer": f.mine}).
			ExpectBody(400, `{"customer": ["Invalid pk \"`+f.mine+`\" - object does not exist."]}`)
		c.Post("/customer_base/sessions/", map[string]any{}).ExpectBody(400, `{"customer": ["This field is required."]}`)
		c.Post("/customer_base/sessions/", map[string]any{"customer": f.mine, "expires_in": 10}).
			ExpectBody(400, `{"expires_in": ["Give a number of seconds between 300 and 86400."]}`)
		// expired: 10 minutes later the page is a 404 and actions are refused
		e.Clock.Advance(11 * time.Minute)
		if r := anon.Get(p); r.Status != 404 || !strings.Contains(string(r.Body), "expired") {
			t.Errorf("expired session: %d", r.Status)
		}
		anon.Get(p + "invoices/" + f.open + "/pdf/").Expect(404)
		if r := anon.Get("/publishable/customer_base/sessions/" + strings.Repeat("x", 40) + "/"); r.Status != 404 {
			t.Errorf("unknown session: %d", r.Status)
		}
	})
}

// Without the workspace's permission a subscription cannot be cancelled
// from the portal; a card added there becomes the automatically charged
// subscription's default_source.
func TestCustomerPortalCards(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		f := newPortalFixture(t, c)
		p := f.session(t, f.mine, nil)
		anon := e.Anonymous()
		r := form(e, p+"subscriptions/"+f.sub+"/cancel/", nil)
		if r.Location != p+"?error=cancel_off" {
			t.Errorf("cancel without permission: %v", r.Location)
		}
		if st := c.Get("/subscriptions/" + f.sub + "/").Expect(200)["status"]; st != "active" {
			t.Errorf("subscription: %v", st)
		}
		charged := apitest.Str(c.Post("/subscriptions/", map[string]any{"customer": f.mine, "document": "US1", "date_start": "2026-06-03",
			"collection_scheme": "charge_payment", "default_source": f.card, "lines": []any{map[string]any{"plan": subPlan(c, "USD", 5, nil), "quantity": 1}}}).Expect(201), "id")
		r = form(e, p+"cards/", url.Values{"number": {"4242424242424242"}, "exp_month": {"12"}, "exp_year": {"2031"}, "cvc": {"123"}, "make_default": {"1"}})
		if r.Location != p+"?done=card_added" {
			t.Fatalf("add card: %d %v", r.Status, r.Location)
		}
		src := c.Get("/subscriptions/" + charged + "/").Expect(200)["default_source"]
		if src == f.card || src == nil {
			t.Errorf("default_source after adding a card: %v", src)
		}
		r = form(e, p+"cards/", url.Values{"number": {"4242424242424241"}, "exp_month": {"12"}, "exp_year": {"2031"}, "cvc": {"123"}})
		if r.Location != p+"?error=card" {
			t.Errorf("bad card: %v", r.Location)
		}
		// the card in use cannot be removed; the old one can
		if r := form(e, p+"cards/"+src.(string)+"/remove/", nil); r.Location != p+"?error=card_in_use" {
			t.Errorf("remove the card in use: %v", r.Location)
		}
		if r := form(e, p+"cards/"+f.card+"/remove/", nil); r.Location != p+"?done=card_removed" {
			t.Errorf("remove: %v", r.Location)
		}
		if body := string(anon.Get(p + "?done=card_removed").Body); strings.Contains(body, f.card) || !strings.Contains(body, "Card removed.") {
			t.Errorf("the removed card is still shown")
		}
	})
}

func wantStatus(t *testing.T, p posted, status int) {
	t.Helper()
	if p.Status != status {
		t.Errorf("status %d, want %d", p.Status, status)
	}
}
