package checkout

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestFormatAmount(t *testing.T) {
	cases := []struct {
		amount  string
		rounded bool
		lang    string
		want    string
	}{
		{"9990", true, "es", "$9.990"},
		{"1234567", true, "es", "$1.234.567"},
		{"147.6", false, "en", "$147.60"},
		{"1234.5", false, "en", "$1,234.50"},
		{"1234.5", false, "es", "$1.234,50"},
		{"999.5", true, "es", "$1.000"},
		{"0", false, "en", "$0.00"},
	}
	for _, c := range cases {
		if got := FormatAmount(decimal.RequireFromString(c.amount), c.rounded, c.lang); got != c.want {
			t.Errorf("%s %v %s: %s, want %s", c.amount, c.rounded, c.lang, got, c.want)
		}
	}
}

// The page escapes what the merchant typed and loads nothing from elsewhere.
func TestHostedPageIsSelfContained(t *testing.T) {
	p, err := Hosted(Link{Key: "pk_x", Merchant: "Acme <b>", Country: "US", Description: `"><script>alert(1)</script>`,
		Amount: decimal.NewFromInt(10), Currency: "USD", PayerFields: []string{"name", "email"}, ReturnURL: "https://shop.example.com/</script>"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(p.Body)
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "Acme <b>") || strings.Contains(body, "shop.example.com/</script>") {
		t.Fatal("unescaped merchant text")
	}
	for _, bad := range []string{"src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(body, bad) {
			t.Errorf("external asset: %s", bad)
		}
	}
	if !strings.Contains(p.Header["Content-Security-Policy"], "default-src 'none'") {
		t.Error("no CSP")
	}
}

// A Stripe link's page takes the card in Stripe's fields: it loads
// Stripe.js from js.stripe.com and nothing else from outside, has no card
// input of its own, and its CSP opens exactly Stripe's hosts.
func TestStripePageLoadsOnlyStripeJS(t *testing.T) {
	p, err := Hosted(Link{Key: "pk_x", Merchant: "Acme", Country: "CL", Description: "Taller", Amount: decimal.NewFromInt(9990),
		Currency: "CLP", Rounded: true, TestMode: true, PayerFields: []string{"name", "email"}, StripeKey: "pk_test_abc"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(p.Body)
	if n := strings.Count(body, `src="http`); n != 1 || !strings.Contains(body, `<script src="https://js.stripe.com/v3/"`) {
		t.Errorf("external scripts: %d, want only Stripe.js", n)
	}
	for _, input := range []string{`id="number"`, `id="exp"`, `id="cvc"`, `cc-number`} {
		if strings.Contains(body, input) {
			t.Errorf("the Stripe page has a card input of its own: %s", input)
		}
	}
	if !strings.Contains(body, `id="card-element"`) || !strings.Contains(body, `"stripeKey":"pk_test_abc"`) {
		t.Error("no Stripe card field or key")
	}
	csp := p.Header["Content-Security-Policy"]
	for _, want := range []string{"script-src 'nonce-", "https://js.stripe.com", "frame-src https://js.stripe.com https://hooks.stripe.com", "connect-src 'self' https://api.stripe.com", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	plain, err := Hosted(Link{Key: "pk_x", Merchant: "Acme", Country: "CL", Amount: decimal.NewFromInt(9990), Currency: "CLP", PayerFields: []string{"name", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.Header["Content-Security-Policy"], "stripe") || strings.Contains(string(plain.Body), "js.stripe.com") {
		t.Error("a test-gateway page opens Stripe's hosts")
	}
}
