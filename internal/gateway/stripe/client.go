// Package stripe is Cobro's Stripe gateway (docs/payments.md#17-stripe),
// built on Stripe's official Go library (stripe-go v82): Stripe customers
// and PaymentMethods are the reusable sources, PaymentIntents the
// payments (manual capture, so Cobro's authorize/capture maps onto them),
// 3-D Secure goes through the intent's next action, refunds through
// Stripe's refunds, and Stripe's signed webhooks reconcile what finishes
// later. Card data never reaches Cobro: the payer's browser gives it to
// Stripe (Stripe.js) and Cobro only sees the PaymentMethod id.
package stripe

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	stripego "github.com/stripe/stripe-go/v82"
)

// Credentials are one workspace's keys for one mode.
type Credentials struct {
	// SecretKey (sk_… or a restricted rk_…) authenticates Cobro's calls.
	SecretKey string
	// PublishableKey (pk_…) is given to Stripe.js on the hosted page.
	PublishableKey string
	// WebhookSecret (whsec_…) checks the signature of Stripe's webhooks.
	WebhookSecret string
}

// Client calls Stripe's API for one workspace and mode.
type Client struct {
	api *stripego.Client
}

// NewClient returns a client of the keys; baseURL "" is Stripe's API,
// anything else (stripe-mock in tests, a proxy) replaces it.
func NewClient(secretKey, baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	cfg := &stripego.BackendConfig{
		HTTPClient: httpClient,
		// The library's own logger would write to stderr; Cobro logs
		// what it needs itself, and never a key.
		LeveledLogger:     &stripego.LeveledLogger{Level: stripego.LevelNull},
		MaxNetworkRetries: stripego.Int64(2),
	}
	if baseURL != "" {
		cfg.URL = stripego.String(strings.TrimRight(baseURL, "/"))
	}
	return &Client{api: stripego.NewClient(secretKey, stripego.WithBackends(stripego.NewBackendsWithConfig(cfg)))}
}

// Result statuses of an operation at Stripe.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	// StatusPending: Stripe finishes later; a webhook reconciles it.
	StatusPending = "pending"
	// StatusNeedsAction: the payer must authenticate (3-D Secure) at
	// RedirectURL and come back.
	StatusNeedsAction = "requires_action"
)

// Result is what Stripe answered, in Cobro's terms.
type Result struct {
	Status       string
	FailedReason string
	// StripeStatus is the object's own status at Stripe (requires_capture,
	// succeeded…): a capture is done only when its intent "succeeded".
	StripeStatus string
	// Err is why Stripe could not be asked or refused the request (for
	// the log: it carries Stripe's message and request id, never a key).
	Err error
	// Reference is Stripe's id of the object (pi_…, re_…, seti_…).
	Reference   string
	RedirectURL string
	// Amount is the intent's or refund's amount; Authorized is what the
	// intent holds for capture, Captured what it
	// collected: amounts read from Stripe.
	Amount, Authorized, Captured decimal.Decimal
	Currency                     string
	// Customer and PaymentMethod name the saved card of a setup; Source
	// is the Cobro source the SetupIntent was made for (its metadata).
	Customer, PaymentMethod, Source string
	Card                            *Card
}

// Card is the public part of a card PaymentMethod.
type Card struct {
	Brand    string
	Last4    string
	ExpMonth int
	ExpYear  int
}

// failure maps an error of the library to a result: declines are
// outcomes of the payment, anything else is a gateway error.
func failure(err error) Result {
	var se *stripego.Error
	if errors.As(err, &se) {
		r := Result{Status: StatusFailed, FailedReason: declineReason(string(se.Code), string(se.DeclineCode)), Err: err}
		if se.Type != stripego.ErrorTypeCard {
			r.FailedReason = "gateway_error"
		}
		if se.PaymentIntent != nil {
			r.Reference = se.PaymentIntent.ID
		}
		return r
	}
	return Result{Status: StatusFailed, FailedReason: "gateway_error", Err: err}
}

// declineReason maps Stripe's error code and decline code to Cobro's
// failed_reason values (docs/payments.md#32-payment-object).
func declineReason(code, decline string) string {
	switch {
	case decline == "insufficient_funds" || code == "insufficient_funds":
		return "insufficient_funds"
	case code == "authentication_required" || decline == "authentication_required":
		return "authentication_failed"
	case code == "payment_intent_authentication_failure" || code == "setup_intent_authentication_failure":
		return "authentication_failed"
	case code == "" && decline == "":
		return "gateway_error"
	}
	return "card_declined"
}

func idempotent(p *stripego.Params, key string) {
	if key != "" {
		p.IdempotencyKey = stripego.String(key)
	}
}

// Ping checks the keys with a cheap read (the account's balance).
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.api.V1Balance.Retrieve(ctx, &stripego.BalanceRetrieveParams{})
	return err
}
