package api_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

// eachMail runs fn on both databases with the server emailing through a
// fake SMTP server on a loopback socket.
func eachMail(t *testing.T, fn func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP)) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.StartFakeSMTP(t)
			host, port, _ := net.SplitHostPort(srv.Addr)
			cfg, err := mail.Parse("smtp://" + host + ":" + port + "?from=billing@acme.test")
			if err != nil {
				t.Fatal(err)
			}
			e := apitest.NewWith(t, dialect, func(c *app.Config) { c.SMTP, c.MailBase = cfg, "https://pay.acme.test" })
			fn(t, e, srv)
		})
	}
}

// sendMail runs the email jobs that are due and returns how many ran.
func sendMail(t *testing.T, e *apitest.Env) int {
	t.Helper()
	n, err := e.Jobs.RunOnce(context.Background(), mail.JobKind)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// messagesOf lists the messages of a filter (invoice=…, payment=…).
func messagesOf(c *apitest.Client, filter string) []map[string]any {
	var out []map[string]any
	for _, r := range c.Get("/reminders/messages/?ordering=created&" + filter).Expect(200)["results"].([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

// mailCustomer is a US customer with an invoicing contact (Ana) and a
// collections contact (Bo).
func mailCustomer(c *apitest.Client, name string) string {
	cus := newCustomer(c, name)
	c.Post("/contacts/", map[string]any{"name": "Ana", "email": "ana@" + name + ".test", "customer": cus, "invoicing": true, "collections": false}).Expect(201)
	c.Post("/contacts/", map[string]any{"name": "Bo", "email": "bo@" + name + ".test", "customer": cus, "invoicing": false, "collections": true}).Expect(201)
	return cus
}

func usInvoice(c *apitest.Client, cus, amount string) string {
	return apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02", "due_date": "2026-06-20",
		"lines": []any{map[string]any{"name": "Service", "quantity": 1, "amount": amount}}}).Expect(201), "id")
}

// A finalized invoice and credit note are emailed once to the invoicing
// contacts: text and HTML, the PDF attached, the server's answer recorded
// (docs/documents.md#55-emails-cobro-sends); a customer with send_invoices
// off gets nothing.
func TestFinalizeEmailsDocument(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US")
		cus := mailCustomer(c, "mailco")
		inv := usInvoice(c, cus, "100.00")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		msgs := messagesOf(c, "invoice="+inv)
		if len(msgs) != 1 || msgs[0]["kind"] != "document" || msgs[0]["status"] != "queued" {
			t.Fatalf("messages: %v", msgs)
		}
		if got := msgs[0]["recipient"].([]any); len(got) != 1 || got[0] != "ana@mailco.test" {
			t.Errorf("recipient %v", got)
		}
		if n := sendMail(t, e); n != 1 {
			t.Fatalf("sent %d", n)
		}
		got := srv.Received()
		if len(got) != 1 || strings.Join(got[0].To, ",") != "ana@mailco.test" || got[0].From != "billing@acme.test" {
			t.Fatalf("mails: %+v", got)
		}
		m := mailtest.Parse(t, got[0].Data)
		if m.Subject != "Invoice N° 1 from Test US" {
			t.Errorf("subject %q", m.Subject)
		}
		if !strings.Contains(m.Text, "Attached is Invoice N° 1 for USD 100.00, due 2026-06-20.") || !strings.Contains(m.HTML, "Attached is Invoice N° 1 for USD 100.00") ||
			!strings.Contains(m.HTML, "Test US") {
			t.Errorf("text %q\nhtml %q", m.Text, m.HTML)
		}
		if pdf := m.Attachments["Invoice-1.pdf"]; !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Errorf("attachments %v", keys(m.Attachments))
		}
		msg := c.Get("/reminders/messages/" + apitest.Str(msgs[0], "id") + "/").Expect(200)
		if msg["status"] != "sent" || msg["response"] != "250 queued" || msg["sent"] == nil {
			t.Errorf("after sending: %v", msg)
		}
		// nothing is sent twice
		if n := sendMail(t, e); n != 0 || len(srv.Received()) != 1 {
			t.Errorf("sent again: %d", n)
		}

		// a credit note of the invoice is emailed as well
		crn := apitest.Str(c.Post("/creditnotes/", map[string]any{"invoice": inv, "date": "2026-06-02"}).Expect(201), "id")
		c.Post("/creditnotes/"+crn+"/finalize/", nil).Expect(200)
		if msgs := messagesOf(c, "credit_note="+crn); len(msgs) != 1 || msgs[0]["kind"] != "document" {
			t.Fatalf("credit note messages: %v", msgs)
		}
		sendMail(t, e)
		if got := srv.Received(); len(got) != 2 || !strings.HasPrefix(mailtest.Parse(t, got[1].Data).Subject, "Credit note N° 1") {
			t.Errorf("credit note mail: %d", len(got))
		}

		// send_invoices off: nothing recorded, nothing sent
		muted := mailCustomer(c, "muted")
		c.Patch("/customers/"+muted+"/", map[string]any{"send_invoices": false}).Expect(200)
		inv2 := usInvoice(c, muted, "10.00")
		c.Post("/invoices/"+inv2+"/finalize/", nil).Expect(200)
		if msgs := messagesOf(c, "invoice="+inv2); len(msgs) != 0 {
			t.Errorf("muted customer got %v", msgs)
		}
	})
}

// A refused email stays queued with the server's answer and is retried
// later; test-mode documents are recorded as skipped, with the pay link
// the email would carry.
func TestEmailRefusedAndTestMode(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US")
		srv.Refuse = true
		inv := usInvoice(c, mailCustomer(c, "refused"), "20.00")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		sendMail(t, e)
		msg := messagesOf(c, "invoice="+inv)[0]
		if msg["status"] != "queued" || !strings.Contains(apitest.Str(msg, "response"), "554") {
			t.Errorf("refused: %v", msg)
		}
		if n := sendMail(t, e); n != 0 {
			t.Errorf("retried at once: %d", n)
		}

		tc := c.Test()
		tinv := usInvoice(tc, mailCustomer(tc, "testco"), "30.00")
		tc.Post("/invoices/"+tinv+"/finalize/", nil).Expect(200)
		tmsg := messagesOf(tc, "invoice="+tinv)
		if len(tmsg) != 1 || tmsg[0]["status"] != "skipped" || tmsg[0]["payment_link"] == nil || tmsg[0]["action"] != "pay" {
			t.Fatalf("test mode: %v", tmsg)
		}
		if n := sendMail(t, e); n != 0 || len(srv.Received()) != 0 {
			t.Errorf("test mode sent %d", n)
		}
	})
}

// A succeeded payment emails its receipt (send_vouchers) with the paid
// invoice's PDF; with send_vouchers off nothing is sent.
func TestReceiptEmail(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US")
		cus := mailCustomer(c, "payco")
		c.Patch("/customers/"+cus+"/", map[string]any{"send_invoices": false}).Expect(200)
		inv := usInvoice(c, cus, "40.00")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		p := c.Post("/payments/", map[string]any{"amount": "40.00", "currency": "USD", "date": "2026-06-02", "description": "Transfer",
			"invoice": inv, "status": "succeeded"}).Expect(201)
		msgs := messagesOf(c, "payment="+apitest.Str(p, "id"))
		if len(msgs) != 1 || msgs[0]["kind"] != "receipt" {
			t.Fatalf("messages: %v", msgs)
		}
		sendMail(t, e)
		got := srv.Received()
		if len(got) != 1 || strings.Join(got[0].To, ",") != "ana@payco.test" {
			t.Fatalf("mails: %+v", got)
		}
		m := mailtest.Parse(t, got[0].Data)
		if m.Subject != "Payment receipt from Test US" || !strings.Contains(m.Text, "We received your payment of USD 40.00 on 2026-06-02 for Invoice N° 1. Thank you.") {
			t.Errorf("subject %q text %q", m.Subject, m.Text)
		}
		if !strings.HasPrefix(string(m.Attachments["Invoice-1.pdf"]), "%PDF-") {
			t.Errorf("attachments %v", keys(m.Attachments))
		}

		c.Patch("/customers/"+cus+"/", map[string]any{"send_vouchers": false}).Expect(200)
		p2 := c.Post("/payments/", map[string]any{"amount": "5.00", "currency": "USD", "date": "2026-06-02", "description": "Cash", "customer": cus, "status": "succeeded"}).Expect(201)
		if msgs := messagesOf(c, "payment="+apitest.Str(p2, "id")); len(msgs) != 0 {
			t.Errorf("muted receipt: %v", msgs)
		}
	})
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
