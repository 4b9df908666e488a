package api_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// TestCustomerPortalInBrowser drives the customer portal in headless
// Chromium at phone size, on both databases: the session URL opens the
// customer's page, an invoice's PDF downloads, the open invoice is paid
// with the test card through the hosted checkout (which returns to the
// portal), a subscription is cancelled; another customer's invoice is not
// reachable through the session. Screenshots at phone and desktop sizes,
// in English and Spanish, go to COBRO_SCREENSHOTS when set.
func TestCustomerPortalInBrowser(t *testing.T) {
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed: skipping the browser test of the customer portal (CI installs it: apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(390, 844), chromedp.Flag("headless", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	root, cancelRoot := chromedp.NewContext(allocCtx)
	defer cancelRoot()
	if err := chromedp.Do(root); err != nil {
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
			f := newPortalFixture(t, c)
			c.Patch("/settings/collection/", map[string]any{"portal_cancel_subscriptions": true}).Expect(200)
			docFinalize(t, c, "/invoices/", apitest.Str(docCreate(t, c, "/invoices/", docInvBody(f.mine, "date", "2026-05-02")), "id"))
			sessionURL := apitest.Str(c.Post("/customer_base/sessions/", map[string]any{"customer": f.mine}).Expect(201), "url")

			tab, cancelTab := chromedp.NewContext(root)
			defer cancelTab()
			ctx, cancel := context.WithTimeout(tab, 90*time.Second)
			defer cancel()
			shot := func(name string) chromedp.Action[chromedp.Void] {
				return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					buf, err := chromedp.FullScreenshot(100)(ctx, tg)
					if err != nil {
						return chromedp.Void{}, err
					}
					p := filepath.Join(dir, "portal-"+dialect+"-"+name+".png")
					t.Logf("screenshot %s", p)
					return chromedp.Void{}, os.WriteFile(p, buf, 0o644)
				}
			}
			css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
			text := func(sel string, dst *string) chromedp.Action[chromedp.Void] {
				return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
					v, err := chromedp.Text(css(sel))(ctx, tg)
					*dst = v
					return chromedp.Void{}, err
				}
			}
			phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile)
			row := `[data-invoice="` + f.open + `"]`

			// the page, and the PDF downloaded from it
			downloads := t.TempDir()
			progress := chromedp.Events(ctx, browser.DownloadProgress)
			on := true
			var page string
			if err := chromedp.Do(ctx, phone, chromedp.Navigate(sessionURL), chromedp.WaitVisible(css("#invoices")), text("main", &page), shot("phone"),
				chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
						Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &on})
					return err
				}),
				chromedp.Click(css(row+` a[download]`))); err != nil {
				t.Fatalf("open the portal: %v", err)
			}
			if !strings.Contains(page, "Ana Client") || strings.Contains(page, "Other Client") || strings.Contains(page, f.otherInv) {
				t.Errorf("portal page:\n%s", page)
			}
			for ev, err := range progress {
				if err != nil {
					t.Fatalf("download: %v", err)
				}
				if ev.State == browser.DownloadProgressStateCompleted {
					b, err := os.ReadFile(filepath.Join(downloads, ev.GUID))
					if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
						t.Fatalf("downloaded PDF: %v %q", err, b[:min(len(b), 8)])
					}
					break
				}
			}

			// pay the open invoice: the hosted checkout, the test card, back to the portal
			var notice, status string
			if err := chromedp.Do(ctx, chromedp.Click(css(row+` form button`)), chromedp.WaitVisible(css("#number")), shot("checkout"),
				chromedp.SendKeys(css("#number"), "4242424242424242"),
				chromedp.SendKeys(css("#exp"), "1230"),
				chromedp.SendKeys(css("#cvc"), "123"),
				chromedp.Click(css("#submit")),
				chromedp.WaitVisible(css("#done")), shot("paid"),
				chromedp.WaitVisible(css(row+" .s-paid")), text(".notice", &notice), text(row+" .status", &status), shot("back")); err != nil {
				t.Fatalf("pay the open invoice: %v", err)
			}
			if notice != "Payment received. Thank you!" || status != "Paid" {
				t.Errorf("after paying: notice %q, status %q", notice, status)
			}
			if st := c.Get("/invoices/" + f.open + "/").Expect(200)["status"]; st != "paid" {
				t.Errorf("invoice paid in the portal: %v", st)
			}

			// cancel the subscription
			if err := chromedp.Do(ctx, chromedp.Click(css(`[data-subscription="`+f.sub+`"] form button`)),
				chromedp.WaitVisible(css(`[data-subscription="`+f.sub+`"] .s-cancelled`)), text(".notice", &notice), shot("cancelled")); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			if notice != "Subscription cancelled." {
				t.Errorf("after cancelling: %q", notice)
			}
			if st := c.Get("/subscriptions/" + f.sub + "/").Expect(200)["status"]; st != "cancelled" {
				t.Errorf("subscription cancelled in the portal: %v", st)
			}

			// another customer's invoice through this session: not found
			var missing string
			if err := chromedp.Do(ctx, chromedp.Navigate(sessionURL+"invoices/"+f.otherInv+"/pdf/"), text("body", &missing)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(missing, "Not found") {
				t.Errorf("another customer's PDF: %q", missing)
			}

			// desktop size, and a Chilean workspace's page in Spanish
			cl := e.Workspace("CL").Test()
			es := apitest.Str(cl.Post("/customer_base/sessions/", map[string]any{"customer": docCLCustomer(cl, "Comercial Andes SpA", true)}).Expect(201), "url")
			var heading string
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(sessionURL), chromedp.WaitVisible(css("#invoices")), shot("desktop"),
				phone, chromedp.Navigate(es), chromedp.WaitVisible(css("#invoices")), text("#invoices h2", &heading), shot("phone-es")); err != nil {
				t.Fatal(err)
			}
			if heading != "Facturas" {
				t.Errorf("Spanish page: %q", heading)
			}
		})
	}
}
