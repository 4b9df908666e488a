package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/gateway"
)

// acme is a card gateway with a settings schema, paying like the test one.
type acme struct{}

func (acme) Info() gateway.Info {
	return gateway.Info{ID: "acme", Name: "Acme", Kind: "card", Usage: []string{"single"}, Modes: []string{"test", "live"}, Checkout: gateway.CheckoutCardForm}
}

func (acme) Settings() []gateway.Setting {
	return []gateway.Setting{
		{Name: "environment", Choices: []string{"integration", "production"}, Default: "integration"},
		{Name: "merchant_id", Required: true, Check: func(v string) string {
			if strings.Trim(v, "0123456789") != "" {
				return "Only digits."
			}
			return ""
		}},
		{Name: "api_secret", Secret: true, Required: true},
	}
}

func (acme) Defaults(bool) (gateway.Credentials, bool)      { return nil, false }
func (acme) Bind(gateway.Credentials, bool) gateway.Gateway { return acmeGateway{} }

type acmeGateway struct{ gateway.Test }

func (acmeGateway) Info() gateway.Info { return acme{}.Info() }

// TestGatewaySettings: the settings page sets a gateway's credentials
// through PATCH /providers/{id}/ in the session's mode: the API's message
// on a bad field, then configured and default; the secret is never shown.
func TestGatewaySettings(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set")
			}
			e := apitest.NewWith(t, dialect, func(c *app.Config) { c.Gateways = []gateway.Adapter{acme{}} })
			c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
			b := newBrowserless(t, e)
			b.signIn("owner@example.com", "correct horse battery")
			_, page := b.do("GET", "/app/settings", nil)
			if !strings.Contains(page, `id="gw-acme"`) || !strings.Contains(page, `name="g_api_secret" type="password"`) {
				t.Fatal("no settings form for the acme gateway")
			}
			token := csrfRe.FindStringSubmatch(page)[1]
			res, page := b.do("POST", "/app/settings/gateway", url.Values{"csrf": {token}, "gateway": {"acme"}, "g_merchant_id": {"12a"}, "g_api_secret": {"s3cr3t-value"}})
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Only digits.") {
				t.Fatalf("bad merchant id: %d", res.StatusCode)
			}
			res, _ = b.do("POST", "/app/settings/gateway", url.Values{"csrf": {token}, "gateway": {"acme"}, "g_environment": {"integration"},
				"g_merchant_id": {"597055555532"}, "g_api_secret": {"s3cr3t-value"}, "default": {"on"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("credentials: %d", res.StatusCode)
			}
			got := c.Get("/providers/acme/").Expect(200)
			if got["configured"] != true || got["default"] != true {
				t.Fatalf("provider after the form: %v", got)
			}
			if _, page := b.do("GET", "/app/settings", nil); strings.Contains(page, "s3cr3t") || !strings.Contains(page, `value="597055555532"`) {
				t.Fatal("the page shows the secret, or not the merchant id")
			}
		})
	}
}
