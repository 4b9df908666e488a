package api_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

// A send_invoice run emails its finalized invoice, PDF attached, to the
// customer's invoicing contacts (docs/billing.md#85-what-a-run-does step 9) through the
// queue; nothing is emailed in test mode or when send_invoices is off.
func TestSubscriptionInvoiceEmail(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US")
		cus := newCustomer(c, "Mail Co")
		c.Post("/contacts/", map[string]any{"name": "Ana", "email": "ana@mailco.test", "customer": cus, "invoicing": true}).Expect(201)
		c.Post("/contacts/", map[string]any{"name": "Bo", "email": "bo@mailco.test", "customer": cus, "invoicing": false}).Expect(201)
		plan := subPlan(c, "USD", 12, nil)
		sub := c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
		// muted customer, and test mode: nothing queued
		muted := newCustomer(c, "Muted Co")
		c.Patch("/customers/"+muted+"/", map[string]any{"send_invoices": false}).Expect(200)
		c.Post("/subscriptions/", map[string]any{"customer": muted, "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
		tc := c.Test()
		tplan := subPlan(tc, "USD", 12, nil)
		tc.Post("/subscriptions/", map[string]any{"customer": newCustomer(tc, "Test Co"), "document": "US1", "date_start": "2026-06-02",
			"lines": []any{map[string]any{"plan": tplan, "quantity": 1}}}).Expect(201)

		if n := sendMail(t, e); n != 1 {
			t.Fatalf("worker sent %d, want 1", n)
		}
		got := srv.Received()
		if len(got) != 1 || strings.Join(got[0].To, ",") != "ana@mailco.test" || got[0].From != "billing@acme.test" {
			t.Fatalf("mails: %+v", got)
		}
		msg, err := netmail.ReadMessage(strings.NewReader(got[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if !strings.HasPrefix(subject, "Invoice N° ") {
			t.Errorf("subject %q", subject)
		}
		_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var pdfSeen bool
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(p)
			if strings.HasSuffix(p.FileName(), ".pdf") && bytes.Contains(b, []byte("JVBERi0")) { // "%PDF-" in base64
				pdfSeen = true
			}
		}
		if !pdfSeen {
			t.Error("no PDF attached")
		}
		// the job is gone: a second pass sends nothing
		if n := sendMail(t, e); n != 0 || len(srv.Received()) != 1 {
			t.Errorf("sent again: %d", n)
		}
		_ = sub
	})
}
