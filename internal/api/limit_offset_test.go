package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// limit/offset pages as Django REST framework's LimitOffsetPagination,
// beside page/page_size (docs/conventions.md#11-lists-pagination-filtering-ordering-search).
func TestLimitOffset(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		var ids []string
		for _, n := range []string{"A", "B", "C", "D", "E"} {
			ids = append(ids, newCustomer(c, "Offset "+n))
			e.Clock.Advance(time.Second) // created orders them
		}
		for _, path := range []string{"/customers/?ordering=created", "/invoices/?ordering=created"} {
			if strings.HasPrefix(path, "/invoices/") {
				ids = nil
				for range 5 {
					ids = append(ids, usInvoice(c, newCustomer(c, "Inv"), "1.00"))
					e.Clock.Advance(time.Second)
				}
			}
			page := func(q string) map[string]any { return c.Get(path + q).Expect(200) }
			results := func(p map[string]any) []string {
				var out []string
				for _, r := range p["results"].([]any) {
					out = append(out, apitest.Str(r.(map[string]any), "id"))
				}
				return out
			}
			link := func(p map[string]any, k string) string {
				if p[k] == nil {
					return "null"
				}
				s := p[k].(string)
				return s[strings.Index(s, "?"):]
			}
			p := page("&limit=2&offset=0")
			if apitest.Num(p["count"]) != "5" || strings.Join(results(p), ",") != strings.Join(ids[:2], ",") ||
				link(p, "next") != "?limit=2&offset=2&ordering=created" || link(p, "previous") != "null" {
				t.Errorf("%s offset 0: %v next %s previous %s", path, results(p), link(p, "next"), link(p, "previous"))
			}
			p = page("&limit=2&offset=2")
			if strings.Join(results(p), ",") != strings.Join(ids[2:4], ",") || link(p, "next") != "?limit=2&offset=4&ordering=created" ||
				link(p, "previous") != "?limit=2&ordering=created" {
				t.Errorf("%s offset 2: %v next %s previous %s", path, results(p), link(p, "next"), link(p, "previous"))
			}
			p = page("&limit=2&offset=3")
			if strings.Join(results(p), ",") != strings.Join(ids[3:5], ",") || link(p, "next") != "null" || link(p, "previous") != "?limit=2&offset=1&ordering=created" {
				t.Errorf("%s offset 3: %v next %s previous %s", path, results(p), link(p, "next"), link(p, "previous"))
			}
			// past the end: an empty page, not a 404
			if p = page("&offset=7"); len(results(p)) != 0 || apitest.Num(p["count"]) != "5" || link(p, "previous") != "?limit=20&ordering=created" {
				t.Errorf("%s offset 7: %v next %s previous %s", path, results(p), link(p, "next"), link(p, "previous"))
			}
		}
		c.Get("/customers/?offset=-1").ExpectBody(400, `{"offset": ["A valid integer between 0 and 1000000000 is required."]}`)
		c.Get("/customers/?offset=x").ExpectBody(400, `{"offset": ["A valid integer between 0 and 1000000000 is required."]}`)
		c.Get("/customers/?page=2&offset=2").ExpectBody(400, `{"offset": ["Give either page or offset, not both."]}`)
	})
}
