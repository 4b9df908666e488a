package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/app"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// `cobro bill` charges a charge_payment subscription's default source at
// its run, like the server's scheduler (docs/billing.md#85-what-a-run-does step 9): the
// charging hand-over is wired by the composition root, not by linking the
// HTTP package.
func TestBillChargesChargePayment(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { billCharges(t, "sqlite:"+filepath.Join(t.TempDir(), "charge.db")) })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("COBRO_TEST_DATABASE_URL")
		if base == "" {
			t.Skip("COBRO_TEST_DATABASE_URL is not set")
		}
		billCharges(t, freshSchema(t, base))
	})
}

func billCharges(t *testing.T, dbURL string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := catalog.Seed(ctx, db); err != nil {
		t.Fatal(err)
	}
	fake := clock.NewFake(time.Now())
	a := app.New(app.Config{DB: db, Clock: fake, Version: "test", RatePerToken: -1})
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(ts.Close)
	e := &apitest.Env{T: t, URL: ts.URL, DB: db, App: a, Server: a.Server, Clock: fake}
	c := e.Workspace("US").Test() // the test card gateway is test-mode only
	w, err := workspace.ByID(ctx, db, c.Workspace)
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := subscription.DateOf(time.Now(), w.Loc).AddDays(1).String()

	cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Card Co", "address": "1 Main St", "country": "US", "state": "IL"}).Expect(201), "id")
	src := apitest.Str(c.Post("/sources/", map[string]any{"gateway": "test", "customer": cus, "usage": "reusable",
		"card": map[string]any{"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}}).Expect(201), "id")
	product := apitest.Str(c.Post("/products/", map[string]any{"name": "Cloud"}).Expect(201), "id")
	plan := apitest.Str(c.Post("/plans/", map[string]any{"product": product, "name": "Pro", "description": "Plan Pro", "frequency": "monthly", "currency": "USD", "amount": "30.00"}).Expect(201), "id")
	sub := c.Post("/subscriptions/", map[string]any{"customer": cus, "document": "US1", "date_start": tomorrow, "collection_scheme": "charge_payment",
		"default_source": src, "lines": []any{map[string]any{"plan": plan, "quantity": 1}}}).Expect(201)
	if sub["latest_invoice"] != nil {
		t.Fatalf("billed at creation: %v", sub["latest_invoice"])
	}

	if code, out, errs := runCmd(t, "bill", "--db", dbURL, "--date", tomorrow); code != exitOK || out != "billed: subscriptions=1 invoices=1 needs_attention=0 resumed=0\n" {
		t.Fatalf("cobro bill: exit %d %q %s", code, out, errs)
	}
	got := c.Get("/subscriptions/" + apitest.Str(sub, "id") + "/").Expect(200)
	inv := c.Get("/invoices/" + apitest.Str(got, "latest_invoice") + "/").Expect(200)
	if got["status"] != "active" || inv["status"] != "paid" || inv["collection_method"] != "automatically" {
		t.Errorf("after cobro bill: subscription %v, invoice %v %v", got["status"], inv["status"], inv["collection_method"])
	}
	pays := c.Get("/payments/?invoice=" + apitest.Str(inv, "id")).Expect(200)["results"].([]any)
	if len(pays) != 1 || pays[0].(map[string]any)["status"] != "succeeded" {
		t.Errorf("payments of the invoice: %v", pays)
	}
}
