package api_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
	"github.com/cobrobilling/cobro/internal/portal"
	"github.com/cobrobilling/cobro/internal/subscription"
)

// dunningRig is a test-mode workspace whose dunning emails go to a fake
// SMTP server on loopback, sent by the dunning email worker.
type dunningRig struct {
	e    *apitest.Env
	c    *apitest.Client
	smtp *mailtest.FakeSMTP
	mail jobs.Kind
	plan string
}

func newDunningRig(t *testing.T, e *apitest.Env) *dunningRig {
	// as with an SMTP server configured (the app was built without one)
	e.App.Subscriptions.Deps.DunningMail = mail.DunningOutbox{Outbox: mail.Outbox{Base: e.URL}, Portal: portal.Links{}}
	srv := mailtest.StartFakeSMTP(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	cfg, err := mail.Parse("smtp://" + host + ":" + port + "?from=billing@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	w := &mail.Worker{DB: e.DB, SMTP: cfg, Base: e.URL, Clock: e.Clock, Deps: e.App.Documents}
	c := e.Workspace("US").Test()
	return &dunningRig{e: e, c: c, smtp: srv, mail: w.Kind(), plan: subPlan(c, "USD", 12, nil)}
}

// subscribe creates a charge_payment subscription billed today whose card
// declines; it answers the subscription and its pending invoice.
func (r *dunningRig) subscribe(name, email, card string) (sub, inv string) {
	s := chargedSubscription(r.c, r.plan, "2026-06-02", map[string]any{"name": name, "email": email}, card)
	return apitest.Str(s, "id"), apitest.Str(s, "latest_invoice")
}

// chargedSubscription subscribes a new US customer (customer: the fields
// to add) to plan from start, charging card (test mode: the test gateway).
func chargedSubscription(c *apitest.Client, plan, start string, customer map[string]any, card string) map[string]any {
	body := map[string]any{"name": "Charged Co", "address": "1 Main St", "country": "US", "state": "IL", "email": "ap@charged.test"}
	for k, v := range customer {
		body[k] = v
	}
	cus := apitest.Str(c.Post("/customers/", body).Expect(201), "id")
	src := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "customer": cus, "usage": "reusable",
		"card": map[string]any{"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}).Expect(201), "id")
	return c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "US1", "date_start": start, "collection_scheme": "charge_payment",
		"default_source": src, "lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
}

// sendMail runs the email worker once and answers the new messages.
func (r *dunningRig) sendMail(t *testing.T) []mailtest.Received {
	t.Helper()
	before := len(r.smtp.Received())
	if _, err := jobs.RunOnce(context.Background(), r.e.DB, r.e.Clock, nil, r.mail); err != nil {
		t.Fatal(err)
	}
	return r.smtp.Received()[before:]
}

// retries runs the due retries on `nodes` job runners at once.
func (r *dunningRig) retries(t *testing.T, nodes int) {
	t.Helper()
	var wg sync.WaitGroup
	for range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := &subscription.DunningWorker{DB: r.e.DB, Svc: r.e.App.Subscriptions, Clock: r.e.Clock}
			if _, err := jobs.RunOnce(context.Background(), r.e.DB, r.e.Clock, nil, node.Kind()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func (r *dunningRig) charges(t *testing.T, inv string) int {
	t.Helper()
	var n int
	if err := r.e.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM payment_charges c JOIN payments p ON p.id = c.payment_id WHERE p.invoice_id = $1`, inv).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (r *dunningRig) events(name, sub string) int {
	n := 0
	for _, ev := range r.c.Get("/events/?event=" + name + "&page_size=100").Expect(200)["results"].([]any) {
		if ev.(map[string]any)["object_id"] == sub {
			n++
		}
	}
	return n
}

// mailText is a message's subject and plain text; its HTML must carry the
// same portal link as a button.
func mailText(t *testing.T, m mailtest.Received) (subject, body string) {
	t.Helper()
	p := mailtest.Parse(t, m.Data)
	if d := os.Getenv("COBRO_SCREENSHOTS"); d != "" { // to render and look at
		_ = os.WriteFile(filepath.Join(d, "dunning-email.html"), []byte(p.HTML), 0o644)
	}
	if i := strings.Index(p.Text, "/publishable/customer_base/sessions/"); i < 0 || !strings.Contains(p.HTML, p.Text[i:i+77]) {
		t.Errorf("the HTML part has no portal button:\n%s", p.HTML)
	}
	return p.Subject, p.Text
}

// A declined automatic charge is retried on days 1, 3, 5 and 7, each
// failure emails the customer a portal link, two job runners at once never
// retry twice, and after the last failure the workspace's final action
// (here: cancel the subscription) applies (docs/billing.md#813-dunning).
func TestDunningRetriesThenCancels(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		r := newDunningRig(t, e)
		c := r.c
		c.Get("/settings/collection/").ExpectBody(200, `{"retry_days": [1, 3, 5, 7], "final_action": "needs_attention", "portal_cancel_subscriptions": false}`)
		c.Patch("/settings/collection/", map[string]any{"final_action": "cancel_subscription"}).Expect(200)

		sub, inv := r.subscribe("Declined Co", "ap@declined.test", "4000 0000 0000 0002")
		if got := c.Get("/subscriptions/" + sub + "/").Expect(200); got["status"] != "needs_attention" || got["needs_attention_reason"] != "gateway_issue" {
			t.Fatalf("after the declined run: %v %v", got["status"], got["needs_attention_reason"])
		}
		// the failed charge is emailed with a link to the customer portal
		sent := r.sendMail(t)
		if len(sent) != 1 || strings.Join(sent[0].To, ",") != "ap@declined.test" {
			t.Fatalf("first dunning email: %+v", sent)
		}
		subject, body := mailText(t, sent[0])
		if subject != "We could not charge Invoice N° 1 from Test US" || !strings.Contains(body, "We will try again on 2026-06-03") ||
			!strings.Contains(body, e.URL+"/publishable/customer_base/sessions/") {
			t.Errorf("first dunning email: %q\n%s", subject, body)
		}
		if n := r.charges(t, inv); n != 1 {
			t.Fatalf("charges after the run: %d", n)
		}
		// nothing is due before day 1
		r.retries(t, 2)
		if n := r.charges(t, inv); n != 1 {
			t.Fatalf("retried before day 1: %d charges", n)
		}
		for i, day := range []int{1, 3, 5, 7} {
			e.Clock.Set(time.Date(2026, 6, 2, 14, 15, 0, 0, time.UTC).Add(time.Duration(day)*24*time.Hour + time.Minute))
			r.retries(t, 3) // three nodes at once: one retry
			if n := r.charges(t, inv); n != 2+i {
				t.Fatalf("day %d: %d charges, want %d", day, n, 2+i)
			}
			if got := r.sendMail(t); len(got) != 1 {
				t.Fatalf("day %d: %d emails", day, len(got))
			}
			if day < 7 {
				if got := c.Get("/subscriptions/" + sub + "/").Expect(200); got["status"] != "needs_attention" {
					t.Fatalf("day %d: subscription %v", day, got["status"])
				}
			}
		}
		_, last := mailText(t, r.smtp.Received()[4])
		if !strings.Contains(last, "That was our last automatic attempt.") {
			t.Errorf("last email:\n%s", last)
		}
		// each step is a dunning message of the messages list, sent
		sentMsgs := 0
		for _, m := range c.Get("/reminders/messages/?page_size=100").Expect(200)["results"].([]any) {
			if m := m.(map[string]any); m["kind"] == "dunning" && m["status"] == "sent" && m["invoice"] == inv {
				sentMsgs++
			}
		}
		if sentMsgs != 5 {
			t.Errorf("%d sent dunning messages, want 5", sentMsgs)
		}
		got := c.Get("/subscriptions/" + sub + "/").Expect(200)
		if got["status"] != "cancelled" || got["cancel_reason"] != "not_paid" {
			t.Errorf("after the last retry: %v %v", got["status"], got["cancel_reason"])
		}
		// a week later nothing more happens
		e.Clock.Advance(7 * 24 * time.Hour)
		r.retries(t, 2)
		if n, m := r.charges(t, inv), len(r.sendMail(t)); n != 5 || m != 0 {
			t.Errorf("after the end: %d charges, %d emails", n, m)
		}
		for name, want := range map[string]int{"subscription.dunning_started": 1, "subscription.dunning_retry_failed": 3,
			"subscription.dunning_exhausted": 1, "subscription.cancelled": 1, "subscription.dunning_recovered": 0} {
			if n := r.events(name, sub); n != want {
				t.Errorf("%d %s events, want %d", n, name, want)
			}
		}
	})
}

// A new card set on the subscription is what the next retry charges: the
// invoice is paid, the subscription active again, no more retries or
// emails. With mark_uncollectible, an unrecovered invoice is written off
// and the subscription goes on.
func TestDunningRecoversOrWritesOff(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		r := newDunningRig(t, e)
		c := r.c
		c.Patch("/settings/collection/", map[string]any{"final_action": "mark_uncollectible", "retry_days": []int{2, 4}}).
			ExpectBody(200, `{"retry_days": [2, 4], "final_action": "mark_uncollectible", "portal_cancel_subscriptions": false}`)
		recovered, recInv := r.subscribe("Recovered Co", "ap@recovered.test", "4000 0000 0000 9995")
		lost, lostInv := r.subscribe("Lost Co", "ap@lost.test", "4000 0000 0000 0002")
		if got := r.sendMail(t); len(got) != 2 {
			t.Fatalf("first emails: %d", len(got))
		}
		cus := apitest.Str(c.Get("/subscriptions/" + recovered + "/").Expect(200)["customer"].(map[string]any), "id")
		good := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "customer": cus, "usage": "reusable",
			"card": map[string]any{"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}).Expect(201), "id")
		c.Patch("/subscriptions/"+recovered+"/", map[string]any{"default_source": good}).Expect(200)

		e.Clock.Advance(2*24*time.Hour + time.Minute)
		r.retries(t, 2)
		if inv := c.Get("/invoices/" + recInv + "/").Expect(200); inv["status"] != "paid" {
			t.Errorf("recovered invoice: %v", inv["status"])
		}
		if got := c.Get("/subscriptions/" + recovered + "/").Expect(200); got["status"] != "active" {
			t.Errorf("recovered subscription: %v", got["status"])
		}
		if got := r.sendMail(t); len(got) != 1 || got[0].To[0] != "ap@lost.test" {
			t.Fatalf("day 2 emails: %+v", got)
		}
		e.Clock.Advance(2 * 24 * time.Hour)
		r.retries(t, 2)
		if n := r.charges(t, recInv); n != 2 {
			t.Errorf("a recovered invoice was charged %d times, want 2", n)
		}
		if n := r.events("subscription.dunning_recovered", recovered); n != 1 {
			t.Errorf("%d dunning_recovered events", n)
		}
		// the lost one: written off after its second retry
		if inv := c.Get("/invoices/" + lostInv + "/").Expect(200); inv["status"] != "uncollectible" {
			t.Errorf("written-off invoice: %v", inv["status"])
		}
		if got := c.Get("/subscriptions/" + lost + "/").Expect(200); got["status"] != "active" {
			t.Errorf("subscription of the written-off invoice: %v", got["status"])
		}
		if got := r.sendMail(t); len(got) != 1 || got[0].To[0] != "ap@lost.test" {
			t.Fatalf("day 4 emails: %+v", got)
		}
	})
}

// Bad collection settings are refused field by field.
func TestCollectionSettingsErrors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		c.Patch("/settings/collection/", map[string]any{"retry_days": []int{}}).ExpectBody(400, `{"retry_days": ["Give 1 to 8 retry days."]}`)
		c.Patch("/settings/collection/", map[string]any{"retry_days": []int{3, 1}}).ExpectBody(400, `{"retry_days": ["Retry days must be in increasing order."]}`)
		c.Patch("/settings/collection/", map[string]any{"retry_days": []int{0}}).ExpectBody(400, `{"retry_days": ["Each retry day must be between 1 and 60."]}`)
		c.Patch("/settings/collection/", map[string]any{"retry_days": []any{"x"}}).ExpectBody(400, `{"retry_days": ["Each retry day must be a whole number of days."]}`)
		c.Patch("/settings/collection/", map[string]any{"retry_days": 3}).Expect(400)
		c.Patch("/settings/collection/", map[string]any{"final_action": "shrug"}).ExpectBody(400, `{"final_action": ["\"shrug\" is not a valid choice."]}`)
		c.Patch("/settings/collection/", map[string]any{"portal_cancel_subscriptions": "maybe"}).Expect(400)
		c.Get("/settings/collection/").ExpectBody(200, `{"retry_days": [1, 3, 5, 7], "final_action": "needs_attention", "portal_cancel_subscriptions": false}`)
	})
}
