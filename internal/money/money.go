// Package money holds Cobro's exact-decimal helpers: parsing of money,
// percentage and quantity inputs with the API's exact validation messages
// (docs/conventions.md#7-data-types), half-up rounding to a currency's scale (docs/conventions.md#7-data-types to docs/conventions.md#8-totals-formula), and
// the Money, Percent and Quantity types that marshal as bare JSON numbers
// in the API's output format and are stored as decimal text.
//
// Binary floating point is never used: float32/float64 inputs are rejected
// (decode JSON with json.Decoder.UseNumber).
package money

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// FieldError is a validation failure of one field; Msg is the exact user
// message (e.g. "A valid number is required.").
type FieldError struct{ Msg string }

func (e *FieldError) Error() string { return e.Msg }

// User messages (docs/conventions.md#12-errors).
const (
	MsgNull        = "This field may not be null."
	MsgInvalid     = "A valid number is required."
	MsgNonNegative = "Ensure this value is greater than or equal to 0."
	MsgPositive    = "Ensure this value is greater than 0."
	MsgMax100      = "Ensure this value is less than or equal to 100."
)

// MsgDecimalPlaces is "Ensure that there are no more than {n} decimal places."
func MsgDecimalPlaces(n int) string {
	return "Ensure that there are no more than " + strconv.Itoa(n) + " decimal places."
}

// MsgIntegerDigits is "Ensure that there are no more than {n} digits before the decimal point."
func MsgIntegerDigits(n int) string {
	return "Ensure that there are no more than " + strconv.Itoa(n) + " digits before the decimal point."
}

func fieldErr(msg string) error { return &FieldError{Msg: msg} }

// Limits of the inputs (docs/conventions.md#7-data-types).
const (
	MoneyIntegerDigits    = 15
	MoneyDecimals         = 2
	PercentDecimals       = 4
	QuantityIntegerDigits = 12
	QuantityDecimals      = 6
)

// ---------------------------------------------------------------- parsing

// number is a syntactically valid decimal input split into its parts.
type number struct {
	neg     bool
	intPart string // integer digits without leading zeros ("" for 0)
	frac    string // fraction digits as written (trailing zeros kept)
}

// sigFrac is the fraction without trailing zeros.
func (n number) sigFrac() string { return strings.TrimRight(n.frac, "0") }

func (n number) isZero() bool { return n.intPart == "" && n.sigFrac() == "" }

// negative is true for values below zero ("-0.00" is zero, not negative).
func (n number) negative() bool { return n.neg && !n.isZero() }

// build returns the value with exponent −places; places must be at least
// len(n.sigFrac()) so that the result is exact.
func (n number) build(places int) decimal.Decimal {
	sig := n.sigFrac()
	digits := n.intPart + sig + strings.Repeat("0", places-len(sig))
	c := new(big.Int)
	if digits != "" {
		c.SetString(digits, 10) // only ASCII digits: cannot fail
	}
	if n.neg {
		c.Neg(c)
	}
	return decimal.NewFromBigInt(c, int32(-places))
}

// scanNumber accepts -?(digits[.digits*] | .digits): an optional minus, no
// exponent, no plus sign, no spaces, leading zeros allowed ("007.50",
// "5.", ".5" are numbers, as for Python's Decimal).
func scanNumber(s string) (number, bool) {
	var n number
	i := 0
	if i < len(s) && s[i] == '-' {
		n.neg = true
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intp := s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n.frac = s[fs:i]
	}
	if i != len(s) || (intp == "" && n.frac == "") {
		return number{}, false
	}
	n.intPart = strings.TrimLeft(intp, "0")
	return n, true
}

// parseInput turns a decoded JSON value into a number. Accepted: json.Number
// (from a decoder with UseNumber), string (trimmed of
// surrounding whitespace, docs/conventions.md#71-strings), Go integers and
// decimal.Decimal (and the types of this package). nil is "This field may
// not be null."; everything else, floats included, is "A valid number is
// required.".
func parseInput(raw any) (number, error) {
	var s string
	switch v := raw.(type) {
	case nil:
		return number{}, fieldErr(MsgNull)
	case string:
		s = strings.TrimSpace(v)
	case json.Number:
		s = string(v)
	case decimal.Decimal:
		s = fixed(v, max(0, -v.Exponent()))
	case Money:
		s = fixed(v.Decimal, max(0, -v.Exponent()))
	case Percent:
		s = fixed(v.Decimal, max(0, -v.Exponent()))
	case Quantity:
		s = fixed(v.Decimal, max(0, -v.Exponent()))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		s = fmt.Sprint(v) // decimal digits, a sign for negatives
	default:
		return number{}, fieldErr(MsgInvalid)
	}
	n, ok := scanNumber(s)
	if !ok {
		return number{}, fieldErr(MsgInvalid)
	}
	return n, nil
}

// ParseMoney validates a money input (docs/conventions.md#72-money): a JSON number or a
// numeric string, at most 15 integer digits and 2 decimals, not negative.
// Checks run in this order, the first failure wins: number syntax
// ("A valid number is required."; exponents such as 1e5, NaN, Infinity,
// "", "abc" and booleans are not numbers), decimal places, integer digits,
// sign.
//
// Decimal places are counted after dropping trailing zeros: "1.500" is 1.5
// and accepted (the digits carry no information, and clients that format
// with a fixed scale would otherwise be rejected); "1.505" has 3 and is
// rejected. Leading zeros do not count as integer digits.
//
// The result always has exactly two decimals (exponent −2): "500" → 500.00.
// Errors are *FieldError.
func ParseMoney(raw any) (decimal.Decimal, error) {
	n, err := parseInput(raw)
	if err != nil {
		return decimal.Zero, err
	}
	if err := n.fits(MoneyDecimals, MoneyIntegerDigits); err != nil {
		return decimal.Zero, err
	}
	if n.negative() {
		return decimal.Zero, fieldErr(MsgNonNegative)
	}
	return n.build(MoneyDecimals), nil
}

// ParsePercent validates a percentage (docs/conventions.md#7-data-types): between 0 and 100 with
// at most 4 decimals (trailing zeros do not count). Order: syntax, decimal
// places, ≥ 0, ≤ 100. The result has no trailing zeros in its fraction
// (19.50 → 19.5, 19.0 → 19; 100 keeps exponent 0). Errors are *FieldError.
func ParsePercent(raw any) (decimal.Decimal, error) {
	n, err := parseInput(raw)
	if err != nil {
		return decimal.Zero, err
	}
	if len(n.sigFrac()) > PercentDecimals {
		return decimal.Zero, fieldErr(MsgDecimalPlaces(PercentDecimals))
	}
	if n.negative() {
		return decimal.Zero, fieldErr(MsgNonNegative)
	}
	if len(n.intPart) > 3 {
		return decimal.Zero, fieldErr(MsgMax100)
	}
	d := n.build(len(n.sigFrac()))
	if d.Cmp(hundred) > 0 {
		return decimal.Zero, fieldErr(MsgMax100)
	}
	return d, nil
}

var hundred = decimal.NewFromInt(100)

// fits refuses more significant decimals, then more integer digits, than
// a type allows.
func (n number) fits(decimals, integerDigits int) error {
	if len(n.sigFrac()) > decimals {
		return fieldErr(MsgDecimalPlaces(decimals))
	}
	if len(n.intPart) > integerDigits {
		return fieldErr(MsgIntegerDigits(integerDigits))
	}
	return nil
}

// ParseQuantity validates a quantity (docs/conventions.md#7-data-types): greater than 0, at most 12
// integer digits and 6 decimals (trailing zeros do not count). Order:
// syntax, decimal places, integer digits, > 0.
//
// The result keeps the scale it was sent with ("4" → exponent 0, "4.00" →
// exponent −2), so that it can be echoed as sent; a scale beyond 6 is cut
// to 6 by dropping trailing zeros ("2.12500000" → 2.125000). Errors are
// *FieldError.
func ParseQuantity(raw any) (decimal.Decimal, error) {
	n, err := parseInput(raw)
	if err != nil {
		return decimal.Zero, err
	}
	if err := n.fits(QuantityDecimals, QuantityIntegerDigits); err != nil {
		return decimal.Zero, err
	}
	if n.neg || n.isZero() {
		return decimal.Zero, fieldErr(MsgPositive)
	}
	return n.build(min(len(n.frac), QuantityDecimals)), nil
}

// DecimalPlaces is the number of significant decimals of d (trailing zeros
// of the fraction do not count): 1.50 → 1, 100 → 0.
func DecimalPlaces(d decimal.Decimal) int32 {
	exp := d.Exponent()
	if exp >= 0 {
		return 0
	}
	c := d.Coefficient()
	if c.Sign() == 0 {
		return 0
	}
	s := c.Text(10)
	z := int32(len(s) - len(strings.TrimRight(s, "0")))
	return max(0, -exp-z)
}

// CheckScale returns a *FieldError "Ensure that there are no more than
// {scale} decimal places." when d has more significant decimals than scale
// (e.g. a fixed discount in a rounded currency must be whole: scale 0).
func CheckScale(d decimal.Decimal, scale int32) error {
	if DecimalPlaces(d) > scale {
		return fieldErr(MsgDecimalPlaces(int(scale)))
	}
	return nil
}

// --------------------------------------------------------------- rounding

// Round rounds d half-up ("commercial": a half goes away from zero) to
// scale decimals: 2.5 → 3, −2.5 → −3, 5.994 → 5.99 (scale 2). The result
// has exponent −scale.
func Round(d decimal.Decimal, scale int32) decimal.Decimal {
	// decimal.Round truncates to scale+1 digits, adds ±5 and truncates
	// towards zero: exactly half away from zero. The property test checks
	// it against big.Rat.
	return d.Round(scale)
}

// ScaleFor is the scale of a currency: 0 when it is rounded (CLP), else 2.
func ScaleFor(rounded bool) int32 {
	if rounded {
		return 0
	}
	return 2
}

// fixed formats d with exactly places decimals (places ≥ 0), rounding
// half-up if needed; never scientific notation, independent of the
// decimal package's formatting globals.
func fixed(d decimal.Decimal, places int32) string {
	return d.StringFixed(places)
}
