package api_test

import (
	"context"
	"os"
	"path/filepath"
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
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed: skipping the Webpay browser test (CI installs it: apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(390, 844), chromedp.Flag("headless", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dir := shotDir(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set: skipping the PostgreSQL half")
			}
			e, fake := transbankEnv(t, dialect)
			c := e.Workspace("CL").Test()
			clBiller(t, c, false)
			l := c.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "CLP", "gateway": "transbank_webpay",
				"description": "Taller de cerámica (1 sesión)"}).Expect(201)
			page, lid := apitest.Str(l, "url"), apitest.Str(l, "id")

			tab, cancelTab := chromedp.NewContext(browser)
			defer cancelTab()
			ctx, cancel := context.WithTimeout(tab, 60*time.Second)
			defer cancel()
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			shot := func(name string, w, h int64) chromedp.Action[chromedp.Void] {
				return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					if _, err := chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1))(ctx, tg); err != nil {
						return chromedp.Void{}, err
					}
					buf, err := chromedp.FullScreenshot(100)(ctx, tg)
					if err != nil {
						return chromedp.Void{}, err
					}
					p := filepath.Join(dir, dialect+"-webpay-"+name+".png")
					t.Logf("screenshot %s", p)
					return chromedp.Void{}, os.WriteFile(p, buf, 0o644)
				}
			}
			var hint, receipt, processor string
			text := func(sel string, dst *string) chromedp.Action[chromedp.Void] {
				return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					v, err := chromedp.Text(css(sel))(ctx, tg)
					*dst = v
					return chromedp.Void{}, err
				}
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
				chromedp.Navigate(page),
				chromedp.WaitVisible(css("#name")),
				text("#redirect-hint", &hint),
				chromedp.SendKeys(css("#name"), "Josefa Rojas"),
				chromedp.SendKeys(css("#email"), "jrojas@example.com"),
				shot("form-desktop", 1280, 800),
				shot("form", 390, 844),
				chromedp.Click(css("#submit")),
			); err != nil {
				t.Fatalf("hosted page: %v", err)
			}
			// the page moves to Transbank's (the fake's), then back to Cobro
			at := func(prefix string) {
				t.Helper()
				for {
					loc, err := chromedp.Run(ctx, chromedp.Location())
					if err != nil {
						t.Fatalf("waiting for %s: %v", prefix, err)
					}
					if strings.HasPrefix(loc, prefix) {
						return
					}
					if err := chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
						t.Fatalf("waiting for %s: %v", prefix, err)
					}
				}
			}
			at(fake.URL + "/webpayserver/")
			if err := chromedp.Do(ctx,
				chromedp.WaitVisible(css("#pay")),
				text("#amount", &processor),
				shot("processor", 390, 844),
				chromedp.Click(css("#pay")),
			); err != nil {
				t.Fatalf("processor page: %v", err)
			}
			at(e.URL + "/publishable/payment_links/links/")
			if err := chromedp.Do(ctx,
				chromedp.WaitVisible(css("#done")),
				text("#done", &receipt),
				shot("receipt", 390, 844),
				shot("receipt-desktop", 1280, 800),
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
}
