package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/files"
	"github.com/cobrobilling/cobro/internal/webhook"
)

// Tests of issue 13's findings 4 and 6–12 (an outside security review).

// Finding 10: IPv6 encodings of internal space are refused like the
// addresses they reach, by address and through DNS, in both modes.
func TestWebhookURLPolicyIPv6Encodings(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		e.Resolver.Set("nat64.example.com", "64:ff9b:1::a00:1")
		const private = `{"url": ["The URL resolves to a private or loopback address."]}`
		for _, host := range []string{"[fec0::1]", "[::7f00:1]", "[::a9fe:a9fe]", "[64:ff9b::a00:1]", "[64:ff9b:1::7f00:1]", "nat64.example.com"} {
			custCheck(t, c.Post("/webhooks/", map[string]any{"url": "https://" + host + "/hook"}), 400, private, "live "+host)
			custCheck(t, c.Test().Post("/webhooks/", map[string]any{"url": "http://" + host + "/hook"}), 400, private, "test "+host)
		}
	})
}

// Finding 11: a page number past any real list is refused, never wrapped
// into a negative offset or a negative next page.
func TestPageOverflow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		c.Post("/customers/", custExample()).Expect(201)
		const msg = `{"page": ["A valid integer between 1 and 10000000 is required."]}`
		for _, p := range []string{"9223372036854775807", "9223372036854775806", "4611686018427387904", "92233720368547758", "10000001"} {
			custCheck(t, c.Get("/customers/?page="+p), 400, msg, "page "+p)
			custCheck(t, c.Get("/customers/?page_size=100&page="+p), 400, msg, "page_size 100, page "+p)
		}
		custCheck(t, c.Get("/customers/?page=99999999999999999999"), 400, msg, "page beyond int64")
		custCheck(t, c.Get("/customers/?page=-1"), 400, `{"page": ["A valid integer is required."]}`, "negative page")
		for _, size := range []string{"9223372036854775807", "99999999999999999999"} {
			if got := c.Get("/customers/?page_size=" + size).Expect(200); got["next"] != nil {
				t.Errorf("page_size %s: %v", size, got)
			}
		}
		custCheck(t, c.Get("/customers/?page=10000000"), 404, `{"detail": "Invalid page."}`, "last allowed page")
		// lists that page in memory (gateways) too
		custCheck(t, c.Get("/providers/?page=9223372036854775807"), 400, msg, "gateways")
	})
}

// Finding 4: one __in filter holds at most 100 values, and the query
// string at most 8 KiB, so one tenant's list cannot occupy the database.
func TestListInCapAndQueryLength(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		c.Post("/customers/", custExample()).Expect(201)
		taxIDs := func(n int) string {
			v := make([]string, n)
			for i := range v {
				v[i] = fmt.Sprintf("%d-K", i)
			}
			v[n-1] = "76086428-5"
			return strings.Join(v, ",")
		}
		if got := c.Get("/customers/?tax_id__in=" + taxIDs(100)).Expect(200); apitest.Num(got["count"]) != "1" {
			t.Errorf("100 values: %v", got)
		}
		const tooMany = `{"tax_id__in": ["Ensure this list has no more than 100 values."]}`
		custCheck(t, c.Get("/customers/?tax_id__in="+taxIDs(101)), 400, tooMany, "101 values")
		custCheck(t, c.Get("/customers/?tax_id__in="+strings.Repeat(",", 5000)), 400, tooMany, "empty values")
		custCheck(t, c.Get("/customers/?country__in=CL&tax_id__in="+taxIDs(1000)), 400, tooMany, "1,000 values")
		long := "/customers/?search=" + strings.Repeat("a", 8<<10)
		custCheck(t, c.Get(long), 414, `{"detail": "The query string is too long (limit 8192 bytes)."}`, "long query")
		custCheck(t, c.Get("/customers/?search="+strings.Repeat("a", 8<<10-len("search="))), 200, "", "query at the limit")
	})
}

// Finding 12: every answer forbids content sniffing; stored files and
// PDFs are not cached; /docs runs only its own scripts and is not framed.
func TestSecurityHeaders(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		nosniff := func(label string, r *apitest.Resp) {
			t.Helper()
			if r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s (%d): X-Content-Type-Options %q", label, r.Status, r.Header.Get("X-Content-Type-Options"))
			}
		}
		noStore := func(label string, r *apitest.Resp) {
			t.Helper()
			nosniff(label, r)
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s (%d): Cache-Control %q", label, r.Status, r.Header.Get("Cache-Control"))
			}
		}
		cus := acmeCustomer(c)
		nosniff("JSON", c.Get("/customers/"+cus+"/"))
		nosniff("JSON error", c.Get("/customers/cus_nothing/"))
		nosniff("unknown path", e.Anonymous().Get("/nothing/"))
		nosniff("openapi", e.Anonymous().Get("/openapi.json"))
		if r := c.Get("/customers/"); r.Header.Get("Cache-Control") != "" {
			t.Errorf("a plain JSON list got Cache-Control %q", r.Header.Get("Cache-Control"))
		}

		inv := apitest.Str(c.Post("/invoices/", `{"customer": "`+cus+`", "document": "US1", "date": "2025-06-02",
		 "due_date": "2025-07-02", "lines": [{"name": "Widget", "quantity": 3, "amount": 19.99}]}`).Expect(201), "id")
		raw := c.Do("GET", "/invoices/"+inv+"/pdf/", nil, "Accept", "application/pdf")
		if raw.Status != 200 || raw.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("raw PDF %d %s", raw.Status, raw.Header.Get("Content-Type"))
		}
		noStore("raw PDF", raw)
		noStore("PDF in JSON", c.Get("/invoices/"+inv+"/pdf/"))

		// a stored file behind a signed URL
		if _, err := e.DB.Exec(`INSERT INTO files (id, workspace_id, test_mode, object_id, content_type, filename, data, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			"fil_headers", c.Workspace, false, inv, "application/xml; charset=ISO-8859-1", "DTE.xml", []byte("<x/>"), 0); err != nil {
			t.Fatal(err)
		}
		u := files.URL("", []byte("test-secret"), "fil_headers", e.Clock.Now())
		f := e.Anonymous().Get(u)
		if f.Status != 200 || string(f.Body) != "<x/>" {
			t.Fatalf("file %d %s", f.Status, f.Body)
		}
		noStore("file", f)
		noStore("expired or forged file", e.Anonymous().Get(u+"0"))

		d := e.Anonymous().Get("/docs")
		if d.Status != 200 || !bytes.Contains(d.Body, []byte("<html")) {
			t.Fatalf("/docs %d", d.Status)
		}
		nosniff("docs", d)
		csp := d.Header.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "default-src 'none'", "connect-src 'self'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("/docs CSP lacks %s: %q", want, csp)
			}
		}
		if strings.Contains(csp, "script-src 'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("/docs CSP allows any script: %q", csp)
		}
		// the page's own inline scripts are allowed by hash, and nothing in
		// the page needs what the policy forbids
		for _, m := range regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllSubmatch(d.Body, -1) {
			sum := sha256.Sum256(m[1])
			if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, h) {
				t.Errorf("/docs CSP lacks the hash %s of an inline script", h)
			}
		}
		if m := regexp.MustCompile(`(?i)<script[^>]*\ssrc=|\son[a-z]+\s*=|javascript:|<iframe|<form`).Find(d.Body); m != nil {
			t.Errorf("/docs holds %q, which its CSP blocks", m)
		}
	})
}

// Finding 8: a client cannot mint metrics labels: unknown methods count
// as OTHER, unknown paths as the route "unmatched".
func TestMetricsLabelsBounded(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		for i := range 20 {
			method := fmt.Sprintf("X%sMETHOD%d", strings.Repeat("Z", 300), i)
			req, err := http.NewRequest(method, e.URL+fmt.Sprintf("/junk%d/", i), nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			req, _ = http.NewRequest(method, e.URL+"/customers/", nil)
			if res, err = http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		}
		m := e.Anonymous().Get("/metrics")
		if m.Status != 200 {
			t.Fatalf("/metrics %d", m.Status)
		}
		body := string(m.Body)
		if strings.Contains(body, "METHOD") || strings.Contains(body, "junk") {
			t.Errorf("a client's method or path became a label")
		}
		if !strings.Contains(body, `method="OTHER",route="unmatched"`) || !strings.Contains(body, `method="OTHER",route="/customers"`) {
			t.Errorf("unknown methods not counted as OTHER:\n%s", grepLines(body, "cobro_http_requests_total"))
		}
		for _, line := range strings.Split(body, "\n") {
			if !strings.HasPrefix(line, "cobro_http_request") {
				continue
			}
			if !regexp.MustCompile(`method="(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE|OTHER)"`).MatchString(line) ||
				!regexp.MustCompile(`route="(unmatched|/[^"]{0,80})"`).MatchString(line) ||
				(strings.Contains(line, "status=") && !regexp.MustCompile(`status="[1-5][0-9][0-9]"`).MatchString(line)) {
				t.Errorf("unbounded label in %s", line)
			}
		}
	})
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Finding 6: POSTs to publishable names that do not exist make no bucket
// each; they share one budget per client IP, and long junk paths are
// refused before any route runs.
func TestPublishableLimiterMemory(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		anon := e.Anonymous()
		before := e.Server.PublicLimiterLen()
		for i := range 300 {
			key := fmt.Sprintf("pk_%024d", i)
			r := anon.Post(pubPath(key)+"intents/", payerBody(cardDeclined))
			if i < 20 && r.Status != 404 || i >= 20 && r.Status != 429 {
				t.Fatalf("POST %d to an unknown link: %d %s", i, r.Status, r.Body)
			}
		}
		for i := range 300 { // payments and sources: the same budget, spent
			anon.Post(fmt.Sprintf("/payments/pay_%018d/pay/", i), nil).Expect(429)
			anon.Post(fmt.Sprintf("/publishable/gateways/test/authenticate/sou_%018d/", i), nil).Expect(429)
		}
		if n := e.Server.PublicLimiterLen() - before; n > 1 {
			t.Errorf("900 POSTs to unknown names made %d buckets", n)
		}
		// a real link keeps its own budget, apart from the unknown names
		c := e.Workspace("US").Test()
		key := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).Expect(201), "publishable_key")
		anon.Post(pubPath(key)+"intents/", payerBody(cardDeclined)).Expect(201)
		if n := e.Server.PublicLimiterLen() - before; n != 2 {
			t.Errorf("%d buckets after a real link's POST", n)
		}
		long := "/publishable/payment_links/links/pk_" + strings.Repeat("a", 60<<10) + "/intents/"
		custCheck(t, anon.Post(long, payerBody(cardDeclined)), 414, `{"detail": "The path is too long (limit 2048 bytes)."}`, "60 KB path")
	})
}

// Finding 9: X-Forwarded-For is believed only from --trusted-proxies, so
// a payer cannot reset the publishable limit by rewriting it.
func TestForwardedForTrust(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		key := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).Expect(201), "publishable_key")
		anon := e.Anonymous()
		post := func(xff string) *apitest.Resp {
			return anon.Do("POST", pubPath(key)+"intents/", payerBody(cardDeclined), "X-Forwarded-For", xff)
		}
		// the test server's peer is loopback, which no longer vouches for anyone
		for i := range 20 {
			post(fmt.Sprintf("198.51.100.%d", i)).Expect(201)
		}
		if r := post("198.51.100.200"); r.Status != 429 {
			t.Errorf("a rewritten X-Forwarded-For reset the limit: %d", r.Status)
		}
		if u := apitest.Str(c.Do("POST", "/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"},
			"X-Forwarded-Host", "evil.example.com").Expect(201), "url"); !strings.HasPrefix(u, e.URL+"/") {
			t.Errorf("X-Forwarded-Host believed from an untrusted peer: %s", u)
		}

		// behind a trusted proxy, the nearest untrusted hop is the client
		proxied := apitest.New(t, e.DB.Dialect.Name())
		srv := api.New(api.Options{DB: proxied.DB, Clock: proxied.Clock, SecretKey: []byte("test-secret"), TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		pe := &apitest.Env{T: t, URL: ts.URL, DB: proxied.DB, Server: srv, Clock: proxied.Clock}
		pc := pe.Workspace("US").Test()
		key = apitest.Str(pc.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).Expect(201), "publishable_key")
		anon = pe.Anonymous()
		for i := range 20 {
			post(fmt.Sprintf("6.6.6.%d, 198.51.100.7", i)).Expect(201)
		}
		if r := post("6.6.6.99, 198.51.100.7"); r.Status != 429 {
			t.Errorf("a hop written by the client reset the limit: %d", r.Status)
		}
		post("198.51.100.8").Expect(201) // another client behind the proxy
		if u := apitest.Str(pc.Do("POST", "/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"},
			"X-Forwarded-Host", "billing.example.com", "X-Forwarded-Proto", "https").Expect(201), "url"); !strings.HasPrefix(u, "https://billing.example.com/") {
			t.Errorf("forwarded host and scheme not used behind a trusted proxy: %s", u)
		}
	})
}

// Finding 7: a test-mode endpoint on loopback cannot read a local service:
// ping and the delivery log carry the receiver's status and timing, never
// its body or the connection error's detail (a port scanner otherwise).
// --test-webhooks-loopback=false refuses loopback in test mode too.
func TestWebhookLoopbackDisclosesNothing(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"secret": "local-service-token"}`)
		}))
		t.Cleanup(local.Close)
		w := whNew(c, map[string]any{"url": local.URL + "/admin", "events": []any{"customer.created"}})
		res := c.Post("/webhooks/"+apitest.Str(w, "id")+"/ping/", nil).Expect(200)
		if apitest.Num(res["status_code"]) != "403" || res["response_body"] != nil || res["error"] != nil || res["duration_ms"] == nil {
			t.Errorf("ping of a local service: %v", res)
		}
		acmeCustomer(c)
		if _, err := e.Webhooks.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		ev := c.Get("/events/?event=customer.created").Expect(200)["results"].([]any)[0].(map[string]any)
		if b, _ := json.Marshal(ev["deliveries"]); !strings.Contains(string(b), `"status_code":403`) || strings.Contains(string(b), "local-service-token") ||
			!strings.Contains(string(b), `"response_body":null`) {
			t.Errorf("delivery log of a local service: %s", b)
		}

		// a closed port: an error that names neither address nor port
		closed := httptest.NewServer(http.NotFoundHandler())
		closedURL := closed.URL
		closed.Close()
		port := closedURL[strings.LastIndex(closedURL, ":")+1:]
		d := whNew(c, map[string]any{"url": closedURL + "/x"})
		res = c.Post("/webhooks/"+apitest.Str(d, "id")+"/ping/", nil).Expect(200)
		if errText, _ := res["error"].(string); res["status_code"] != nil || errText != "connection failed" || strings.Contains(errText, port) {
			t.Errorf("ping of a closed port: %v", res)
		}

		// an operator of a shared host turns loopback off for test mode
		worker := &webhook.Worker{DB: e.DB, Clock: e.Clock, NoTestLoopback: true}
		srv := api.New(api.Options{DB: e.DB, Clock: e.Clock, SecretKey: []byte("test-secret"), Webhooks: worker, Resolver: e.Resolver, NoTestWebhooksLoopback: true})
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		shared := (&apitest.Env{T: t, URL: ts.URL, DB: e.DB, Server: srv, Clock: e.Clock}).Workspace("US").Test()
		const private = `{"url": ["The URL resolves to a private or loopback address."]}`
		for _, u := range []string{local.URL, "http://localhost:9/", "http://[::1]:9/"} {
			custCheck(t, shared.Post("/webhooks/", map[string]any{"url": u}), 400, private, "loopback off: "+u)
		}
		// an endpoint made while loopback was allowed is refused at delivery
		if _, err := e.DB.Exec(`UPDATE webhook_endpoints SET workspace_id = $1 WHERE id = $2`, shared.Workspace, apitest.Str(w, "id")); err != nil {
			t.Fatal(err)
		}
		res = shared.Post("/webhooks/"+apitest.Str(w, "id")+"/ping/", nil).Expect(200)
		if res["status_code"] != nil || res["error"] != webhook.ErrPrivate.Error() {
			t.Errorf("ping with loopback off: %v", res)
		}
	})
}
