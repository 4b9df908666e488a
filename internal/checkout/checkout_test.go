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
