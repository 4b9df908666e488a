package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Reminder rules (docs/documents.md#6-reminder-rules): each rule emails the
// collections contacts once per invoice when it falls due, two schedulers
// at once send nothing twice, and a paid invoice gets no more reminders.
func TestReminderRules(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US")
		c.Post("/reminders/rules/", map[string]any{}).ExpectBody(400, `{"days": ["This field is required."]}`)
		c.Post("/reminders/rules/", map[string]any{"days": 400, "channel": "sms", "action": "call"}).ExpectBody(400,
			`{"action": ["\"call\" is not a valid choice."], "channel": ["\"sms\" is not a valid choice."], "days": ["Ensure this value is between -365 and 365."]}`)
		before := c.Post("/reminders/rules/", map[string]any{"days": -3, "action": "pay"}).Expect(201)
		if before["channel"] != "email" || before["action"] != "pay" || before["active"] != true {
			t.Errorf("rule: %v", before)
		}
		onDue := apitest.Str(c.Post("/reminders/rules/", map[string]any{"days": 0}).Expect(201), "id")
		after := apitest.Str(c.Post("/reminders/rules/", map[string]any{"days": 7, "subject": "Overdue", "message": "Please pay."}).Expect(201), "id")
		if got := c.Patch("/reminders/rules/"+after+"/", map[string]any{"days": 8}).Expect(200); apitest.Num(got["days"]) != "8" || got["subject"] != "Overdue" {
			t.Errorf("patched: %v", got)
		}
		if n := apitest.Num(c.Get("/reminders/rules/").Expect(200)["count"]); n != "3" {
			t.Errorf("count %s", n)
		}

		cus := mailCustomer(c, "remco")
		c.Patch("/customers/"+cus+"/", map[string]any{"send_invoices": false}).Expect(200)
		inv := usInvoice(c, cus, "100.00") // due 2026-06-20
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)

		day := func(d string) time.Time { t, _ := time.Parse(time.DateTime, d+" 16:00:00"); return t }
		schedulers := []*reminder.RuleScheduler{e.App.ReminderRules, {DB: e.DB, Mail: e.App.Outbox, Deps: e.App.Documents}}
		sendDue := func(now time.Time) {
			var wg sync.WaitGroup
			for _, s := range schedulers { // two nodes at once
				wg.Go(func() {
					if _, err := s.SendDue(context.Background(), now); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		sendDue(day("2026-06-16")) // nothing due yet
		sendDue(day("2026-06-17"))
		sendDue(day("2026-06-17"))
		sendDue(day("2026-06-20"))
		msgs := messagesOf(c, "invoice="+inv)
		if len(msgs) != 2 || msgs[0]["rule"] != before["id"] || msgs[1]["rule"] != onDue || msgs[0]["kind"] != "reminder" {
			t.Fatalf("messages: %v", msgs)
		}
		e.Clock.Advance(20 * 24 * time.Hour) // the runner's clock reaches the reminders' day
		sendMail(t, e)
		got := srv.Received()
		if len(got) != 2 {
			t.Fatalf("%d mails", len(got))
		}
		first, second := mailtest.Parse(t, got[0].Data), mailtest.Parse(t, got[1].Data)
		if strings.Join(got[0].To, ",") != "bo@remco.test" || first.Subject != "Reminder: Invoice N° 1 is due on 2026-06-20 — Test US" ||
			!strings.Contains(first.Text, "Invoice N° 1, for USD 100.00, is due on 2026-06-20.") || !strings.HasPrefix(string(first.Attachments["Invoice-1.pdf"]), "%PDF-") {
			t.Errorf("first reminder: %v %q %q", got[0].To, first.Subject, first.Text)
		}
		if second.Subject != "Reminder: Invoice N° 1 is due today — Test US" {
			t.Errorf("second reminder: %q", second.Subject)
		}

		// paid: the +8 rule sends nothing
		c.Post("/payments/", map[string]any{"amount": "100.00", "currency": "USD", "date": "2026-06-21", "description": "x", "invoice": inv, "status": "succeeded"}).Expect(201)
		sendDue(day("2026-06-28"))
		if msgs := messagesOf(c, "invoice="+inv+"&kind=reminder"); len(msgs) != 2 {
			t.Errorf("after paying: %d reminders", len(msgs))
		}
		// deleted rules send nothing more; their messages stay
		c.Delete("/reminders/rules/" + onDue + "/").Expect(204)
		c.Get("/reminders/rules/" + onDue + "/").Expect(404)
	})
}

// A test-mode reminder with action pay is recorded as skipped with its
// payment link, and renders with the Pay button.
func TestReminderRulePayLink(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US").Test()
		c.Post("/reminders/rules/", map[string]any{"days": 7, "action": "pay"}).Expect(201)
		inv := usInvoice(c, mailCustomer(c, "paylinkco"), "50.00")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		now, _ := time.Parse(time.DateTime, "2026-06-28 16:00:00")
		if _, err := e.App.ReminderRules.SendDue(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		var rem map[string]any
		for _, m := range messagesOf(c, "invoice="+inv) {
			if m["kind"] == "reminder" {
				rem = m
			}
		}
		if rem == nil || rem["status"] != "skipped" || rem["payment_link"] == nil || !strings.HasPrefix(apitest.Str(rem, "subject"), "Invoice N° 1 is overdue") {
			t.Fatalf("reminder: %v", rem)
		}
		ws, err := workspace.ByID(context.Background(), e.DB, c.Workspace)
		if err != nil {
			t.Fatal(err)
		}
		w := &mail.Worker{DB: e.DB, Clock: e.Clock, Deps: e.App.Documents, Base: "https://pay.acme.test"}
		m, err := w.Render(context.Background(), workspace.Scope{Workspace: ws, TestMode: true}, apitest.Str(rem, "id"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.HTML, ">Pay online</a>") || !strings.Contains(m.HTML, "https://pay.acme.test/") || !strings.Contains(m.Text, "Pay online: https://pay.acme.test/") {
			t.Errorf("html %s\ntext %s", m.HTML, m.Text)
		}
		if len(srv.Received()) != 0 {
			t.Error("test mode sent mail")
		}
	})
}
