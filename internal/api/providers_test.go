package api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/gateway"
)

// acme is an adapter with a settings schema, to exercise the credentials
// API (docs/payments.md#13-credentials) without a processor: it pays like
// the test gateway.
type acme struct{}

func (acme) Info() gateway.Info {
	return gateway.Info{ID: "acme", Name: "Acme", Kind: "card", Usage: []string{"single"}, Modes: []string{"test", "live"}, Checkout: gateway.CheckoutCardForm}
}

func (acme) Settings() []gateway.Setting {
	digits := func(v string) string {
		if strings.Trim(v, "0123456789") != "" {
			return "Only digits."
		}
		return ""
	}
	return []gateway.Setting{
		{Name: "environment", Choices: []string{"integration", "production"}, Default: "integration"},
		{Name: "merchant_id", Required: true, Check: digits},
		{Name: "api_secret", Secret: true, Required: true},
	}
}

func (acme) Defaults(bool) (gateway.Credentials, bool) { return nil, false }

func (acme) Bind(gateway.Credentials, bool) gateway.Gateway { return acmeGateway{} }

type acmeGateway struct{ gateway.Test }

func (acmeGateway) Info() gateway.Info { return acme{}.Info() }

func withAcme(c *app.Config) { c.Gateways = []gateway.Adapter{acme{}} }

const acmeUnset = `{"id": "acme", "name": "Acme", "kind": "card", "usage": ["single"], "modes": ["test", "live"], "checkout": "card_form",
	"configured": false, "default": false, "settings": {}, "secrets": [],
	"fields": [{"name": "environment", "secret": false, "required": false, "choices": ["integration", "production"], "default": "integration"},
		{"name": "merchant_id", "secret": false, "required": true}, {"name": "api_secret", "secret": true, "required": true}]}`

func TestProviderCredentials(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			e := apitest.NewWith(t, dialect, withAcme)
			live := e.Workspace("CL")
			c := live.Test()
			unset := acmeUnset
			c.Get("/providers/acme/").ExpectBody(200, unset)

			// every bad value is reported by field; nothing is stored
			c.Patch("/providers/acme/", map[string]any{"environment": "prod", "merchant_id": "12a", "api_secret": 5, "colour": "x", "default": "maybe"}).
				ExpectBody(400, `{"environment": ["\"prod\" is not a valid choice."], "merchant_id": ["Only digits."], "api_secret": ["Not a valid string."],
					"colour": ["Unknown setting of the acme gateway; expected one of: environment, merchant_id, api_secret."], "default": ["Must be a valid boolean."]}`)
			c.Patch("/providers/acme/", map[string]any{"merchant_id": "597"}).ExpectBody(400, `{"api_secret": ["This field is required."]}`)
			c.Patch("/providers/acme/", map[string]any{"default": true}).ExpectBody(400, `{"default": ["Configure the gateway before making it the default."]}`)
			c.Patch("/providers/test/", map[string]any{"key": "x"}).ExpectBody(400, `{"key": ["The test gateway takes no settings."]}`)
			live.Patch("/providers/test/", map[string]any{}).ExpectBody(400, `{"non_field_errors": ["The test gateway is only available in test mode."]}`)
			c.Patch("/providers/stripe-x/", map[string]any{}).Expect(404)
			c.Get("/providers/acme/").ExpectBody(200, unset)

			// configured: settings shown, the secret only by name
			got := c.Patch("/providers/acme/", map[string]any{"merchant_id": "597055555532", "api_secret": "s3cr3t-value"})
			if bytes.Contains(got.Body, []byte("s3cr3t")) {
				t.Fatalf("a secret was returned: %s", got.Body)
			}
			set := strings.Replace(strings.Replace(unset, `"configured": false`, `"configured": true`, 1),
				`"settings": {}, "secrets": []`, `"settings": {"environment": "integration", "merchant_id": "597055555532"}, "secrets": ["api_secret"]`, 1)
			got.ExpectBody(200, set)
			c.Get("/providers/acme/").ExpectBody(200, set)
			if list := c.Get("/providers/").Body; bytes.Contains(list, []byte("s3cr3t")) || !bytes.Contains(list, []byte(`"configured":true`)) {
				t.Fatalf("list: %s", list)
			}
			// sealed at rest: the stored row holds no clear secret
			var settings string
			var sealed []byte
			if err := e.DB.QueryRowContext(context.Background(), `SELECT settings, secrets FROM gateway_accounts WHERE gateway = 'acme'`).Scan(&settings, &sealed); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(settings, "s3cr3t") || bytes.Contains(sealed, []byte("s3cr3t")) || len(sealed) == 0 {
				t.Fatalf("stored in clear: %s / %x", settings, sealed)
			}

			// per mode and per workspace
			live.Get("/providers/acme/").ExpectBody(200, unset)
			e.Workspace("CL").Test().Get("/providers/acme/").ExpectBody(200, unset)

			// a secret can change alone; the other settings stay
			c.Patch("/providers/acme/", map[string]any{"api_secret": "other", "environment": "production"}).Expect(200)
			if p := c.Get("/providers/acme/").Expect(200); p["settings"].(map[string]any)["environment"] != "production" {
				t.Fatalf("environment: %v", p)
			}
			// clearing every setting unconfigures
			c.Patch("/providers/acme/", map[string]any{"merchant_id": nil, "api_secret": nil, "environment": nil}).ExpectBody(200, unset)
		})
	}
}

// docs/payments.md#14-choosing-the-gateway: links that name no gateway use
// the workspace's default, else test (test mode), else the only one.
func TestGatewayChoice(t *testing.T) {
	apitestEachWith(t, withAcme, func(t *testing.T, e *apitest.Env) {
		live := e.Workspace("US")
		c := live.Test()
		link := func(cl *apitest.Client) string {
			return cl.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).Expect(201)["gateway"].(string)
		}
		if g := link(c); g != "test" {
			t.Fatalf("test mode default %s", g)
		}
		c.Patch("/providers/acme/", map[string]any{"merchant_id": "1", "api_secret": "k"}).Expect(200)
		if g := link(c); g != "test" {
			t.Fatalf("test mode with two gateways %s", g)
		}
		c.Patch("/providers/acme/", map[string]any{"default": true}).Expect(200)
		if g := link(c); g != "acme" {
			t.Fatalf("default acme: %s", g)
		}
		c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD", "gateway": "test"}).Expect(201)

		// live: acme not configured there
		live.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD", "gateway": "acme"}).
			ExpectBody(400, `{"gateway": ["The acme gateway is not configured in this mode: set its credentials with PATCH /providers/acme/."]}`)
		live.Patch("/providers/acme/", map[string]any{"merchant_id": "1", "api_secret": "k"}).Expect(200)
		if g := link(live); g != "acme" {
			t.Fatalf("live only gateway: %s", g)
		}
	})
}

// apitestEachWith is apitest.Each with the application configured.
func apitestEachWith(t *testing.T, configure func(*app.Config), fn func(t *testing.T, e *apitest.Env)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, apitest.NewWith(t, dialect, configure))
		})
	}
}
