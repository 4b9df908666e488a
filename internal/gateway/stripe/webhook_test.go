package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/shopspring/decimal"
	stripego "github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

const secret = "whsec_test_secret"

func event(id, typ, object string) []byte {
	return fmt.Appendf(nil, `{"id": %q, "object": "event", "api_version": %q, "type": %q, "livemode": false, "created": 1764770000, "data": {"object": %s}}`,
		id, stripego.APIVersion, typ, object)
}

func signed(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func TestParseEventReadsWhatItSettles(t *testing.T) {
	cases := []struct {
		typ, object string
		kind        string
		intent      string
		status      string
		amount      string // the amount read from the signed object
	}{
		{"payment_intent.amount_capturable_updated", `{"id": "pi_1", "object": "payment_intent", "status": "requires_capture", "amount": 14760, "amount_capturable": 14760, "currency": "usd"}`,
			KindCharge, "pi_1", StatusSucceeded, "147.60"},
		{"payment_intent.succeeded", `{"id": "pi_2", "object": "payment_intent", "status": "succeeded", "amount": 9990, "amount_received": 9990, "currency": "clp"}`,
			KindCharge, "pi_2", StatusSucceeded, "9990"},
		{"payment_intent.payment_failed", `{"id": "pi_3", "object": "payment_intent", "status": "requires_payment_method", "amount": 500, "currency": "usd", "last_payment_error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"}}`,
			KindCharge, "pi_3", StatusFailed, "5.00"},
		{"charge.refunded", `{"id": "ch_1", "object": "charge", "payment_intent": "pi_2", "amount": 9990, "amount_captured": 9990, "amount_refunded": 4000, "currency": "clp"}`,
			KindRefund, "pi_2", StatusSucceeded, "4000"},
		{"refund.updated", `{"id": "re_1", "object": "refund", "payment_intent": "pi_1", "amount": 2050, "currency": "usd", "status": "failed"}`,
			KindRefund, "pi_1", StatusFailed, "20.50"},
		{"customer.created", `{"id": "cus_1", "object": "customer"}`, "", "", "", "0"},
	}
	for i, c := range cases {
		payload := event(fmt.Sprintf("evt_%d", i), c.typ, c.object)
		ev, err := ParseEvent(payload, signed(payload, secret, time.Now()), secret)
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		if ev.ID != fmt.Sprintf("evt_%d", i) || ev.Kind != c.kind || ev.Intent != c.intent || ev.Result.Status != c.status {
			t.Errorf("%s: got %+v", c.typ, ev)
		}
		got := ev.Result.Amount
		switch {
		case c.typ == "charge.refunded":
			got = ev.Refunded
		case c.typ == "payment_intent.amount_capturable_updated":
			got = ev.Result.Authorized
		case c.typ == "payment_intent.succeeded":
			got = ev.Result.Captured
		}
		if !got.Equal(decimal.RequireFromString(c.amount)) {
			t.Errorf("%s: amount %s, want %s", c.typ, got, c.amount)
		}
	}
}

func TestParseEventRefusesWhatStripeDidNotSign(t *testing.T) {
	payload := event("evt_9", "payment_intent.succeeded", `{"id": "pi_9", "object": "payment_intent", "status": "succeeded", "amount": 100, "amount_received": 100, "currency": "usd"}`)
	good := signed(payload, secret, time.Now())
	tampered := append([]byte{}, payload...)
	copy(tampered[len(tampered)-20:], []byte(`"amount": 999999999`))
	cases := map[string]struct {
		body           []byte
		header, secret string
	}{
		"no header":        {payload, "", secret},
		"garbage header":   {payload, "nonsense", secret},
		"other secret":     {payload, signed(payload, "whsec_other", time.Now()), secret},
		"tampered body":    {tampered, good, secret},
		"ten minutes old":  {payload, signed(payload, secret, time.Now().Add(-10*time.Minute)), secret},
		"no secret stored": {payload, good, ""},
	}
	for name, c := range cases {
		if ev, err := ParseEvent(c.body, c.header, c.secret); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: got %+v, %v; want ErrSignature", name, ev, err)
		}
	}
}

func TestIntentResult(t *testing.T) {
	pi := func(status stripego.PaymentIntentStatus) *stripego.PaymentIntent {
		return &stripego.PaymentIntent{ID: "pi_1", Status: status, Amount: 1000, Currency: "usd"}
	}
	redirect := pi(stripego.PaymentIntentStatusRequiresAction)
	redirect.NextAction = &stripego.PaymentIntentNextAction{Type: "redirect_to_url", RedirectToURL: &stripego.PaymentIntentNextActionRedirectToURL{URL: "https://hooks.stripe.com/3d_secure/x"}}
	declined := pi(stripego.PaymentIntentStatusRequiresPaymentMethod)
	declined.LastPaymentError = &stripego.Error{Type: stripego.ErrorTypeCard, Code: "card_declined", DeclineCode: "generic_decline"}
	auth := pi(stripego.PaymentIntentStatusRequiresPaymentMethod)
	auth.LastPaymentError = &stripego.Error{Type: stripego.ErrorTypeCard, Code: "authentication_required"}
	expired := pi(stripego.PaymentIntentStatusCanceled)
	expired.CancellationReason = stripego.PaymentIntentCancellationReasonAutomatic
	cases := []struct {
		pi             *stripego.PaymentIntent
		status, reason string
	}{
		{pi(stripego.PaymentIntentStatusRequiresCapture), StatusSucceeded, ""},
		{pi(stripego.PaymentIntentStatusSucceeded), StatusSucceeded, ""},
		{pi(stripego.PaymentIntentStatusProcessing), StatusPending, ""},
		{redirect, StatusNeedsAction, ""},
		{declined, StatusFailed, "card_declined"},
		{auth, StatusFailed, "authentication_failed"},
		{expired, StatusFailed, "expired_authorization"},
	}
	for _, c := range cases {
		r := IntentResult(c.pi)
		if r.Status != c.status || r.FailedReason != c.reason {
			t.Errorf("%s: got %s %q, want %s %q", c.pi.Status, r.Status, r.FailedReason, c.status, c.reason)
		}
	}
	if r := IntentResult(redirect); r.RedirectURL != "https://hooks.stripe.com/3d_secure/x" {
		t.Errorf("redirect URL %q", r.RedirectURL)
	}
}

// Any signed body is read or refused, never a panic; an unsigned one is
// always refused.
func FuzzParseEvent(f *testing.F) {
	f.Add(event("evt_1", "payment_intent.succeeded", `{"id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": 100, "currency": "usd"}`))
	f.Add(event("evt_2", "charge.refunded", `{"id": "ch_1", "payment_intent": {"id": "pi_1"}, "amount_refunded": 5}`))
	f.Add(event("evt_3", "refund.created", `{"id": "re_1", "status": "pending"}`))
	f.Add([]byte(`{"data": {"object": null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = ParseEvent(body, signed(body, secret, time.Now()), secret)
		if _, err := ParseEvent(body, "t=1,v1=00", secret); !errors.Is(err, ErrSignature) {
			t.Fatalf("unsigned body accepted: %v", err)
		}
	})
}

// What the gateway tells Cobro of each event: a payer still at 3-D Secure
// decides nothing, collected and held charges differ, and refunds are
// reported one by one with their own outcome.
func TestNotificationSaysWhatIsDecided(t *testing.T) {
	g := Adapter{}.Bind(gateway.Credentials{SettingSecretKey: "sk_test_123", SettingWebhookSecret: secret}, true).(*Gateway)
	note := func(typ, object string) *gateway.Notification {
		t.Helper()
		payload := event("evt_n", typ, object)
		n, err := g.Notification(context.Background(), http.Header{SignatureHeader: {signed(payload, secret, time.Now())}}, payload)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		return n
	}
	if n := note("payment_intent.requires_action", `{"id": "pi_1", "object": "payment_intent", "status": "requires_action", "amount": 500, "currency": "usd"}`); n.Outcome.Status != gateway.Pending {
		t.Errorf("requires_action: %+v", n)
	}
	n := note("payment_intent.succeeded", `{"id": "pi_1", "object": "payment_intent", "status": "succeeded", "amount": 500, "amount_received": 500, "currency": "usd"}`)
	if n.Outcome.Status != gateway.Succeeded || !n.Captured || n.Amount.String() != "5" || n.Currency != "USD" || n.Reference != "pi_1" {
		t.Errorf("succeeded: %+v", n)
	}
	n = note("payment_intent.amount_capturable_updated", `{"id": "pi_1", "object": "payment_intent", "status": "requires_capture", "amount": 500, "amount_capturable": 500, "currency": "usd"}`)
	if n.Outcome.Status != gateway.Succeeded || n.Captured || n.Amount.String() != "5" {
		t.Errorf("requires_capture: %+v", n)
	}
	n = note("charge.refunded", `{"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 500, "amount_refunded": 300, "currency": "usd",
		"refunds": {"object": "list", "data": [{"id": "re_1", "object": "refund", "amount": 100, "currency": "usd", "status": "succeeded"},
		{"id": "re_2", "object": "refund", "amount": 200, "currency": "usd", "status": "pending"}]}}`)
	if n.Kind != KindRefund || n.Reference != "pi_1" || len(n.Refunds) != 2 || n.Refunds[0].ID != "re_1" || n.Refunds[0].Outcome.Status != gateway.Succeeded ||
		n.Refunds[1].Amount.String() != "2" || n.Refunds[1].Outcome.Status != gateway.Pending {
		t.Errorf("charge.refunded: %+v", n)
	}
	n = note("refund.failed", `{"id": "re_3", "object": "refund", "payment_intent": "pi_1", "amount": 100, "currency": "usd", "status": "failed"}`)
	if len(n.Refunds) != 1 || n.Refunds[0].ID != "re_3" || n.Refunds[0].Outcome.Status != gateway.Failed || n.Reference != "pi_1" {
		t.Errorf("refund.failed: %+v", n)
	}
}
