package dashboard_test

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

// browserless is a signed-in (or not) client of the dashboard's pages.
type browserless struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowserless(t *testing.T, e *apitest.Env) *browserless {
	jar, _ := cookiejar.New(nil)
	return &browserless{t: t, base: e.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browserless) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the token of a page's first form.
func (b *browserless) csrf(path string) string {
	b.t.Helper()
	_, page := b.do("GET", path, nil)
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s: %s", path, page)
	}
	return m[1]
}

func (b *browserless) signIn(email, password string) *http.Response {
	b.t.Helper()
	res, _ := b.do("POST", "/login", url.Values{"csrf": {b.csrf("/")}, "email": {email}, "password": {password}})
	return res
}

// TestSignIn: the session cookie's attributes, a wrong password, sign-out,
// and the API untouched by the dashboard's paths.
func TestSignIn(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		if res, _ := b.do("GET", "/app/customers", nil); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/?next=") {
			t.Fatalf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := b.signIn("owner@example.com", "wrong password!"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
		res := b.signIn("OWNER@example.com", "correct horse battery")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app" {
			t.Fatalf("sign in: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		cookie := ""
		for _, v := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, "cobro_session=") {
				cookie = v
			}
		}
		for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, attr) {
				t.Errorf("session cookie %q lacks %s", cookie, attr)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("session cookie %q is Secure over plain http", cookie)
		}
		if res, page := b.do("GET", "/app", nil); res.StatusCode != 200 || !strings.Contains(page, `id="fig-mrr"`) {
			t.Fatalf("home: %d", res.StatusCode)
		}
		// the API answers as before, with or without the session cookie
		c.Get("/customers/").Expect(200)
		if res, _ := b.do("GET", "/customers/", nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("API with only a dashboard cookie: %d", res.StatusCode)
		}
		// sign out: the session no longer opens pages
		if res, _ := b.do("POST", "/logout", url.Values{"csrf": {b.csrf("/app")}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if res, _ := b.do("GET", "/app", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after logout: %d", res.StatusCode)
		}
	})
}

// TestSignInSecureBehindHTTPS: X-Forwarded-Proto: https from a trusted
// proxy's address makes the session cookie Secure; from an address that
// is not trusted the header is ignored, on both databases.
func TestSignInSecureBehindHTTPS(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "postgres" && apitest.PostgresURL() == "" {
				t.Skip("COBRO_TEST_DATABASE_URL is not set: skipping the PostgreSQL half")
			}
			// the test client reaches the server from 127.0.0.1
			for _, tc := range []struct {
				proxies string
				secure  bool
			}{{"127.0.0.1", true}, {"10.0.0.0/8, ::1", false}} {
				proxies, err := api.ParseProxies(tc.proxies)
				if err != nil {
					t.Fatal(err)
				}
				e := apitest.NewWith(t, dialect, func(c *app.Config) { c.TrustedProxies = proxies })
				withPassword(t, e, e.Workspace("US"), "correct horse battery")
				token := newBrowserless(t, e).csrf("/")
				req, _ := http.NewRequest("POST", e.URL+"/login", strings.NewReader(url.Values{"csrf": {token}, "email": {"owner@example.com"}, "password": {"correct horse battery"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: "cobro_login_csrf", Value: token})
				req.Header.Set("X-Forwarded-Proto", "https")
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				var cookie string
				for _, v := range res.Header.Values("Set-Cookie") {
					if strings.HasPrefix(v, "cobro_session=") {
						cookie = v
					}
				}
				if cookie == "" || strings.Contains(cookie, "; Secure") != tc.secure {
					t.Fatalf("trusting %q, X-Forwarded-Proto: https made the cookie %q (Secure wanted: %v)", tc.proxies, cookie, tc.secure)
				}
			}
		})
	}
}

// TestSignInRateLimited: after 5 failures for an email, even the right
// password is refused with 429 until the window passes.
func TestSignInRateLimited(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		for i := range 5 {
			if res := b.signIn("owner@example.com", "guess number "+string(rune('a'+i))); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, res.StatusCode)
			}
		}
		res := b.signIn("owner@example.com", "correct horse battery")
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("6th attempt: %d", res.StatusCode)
		}
		e.Clock.Advance(16 * 60 * 1e9)
		if res := b.signIn("owner@example.com", "correct horse battery"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the window: %d", res.StatusCode)
		}
	})
}

// TestCSRF: a form post without the session's token, or with another
// session's, is refused and changes nothing; the sign-in form too.
func TestCSRF(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		if res, _ := b.do("POST", "/login", url.Values{"email": {"owner@example.com"}, "password": {"correct horse battery"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("sign-in without its token: %d", res.StatusCode)
		}
		b.signIn("owner@example.com", "correct horse battery")
		other := newBrowserless(t, e)
		other.signIn("owner@example.com", "correct horse battery")
		form := url.Values{"name": {"Forged SpA"}, "address": {"1 Main St"}, "country": {"US"}, "state": {"IL"}}
		for _, token := range []string{"", other.csrf("/app")} {
			form.Set("csrf", token)
			if res, _ := b.do("POST", "/app/customers", form); res.StatusCode != http.StatusForbidden {
				t.Fatalf("post with token %q: %d", token, res.StatusCode)
			}
		}
		for _, path := range []string{"/app/switch", "/logout", "/app/settings/token"} {
			if res, _ := b.do("POST", path, url.Values{}); res.StatusCode != http.StatusForbidden {
				t.Fatalf("%s without a token: %d", path, res.StatusCode)
			}
		}
		wantField(t, c.Get("/customers/").Expect(200), "count", "0")
		form.Set("csrf", b.csrf("/app/customers"))
		if res, page := b.do("POST", "/app/customers", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("post with its token: %d %s", res.StatusCode, page)
		}
		wantField(t, c.Get("/customers/").Expect(200), "count", "1")
	})
}

// TestDashboardCrossWorkspace: a session in one workspace gets 404 for
// another workspace's objects on every dashboard page that takes an id,
// cannot switch into a workspace its user does not belong to, and a test
// session does not see live objects.
func TestDashboardCrossWorkspace(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		mine := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		theirs := e.Workspace("US")
		cus := apitest.Str(theirs.Post("/customers/", map[string]any{"name": "Theirs", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		inv := apitest.Str(theirs.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02",
			"lines": []any{map[string]any{"name": "x", "quantity": "1", "amount": "10"}}}).Expect(201), "id")
		theirs.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		e.Resolver.Set("example.com", "93.184.216.34")
		hook := apitest.Str(theirs.Post("/webhooks/", map[string]any{"url": "https://example.com/hook"}).Expect(201), "id")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		for _, path := range []string{"/app/customers/" + cus, "/app/invoices/" + inv, "/app/invoices/" + inv + "/pdf", "/app/webhooks/" + hook} {
			if res, page := b.do("GET", path, nil); res.StatusCode != http.StatusNotFound || strings.Contains(page, "Theirs") {
				t.Fatalf("GET %s from another workspace: %d", path, res.StatusCode)
			}
		}
		token := b.csrf("/app")
		for _, path := range []string{"/app/invoices/" + inv + "/credit-note", "/app/invoices/" + inv + "/finalize", "/app/webhooks/" + hook + "/delete"} {
			res, _ := b.do("POST", path, url.Values{"csrf": {token}})
			if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusNotFound {
				t.Fatalf("POST %s: %d", path, res.StatusCode)
			}
		}
		wantField(t, theirs.Get("/creditnotes/").Expect(200), "count", "0")
		if res, _ := b.do("GET", "/app/customers?search=Theirs", nil); res.StatusCode != 200 {
			t.Fatal(res.StatusCode)
		} else if _, page := b.do("GET", "/app/customers?search=Theirs", nil); strings.Contains(page, "Theirs</a>") {
			t.Fatal("another workspace's customer listed")
		}
		if res, _ := b.do("POST", "/app/switch", url.Values{"csrf": {token}, "workspace": {theirs.Workspace}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("switch into a workspace of another user: %d", res.StatusCode)
		}
		// live object, test session
		live := apitest.Str(mine.Post("/customers/", map[string]any{"name": "Live one", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		if res, _ := b.do("POST", "/app/switch", url.Values{"csrf": {token}, "mode": {"test"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch to test: %d", res.StatusCode)
		}
		if res, _ := b.do("GET", "/app/customers/"+live, nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a live customer from a test session: %d", res.StatusCode)
		}
	})
}

// TestSubscriptionPages: the subscription form creates one through
// POST /subscriptions/ (a form resubmitted with its key creates nothing
// more), and its page pauses, resumes and cancels it through the API.
func TestSubscriptionPages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Andes", "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		pro := apitest.Str(c.Post("/products/", map[string]any{"name": "Cloud"}).Expect(201), "id")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		// a plan, from the catalog page
		plan := url.Values{"csrf": {b.csrf("/app/plans")}, "idem": {"plan-form-1"}, "product": {pro}, "name": {"Monthly"}, "description": {"Cloud, monthly"},
			"frequency": {"monthly"}, "currency": {"USD"}, "amount": {"100"}}
		if res, page := b.do("POST", "/app/plans", plan); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("plan form: %d %s", res.StatusCode, page)
		}
		plans := c.Get("/plans/").Expect(200)["results"].([]any)
		if len(plans) != 1 {
			t.Fatalf("plans: %v", plans)
		}
		form := url.Values{"csrf": {b.csrf("/app/subscriptions")}, "idem": {"sub-form-1"}, "customer": {cus}, "document": {"US1"},
			"lines.0.plan": {apitest.Str(plans[0].(map[string]any), "id")}, "lines.0.quantity": {"2"}, "date_start": {"2026-06-02"}, "collection_scheme": {"send_invoice"}}
		var loc string
		for range 2 { // the same form twice: one subscription
			res, page := b.do("POST", "/app/subscriptions", form)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("subscription form: %d %s", res.StatusCode, page)
			}
			loc = res.Header.Get("Location")
		}
		wantField(t, c.Get("/subscriptions/").Expect(200), "count", "1")
		sub := loc[strings.LastIndex(loc, "/")+1:]
		token := b.csrf(loc)
		for _, step := range []struct{ action, status string }{{"pause", "paused"}, {"resume", "active"}, {"delete", "cancelled"}} {
			if res, _ := b.do("POST", loc+"/"+step.action, url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d", step.action, res.StatusCode)
			}
			wantField(t, c.Get("/subscriptions/"+sub+"/").Expect(200), "status", step.status)
		}
	})
}

// TestSMTPTestMessage: the settings page sends one message over SMTP to
// the fake server (a real socket), refuses a bad address, and says when
// no SMTP server is configured.
func TestSMTPTestMessage(t *testing.T) {
	srv := mailtest.StartFakeSMTP(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	cfg, err := mail.Parse("smtp://" + host + ":" + port + "?from=billing@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	e := apitest.NewWith(t, "sqlite", func(c *app.Config) { c.SMTP = cfg })
	withPassword(t, e, e.Workspace("US"), "correct horse battery")
	b := newBrowserless(t, e)
	b.signIn("owner@example.com", "correct horse battery")
	token := b.csrf("/app/settings")
	if res, _ := b.do("POST", "/app/settings/smtp", url.Values{"csrf": {token}, "to": {"not an address"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad address: %d", res.StatusCode)
	}
	res, _ := b.do("POST", "/app/settings/smtp", url.Values{"csrf": {token}, "to": {"ops@acme.test"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send: %d", res.StatusCode)
	}
	got := srv.Received()
	if len(got) != 1 || got[0].To[0] != "ops@acme.test" || !strings.Contains(got[0].Data, "Cobro test message") {
		t.Fatalf("received %+v", got)
	}
	if _, page := b.do("GET", res.Header.Get("Location"), nil); !strings.Contains(page, `id="smtp-sent"`) {
		t.Fatal("the page does not say the message was sent")
	}

	plain := apitest.New(t, "sqlite")
	withPassword(t, plain, plain.Workspace("US"), "correct horse battery")
	b = newBrowserless(t, plain)
	b.signIn("owner@example.com", "correct horse battery")
	if _, page := b.do("GET", "/app/settings", nil); !strings.Contains(page, "COBRO_SMTP_URL") || strings.Contains(page, `id="smtp-to"`) {
		t.Fatal("without SMTP the page offers a test message")
	}
}

// TestListPagesAndNotes: lists come 25 a page with search; an invoice
// finalized from its page gets a full credit note from its page, which
// its own page finalizes; the event log redelivers.
func TestListPagesAndNotes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		var cus string
		for i := range 30 {
			name := "Customer " + string(rune('A'+i%26)) + string(rune('a'+i/26))
			cus = apitest.Str(c.Post("/customers/", map[string]any{"name": name, "address": "1 Main", "country": "US", "state": "IL"}).Expect(201), "id")
		}
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		_, page := b.do("GET", "/app/customers", nil)
		if n := strings.Count(page, `<a href="/app/customers/cus_`); n != 25 || !strings.Contains(page, `rel="next"`) {
			t.Fatalf("page 1: %d rows", n)
		}
		_, page = b.do("GET", "/app/customers?page=2", nil)
		if n := strings.Count(page, `<a href="/app/customers/cus_`); n != 5 || !strings.Contains(page, `rel="prev"`) || strings.Contains(page, `rel="next"`) {
			t.Fatalf("page 2: %d rows", n)
		}
		_, page = b.do("GET", "/app/customers?search=Customer+Ca", nil)
		if n := strings.Count(page, `<a href="/app/customers/cus_`); n != 1 {
			t.Fatalf("search: %d rows", n)
		}

		token := b.csrf("/app/invoices/new")
		res, page := b.do("POST", "/app/invoices", url.Values{"csrf": {token}, "idem": {"inv-form-1"}, "customer": {cus}, "document": {"US1"}, "date": {"2026-06-02"},
			"line_name": {"Design", ""}, "line_quantity": {"1", "1"}, "line_amount": {"abc", ""}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "A valid number is required.") || strings.Contains(page, `value="inv-form-1"`) {
			t.Fatalf("a bad amount: %d (the form must come back with a new key)", res.StatusCode)
		}
		res, _ = b.do("POST", "/app/invoices", url.Values{"csrf": {token}, "idem": {"inv-form-2"}, "customer": {cus}, "document": {"US1"}, "date": {"2026-06-02"},
			"line_name": {"Design"}, "line_quantity": {"1"}, "line_amount": {"120"}})
		inv := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(inv, "/app/invoices/inv_") {
			t.Fatalf("invoice: %d %s", res.StatusCode, inv)
		}
		for _, step := range []string{"/finalize", "/credit-note"} {
			res, _ = b.do("POST", inv+step, url.Values{"csrf": {token}, "idem": {"note-form-1"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d", step, res.StatusCode)
			}
		}
		note := res.Header.Get("Location")
		if !strings.HasPrefix(note, "/app/credit-notes/crn_") {
			t.Fatalf("credit note page %q", note)
		}
		if res, _ := b.do("POST", note+"/finalize", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("finalize the note: %d", res.StatusCode)
		}
		id := note[strings.LastIndex(note, "/")+1:]
		wantField(t, c.Get("/creditnotes/"+id+"/").Expect(200), "status", "finalized")
		wantField(t, c.Get("/invoices/"+inv[strings.LastIndex(inv, "/")+1:]+"/").Expect(200), "status", "cancelled")

		e.Resolver.Set("hooks.example.com", "93.184.216.34")
		c.Post("/webhooks/", map[string]any{"url": "https://hooks.example.com/cobro"}).Expect(201)
		events := c.Get("/events/?page_size=1").Expect(200)["results"].([]any)
		ev := apitest.Str(events[0].(map[string]any), "id")
		if res, _ := b.do("POST", "/app/events/"+ev+"/redeliver", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther || strings.Contains(res.Header.Get("Location"), "error=") {
			t.Fatalf("redeliver: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
