package totals

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/cobrobilling/cobro/internal/money"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// out formats a money value as the API writes it (two decimals) or "null".
func out(d *decimal.Decimal) string {
	if d == nil {
		return "null"
	}
	return d.StringFixed(2)
}

func p(d decimal.Decimal) *decimal.Decimal { return &d }

// summary flattens a Result into "field → API text" for digit-for-digit
// comparisons.
func summary(r Result) map[string]string {
	m := map[string]string{
		"A0": out(p(r.A0)), "E0": out(p(r.E0)), "dA": out(p(r.DA)), "dE": out(p(r.DE)),
		"A1": out(p(r.A1)), "E1": out(p(r.E1)),
		"amount": out(p(r.Amount)), "vat": out(p(r.VAT)), "exempt": out(r.Exempt), "tax": out(r.Tax),
		"retention": out(r.Retention), "subtotal": out(p(r.Subtotal)), "total": out(p(r.Total)),
	}
	for i, l := range r.Lines {
		k := fmt.Sprintf("lines[%d].", i)
		m[k+"gross"] = out(p(l.Gross))
		m[k+"discount"] = out(p(l.Discount))
		m[k+"total"] = out(p(l.Total))
		m[k+"exempt"] = fmt.Sprint(l.Exempt)
		m[k+"tax"] = out(l.Tax)
		m[k+"retention"] = out(l.Retention)
	}
	return m
}

// checkSummary compares the keys of want (a subset) with the result.
func checkSummary(t *testing.T, r Result, want map[string]string) {
	t.Helper()
	got := summary(r)
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing, want %s", k, w))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s = %s, want %s", k, g, w))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("mismatches:\n  %s", strings.Join(diffs, "\n  "))
	}
}

func TestWorkedExamples(t *testing.T) {
	cases := []struct {
		name string
		doc  Doc
		want map[string]string
	}{
		{
			// docs/conventions.md#8-totals-formula "the seed's order example" (docs/documents.md#4-orders).
			name: "order example USD",
			doc: Doc{Scale: 2, TaxPercent: dec("0"), Lines: []Line{
				{Quantity: dec("4.0"), Amount: dec("500.00")},
			}},
			want: map[string]string{
				"lines[0].gross": "2000.00", "lines[0].discount": "0.00", "lines[0].total": "2000.00",
				"lines[0].tax": "null", "lines[0].retention": "null", "lines[0].exempt": "false",
				"A0": "2000.00", "E0": "0.00", "dA": "0.00", "dE": "0.00",
				"amount": "2000.00", "exempt": "null", "tax": "null", "retention": "null",
				"subtotal": "2000.00", "total": "2000.00",
			},
		},
		{
			// docs/conventions.md#8-totals-formula and docs/documents.md#19-example.
			name: "US invoice r=8.25",
			doc: Doc{Scale: 2, TaxPercent: dec("8.25"), Discount: dec("10.00"), DiscountScheme: "$", Lines: []Line{
				{Quantity: dec("3"), Amount: dec("19.99"), Discount: dec("10")},
				{Quantity: dec("1"), Amount: dec("100.00"), Exempt: true},
			}},
			want: map[string]string{
				"lines[0].gross": "59.97", "lines[0].discount": "6.00", "lines[0].total": "53.97",
				"lines[0].tax": "null", "lines[0].retention": "null",
				"lines[1].gross": "100.00", "lines[1].discount": "0.00", "lines[1].total": "100.00",
				"lines[1].exempt": "true", "A0": "53.97", "E0": "100.00", "dA": "10.00", "dE": "0.00",
				"A1": "43.97", "E1": "100.00",
				"amount": "43.97", "vat": "3.63", "exempt": "100.00", "tax": "3.63", "retention": "null",
				"subtotal": "143.97", "total": "147.60",
			},
		},
		{
			name: "CL33 factura",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Discount: dec("5"), DiscountScheme: "%", Lines: []Line{
				{Quantity: dec("3"), Amount: dec("15990")},
				{Quantity: dec("1"), Amount: dec("9990"), Exempt: true},
			}},
			want: map[string]string{
				"lines[0].total": "47970.00", "lines[1].total": "9990.00",
				"A0": "47970.00", "E0": "9990.00", "dA": "2399.00", "dE": "500.00",
				"amount": "45571.00", "exempt": "9490.00", "vat": "8658.00", "tax": "8658.00",
				"retention": "null", "subtotal": "55061.00", "total": "63719.00",
			},
		},
		{
			name: "CL39 boleta tax-inclusive lines",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), LinesIncludeTax: true, Lines: []Line{
				{Quantity: dec("2"), Amount: dec("5990")},
			}},
			want: map[string]string{
				"lines[0].gross": "11980.00", "lines[0].total": "11980.00",
				"A0": "11980.00", "A1": "11980.00", "amount": "10067.00", "vat": "1913.00",
				"exempt": "null", "tax": "1913.00", "retention": "null",
				"subtotal": "10067.00", "total": "11980.00",
			},
		},
		{
			name: "CL46 factura de compra, tax retention 100",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Lines: []Line{
				{Quantity: dec("10"), Amount: dec("1000"), RetentionScheme: "tax", RetentionPercent: dec("100")},
			}},
			want: map[string]string{
				"lines[0].total": "10000.00", "lines[0].retention": "1900.00", "lines[0].tax": "null",
				"amount": "10000.00", "exempt": "null", "tax": "1900.00", "retention": "1900.00",
				"subtotal": "10000.00", "total": "10000.00",
			},
		},
		{
			// docs/documents.md#25-example (and the debit note of docs/documents.md#35-example).
			name: "credit note r=8.25",
			doc: Doc{Scale: 2, TaxPercent: dec("8.25"), Lines: []Line{
				{Quantity: dec("1"), Amount: dec("19.99")},
			}},
			want: map[string]string{
				"lines[0].total": "19.99", "lines[0].tax": "null",
				"amount": "19.99", "exempt": "null", "tax": "1.65", "subtotal": "19.99", "total": "21.64",
				"retention": "null",
			},
		},
		{
			// docs/procurement.md#25-example.
			name: "US5 purchase",
			doc: Doc{Scale: 2, TaxPercent: dec("0"), Lines: []Line{
				{Quantity: dec("10"), Amount: dec("45.50")},
				{Quantity: dec("1"), Amount: dec("120.00"), Exempt: true},
			}},
			want: map[string]string{
				"lines[0].total": "455.00", "lines[1].total": "120.00",
				"amount": "455.00", "exempt": "120.00", "tax": "null", "subtotal": "575.00",
				"total": "575.00", "retention": "null",
			},
		},
		{
			// CL34 factura exenta: every line is exempt, exempt: false included.
			name: "CL34 all exempt",
			doc: Doc{Scale: 0, TaxPercent: dec("0"), AllExempt: true, Discount: dec("1000"), DiscountScheme: "$", Lines: []Line{
				{Quantity: dec("2"), Amount: dec("5000")},
				{Quantity: dec("1"), Amount: dec("2500"), Exempt: true},
			}},
			want: map[string]string{
				"lines[0].exempt": "true", "lines[1].exempt": "true",
				"A0": "0.00", "E0": "12500.00", "dA": "0.00", "dE": "1000.00",
				"amount": "0.00", "vat": "0.00", "exempt": "11500.00", "tax": "null",
				"subtotal": "11500.00", "total": "11500.00", "retention": "null",
			},
		},
		{
			// L4: extra line tax before the global discount, added to the document tax.
			name: "line tax_percent",
			doc: Doc{Scale: 2, TaxPercent: dec("10"), Discount: dec("10"), Lines: []Line{
				{Quantity: dec("1"), Amount: dec("33.33"), TaxPercent: dec("5.5")},
				{Quantity: dec("2"), Amount: dec("10.00")},
			}},
			want: map[string]string{
				"lines[0].tax": "1.83", // 1.83315
				"lines[1].tax": "null",
				"A0":           "53.33", "dA": "5.33", // 5.333
				"amount": "48.00", "vat": "4.80", "tax": "6.63", "exempt": "null",
				"subtotal": "48.00", "total": "54.63",
			},
		},
		{
			// L4 alone makes tax non-null with r = 0.
			name: "line tax_percent with r=0",
			doc: Doc{Scale: 0, TaxPercent: dec("0"), Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1005"), TaxPercent: dec("10")},
			}},
			want: map[string]string{
				"lines[0].tax": "101.00", // 100.5 → 101
				"amount":       "1005.00", "vat": "0.00", "tax": "101.00", "total": "1106.00",
			},
		},
		{
			// L5 subtotal scheme (default), computed on the line total before the global discount.
			name: "retention subtotal scheme",
			doc: Doc{Scale: 2, TaxPercent: dec("8.25"), Discount: dec("5.00"), DiscountScheme: "$", Lines: []Line{
				{Quantity: dec("1.5"), Amount: dec("66.67"), RetentionPercent: dec("10")},
				{Quantity: dec("1"), Amount: dec("20.00"), RetentionPercent: dec("12.5"), RetentionScheme: "subtotal"},
				{Quantity: dec("1"), Amount: dec("3.00")},
			}},
			want: map[string]string{
				// gross 100.005 → 100.01; retention 10.001 → 10.00; vat 9.735825 → 9.74
				"lines[0].gross": "100.01", "lines[0].retention": "10.00",
				"lines[1].retention": "2.50", "lines[2].retention": "null",
				"A0": "123.01", "dA": "5.00", "amount": "118.01", "vat": "9.74",
				"tax": "9.74", "retention": "12.50", "subtotal": "118.01", "total": "115.25",
			},
		},
		{
			// L5 tax scheme with a partial rate.
			name: "retention tax scheme partial",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Lines: []Line{
				{Quantity: dec("3"), Amount: dec("333"), RetentionScheme: "tax", RetentionPercent: dec("50")},
			}},
			want: map[string]string{
				// retention 999 × 19 × 50 / 10000 = 94.905 → 95; tax 189.81 → 190
				"lines[0].retention": "95.00", "amount": "999.00", "tax": "190.00",
				"retention": "95.00", "total": "1094.00",
			},
		},
		{
			// L5 tax scheme at scale 2 with an extra line tax (not part of the base).
			name: "retention tax scheme USD",
			doc: Doc{Scale: 2, TaxPercent: dec("8.25"), Lines: []Line{
				{Quantity: dec("1"), Amount: dec("10.01"), TaxPercent: dec("1"), RetentionScheme: "tax", RetentionPercent: dec("100")},
				{Quantity: dec("1"), Amount: dec("5.00"), Exempt: true, RetentionScheme: "tax", RetentionPercent: dec("50")},
			}},
			want: map[string]string{
				// 10.01 × 8.25 × 100 / 10000 = 0.825825; 5 × 8.25 × 50 / 10000 = 0.20625
				"lines[0].retention": "0.83", "lines[0].tax": "0.10", "lines[1].retention": "0.21",
				"amount": "10.01", "exempt": "5.00", "vat": "0.83", "tax": "0.93",
				"retention": "1.04", "subtotal": "15.01", "total": "14.90",
			},
		},
		{
			// D4 second form with an exempt line and a % global discount.
			name: "tax-inclusive with exempt and discount",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), LinesIncludeTax: true, Discount: dec("10"), Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1190")},
				{Quantity: dec("1"), Amount: dec("500"), Exempt: true},
			}},
			want: map[string]string{
				"dA": "119.00", "dE": "50.00", "A1": "1071.00", "amount": "900.00", "vat": "171.00",
				"exempt": "450.00", "tax": "171.00", "subtotal": "1350.00", "total": "1521.00",
			},
		},
		{
			// Half-up at L1 on a fractional quantity, scale 0.
			name: "fractional quantity CLP",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Lines: []Line{
				{Quantity: dec("0.5"), Amount: dec("1001")},
				{Quantity: dec("2"), Amount: dec("100"), Discount: dec("50"), DiscountScheme: "$"},
			}},
			want: map[string]string{
				// gross 500.5 → 501; tax 123.69 → 124
				"lines[0].gross": "501.00", "lines[1].discount": "50.00", "lines[1].total": "150.00",
				"amount": "651.00", "tax": "124.00", "total": "775.00",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, errs := Compute(tc.doc)
			if len(errs) != 0 {
				t.Fatalf("unexpected errors %v", errs)
			}
			checkSummary(t, r, tc.want)
			checkInvariants(t, tc.doc, r)
		})
	}
}

func TestErrors(t *testing.T) {
	line := func(q, a string) Line { return Line{Quantity: dec(q), Amount: dec(a)} }
	cases := []struct {
		name string
		doc  Doc
		want []Error
	}{
		{
			name: "line $ discount above gross",
			doc: Doc{Scale: 2, Lines: []Line{
				line("1", "10.00"),
				{Quantity: dec("2"), Amount: dec("5.00"), Discount: dec("10.01"), DiscountScheme: "$"},
			}},
			want: []Error{{1, "discount", "Discount cannot exceed the line amount."}},
		},
		{
			name: "line $ discount equal to gross is fine",
			doc: Doc{Scale: 2, Lines: []Line{
				{Quantity: dec("2"), Amount: dec("5.00"), Discount: dec("10.00"), DiscountScheme: "$"},
			}},
		},
		{
			name: "line % discount above 100",
			doc: Doc{Scale: 2, Lines: []Line{
				{Quantity: dec("1"), Amount: dec("5.00"), Discount: dec("100.0001")},
			}},
			want: []Error{{0, "discount", "Ensure this value is less than or equal to 100."}},
		},
		{
			name: "line % discount 100 is fine",
			doc: Doc{Scale: 2, Lines: []Line{
				{Quantity: dec("1"), Amount: dec("5.00"), Discount: dec("100"), DiscountScheme: "%"},
			}},
		},
		{
			name: "global % discount above 100",
			doc:  Doc{Scale: 0, Discount: dec("101"), Lines: []Line{line("1", "100")}},
			want: []Error{{-1, "discount", "Ensure this value is less than or equal to 100."}},
		},
		{
			name: "global $ discount above the document amount",
			doc: Doc{Scale: 2, Discount: dec("30.01"), DiscountScheme: "$", Lines: []Line{
				line("1", "10.00"), {Quantity: dec("1"), Amount: dec("20.00"), Exempt: true},
			}},
			want: []Error{{-1, "discount", "Discount cannot exceed the document amount."}},
		},
		{
			name: "global $ discount equal to the document amount is fine",
			doc: Doc{Scale: 2, Discount: dec("30.00"), DiscountScheme: "$", Lines: []Line{
				line("1", "10.00"), {Quantity: dec("1"), Amount: dec("20.00"), Exempt: true},
			}},
		},
		{
			name: "global % discount with a tax retention",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Discount: dec("5"), Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1000"), RetentionScheme: "tax", RetentionPercent: dec("100")},
			}},
			want: []Error{{-1, "discount", "A global discount cannot be combined with tax-based retentions."}},
		},
		{
			name: "global $ discount with a tax-scheme line (rate 0)",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Discount: dec("5"), DiscountScheme: "$", Lines: []Line{
				line("1", "1000"),
				{Quantity: dec("1"), Amount: dec("1000"), RetentionScheme: "tax"},
			}},
			want: []Error{{-1, "discount", "A global discount cannot be combined with tax-based retentions."}},
		},
		{
			name: "zero global discount with a tax retention is fine",
			doc: Doc{Scale: 0, TaxPercent: dec("19"), Discount: dec("0"), DiscountScheme: "$", Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1000"), RetentionScheme: "tax", RetentionPercent: dec("100")},
			}},
		},
		{
			name: "$ discounts with more decimals than the currency scale",
			doc: Doc{Scale: 0, Discount: dec("0.50"), DiscountScheme: "$", Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1000"), Discount: dec("1.5"), DiscountScheme: "$"},
			}},
			want: []Error{
				{0, "discount", "Ensure that there are no more than 0 decimal places."},
				{-1, "discount", "Ensure that there are no more than 0 decimal places."},
			},
		},
		{
			name: "invalid schemes",
			doc: Doc{Scale: 2, DiscountScheme: "x", Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1"), DiscountScheme: "pct", RetentionScheme: "total"},
			}},
			want: []Error{
				{0, "discount_scheme", `"pct" is not a valid choice.`},
				{0, "retention_scheme", `"total" is not a valid choice.`},
				{-1, "discount_scheme", `"x" is not a valid choice.`},
			},
		},
		{
			name: "several errors in order",
			doc: Doc{Scale: 2, Discount: dec("1000"), DiscountScheme: "$", Lines: []Line{
				{Quantity: dec("1"), Amount: dec("1"), Discount: dec("150")},
				{Quantity: dec("1"), Amount: dec("1"), Discount: dec("2"), DiscountScheme: "$"},
				{Quantity: dec("1"), Amount: dec("1"), RetentionScheme: "tax", RetentionPercent: dec("10")},
			}},
			want: []Error{
				{0, "discount", "Ensure this value is less than or equal to 100."},
				{1, "discount", "Discount cannot exceed the line amount."},
				{-1, "discount", "Discount cannot exceed the document amount."},
				{-1, "discount", "A global discount cannot be combined with tax-based retentions."},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := Compute(tc.doc)
			if diff := cmp.Diff(tc.want, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	if got := (Error{2, "discount", "m"}).Error(); got != "lines[2].discount: m" {
		t.Errorf("got %q", got)
	}
	if got := (Error{-1, "discount", "m"}).Error(); got != "discount: m" {
		t.Errorf("got %q", got)
	}
}

// TestTaxInclusiveHalf checks that D4's tax-inclusive division rounds an
// exact tie up: A1 = 0.21, r = 100 → 0.21 × 100 / 200 = 0.105 → 0.11.
func TestTaxInclusiveHalf(t *testing.T) {
	r, errs := Compute(Doc{Scale: 2, TaxPercent: dec("100"), LinesIncludeTax: true, Lines: []Line{
		{Quantity: dec("1"), Amount: dec("0.21")},
	}})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	checkSummary(t, r, map[string]string{"amount": "0.11", "vat": "0.10", "tax": "0.10", "total": "0.21"})
}

// ------------------------------------------------------------ invariants

type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func orZero(d *decimal.Decimal) decimal.Decimal {
	if d == nil {
		return decimal.Zero
	}
	return *d
}

// moneyOutputs lists every money value of r with a name.
func moneyOutputs(r Result) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{
		"A0": r.A0, "E0": r.E0, "DA": r.DA, "DE": r.DE, "A1": r.A1, "E1": r.E1,
		"Amount": r.Amount, "VAT": r.VAT, "Subtotal": r.Subtotal, "Total": r.Total,
	}
	for k, v := range map[string]*decimal.Decimal{"Exempt": r.Exempt, "Tax": r.Tax, "Retention": r.Retention} {
		if v != nil {
			m[k] = *v
		}
	}
	for i, l := range r.Lines {
		k := fmt.Sprintf("Lines[%d].", i)
		m[k+"Gross"], m[k+"Discount"], m[k+"Total"] = l.Gross, l.Discount, l.Total
		if l.Tax != nil {
			m[k+"Tax"] = *l.Tax
		}
		if l.Retention != nil {
			m[k+"Retention"] = *l.Retention
		}
	}
	return m
}

// checkInvariants asserts the algebraic properties that hold for every
// input Compute accepts without errors.
func checkInvariants(t fataler, d Doc, r Result) {
	t.Helper()
	if len(r.Lines) != len(d.Lines) {
		t.Fatalf("%d line results for %d lines", len(r.Lines), len(d.Lines))
	}
	sum := decimal.Zero
	anyExempt := false
	for i, l := range r.Lines {
		sum = sum.Add(l.Total)
		if !l.Total.Equal(l.Gross.Sub(l.Discount)) {
			t.Fatalf("line %d: total %s ≠ gross %s − discount %s", i, l.Total, l.Gross, l.Discount)
		}
		if l.Exempt != (d.Lines[i].Exempt || d.AllExempt) {
			t.Fatalf("line %d: exempt %v", i, l.Exempt)
		}
		anyExempt = anyExempt || l.Exempt
		if (l.Tax == nil) != !d.Lines[i].TaxPercent.IsPositive() {
			t.Fatalf("line %d: tax %v for rate %s", i, l.Tax, d.Lines[i].TaxPercent)
		}
	}
	if !sum.Equal(r.A0.Add(r.E0)) {
		t.Fatalf("Σ line totals %s ≠ A0 %s + E0 %s", sum, r.A0, r.E0)
	}
	if (r.Exempt != nil) != anyExempt {
		t.Fatalf("exempt %v with anyExempt %v", r.Exempt, anyExempt)
	}
	if !r.A1.Equal(r.A0.Sub(r.DA)) || !r.E1.Equal(r.E0.Sub(r.DE)) {
		t.Fatalf("D3: A1 %s E1 %s from A0 %s dA %s E0 %s dE %s", r.A1, r.E1, r.A0, r.DA, r.E0, r.DE)
	}
	if !r.Subtotal.Equal(r.Amount.Add(orZero(r.Exempt))) {
		t.Fatalf("subtotal %s ≠ amount %s + exempt %v", r.Subtotal, r.Amount, r.Exempt)
	}
	want := r.Amount.Add(orZero(r.Exempt)).Add(orZero(r.Tax)).Sub(orZero(r.Retention))
	if !r.Total.Equal(want) {
		t.Fatalf("total %s ≠ amount + exempt + tax − retention = %s", r.Total, want)
	}
	if d.DiscountScheme == "$" && !r.DA.Add(r.DE).Equal(d.Discount) {
		t.Fatalf("dA %s + dE %s ≠ discount %s", r.DA, r.DE, d.Discount)
	}
	if d.LinesIncludeTax && !r.Amount.Add(r.VAT).Equal(r.A1) {
		t.Fatalf("amount %s + VAT %s ≠ A1 %s", r.Amount, r.VAT, r.A1)
	}
	if !d.LinesIncludeTax && !r.Amount.Equal(r.A1) {
		t.Fatalf("amount %s ≠ A1 %s", r.Amount, r.A1)
	}
	for k, v := range moneyOutputs(r) {
		if money.DecimalPlaces(v) > max(d.Scale, 0) {
			t.Fatalf("%s = %s has more than %d decimals", k, v, d.Scale)
		}
	}
}

// validInputs reports whether d satisfies Compute's preconditions (the
// callers' parsers): quantities > 0, amounts ≥ 0, rates in [0, 100],
// discounts ≥ 0.
func validInputs(d Doc) bool {
	in100 := func(x decimal.Decimal) bool { return !x.IsNegative() && !x.GreaterThan(hundred) }
	if !in100(d.TaxPercent) || d.Discount.IsNegative() {
		return false
	}
	for _, l := range d.Lines {
		if !l.Quantity.IsPositive() || l.Amount.IsNegative() || l.Discount.IsNegative() ||
			!in100(l.TaxPercent) || !in100(l.RetentionPercent) {
			return false
		}
	}
	return true
}

// checkNonNegative asserts that no result is negative. The total is only
// checked when there is no global discount or no retention: L5 is computed
// before the global discount, so a 100 % subtotal retention plus a global
// discount can withhold more than the discounted document (docs/conventions.md#8-totals-formula as
// written).
func checkNonNegative(t fataler, d Doc, r Result) {
	t.Helper()
	for k, v := range moneyOutputs(r) {
		if k == "Total" && r.Retention != nil && !r.DA.Add(r.DE).IsZero() {
			continue
		}
		if v.IsNegative() {
			t.Fatalf("%s = %s is negative", k, v)
		}
	}
}

// ------------------------------------------------------------ properties

func genPercent(t *rapid.T, label string) decimal.Decimal {
	switch rapid.IntRange(0, 3).Draw(t, label+"Kind") {
	case 0:
		return decimal.Zero
	case 1:
		return dec(rapid.SampledFrom([]string{"19", "8.25", "10", "100", "50", "12.5", "0.0001"}).Draw(t, label))
	default:
		return decimal.New(rapid.Int64Range(0, 1_000_000).Draw(t, label), -4)
	}
}

// genScaled draws a non-negative decimal with at most `places` decimals up
// to max (exclusive of nothing: inclusive).
func genScaled(t *rapid.T, label string, maxUnits int64, places int32) decimal.Decimal {
	return decimal.New(rapid.Int64Range(0, maxUnits).Draw(t, label), -places)
}

// genDoc draws a document satisfying the preconditions and the rules of
// Compute, so that it must compute without errors.
func genDoc(t *rapid.T) Doc {
	d := Doc{
		Scale:           rapid.SampledFrom([]int32{0, 2}).Draw(t, "scale"),
		TaxPercent:      genPercent(t, "r"),
		LinesIncludeTax: rapid.Bool().Draw(t, "linesIncludeTax"),
		AllExempt:       rapid.IntRange(0, 4).Draw(t, "allExempt") == 0,
	}
	n := rapid.IntRange(1, 8).Draw(t, "lines")
	anyTaxRet := false
	sum := decimal.Zero
	for i := range n {
		lb := fmt.Sprintf("line%d.", i)
		qp := rapid.Int32Range(0, 6).Draw(t, lb+"qPlaces")
		l := Line{
			Quantity: decimal.New(rapid.Int64Range(1, 10_000_000).Draw(t, lb+"q"), -qp),
			Amount:   genScaled(t, lb+"amount", 100_000_000, 2),
			Exempt:   rapid.Bool().Draw(t, lb+"exempt"),
		}
		if rapid.IntRange(0, 2).Draw(t, lb+"hasTax") == 0 {
			l.TaxPercent = genPercent(t, lb+"tax")
		}
		if rapid.IntRange(0, 2).Draw(t, lb+"hasRet") == 0 {
			l.RetentionPercent = genPercent(t, lb+"ret")
			l.RetentionScheme = rapid.SampledFrom([]string{"", "subtotal", "tax"}).Draw(t, lb+"retScheme")
		}
		anyTaxRet = anyTaxRet || l.RetentionScheme == "tax"
		gross := money.Round(l.Quantity.Mul(l.Amount), d.Scale)
		l.DiscountScheme = rapid.SampledFrom([]string{"", "%", "$"}).Draw(t, lb+"discScheme")
		if l.DiscountScheme == "$" {
			units := gross.Shift(d.Scale).IntPart()
			l.Discount = decimal.New(rapid.Int64Range(0, units).Draw(t, lb+"disc"), -d.Scale)
		} else {
			l.Discount = genPercent(t, lb+"disc")
		}
		line := l.Discount
		if l.DiscountScheme != "$" {
			line = money.Round(gross.Mul(l.Discount).Shift(-2), d.Scale)
		}
		sum = sum.Add(gross.Sub(line))
		d.Lines = append(d.Lines, l)
	}
	if !anyTaxRet {
		d.DiscountScheme = rapid.SampledFrom([]string{"", "%", "$"}).Draw(t, "discScheme")
		if d.DiscountScheme == "$" {
			d.Discount = decimal.New(rapid.Int64Range(0, sum.Shift(d.Scale).IntPart()).Draw(t, "disc"), -d.Scale)
		} else {
			d.Discount = genPercent(t, "disc")
		}
	}
	return d
}

func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := genDoc(t)
		r, errs := Compute(d)
		if len(errs) != 0 {
			t.Fatalf("valid document rejected: %v", errs)
		}
		checkInvariants(t, d, r)
		checkNonNegative(t, d, r)
	})
}

// TestDollarDiscountSplit checks D2 "$": taxable part first, then exempt.
func TestDollarDiscountSplit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a0 := genScaled(t, "a0", 1_000_000, 2)
		e0 := genScaled(t, "e0", 1_000_000, 2)
		disc := decimal.New(rapid.Int64Range(0, a0.Add(e0).Shift(2).IntPart()).Draw(t, "disc"), -2)
		d := Doc{Scale: 2, Discount: disc, DiscountScheme: "$", Lines: []Line{
			{Quantity: decimal.NewFromInt(1), Amount: a0},
			{Quantity: decimal.NewFromInt(1), Amount: e0, Exempt: true},
		}}
		r, errs := Compute(d)
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		if !r.DA.Equal(decimal.Min(disc, a0)) || !r.DE.Equal(disc.Sub(r.DA)) || !r.DA.Add(r.DE).Equal(disc) {
			t.Fatalf("dA %s dE %s for discount %s A0 %s E0 %s", r.DA, r.DE, disc, a0, e0)
		}
	})
}

// TestTaxInclusiveRounding checks D4's second form against exact rationals:
// amount is the nearest multiple of 10^-s to A1·100/(100+r), ties away
// from zero, i.e. |amount − q| ≤ half a unit, with the tie going up.
func TestTaxInclusiveRounding(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.SampledFrom([]int32{0, 2}).Draw(t, "scale")
		a1 := decimal.New(rapid.Int64Range(0, 1_000_000_000).Draw(t, "a1"), -s)
		rate := genPercent(t, "r")
		r, errs := Compute(Doc{Scale: s, TaxPercent: rate, LinesIncludeTax: true, Lines: []Line{
			{Quantity: decimal.NewFromInt(1), Amount: a1},
		}})
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		// 2·|amount·(100+r) − A1·100| ≤ unit·(100+r), with equality only
		// when amount·(100+r) > A1·100 (tie rounded up).
		den := hundred.Add(rate)
		diff := r.Amount.Mul(den).Sub(a1.Mul(hundred))
		bound := decimal.New(1, -s).Mul(den)
		c := diff.Abs().Mul(decimal.NewFromInt(2)).Cmp(bound)
		if c > 0 || (c == 0 && diff.IsNegative()) {
			t.Fatalf("A1 %s r %s: amount %s is not the half-up quotient", a1, rate, r.Amount)
		}
	})
}

// ------------------------------------------------------------ fuzzing

// fuzzDecimal maps a small int to a decimal with `places` decimals.
func fuzzDecimal(v int16, places int32) decimal.Decimal { return decimal.New(int64(v), -places) }

func FuzzCompute(f *testing.F) {
	f.Add(uint8(2), int16(825), int16(1000), "$", uint8(0),
		[]byte{3, 0, 0x07, 0xcf, 10, 0, 0, 0, 1, 0, 0x27, 0x10, 0, 1, 0, 0})
	f.Add(uint8(0), int16(1900), int16(5), "%", uint8(0),
		[]byte{3, 0, 0x3e, 0x76, 0, 0, 0, 0, 1, 0, 0x27, 0x06, 0, 1, 0, 0})
	f.Add(uint8(0), int16(1900), int16(0), "", uint8(1), []byte{2, 0, 0x17, 0x66, 0, 0, 0, 0})
	f.Add(uint8(0), int16(1900), int16(0), "", uint8(0), []byte{10, 0, 0x03, 0xe8, 0, 0, 0, 0x64 | 0, 0x40})
	f.Add(uint8(1), int16(-10000), int16(-3), "x", uint8(3), []byte{0xff, 0xff, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, scale uint8, rate, disc int16, scheme string, flags uint8, raw []byte) {
		d := Doc{
			Scale:           int32(scale % 4),
			TaxPercent:      fuzzDecimal(rate, 2),
			Discount:        fuzzDecimal(disc, int32(flags>>4)%3),
			DiscountScheme:  scheme,
			LinesIncludeTax: flags&1 != 0,
			AllExempt:       flags&2 != 0,
		}
		schemes := []string{"", "%", "$", scheme}
		retSchemes := []string{"", "subtotal", "tax", scheme}
		// 8 bytes per line: quantity (2), amount (2), discount, flags, tax %, retention %.
		for len(raw) >= 8 && len(d.Lines) < 30 {
			b := raw[:8]
			raw = raw[8:]
			lf := b[5]
			d.Lines = append(d.Lines, Line{
				Quantity:         fuzzDecimal(int16(uint16(b[0])<<8|uint16(b[1])), int32(lf>>5)%7),
				Amount:           fuzzDecimal(int16(uint16(b[2])<<8|uint16(b[3])), int32(lf>>4&1)*2),
				Discount:         fuzzDecimal(int16(int8(b[4])), int32(lf>>6)),
				Exempt:           lf&1 != 0,
				DiscountScheme:   schemes[lf>>1&3],
				TaxPercent:       fuzzDecimal(int16(int8(b[6])), 1),
				RetentionPercent: fuzzDecimal(int16(b[7]), 0),
				RetentionScheme:  retSchemes[(lf>>3&1)|(lf>>6&2)],
			})
		}
		r, errs := Compute(d)
		for _, e := range errs {
			if e.Msg == "" || e.Field == "" || e.Line < -1 || e.Line >= len(d.Lines) {
				t.Fatalf("malformed error %+v", e)
			}
		}
		if len(errs) != 0 {
			return
		}
		checkInvariants(t, d, r)
		if validInputs(d) {
			checkNonNegative(t, d, r)
		}
	})
}
