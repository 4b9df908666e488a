package api_test

import (
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// documents.md §5.
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
