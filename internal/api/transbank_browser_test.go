package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// TestWebpayCheckoutInBrowser pays a payment link through the Webpay
// redirect flow in a real headless Chromium, against the local Transbank
// fake (docs/payments.md#16-transbank): the hosted page asks no card
// data, sends the payer to Webpay's page by a form POST of token_ws (the
// fake refuses a GET, so the Webpay page only shows if Cobro posted), and
// the payer comes back to the
// receipt with the intent finalized and the invoice paid. Screenshots at
// phone and desktop sizes.
func TestWebpayCheckoutInBrowser(t *testing.T) {
	browser := chromium(t, "the Webpay browser test")
	dir := shotDir(t)
	browserEach(t, func(t *testing.T, dialect string) {
		e, fake := transbankEnv(t, dialect)
		c := e.Workspace("CL").Test()
		clBiller(t, c, false)
		l := c.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "CLP", "gateway": "transbank_webpay",
			"description": "Taller de cerámica (1 sesión)"}).Expect(201)
		page, lid := apitest.Str(l, "url"), apitest.Str(l, "id")

		b := newTab(t, browser, dir, dialect+"-webpay", 60*time.Second)
		ctx := b.ctx
		var hint, receipt, processor string
		if err := chromedp.Do(ctx,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
			chromedp.Navigate(page),
			chromedp.WaitVisible(css("#name")),
			b.text("#redirect-hint", &hint),
			chromedp.SendKeys(css("#name"), "Josefa Rojas"),
			chromedp.SendKeys(css("#email"), "jrojas@example.com"),
			b.shot("form-desktop", 1280, 800),
			b.shot("form", 390, 844),
			chromedp.Click(css("#submit")),
		); err != nil {
			t.Fatalf("hosted page: %v", err)
		}
		// the page moves to Transbank's (the fake's), then back to Cobro
		b.at(fake.URL + "/webpayserver/")
		if err := chromedp.Do(ctx,
			chromedp.WaitVisible(css("#pay")),
			b.text("#amount", &processor),
			b.shot("processor", 390, 844),
			chromedp.Click(css("#pay")),
		); err != nil {
			t.Fatalf("processor page: %v", err)
		}
		b.at(e.URL + "/publishable/payment_links/links/")
		if err := chromedp.Do(ctx,
			chromedp.WaitVisible(css("#done")),
			b.text("#done", &receipt),
			b.shot("receipt", 390, 844),
			b.shot("receipt-desktop", 1280, 800),
		); err != nil {
			t.Fatalf("receipt: %v", err)
		}
		if !strings.Contains(hint, "Transbank Webpay Plus") || !strings.Contains(processor, "$9990") || !strings.Contains(receipt, "Pago recibido") {
			t.Errorf("hint %q, processor page %q, receipt %q", hint, processor, receipt)
		}
		fin := c.Get("/payment_links/intents/?link=" + lid + "&status=finalized").Expect(200)["results"].([]any)
		if len(fin) != 1 {
			t.Fatalf("finalized intents: %d", len(fin))
		}
		in := fin[0].(map[string]any)
		if st := c.Get("/invoices/" + apitest.Str(in, "invoice") + "/").Expect(200)["status"]; st != "paid" {
			t.Fatalf("invoice %v", st)
		}
	})
}
