package stripe

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	stripego "github.com/stripe/stripe-go/v82"
)

// Payment is one PaymentIntent Cobro asks Stripe for.
type Payment struct {
	Amount   decimal.Decimal
	Currency string
	// PaymentMethod is the pm_… the payer's browser made with Stripe.js
	// (single use) or the saved card's (reusable, with Customer).
	PaymentMethod string
	Customer      string
	// OffSession: the payer is not present (a subscription charging a
	// saved card); Stripe then declines instead of asking for 3-D Secure.
	OffSession bool
	// ReturnURL is where Stripe sends the payer back after 3-D Secure.
	ReturnURL   string
	Description string
	// Reference is Cobro's id of the operation, the idempotency key: a
	// retry never makes a second intent.
	Reference string
	Metadata  map[string]string
}

// Authorize creates and confirms a PaymentIntent with manual capture: on
// success the amount is held (requires_capture) until Capture.
func (c *Client) Authorize(ctx context.Context, p Payment) Result {
	minor, err := MinorUnits(p.Amount, p.Currency)
	if err != nil {
		return Result{Status: StatusFailed, FailedReason: "gateway_error", Err: err}
	}
	params := &stripego.PaymentIntentCreateParams{
		Amount:             stripego.Int64(minor),
		Currency:           stripego.String(strings.ToLower(p.Currency)),
		PaymentMethod:      stripego.String(p.PaymentMethod),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		CaptureMethod:      stripego.String(string(stripego.PaymentIntentCaptureMethodManual)),
		Confirm:            stripego.Bool(true),
		Metadata:           p.Metadata,
	}
	if p.Customer != "" {
		params.Customer = stripego.String(p.Customer)
	}
	if p.OffSession {
		params.OffSession = stripego.Bool(true)
	} else if p.ReturnURL != "" {
		params.ReturnURL = stripego.String(p.ReturnURL)
	}
	if p.Description != "" {
		params.Description = stripego.String(p.Description)
	}
	idempotent(&params.Params, p.Reference)
	pi, err := c.api.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return failure(err)
	}
	return IntentResult(pi)
}

// Intent reads a PaymentIntent back from Stripe: what a return from 3-D
// Secure or a webhook settles is always read here, never taken from the
// browser.
func (c *Client) Intent(ctx context.Context, id string) (Result, error) {
	if !strings.HasPrefix(id, "pi_") {
		return Result{}, fmt.Errorf("not a PaymentIntent id: %q", id)
	}
	pi, err := c.api.V1PaymentIntents.Retrieve(ctx, id, &stripego.PaymentIntentRetrieveParams{})
	if err != nil {
		return failure(err), err
	}
	return IntentResult(pi), nil
}

// Capture collects amount of an authorized intent (at most what it holds;
// Stripe releases the rest).
func (c *Client) Capture(ctx context.Context, intent string, amount decimal.Decimal, currency, reference string) Result {
	minor, err := MinorUnits(amount, currency)
	if err != nil {
		return Result{Status: StatusFailed, FailedReason: "gateway_error", Err: err}
	}
	params := &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(minor)}
	idempotent(&params.Params, reference)
	pi, err := c.api.V1PaymentIntents.Capture(ctx, intent, params)
	if err != nil {
		return failure(err)
	}
	return IntentResult(pi)
}

// Cancel releases an authorization that will not be captured.
func (c *Client) Cancel(ctx context.Context, intent, reference string) Result {
	params := &stripego.PaymentIntentCancelParams{CancellationReason: stripego.String("requested_by_customer")}
	idempotent(&params.Params, reference)
	pi, err := c.api.V1PaymentIntents.Cancel(ctx, intent, params)
	if err != nil {
		return failure(err)
	}
	return IntentResult(pi)
}

// IntentResult reads a PaymentIntent as Cobro's outcome. Amounts come from
// the intent: amount_capturable while held, amount_received once captured.
func IntentResult(pi *stripego.PaymentIntent) Result {
	r := Result{Reference: pi.ID, Currency: strings.ToUpper(string(pi.Currency)), StripeStatus: string(pi.Status)}
	r.Amount = FromMinor(pi.Amount, r.Currency)
	r.Authorized = FromMinor(pi.AmountCapturable, r.Currency)
	r.Captured = FromMinor(pi.AmountReceived, r.Currency)
	if pi.PaymentMethod != nil {
		r.PaymentMethod = pi.PaymentMethod.ID
	}
	if pi.Customer != nil {
		r.Customer = pi.Customer.ID
	}
	switch pi.Status {
	case stripego.PaymentIntentStatusRequiresCapture, stripego.PaymentIntentStatusSucceeded:
		r.Status = StatusSucceeded
	case stripego.PaymentIntentStatusProcessing, stripego.PaymentIntentStatusRequiresConfirmation:
		r.Status = StatusPending
	case stripego.PaymentIntentStatusRequiresAction:
		r.Status = StatusNeedsAction
		if na := pi.NextAction; na != nil && na.RedirectToURL != nil {
			r.RedirectURL = na.RedirectToURL.URL
		}
	case stripego.PaymentIntentStatusCanceled:
		r.Status, r.FailedReason = StatusFailed, "gateway_error"
		if pi.CancellationReason == stripego.PaymentIntentCancellationReasonAutomatic {
			r.FailedReason = "expired_authorization"
		}
	default: // requires_payment_method: the last attempt failed
		r.Status, r.FailedReason = StatusFailed, "card_declined"
		if e := pi.LastPaymentError; e != nil {
			r.FailedReason = declineReason(string(e.Code), string(e.DeclineCode))
			if e.Type != "" && e.Type != stripego.ErrorTypeCard {
				r.FailedReason = "gateway_error"
			}
		}
	}
	return r
}

// RefundParams is a refund asked of Stripe.
type RefundParams struct {
	Intent   string
	Amount   decimal.Decimal
	Currency string
	// Reason is Cobro's free-text reason; Stripe's reason is derived.
	Reason    string
	Reference string
}

// Refund gives back part or all of a captured intent.
func (c *Client) Refund(ctx context.Context, p RefundParams) Result {
	minor, err := MinorUnits(p.Amount, p.Currency)
	if err == nil && minor == 0 {
		err = fmt.Errorf("refund of %s %s is zero", p.Amount, p.Currency)
	}
	if err != nil {
		return Result{Status: StatusFailed, FailedReason: "gateway_error", Err: err}
	}
	params := &stripego.RefundCreateParams{
		PaymentIntent: stripego.String(p.Intent),
		Amount:        stripego.Int64(minor),
		Metadata:      map[string]string{"cobro_reference": p.Reference},
	}
	if reason := refundReason(p.Reason); reason != "" {
		params.Reason = stripego.String(reason)
	}
	idempotent(&params.Params, p.Reference)
	re, err := c.api.V1Refunds.Create(ctx, params)
	if err != nil {
		return failure(err)
	}
	return RefundResult(re)
}

// refundReason picks Stripe's reason code when Cobro's reason is one of
// them; any other text stays only in Cobro.
func refundReason(reason string) string {
	switch reason {
	case "duplicate", "fraudulent", "requested_by_customer":
		return reason
	}
	return ""
}

// RefundResult reads a Stripe refund as Cobro's outcome.
func RefundResult(re *stripego.Refund) Result {
	r := Result{Reference: re.ID, Currency: strings.ToUpper(string(re.Currency)), StripeStatus: string(re.Status)}
	r.Amount = FromMinor(re.Amount, r.Currency)
	switch re.Status {
	case stripego.RefundStatusSucceeded:
		r.Status = StatusSucceeded
	case stripego.RefundStatusFailed, stripego.RefundStatusCanceled:
		r.Status, r.FailedReason = StatusFailed, "gateway_error"
	default: // pending, requires_action: a webhook settles it
		r.Status = StatusPending
	}
	return r
}
