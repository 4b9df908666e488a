package api_test

import (
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

func TestZZProbe(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		c.Post("/customers/", `{"name":"acme lower","address":"x","country":"US","state":"IL","metadata":{"ratio":1.50,"big":12345678901234567890,"f":1e3,"neg":-0,"s":"1.50"}}`).Expect(201)
		c.Post("/customers/", custUSBody("Beta")).Expect(201)
		c.Post("/customers/", custUSBody("Zed")).Expect(201)
		for _, q := range []string{"metadata__ratio=1.50", "metadata__ratio=1.5", "metadata__big=12345678901234567890", "metadata__f=1e3", "metadata__f=1000", "metadata__s=1.50", "ordering=name", "search=ACME%20LOWER"} {
			r := c.Get("/customers/?" + q)
			t.Logf("%s: %d %v", q, r.Status, custCol(r.JSON(), "name"))
		}
		r := c.Get("/customers/?metadata__ratio=1.50")
		_ = r
		t.Logf("%s", c.Get("/customers/?search=acme").Body)
	})
}
