package stripetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Proxy is a loopback HTTP server in front of stripe-mock that keeps the
// state stripe-mock does not: every PaymentIntent and customer it creates
// gets its own id, a PaymentIntent's status follows what happened to it
// (created, authenticated by the payer, captured, cancelled), and every
// request is logged. Requests and answers stay in Stripe's wire format:
// stripe-mock still validates each request against Stripe's OpenAPI
// specification.
type Proxy struct {
	URL    string
	target string
	mu     sync.Mutex
	seq    int
	// onCreate is merged into every PaymentIntent created.
	onCreate map[string]any
	intents  map[string]map[string]any
	requests []Request
}

// Request is one request the proxy forwarded.
type Request struct {
	Method, Path string
	Form         url.Values
	// IdempotencyKey is the request's Idempotency-Key header.
	IdempotencyKey string
	// Created is the id the proxy gave the object the request created.
	Created string
}

// NewProxy starts a proxy to the stripe-mock at target (Start's URL).
// Created PaymentIntents hold their amount for capture (requires_capture)
// unless OnCreate says otherwise.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{target: strings.TrimRight(target, "/"), intents: map[string]map[string]any{},
		onCreate: map[string]any{"status": "requires_capture", "next_action": nil, "last_payment_error": nil}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// OnCreate replaces the fields merged into every PaymentIntent created
// from now on (its status, next_action…).
func (p *Proxy) OnCreate(fields map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onCreate = maps.Clone(fields)
}

// RequiresAction makes created PaymentIntents wait for 3-D Secure at acs.
func RequiresAction(acs string) map[string]any {
	return map[string]any{"status": "requires_action", "last_payment_error": nil,
		"next_action": map[string]any{"type": "redirect_to_url", "redirect_to_url": map[string]any{"url": acs, "return_url": nil}}}
}

// Authenticate is the payer finishing 3-D Secure at Stripe: approved, the
// intent holds its amount; refused, it asks for another payment method
// with Stripe's authentication failure.
func (p *Proxy) Authenticate(intent string, approved bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.state(intent)
	st["next_action"] = nil
	if approved {
		st["status"], st["amount_capturable"], st["last_payment_error"] = "requires_capture", st["amount"], nil
		return
	}
	st["status"] = "requires_payment_method"
	st["last_payment_error"] = map[string]any{"type": "card_error", "code": "payment_intent_authentication_failure",
		"message": "We are unable to authenticate your payment method."}
}

// Intents lists the ids of the PaymentIntents created, oldest first.
func (p *Proxy) Intents() []string {
	var out []string
	for _, r := range p.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/payment_intents" {
			out = append(out, r.Created)
		}
	}
	return out
}

// Requests is the log of the requests forwarded, oldest first.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Count is how many requests had the method and path.
func (p *Proxy) Count(method, path string) int {
	n := 0
	for _, r := range p.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func (p *Proxy) state(intent string) map[string]any {
	st := p.intents[intent]
	if st == nil {
		st = map[string]any{}
		p.intents[intent] = st
	}
	return st
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	if r.Method == http.MethodGet {
		form = r.URL.Query()
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	var obj map[string]any
	if res.StatusCode == http.StatusOK && json.Unmarshal(out, &obj) == nil {
		created := p.rewrite(r.Method, r.URL.Path, form, obj)
		out, _ = json.Marshal(obj)
		p.log(Request{Method: r.Method, Path: r.URL.Path, Form: form, IdempotencyKey: r.Header.Get("Idempotency-Key"), Created: created})
	} else {
		p.log(Request{Method: r.Method, Path: r.URL.Path, Form: form, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	}
	w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
	w.Header().Set("Request-Id", res.Header.Get("Request-Id"))
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(out)
}

func (p *Proxy) log(r Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r)
}

// rewrite gives created objects their own ids (returning the id) and
// PaymentIntents the state they reached.
func (p *Proxy) rewrite(method, path string, form url.Values, obj map[string]any) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	created := ""
	newID := func(prefix string) string {
		p.seq++
		created = fmt.Sprintf("%s_proxy%06d", prefix, p.seq)
		return created
	}
	switch {
	case method == http.MethodPost && path == "/v1/customers":
		obj["id"] = newID("cus")
	case method == http.MethodPost && path == "/v1/refunds":
		obj["id"] = newID("re")
	case method == http.MethodPost && path == "/v1/setup_intents":
		if c := form.Get("customer"); c != "" {
			obj["customer"] = c
		}
	case method == http.MethodPost && path == "/v1/payment_intents":
		id := newID("pi")
		st := maps.Clone(p.onCreate)
		amount, _ := strconv.ParseInt(form.Get("amount"), 10, 64)
		st["amount"], st["currency"] = amount, form.Get("currency")
		if st["status"] == "requires_capture" {
			st["amount_capturable"] = amount
		}
		if c := form.Get("customer"); c != "" {
			st["customer"] = c
		}
		p.intents[id] = st
		obj["id"] = id
		maps.Copy(obj, st)
	case strings.HasPrefix(path, "/v1/payment_intents/"):
		id, action, _ := strings.Cut(strings.TrimPrefix(path, "/v1/payment_intents/"), "/")
		st := p.state(id)
		p.act(st, action, form)
		obj["id"] = id
		maps.Copy(obj, st)
	}
	return created
}

// act moves an intent's state as Stripe would on capture and cancel.
func (p *Proxy) act(st map[string]any, action string, form url.Values) {
	switch action {
	case "capture":
		received, err := strconv.ParseInt(form.Get("amount_to_capture"), 10, 64)
		if err != nil {
			received, _ = st["amount_capturable"].(int64)
		}
		st["status"], st["amount_received"], st["amount_capturable"] = "succeeded", received, 0
	case "cancel":
		st["status"], st["amount_capturable"], st["cancellation_reason"] = "canceled", 0, form.Get("cancellation_reason")
	}
}
