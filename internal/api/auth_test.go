package api_test

import (
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// docs/conventions.md#3-authentication-and-headers: the check order and answers, first failing check wins.
func TestAuthCheckOrder(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		other := e.Workspace("CL")
		anon := e.Anonymous()

		r := anon.Get("/customers/")
		r.ExpectBody(401, `{"detail": "Authentication credentials were not provided."}`)
		if r.Header.Get("WWW-Authenticate") != "Token" {
			t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
		}
		anon.Do("GET", "/customers/", nil, "Authorization", "Bearer "+c.Token).
			ExpectBody(401, `{"detail": "Authentication credentials were not provided."}`)
		anon.Do("GET", "/customers/", nil, "Authorization", "Token sk_nope", "x-simple-workspace", c.Workspace).
			ExpectBody(401, `{"detail": "Invalid token."}`)
		// 3: missing workspace header, even with a bad test-mode header
		anon.Do("GET", "/customers/", nil, "Authorization", "Token "+c.Token, "x-piriod-test-mode", "maybe").
			ExpectBody(400, `{"non_field_errors": ["x-simple-workspace header is required."]}`)
		// 4: not a member / unknown workspace
		anon.Do("GET", "/customers/", nil, "Authorization", "Token "+c.Token, "x-simple-workspace", other.Workspace).
			ExpectBody(403, `{"detail": "You do not have permission to access this workspace."}`)
		anon.Do("GET", "/customers/", nil, "Authorization", "Token "+c.Token, "x-simple-workspace", "acc_doesnotexist0000000").
			ExpectBody(403, `{"detail": "You do not have permission to access this workspace."}`)
		// 5: bad test-mode value
		c.Do("GET", "/customers/", nil, "x-piriod-test-mode", "maybe").
			ExpectBody(400, `{"non_field_errors": ["x-piriod-test-mode must be true or false."]}`)
		for _, v := range []string{"true", "TRUE", "1", "false", "False", "0"} {
			c.Do("GET", "/customers/", nil, "x-piriod-test-mode", v).Expect(200)
		}
		// header names are case-insensitive
		anon.Do("GET", "/customers/", nil, "authorization", "Token "+c.Token, "X-Simple-Workspace", c.Workspace).Expect(200)
	})
}

func TestPublicEndpointsNeedNoAuth(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		anon := e.Anonymous()
		anon.Get("/healthz").ExpectBody(200, `{"status": "ok"}`)
		anon.Get("/readyz").ExpectBody(200, `{"status": "ok"}`)
		r := anon.Get("/generals/currencies/")
		r.Expect(200)
		if r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("currencies CORS header = %q", r.Header.Get("Access-Control-Allow-Origin"))
		}
		// garbage auth headers are ignored on public paths
		anon.Do("GET", "/generals/currencies/CLP/", nil, "Authorization", "Token nope").Expect(200)
		// catalogue other than currencies needs auth and sends no CORS
		r = anon.Get("/generals/countries/")
		r.Expect(401)
		if r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Error("countries answered CORS")
		}
	})
}

func TestTokenRotationRevokesAtOnce(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		c.Get("/customers/").Expect(200)
		old := c.Token
		tok, err := rotate(e, c.User)
		if err != nil {
			t.Fatal(err)
		}
		c.Get("/customers/").ExpectBody(401, `{"detail": "Invalid token."}`)
		c.Token = tok
		c.Get("/customers/").Expect(200)
		if old == tok {
			t.Fatal("same token")
		}
	})
}
