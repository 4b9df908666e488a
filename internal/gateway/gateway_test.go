package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
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
		o := map[string]any{"number": c.number, "exp_month": 6, "exp_year": 2026, "cvc": "123"}
		s, errs, _ := Test{}.Setup(context.Background(), SetupParams{Card: o}, now)
		if errs != nil || s == nil {
			t.Fatalf("%s: %v", c.number, errs)
		}
		out := Test{}.Authorize(context.Background(), Charge{Token: s.Token, Amount: decimal.NewFromInt(1), Currency: "USD"})
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

// The manual gateway checks its own fields: no card, a known method.
func TestManualSetupFields(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		p    SetupParams
		want string
	}{
		{SetupParams{}, ""},
		{SetupParams{MethodGiven: true, Method: str("cash"), MethodText: "cash"}, ""},
		{SetupParams{Card: map[string]any{}}, "map[card:[This gateway does not take card data.]]"},
		{SetupParams{CardNotObject: `Expected a dictionary of items but got type "str".`}, "map[card:[This gateway does not take card data.]]"},
		{SetupParams{MethodGiven: true}, "map[method:[This field may not be null.]]"},
		{SetupParams{MethodGiven: true, Method: str("wire"), MethodText: "wire"}, `map[method:["wire" is not a valid choice.]]`},
		{SetupParams{MethodGiven: true, MethodText: "5"}, `map[method:["5" is not a valid choice.]]`},
	}
	for _, c := range cases {
		s, errs, _ := Manual{}.Setup(context.Background(), c.p, now)
		got := ""
		if errs != nil {
			got = fmt.Sprint(errs)
		}
		if got != c.want || (got == "" && s == nil) {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
	s, _, _ := Manual{}.Setup(context.Background(), SetupParams{MethodGiven: true, Method: str("check"), MethodText: "check"}, now)
	if s.Token != "manual_check" || s.Data["method"] != "check" {
		t.Errorf("setup %+v", s)
	}
	if _, errs, _ := (Test{}).Setup(context.Background(), SetupParams{}, now); fmt.Sprint(errs) != "map[card:[This field is required.]]" {
		t.Errorf("test gateway without a card: %v", errs)
	}
}
