package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cobrobilling/cobro/internal/input"
)

var now = time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)

// The deterministic cards of docs/payments.md#11-test-gateway-cards.
func TestTestCards(t *testing.T) {
	cases := []struct {
		number, brand, outcome string
		auth                   bool
	}{
		{"4242 4242 4242 4242", "visa", "succeeded ", false},
		{"5555-5555-5555-4444", "mastercard", "succeeded ", false},
		{"4000 0000 0000 0002", "visa", "failed card_declined", false},
		{"4000 0000 0000 9995", "visa", "failed insufficient_funds", false},
		{"4000 0027 6000 3184", "visa", "succeeded ", true},
		{"378282246310005", "amex", "succeeded ", false},
		{"2223003122003222", "mastercard", "succeeded ", false},
		{"6011111111111117", "unknown", "succeeded ", false},
	}
	for _, c := range cases {
		o := input.New(map[string]any{"card": map[string]any{"number": c.number, "exp_month": 6, "exp_year": 2026, "cvc": "123"}}, false)
		s := Test{}.Setup(o, now)
		if !o.OK() || s == nil {
			t.Fatalf("%s: %v", c.number, o.Errors())
		}
		out := Test{}.Authorize(context.Background(), s.Token, decimal.NewFromInt(1), "USD")
		if s.Card.Brand != c.brand || out.String() != c.outcome || s.NeedsAuthentication != c.auth {
			t.Errorf("%s: brand %s outcome %q auth %v", c.number, s.Card.Brand, out, s.NeedsAuthentication)
		}
	}
}

func TestParseCardErrors(t *testing.T) {
	cases := []struct {
		card map[string]any
		want string
	}{
		{map[string]any{"number": "4242424242424241", "exp_month": 1, "exp_year": 2030, "cvc": "123"}, "map[number:[Invalid card number.]]"},
		{map[string]any{"number": "424242424242", "exp_month": 1, "exp_year": 2030, "cvc": "123"}, "map[number:[Invalid card number.]]"},
		{map[string]any{"number": "4242424242424242", "exp_month": 13, "exp_year": 2030, "cvc": "1234"}, "map[exp_month:[Ensure this value is less than or equal to 12.]]"},
		{map[string]any{"number": "4242424242424242", "exp_month": 5, "exp_year": 2026, "cvc": "123"}, "map[exp_year:[The card has expired.]]"},
		{map[string]any{"number": "4242424242424242", "exp_month": 6, "exp_year": 26, "cvc": "12a"}, "map[cvc:[Invalid security code.]]"},
		{map[string]any{}, "map[cvc:[This field is required.] exp_month:[This field is required.] exp_year:[This field is required.] number:[This field is required.]]"},
	}
	for _, c := range cases {
		_, errs := ParseCard(c.card, now)
		if got := fmt.Sprint(errs); got != c.want {
			t.Errorf("%v: %s, want %s", c.card, got, c.want)
		}
	}
}
