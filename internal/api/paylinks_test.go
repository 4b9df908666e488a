package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/payment"
)

func payerBody(number string) map[string]any {
	return map[string]any{"payer": map[string]any{"name": "Josefa Rojas", "email": "jrojas@example.com"}, "card": card(number)}
}

func pubPath(key string) string { return "/publishable/payment_links/links/" + key + "/" }

// The seed's third flow: a link, its hosted page, an intent paid with the
// success card → finalized, with a customer, a paid invoice and a payment.
func TestPaymentLinkFlow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		l := c.Post("/payment_links/links/", map[string]any{"amount": "49.90", "currency": "USD", "description": "Ceramics workshop"}).Expect(201)
		key, lid := apitest.Str(l, "publishable_key"), apitest.Str(l, "id")
		if len(key) != 27 || !strings.HasPrefix(key, "pk_") || apitest.Str(l, "url") != e.URL+pubPath(key)+"hosted/" {
			t.Fatalf("link %v", l)
		}
		if l["document"].(map[string]any)["id"] != "US1" || l["gateway"] != "test" || l["capture_method"] != "automatic" || l["status"] != "active" {
			t.Fatalf("defaults %v", l)
		}
		anon := e.Anonymous()
		pub := anon.Get(pubPath(key)).Expect(200)
		if pub["description"] != "Ceramics workshop" || apitest.Num(pub["amount"]) != "49.90" || pub["workspace"].(map[string]any)["name"] != "Test US" {
			t.Fatalf("public view %v", pub)
		}
		page := anon.Get(pubPath(key) + "hosted/")
		body := string(page.Body)
		if page.Status != 200 || !strings.Contains(body, "Ceramics workshop") || !strings.Contains(body, "$49.90") || !strings.Contains(body, "TEST MODE") {
			t.Fatalf("hosted page %d", page.Status)
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || page.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers %v", page.Header)
		}
		if strings.Contains(body, c.Workspace) || strings.Contains(body, lid) {
			t.Error("the hosted page shows workspace or link ids")
		}
		// declined: failed, nothing captured
		bad := anon.Post(pubPath(key)+"intents/", payerBody(cardDeclined)).Expect(201)
		if bad["status"] != "failed" || bad["failed_reason"] != "card_declined" || bad["payment"] != nil || bad["invoice"] != nil {
			t.Fatalf("declined intent %v", bad)
		}
		// success: finalized in the request
		in := anon.Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(201)
		if in["status"] != "finalized" || in["payment"] == nil || in["invoice"] == nil || in["authorized"] == nil || in["captured"] == nil {
			t.Fatalf("intent %v", in)
		}
		if _, leaked := in["error"]; leaked {
			t.Error("public view shows error")
		}
		inv := c.Get("/invoices/" + apitest.Str(in, "invoice") + "/").Expect(200)
		if inv["status"] != "paid" || apitest.Num(inv["total"]) != "49.90" || inv["collection_method"] != "automatically" {
			t.Fatalf("invoice %v %v %v", inv["status"], inv["total"], inv["collection_method"])
		}
		cus := inv["customer"].(map[string]any)
		if cus["name"] != "Josefa Rojas" || cus["email"] != "jrojas@example.com" {
			t.Fatalf("customer %v", cus)
		}
		pay := c.Get("/payments/" + apitest.Str(in, "payment") + "/").Expect(200)
		if pay["status"] != "succeeded" || pay["description"] != "Payment link "+lid || pay["source"] != in["source"] {
			t.Fatalf("payment %v", pay)
		}
		full := c.Get("/payment_links/intents/" + apitest.Str(in, "id") + "/").Expect(200)
		if full["customer"].(map[string]any)["id"] != cus["id"] || full["error"] != nil {
			t.Fatalf("full intent %v", full)
		}
		wantField(t, c.Get("/payment_links/intents/?link="+lid+"&status=finalized").Expect(200), "count", "1")
		wantField(t, c.Get("/payment_links/intents/?status__in=failed,finalized").Expect(200), "count", "2")
		// the same email again is a new customer: an anonymous payer is
		// never bound to an existing one (issue 13)
		again := anon.Post(pubPath(key)+"intents/", map[string]any{"payer": map[string]any{"name": "J. Rojas", "email": "JROJAS@example.com"}, "card": card(cardOK)}).Expect(201)
		if c.Get("/payment_links/intents/" + apitest.Str(again, "id") + "/").Expect(200)["customer"].(map[string]any)["id"] == cus["id"] {
			t.Error("an anonymous payer was bound to an existing customer")
		}
		// poll and PDF
		anon.Get(pubPath(key) + "intents/" + apitest.Str(in, "id") + "/").Expect(200)
		if p := anon.Get(pubPath(key) + "intents/" + apitest.Str(in, "id") + "/pdf/").Expect(200); !strings.HasPrefix(apitest.Str(p, "file"), "JVBER") {
			t.Error("pdf is not a PDF")
		}
		anon.Get(pubPath(key) + "intents/" + apitest.Str(bad, "id") + "/pdf/").Expect(404)
		// events of the finalization, in order
		order := eventOrder(c)
		want := []string{"payment_link.intent.failed", "customer.created", "invoice.created", "invoice.finalized", "payment.created", "payment.succeeded",
			"invoice.paid", "payment_link.intent.finalized"}
		if !subsequence(order, want) {
			t.Errorf("events %v, want the subsequence %v", order, want)
		}
		// a PATCH of fixed fields is refused once there are intents; archive → 404 everywhere public
		c.Patch("/payment_links/links/"+lid+"/", map[string]any{"amount": 10}).ExpectBody(400, `{"amount": ["This field cannot be changed once the link has intents."]}`)
		c.Patch("/payment_links/links/"+lid+"/", map[string]any{"description": "Workshop"}).Expect(200)
		wantField(t, c.Delete("/payment_links/links/"+lid+"/").Expect(200), "status", "archived")
		anon.Get(pubPath(key)).ExpectBody(404, `{"detail": "Not found."}`)
		if r := anon.Get(pubPath(key) + "hosted/"); r.Status != 404 || !strings.Contains(string(r.Body), "no longer available") {
			t.Errorf("archived hosted page: %d", r.Status)
		}
		anon.Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(404)
		anon.Get(pubPath("pk_000000000000000000000000")).Expect(404)
	})
}

// eventOrder lists the event names oldest first.
func eventOrder(c *apitest.Client) []string {
	m := c.Get("/events/?page_size=100&ordering=created").Expect(200)
	var out []string
	for _, ev := range m["results"].([]any) {
		out = append(out, apitest.Str(ev.(map[string]any), "event"))
	}
	// the list is newest first unless ordering is honoured: normalise
	if len(out) > 1 && out[0] != "payment_link.created" && out[len(out)-1] == "payment_link.created" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

func subsequence(have, want []string) bool {
	i := 0
	for _, h := range have {
		if i < len(want) && h == want[i] {
			i++
		}
	}
	return i == len(want)
}

// Manual capture, cancel, authentication and single-use links; every
// refusal of docs/payments.md#45-errors and docs/payments.md#57-errors.
func TestPaymentLinkIntents(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		anon := e.Anonymous()
		mk := func(body map[string]any) (string, string) {
			l := c.Post("/payment_links/links/", body).Expect(201)
			return apitest.Str(l, "publishable_key"), apitest.Str(l, "id")
		}
		// manual capture: authorized → captured → finalized; another one cancelled
		key, _ := mk(map[string]any{"amount": 20, "currency": "USD", "capture_method": "manual"})
		in := anon.Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(201)
		iid := apitest.Str(in, "id")
		wantField(t, in, "status", "authorized")
		c.Post("/payment_links/intents/"+iid+"/finalize/", nil).ExpectBody(400, `{"non_field_errors": ["Only captured intents can be finalized."]}`)
		got := c.Post("/payment_links/intents/"+iid+"/capture/", nil).Expect(200)
		wantField(t, got, "status", "finalized")
		c.Post("/payment_links/intents/"+iid+"/capture/", nil).ExpectBody(400, `{"non_field_errors": ["Only authorized intents can be captured."]}`)
		c.Post("/payment_links/intents/"+iid+"/cancel/", nil).ExpectBody(400, `{"non_field_errors": ["Only authorized intents can be cancelled."]}`)
		in2 := anon.Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(201)
		wantField(t, c.Post("/payment_links/intents/"+apitest.Str(in2, "id")+"/cancel/", nil).Expect(200), "status", "cancelled")
		// 7 days without capture → cancelled at the capture attempt
		in3 := anon.Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(201)
		e.Clock.Advance(8 * 24 * 3600 * 1e9)
		wantField(t, c.Post("/payment_links/intents/"+apitest.Str(in3, "id")+"/capture/", nil).Expect(200), "status", "cancelled")

		// authentication: requires_authentication → approve → finalized; deny → failed
		key2, _ := mk(map[string]any{"amount": 15, "currency": "USD"})
		a := anon.Post(pubPath(key2)+"intents/", payerBody(cardAuth)).Expect(201)
		wantField(t, a, "status", "requires_authentication")
		next := a["next_action"].(map[string]any)
		path := strings.TrimPrefix(next["url"].(string), e.URL)
		if r := anon.Get(path); r.Status != 200 {
			t.Fatalf("authentication page %d", r.Status)
		}
		anon.Post(path, map[string]any{"outcome": "approve"}).Expect(200)
		fin := anon.Get(pubPath(key2) + "intents/" + apitest.Str(a, "id") + "/").Expect(200)
		if fin["status"] != "finalized" || fin["next_action"] != nil {
			t.Fatalf("after approval %v", fin)
		}
		d := anon.Post(pubPath(key2)+"intents/", payerBody(cardAuth)).Expect(201)
		path = strings.TrimPrefix(d["next_action"].(map[string]any)["url"].(string), e.URL)
		anon.Post(path, map[string]any{"outcome": "deny"}).Expect(200)
		den := anon.Get(pubPath(key2) + "intents/" + apitest.Str(d, "id") + "/").Expect(200)
		if den["status"] != "failed" || den["failed_reason"] != "authentication_failed" {
			t.Fatalf("after denial %v", den)
		}

		// single use: archived after its first finalized intent
		key3, lid3 := mk(map[string]any{"amount": 5, "currency": "USD", "single_use": true})
		anon.Post(pubPath(key3)+"intents/", payerBody(cardDeclined)).Expect(201)
		anon.Post(pubPath(key3)+"intents/", payerBody(cardOK)).Expect(201)
		wantField(t, c.Get("/payment_links/links/"+lid3+"/").Expect(200), "status", "archived")
		anon.Post(pubPath(key3)+"intents/", payerBody(cardOK)).Expect(404)

		// a link paying an existing invoice
		f := &payFixture{c: c}
		f.customer = apitest.Str(c.Post("/customers/", map[string]any{"name": "Acme", "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
		inv := f.invoice("97.60", true)
		c.Post("/payment_links/links/", map[string]any{"amount": 90, "currency": "USD", "invoice": inv}).
			ExpectBody(400, `{"amount": ["Must equal the invoice's outstanding amount (97.60)."]}`)
		li := c.Post("/payment_links/links/", map[string]any{"amount": "97.60", "currency": "USD", "invoice": inv}).Expect(201)
		if li["single_use"] != true || li["customer"].(map[string]any)["id"] != f.customer {
			t.Fatalf("invoice link %v", li)
		}
		ikey := apitest.Str(li, "publishable_key")
		if pf := anon.Get(pubPath(ikey)).Expect(200)["payer_fields"].([]any); len(pf) != 0 {
			t.Errorf("a fixed customer asks the payer for %v", pf)
		}
		if page := string(anon.Get(pubPath(ikey) + "hosted/").Body); strings.Contains(page, `id="email"`) || !strings.Contains(page, `id="number"`) {
			t.Error("the hosted page of a fixed customer asks for payer data")
		}
		p := anon.Post(pubPath(ikey)+"intents/", map[string]any{"card": card(cardOK)}).Expect(201)
		if p["status"] != "finalized" || p["invoice"] != inv || f.status("/invoices/"+inv+"/") != "paid" {
			t.Fatalf("invoice link intent %v", p)
		}

		// refusals
		c.Post("/payment_links/links/", map[string]any{"currency": "USD"}).ExpectBody(400, `{"amount": ["This field is required."]}`)
		c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD", "document": "US2"}).
			ExpectBody(400, `{"document": ["Document type US2 cannot be used for invoices."]}`)
		e.Workspace("US").Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).
			ExpectBody(400, `{"gateway": ["No card gateway is configured in this mode: set one's credentials with PATCH /providers/{id}/."]}`)
		anon.Post(pubPath(key2)+"intents/", map[string]any{"payer": map[string]any{"name": "X"}, "card": card("4242 4242 4242 4241")}).
			ExpectBody(400, `{"payer": {"email": ["This field is required."]}, "card": {"number": ["Invalid card number."]}}`)
		anon.Post(pubPath(key2)+"intents/", map[string]any{"payer": map[string]any{"name": "X", "email": "x@example.com"},
			"card": map[string]any{"number": cardOK, "exp_month": 1, "exp_year": 2020, "cvc": "123"}}).
			ExpectBody(400, `{"card": {"exp_year": ["The card has expired."]}}`)
		// the JSON API answers any origin (docs/conventions.md#2-requests-and-responses): a merchant's own page may post intents
		xs := anon.Do("POST", pubPath(key2)+"intents/", payerBody(cardOK), "Sec-Fetch-Site", "cross-site", "Origin", "https://shop.example")
		if xs.Status != 201 || xs.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("cross-site intent: %d %q", xs.Status, xs.Header.Get("Access-Control-Allow-Origin"))
		}
	})
}

// Chilean links: CLP boleta by default, amounts without decimals on the
// page, the net + tax split of taxed types, the payer fields of a factura.
func TestPaymentLinkChile(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		anon := e.Anonymous()
		l := c.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "CLP", "description": "Taller de cerámica (1 sesión)"}).Expect(201)
		if l["document"].(map[string]any)["id"] != "CL39" || apitest.Num(l["amount"]) != "9990.00" {
			t.Fatalf("link %v", l)
		}
		key := apitest.Str(l, "publishable_key")
		page := anon.Get(pubPath(key) + "hosted/")
		body := string(page.Body)
		if page.Status != 200 || !strings.Contains(body, "$9.990") || strings.Contains(body, "9.990,00") || !strings.Contains(body, "lang=\"es\"") {
			t.Fatalf("hosted CLP page %d", page.Status)
		}
		c.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "USD"}).ExpectBody(400, `{"currency": ["Document type CL39 is issued in CLP."]}`)
		c.Post("/payment_links/links/", map[string]any{"amount": 16, "currency": "CLP", "document": "CL33"}).
			ExpectBody(400, `{"amount": ["16.00 cannot be split into net and 19% tax; use 15.00 or 17.00."]}`)
		c.Post("/payment_links/links/", map[string]any{"amount": "10.5", "currency": "CLP"}).
			ExpectBody(400, `{"amount": ["Ensure that there are no more than 0 decimal places."]}`)
		f := c.Post("/payment_links/links/", map[string]any{"amount": 11900, "currency": "CLP", "document": 33}).Expect(201)
		fk := apitest.Str(f, "publishable_key")
		pub := anon.Get(pubPath(fk)).Expect(200)
		if fmt.Sprint(pub["payer_fields"]) != "[name email tax_id address state activity commune]" {
			t.Fatalf("payer_fields %v", pub["payer_fields"])
		}
		anon.Post(pubPath(fk)+"intents/", map[string]any{"payer": map[string]any{"name": "Comercial Andes", "email": "a@example.cl", "tax_id": "76086428-4",
			"address": "Av. Apoquindo 1", "state": "RM", "activity": "Comercio", "commune": "Las Condes"}, "card": card(cardOK)}).
			ExpectBody(400, `{"payer": {"tax_id": ["Invalid RUT: the check digit does not match."]}}`)
		// the boleta intent before the SII biller is configured: the card is
		// captured, the invoice stays a draft and the intent keeps the error
		in := anon.Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(201)
		iid := apitest.Str(in, "id")
		full := c.Get("/payment_links/intents/" + iid + "/").Expect(200)
		if full["status"] != "captured" || !strings.Contains(apitest.Str(full, "error"), "SII biller is not configured") || full["invoice"] == nil {
			t.Fatalf("stuck intent %v", full)
		}
		if st := c.Get("/invoices/" + apitest.Str(full, "invoice") + "/").Expect(200)["status"]; st != "draft" {
			t.Fatalf("invoice of a stuck intent: %v", st)
		}
		retry := c.Post("/payment_links/intents/"+iid+"/finalize/", nil).Expect(200)
		if retry["status"] != "captured" || retry["error"] == nil {
			t.Fatalf("retry %v", retry)
		}
		// once the biller is configured, the retry finalizes it: the boleta of
		// the example (1 × 9990 → amount 8395, tax 1595), paid, generic RUT
		clBiller(t, c, false)
		fin := c.Post("/payment_links/intents/"+iid+"/finalize/", nil).Expect(200)
		if fin["status"] != "finalized" || fin["error"] != nil || fin["payment"] == nil || fin["invoice"] != full["invoice"] {
			t.Fatalf("finalize retry %v", fin)
		}
		checkBoleta := func(invID string) {
			t.Helper()
			inv := c.Get("/invoices/" + invID + "/").Expect(200)
			if inv["status"] != "paid" || apitest.Num(inv["amount"]) != "8395.00" || apitest.Num(inv["tax"]) != "1595.00" || apitest.Num(inv["total"]) != "9990.00" ||
				inv["number"] == nil || inv["biller_status"] != "succeeded" {
				t.Fatalf("boleta %v %v %v %v %v", inv["status"], inv["amount"], inv["tax"], inv["number"], inv["biller_status"])
			}
			if inv["customer"].(map[string]any)["tax_id"] != "66666666-6" {
				t.Errorf("generic RUT: %v", inv["customer"])
			}
		}
		checkBoleta(apitest.Str(fin, "invoice"))
		// the next payer's intent is finalized within its POST
		next := anon.Post(pubPath(key)+"intents/", map[string]any{"payer": map[string]any{"name": "Tomás Soto", "email": "tsoto@example.cl"}, "card": card(cardOK)}).Expect(201)
		if next["status"] != "finalized" || next["invoice_number"] == nil {
			t.Fatalf("second boleta intent %v", next)
		}
		checkBoleta(apitest.Str(next, "invoice"))
		// the factura link: payer data becomes a customer with its RUT, giro and comuna
		fi := anon.Post(pubPath(fk)+"intents/", map[string]any{"payer": map[string]any{"name": "Comercial Andes SpA", "email": "a@example.cl", "tax_id": "76.086.428-5",
			"address": "Av. Apoquindo 4501", "state": "RM", "activity": "Comercio", "commune": "Las Condes"}, "card": card(cardOK)}).Expect(201)
		if fi["status"] != "finalized" {
			t.Fatalf("factura intent %v", c.Get("/payment_links/intents/"+apitest.Str(fi, "id")+"/").Expect(200))
		}
		inv := c.Get("/invoices/" + apitest.Str(fi, "invoice") + "/").Expect(200)
		if inv["status"] != "paid" || apitest.Num(inv["amount"]) != "10000.00" || apitest.Num(inv["tax"]) != "1900.00" || inv["customer"].(map[string]any)["tax_id"] != "76086428-5" {
			t.Fatalf("factura %v %v %v %v", inv["status"], inv["amount"], inv["tax"], inv["customer"])
		}
	})
}

// Publishable POSTs are limited per client IP and link (docs/conventions.md#14-rate-limiting:
// 20 a minute); another link has its own budget.
func TestPublishableRateLimit(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("US").Test()
	anon := e.Anonymous()
	key := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).Expect(201), "publishable_key")
	other := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD"}).Expect(201), "publishable_key")
	for i := 0; i < 20; i++ {
		anon.Post(pubPath(key)+"intents/", payerBody(cardDeclined)).Expect(201)
	}
	r := anon.Post(pubPath(key)+"intents/", payerBody(cardDeclined))
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(string(r.Body), `{"detail":"Request was throttled. Expected available in `) {
		t.Fatalf("21st POST: %d %s %v", r.Status, r.Body, r.Header)
	}
	anon.Post(pubPath(other)+"intents/", payerBody(cardDeclined)).Expect(201)
	anon.Get(pubPath(key)).Expect(200) // reads are not limited
}

// The time-based transitions run from the job queue: an unanswered
// authentication fails its source and intent after 30 minutes; a card
// hold and an authorized intent not captured in 7 days expire.
func TestPaymentExpiries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		anon := e.Anonymous()
		run := func() { // the application's runner: expiries with their wiring
			t.Helper()
			if _, err := e.Jobs.RunOnce(context.Background(), payment.ExpiryJob); err != nil {
				t.Fatal(err)
			}
		}
		key := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 15, "currency": "USD"}).Expect(201), "publishable_key")
		waiting := anon.Post(pubPath(key)+"intents/", payerBody(cardAuth)).Expect(201)
		manual := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 15, "currency": "USD", "capture_method": "manual"}).Expect(201), "publishable_key")
		held := anon.Post(pubPath(manual)+"intents/", payerBody(cardOK)).Expect(201)
		f := &payFixture{c: c}
		f.customer = apitest.Str(c.Post("/customers/", map[string]any{"name": "Acme", "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
		inv := f.invoice("10.00", true)
		p := f.payment(inv, "10.00")
		c.Post("/payments/"+apitest.Str(p, "id")+"/authorize/", map[string]any{"source": f.source(cardOK, false)}).Expect(200)

		run() // nothing is due yet
		wantField(t, anon.Get(pubPath(key)+"intents/"+apitest.Str(waiting, "id")+"/").Expect(200), "status", "requires_authentication")
		e.Clock.Advance(31 * time.Minute)
		run()
		got := anon.Get(pubPath(key) + "intents/" + apitest.Str(waiting, "id") + "/").Expect(200)
		if got["status"] != "failed" || got["failed_reason"] != "authentication_failed" {
			t.Fatalf("after 30 minutes: %v", got)
		}
		wantField(t, c.Get("/sources/"+apitest.Str(waiting, "source")+"/").Expect(200), "status", "failed")
		wantField(t, c.Get("/payment_links/intents/"+apitest.Str(held, "id")+"/").Expect(200), "status", "authorized")
		e.Clock.Advance(7 * 24 * time.Hour)
		run()
		wantField(t, c.Get("/payment_links/intents/"+apitest.Str(held, "id")+"/").Expect(200), "status", "cancelled")
		got = c.Get("/payments/" + apitest.Str(p, "id") + "/").Expect(200)
		if got["status"] != "failed" || got["failed_reason"] != "expired_authorization" {
			t.Fatalf("hold after 7 days: %v", got)
		}
		evs := events(c)
		for _, want := range []string{"source.failed", "payment_link.intent.failed", "payment_link.intent.cancelled", "payment.failed"} {
			if !evs[want] {
				t.Errorf("missing event %s", want)
			}
		}
	})
}

// A payer's double submission (double click, retried request) with the
// page's Idempotency-Key creates one intent and charges once.
func TestIntentDoubleSubmit(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		anon := e.Anonymous()
		key := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 12, "currency": "USD"}).Expect(201), "publishable_key")
		const n = 10
		var wg sync.WaitGroup
		ids := make([]string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := anon.Do("POST", pubPath(key)+"intents/", payerBody(cardOK), "Idempotency-Key", "attempt-1")
				switch r.Status {
				case 201:
					ids[i] = apitest.Str(r.JSON(), "id")
				case 409:
				default:
					t.Errorf("status %d %s", r.Status, r.Body)
				}
			}(i)
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, id := range ids {
			if id != "" {
				seen[id] = true
			}
		}
		if len(seen) != 1 {
			t.Fatalf("intents answered: %v", seen)
		}
		wantField(t, c.Get("/payment_links/intents/").Expect(200), "count", "1")
		wantField(t, c.Get("/payments/").Expect(200), "count", "1")
		wantField(t, c.Get("/invoices/").Expect(200), "count", "1")
	})
}

// Lists, filters and search of payments, sources and links; a link past
// its expiry takes no intents; an archived link can be restored.
func TestPaymentListsAndLinkExpiry(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		c := f.c
		inv := f.invoice("60.00", true)
		f.payment(inv, "10.00", "source", f.source(cardOK, false), "metadata", map[string]any{"order": "A-1"})
		f.payment(inv, "20.00")
		f.payment("", "5.00", "description", "Standalone deposit")
		wantField(t, c.Get("/payments/?status__in=succeeded,requires_payment_method").Expect(200), "count", "3")
		wantField(t, c.Get("/payments/?invoice__isnull=true").Expect(200), "count", "1")
		wantField(t, c.Get("/payments/?amount__gte=10&ordering=-amount").Expect(200), "count", "2")
		wantField(t, c.Get("/payments/?metadata__order=A-1").Expect(200), "count", "1")
		wantField(t, c.Get("/payments/?search=deposit").Expect(200), "count", "1")
		wantField(t, c.Get("/payments/?search=acme").Expect(200), "count", "2")
		wantField(t, c.Get("/payments/?payment_date__isnull=false").Expect(200), "count", "1")
		c.Get("/payments/?status=nope").ExpectBody(400, `{"status": ["Select a valid choice. nope is not one of the available choices."]}`)
		c.Get("/payments/?foo=1").ExpectBody(400, `{"foo": ["Unknown filter."]}`)
		f.source(cardInsufficient, false)
		wantField(t, c.Get("/sources/?search=9995").Expect(200), "count", "1")
		wantField(t, c.Get("/sources/?status=consumed").Expect(200), "count", "1")

		l := c.Post("/payment_links/links/", map[string]any{"amount": 5, "currency": "USD", "expires": "2026-06-02T12:00:00Z", "metadata": map[string]any{"campaign": "june"}}).Expect(201)
		key, lid := apitest.Str(l, "publishable_key"), apitest.Str(l, "id")
		e.Anonymous().Post(pubPath(key)+"intents/", payerBody(cardOK)).Expect(404) // the fake clock is past 12:00 UTC
		c.Patch("/payment_links/links/"+lid+"/", map[string]any{"expires": nil}).Expect(200)
		e.Anonymous().Get(pubPath(key)).Expect(200)
		c.Patch("/payment_links/links/"+lid+"/", map[string]any{"status": "archived"}).Expect(200)
		e.Anonymous().Get(pubPath(key)).Expect(404)
		got := c.Patch("/payment_links/links/"+lid+"/", map[string]any{"status": "active"}).Expect(200)
		if got["archived"] != nil || got["status"] != "active" {
			t.Fatalf("restored link %v", got)
		}
		e.Anonymous().Get(pubPath(key)).Expect(200)
		wantField(t, c.Get("/payment_links/links/?metadata__campaign=june&status=active&currency=USD").Expect(200), "count", "1")
		wantField(t, c.Get("/payment_links/links/?search="+key).Expect(200), "count", "1")
	})
}

// Publishable URLs expose only their own link's intents (issue 9, item 1):
// an intent read through another link's key, or another workspace's, is a
// 404, and the public view carries no workspace data beyond the link.
func TestPublishableScope(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		other := e.Workspace("US").Test()
		anon := e.Anonymous()
		keyA := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 20, "currency": "USD", "description": "A"}).Expect(201), "publishable_key")
		keyB := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 30, "currency": "USD", "description": "B"}).Expect(201), "publishable_key")
		keyX := apitest.Str(other.Post("/payment_links/links/", map[string]any{"amount": 40, "currency": "USD", "description": "X"}).Expect(201), "publishable_key")
		in := apitest.Str(anon.Post(pubPath(keyA)+"intents/", payerBody(cardOK)).Expect(201), "id")
		anon.Get(pubPath(keyA) + "intents/" + in + "/").Expect(200)
		for _, k := range []string{keyB, keyX} {
			anon.Get(pubPath(k)+"intents/"+in+"/").ExpectBody(404, `{"detail": "Not found."}`)
			anon.Get(pubPath(k)+"intents/"+in+"/pdf/").ExpectBody(404, `{"detail": "Not found."}`)
		}
		// the public view is exactly docs/payments.md#5-payment-link-intents-and-the-hosted-checkout's: the merchant's name
		// and country, nothing else of the workspace
		pub := anon.Get(pubPath(keyA)).Expect(200)
		allowed := map[string]bool{"publishable_key": true, "description": true, "amount": true, "currency": true, "document": true,
			"workspace": true, "payer_fields": true, "gateway": true, "expires": true, "test_mode": true}
		for field := range pub {
			if !allowed[field] {
				t.Errorf("public link view shows %q", field)
			}
		}
		for field := range pub["workspace"].(map[string]any) {
			if field != "name" && field != "country" {
				t.Errorf("public link view shows workspace.%s", field)
			}
		}
	})
}
