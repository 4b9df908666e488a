package stripe

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestMinorUnits(t *testing.T) {
	cases := []struct {
		amount, currency string
		want             int64
		bad              bool
	}{
		{"147.60", "USD", 14760, false},
		{"147.6", "usd", 14760, false},
		{"0.01", "EUR", 1, false},
		{"9990", "CLP", 9990, false},
		{"9990.00", "CLP", 9990, false},
		{"9990.50", "CLP", 0, true}, // CLP has no minor unit: never rounded away
		{"1.005", "USD", 0, true},
		{"12.34", "KWD", 12340, false}, // three decimals, last one 0
		{"12.345", "KWD", 0, true},
		{"500", "ISK", 50000, false}, // sent with two decimals, whole only
		{"500.50", "ISK", 0, true},
		{"-1", "USD", 0, true},
		{"999999.99", "USD", 99999999, false},
		{"1000000", "USD", 0, true},
	}
	for _, c := range cases {
		got, err := MinorUnits(decimal.RequireFromString(c.amount), c.currency)
		if c.bad {
			if err == nil {
				t.Errorf("MinorUnits(%s %s) = %d, want an error", c.amount, c.currency, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("MinorUnits(%s %s) = %d, %v; want %d", c.amount, c.currency, got, err, c.want)
		}
	}
}

// An amount Stripe can take comes back from its minor units unchanged.
func TestMinorUnitsRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		currency := rapid.SampledFrom([]string{"USD", "CLP", "JPY", "KWD", "EUR", "ISK"}).Draw(t, "currency")
		units := rapid.Int64Range(0, 999_999).Draw(t, "units")
		places := map[string]int32{"CLP": 0, "JPY": 0, "ISK": 0, "KWD": 2}[currency]
		if _, ok := map[string]bool{"CLP": true, "JPY": true, "ISK": true, "KWD": true}[currency]; !ok {
			places = 2
		}
		amount := decimal.New(units, -places)
		minor, err := MinorUnits(amount, currency)
		if err != nil {
			t.Fatalf("MinorUnits(%s %s): %v", amount, currency, err)
		}
		if back := FromMinor(minor, currency); !back.Equal(amount) {
			t.Fatalf("%s %s → %d → %s", amount, currency, minor, back)
		}
	})
}
