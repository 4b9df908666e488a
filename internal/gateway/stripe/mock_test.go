package stripe

import (
	"context"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/gateway/stripe/stripetest"
	"github.com/shopspring/decimal"
)

// ok fails the test when the request did not reach stripe-mock or was
// refused by it (stripe-mock validates every parameter against Stripe's
// OpenAPI specification).
func ok(t *testing.T, what string, r Result, prefix string) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("%s: %v", what, r.Err)
	}
	if !strings.HasPrefix(r.Reference, prefix) {
		t.Fatalf("%s: reference %q, want %s…", what, r.Reference, prefix)
	}
}

// Every request the adapter makes, against Stripe's own mock.
func TestRequestsAgainstStripeMock(t *testing.T) {
	base := stripetest.Start(t)
	c := NewClient("sk_test_123", base, nil)
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}

	// A single-use card: the browser's PaymentMethod, held for capture,
	// with a return URL for 3-D Secure.
	auth := c.Authorize(ctx, Payment{Amount: decimal.RequireFromString("147.60"), Currency: "USD", PaymentMethod: "pm_card_visa",
		ReturnURL: "https://billing.example.com/return/", Description: "Invoice 7", Reference: "pay_1-auth-1", Metadata: map[string]string{"cobro_payment": "pay_1"}})
	ok(t, "authorize", auth, "pi_")
	if !auth.Amount.Equal(decimal.RequireFromString("147.60")) || auth.Currency != "USD" {
		t.Fatalf("authorize: Stripe holds %s %s, want 147.60 USD", auth.Amount, auth.Currency)
	}
	// A saved card, off session, in a zero-decimal currency.
	off := c.Authorize(ctx, Payment{Amount: decimal.RequireFromString("9990"), Currency: "CLP", PaymentMethod: "pm_card_visa",
		Customer: "cus_123", OffSession: true, Reference: "pay_2-auth-1"})
	ok(t, "authorize off session", off, "pi_")
	if !off.Amount.Equal(decimal.NewFromInt(9990)) || off.Customer != "cus_123" {
		t.Fatalf("off session: %s %s customer %q, want 9990 CLP of cus_123", off.Amount, off.Currency, off.Customer)
	}
	read, err := c.Intent(ctx, auth.Reference)
	if err != nil {
		t.Fatalf("retrieve intent: %v", err)
	}
	ok(t, "retrieve intent", read, "pi_")
	ok(t, "capture", c.Capture(ctx, auth.Reference, decimal.RequireFromString("100.00"), "USD", "pay_1-capture-1"), "pi_")
	ok(t, "cancel", c.Cancel(ctx, off.Reference, "pay_2-release-1"), "pi_")
	ref := c.Refund(ctx, RefundParams{Intent: auth.Reference, Amount: decimal.RequireFromString("20.50"), Currency: "USD", Reason: "requested_by_customer", Reference: "ref_1"})
	ok(t, "refund", ref, "re_")
	if !ref.Amount.Equal(decimal.RequireFromString("20.50")) {
		t.Fatalf("refund: Stripe refunds %s, want 20.50", ref.Amount)
	}

	// A reusable source: a Stripe customer and a confirmed SetupIntent.
	saved := c.SaveCard(ctx, SaveParams{PaymentMethod: "pm_card_visa", CobroCustomer: "cus_cobro1", Email: "ana@example.cl", Name: "Ana",
		ReturnURL: "https://billing.example.com/return/", Reference: "sou_1"})
	ok(t, "save card", saved, "seti_")
	if saved.Customer == "" {
		t.Fatal("save card: no Stripe customer")
	}
	again, err := c.Setup(ctx, saved.Reference)
	if err != nil {
		t.Fatalf("retrieve setup intent: %v", err)
	}
	ok(t, "retrieve setup intent", again, "seti_")
	// A card the payer will enter in Stripe.js (the customer portal): an
	// unconfirmed SetupIntent, and its client secret for the page.
	started := c.StartSetup(ctx, SaveParams{CobroCustomer: "cus_cobro2", Email: "ana@example.cl", Reference: "sou_2"})
	ok(t, "start setup", started, "seti_")
	if started.Status != StatusNeedsAction || !strings.HasPrefix(started.Customer, "cus_") {
		t.Fatalf("start setup: %+v", started)
	}
	if secret, err := c.ClientSecret(ctx, started.Reference); err != nil || !strings.Contains(secret, "_secret_") {
		t.Fatalf("client secret: %q, %v", secret, err)
	}
	if _, err := c.ClientSecret(ctx, "pi_123"); err == nil {
		t.Fatal("a PaymentIntent was read as a SetupIntent")
	}
	card, err := c.Card(ctx, "pm_card_visa")
	if err != nil || card == nil || card.Last4 == "" {
		t.Fatalf("card: %+v, %v", card, err)
	}
	if err := c.Detach(ctx, "pm_card_visa"); err != nil {
		t.Fatalf("detach: %v", err)
	}

	// What never reaches Stripe: an amount finer than the currency, a
	// foreign id.
	if r := c.Authorize(ctx, Payment{Amount: decimal.RequireFromString("10.5"), Currency: "CLP", PaymentMethod: "pm_card_visa"}); r.Err == nil || r.Status != StatusFailed {
		t.Fatalf("10.5 CLP was sent: %+v", r)
	}
	if _, err := c.Intent(ctx, "../../v1/customers"); err == nil {
		t.Fatal("a foreign id was read as a PaymentIntent")
	}
}

// A key Stripe refuses is an error of the request, never a decline.
func TestStripeErrorsAreGatewayErrors(t *testing.T) {
	base := stripetest.Start(t)
	c := NewClient("not-a-key", base, nil)
	r := c.Authorize(context.Background(), Payment{Amount: decimal.NewFromInt(10), Currency: "USD", PaymentMethod: "pm_card_visa", Reference: "x"})
	if r.Status != StatusFailed || r.FailedReason != "gateway_error" || r.Err == nil {
		t.Fatalf("bad key: %+v", r)
	}
	if err := c.Ping(context.Background()); err == nil {
		t.Fatal("ping with a bad key succeeded")
	}
}

// stripe-mock with patched fixtures answers as Stripe would for a card
// that succeeds, is declined, or needs 3-D Secure; the client reads each.
func TestOutcomesFromStripeMock(t *testing.T) {
	ctx := context.Background()
	usd := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	t.Run("succeeding", func(t *testing.T) {
		t.Parallel()
		c := NewClient("sk_test_123", stripetest.StartWith(t, stripetest.Succeeding), nil)
		r := c.Authorize(ctx, Payment{Amount: usd("10.00"), Currency: "USD", PaymentMethod: "pm_card_visa", Reference: "a"})
		if r.Status != StatusSucceeded || r.StripeStatus != "succeeded" || !r.Captured.GreaterThan(usd("10")) {
			t.Fatalf("authorize: %+v", r)
		}
		saved := c.SaveCard(ctx, SaveParams{PaymentMethod: "pm_card_visa", CobroCustomer: "cus_x", Reference: "sou_x"})
		if saved.Status != StatusSucceeded || !strings.HasPrefix(saved.Customer, "cus_") || saved.PaymentMethod != "pm_card_visa" || saved.Card == nil || saved.Card.Last4 != "4242" {
			t.Fatalf("save card: %+v", saved)
		}
	})
	t.Run("declining", func(t *testing.T) {
		t.Parallel()
		c := NewClient("sk_test_123", stripetest.StartWith(t, stripetest.Declining), nil)
		r := c.Authorize(ctx, Payment{Amount: usd("10.00"), Currency: "USD", PaymentMethod: "pm_card_visa", Reference: "a"})
		if r.Status != StatusFailed || r.FailedReason != "card_declined" || r.Reference == "" {
			t.Fatalf("authorize: %+v", r)
		}
	})
	t.Run("3-D Secure", func(t *testing.T) {
		t.Parallel()
		c := NewClient("sk_test_123", stripetest.StartWith(t, stripetest.Authenticating("https://hooks.stripe.com/3d_secure_2/x")), nil)
		r := c.Authorize(ctx, Payment{Amount: usd("10.00"), Currency: "USD", PaymentMethod: "pm_card_visa", ReturnURL: "https://b.example/r/", Reference: "a"})
		if r.Status != StatusNeedsAction || r.RedirectURL != "https://hooks.stripe.com/3d_secure_2/x" {
			t.Fatalf("authorize: %+v", r)
		}
	})
}
