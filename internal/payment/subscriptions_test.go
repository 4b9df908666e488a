package payment_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/workspace"
)

func card(number string) map[string]any {
	return map[string]any{"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
}

// The hand-over the subscriptions engine uses (docs/billing.md#85-what-a-run-does step 9 and
// docs/billing.md#811-errors), called directly inside a transaction as a run does.
func TestChargeInvoiceAndCheckDefaultSource(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("US").Test()
		ws, err := workspace.ByID(context.Background(), e.DB, c.Workspace)
		if err != nil {
			t.Fatal(err)
		}
		sc := workspace.Scope{Workspace: ws, TestMode: true}
		ctx := clock.WithNow(context.Background(), e.Clock.Now())
		inTx := func(fn func(payment.Env) error) error {
			return e.DB.InTx(ctx, func(tx *sql.Tx) error {
				return fn(payment.Env{Ctx: ctx, Q: tx, D: e.DB.Dialect, Scope: sc, Now: e.Clock.Now(), Deps: document.Deps{Gateways: gateway.NewRegistry([]byte("k"), gateway.BuiltIn()...)}})
			})
		}
		newCustomer := func(name string) string {
			return apitest.Str(c.Post("/customers/", map[string]any{"name": name, "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
		}
		cus, other := newCustomer("Subscriber"), newCustomer("Other")
		src := func(customer, number string, reusable bool) string {
			body := map[string]any{"gateway": "test", "card": card(number)}
			if reusable {
				body["usage"], body["customer"] = "reusable", customer
			}
			return apitest.Str(c.Post("/sources/", body).Expect(201), "id")
		}
		good, declined := src(cus, "4242424242424242", true), src(cus, "4000000000000002", true)
		single, foreign := src("", "4242424242424242", false), src(other, "4242424242424242", true)
		gone := src(cus, "4242424242424242", true)
		c.Delete("/sources/" + gone + "/").Expect(200)

		// CheckDefaultSource
		check := func(sourceID, want string) {
			t.Helper()
			err := payment.CheckDefaultSource(ctx, e.DB, sc, cus, sourceID)
			if want == "" {
				if err != nil {
					t.Fatalf("%s: %v", sourceID, err)
				}
				return
			}
			ae, ok := apperr.As(err)
			if !ok {
				t.Fatalf("%s: %v", sourceID, err)
			}
			got, _ := json.Marshal(ae.Fields)
			if string(got) != want {
				t.Fatalf("%s: %s, want %s", sourceID, got, want)
			}
		}
		check(good, "")
		check(declined, "") // chargeable: the decline shows only when charged
		check("sou_tnlUbv0YSTbzmsx7oH", `{"default_source":["Invalid pk \"sou_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`)
		check("cus_tnlUbv0YSTbzmsx7oH", `{"default_source":["Invalid pk \"cus_tnlUbv0YSTbzmsx7oH\" - object does not exist."]}`)
		check(single, `{"default_source":["Source must be reusable and belong to the customer."]}`)
		check(foreign, `{"default_source":["Source must be reusable and belong to the customer."]}`)
		check(gone, `{"default_source":["Source is not chargeable."]}`)

		// ChargeInvoice: succeeded → finalized automatically and paid
		draft := func() string {
			return apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "US1", "date": "2026-06-02", "collection_method": "automatically",
				"lines": []any{map[string]any{"name": "Plan Pro", "quantity": 1, "amount": 25}}}).Expect(201), "id")
		}
		inv := draft()
		var ok bool
		if err := inTx(func(en payment.Env) (err error) {
			ok, err = payment.ChargeInvoice(en, inv, good, "Subscription sub_x run 1")
			return err
		}); err != nil || !ok {
			t.Fatalf("charge: %v %v", ok, err)
		}
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		if got["status"] != "paid" || got["number"] == nil {
			t.Fatalf("invoice %v", got["status"])
		}
		pays := c.Get("/payments/?invoice=" + inv).Expect(200)["results"].([]any)
		if len(pays) != 1 || pays[0].(map[string]any)["description"] != "Subscription sub_x run 1" || pays[0].(map[string]any)["status"] != "succeeded" {
			t.Fatalf("payments %v", pays)
		}
		// failed → pending with its failed payment, no error
		inv2 := draft()
		if err := inTx(func(en payment.Env) (err error) {
			ok, err = payment.ChargeInvoice(en, inv2, declined, "Subscription sub_x run 2")
			return err
		}); err != nil || ok {
			t.Fatalf("declined charge: %v %v", ok, err)
		}
		if st := c.Get("/invoices/" + inv2 + "/").Expect(200)["status"]; st != "pending" {
			t.Fatalf("invoice after a decline: %v", st)
		}
		pays = c.Get("/payments/?invoice=" + inv2).Expect(200)["results"].([]any)
		if len(pays) != 1 || pays[0].(map[string]any)["status"] != "failed" || pays[0].(map[string]any)["failed_reason"] != "card_declined" {
			t.Fatalf("payments %v", pays)
		}
		// an unusable source is an error, and nothing is written
		inv3 := draft()
		if err := inTx(func(en payment.Env) (err error) {
			_, err = payment.ChargeInvoice(en, inv3, gone, "Subscription sub_x run 3")
			return err
		}); err == nil {
			t.Fatal("a finalized source charged")
		}
		if st := c.Get("/invoices/" + inv3 + "/").Expect(200)["status"]; st != "draft" {
			t.Fatalf("invoice after a refused charge: %v", st)
		}
	})
}
