package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/webhook"
)

// whHit is one request a test receiver got.
type whHit struct {
	Header http.Header
	Body   []byte
}

// whReceiver is an httptest webhook receiver that records what it gets
// and answers status with body "ok".
type whReceiver struct {
	URL    string
	mu     sync.Mutex
	hits   []whHit
	status int
}

func whNewReceiver(t *testing.T) *whReceiver {
	rc := &whReceiver{status: http.StatusOK}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, whHit{Header: r.Header.Clone(), Body: b})
		status := rc.status
		rc.mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/hooks/cobro"
	return rc
}

func (rc *whReceiver) Hits() []whHit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.hits)
}

func (rc *whReceiver) SetStatus(s int) {
	rc.mu.Lock()
	rc.status = s
	rc.mu.Unlock()
}

// whVerify checks a delivery's signatures with its own HMAC code (not the
// server's): x-piriod-signature with secret, webhook-signature carrying
// exactly one v1 value per key of secrets (in order), the timestamp now.
func whVerify(t *testing.T, h whHit, now time.Time, secrets ...string) (event, objectID string) {
	t.Helper()
	var b struct {
		Event    string `json:"event"`
		ObjectID string `json:"object_id"`
	}
	if err := json.Unmarshal(h.Body, &b); err != nil {
		t.Fatalf("body %q: %v", h.Body, err)
	}
	if want := `{"event":"` + b.Event + `","object_id":"` + b.ObjectID + `"}`; string(h.Body) != want {
		t.Errorf("body %s, want exactly %s", h.Body, want)
	}
	if ct, ua := h.Header.Get("Content-Type"), h.Header.Get("User-Agent"); ct != "application/json" || ua != "Cobro-Webhooks/1" {
		t.Errorf("headers Content-Type %q, User-Agent %q", ct, ua)
	}
	mac := hmac.New(sha256.New, []byte(secrets[0]))
	mac.Write([]byte(b.Event + b.ObjectID))
	if got, want := h.Header.Get("x-piriod-signature"), hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(got), []byte(want)) {
		t.Errorf("x-piriod-signature %q, want %q", got, want)
	}
	msgID, ts := h.Header.Get("webhook-id"), h.Header.Get("webhook-timestamp")
	if !strings.HasPrefix(msgID, "evt_") {
		t.Errorf("webhook-id %q", msgID)
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || sec != now.Unix() {
		t.Errorf("webhook-timestamp %q, want %d", ts, now.Unix())
	}
	var want []string
	for _, s := range secrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(msgID + "." + ts + "."))
		m.Write(h.Body)
		want = append(want, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	got := strings.Split(h.Header.Get("webhook-signature"), " ")
	if len(got) != len(want) {
		t.Fatalf("webhook-signature %q, want %d values", h.Header.Get("webhook-signature"), len(want))
	}
	for i := range want {
		if !hmac.Equal([]byte(got[i]), []byte(want[i])) {
			t.Errorf("webhook-signature value %d = %q, want %q", i, got[i], want[i])
		}
	}
	return b.Event, b.ObjectID
}

func whNew(c *apitest.Client, body map[string]any) map[string]any {
	return c.Post("/webhooks/", body).Expect(201)
}

func whList(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func TestWebhookEndpointCRUD(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		w := whNew(c, map[string]any{"url": "https://203.0.113.10/hooks/cobro", "events": []string{"invoice.finalized", "payment.*"},
			"description": "ERP", "metadata": map[string]any{"team": "finance"}})
		wid := apitest.Str(w, "id")
		secret := apitest.Str(w, "secret")
		if !strings.HasPrefix(wid, "whe_") || len(secret) != len("whsecret_")+52 || !strings.HasPrefix(secret, "whsecret_") {
			t.Errorf("id %q secret %q", wid, secret)
		}
		if got := apitest.Str(w, "standard_webhooks_secret"); got != "whsec_"+base64.StdEncoding.EncodeToString([]byte(secret)) {
			t.Errorf("standard_webhooks_secret %q", got)
		}
		if fmt.Sprint(whList(w["events"])) != "[invoice.finalized payment.*]" || w["status"] != "enabled" || w["disabled_reason"] != nil ||
			w["disabled"] != nil || apitest.Num(w["consecutive_failures"]) != "0" || w["test_mode"] != false || w["description"] != "ERP" ||
			fmt.Sprint(w["metadata"]) != "map[team:finance]" || apitest.Str(w, "created") != "2026-06-02T10:15:00.000000-04:00" {
			t.Errorf("endpoint %v", w)
		}
		keys := []string{}
		for k := range w {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if fmt.Sprint(keys) != "[consecutive_failures created description disabled disabled_reason events id metadata secret standard_webhooks_secret status test_mode updated url]" {
			t.Errorf("keys %v", keys)
		}
		if got := c.Get("/webhooks/" + wid + "/").Expect(200); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("retrieve %v\nwant %v", got, w)
		}

		// events default to everything
		e.Clock.Advance(time.Second)
		w2 := whNew(c, map[string]any{"url": "https://203.0.113.11/"})
		if fmt.Sprint(whList(w2["events"])) != "[*]" || w2["description"] != nil || fmt.Sprint(w2["metadata"]) != "map[]" {
			t.Errorf("defaults %v", w2)
		}
		page := c.Get("/webhooks/").Expect(200)
		if custCount(page) != "2" || fmt.Sprint(custCol(page, "id")) != fmt.Sprint([]string{apitest.Str(w2, "id"), wid}) {
			t.Errorf("list %v", page)
		}
		custCheck(t, c.Get("/webhooks/?status=disabled"), 200, `{"count": 0, "next": null, "previous": null, "results": []}`, "status filter")
		custCheck(t, c.Get("/webhooks/?foo=1"), 400, `{"foo": ["Unknown filter."]}`, "unknown filter")
		c.Test().Get("/webhooks/"+wid+"/").ExpectBody(404, `{"detail": "Not found."}`)

		// update
		e.Clock.Advance(time.Minute)
		u := c.Patch("/webhooks/"+wid+"/", map[string]any{"events": []string{"*"}, "description": nil, "url": "https://203.0.113.12/x",
			"metadata": map[string]any{}, "secret": "whsecret_mine", "test_mode": true}).Expect(200)
		if fmt.Sprint(whList(u["events"])) != "[*]" || u["description"] != nil || u["url"] != "https://203.0.113.12/x" || fmt.Sprint(u["metadata"]) != "map[]" ||
			u["secret"] != secret || u["test_mode"] != false || apitest.Str(u, "updated") != "2026-06-02T10:16:01.000000-04:00" || u["created"] != w["created"] {
			t.Errorf("update %v", u)
		}
		c.Put("/webhooks/"+wid+"/", map[string]any{"description": "PUT is partial"}).Expect(200)

		// disable by hand, then re-enable (the counter resets)
		d := c.Patch("/webhooks/"+wid+"/", map[string]any{"status": "disabled"}).Expect(200)
		if d["status"] != "disabled" || d["disabled_reason"] != "manual" || apitest.Str(d, "disabled") != "2026-06-02T10:16:01.000000-04:00" {
			t.Errorf("disabled %v", d)
		}
		if _, err := e.DB.ExecContext(context.Background(), `UPDATE webhook_endpoints SET consecutive_failures = 3, disabled_reason = 'consecutive_failures' WHERE id = $1`, wid); err != nil {
			t.Fatal(err)
		}
		d = c.Patch("/webhooks/"+wid+"/", map[string]any{"status": "disabled", "description": "still off"}).Expect(200)
		if d["disabled_reason"] != "consecutive_failures" || apitest.Num(d["consecutive_failures"]) != "3" {
			t.Errorf("disabled again %v", d)
		}
		en := c.Patch("/webhooks/"+wid+"/", map[string]any{"status": "enabled"}).Expect(200)
		if en["status"] != "enabled" || en["disabled_reason"] != nil || en["disabled"] != nil || apitest.Num(en["consecutive_failures"]) != "0" {
			t.Errorf("enabled %v", en)
		}

		// delete
		c.Delete("/webhooks/" + wid + "/").Expect(204)
		c.Get("/webhooks/"+wid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Delete("/webhooks/"+wid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Patch("/webhooks/whe_tnlUbv0YSTbzmsx7oH/", map[string]any{}).ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/webhooks/cus_tnlUbv0YSTbzmsx7oH/").ExpectBody(404, `{"detail": "Not found."}`)
	})
}

// Deleting or disabling an endpoint skips what was still pending for it
// and drops the jobs.
func TestWebhookDeleteSkipsPending(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		rc := whNewReceiver(t)
		a := apitest.Str(whNew(c, map[string]any{"url": rc.URL}), "id")
		b := apitest.Str(whNew(c, map[string]any{"url": rc.URL}), "id")
		newCustomer(c, "Pending Co")
		evt := c.Get("/events/").Expect(200)["results"].([]any)[0].(map[string]any)
		ds := evt["deliveries"].([]any)
		if len(ds) != 2 {
			t.Fatalf("deliveries %v", ds)
		}
		jobs := func() int {
			var n int
			if err := e.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = 'webhook'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if jobs() != 2 {
			t.Fatalf("jobs %d", jobs())
		}
		c.Delete("/webhooks/" + a + "/").Expect(204)
		c.Patch("/webhooks/"+b+"/", map[string]any{"status": "disabled"}).Expect(200)
		got := c.Get("/events/" + apitest.Str(evt, "id") + "/").Expect(200)
		for _, d := range got["deliveries"].([]any) {
			d := d.(map[string]any)
			if d["status"] != "skipped" || d["next_attempt"] != nil || len(d["attempts"].([]any)) != 0 {
				t.Errorf("delivery %v", d)
			}
		}
		if jobs() != 0 {
			t.Errorf("jobs left: %d", jobs())
		}
		if n, err := e.Webhooks.RunOnce(context.Background()); n != 0 || err != nil {
			t.Errorf("RunOnce %d %v", n, err)
		}
		if len(rc.Hits()) != 0 {
			t.Errorf("receiver got %d requests", len(rc.Hits()))
		}
		// a disabled endpoint records new events as skipped
		newCustomer(c, "Later Co")
		evt = c.Get("/events/").Expect(200)["results"].([]any)[0].(map[string]any)
		if ds := evt["deliveries"].([]any); len(ds) != 1 || ds[0].(map[string]any)["status"] != "skipped" || ds[0].(map[string]any)["webhook"] != b {
			t.Errorf("deliveries after disable %v", ds)
		}
	})
}

func TestWebhookErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		const ok = "https://203.0.113.10/hook"
		const private = `{"url": ["The URL resolves to a private or loopback address."]}`
		for _, tc := range []struct {
			label string
			c     *apitest.Client
			body  map[string]any
			want  string
		}{
			{"url missing", c, map[string]any{}, `{"url": ["This field is required."]}`},
			{"url null", c, map[string]any{"url": nil}, `{"url": ["This field may not be null."]}`},
			{"url blank", c, map[string]any{"url": " "}, `{"url": ["This field may not be blank."]}`},
			{"ftp", c, map[string]any{"url": "ftp://x"}, `{"url": ["Enter a valid URL."]}`},
			{"no host", c, map[string]any{"url": "https:///x"}, `{"url": ["Enter a valid URL."]}`},
			{"not a URL", c, map[string]any{"url": "hooks.example.com"}, `{"url": ["Enter a valid URL."]}`},
			{"too long", c, map[string]any{"url": "https://203.0.113.10/" + strings.Repeat("a", 2028)}, `{"url": ["Ensure this field has no more than 2048 characters."]}`},
			{"http in live mode", c, map[string]any{"url": "http://203.0.113.10/hook"}, `{"url": ["Live-mode endpoints must use https."]}`},
			{"private in live mode", c, map[string]any{"url": "https://10.1.2.3/hook"}, private},
			{"private in test mode", c.Test(), map[string]any{"url": "http://10.1.2.3/hook"}, private},
			{"metadata address in test mode", c.Test(), map[string]any{"url": "http://169.254.169.254/latest/meta-data/"}, private},
			{"host that does not resolve", c, map[string]any{"url": "https://nowhere.example.com/"}, `{"url": ["The URL's host name could not be resolved."]}`},
			{"events empty", c, map[string]any{"url": ok, "events": []any{}}, `{"events": ["This list may not be empty."]}`},
			{"events null", c, map[string]any{"url": ok, "events": nil}, `{"events": ["This field may not be null."]}`},
			{"events not a list", c, map[string]any{"url": ok, "events": "*"}, `{"events": ["Expected a list of items but got type \"str\"."]}`},
			{"unknown event", c, map[string]any{"url": ok, "events": []any{"invoice.voided"}}, `{"events": ["Unknown event: invoice.voided."]}`},
			{"ping is not subscribable", c, map[string]any{"url": ok, "events": []any{"webhook.ping"}}, `{"events": ["Unknown event: webhook.ping."]}`},
			{"unknown family", c, map[string]any{"url": ok, "events": []any{"invoice.*", "nothing.*", "*.created"}}, `{"events": ["Unknown event: nothing.*.", "Unknown event: *.created."]}`},
			{"non-string event", c, map[string]any{"url": ok, "events": []any{1}}, `{"events": ["Not a valid string."]}`},
			{"status", c, map[string]any{"url": ok, "status": "paused"}, `{"status": ["\"paused\" is not a valid choice."]}`},
			{"description", c, map[string]any{"url": ok, "description": strings.Repeat("d", 257)}, `{"description": ["Ensure this field has no more than 256 characters."]}`},
			{"metadata", c, map[string]any{"url": ok, "metadata": []any{}}, `{"metadata": ["Expected a dictionary of items but got type \"list\"."]}`},
			{"several", c, map[string]any{"url": "ftp://x", "events": []any{}}, `{"url": ["Enter a valid URL."], "events": ["This list may not be empty."]}`},
		} {
			custCheck(t, tc.c.Post("/webhooks/", tc.body), 400, tc.want, tc.label)
		}
		// wildcards of the catalogue are accepted
		w := whNew(c, map[string]any{"url": ok, "events": []any{"invoice.*", "payment_link.intent.*", "purchase.creditnote.*", "customer.created", "invoice.*"}})
		if fmt.Sprint(whList(w["events"])) != "[invoice.* payment_link.intent.* purchase.creditnote.* customer.created]" {
			t.Errorf("events %v", w["events"])
		}
		// the same rules on update
		wid := apitest.Str(w, "id")
		custCheck(t, c.Patch("/webhooks/"+wid+"/", map[string]any{"url": "http://203.0.113.10/"}), 400, `{"url": ["Live-mode endpoints must use https."]}`, "patch http")
		custCheck(t, c.Patch("/webhooks/"+wid+"/", map[string]any{"url": "https://127.0.0.1/"}), 400, private, "patch private")
		custCheck(t, c.Patch("/webhooks/"+wid+"/", map[string]any{"url": nil}), 400, `{"url": ["This field may not be null."]}`, "patch url null")
		custCheck(t, c.Patch("/webhooks/"+wid+"/", map[string]any{"events": []any{}}), 400, `{"events": ["This list may not be empty."]}`, "patch events")
		custCheck(t, c.Patch("/webhooks/"+wid+"/", map[string]any{"status": "paused"}), 400, `{"status": ["\"paused\" is not a valid choice."]}`, "patch status")
		if got := c.Get("/webhooks/" + wid + "/").Expect(200); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("failed updates changed the endpoint: %v", got)
		}
	})
}

// Live mode refuses loopback, private, link-local and metadata targets,
// by address or through DNS; test mode allows http and loopback.
func TestWebhookURLPolicy(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		e.Resolver.Set("loopback.example.com", "127.0.0.1")
		e.Resolver.Set("mixed.example.com", "203.0.113.7", "10.0.0.8")
		e.Resolver.Set("metadata.example.com", "169.254.169.254")
		e.Resolver.Set("v6.example.com", "::1")
		e.Resolver.Set("public.example.com", "203.0.113.5", "2001:db8::5")
		const private = `{"url": ["The URL resolves to a private or loopback address."]}`
		for _, u := range []string{"https://127.0.0.1/", "https://127.0.0.1:8443/hook", "https://[::1]/", "https://10.1.2.3/", "https://172.16.0.1/",
			"https://192.168.1.1/", "https://169.254.169.254/", "https://[fe80::1]/", "https://0.0.0.0/", "https://[::ffff:127.0.0.1]/",
			"https://localhost/", "https://api.localhost/", "https://loopback.example.com/", "https://LOOPBACK.example.com/",
			"https://mixed.example.com/", "https://metadata.example.com/", "https://v6.example.com/"} {
			custCheck(t, c.Post("/webhooks/", map[string]any{"url": u}), 400, private, "live "+u)
		}
		custCheck(t, c.Post("/webhooks/", map[string]any{"url": "http://127.0.0.1:9/"}), 400, `{"url": ["Live-mode endpoints must use https."]}`, "live http loopback")
		whNew(c, map[string]any{"url": "https://public.example.com/hook"})

		tc := c.Test()
		for _, u := range []string{"http://127.0.0.1:9/hook", "http://localhost:9/", "http://[::1]:9/", "https://loopback.example.com/", "http://public.example.com/"} {
			whNew(tc, map[string]any{"url": u})
		}
		for _, u := range []string{"http://10.1.2.3/", "http://169.254.169.254/", "http://mixed.example.com/", "http://metadata.example.com/", "http://[fd00:ec2::254]/"} {
			custCheck(t, tc.Post("/webhooks/", map[string]any{"url": u}), 400, private, "test "+u)
		}
	})
	// --allow-private-webhooks lets live mode reach private receivers
	e := apitest.New(t, "sqlite")
	srv := api.New(api.Options{DB: e.DB, Clock: e.Clock, Version: "test", SecretKey: []byte("test-secret"), AllowPrivateWebhooks: true})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	onPrem := &apitest.Env{T: t, URL: ts.URL, DB: e.DB, Server: srv, Clock: e.Clock}
	c := onPrem.Workspace("US")
	whNew(c, map[string]any{"url": "https://10.1.2.3/hook"})
	custCheck(t, c.Post("/webhooks/", map[string]any{"url": "http://10.1.2.3/hook"}), 400, `{"url": ["Live-mode endpoints must use https."]}`, "on-prem http")
}

func TestWebhookLimit(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		for i := range 16 {
			whNew(c, map[string]any{"url": fmt.Sprintf("https://203.0.113.%d/", i+1)})
		}
		custCheck(t, c.Post("/webhooks/", map[string]any{"url": "https://203.0.113.99/"}), 400,
			`{"non_field_errors": ["A workspace can have at most 16 webhook endpoints per mode."]}`, "17th")
		// field errors come first
		custCheck(t, c.Post("/webhooks/", map[string]any{"url": "ftp://x"}), 400, `{"url": ["Enter a valid URL."]}`, "17th invalid")
		// per mode, per workspace
		whNew(c.Test(), map[string]any{"url": "https://203.0.113.99/"})
		whNew(e.Workspace("US"), map[string]any{"url": "https://203.0.113.99/"})
		// deleting one makes room
		first := c.Get("/webhooks/?page_size=1").Expect(200)["results"].([]any)[0].(map[string]any)
		c.Delete("/webhooks/" + apitest.Str(first, "id") + "/").Expect(204)
		whNew(c, map[string]any{"url": "https://203.0.113.99/"})
		if n := custCount(c.Get("/webhooks/").Expect(200)); n != "16" {
			t.Errorf("count %s", n)
		}
	})
}

func TestWebhookPing(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		rc := whNewReceiver(t)
		w := whNew(c, map[string]any{"url": rc.URL, "events": []any{"invoice.finalized"}})
		wid, secret := apitest.Str(w, "id"), apitest.Str(w, "secret")
		res := c.Post("/webhooks/"+wid+"/ping/", nil).Expect(200)
		// a loopback receiver's body is held back (issue 13, finding 7)
		if apitest.Num(res["status_code"]) != "200" || res["error"] != nil || res["response_body"] != nil || res["duration_ms"] == nil || len(res) != 4 {
			t.Errorf("ping %v", res)
		}
		hits := rc.Hits()
		if len(hits) != 1 {
			t.Fatalf("receiver got %d requests", len(hits))
		}
		name, obj := whVerify(t, hits[0], e.Clock.Now(), secret)
		if name != "webhook.ping" || obj != wid {
			t.Errorf("ping body %s", hits[0].Body)
		}
		// the ping's event id is fresh and not recorded
		evt := hits[0].Header.Get("webhook-id")
		c.Get("/events/"+evt+"/").ExpectBody(404, `{"detail": "Not found."}`)
		if n := custCount(c.Get("/events/").Expect(200)); n != "0" {
			t.Errorf("events recorded: %s", n)
		}

		// allowed on a disabled endpoint; the receiver's status is reported
		c.Patch("/webhooks/"+wid+"/", map[string]any{"status": "disabled"}).Expect(200)
		rc.SetStatus(http.StatusInternalServerError)
		res = c.Post("/webhooks/"+wid+"/ping/", nil).Expect(200)
		if apitest.Num(res["status_code"]) != "500" || res["error"] != nil || res["response_body"] != nil {
			t.Errorf("ping 500 %v", res)
		}
		if len(rc.Hits()) != 2 || rc.Hits()[1].Header.Get("webhook-id") == evt {
			t.Errorf("second ping: %d hits", len(rc.Hits()))
		}
		// a ping changes nothing on the endpoint
		if got := c.Get("/webhooks/" + wid + "/").Expect(200); apitest.Num(got["consecutive_failures"]) != "0" || got["status"] != "disabled" {
			t.Errorf("after pings %v", got)
		}

		// an Idempotency-Key replays the answer without a second request
		rc.SetStatus(http.StatusOK)
		r1 := c.Do("POST", "/webhooks/"+wid+"/ping/", nil, "Idempotency-Key", "ping-1")
		r2 := c.Do("POST", "/webhooks/"+wid+"/ping/", nil, "Idempotency-Key", "ping-1")
		if r1.Status != 200 || r2.Status != 200 || string(r1.Body) != string(r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" || len(rc.Hits()) != 3 {
			t.Errorf("idempotent ping: %d %s / %d %s, %d hits", r1.Status, r1.Body, r2.Status, r2.Body, len(rc.Hits()))
		}

		// a receiver that is not there: an error, no status code
		dead := httptest.NewServer(http.NotFoundHandler())
		deadURL := dead.URL
		dead.Close()
		d := apitest.Str(whNew(c, map[string]any{"url": deadURL}), "id")
		res = c.Post("/webhooks/"+d+"/ping/", nil).Expect(200)
		if res["status_code"] != nil || res["error"] == nil || res["response_body"] != nil {
			t.Errorf("ping to nothing %v", res)
		}

		// redirects are not followed
		redir := httptest.NewServer(http.RedirectHandler(rc.URL, http.StatusFound))
		t.Cleanup(redir.Close)
		r := apitest.Str(whNew(c, map[string]any{"url": redir.URL}), "id")
		res = c.Post("/webhooks/"+r+"/ping/", nil).Expect(200)
		if apitest.Num(res["status_code"]) != "302" || len(rc.Hits()) != 3 {
			t.Errorf("ping to a redirect %v, %d hits", res, len(rc.Hits()))
		}
		c.Post("/webhooks/whe_tnlUbv0YSTbzmsx7oH/ping/", nil).ExpectBody(404, `{"detail": "Not found."}`)
	})
}

// A server without a delivery worker says so on ping.
func TestWebhookPingWithoutWorker(t *testing.T) {
	e := apitest.New(t, "sqlite")
	srv := api.New(api.Options{DB: e.DB, Clock: e.Clock, Version: "test", SecretKey: []byte("test-secret")})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c := (&apitest.Env{T: t, URL: ts.URL, DB: e.DB, Server: srv, Clock: e.Clock}).Workspace("US").Test()
	wid := apitest.Str(whNew(c, map[string]any{"url": "http://127.0.0.1:9/"}), "id")
	c.Post("/webhooks/"+wid+"/ping/", nil).ExpectBody(400, `{"non_field_errors": ["Webhook delivery is not running on this server."]}`)
	c.Post("/webhooks/whe_tnlUbv0YSTbzmsx7oH/ping/", nil).ExpectBody(404, `{"detail": "Not found."}`)
}

func TestWebhookRotateSecret(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		rc := whNewReceiver(t)
		w := whNew(c, map[string]any{"url": rc.URL})
		wid, old := apitest.Str(w, "id"), apitest.Str(w, "secret")
		e.Clock.Advance(time.Second)
		r := c.Post("/webhooks/"+wid+"/rotate_secret/", nil).Expect(200)
		secret := apitest.Str(r, "secret")
		if secret == old || !strings.HasPrefix(secret, "whsecret_") || len(secret) != len(old) ||
			apitest.Str(r, "standard_webhooks_secret") != "whsec_"+base64.StdEncoding.EncodeToString([]byte(secret)) || r["updated"] == w["updated"] {
			t.Errorf("rotated %v", r)
		}
		if _, leaked := r["previous_secret"]; leaked {
			t.Error("previous_secret is shown")
		}
		if got := c.Get("/webhooks/" + wid + "/").Expect(200); got["secret"] != secret {
			t.Errorf("retrieve after rotation %v", got)
		}
		// for 24 hours both keys sign webhook-signature (new first);
		// x-piriod-signature uses the new key at once
		c.Post("/webhooks/"+wid+"/ping/", nil).Expect(200)
		whVerify(t, rc.Hits()[0], e.Clock.Now(), secret, old)
		e.Clock.Advance(24*time.Hour - time.Second)
		c.Post("/webhooks/"+wid+"/ping/", nil).Expect(200)
		whVerify(t, rc.Hits()[1], e.Clock.Now(), secret, old)
		e.Clock.Advance(time.Second)
		c.Post("/webhooks/"+wid+"/ping/", nil).Expect(200)
		whVerify(t, rc.Hits()[2], e.Clock.Now(), secret)
		c.Post("/webhooks/whe_tnlUbv0YSTbzmsx7oH/rotate_secret/", nil).ExpectBody(404, `{"detail": "Not found."}`)
	})
}

func TestEventsList(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		cus := newCustomer(c, "Events Co")
		e.Clock.Advance(time.Hour)
		inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-01",
			"lines": []any{map[string]any{"name": "Service", "quantity": 2, "amount": 50}}}).Expect(201), "id")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		page := c.Get("/events/").Expect(200)
		if got := fmt.Sprint(custCol(page, "event")); got != "[invoice.finalized invoice.created customer.created]" {
			t.Fatalf("events %s", got)
		}
		first := page["results"].([]any)[0].(map[string]any)
		eid := apitest.Str(first, "id")
		want := fmt.Sprintf(`{"id": %q, "event": "invoice.finalized", "object_id": %q, "object_type": "invoice", "test_mode": false,
			"created": "2026-06-02T11:15:00.000000-04:00", "deliveries": []}`, eid, inv)
		if b, _ := json.Marshal(first); !apitest.JSONEqual(b, []byte(want)) {
			t.Errorf("event %s\nwant %s", b, want)
		}
		c.Get("/events/"+eid+"/").ExpectBody(200, want)
		for q, names := range map[string]string{
			"ordering=created":                                  "[customer.created invoice.created invoice.finalized]",
			"event=invoice.created":                             "[invoice.created]",
			"event__in=invoice.created,customer.created":        "[invoice.created customer.created]",
			"object_type=invoice":                               "[invoice.finalized invoice.created]",
			"object_type__in=customer":                          "[customer.created]",
			"object_id=" + cus:                                  "[customer.created]",
			"object_id__in=" + cus + "," + inv:                  "[invoice.finalized invoice.created customer.created]",
			"created__gte=2026-06-02T11:00:00-04:00":            "[invoice.finalized invoice.created]",
			"created__lt=2026-06-02T11:00:00-04:00":             "[customer.created]",
			"created=2026-06-02":                                "[invoice.finalized invoice.created customer.created]",
			"created__gt=2026-06-02":                            "[]",
			"event=invoice.created&object_type=customer":        "[]",
			"page_size=1&page=2":                                "[invoice.created]",
			"created__lte=2026-06-02T10:15:00.000000-04:00":     "[customer.created]",
			"object_type=invoice&ordering=-created&page_size=5": "[invoice.finalized invoice.created]",
		} {
			if got := fmt.Sprint(custCol(c.Get("/events/?"+q).Expect(200), "event")); got != names && !(names == "[]" && got == "[]") {
				t.Errorf("?%s: %s, want %s", q, got, names)
			}
		}
		custCheck(t, c.Get("/events/?foo=1"), 400, `{"foo": ["Unknown filter."]}`, "unknown filter")
		custCheck(t, c.Get("/events/?ordering=event"), 400, `{"ordering": ["Invalid ordering field: event."]}`, "ordering")
		custCheck(t, c.Get("/events/?created__gte=yesterday"), 400, `{"created__gte": ["Enter a valid date/time."]}`, "bad date")
		custCheck(t, c.Get("/events/?page=9"), 404, `{"detail": "Invalid page."}`, "page")
		// other mode, other workspace
		if n := custCount(c.Test().Get("/events/").Expect(200)); n != "0" {
			t.Errorf("test mode sees %s events", n)
		}
		c.Test().Get("/events/"+eid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		e.Workspace("US").Get("/events/"+eid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/events/evt_tnlUbv0YSTbzmsx7oH/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Get("/events/"+inv+"/").ExpectBody(404, `{"detail": "Not found."}`)
		// every recorded name is in the catalogue endpoints subscribe to
		for _, n := range custCol(page, "event") {
			if !webhook.Known(n) {
				t.Errorf("event %s is not in the catalogue", n)
			}
		}
		// events are shown for 30 days
		e.Clock.Advance(30*24*time.Hour - time.Hour)
		if n := custCount(c.Get("/events/").Expect(200)); n != "3" {
			t.Errorf("30 days after the first: %s events", n)
		}
		e.Clock.Advance(time.Microsecond)
		if n := custCount(c.Get("/events/").Expect(200)); n != "2" {
			t.Errorf("30 days and 1 µs after the first: %s events", n)
		}
		e.Clock.Advance(time.Hour)
		if n := custCount(c.Get("/events/").Expect(200)); n != "0" {
			t.Errorf("after 30 days: %s events", n)
		}
		c.Get("/events/"+eid+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Post("/events/"+eid+"/redeliver/", nil).ExpectBody(404, `{"detail": "Not found."}`)
	})
}

func TestEventRedeliver(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		c := e.Workspace("US").Test()
		rc := whNewReceiver(t)
		a := whNew(c, map[string]any{"url": rc.URL, "events": []any{"invoice.*"}})
		aid := apitest.Str(a, "id")
		bid := apitest.Str(whNew(c, map[string]any{"url": rc.URL, "events": []any{"customer.*"}}), "id")
		inv := newInvoice(c, true)
		fin := c.Get("/events/?event=invoice.finalized").Expect(200)["results"].([]any)[0].(map[string]any)
		eid := apitest.Str(fin, "id")
		if _, err := e.Webhooks.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		hitsBefore := len(rc.Hits()) // customer.created to b, invoice.created and .finalized to a

		// without a body: every enabled subscribed endpoint
		e.Clock.Advance(time.Minute)
		r := c.Post("/events/"+eid+"/redeliver/", nil).Expect(200)
		ds := r["deliveries"].([]any)
		if len(ds) != 2 {
			t.Fatalf("deliveries %v", ds)
		}
		old, fresh := ds[0].(map[string]any), ds[1].(map[string]any)
		if old["status"] != "succeeded" || fresh["status"] != "pending" || fresh["webhook"] != aid ||
			apitest.Str(fresh, "next_attempt") != "2026-06-02T10:16:00.000000-04:00" || len(fresh["attempts"].([]any)) != 0 {
			t.Errorf("deliveries %v", ds)
		}
		if n, err := e.Webhooks.RunOnce(ctx); n != 1 || err != nil {
			t.Fatalf("RunOnce %d %v", n, err)
		}
		hits := rc.Hits()
		if len(hits) != hitsBefore+1 {
			t.Fatalf("hits %d, want %d", len(hits), hitsBefore+1)
		}
		if name, obj := whVerify(t, hits[len(hits)-1], e.Clock.Now(), apitest.Str(a, "secret")); name != "invoice.finalized" || obj != inv ||
			hits[len(hits)-1].Header.Get("webhook-id") != eid {
			t.Errorf("redelivery %s %s", hits[len(hits)-1].Header.Get("webhook-id"), hits[len(hits)-1].Body)
		}
		got := c.Get("/events/" + eid + "/").Expect(200)["deliveries"].([]any)
		if len(got) != 2 || got[1].(map[string]any)["status"] != "succeeded" {
			t.Errorf("after redelivery %v", got)
		}

		// to one endpoint
		r = c.Post("/events/"+eid+"/redeliver/", map[string]any{"webhook": aid}).Expect(200)
		if ds := r["deliveries"].([]any); len(ds) != 3 || ds[2].(map[string]any)["webhook"] != aid {
			t.Errorf("deliveries %v", ds)
		}

		// errors
		for _, tc := range []struct {
			body   any
			status int
			want   string
		}{
			{map[string]any{"webhook": bid}, 400, `{"webhook": ["The endpoint is not subscribed to invoice.finalized."]}`},
			{map[string]any{"webhook": "whe_tnlUbv0YSTbzmsx7oH"}, 400, `{"webhook": ["Invalid pk \"whe_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`},
			{map[string]any{"webhook": "cus_tnlUbv0YSTbzmsx7oH"}, 400, `{"webhook": ["Invalid pk \"cus_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`},
			{map[string]any{"webhook": 7}, 400, `{"webhook": ["Incorrect type. Expected pk value, received int."]}`},
		} {
			custCheck(t, c.Post("/events/"+eid+"/redeliver/", tc.body), tc.status, tc.want, fmt.Sprint(tc.body))
		}
		// an endpoint of the other mode is not found
		live := apitest.Str(whNew(e.Workspace("US"), map[string]any{"url": "https://203.0.113.10/"}), "id")
		custCheck(t, c.Post("/events/"+eid+"/redeliver/", map[string]any{"webhook": live}), 400,
			fmt.Sprintf(`{"webhook": ["Invalid pk \"%s\" - object does not exist."]}`, live), "other workspace endpoint")
		c.Patch("/webhooks/"+aid+"/", map[string]any{"status": "disabled"}).Expect(200)
		custCheck(t, c.Post("/events/"+eid+"/redeliver/", map[string]any{"webhook": aid}), 400, `{"webhook": ["The endpoint is disabled."]}`, "disabled")
		custCheck(t, c.Post("/events/"+eid+"/redeliver/", nil), 400, `{"non_field_errors": ["No enabled endpoint is subscribed to this event."]}`, "none")
		custCheck(t, c.Post("/events/"+eid+"/redeliver/", map[string]any{"webhook": nil}), 400, `{"non_field_errors": ["No enabled endpoint is subscribed to this event."]}`, "null")
		c.Post("/events/evt_tnlUbv0YSTbzmsx7oH/redeliver/", nil).ExpectBody(404, `{"detail": "Not found."}`)
		e.Workspace("US").Post("/events/"+eid+"/redeliver/", nil).ExpectBody(404, `{"detail": "Not found."}`)
		// re-enabled, the missed event can be sent again
		c.Patch("/webhooks/"+aid+"/", map[string]any{"status": "enabled"}).Expect(200)
		c.Post("/events/"+eid+"/redeliver/", nil).Expect(200)
	})
}

// End to end: a test-mode receiver gets the invoice's events, signed, and
// the events show the deliveries succeeded; a failing receiver's attempt
// is recorded with its next attempt.
func TestWebhookEndToEnd(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		c := e.Workspace("US").Test()
		rc := whNewReceiver(t)
		w := whNew(c, map[string]any{"url": rc.URL, "events": []any{"invoice.*"}})
		wid, secret := apitest.Str(w, "id"), apitest.Str(w, "secret")
		inv := newInvoice(c, true)
		if len(rc.Hits()) != 0 {
			t.Fatal("delivered before RunOnce")
		}
		if _, err := e.Webhooks.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		byName := map[string]whHit{}
		for _, h := range rc.Hits() {
			name, obj := whVerify(t, h, e.Clock.Now(), secret)
			if obj != inv {
				t.Errorf("%s about %s, want %s", name, obj, inv)
			}
			byName[name] = h
		}
		if len(rc.Hits()) != 2 || byName["invoice.created"].Body == nil || byName["invoice.finalized"].Body == nil {
			t.Fatalf("receiver got %d: %v", len(rc.Hits()), byName)
		}
		page := c.Get("/events/?object_type=invoice").Expect(200)
		for _, row := range page["results"].([]any) {
			ev := row.(map[string]any)
			if got := byName[apitest.Str(ev, "event")].Header.Get("webhook-id"); got != apitest.Str(ev, "id") {
				t.Errorf("webhook-id %s, event %s", got, apitest.Str(ev, "id"))
			}
			want := fmt.Sprintf(`[{"webhook": %q, "status": "succeeded", "next_attempt": null, "attempts": [{"number": 1,
				"at": "2026-06-02T10:15:00.000000-04:00", "status_code": 200, "error": null, "duration_ms": %s, "response_body": null}]}]`,
				wid, apitest.Num(ev["deliveries"].([]any)[0].(map[string]any)["attempts"].([]any)[0].(map[string]any)["duration_ms"]))
			if b, _ := json.Marshal(ev["deliveries"]); !apitest.JSONEqual(b, []byte(want)) {
				t.Errorf("%s deliveries %s\nwant %s", ev["event"], b, want)
			}
		}
		// customer.created is not subscribed: no delivery
		cusEvt := c.Get("/events/?event=customer.created").Expect(200)["results"].([]any)[0].(map[string]any)
		if len(cusEvt["deliveries"].([]any)) != 0 {
			t.Errorf("customer.created deliveries %v", cusEvt["deliveries"])
		}
		if n, _ := e.Webhooks.RunOnce(ctx); n != 0 {
			t.Errorf("second RunOnce handled %d", n)
		}

		// a failing receiver: the attempt is recorded, the delivery waits
		rc.SetStatus(http.StatusServiceUnavailable)
		c.Patch("/invoices/"+inv+"/", map[string]any{"metadata": map[string]any{"k": "v"}}).Expect(200)
		if _, err := e.Webhooks.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		upd := c.Get("/events/?event=invoice.updated").Expect(200)["results"].([]any)[0].(map[string]any)
		d := upd["deliveries"].([]any)[0].(map[string]any)
		at := d["attempts"].([]any)
		if d["status"] != "pending" || d["next_attempt"] == nil || len(at) != 1 || apitest.Num(at[0].(map[string]any)["status_code"]) != "503" {
			t.Errorf("failed delivery %v", d)
		}
		next, err := time.Parse("2006-01-02T15:04:05.000000-07:00", apitest.Str(d, "next_attempt"))
		if err != nil || next.Sub(e.Clock.Now()) < 4*time.Second || next.Sub(e.Clock.Now()) > 6*time.Second {
			t.Errorf("next_attempt %v (%v)", d["next_attempt"], err)
		}
	})
}
