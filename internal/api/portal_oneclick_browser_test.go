package api_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/gateway/transbank/tbkfake"
)

// oneclickLive gives a live workspace its own Oneclick Mall credentials
// (Transbank's production environment; the fake stands in for it and
// knows the key).
func oneclickLive(c *apitest.Client, fake *tbkfake.Server) {
	fake.Keys["597012345678"] = "live-key"
	c.Patch("/providers/transbank_oneclick/", map[string]any{"environment": "production", "commerce_code": "597012345678",
		"child_commerce_code": "597012345679", "api_key_secret": "live-key"}).Expect(200)
}

// TestCustomerPortalOneclickInBrowser adds a card in the customer portal
// of a live Chilean workspace whose card gateway is Oneclick Mall, in
// headless Chromium against the local Transbank fake
// (docs/billing.md#11-customer-portal): "add a card" sends the payer to
// Transbank's inscription page by a form POST of TBK_TOKEN, the payer
// inscribes the card and comes back to the portal, which shows it saved;
// an inscription the payer cancels on Transbank's page saves nothing and
// says so. Screenshots at phone and desktop sizes.
func TestCustomerPortalOneclickInBrowser(t *testing.T) {
	browser := chromium(t, "the Oneclick portal browser test")
	dir := shotDir(t)
	browserEach(t, func(t *testing.T, dialect string) {
		e, fake := transbankEnv(t, dialect)
		live := e.Workspace("CL")
		oneclickLive(live, fake)
		cus := custNew(live, custExample())
		sessionURL := apitest.Str(live.Post("/customer_base/sessions/", map[string]any{"customer": cus}).Expect(201), "url")

		b := newTab(t, browser, dir, "portal-oneclick-"+dialect, 60*time.Second)
		var hint, notice, row, alert string
		if err := chromedp.Do(b.ctx,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
			chromedp.Navigate(sessionURL),
			chromedp.WaitVisible(css("#add-card")),
			b.text("#add-card .fine", &hint),
			b.shot("desktop", 1280, 900),
			b.shot("phone", 390, 844),
			chromedp.Click(css("#add-card button")),
		); err != nil {
			t.Fatalf("portal page: %v", err)
		}
		// Cobro's page posts TBK_TOKEN to Transbank's inscription page
		b.at(fake.URL + "/webpayserver/bp_inscription.cgi")
		if err := chromedp.Do(b.ctx, chromedp.WaitVisible(css("#pay")), b.shot("transbank", 390, 844), chromedp.Click(css("#pay"))); err != nil {
			t.Fatalf("inscription page: %v", err)
		}
		b.at(sessionURL + "?done=")
		if err := chromedp.Do(b.ctx,
			chromedp.WaitVisible(css(".notice")),
			b.text(".notice", &notice),
			b.text("[data-card]", &row),
			b.shot("saved", 390, 844),
			b.shot("saved-desktop", 1280, 900),
		); err != nil {
			t.Fatalf("back in the portal: %v", err)
		}
		if !strings.Contains(hint, "Transbank Oneclick Mall") || !strings.Contains(notice, "Tarjeta guardada") || !strings.Contains(row, "6623") {
			t.Errorf("hint %q, notice %q, card %q", hint, notice, row)
		}

		// the payer cancels the second inscription on Transbank's page
		if err := chromedp.Do(b.ctx, chromedp.Click(css("#add-card button"))); err != nil {
			t.Fatal(err)
		}
		b.at(fake.URL + "/webpayserver/bp_inscription.cgi")
		if err := chromedp.Do(b.ctx, chromedp.WaitVisible(css("#cancel")), chromedp.Click(css("#cancel"))); err != nil {
			t.Fatal(err)
		}
		b.at(sessionURL + "?error=")
		if err := chromedp.Do(b.ctx, chromedp.WaitVisible(css(".error")), b.text(".error", &alert), b.shot("cancelled", 390, 844)); err != nil {
			t.Fatal(err)
		}
		if alert != "Canceló el registro de la tarjeta; no se guardó nada." {
			t.Errorf("after cancelling: %q", alert)
		}
		var statuses []string
		for _, s := range live.Get("/sources/?customer=" + cus).Expect(200)["results"].([]any) {
			statuses = append(statuses, s.(map[string]any)["status"].(string))
		}
		slices.Sort(statuses)
		if strings.Join(statuses, ",") != "chargeable,failed" {
			t.Errorf("the customer's sources: %v", statuses)
		}
	})
}
