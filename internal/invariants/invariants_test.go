package invariants_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/invariants"
)

func line(name string, qty, amount any, extra ...any) map[string]any {
	l := map[string]any{"name": name, "quantity": qty, "amount": amount}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i].(string)] = extra[i+1]
	}
	return l
}

type dataset struct {
	cus1, inv1, inv2, inv3, crn, dbn, ord, pur, pcn, ret, liveInv string
	paidInv, payment                                              string
}

// build creates, through the API, a small healthy dataset with every kind
// of document and a webhook endpoint that receives all of it.
func build(t *testing.T, e *apitest.Env) dataset {
	t.Helper()
	live := e.Workspace("US")
	c := live.Test()
	var ds dataset
	c.Post("/webhooks/", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"*"}}).Expect(201)
	e.Clock.Advance(time.Minute)
	newCus := func(name string) string {
		return apitest.Str(c.Post("/customers/", map[string]any{"name": name, "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
	}
	ds.cus1 = newCus("Inv One")
	cus2 := newCus("Inv Two")
	create := func(cl *apitest.Client, path string, body map[string]any) string {
		t.Helper()
		return apitest.Str(cl.Post(path, body).Expect(201), "id")
	}
	finalize := func(cl *apitest.Client, path, id string) {
		t.Helper()
		cl.Post(path+id+"/finalize/", nil).Expect(200)
	}
	ds.inv1 = create(c, "/invoices/", map[string]any{"customer": ds.cus1, "document": "US1", "date": "2026-06-01", "tax_percent": "8.25",
		"discount": "10.00", "discount_scheme": "$",
		"lines": []any{line("Widget", 3, "19.99", "discount", 5), line("Freight", 1, "100.00", "exempt", true)}})
	finalize(c, "/invoices/", ds.inv1)
	ds.inv2 = create(c, "/invoices/", map[string]any{"customer": ds.cus1, "document": "US1", "date": "2026-06-02",
		"lines": []any{line("Draft", 2, "10.50")}})
	ds.inv3 = create(c, "/invoices/", map[string]any{"customer": cus2, "document": "US1", "date": "2026-06-02", "tax_percent": "5",
		"lines": []any{line("Service", 4, "25.00", "retention_percent", 10)}})
	finalize(c, "/invoices/", ds.inv3)
	ds.crn = create(c, "/creditnotes/", map[string]any{"invoice": ds.inv3, "date": "2026-06-02", "lines": []any{line("Service", 1, "25.00")}})
	finalize(c, "/creditnotes/", ds.crn)
	ds.dbn = create(c, "/debitnotes/", map[string]any{"invoice": ds.inv3, "date": "2026-06-02", "note": "Late fee", "lines": []any{line("Fee", 1, "7.30")}})
	finalize(c, "/debitnotes/", ds.dbn)
	inv4 := create(c, "/invoices/", map[string]any{"customer": cus2, "document": "US1", "date": "2026-05-30", "lines": []any{line("Old", 1, "40.00")}})
	finalize(c, "/invoices/", inv4)
	c.Post("/invoices/"+inv4+"/uncollectible/", nil).Expect(200)
	ds.ord = create(c, "/orders/", map[string]any{"customer": cus2, "document": "US2", "date": "2026-06-02", "lines": []any{line("Box", 2, "12.00")}})
	finalize(c, "/orders/", ds.ord)
	sup := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Midwest Parts Inc.", "country": "US", "state": "OH", "tax_id": "31-1234567"}).Expect(201), "id")
	ds.pur = create(c, "/purchases/", map[string]any{"supplier": sup, "document": "US5", "date": "2026-06-01",
		"lines": []any{line("Bearing", 10, "45.50"), line("Freight", 1, "120.00", "exempt", true)}})
	finalize(c, "/purchases/", ds.pur)
	ds.pcn = create(c, "/purchases/credit-notes/", map[string]any{"purchase": ds.pur, "document": "US6", "date": "2026-06-02", "note": "returned",
		"lines": []any{line("Bearing", 2, "45.50")}})
	finalize(c, "/purchases/credit-notes/", ds.pcn)
	ds.ret = create(c, "/retentions/", map[string]any{"supplier": sup, "purchase": ds.pur, "document": "US7", "date": "2026-06-02",
		"lines": []any{map[string]any{"name": "Income tax", "amount": "300.00", "retention_percent": "10"},
			map[string]any{"name": "Freight", "amount": "120.00", "retention_percent": "2.5"}}})
	finalize(c, "/retentions/", ds.ret)
	// payments: one invoice paid by a saved card in two parts, a draft
	// made pending by a payment that failed
	src := create(c, "/sources/", map[string]any{"gateway": "test", "usage": "reusable", "customer": cus2,
		"card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
	ds.paidInv = create(c, "/invoices/", map[string]any{"customer": cus2, "document": "US1", "date": "2026-06-02", "lines": []any{line("Paid", 1, "80.00")}})
	finalize(c, "/invoices/", ds.paidInv)
	ds.payment = create(c, "/payments/", map[string]any{"invoice": ds.paidInv, "amount": "30.00", "currency": "USD", "date": "2026-06-02", "description": "1/2", "source": src})
	create(c, "/payments/", map[string]any{"invoice": ds.paidInv, "amount": "50.00", "currency": "USD", "date": "2026-06-02", "description": "2/2", "source": src})
	pendingInv := create(c, "/invoices/", map[string]any{"customer": cus2, "document": "US1", "date": "2026-06-02", "lines": []any{line("Pending", 1, "9.00")}})
	declined := create(c, "/sources/", map[string]any{"gateway": "test", "card": map[string]any{"number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
	create(c, "/payments/", map[string]any{"invoice": pendingInv, "amount": "9.00", "currency": "USD", "date": "2026-06-02", "description": "x", "source": declined})
	// the live mode has its own sequences and aggregations
	liveCus := apitest.Str(live.Post("/customers/", map[string]any{"name": "Live Co", "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
	ds.liveInv = create(live, "/invoices/", map[string]any{"customer": liveCus, "document": "US1", "date": "2026-06-02", "lines": []any{line("Live", 1, "1.00")}})
	finalize(live, "/invoices/", ds.liveInv)
	// Chilean drafts: a boleta (lines include the tax) and an exempt
	// invoice (every line exempt), in CLP (no decimals)
	cl := e.Workspace("CL")
	clCus := apitest.Str(cl.Post("/customers/", map[string]any{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501", "country": "CL",
		"state": "RM", "tax_id": "76.086.428-5"}).Expect(201), "id")
	create(cl, "/invoices/", map[string]any{"customer": clCus, "document": "CL39", "date": "2026-06-02",
		"lines": []any{line("Boleta", 3, 3333), line("Otra", 1, 1001, "discount", 7)}})
	create(cl, "/invoices/", map[string]any{"customer": clCus, "document": "CL34", "date": "2026-06-02",
		"lines": []any{line("Exenta", 2, 4999)}})
	return ds
}

func check(t *testing.T, e *apitest.Env) []string {
	t.Helper()
	v, err := invariants.Check(context.Background(), e.DB)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return v
}

func TestHealthyDatabaseHasNoViolations(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		build(t, e)
		if v := check(t, e); len(v) > 0 {
			t.Fatalf("violations on a healthy database:\n%s", strings.Join(v, "\n"))
		}
	})
}

func TestCorruptionsAreReported(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ds := build(t, e)
		if v := check(t, e); len(v) > 0 {
			t.Fatalf("violations before corrupting:\n%s", strings.Join(v, "\n"))
		}
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			res, err := e.DB.ExecContext(ctx, q, args...)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n, _ := res.RowsAffected(); n == 0 && !strings.HasPrefix(q, "DROP") {
				t.Fatalf("%s: no row changed", q)
			}
		}
		// a number handed out twice (the unique index would refuse it)
		exec(`DROP INDEX documents_number`)
		exec(`UPDATE documents SET number = (SELECT number FROM documents WHERE id = $1) WHERE id = $2`, ds.inv1, ds.inv2)
		// a number the sequence never handed out
		exec(`UPDATE documents SET number = 99 WHERE id = $1`, ds.ord)
		// a total that is not what the lines give
		exec(`UPDATE documents SET total = '1000.00' WHERE id = $1`, ds.ret)
		// an aggregation that drifted from the documents
		exec(`UPDATE customer_totals SET sales_cents = sales_cents + 1 WHERE customer_id = $1`, ds.cus1)
		// a total_adjusted that ignores a note
		exec(`UPDATE documents SET total_adjusted = total WHERE id = $1`, ds.pur)
		// a change without its event (its deliveries go with it)
		exec(`DELETE FROM events WHERE object_id = $1 AND event = 'creditnote.finalized'`, ds.crn)
		// a delivery lost for a subscribed endpoint
		exec(`DELETE FROM deliveries WHERE event_id = (SELECT id FROM events WHERE object_id = $1 AND event = 'debitnote.created')`, ds.dbn)
		// a pending delivery whose job is gone
		var did string
		if err := e.DB.QueryRowContext(ctx, `SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.object_id = $1 AND e.event = 'order.created'`, ds.ord).Scan(&did); err != nil {
			t.Fatal(err)
		}
		exec(`DELETE FROM jobs WHERE unique_key = $1`, "webhook:"+did)

		// a payment that says it captured more than its gateway did; an
		// invoice whose collected amount drifted from its payments
		exec(`UPDATE payments SET balance = '0.00', status = 'succeeded' WHERE id = $1 AND balance = '0.00'`, ds.payment)
		exec(`DELETE FROM payment_charges WHERE payment_id = $1`, ds.payment)
		exec(`UPDATE documents SET collected_cents = collected_cents - 1 WHERE id = $1`, ds.paidInv)

		v := check(t, e)
		all := strings.Join(v, "\n")
		for _, want := range [][]string{
			{"numbers:", "US1", "used by both", ds.inv1, ds.inv2},
			{"numbers:", "US2 number 99", ds.ord, "above the sequence"},
			{"totals:", ds.ret, "total 1000 (lines give 33)"},
			{"aggregations:", ds.cus1, "2026-06-01"},
			{"adjusted:", ds.pur, "its notes give 484"},
			{"events:", ds.crn, "creditnote.finalized"},
			{"deliveries:", "debitnote.created", "has no delivery to endpoint"},
			{"deliveries:", "pending delivery " + did, "has no job"},
			{"payments:", ds.payment, "gateway ledger captured 0"},
			{"payments:", ds.paidInv, "collected_cents 7999"},
		} {
			found := false
			for _, line := range v {
				ok := true
				for _, s := range want {
					ok = ok && strings.Contains(line, s)
				}
				found = found || ok
			}
			if !found {
				t.Errorf("no violation mentions %q; got:\n%s", want, all)
			}
		}
		// nothing else was disturbed: the live mode and untouched documents are clean
		for _, line := range v {
			if strings.Contains(line, ds.liveInv) || strings.Contains(line, ds.inv3+" ") {
				t.Errorf("unexpected violation: %s", line)
			}
		}
	})
}
