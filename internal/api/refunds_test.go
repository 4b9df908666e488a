package api_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/shopspring/decimal"
)

// docs/payments.md#310-refunds: partial and full refunds through the
// gateway, the invoice and balance following, events and replays.
func TestRefunds(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		inv := f.invoice("100.00", true)
		p := f.payment(inv, "100.00", "source", f.source(cardOK, true))
		pid := apitest.Str(p, "id")
		wantField(t, p, "amount_refunded", "0.00")
		refund := func(body map[string]any, hdr ...string) *apitest.Resp {
			return f.c.Do("POST", "/payments/"+pid+"/refund/", body, hdr...)
		}

		refund(map[string]any{"amount": 0}).ExpectBody(400, `{"amount": ["Ensure this value is greater than 0."]}`)
		refund(map[string]any{"amount": "100.01"}).ExpectBody(400, `{"amount": ["Amount exceeds what is left to refund (100.00)."]}`)
		refund(map[string]any{"amount": "1.001"}).ExpectBody(400, `{"amount": ["Ensure that there are no more than 2 decimal places."]}`)
		refund(map[string]any{"credit_note": "maybe", "reason": []any{}}).ExpectBody(400, `{"credit_note": ["Must be a valid boolean."], "reason": ["Not a valid string."]}`)
		e.Workspace("US").Test().Post("/payments/"+pid+"/refund/", map[string]any{}).Expect(404)

		// partial: the invoice is owed again, the customer's balance too
		r := refund(map[string]any{"amount": "30.00", "reason": "damaged"}).Expect(201)
		wantField(t, r, "status", "succeeded")
		wantField(t, r, "amount", "30.00")
		if r["payment"] != pid || r["reason"] != "damaged" || r["credit_note"] != nil || r["failed_reason"] != nil {
			t.Fatalf("refund %v", r)
		}
		got := f.c.Get("/payments/" + pid + "/").Expect(200)
		wantField(t, got, "amount_refunded", "30.00")
		wantField(t, got, "status", "succeeded")
		if rs := got["refunds"].([]any); len(rs) != 1 || rs[0].(map[string]any)["id"] != r["id"] {
			t.Fatalf("refunds %v", rs)
		}
		if s := f.status("/invoices/" + inv + "/"); s != "finalized" {
			t.Fatalf("invoice after a partial refund: %s", s)
		}
		if b := f.balance(); b != "30.00" {
			t.Fatalf("balance after a partial refund: %s", b)
		}
		if !events(f.c)["payment.refunded"] {
			t.Error("no payment.refunded event")
		}

		// an Idempotency-Key replays the first answer, refunding once
		first := refund(map[string]any{"amount": "20.00"}, "Idempotency-Key", "refund-1")
		again := refund(map[string]any{"amount": "20.00"}, "Idempotency-Key", "refund-1")
		if first.Status != 201 || again.Status != 201 || first.JSON()["id"] != again.JSON()["id"] {
			t.Fatalf("replay: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "amount_refunded", "50.00")

		// no amount: the rest; then nothing is left
		wantField(t, refund(map[string]any{}).Expect(201), "amount", "50.00")
		refund(map[string]any{}).ExpectBody(400, `{"non_field_errors": ["This payment has nothing left to refund."]}`)
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "amount_refunded", "100.00")
		if b := f.balance(); b != "100.00" {
			t.Fatalf("balance after a full refund: %s", b)
		}
		// a new payment of the invoice may collect it again
		p2 := f.payment(inv, "100.00", "source", f.source(cardOK, true))
		wantField(t, p2, "status", "succeeded")
		if s := f.status("/invoices/" + inv + "/"); s != "paid" {
			t.Fatalf("invoice paid again: %s", s)
		}

		// nothing captured, no invoice for a credit note
		open := f.payment("", "10.00")
		f.c.Post("/payments/"+apitest.Str(open, "id")+"/refund/", map[string]any{}).
			ExpectBody(400, `{"non_field_errors": ["This payment has nothing left to refund."]}`)
		loose := f.payment("", "10.00", "source", f.source(cardOK, false))
		f.c.Post("/payments/"+apitest.Str(loose, "id")+"/refund/", map[string]any{"credit_note": true}).
			ExpectBody(400, `{"credit_note": ["Only refunds of a payment of an invoice can issue a credit note."]}`)

		// manual: recorded as given back outside Cobro
		man := apitest.Str(f.c.Post("/sources/", map[string]any{"gateway": "manual", "method": "cash"}).Expect(201), "id")
		rec := f.c.Post("/payments/", map[string]any{"amount": "15.00", "currency": "USD", "date": "2026-06-02", "description": "cash",
			"status": "succeeded", "source": man}).Expect(201)
		wantField(t, f.c.Post("/payments/"+apitest.Str(rec, "id")+"/refund/", map[string]any{"amount": "5"}).Expect(201), "status", "succeeded")
	})
}

// Concurrent refunds of one payment never give back more than was
// captured (the payment row is locked by each refund).
func TestRefundsConcurrent(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		f := newPayFixture(e)
		inv := f.invoice("100.00", true)
		pid := apitest.Str(f.payment(inv, "100.00", "source", f.source(cardOK, true)), "id")
		const n = 16
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses[i] = f.c.Do("POST", "/payments/"+pid+"/refund/", map[string]any{"amount": "15.00", "reason": fmt.Sprint(i)}).Status
			}(i)
		}
		wg.Wait()
		created := 0
		for _, st := range statuses {
			switch st {
			case 201:
				created++
			case 400:
			default:
				t.Errorf("status %d", st)
			}
		}
		if created != 6 {
			t.Fatalf("%d refunds of 15.00 out of 100.00 (%v)", created, statuses)
		}
		var sum decimal.Decimal
		rs, err := e.DB.QueryContext(t.Context(), `SELECT amount FROM refunds WHERE payment_id = $1 AND status = 'succeeded'`, pid)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var a string
			if err := rs.Scan(&a); err != nil {
				t.Fatal(err)
			}
			sum = sum.Add(decimal.RequireFromString(a))
		}
		rs.Close()
		if !sum.Equal(decimal.NewFromInt(90)) {
			t.Fatalf("refunded %s", sum)
		}
		wantField(t, f.c.Get("/payments/"+pid+"/").Expect(200), "amount_refunded", "90.00")
		if b := f.balance(); b != "90.00" {
			t.Fatalf("balance %s", b)
		}
	})
}

// A refund with credit_note issues the CL61 through the SII biller, linked
// to the refund; the invoice stays paid for what was kept, and becomes
// cancelled once everything is credited.
func TestRefundCreditNoteCL(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		clBiller(t, c, false)
		cus := custNew(c, custExample())
		inv := cl33Invoice(t, c, cus)
		fin := c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		total := apitest.Num(fin["total"])
		src := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "card": card(cardOK)}).Expect(201), "id")
		p := c.Post("/payments/", map[string]any{"amount": total, "currency": "CLP", "date": "2026-06-02", "description": "Factura", "invoice": inv, "source": src}).Expect(201)
		pid := apitest.Str(p, "id")

		r := c.Post("/payments/"+pid+"/refund/", map[string]any{"amount": 10000, "reason": "devolución parcial", "credit_note": true}).Expect(201)
		cn := apitest.Str(r, "credit_note")
		note := c.Get("/creditnotes/" + cn + "/").Expect(200)
		if note["status"] != "finalized" || note["biller_status"] != "succeeded" || note["invoice"] != inv ||
			note["document"].(map[string]any)["id"] != "CL61" {
			t.Fatalf("credit note %v %v %v", note["status"], note["biller_status"], note["document"])
		}
		wantField(t, note, "total", "10000.00")
		inv1 := c.Get("/invoices/" + inv + "/").Expect(200)
		if inv1["status"] != "paid" {
			t.Fatalf("invoice %v", inv1["status"])
		}
		wantField(t, inv1, "total_adjusted", decimal.RequireFromString(total).Sub(decimal.NewFromInt(10000)).StringFixed(2))

		// the rest, credited in full: the invoice is cancelled
		r2 := c.Post("/payments/"+pid+"/refund/", map[string]any{"credit_note": true}).Expect(201)
		wantField(t, c.Get("/creditnotes/"+apitest.Str(r2, "credit_note")+"/").Expect(200), "status", "finalized")
		if s := apitest.Str(c.Get("/invoices/"+inv+"/").Expect(200), "status"); s != "cancelled" {
			t.Fatalf("invoice after crediting everything: %s", s)
		}
		wantField(t, c.Get("/payments/"+pid+"/").Expect(200), "amount_refunded", total)

		// a credit note the engine refuses refunds nothing
		inv2 := cl33Invoice(t, c, cus)
		c.Post("/invoices/"+inv2+"/finalize/", nil).Expect(200)
		p2 := c.Post("/payments/", map[string]any{"amount": 1000, "currency": "CLP", "date": "2026-06-02", "description": "x", "invoice": inv2,
			"source": apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "card": card(cardOK)}).Expect(201), "id")}).Expect(201)
		c.Post("/payments/"+apitest.Str(p2, "id")+"/refund/", map[string]any{"credit_note": true, "amount": 2000}).
			ExpectBody(400, `{"amount": ["Amount exceeds what is left to refund (1000.00)."]}`)
	})
}
