package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// Every registered route is in /openapi.json, and every documented
// operation is really served (not the unmatched 404/405).
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("US")
	cl := e.Workspace("CL") // the SII biller routes exist for Chilean workspaces only
	r := e.Anonymous().Get("/openapi.json")
	r.Expect(200)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	routes := e.Server.Routes()
	ops := 0
	for _, p := range doc.Paths {
		ops += len(p)
	}
	if ops != len(routes) {
		t.Errorf("document has %d operations, router %d", ops, len(routes))
	}
	for _, rt := range routes {
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s missing from /openapi.json", rt.Method, rt.Path)
			continue
		}
		if op["operationId"] == "" || op["responses"] == nil {
			t.Errorf("%s %s: incomplete operation", rt.Method, rt.Path)
		}
		// the route answers for real: anything but the router's own 404/405
		path := strings.ReplaceAll(rt.Path, "{id}", "zz")
		caller := c
		if strings.HasPrefix(rt.Path, "/test_clocks/") { // test mode only
			caller = c.Test()
		}
		if strings.HasPrefix(rt.Path, "/billers/") || strings.HasPrefix(rt.Path, "/purchases/received/") || strings.HasPrefix(rt.Path, "/books/") { // Chile only
			caller = cl
		}
		res := caller.Do(rt.Method, path, nil)
		if res.Status == 405 {
			t.Errorf("%s %s: documented but answers 405", rt.Method, rt.Path)
		}
		// GET/DELETE of the SII certificate and of the logo answer 404 while none is uploaded
		if res.Status == 404 && !strings.Contains(rt.Path, "{") && rt.Path != "/billers/built_in/certificate/" && rt.Path != "/settings/workspace/logo/" {
			t.Errorf("%s %s: documented but answers 404", rt.Method, rt.Path)
		}
	}
	d := e.Anonymous().Get("/docs")
	if d.Status != 200 || !strings.Contains(string(d.Body), "/openapi.json") || !strings.HasPrefix(d.Header.Get("Content-Type"), "text/html") {
		t.Errorf("/docs: %d %s", d.Status, d.Header.Get("Content-Type"))
	}
}

func TestMetrics(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("US")
	c.Get("/customers/").Expect(200)
	r := e.Anonymous().Get("/metrics")
	body := string(r.Body)
	if r.Status != 200 || !strings.Contains(body, `cobro_http_requests_total{method="GET",route="/customers",status="200"} 1`) ||
		!strings.Contains(body, "cobro_http_request_duration_seconds_bucket") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d\n%.2000s", r.Status, body)
	}
}
