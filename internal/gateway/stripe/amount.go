package stripe

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Stripe's API takes amounts as integers in the currency's minor unit
// (docs/payments.md#16-stripe): cents for USD, whole pesos for CLP.
// Facts from Stripe's currency reference: these currencies have no minor
// unit, and these have three decimals (the last one must be 0).
var (
	zeroDecimal = map[string]bool{
		"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true, "MGA": true,
		"PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true,
	}
	threeDecimal = map[string]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true}
	// wholeOnly are sent with two decimals but must be whole (ISK).
	wholeOnly = map[string]bool{"ISK": true}
)

// exponent is the number of decimals of the currency's minor unit at Stripe.
func exponent(currency string) int32 {
	c := strings.ToUpper(currency)
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	}
	return 2
}

// MinorUnits converts an exact amount to Stripe's integer amount; an
// amount finer than the currency allows is an error, never rounded away.
func MinorUnits(amount decimal.Decimal, currency string) (int64, error) {
	if amount.Sign() < 0 {
		return 0, fmt.Errorf("negative amount %s", amount)
	}
	exp := exponent(currency)
	allowed := exp
	c := strings.ToUpper(currency)
	switch {
	case threeDecimal[c]:
		allowed = 2
	case wholeOnly[c]:
		allowed = 0
	}
	if !amount.Equal(amount.Truncate(allowed)) {
		return 0, fmt.Errorf("%s %s has more than %d decimals", amount, c, allowed)
	}
	minor := amount.Shift(exp)
	// Stripe's amount has at most eight digits (999,999.99 USD).
	if !minor.IsInteger() || minor.GreaterThan(decimal.NewFromInt(99_999_999)) {
		return 0, fmt.Errorf("%s %s is out of Stripe's range", amount, c)
	}
	return minor.IntPart(), nil
}

// FromMinor converts Stripe's integer amount back to an exact amount.
func FromMinor(minor int64, currency string) decimal.Decimal {
	return decimal.NewFromInt(minor).Shift(-exponent(currency))
}
