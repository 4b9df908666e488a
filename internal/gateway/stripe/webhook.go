package stripe

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// SignatureHeader is the header Stripe signs its webhooks with.
const SignatureHeader = "Stripe-Signature"

// ErrSignature is a webhook whose signature does not verify with the
// workspace's signing secret (or is too old): it changes nothing.
var ErrSignature = errors.New("stripe webhook signature does not verify")

// Event kinds Cobro reconciles.
const (
	KindCharge = "charge"
	KindRefund = "refund"
)

// Event is a verified Stripe webhook, read as what it settles.
type Event struct {
	// ID is Stripe's event id (evt_…): an event seen before is ignored.
	ID   string
	Type string
	// Livemode tells the Stripe mode the event belongs to.
	Livemode bool
	// Kind is KindCharge, KindRefund or "" (an event Cobro ignores).
	Kind string
	// Intent is the PaymentIntent (pi_…) the event is about.
	Intent string
	// Result is the intent's (KindCharge) or the refund's (KindRefund)
	// state as Stripe signed it.
	Result Result
	// Refunded is the total refunded on the charge (charge.refunded).
	Refunded decimal.Decimal
	// Refunds are the refunds the event carries: the refund of a refund.*
	// event, or the charge's refunds when charge.refunded lists them.
	Refunds []Result
}

// ParseEvent verifies a webhook with the signing secret (Stripe's own
// library: HMAC-SHA256 over the timestamp and body, five minutes of
// tolerance) and reads the objects Cobro reconciles. Amounts are read
// from the signed event: nothing the payer's browser sent.
func ParseEvent(payload []byte, signature, secret string) (*Event, error) {
	if secret == "" {
		return nil, ErrSignature
	}
	// The event is read whatever API version the merchant's endpoint
	// uses: the fields read here (ids, status, amounts) are the same in
	// every version, and refusing it would leave payments unreconciled.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return nil, ErrSignature
		}
		return nil, fmt.Errorf("stripe webhook: %w", err)
	}
	out := &Event{ID: ev.ID, Type: string(ev.Type), Livemode: ev.Livemode}
	if ev.Data == nil {
		return out, nil
	}
	raw := ev.Data.Raw
	switch {
	case strings.HasPrefix(out.Type, "payment_intent."):
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(raw, &pi); err != nil {
			return nil, fmt.Errorf("stripe webhook %s: %w", ev.ID, err)
		}
		out.Kind, out.Intent, out.Result = KindCharge, pi.ID, IntentResult(&pi)
	case strings.HasPrefix(out.Type, "setup_intent."):
		var si stripego.SetupIntent
		if err := json.Unmarshal(raw, &si); err != nil {
			return nil, fmt.Errorf("stripe webhook %s: %w", ev.ID, err)
		}
		out.Kind, out.Intent, out.Result = KindCharge, si.ID, SetupResult(&si)
	case out.Type == "charge.refunded":
		var ch stripego.Charge
		if err := json.Unmarshal(raw, &ch); err != nil {
			return nil, fmt.Errorf("stripe webhook %s: %w", ev.ID, err)
		}
		if ch.PaymentIntent != nil {
			out.Intent = ch.PaymentIntent.ID
		}
		cur := strings.ToUpper(string(ch.Currency))
		out.Kind, out.Refunded = KindRefund, FromMinor(ch.AmountRefunded, cur)
		out.Result = Result{Status: StatusSucceeded, Reference: ch.ID, Currency: cur, Captured: FromMinor(ch.AmountCaptured, cur)}
		if ch.Refunds != nil {
			for _, re := range ch.Refunds.Data {
				out.Refunds = append(out.Refunds, RefundResult(re))
			}
		}
	case strings.HasPrefix(out.Type, "refund."):
		var re stripego.Refund
		if err := json.Unmarshal(raw, &re); err != nil {
			return nil, fmt.Errorf("stripe webhook %s: %w", ev.ID, err)
		}
		if re.PaymentIntent != nil {
			out.Intent = re.PaymentIntent.ID
		}
		out.Kind, out.Result = KindRefund, RefundResult(&re)
		out.Refunds = []Result{out.Result}
	}
	return out, nil
}
