package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// chromiumPath finds the Debian chromium (CI installs it; .ci/run).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// shotDir is where screenshots go: COBRO_SCREENSHOTS when set (to look at
// them), else the test's temporary directory.
func shotDir(t *testing.T) string {
	if d := os.Getenv("COBRO_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			return d
		}
	}
	return t.TempDir()
}

// TestHostedCheckoutInBrowser drives the hosted page in a real headless
// Chromium with a phone-sized window, on both databases with one browser:
// the success card ends on the receipt (intent finalized, invoice paid);
// the declined card shows the decline and captures nothing; the card
// that asks for authentication goes through the simulated bank page and
// back to the receipt.
func TestHostedCheckoutInBrowser(t *testing.T) {
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed: skipping the browser test of the hosted checkout (CI installs it: apt-get install chromium)")
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
			e := apitest.New(t, dialect)
			c := e.Workspace("US").Test()
			l := c.Post("/payment_links/links/", map[string]any{"amount": "49.90", "currency": "USD", "description": "Ceramics workshop (1 session)"}).Expect(201)
			url, lid := apitest.Str(l, "url"), apitest.Str(l, "id")

			tab, cancelTab := chromedp.NewContext(browser)
			defer cancelTab()
			ctx, cancel := context.WithTimeout(tab, 60*time.Second)
			defer cancel()
			shot := func(name string) chromedp.Action[chromedp.Void] {
				return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					buf, err := chromedp.FullScreenshot(100)(ctx, tg)
					if err != nil {
						return chromedp.Void{}, err
					}
					p := filepath.Join(dir, dialect+"-"+name+".png")
					t.Logf("screenshot %s", p)
					return chromedp.Void{}, os.WriteFile(p, buf, 0o644)
				}
			}
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			exp := "1230"
			page := url
			fill := func(number string) chromedp.Action[chromedp.Void] {
				return chromedp.Steps(
					chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile),
					chromedp.Navigate(page),
					chromedp.WaitVisible(css("#name")),
					chromedp.SendKeys(css("#name"), "Josefa Rojas"),
					chromedp.SendKeys(css("#email"), "jrojas@example.com"),
					chromedp.SendKeys(css("#number"), number),
					chromedp.SendKeys(css("#exp"), exp),
					chromedp.SendKeys(css("#cvc"), "123"),
				)
			}
			text := func(sel string, dst *string) chromedp.Action[chromedp.Void] {
				return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					v, err := chromedp.Text(css(sel))(ctx, tg)
					*dst = v
					return chromedp.Void{}, err
				}
			}

			// declined: the page says so, nothing is captured
			var alert string
			if err := chromedp.Do(ctx, fill("4000000000000002"), shot("form"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#alert")),
				text("#alert", &alert),
				shot("declined")); err != nil {
				t.Fatalf("declined card: %v", err)
			}
			if !strings.Contains(alert, "declined") {
				t.Errorf("decline message %q", alert)
			}
			intents := c.Get("/payment_links/intents/?link=" + lid).Expect(200)["results"].([]any)
			if len(intents) != 1 || intents[0].(map[string]any)["status"] != "failed" || intents[0].(map[string]any)["payment"] != nil {
				t.Fatalf("after the decline: %v", intents)
			}
			wantField(t, c.Get("/payments/").Expect(200), "count", "0")
			wantField(t, c.Get("/invoices/").Expect(200), "count", "0")

			// a mistyped card number is shown on its field
			var numErr string
			if err := chromedp.Do(ctx, fill("4242424242424241"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#err-number:not(:empty)")),
				text("#err-number", &numErr), shot("invalid-number")); err != nil {
				t.Fatalf("invalid number: %v", err)
			}
			if numErr != "Invalid card number." {
				t.Errorf("number error %q", numErr)
			}

			// an expired card too
			var expErr string
			exp = "0126"
			if err := chromedp.Do(ctx, fill("4242424242424242"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#err-exp:not(:empty)")),
				text("#err-exp", &expErr)); err != nil {
				t.Fatalf("expired card: %v", err)
			}
			if expErr != "The card has expired." {
				t.Errorf("expiry error %q", expErr)
			}
			exp = "1230"

			// success: receipt, intent finalized, invoice paid
			var receipt string
			if err := chromedp.Do(ctx, fill("4242424242424242"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#done")),
				text("#done", &receipt),
				shot("success")); err != nil {
				t.Fatalf("success card: %v", err)
			}
			if !strings.Contains(receipt, "Payment received") {
				t.Errorf("receipt %q", receipt)
			}
			fin := c.Get("/payment_links/intents/?link=" + lid + "&status=finalized").Expect(200)["results"].([]any)
			if len(fin) != 1 {
				t.Fatalf("finalized intents: %d", len(fin))
			}
			in := fin[0].(map[string]any)
			if st := c.Get("/invoices/" + apitest.Str(in, "invoice") + "/").Expect(200)["status"]; st != "paid" {
				t.Fatalf("invoice %v", st)
			}
			if !strings.Contains(receipt, apitest.Str(in, "id")) {
				t.Errorf("receipt does not name the intent: %q", receipt)
			}

			// authentication: the bank page, Approve, back to the receipt
			if err := chromedp.Do(ctx, fill("4000002760003184"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#approve")), shot("authenticate"),
				chromedp.Click(css("#approve")),
				chromedp.WaitVisible(css("#done")),
				text("#done", &receipt)); err != nil {
				t.Fatalf("authentication: %v", err)
			}
			wantField(t, c.Get("/payment_links/intents/?link="+lid+"&status=finalized").Expect(200), "count", "2")

			// a Chilean link: Spanish, CLP without decimals
			cl := e.Workspace("CL").Test()
			clBiller(t, cl, false) // the boleta is issued by the SII sandbox
			clURL := apitest.Str(cl.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "CLP", "description": "Taller de cerámica (1 sesión)"}).Expect(201), "url")
			var amount string
			page = clURL
			if err := chromedp.Do(ctx, fill("4242424242424242"), text("#amount", &amount), shot("clp"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#done")),
				text("#done", &receipt), shot("clp-paid")); err != nil {
				t.Fatalf("CLP page: %v", err)
			}
			if amount != "$9.990CLP" && amount != "$9.990 CLP" {
				t.Errorf("CLP amount %q", amount)
			}
			if !strings.Contains(receipt, "Pago recibido") || strings.Contains(receipt, "en emisión") {
				t.Errorf("CLP receipt %q", receipt)
			}
			paid := cl.Get("/invoices/?status=paid&document=CL39").Expect(200)
			wantField(t, paid, "count", "1")
		})
	}
}
