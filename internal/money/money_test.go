package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

const (
	msgDec2  = "Ensure that there are no more than 2 decimal places."
	msgDec4  = "Ensure that there are no more than 4 decimal places."
	msgDec6  = "Ensure that there are no more than 6 decimal places."
	msgInt15 = "Ensure that there are no more than 15 digits before the decimal point."
	msgInt12 = "Ensure that there are no more than 12 digits before the decimal point."
)

type parseCase struct {
	in   any
	want string // exact String() of the result (coefficient and scale) when ok
	msg  string // expected FieldError message, "" when ok
}

func runParse(t *testing.T, name string, parse func(any) (decimal.Decimal, error), cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%T(%v)", name, tc.in, tc.in), func(t *testing.T) {
			got, err := parse(tc.in)
			if tc.msg != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Msg != tc.msg {
					t.Fatalf("%s(%#v) = %v, %v; want error %q", name, tc.in, got, err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s(%#v) error %v", name, tc.in, err)
			}
			if s := got.StringFixed(max(0, -got.Exponent())); s != tc.want {
				t.Fatalf("%s(%#v) = %s; want %s", name, tc.in, s, tc.want)
			}
		})
	}
}

// Inputs that are not numbers for every parser.
var notNumbers = []any{
	true, false, "abc", "", "  ", "1e5", json.Number("1e5"), json.Number("1E-2"), "NaN", "Infinity",
	"-", ".", "+5", "1.2.3", "1,5", "1 000", "0x10", "--1", "5-", "١٢", "−5", // U+2212 minus
	3.5, float32(1), map[string]any{}, []any{}, struct{}{}, json.Number(""),
}

func TestParseMoney(t *testing.T) {
	cases := []parseCase{
		{json.Number("500.00"), "500.00", ""},
		{"500.00", "500.00", ""},
		{json.Number("500"), "500.00", ""},
		{json.Number("0"), "0.00", ""},
		{json.Number("-0"), "0.00", ""},
		{"-0.00", "0.00", ""},
		{" 19.99 ", "19.99", ""},
		{"1.500", "1.50", ""}, // trailing zeros do not count as decimals
		{"1.5000000000", "1.50", ""},
		{"0.5", "0.50", ""},
		{".5", "0.50", ""},
		{"5.", "5.00", ""},
		{"007.50", "7.50", ""}, // leading zeros do not count as digits
		{"999999999999999.99", "999999999999999.99", ""},
		{"0000999999999999999", "999999999999999.00", ""},
		{int64(2000), "2000.00", ""},
		{42, "42.00", ""},
		{uint8(7), "7.00", ""},
		{int16(-0), "0.00", ""},
		{uint64(999999999999999), "999999999999999.00", ""},
		{uint64(1000000000000000), "", msgInt15},
		{decimal.RequireFromString("12.30"), "12.30", ""},
		{NewMoney(decimal.NewFromInt(3)), "3.00", ""},
		{"1.234", "", msgDec2},
		{json.Number("0.001"), "", msgDec2},
		{"-1.234", "", msgDec2}, // decimals are checked before the sign
		{"1000000000000000", "", msgInt15},
		{"1000000000000000.5", "", msgInt15},
		{"-5", "", MsgNonNegative},
		{json.Number("-0.01"), "", MsgNonNegative},
		{-1, "", MsgNonNegative},
		{nil, "", MsgNull},
	}
	for _, v := range notNumbers {
		cases = append(cases, parseCase{v, "", MsgInvalid})
	}
	runParse(t, "ParseMoney", ParseMoney, cases)
}

func TestParsePercent(t *testing.T) {
	cases := []parseCase{
		{json.Number("19"), "19", ""},
		{json.Number("19.0"), "19", ""},
		{"8.25", "8.25", ""},
		{"8.2500", "8.25", ""},
		{json.Number("0"), "0", ""},
		{json.Number("0.0000"), "0", ""},
		{json.Number("100"), "100", ""},
		{json.Number("100.0000"), "100", ""},
		{json.Number("0.0001"), "0.0001", ""},
		{"099.9999", "99.9999", ""},
		{json.Number("0.00001"), "", msgDec4},
		{json.Number("100.00001"), "", msgDec4},
		{json.Number("100.0001"), "", MsgMax100},
		{json.Number("101"), "", MsgMax100},
		{json.Number("1000"), "", MsgMax100},
		{json.Number("99999999999999999999999"), "", MsgMax100},
		{json.Number("-1"), "", MsgNonNegative},
		{json.Number("-1000"), "", MsgNonNegative},
		{json.Number("-0.0"), "0", ""},
		{nil, "", MsgNull},
	}
	for _, v := range notNumbers {
		cases = append(cases, parseCase{v, "", MsgInvalid})
	}
	runParse(t, "ParsePercent", ParsePercent, cases)
}

func TestParseQuantity(t *testing.T) {
	cases := []parseCase{
		{json.Number("4"), "4", ""},
		{json.Number("4.0"), "4.0", ""},
		{json.Number("4.00"), "4.00", ""},
		{json.Number("2.125"), "2.125", ""},
		{"2.125", "2.125", ""},
		{json.Number("0.000001"), "0.000001", ""},
		{json.Number("2.12500000"), "2.125000", ""}, // scale cut to 6
		{json.Number("999999999999.999999"), "999999999999.999999", ""},
		{"000000000000001", "1", ""},
		{json.Number("0.0000001"), "", msgDec6},
		{json.Number("1000000000000"), "", msgInt12},
		{json.Number("0"), "", MsgPositive},
		{json.Number("0.000"), "", MsgPositive},
		{json.Number("-0"), "", MsgPositive},
		{json.Number("-1"), "", MsgPositive},
		{nil, "", MsgNull},
	}
	for _, v := range notNumbers {
		cases = append(cases, parseCase{v, "", MsgInvalid})
	}
	runParse(t, "ParseQuantity", ParseQuantity, cases)
}

func TestRound(t *testing.T) {
	for _, tc := range []struct {
		in    string
		scale int32
		want  string
	}{
		{"2.5", 0, "3"}, {"-2.5", 0, "-3"}, {"2.4999", 0, "2"}, {"-2.4999", 0, "-2"},
		{"3.5", 0, "4"}, {"0.5", 0, "1"}, {"-0.5", 0, "-1"}, {"0.4", 0, "0"},
		{"5.997", 2, "6.00"}, {"3.627525", 2, "3.63"}, {"2398.5", 0, "2399"}, {"499.5", 0, "500"},
		{"8658.49", 0, "8658"}, {"10067.2268907563", 0, "10067"}, {"1.005", 2, "1.01"},
		{"1.004999", 2, "1.00"}, {"-1.005", 2, "-1.01"}, {"7", 2, "7.00"}, {"0", 2, "0.00"},
	} {
		got := Round(decimal.RequireFromString(tc.in), tc.scale)
		if s := got.StringFixed(tc.scale); s != tc.want || got.Exponent() != -tc.scale {
			t.Errorf("Round(%s, %d) = %s (exp %d); want %s", tc.in, tc.scale, s, got.Exponent(), tc.want)
		}
	}
}

func TestScaleFor(t *testing.T) {
	if ScaleFor(true) != 0 || ScaleFor(false) != 2 {
		t.Fatal("ScaleFor")
	}
}

func TestDecimalPlacesAndCheckScale(t *testing.T) {
	for in, want := range map[string]int32{"1.50": 1, "100": 0, "0.000": 0, "2.125": 3, "-0.01": 2} {
		if got := DecimalPlaces(decimal.RequireFromString(in)); got != want {
			t.Errorf("DecimalPlaces(%s) = %d, want %d", in, got, want)
		}
	}
	if got := DecimalPlaces(decimal.New(5, 3)); got != 0 {
		t.Errorf("DecimalPlaces(5e3) = %d", got)
	}
	if err := CheckScale(decimal.RequireFromString("10.00"), 0); err != nil {
		t.Errorf("CheckScale(10.00, 0) = %v", err)
	}
	err := CheckScale(decimal.RequireFromString("10.50"), 0)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Msg != "Ensure that there are no more than 0 decimal places." {
		t.Errorf("CheckScale(10.50, 0) = %v", err)
	}
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestMarshalJSON(t *testing.T) {
	type doc struct {
		Amount   Money     `json:"amount"`
		Zero     Money     `json:"zero"`
		Percent  Percent   `json:"percent"`
		PZero    Percent   `json:"pzero"`
		Qty      Quantity  `json:"qty"`
		Qty2     Quantity  `json:"qty2"`
		Optional *Money    `json:"optional"`
		List     []Percent `json:"list"`
	}
	v := doc{
		Amount:  NewMoney(d("2000")),
		Percent: NewPercent(d("8.2500")),
		PZero:   NewPercent(d("0.00")),
		Qty:     NewQuantity(d("4")),
		Qty2:    NewQuantity(d("2.125")),
		List:    []Percent{NewPercent(d("19")), NewPercent(decimal.New(1, 2))},
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"amount":2000.00,"zero":0.00,"percent":8.25,"pzero":0,"qty":4.0,"qty2":2.125,"optional":null,"list":[19,100]}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	for in, want := range map[string]string{"119000": "119000.00", "0.5": "0.50", "1.005": "1.01", "-3": "-3.00"} {
		if got := NewMoney(d(in)).String(); got != want {
			t.Errorf("Money(%s) = %s, want %s", in, got, want)
		}
	}
	if got := NewQuantity(decimal.New(4, 1)).String(); got != "40.0" {
		t.Errorf("Quantity(4e1) = %s", got)
	}
	if got := fmt.Sprintf("%v|%s|%6v|%.1f|%q", NewMoney(d("5")), NewPercent(d("8.50")), NewQuantity(d("4")), NewMoney(d("5")), NewMoney(d("1"))); got != `5.00|8.5|   4.0|5.0|"1.00"` {
		t.Errorf("fmt = %s", got)
	}
}

func TestUnmarshalJSON(t *testing.T) {
	type body struct {
		Amount  Money    `json:"amount"`
		Percent Percent  `json:"percent"`
		Qty     Quantity `json:"qty"`
		Opt     *Money   `json:"opt"`
	}
	var b body
	if err := json.Unmarshal([]byte(`{"amount":"500.00","percent":19.00,"qty":4,"opt":null}`), &b); err != nil {
		t.Fatal(err)
	}
	want := body{Amount: NewMoney(d("500")), Percent: NewPercent(d("19")), Qty: NewQuantity(d("4"))}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Fatalf("(-want +got)\n%s", diff)
	}
	if b.Qty.String() != "4.0" || b.Amount.String() != "500.00" || b.Percent.String() != "19" {
		t.Fatalf("got %v %v %v", b.Amount, b.Percent, b.Qty)
	}
	// null leaves the value unchanged.
	b2 := body{Amount: NewMoney(d("7"))}
	if err := json.Unmarshal([]byte(`{"amount":null}`), &b2); err != nil || b2.Amount.String() != "7.00" {
		t.Fatalf("null: %v %v", b2.Amount, err)
	}
	for _, tc := range []struct{ in, msg string }{
		{`{"amount":true}`, MsgInvalid},
		{`{"amount":{}}`, MsgInvalid},
		{`{"amount":[1]}`, MsgInvalid},
		{`{"amount":"abc"}`, MsgInvalid},
		{`{"amount":1e5}`, MsgInvalid},
		{`{"amount":-1}`, MsgNonNegative},
		{`{"amount":"1.234"}`, msgDec2},
		{`{"percent":101}`, MsgMax100},
		{`{"qty":0}`, MsgPositive},
	} {
		var b body
		err := json.Unmarshal([]byte(tc.in), &b)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Msg != tc.msg {
			t.Errorf("Unmarshal(%s) error = %v, want %q", tc.in, err, tc.msg)
		}
	}
	var m Money
	if err := m.UnmarshalText([]byte("12.5")); err != nil || m.String() != "12.50" {
		t.Errorf("UnmarshalText: %v %v", m, err)
	}
}

func TestSQL(t *testing.T) {
	check := func(name string, got any, err error, want string) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s Value() = %#v, %v; want %q", name, got, err, want)
		}
	}
	v, err := NewMoney(d("2000")).Value()
	check("money", v, err, "2000.00")
	v, err = NewMoney(d("0.125")).Value()
	check("money with 3 decimals", v, err, "0.125")
	v, err = NewPercent(d("8.2500")).Value()
	check("percent", v, err, "8.25")
	v, err = NewQuantity(d("4")).Value()
	check("quantity", v, err, "4.0")
	v, err = NewQuantity(d("2.12500")).Value()
	check("quantity scale", v, err, "2.12500")

	var q Quantity
	for src, want := range map[any]string{"4.0": "4.0", "2.125": "2.125", int64(3): "3.0", "-1.50": "-1.50"} {
		if err := q.Scan(src); err != nil || q.String() != want {
			t.Errorf("Quantity.Scan(%#v) = %v, %v; want %s", src, q, err, want)
		}
	}
	var m Money
	if err := m.Scan([]byte("119000.00")); err != nil || m.String() != "119000.00" {
		t.Errorf("Money.Scan([]byte) = %v, %v", m, err)
	}
	var p Percent
	if err := p.Scan("19.0000"); err != nil || p.String() != "19" {
		t.Errorf("Percent.Scan = %v, %v", p, err)
	}
	for _, src := range []any{1.5, float32(1), nil, "abc", "1e3", true, "NaN"} {
		if err := m.Scan(src); err == nil {
			t.Errorf("Money.Scan(%#v) accepted", src)
		}
	}
}

// ------------------------------------------------------------- properties

// genDecimal draws a decimal with a big coefficient and an exponent in
// [-12, 3].
func genDecimal(t *rapid.T) decimal.Decimal {
	hi := rapid.Int64().Draw(t, "hi")
	lo := rapid.Uint64().Draw(t, "lo")
	small := rapid.Int64Range(-100000, 100000).Draw(t, "small")
	var c *big.Int
	if rapid.Bool().Draw(t, "big") {
		c = new(big.Int).Lsh(big.NewInt(hi), 64)
		c.Add(c, new(big.Int).SetUint64(lo))
	} else {
		c = big.NewInt(small)
	}
	exp := rapid.Int32Range(-12, 3).Draw(t, "exp")
	return decimal.NewFromBigInt(c, exp)
}

// roundRef rounds x half away from zero to scale decimals with big.Rat and
// returns the rounded value times 10^scale.
func roundRef(x *big.Rat, scale int32) *big.Int {
	p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	y := new(big.Rat).Mul(x, p)
	abs := new(big.Rat).Abs(y)
	abs.Add(abs, big.NewRat(1, 2))
	q := new(big.Int).Quo(abs.Num(), abs.Denom()) // floor(|y| + 1/2)
	if y.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

func TestRoundProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x := genDecimal(t)
		scale := rapid.Int32Range(0, 6).Draw(t, "scale")
		got := Round(x, scale)
		if got.Exponent() != -scale {
			t.Fatalf("Round(%s, %d) exponent %d", x, scale, got.Exponent())
		}
		want := roundRef(x.Rat(), scale)
		if got.Coefficient().Cmp(want) != 0 {
			t.Fatalf("Round(%s, %d) = %s; want %s e-%d", x, scale, got, want, scale)
		}
	})
}

func TestFormatParseRoundTrip(t *testing.T) {
	t.Run("Money", func(t *testing.T) { rapid.Check(t, moneyRoundTrip) })
	t.Run("Percent", func(t *testing.T) { rapid.Check(t, percentRoundTrip) })
	t.Run("Quantity", func(t *testing.T) { rapid.Check(t, quantityRoundTrip) })
}

func moneyRoundTrip(t *rapid.T) {
	s := rapid.StringMatching(`[0-9]{1,15}(\.[0-9]{0,2})?`).Draw(t, "money")
	v, err := ParseMoney(json.Number(s))
	if err != nil {
		t.Fatalf("ParseMoney(%s): %v", s, err)
	}
	b, _ := NewMoney(v).MarshalJSON()
	back, err := ParseMoney(json.Number(b))
	if err != nil || !back.Equal(v) || NewMoney(back).String() != string(b) {
		t.Fatalf("money %s → %s → %v, %v", s, b, back, err)
	}
	sv, _ := NewMoney(v).Value()
	var m Money
	if err := m.Scan(sv); err != nil || m.String() != string(b) {
		t.Fatalf("money db %v → %v, %v", sv, m, err)
	}
}

func percentRoundTrip(t *rapid.T) {
	s := rapid.StringMatching(`[0-9]{1,2}(\.[0-9]{0,4})?|100(\.0{0,4})?`).Draw(t, "percent")
	v, err := ParsePercent(json.Number(s))
	if err != nil {
		t.Fatalf("ParsePercent(%s): %v", s, err)
	}
	b, _ := NewPercent(v).MarshalJSON()
	if strings.Contains(string(b), ".") && strings.HasSuffix(string(b), "0") {
		t.Fatalf("percent %s has trailing zeros: %s", s, b)
	}
	back, err := ParsePercent(json.Number(b))
	if err != nil || !back.Equal(v) || NewPercent(back).String() != string(b) {
		t.Fatalf("percent %s → %s → %v, %v", s, b, back, err)
	}
}

func quantityRoundTrip(t *rapid.T) {
	s := rapid.StringMatching(`[1-9][0-9]{0,11}(\.[0-9]{0,6})?`).Draw(t, "quantity")
	v, err := ParseQuantity(json.Number(s))
	if err != nil {
		t.Fatalf("ParseQuantity(%s): %v", s, err)
	}
	b, _ := NewQuantity(v).MarshalJSON()
	// Echoed as sent, at least one decimal.
	want := s
	if !strings.Contains(s, ".") {
		want += ".0"
	} else if strings.HasSuffix(s, ".") {
		want += "0"
	}
	if string(b) != want {
		t.Fatalf("quantity %s marshals to %s, want %s", s, b, want)
	}
	back, err := ParseQuantity(json.Number(b))
	if err != nil || NewQuantity(back).String() != string(b) {
		t.Fatalf("quantity %s → %s → %v, %v", s, b, back, err)
	}
	sv, _ := NewQuantity(v).Value()
	var q Quantity
	if err := q.Scan(sv); err != nil || q.String() != string(b) {
		t.Fatalf("quantity db %v → %v, %v", sv, q, err)
	}
}

// --------------------------------------------------------------- fuzzing

var fuzzSeeds = []string{
	"500.00", "500", "0", "-0", "-1", "1.500", "1.505", "1e5", "abc", "", " 7 ", ".5", "5.",
	"999999999999999.99", "1000000000000000", "0.000001", "2.12500000", "100", "-0.00", "00012.3400",
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	limit := decimal.New(1, MoneyIntegerDigits)
	f.Fuzz(func(t *testing.T, s string) {
		for _, raw := range []any{s, json.Number(s)} {
			v, err := ParseMoney(raw)
			if err != nil {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Msg == "" {
					t.Fatalf("ParseMoney(%#v): unexpected error %T %v", raw, err, err)
				}
				continue
			}
			if DecimalPlaces(v) > 2 || v.Exponent() != -2 || v.IsNegative() || v.Cmp(limit) >= 0 {
				t.Fatalf("ParseMoney(%#v) = %s out of bounds", raw, v)
			}
			b, err := json.Marshal(Money{v})
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseMoney(json.Number(b))
			if err != nil || !back.Equal(v) {
				t.Fatalf("ParseMoney(%#v) = %s marshals to %s, which parses to %s, %v", raw, v, b, back, err)
			}
			var m Money
			if err := json.Unmarshal(b, &m); err != nil || !m.Decimal.Equal(v) {
				t.Fatalf("Unmarshal(%s) = %v, %v", b, m, err)
			}
		}
	})
}

func FuzzParseQuantity(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	limit := decimal.New(1, QuantityIntegerDigits)
	f.Fuzz(func(t *testing.T, s string) {
		for _, raw := range []any{s, json.Number(s)} {
			v, err := ParseQuantity(raw)
			if err != nil {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Msg == "" {
					t.Fatalf("ParseQuantity(%#v): unexpected error %T %v", raw, err, err)
				}
				continue
			}
			if v.Exponent() < -QuantityDecimals || v.Exponent() > 0 || v.Sign() <= 0 || v.Cmp(limit) >= 0 {
				t.Fatalf("ParseQuantity(%#v) = %s (exp %d) out of bounds", raw, v, v.Exponent())
			}
			b, err := json.Marshal(Quantity{v})
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseQuantity(json.Number(b))
			if err != nil || !back.Equal(v) || NewQuantity(back).String() != string(b) {
				t.Fatalf("ParseQuantity(%#v) = %s marshals to %s, which parses to %s, %v", raw, v, b, back, err)
			}
			if !strings.Contains(string(b), ".") {
				t.Fatalf("quantity %s written without a decimal", b)
			}
		}
	})
}
