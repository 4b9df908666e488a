package api_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/idempotency"
)

// docs/conventions.md#1-base-url-and-paths, docs/conventions.md#2-requests-and-responses, docs/conventions.md#12-errors: paths, verbs, bodies and their errors.
func TestProtocol(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		body := `{"name": "Acme", "address": "1 Main St", "country": "US", "state": "IL"}`

		// with and without the trailing slash, directly (no redirect)
		c.Post("/customers/", body).Expect(201)
		c.Post("/customers", body).Expect(201)
		if n := c.Get("/customers").Expect(200)["count"]; apitest.Num(n) != "2" {
			t.Fatalf("count %v", n)
		}
		if r := c.Do("HEAD", "/customers/", nil); r.Status != 200 || len(r.Body) != 0 {
			t.Errorf("HEAD: %d %q", r.Status, r.Body)
		}
		c.Get("/nope/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/refunds/").ExpectBody(404, `{"detail": "Not found."}`) // docs/conventions.md#17-not-provided-in-this-version: not provided

		r := c.Do("PATCH", "/customers/", "{}")
		r.ExpectBody(405, `{"detail": "Method \"PATCH\" not allowed."}`)
		if r.Header.Get("Allow") != "GET, OPTIONS, POST" {
			t.Errorf("Allow = %q", r.Header.Get("Allow"))
		}
		r = c.Do("OPTIONS", "/customers/x/", nil)
		r.ExpectBody(200, `{}`)
		if r.Header.Get("Allow") != "DELETE, GET, OPTIONS, PATCH, PUT" {
			t.Errorf("Allow = %q", r.Header.Get("Allow"))
		}

		c.Do("POST", "/customers/", "name=x", "Content-Type", "text/plain").
			ExpectBody(415, `{"detail": "Unsupported media type \"text/plain\" in request."}`)
		r = c.Post("/customers/", `{"name": `)
		if r.Status != 400 || !strings.HasPrefix(apitest.Str(r.JSON(), "detail"), "JSON parse error - ") {
			t.Errorf("malformed JSON: %d %s", r.Status, r.Body)
		}
		c.Post("/customers/", `[1, 2]`).ExpectBody(400, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`)
		big := `{"name": "` + strings.Repeat("a", 2<<20) + `"}`
		c.Post("/customers/", big).Expect(413)

		// form bodies are accepted for flat objects
		c.Do("POST", "/customers/", "name=Form+Co&address=2+Main&country=US&state=IL&send_invoices=false", "Content-Type", "application/x-www-form-urlencoded").Expect(201)

		// request ids: echoed, or generated
		r = c.Do("GET", "/customers/", nil, "X-Request-Id", "abc-123")
		if r.Header.Get("X-Request-Id") != "abc-123" {
			t.Errorf("request id not echoed: %q", r.Header.Get("X-Request-Id"))
		}
		if c.Get("/customers/").Header.Get("X-Request-Id") == "" {
			t.Error("no generated request id")
		}
		if ct := c.Get("/customers/").Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
	})
}

// docs/conventions.md#13-idempotency-keys.
func TestIdempotencyKeys(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		body := map[string]any{"name": "Once", "address": "1 Main St", "country": "US", "state": "IL"}
		first := c.Do("POST", "/customers/", body, "Idempotency-Key", "k1")
		created := first.Expect(201)
		// same key, same body (other key order and spacing) → replay
		again := c.Do("POST", "/customers/", `{"state":"IL",  "country":"US","address":"1 Main St","name":"Once"}`, "Idempotency-Key", "k1")
		if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("replay: %d %q %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		if n := apitest.Num(c.Get("/customers/").Expect(200)["count"]); n != "1" {
			t.Fatalf("count %s after replay", n)
		}
		_ = created
		// same key, different body → 409
		body["name"] = "Twice"
		c.Do("POST", "/customers/", body, "Idempotency-Key", "k1").
			ExpectBody(409, `{"detail": "Idempotency-Key \"k1\" was already used with a different request."}`)
		// same key, other path → 409
		c.Do("POST", "/orgunits/", map[string]any{"name": "x"}, "Idempotency-Key", "k1").Expect(409)
		// a 4xx is stored and replayed too
		bad := c.Do("POST", "/customers/", map[string]any{"name": ""}, "Idempotency-Key", "k2")
		bad.Expect(400)
		rep := c.Do("POST", "/customers/", map[string]any{"name": ""}, "Idempotency-Key", "k2")
		if rep.Status != 400 || rep.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("4xx replay: %d %q", rep.Status, rep.Header.Get("Idempotent-Replayed"))
		}
		// keys are scoped by workspace and mode
		c.Test().Do("POST", "/customers/", body, "Idempotency-Key", "k1").Expect(201)
		e.Workspace("US").Do("POST", "/customers/", body, "Idempotency-Key", "k1").Expect(201)
		// after 24 h a key may be used again, for anything
		e.Clock.Advance(25 * time.Hour)
		c.Do("POST", "/customers/", body, "Idempotency-Key", "k1").Expect(201)
		// a key left "processing" by a crashed node is taken over after its lease
		if _, err := e.DB.Exec(`INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, state, created) VALUES ($1, 'crashed', 'POST', '/customers', 'x', 'processing', $2)`,
			c.Workspace+":live", e.Clock.Now().Add(-3*time.Minute).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		c.Do("POST", "/customers/", body, "Idempotency-Key", "crashed").Expect(201)
		canon, _ := json.Marshal(body)
		if _, err := e.DB.Exec(`INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, state, created) VALUES ($1, 'busy', 'POST', '/customers', $2, 'processing', $3)`,
			c.Workspace+":live", idempotency.Fingerprint(canon), e.Clock.Now().UnixMicro()); err != nil {
			t.Fatal(err)
		}
		c.Do("POST", "/customers/", body, "Idempotency-Key", "busy").
			ExpectBody(409, `{"detail": "A request with this Idempotency-Key is still being processed."}`)
		// invalid keys
		for _, k := range []string{strings.Repeat("x", 256), "tab\there"} {
			c.Do("POST", "/customers/", body, "Idempotency-Key", k).
				ExpectBody(400, `{"non_field_errors": ["Idempotency-Key must be 1 to 255 printable ASCII characters."]}`)
		}
	})
}

// 32 concurrent POSTs with one key: one effect, one stored response, the
// others replay it or answer 409 "still being processed".
func TestIdempotencyConcurrent(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		body := map[string]any{"name": "Race", "address": "1 Main St", "country": "US", "state": "IL"}
		var wg sync.WaitGroup
		results := make([]*apitest.Resp, 32)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = c.Do("POST", "/customers/", body, "Idempotency-Key", "race")
			}()
		}
		wg.Wait()
		var created, replayed, busy int
		var firstBody string
		for _, r := range results {
			switch {
			case r.Status == 201 && r.Header.Get("Idempotent-Replayed") == "true":
				replayed++
				if firstBody != "" && string(r.Body) != firstBody {
					t.Errorf("replayed a different body")
				}
			case r.Status == 201:
				created++
				firstBody = string(r.Body)
			case r.Status == 409:
				busy++
			default:
				t.Errorf("unexpected %d %s", r.Status, r.Body)
			}
		}
		if created != 1 {
			t.Fatalf("created %d times (replayed %d, busy %d)", created, replayed, busy)
		}
		if n := apitest.Num(c.Get("/customers/").Expect(200)["count"]); n != "1" {
			t.Fatalf("%s customers exist", n)
		}
	})
}

func TestDeepJSONRefused(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("US")
	deep := strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40)
	c.Post("/customers/", deep).ExpectBody(400, `{"detail": "JSON parse error - nesting deeper than 32 levels"}`)
	ok := `{"name": "x", "metadata": {"k": "[[[{{{"}, "address": "y", "country": "US", "state": "IL"}`
	c.Post("/customers/", ok).Expect(201) // brackets inside strings do not count
}
