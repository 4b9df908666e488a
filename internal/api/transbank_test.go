package api_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/gateway/transbank/tbkfake"
)

// transbankEnv is a server whose Transbank adapters talk to a local fake
// of Transbank's REST endpoints and pages.
func transbankEnv(t *testing.T, dialect string) (*apitest.Env, *tbkfake.Server) {
	t.Helper()
	fake, err := tbkfake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return apitest.NewWith(t, dialect, func(c *app.Config) { c.TransbankBaseURL = fake.URL }), fake
}

// postRedirectForm follows a source's redirect_url as a browser does
// (docs/payments.md#16-transbank): Cobro's page is a form that POSTs the
// token field to Transbank's page, by itself or by its button, under a
// CSP that lets the form go there; Transbank refuses a GET with the token
// in the URL. It returns the token.
func postRedirectForm(t *testing.T, fakeURL, redirect, pagePath, field string) string {
	t.Helper()
	page, err := http.Get(redirect)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	html, csp := string(body), page.Header.Get("Content-Security-Policy")
	target := fakeURL + pagePath
	m := regexp.MustCompile(`<input type="hidden" name="` + field + `" value="([^"]+)">`).FindStringSubmatch(html)
	if page.StatusCode != 200 || m == nil || !strings.Contains(html, `<form id="go" method="post" action="`+target+`">`) ||
		!strings.Contains(html, `<button id="continue" type="submit">`) || !strings.Contains(csp, "form-action "+fakeURL) ||
		!strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(html, `.submit();</script>`) {
		t.Fatalf("redirect page %d (CSP %q): %s", page.StatusCode, csp, html)
	}
	byGet, err := http.Get(target + "?" + field + "=" + url.QueryEscape(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	byGet.Body.Close()
	if byGet.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("Transbank's page by GET: %d", byGet.StatusCode)
	}
	posted, err := http.PostForm(target, url.Values{field: {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	posted.Body.Close()
	if posted.StatusCode != 200 {
		t.Fatalf("Transbank's page by POST: %d", posted.StatusCode)
	}
	return m[1]
}

// payOnWebpay posts token_ws to Webpay's page, then the payer chooses there.
func payOnWebpay(t *testing.T, fakeURL, redirect, action, card string) *http.Response {
	t.Helper()
	tok := postRedirectForm(t, fakeURL, redirect, "/webpayserver/initTransaction", "token_ws")
	res, err := http.PostForm(fakeURL+"/webpayserver/pay", url.Values{"token_ws": {tok}, "action": {action}, "card": {card}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// inscribeOnOneclick posts TBK_TOKEN to Oneclick's inscription page, then
// the payer chooses there; client decides which redirects to follow.
func inscribeOnOneclick(t *testing.T, client *http.Client, fakeURL, redirect, action, card string) *http.Response {
	t.Helper()
	tok := postRedirectForm(t, fakeURL, redirect, "/webpayserver/bp_inscription.cgi", "TBK_TOKEN")
	res, err := client.PostForm(fakeURL+"/webpayserver/inscribe", url.Values{"TBK_TOKEN": {tok}, "action": {action}, "card": {card}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// docs/payments.md#16-transbank: a live-style payment link paid through
// Webpay Plus with Transbank's integration credentials (test mode): the
// return is committed with Transbank, the invoice finalized and paid;
// refunds go back through Transbank. Declined, aborted and timed-out
// payers end in a failed intent.
func TestTransbankWebpayLink(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e, fake := transbankEnv(t, dialect)
			c := e.Workspace("CL").Test()
			clBiller(t, c, false)
			anon := e.Anonymous()
			p := c.Get("/providers/transbank_webpay/").Expect(200)
			if p["configured"] != true || p["settings"].(map[string]any)["commerce_code"] != "597055555532" {
				t.Fatalf("integration defaults: %v", p)
			}
			l := c.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "CLP", "gateway": "transbank_webpay", "description": "Taller"}).Expect(201)
			key := apitest.Str(l, "publishable_key")
			pay := func(action, card string) map[string]any {
				in := anon.Post(pubPath(key)+"intents/", map[string]any{"payer": map[string]any{"name": "Josefa Rojas", "email": "jrojas@example.com"}}).Expect(201)
				if in["status"] != "requires_authentication" {
					t.Fatalf("intent %v", in)
				}
				next := apitest.Str(in["next_action"].(map[string]any), "url")
				if next != e.URL+"/publishable/gateways/transbank_webpay/redirect/"+apitest.Str(in, "source")+"/" {
					t.Fatalf("next action %s", next)
				}
				res := payOnWebpay(t, fake.URL, next, action, card)
				if res.StatusCode != 200 || !strings.Contains(res.Request.URL.String(), "/hosted/?intent="+apitest.Str(in, "id")) {
					t.Fatalf("payer ends on %d %s", res.StatusCode, res.Request.URL)
				}
				return anon.Get(pubPath(key) + "intents/" + apitest.Str(in, "id") + "/").Expect(200)
			}
			got := pay("pay", "4051885600446623")
			if got["status"] != "finalized" || got["invoice"] == nil {
				t.Fatalf("paid intent %v", got)
			}
			inv := c.Get("/invoices/" + apitest.Str(got, "invoice") + "/").Expect(200)
			if inv["status"] != "paid" {
				t.Fatalf("invoice %v", inv["status"])
			}
			commits := func() int {
				n := 0
				for _, call := range fake.Calls() {
					if strings.HasPrefix(call, "PUT /rswebpaytransaction/api/webpay/v1.2/transactions/") {
						n++
					}
				}
				return n
			}
			if commits() != 1 {
				t.Fatalf("commits: %v", fake.Calls())
			}
			sid := apitest.Str(got, "source")
			src := c.Get("/sources/" + sid + "/").Expect(200)
			if src["card"].(map[string]any)["last4"] != "6623" || src["status"] != "consumed" {
				t.Fatalf("source %v", src)
			}
			// the payer's way to Transbank closes once the source is decided
			anon.Get("/publishable/gateways/transbank_webpay/redirect/" + sid + "/").Expect(404)
			// a repeated return (a reload) commits nothing again
			again, err := http.Get(e.URL + "/publishable/gateways/transbank_webpay/return/" + sid + "/?token_ws=forged")
			if err != nil {
				t.Fatal(err)
			}
			again.Body.Close()
			if again.StatusCode != 200 || commits() != 1 {
				t.Fatalf("repeated return %d, commits %d", again.StatusCode, commits())
			}

			// refunds through Transbank: partial (anulación), then the rest
			pid := apitest.Str(got, "payment")
			wantField(t, c.Post("/payments/"+pid+"/refund/", map[string]any{"amount": 990}).Expect(201), "status", "succeeded")
			wantField(t, c.Post("/payments/"+pid+"/refund/", map[string]any{}).Expect(201), "amount", "9000.00")
			refunds := 0
			for _, call := range fake.Calls() {
				if strings.HasSuffix(call, "/refunds") {
					refunds++
				}
			}
			if refunds != 2 {
				t.Fatalf("refund calls %d", refunds)
			}

			// declined, aborted by the payer, timed out
			for action, reason := range map[string]string{"pay": "card_declined", "cancel": "aborted", "timeout": "timeout"} {
				got := pay(action, tbkfake.DeclinedCard)
				src := c.Get("/sources/" + apitest.Str(got, "source") + "/").Expect(200)
				if got["status"] != "failed" || src["gateway_data"].(map[string]any)["failed_reason"] != reason {
					t.Fatalf("%s: intent %v, source %v", action, got["status"], src["gateway_data"])
				}
			}
		})
	}
}

// docs/payments.md#16-transbank: a Oneclick inscription makes a reusable
// source; payments charge it with no payer present, a lost answer is
// recovered from Transbank's status, and refunds go back.
func TestTransbankOneclick(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e, fake := transbankEnv(t, dialect)
			c := e.Workspace("CL").Test()
			cus := custNew(c, custExample())
			c.Post("/sources/", map[string]any{"gateway": "transbank_oneclick", "customer": cus}).
				ExpectBody(400, `{"usage": ["The transbank_oneclick gateway only supports single-use sources."]}`)
			src := c.Post("/sources/", map[string]any{"gateway": "transbank_oneclick", "usage": "reusable", "customer": cus,
				"return_url": "https://shop.example.cl/done"}).Expect(201)
			if src["status"] != "requires_authorization" {
				t.Fatalf("source %v", src)
			}
			sid := apitest.Str(src, "id")
			redirect := apitest.Str(src["gateway_data"].(map[string]any), "redirect_url")
			// the payer inscribes the card; Cobro finishes the inscription on return
			client := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
				if r.URL.Host == "shop.example.cl" {
					return http.ErrUseLastResponse
				}
				return nil
			}}
			form, _ := src["gateway_data"].(map[string]any)["redirect_form"].(map[string]any)
			if redirect != e.URL+"/publishable/gateways/transbank_oneclick/redirect/"+sid+"/" || form == nil || form["method"] != "POST" ||
				form["action"] != fake.URL+"/webpayserver/bp_inscription.cgi" {
				t.Fatalf("gateway_data %v", src["gateway_data"])
			}
			res := inscribeOnOneclick(t, client, fake.URL, redirect, "pay", "4051885600446623")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://shop.example.cl/done" {
				t.Fatalf("return %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			src = c.Get("/sources/" + sid + "/").Expect(200)
			if src["status"] != "chargeable" || src["card"].(map[string]any)["last4"] != "6623" {
				t.Fatalf("inscribed source %v", src)
			}
			// the payer's way to Transbank closes once the inscription is decided
			if gone, err := http.Get(redirect); err != nil || gone.StatusCode != http.StatusNotFound {
				t.Fatalf("redirect page after the inscription: %v %v", gone, err)
			} else {
				gone.Body.Close()
			}

			// charge the saved card, as charge_payment subscriptions do
			inv := cl33Invoice(t, c, cus)
			clBiller(t, c, false)
			fin := c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
			p := c.Post("/payments/", map[string]any{"amount": fin["total"], "currency": "CLP", "date": "2026-06-02", "description": "Factura",
				"invoice": inv, "source": sid}).Expect(201)
			if p["status"] != "succeeded" || c.Get("/invoices/" + inv + "/").Expect(200)["status"] != "paid" {
				t.Fatalf("oneclick payment %v", p["status"])
			}
			// a lost answer: the charge happened at Transbank; Cobro reads its status
			fake.DropNextAnswer()
			p2 := c.Post("/payments/", map[string]any{"amount": 5000, "currency": "CLP", "date": "2026-06-02", "description": "Extra",
				"customer": cus, "source": sid}).Expect(201)
			if p2["status"] != "succeeded" {
				t.Fatalf("after a lost answer: %v %v", p2["status"], p2["failed_reason"])
			}
			wantField(t, c.Post("/payments/"+apitest.Str(p2, "id")+"/refund/", map[string]any{"amount": 2000}).Expect(201), "status", "succeeded")
			c.Post("/payments/"+apitest.Str(p2, "id")+"/refund/", map[string]any{"amount": 3001}).
				ExpectBody(400, `{"amount": ["Amount exceeds what is left to refund (3000.00)."]}`)

			// a card Transbank declines
			cus2 := custNew(c, custExample())
			src2 := c.Post("/sources/", map[string]any{"gateway": "transbank_oneclick", "usage": "reusable", "customer": cus2}).Expect(201)
			inscribeOnOneclick(t, http.DefaultClient, fake.URL, apitest.Str(src2["gateway_data"].(map[string]any), "redirect_url"), "pay", tbkfake.DeclinedCard)
			if s := c.Get("/sources/" + apitest.Str(src2, "id") + "/").Expect(200); s["status"] != "failed" {
				t.Fatalf("declined inscription %v", s)
			}
		})
	}
}

// Credentials of Transbank: the published integration keys in test mode,
// nothing in live mode until the workspace sets its own.
func TestTransbankCredentials(t *testing.T) {
	e, _ := transbankEnv(t, "sqlite")
	live := e.Workspace("CL")
	if p := live.Get("/providers/transbank_webpay/").Expect(200); p["configured"] != false {
		t.Fatalf("live without credentials: %v", p)
	}
	live.Patch("/providers/transbank_webpay/", map[string]any{"commerce_code": "5970", "api_key_secret": "k", "environment": "prod"}).
		ExpectBody(400, `{"commerce_code": ["Must be the 12 digits of a Transbank commerce code."], "environment": ["\"prod\" is not a valid choice."]}`)
	live.Patch("/providers/transbank_webpay/", map[string]any{"commerce_code": "597012345678", "api_key_secret": "live-key", "environment": "production"}).Expect(200)
	l := live.Post("/payment_links/links/", map[string]any{"amount": 5000, "currency": "CLP"}).Expect(201)
	if l["gateway"] != "transbank_webpay" {
		t.Fatalf("live link gateway %v", l["gateway"])
	}
}
