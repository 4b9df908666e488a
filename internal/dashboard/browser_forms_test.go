package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

// TestFormsAndInviteInBrowser, on both databases: an order made with the
// line editor in Chromium shows the API's total; a partial credit note
// from an invoice page; then a user is invited from the settings page,
// opens the link of the email the SMTP fake received, sets a password and
// signs in. Every new page is captured at phone and desktop sizes.
func TestFormsAndInviteInBrowser(t *testing.T) {
	b := browser(t)
	dir := shotDir(t)
	var srv *mailtest.FakeSMTP
	eachWith(t, smtpSetup(&srv), func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Comercial Andes", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		c.Post("/suppliers/", map[string]any{"name": "Paper Mill", "country": "US"}).Expect(201)
		inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "Consulting", "quantity": "2", "amount": "150"}, map[string]any{"name": "Hosting", "quantity": "3", "amount": "20"}}}).Expect(201), "id")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		tab, cancelTab := chromedp.NewContext(b)
		defer cancelTab()
		ctx, cancel := context.WithTimeout(tab, 300*time.Second)
		defer cancel()
		d := &driver{t: t, ctx: ctx, dir: dir, db: e.DB.Dialect.Name()}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
			t.Fatal(err)
		}
		d.do("sign in", chromedp.Navigate(e.URL+"/?lang=en"), chromedp.WaitVisible(css("#signin")), chromedp.SendKeys(css("#email"), "owner@example.com"),
			chromedp.SendKeys(css("#password"), "correct horse battery"), chromedp.Click(css("#signin-submit")), chromedp.WaitVisible(css("#fig-mrr")))

		// an order with two lines
		d.do("new order", chromedp.Navigate(e.URL+"/app/orders"), chromedp.Click(css("#new-doc")), chromedp.WaitVisible(css("#ln-0")),
			chromedp.SendKeys(css("#address"), "Av. Providencia 1208"), chromedp.SendKeys(css("#ln-0"), "Pallets"), chromedp.SetValue(css("#lq-0"), "4"), chromedp.SendKeys(css("#la-0"), "12.50"),
			chromedp.Click(css("#add-line")), chromedp.WaitVisible(css("#ln-1")), chromedp.SendKeys(css("#ln-1"), "Freight"), chromedp.SendKeys(css("#la-1"), "30"))
		d.shots("order-new")
		d.do("save order", chromedp.Click(css("#save-draft")), chromedp.WaitVisible(css("#action-finalize")))
		order := c.Get("/orders/" + d.location()[strings.LastIndex(d.location(), "/")+1:] + "/").Expect(200)
		if got := d.text("#t-total"); got != "80.00 USD" || apitest.Num(order["total"]) != "80.00" {
			t.Fatalf("order page total %q, API %v", got, order["total"])
		}
		d.shots("order")
		for _, p := range []string{"purchases/new", "debit-notes/new"} {
			d.do(p, chromedp.Navigate(e.URL+"/app/"+p), chromedp.WaitVisible(css("#ln-0")))
			d.shots(strings.ReplaceAll(p, "/", "-"))
		}
		d.do("addons", chromedp.Navigate(e.URL+"/app/addons"), chromedp.Click(css("#new-addons")), chromedp.WaitVisible(css("#f-apply_scheme")))
		d.shots("addons-new")

		// a partial credit note: two of the three hosting months
		d.do("credit", chromedp.Navigate(e.URL+"/app/invoices/"+inv), chromedp.WaitVisible(css("#credit-form")), chromedp.Click(css("#credit-1")),
			chromedp.SetValue(css("#cq-1"), "2"))
		d.shots("invoice-credit")
		d.do("create credit", chromedp.Click(css("#create-credit")), chromedp.WaitVisible(css("#action-finalize")))
		if got := d.text("#t-total"); got != "40.00 USD" {
			t.Fatalf("credit note total %q", got)
		}

		// invite a user
		d.do("invite", chromedp.Navigate(e.URL+"/app/settings"), chromedp.SendKeys(css("#invite-email"), "ana@acme.test"), chromedp.Click(css("#invite-send")),
			chromedp.WaitVisible(css("#invited")))
		d.shots("settings-invited")
		links := sendInvites(t, e, srv, 0)
		if len(links) != 1 {
			t.Fatalf("invitation emails: %v", links)
		}
		d.do("sign out", chromedp.Click(css(".logout button")), chromedp.WaitVisible(css("#signin")))
		d.do("open the link", chromedp.Navigate(e.URL+links[0]), chromedp.WaitVisible(css("#invite-accept")))
		d.shots("invite")
		d.do("set password", chromedp.SendKeys(css("#password"), "ana's long password"), chromedp.SendKeys(css("#password2"), "ana's long password"),
			chromedp.Click(css("#invite-submit")), chromedp.WaitVisible(css("#notice")))
		d.shots("signin-joined")
		d.do("the invitee signs in", chromedp.SendKeys(css("#email"), "ana@acme.test"), chromedp.SendKeys(css("#password"), "ana's long password"),
			chromedp.Click(css("#signin-submit")), chromedp.WaitVisible(css("#fig-mrr")))
		d.do("spent link", chromedp.Navigate(e.URL+links[0]), chromedp.WaitVisible(css("#alert")))
		d.shots("invite-spent")

		// a test-mode webhook's delivery log
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
		defer receiver.Close()
		hook := apitest.Str(c.Test().Post("/webhooks/", map[string]any{"url": receiver.URL + "/hooks"}).Expect(201), "id")
		c.Test().Post("/customers/", map[string]any{"name": "Test Co", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201)
		if _, err := e.Webhooks.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		d.do("home", chromedp.Navigate(e.URL+"/app"), chromedp.WaitVisible(css("#sw-mode")))
		d.eval(`(async () => { const s = document.getElementById('sw-mode'); s.value = 'test'; s.form.submit(); return 'ok'; })()`)
		d.do("test mode", chromedp.WaitVisible(css("#test-banner")), chromedp.Navigate(e.URL+"/app/webhooks/"+hook), chromedp.WaitVisible(css("#delivery-log .redeliver")))
		d.shots("webhook-log")
	})
}
