package document_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// The engine holds the pending/paid rules the payments work will drive
// (docs/documents.md#15-status-machine): checked here through the engine's own entry points.
func TestPendingAndPaidRules(t *testing.T) {
	// The payments work's pending check (it counts payment rows) is not in
	// these Envs' Deps: this test drives the engine without payments.
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US")
		ws, err := workspace.ByID(context.Background(), e.DB, c.Workspace)
		if err != nil {
			t.Fatal(err)
		}
		env := func(tx *sql.Tx) document.Env {
			return document.Env{Ctx: context.Background(), Q: tx, D: e.DB.Dialect, Scope: workspace.Scope{Workspace: ws}, Now: e.Clock.Now()}
		}
		do := func(fn func(document.Env) (*document.Doc, error)) *document.Doc {
			t.Helper()
			var d *document.Doc
			if err := e.DB.InTx(context.Background(), func(tx *sql.Tx) error {
				var err error
				d, err = fn(env(tx))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return d
		}
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "P", "address": "x", "country": "US", "state": "IL"}).Expect(201), "id")
		inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-01",
			"lines": []any{map[string]any{"name": "A", "quantity": 1, "amount": 100}}}).Expect(201), "id")

		// a payment created for a draft locks it as pending
		if d := do(func(en document.Env) (*document.Doc, error) { return document.MarkPending(en, inv) }); d.Status != "pending" {
			t.Fatalf("status %s", d.Status)
		}
		c.Patch("/invoices/"+inv+"/", map[string]any{"note": "x"}).ExpectBody(400, `{"non_field_errors": ["Only invoices with status draft can be updated."]}`)
		c.Delete("/invoices/"+inv+"/").ExpectBody(400, `{"non_field_errors": ["Only invoices with status draft can be deleted."]}`)
		// every payment cancelled → draft again
		if d := do(func(en document.Env) (*document.Doc, error) { return document.UnmarkPending(en, inv) }); d.Status != "draft" {
			t.Fatalf("status %s", d.Status)
		}
		do(func(en document.Env) (*document.Doc, error) { return document.MarkPending(en, inv) })
		// payments covering the invoice finalize it and make it paid
		if d := do(func(en document.Env) (*document.Doc, error) {
			return document.SetCollected(en, inv, decimal.NewFromInt(100))
		}); d.Status != "paid" || d.Number == nil {
			t.Fatalf("covered pending invoice: %s", d.Status)
		}
		agg := c.Get("/customers/" + cus + "/").Expect(200)["aggregations"].(map[string]any)
		if apitest.Num(agg["balance"]) != "0.00" || apitest.Num(agg["sales"]) != "100.00" {
			t.Errorf("aggregations after payment: %v", agg)
		}
		// a refund leaves something owed → finalized again, balance owed
		if d := do(func(en document.Env) (*document.Doc, error) {
			return document.SetCollected(en, inv, decimal.NewFromInt(40))
		}); d.Status != "finalized" {
			t.Fatalf("after refund: %s", d.Status)
		}
		agg = c.Get("/customers/" + cus + "/").Expect(200)["aggregations"].(map[string]any)
		if apitest.Num(agg["balance"]) != "60.00" {
			t.Errorf("balance after refund: %v", agg["balance"])
		}
		// a debit note raising the total above what was collected keeps it owed;
		// paying the rest makes it paid; a full credit then cancels it with a credit balance
		do(func(en document.Env) (*document.Doc, error) {
			return document.SetCollected(en, inv, decimal.NewFromInt(100))
		})
		if got := c.Get("/invoices/" + inv + "/").Expect(200)["status"]; got != "paid" {
			t.Fatalf("status %v", got)
		}
		crn := apitest.Str(c.Post("/creditnotes/", map[string]any{"invoice": inv, "date": "2026-06-02"}).Expect(201), "id")
		c.Post("/creditnotes/"+crn+"/finalize/", nil).Expect(200)
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		agg = c.Get("/customers/" + cus + "/").Expect(200)["aggregations"].(map[string]any)
		if got["status"] != "cancelled" || apitest.Num(agg["balance"]) != "-100.00" {
			t.Errorf("paid then credited: status %v balance %v", got["status"], agg["balance"])
		}
	})
}
