package money

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

// Money is an amount in the API's output format: a bare JSON number with
// exactly two decimals (2000 → 2000.00, 0 → 0.00), also for currencies that
// round to whole units (docs/conventions.md#7-data-types). Values are expected to be rounded
// already (see [Round]); formatting rounds half-up to 2 decimals as a
// safety net.
//
// In the database it is decimal text: two decimals, or more if the value
// has more (storage never loses digits).
type Money struct{ decimal.Decimal }

// Percent is a percentage written without trailing zeros: 19, 8.25, 0.
// In the database it is the same text.
type Percent struct{ decimal.Decimal }

// Quantity is written with the scale it carries, at least one decimal:
// 4 → 4.0, 4.00 → 4.00, 2.125 → 2.125. [ParseQuantity] keeps the scale the
// value was sent with, so quantities are echoed as sent. In the database
// it is the same text, so the scale survives a round trip.
type Quantity struct{ decimal.Decimal }

// NewMoney wraps d.
func NewMoney(d decimal.Decimal) Money { return Money{d} }

// NewPercent wraps d.
func NewPercent(d decimal.Decimal) Percent { return Percent{d} }

// NewQuantity wraps d.
func NewQuantity(d decimal.Decimal) Quantity { return Quantity{d} }

// String is the output form: 2000.00.
func (m Money) String() string { return fixed(m.Decimal, 2) }

// String is the output form: 19, 8.25, 0.
func (p Percent) String() string { return fixed(p.Decimal, DecimalPlaces(p.Decimal)) }

// String is the output form: 4.0, 2.125.
func (q Quantity) String() string { return fixed(q.Decimal, max(1, -q.Exponent())) }

// Format makes %v, %s and %q print the output form (String); other verbs
// (%f, %.2f, %#v) behave as for decimal.Decimal.
func (m Money) Format(f fmt.State, verb rune) { format(f, verb, m.Decimal, m.String()) }

// Format: see [Money.Format].
func (p Percent) Format(f fmt.State, verb rune) { format(f, verb, p.Decimal, p.String()) }

// Format: see [Money.Format].
func (q Quantity) Format(f fmt.State, verb rune) { format(f, verb, q.Decimal, q.String()) }

func format(f fmt.State, verb rune, d decimal.Decimal, s string) {
	switch {
	case verb == 'v' && !f.Flag('#'):
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, 's'), s)
	case verb == 's' || verb == 'q':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), s)
	default:
		d.Format(f, verb)
	}
}

// Equal compares values (not scales): NewQuantity(4.0).Equal(NewQuantity(4.00)).
// It also lets go-cmp compare structs holding these types. For the
// embedded decimal's Equal use m.Decimal.Equal.
func (m Money) Equal(o Money) bool { return m.Decimal.Equal(o.Decimal) }

// Equal compares values.
func (p Percent) Equal(o Percent) bool { return p.Decimal.Equal(o.Decimal) }

// Equal compares values (4.0 equals 4.00).
func (q Quantity) Equal(o Quantity) bool { return q.Decimal.Equal(o.Decimal) }

// MarshalJSON writes a bare JSON number: 2000.00.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// MarshalJSON writes a bare JSON number: 8.25.
func (p Percent) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// MarshalJSON writes a bare JSON number: 4.0.
func (q Quantity) MarshalJSON() ([]byte, error) { return []byte(q.String()), nil }

// MarshalText writes the output form (used for map keys, form values…).
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// MarshalText writes the output form.
func (p Percent) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText writes the output form.
func (q Quantity) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalJSON accepts a JSON number or a numeric string and validates it
// with [ParseMoney]; the error is a *FieldError. A JSON null leaves m
// unchanged (the encoding/json convention; use *Money to detect null).
func (m *Money) UnmarshalJSON(b []byte) error { return unmarshalJSON(b, ParseMoney, &m.Decimal) }

// UnmarshalJSON accepts a JSON number or a numeric string, validated by
// [ParsePercent]. null leaves p unchanged.
func (p *Percent) UnmarshalJSON(b []byte) error { return unmarshalJSON(b, ParsePercent, &p.Decimal) }

// UnmarshalJSON accepts a JSON number or a numeric string, validated by
// [ParseQuantity]. null leaves q unchanged.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	return unmarshalJSON(b, ParseQuantity, &q.Decimal)
}

// UnmarshalText validates text with [ParseMoney].
func (m *Money) UnmarshalText(b []byte) error { return unmarshalText(b, ParseMoney, &m.Decimal) }

// UnmarshalText validates text with [ParsePercent].
func (p *Percent) UnmarshalText(b []byte) error { return unmarshalText(b, ParsePercent, &p.Decimal) }

// UnmarshalText validates text with [ParseQuantity].
func (q *Quantity) UnmarshalText(b []byte) error {
	return unmarshalText(b, ParseQuantity, &q.Decimal)
}

type parseFunc func(any) (decimal.Decimal, error)

func unmarshalJSON(b []byte, parse parseFunc, dst *decimal.Decimal) error {
	b = bytes.TrimSpace(b)
	var raw any
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fieldErr(MsgInvalid)
		}
		raw = s
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		raw = json.Number(b)
	default: // true, false, objects, arrays
		return fieldErr(MsgInvalid)
	}
	d, err := parse(raw)
	if err != nil {
		return err
	}
	*dst = d
	return nil
}

func unmarshalText(b []byte, parse parseFunc, dst *decimal.Decimal) error {
	d, err := parse(string(b))
	if err != nil {
		return err
	}
	*dst = d
	return nil
}

// Value stores decimal text: "2000.00" (more decimals only if the value
// has them).
func (m Money) Value() (driver.Value, error) {
	return fixed(m.Decimal, max(2, DecimalPlaces(m.Decimal))), nil
}

// Value stores decimal text without trailing zeros: "19", "8.25".
func (p Percent) Value() (driver.Value, error) { return p.String(), nil }

// Value stores decimal text with the quantity's scale: "4.0", "2.125".
func (q Quantity) Value() (driver.Value, error) { return q.String(), nil }

// Scan reads decimal text (string or []byte, as SQLite TEXT and
// PostgreSQL NUMERIC arrive) or an int64. Floats are refused: money never
// goes through binary floating point. NULL is refused; scan into *Money or
// sql.Null[Money] for nullable columns.
func (m *Money) Scan(src any) error { return scan(src, &m.Decimal, "Money") }

// Scan reads decimal text or an int64 (see [Money.Scan]).
func (p *Percent) Scan(src any) error { return scan(src, &p.Decimal, "Percent") }

// Scan reads decimal text or an int64 (see [Money.Scan]). The scale of the
// text is kept.
func (q *Quantity) Scan(src any) error { return scan(src, &q.Decimal, "Quantity") }

func scan(src any, dst *decimal.Decimal, typ string) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case int64:
		*dst = decimal.NewFromInt(v)
		return nil
	case nil:
		return fmt.Errorf("money: cannot scan NULL into %s", typ)
	default:
		return fmt.Errorf("money: cannot scan %T into %s (decimal text or int64 expected)", src, typ)
	}
	n, ok := scanNumber(s)
	if !ok {
		return fmt.Errorf("money: cannot scan %q into %s: not a decimal", s, typ)
	}
	*dst = n.build(len(n.frac))
	return nil
}

// Compile-time checks.
var (
	_ json.Marshaler   = Money{}
	_ json.Unmarshaler = (*Money)(nil)
	_ driver.Valuer    = Money{}
	_ sql.Scanner      = (*Money)(nil)
	_ sql.Scanner      = (*Percent)(nil)
	_ sql.Scanner      = (*Quantity)(nil)
	_ json.Marshaler   = Percent{}
	_ json.Unmarshaler = (*Percent)(nil)
	_ driver.Valuer    = Percent{}
	_ json.Marshaler   = Quantity{}
	_ json.Unmarshaler = (*Quantity)(nil)
	_ driver.Valuer    = Quantity{}
)
