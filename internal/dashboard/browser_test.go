package dashboard_test

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
	"github.com/cobrobilling/cobro/internal/workspace"
)

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// shotDir is where screenshots go: COBRO_SCREENSHOTS when set (to look
// at them), else the test's temporary directory.
func shotDir(t *testing.T) string {
	if d := os.Getenv("COBRO_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			return d
		}
	}
	return t.TempDir()
}

// browser is one headless Chromium shared by a test's subtests.
func browser(t *testing.T) context.Context {
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed: skipping the dashboard browser test (CI installs it: apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800), chromedp.Flag("headless", true), chromedp.Flag("lang", "en-US"))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	b, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(b); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

type driver struct {
	t   *testing.T
	ctx context.Context
	dir string
	db  string
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

func (d *driver) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		page, _ := chromedp.Run(d.ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		d.t.Fatalf("%s: %v\npage: %s", what, err, page)
	}
}

func (d *driver) text(sel string) string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Text(css(sel)))
	if err != nil {
		d.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (d *driver) eval(js string) string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		d.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (d *driver) location() string {
	d.t.Helper()
	s, err := chromedp.Run(d.ctx, chromedp.Location())
	if err != nil {
		d.t.Fatal(err)
	}
	return s
}

// shots takes the page at phone (390×844) and desktop (1280×800) sizes.
func (d *driver) shots(name string) {
	d.t.Helper()
	for _, size := range []struct {
		w, h   int64
		suffix string
		mobile bool
	}{{390, 844, "phone", true}, {1280, 800, "desktop", false}} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := chromedp.Do(d.ctx, chromedp.EmulateViewport(size.w, size.h, opts...), chromedp.Sleep(150*time.Millisecond)); err != nil {
			d.t.Fatal(err)
		}
		buf, err := chromedp.Run(d.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			d.t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(d.dir, d.db+"-"+name+"-"+size.suffix+".png")
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			d.t.Fatal(err)
		}
	}
}

// TestDashboardInBrowser is issue 20's browser test, on both databases:
// sign in, switch to test mode, create a customer, an invoice with two
// lines (the totals shown are the API's), finalize it, open its PDF,
// create a payment link and pay it with the test card on the hosted page,
// and see the home figures and charts change. Every page is captured at
// phone and desktop sizes.
func TestDashboardInBrowser(t *testing.T) {
	b := browser(t)
	dir := shotDir(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set: skipping the PostgreSQL half")
			}
			e := apitest.New(t, dialect)
			c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
			tab, cancelTab := chromedp.NewContext(b)
			defer cancelTab()
			ctx, cancel := context.WithTimeout(tab, 300*time.Second)
			defer cancel()
			d := &driver{t: t, ctx: ctx, dir: dir, db: dialect}
			// the first action opens the tab: on ctx itself, so that a step's
			// shorter deadline does not close it
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
				t.Fatal(err)
			}

			// sign in
			d.do("sign-in page", chromedp.Navigate(e.URL+"/?lang=en"), chromedp.WaitVisible(css("#signin")))
			d.shots("signin")
			d.do("sign in", chromedp.SendKeys(css("#email"), "owner@example.com"), chromedp.SendKeys(css("#password"), "correct horse battery"),
				chromedp.Click(css("#signin-submit")), chromedp.WaitVisible(css("#fig-mrr")))
			// test mode, with its banner
			d.eval(`(async () => { const s = document.getElementById('sw-mode'); s.value = 'test'; s.form.submit(); return 'ok'; })()`)
			d.do("test mode", chromedp.WaitVisible(css("#test-banner")), chromedp.WaitVisible(css("#chart-revenue")))
			revenueBefore := d.eval(`document.querySelector('#chart-revenue .bar:last-of-type').dataset.value`)
			paymentsBefore := d.text("#fig-payments")
			if revenueBefore != "0" || paymentsBefore != "0.00 USD" {
				t.Fatalf("a new workspace's home: revenue %q, payments %q", revenueBefore, paymentsBefore)
			}
			d.shots("home-empty")

			// a customer
			d.do("customers", chromedp.Navigate(e.URL+"/app/customers"), chromedp.Click(css("#new-customers")),
				chromedp.SendKeys(css("#f-name"), "Comercial Andes"), chromedp.SendKeys(css("#f-email"), "pagos@andes.example"), chromedp.SendKeys(css("#f-address"), "100 Main St"), chromedp.SetValue(css("#f-state"), "IL"),
				chromedp.Click(css("#create-customers")), chromedp.WaitVisible(css("#customer-name")))
			if got := d.text("#customer-name"); got != "Comercial Andes" {
				t.Fatalf("customer page shows %q", got)
			}
			cusID := d.location()[strings.LastIndex(d.location(), "/")+1:]
			wantField(t, c.Test().Get("/customers/"+cusID+"/").Expect(200), "name", "Comercial Andes")
			d.shots("customer")

			// an invoice with two lines: a draft whose totals come from the API
			d.do("new invoice", chromedp.Click(css("#customer-new-invoice")), chromedp.WaitVisible(css("#ln-0")),
				chromedp.SendKeys(css("#ln-0"), "Consulting (March)"), chromedp.SetValue(css("#lq-0"), "2"), chromedp.SendKeys(css("#la-0"), "150.00"),
				chromedp.Click(css("#add-line")), chromedp.WaitVisible(css("#ln-1")),
				chromedp.SendKeys(css("#ln-1"), "Hosting"), chromedp.SendKeys(css("#la-1"), "49.90"))
			d.shots("invoice-new")
			d.do("save draft", chromedp.Click(css("#save-draft")), chromedp.WaitVisible(css("#finalize")))
			invID := d.location()[strings.LastIndex(d.location(), "/")+1:]
			inv := c.Test().Get("/invoices/" + invID + "/").Expect(200)
			if n := len(inv["lines"].([]any)); n != 2 {
				t.Fatalf("invoice has %d lines", n)
			}
			if got, want := d.text("#t-total"), apitest.Num(inv["total"])+" USD"; got != want || want != "349.90 USD" {
				t.Fatalf("page total %q, API total %q (want 349.90)", got, want)
			}
			d.shots("invoice-draft")

			// finalize, then its PDF
			d.eval(`window.confirm = () => true; 'ok'`)
			d.do("finalize", chromedp.Click(css("#finalize")), chromedp.WaitVisible(css("#open-pdf")))
			if st := d.text("#invoice-status"); st != "finalized" {
				t.Fatalf("status after finalize %q", st)
			}
			wantField(t, c.Test().Get("/invoices/"+invID+"/").Expect(200), "status", "finalized")
			pdf := d.eval(`fetch(document.getElementById('open-pdf').href).then(async r => r.headers.get('content-type') + '|' + new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)))`)
			if pdf != "application/pdf|%PDF-" {
				t.Fatalf("PDF answer %q", pdf)
			}
			d.shots("invoice-finalized")
			d.do("home after finalize", chromedp.Navigate(e.URL+"/app"), chromedp.WaitVisible(css("#chart-revenue")))
			if rev := d.eval(`document.querySelector('#chart-revenue .bar:last-of-type').dataset.value`); rev != "349.9" {
				t.Fatalf("revenue bar after finalize %q", rev)
			}
			if out := d.text("#fig-outstanding"); out != "349.90 USD" {
				t.Fatalf("outstanding after finalize %q", out)
			}

			// a payment link for it, paid with the test card
			d.do("payment link", chromedp.Navigate(e.URL+"/app/invoices/"+invID), chromedp.Click(css("#create-link")), chromedp.WaitVisible(css("#link-url")))
			d.shots("invoice-link")
			url, err := chromedp.Run(ctx, chromedp.Value(css("#link-url")))
			if err != nil || !strings.Contains(url, "/publishable/payment_links/links/") {
				t.Fatalf("link url %q: %v", url, err)
			}
			d.do("pay", chromedp.Navigate(url), chromedp.WaitVisible(css("#number")),
				chromedp.SendKeys(css("#number"), "4242424242424242"), chromedp.SendKeys(css("#exp"), "1230"), chromedp.SendKeys(css("#cvc"), "123"),
				chromedp.Click(css("#submit")), chromedp.WaitVisible(css("#done")))
			wantField(t, c.Test().Get("/invoices/"+invID+"/").Expect(200), "status", "paid")

			d.do("home after payment", chromedp.Navigate(e.URL+"/app"), chromedp.WaitVisible(css("#chart-revenue")))
			if got := d.text("#fig-payments"); got != "349.90 USD" {
				t.Fatalf("payments this month after paying: %q", got)
			}
			if got := d.text("#fig-outstanding"); got != "0.00 USD" {
				t.Fatalf("outstanding after paying: %q", got)
			}
			d.shots("home")

			// every other page, at both sizes
			for _, p := range []string{"customers", "invoices", "credit-notes", "orders", "subscriptions", "products", "plans", "addons", "coupons",
				"payments", "payment-links", "suppliers", "purchases", "webhooks", "events", "settings"} {
				d.do(p, chromedp.Navigate(e.URL+"/app/"+p), chromedp.WaitVisible(css("main h1")))
				d.shots(p)
			}
			// Spanish
			d.do("spanish", chromedp.Navigate(e.URL+"/app?lang=es"), chromedp.WaitVisible(css("#fig-mrr")))
			if h := d.text("main h1"); h != "Inicio" {
				t.Fatalf("Spanish home title %q", h)
			}
			d.shots("home-es")
			// a Chilean workspace of the same user: the switcher, Spanish, the SII settings
			cl := e.Workspace("CL")
			if err := workspace.AddMember(context.Background(), e.DB, c.User, cl.Workspace, e.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			cl.Patch("/billers/built_in/", map[string]any{"rut": "77.123.456-9", "business_name": "Servicios Cobro Demo SpA", "address": "Av. Providencia 1208", "commune": "Providencia"}).Expect(200)
			d.do("switcher", chromedp.Navigate(e.URL+"/app"), chromedp.WaitVisible(css("#sw-ws")))
			d.eval(`(async () => { const s = document.getElementById('sw-ws'); s.value = '` + cl.Workspace + `'; s.form.submit(); return 'ok'; })()`)
			d.do("Chilean home", chromedp.WaitVisible(css("#fig-mrr")))
			if got := d.text("#fig-mrr"); got != "0 CLP" {
				t.Fatalf("Chilean MRR %q", got)
			}
			for _, p := range []string{"settings", "invoices/new", "customers"} {
				d.do(p, chromedp.Navigate(e.URL+"/app/"+p), chromedp.WaitVisible(css("main h1")))
				d.shots("cl-" + strings.ReplaceAll(p, "/", "-"))
			}
			d.do("sign out", chromedp.Click(css(".logout button")), chromedp.WaitVisible(css("#signin")))
		})
	}
}
