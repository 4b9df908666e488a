package api_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

// docs/documents.md#5-reminder-messages.
func TestReminderMessages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		inv := newInvoice(c, true)
		m := c.Post("/reminders/messages/", map[string]any{"invoice": inv, "recipient": []string{"cwaltz@acmeinc.com", "accounting@acmeinc.com"},
			"message": "Dear Acme team, this invoice is due on July 2."}).Expect(201)
		if m["subject"] != "Invoice N° 1" || m["status"] != "skipped" || m["user"] != "owner@example.com" || m["action"] != nil || m["payment_link"] != nil {
			t.Errorf("message %v", m)
		}
		if !strings.HasPrefix(apitest.Str(m, "id"), "rem_") {
			t.Errorf("id %v", m["id"])
		}
		c.Get("/reminders/messages/" + apitest.Str(m, "id") + "/").Expect(200)
		if n := apitest.Num(c.Get("/reminders/messages/?invoice__isnull=false&status=skipped").Expect(200)["count"]); n != "1" {
			t.Errorf("list count %s", n)
		}
		if n := apitest.Num(c.Get("/reminders/messages/?search=acmeinc").Expect(200)["count"]); n != "1" {
			t.Errorf("search count %s", n)
		}
		for _, verb := range []string{"PATCH", "PUT", "DELETE"} {
			c.Do(verb, "/reminders/messages/"+apitest.Str(m, "id")+"/", "{}").Expect(405)
		}
		ord := apitest.Str(c.Post("/orders/", map[string]any{"customer": newCustomer(c, "O"), "document": "US2", "date": "2026-06-01",
			"lines": []any{map[string]any{"name": "Box", "quantity": 1, "amount": 10}}}).Expect(201), "id")
		ok := map[string]any{"recipient": []string{"a@b.co"}, "message": "m"}
		with := func(extra map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range ok {
				out[k] = v
			}
			for k, v := range extra {
				out[k] = v
			}
			return out
		}
		c.Post("/reminders/messages/", ok).ExpectBody(400, `{"non_field_errors": ["Give exactly one of invoice, payment, order or credit_note."]}`)
		c.Post("/reminders/messages/", with(map[string]any{"invoice": inv, "order": ord})).
			ExpectBody(400, `{"non_field_errors": ["Give exactly one of invoice, payment, order or credit_note."]}`)
		c.Post("/reminders/messages/", with(map[string]any{"invoice": inv, "recipient": []string{}})).ExpectBody(400, `{"recipient": ["This list may not be empty."]}`)
		c.Post("/reminders/messages/", with(map[string]any{"invoice": inv, "recipient": []string{"x"}})).ExpectBody(400, `{"recipient": {"0": ["Enter a valid email address."]}}`)
		eleven := make([]string, 11)
		for i := range eleven {
			eleven[i] = "a@b.co"
		}
		c.Post("/reminders/messages/", with(map[string]any{"invoice": inv, "recipient": eleven})).ExpectBody(400, `{"recipient": ["Ensure this field has no more than 10 elements."]}`)
		c.Post("/reminders/messages/", map[string]any{"invoice": inv, "recipient": []string{"a@b.co"}}).ExpectBody(400, `{"message": ["This field is required."]}`)
		c.Post("/reminders/messages/", with(map[string]any{"order": ord, "action": "pay"})).ExpectBody(400, `{"action": ["The pay action requires an invoice."]}`)
		c.Post("/reminders/messages/", with(map[string]any{"order": ord})).Expect(201)
		draft := newInvoice(c, false)
		c.Post("/reminders/messages/", with(map[string]any{"invoice": draft, "action": "pay"})).ExpectBody(400, `{"action": ["The invoice has nothing left to pay."]}`)
		c.Post("/reminders/messages/", with(map[string]any{"payment": "pay_tnlUbv0YSTbzmsx7oH"})).ExpectBody(400, `{"payment": ["Invalid pk \"pay_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`)
		// another mode's invoice does not exist here
		c.Test().Post("/reminders/messages/", with(map[string]any{"invoice": inv})).ExpectBody(400, `{"invoice": ["Invalid pk \"`+inv+`\" - object does not exist."]}`)
	})
}

// The pay action makes a single-use link bound to the invoice for what is
// left to pay; a reminder may name a payment; messages are emailed
// (queued → sent, or failed after the last attempt) when SMTP is set up.
func TestReminderPayActionAndDelivery(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.App.Reminders.Mail = mail.Queue{} // as with an SMTP server configured
		// test mode: the link is made, the message is not sent
		tc := e.Workspace("US").Test()
		inv := newInvoice(tc, true)
		m := tc.Post("/reminders/messages/", map[string]any{"invoice": inv, "recipient": []string{"ap@acme.test"}, "message": "Please pay.", "action": "pay"}).Expect(201)
		if m["status"] != "skipped" || m["payment_link"] == nil || m["action"] != "pay" {
			t.Fatalf("test-mode pay reminder: %v", m)
		}
		link := tc.Get("/payment_links/links/" + apitest.Str(m, "payment_link") + "/").Expect(200)
		if link["invoice"] != inv || link["single_use"] != true || apitest.Num(link["amount"]) != "100.00" {
			t.Errorf("link %v %v %v", link["invoice"], link["single_use"], link["amount"])
		}
		// a payment can be the subject
		cus := newCustomer(tc, "Payer Co")
		pay := tc.Post("/payments/", map[string]any{"amount": "10.00", "currency": "USD", "date": "2026-06-02", "description": "Deposit", "customer": cus}).Expect(201)
		pm := tc.Post("/reminders/messages/", map[string]any{"payment": apitest.Str(pay, "id"), "recipient": []string{"ap@acme.test"}, "message": "Receipt"}).Expect(201)
		if pm["payment"] != pay["id"] || pm["subject"] != "Deposit" {
			t.Errorf("payment reminder %v", pm)
		}

		// live mode with SMTP: queued, then sent by the worker, PDF attached
		srv := mailtest.StartFakeSMTP(t)
		host, port, _ := net.SplitHostPort(srv.Addr)
		cfg, _ := mail.Parse("smtp://" + host + ":" + port + "?from=billing@acme.test")
		w := &mail.Worker{DB: e.DB, SMTP: cfg, Clock: e.Clock, Base: "https://pay.acme.test", Deps: e.App.Documents}
		c := e.Workspace("US")
		linv := newInvoice(c, true)
		lm := c.Post("/reminders/messages/", map[string]any{"invoice": linv, "recipient": []string{"ap@acme.test"}, "message": "Please pay."}).Expect(201)
		if lm["status"] != "queued" || lm["sent"] != nil {
			t.Fatalf("live reminder: %v", lm)
		}
		if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
			t.Fatalf("worker: %d %v", n, err)
		}
		got := c.Get("/reminders/messages/" + apitest.Str(lm, "id") + "/").Expect(200)
		if got["status"] != "sent" || got["sent"] == nil {
			t.Errorf("after delivery: %v %v", got["status"], got["sent"])
		}
		mails := srv.Received()
		if len(mails) != 1 || mails[0].To[0] != "ap@acme.test" || !strings.Contains(mails[0].Data, "application/pdf") {
			t.Errorf("mails %+v", mails)
		}
		// a server that keeps refusing: failed after the last attempt
		srv.Refuse = true
		bad := c.Post("/reminders/messages/", map[string]any{"invoice": linv, "recipient": []string{"ap@acme.test"}, "message": "Again"}).Expect(201)
		for i := 0; i < mail.MaxAttempts; i++ {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			e.Clock.Advance(25 * time.Hour)
		}
		got = c.Get("/reminders/messages/" + apitest.Str(bad, "id") + "/").Expect(200)
		if got["status"] != "failed" || !strings.Contains(fmt.Sprint(got["error"]), "554") {
			t.Errorf("refused reminder: %v %v", got["status"], got["error"])
		}
	})
}
