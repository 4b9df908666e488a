// Package totals computes the totals of a document with lines: the one
// formula of docs/conventions.md#8-totals-formula (steps L1–L5 per line, D1–D9 per document), shared
// by invoices, credit notes, debit notes, orders, purchases and purchase
// credit notes. Withholding certificates (docs/procurement.md#4-retentions) use their own
// formula and are not computed here.
//
// The package is pure: no I/O, no clock, exact decimals only. Rounding is
// half-up away from zero (money.Round) to the currency scale and happens
// only at L1, L2 (%), L4, L5, D2 (%) and D4; every other step is exact
// addition and subtraction of already-rounded values.
//
// Preconditions (checked by the callers' parsers, docs/conventions.md#7-data-types): quantities
// > 0, amounts ≥ 0, percentages between 0 and 100, discounts ≥ 0. Compute
// reports the cross-field rules of docs/conventions.md#7-data-types to docs/conventions.md#8-totals-formula as []Error; outside the
// preconditions it never panics but its results are unspecified.
package totals

import (
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/cobrobilling/cobro/internal/money"
)

// Discount schemes (line and document discount_scheme).
const (
	SchemePercent = "%"
	SchemeAmount  = "$"
)

// Retention schemes (line retention_scheme).
const (
	RetentionSubtotal = "subtotal"
	RetentionTax      = "tax"
)

// Messages of the rule violations reported by Compute.
const (
	MsgLineDiscountExceeds = "Discount cannot exceed the line amount."
	MsgDocDiscountExceeds  = "Discount cannot exceed the document amount."
	MsgDiscountWithTaxRet  = "A global discount cannot be combined with tax-based retentions."
	MsgMax100              = money.MsgMax100 // "Ensure this value is less than or equal to 100."
)

// MsgInvalidChoice is DRF's `"{value}" is not a valid choice.`
func MsgInvalidChoice(v string) string { return strconv.Quote(v) + " is not a valid choice." }

// Line is one document line as far as totals are concerned.
type Line struct {
	Quantity, Amount decimal.Decimal
	Exempt           bool
	Discount         decimal.Decimal // line discount value
	DiscountScheme   string          // "%" (default when "") or "$"
	TaxPercent       decimal.Decimal // extra line tax rate (L4)
	RetentionPercent decimal.Decimal
	RetentionScheme  string // "subtotal" (default when "") or "tax"
}

// Doc is the input of Compute.
type Doc struct {
	Lines           []Line
	TaxPercent      decimal.Decimal // r, the document rate
	Scale           int32           // currency scale: 0 (CLP) or 2
	Discount        decimal.Decimal // global discount
	DiscountScheme  string          // "%" (default) or "$"
	LinesIncludeTax bool            // document type has_lines_total (CL39 boleta): D4 second form
	AllExempt       bool            // type with tax 0 and has_taxes false (CL34): every line is exempt
}

// LineResult holds the per-line steps L1–L5.
type LineResult struct {
	Gross, Discount, Total decimal.Decimal  // L1, L2, L3
	Exempt                 bool             // effective (AllExempt forces true)
	Tax, Retention         *decimal.Decimal // L4, L5; nil when the rate is 0
}

// Result holds the document steps D1–D9 and the lines.
type Result struct {
	Lines           []LineResult
	A0, E0, DA, DE  decimal.Decimal  // D1, D2
	A1, E1          decimal.Decimal  // D3
	Amount          decimal.Decimal  // D4, always a number
	VAT             decimal.Decimal  // D4 document tax part
	Exempt          *decimal.Decimal // D5, nil when no line is exempt
	Tax             *decimal.Decimal // D6, nil when r = 0 and no line has tax_percent > 0
	Retention       *decimal.Decimal // D7, nil when no line withholds
	Subtotal, Total decimal.Decimal  // D8, D9
}

// Error is a rule violation found while computing; Line is the 0-based line
// index, or -1 for a document-level field.
type Error struct {
	Line       int
	Field, Msg string
}

func (e Error) Error() string {
	if e.Line < 0 {
		return e.Field + ": " + e.Msg
	}
	return "lines[" + strconv.Itoa(e.Line) + "]." + e.Field + ": " + e.Msg
}

var (
	hundred = decimal.NewFromInt(100)
	zero    = decimal.Zero
)

// percentOf is round(base × p / 100); the division by 100 is an exact
// decimal shift, so the only rounding is the final one.
func percentOf(base, p decimal.Decimal, scale int32) decimal.Decimal {
	return money.Round(base.Mul(p).Shift(-2), scale)
}

// Compute applies docs/conventions.md#8-totals-formula to d. Errors (in order: lines in index order,
// then the document discount):
//
//   - line discount_scheme not "", "%" or "$" → {i, "discount_scheme", `"x" is not a valid choice.`}
//     (the line is then computed without discount);
//   - line retention_scheme not "", "subtotal" or "tax" → {i, "retention_scheme", …} (computed as "subtotal");
//   - line "%" discount > 100 → {i, "discount", "Ensure this value is less than or equal to 100."};
//   - line "$" discount with more than Scale decimals → {i, "discount", "Ensure that there are no more than {Scale} decimal places."};
//   - line "$" discount > gross → {i, "discount", "Discount cannot exceed the line amount."};
//   - document discount_scheme invalid → {-1, "discount_scheme", …} (computed without global discount);
//   - document "%" discount > 100 → {-1, "discount", "Ensure this value is less than or equal to 100."};
//   - document "$" discount with more than Scale decimals → {-1, "discount", …decimal places…};
//   - document "$" discount > A0 + E0 → {-1, "discount", "Discount cannot exceed the document amount."};
//   - document discount > 0 with a line whose retention_scheme is "tax" →
//     {-1, "discount", "A global discount cannot be combined with tax-based retentions."}.
//
// A document discount that fails its own value check (> 100, decimals) is
// not also checked against the document amount or the retentions. When
// there are errors the Result is still filled in as far as possible, but
// callers must not use it.
func Compute(d Doc) (Result, []Error) {
	var errs []Error
	res := Result{Lines: make([]LineResult, len(d.Lines))}
	var sums lineSums
	for i, l := range d.Lines {
		lr, lineErrs := computeLine(i, l, d, &sums)
		errs = append(errs, lineErrs...)
		// D1
		if lr.Exempt {
			res.E0 = res.E0.Add(lr.Total)
		} else {
			res.A0 = res.A0.Add(lr.Total)
		}
		res.Lines[i] = lr
	}
	errs = append(errs, documentDiscount(d, &res, sums.anyTaxRet)...)
	documentTotals(d, &res, sums)
	return res, errs
}

// lineSums is what the document steps need of the lines.
type lineSums struct {
	tax, retention                       decimal.Decimal
	anyExempt, anyTax, anyRet, anyTaxRet bool
}

// computeLine runs L1–L5 on line i and adds it to sums.
func computeLine(i int, l Line, d Doc, sums *lineSums) (LineResult, []Error) {
	var errs []Error
	s := d.Scale
	lr := LineResult{Exempt: l.Exempt || d.AllExempt}
	// L1
	lr.Gross = money.Round(l.Quantity.Mul(l.Amount), s)
	// L2
	switch l.DiscountScheme {
	case "", SchemePercent:
		if l.Discount.GreaterThan(hundred) {
			errs = append(errs, Error{i, "discount", MsgMax100})
		}
		lr.Discount = percentOf(lr.Gross, l.Discount, s)
	case SchemeAmount:
		switch {
		case money.DecimalPlaces(l.Discount) > max(s, 0):
			errs = append(errs, Error{i, "discount", money.MsgDecimalPlaces(int(max(s, 0)))})
		case l.Discount.GreaterThan(lr.Gross):
			errs = append(errs, Error{i, "discount", MsgLineDiscountExceeds})
		}
		lr.Discount = l.Discount
	default:
		errs = append(errs, Error{i, "discount_scheme", MsgInvalidChoice(l.DiscountScheme)})
		lr.Discount = zero
	}
	// L3
	lr.Total = lr.Gross.Sub(lr.Discount)
	// L4
	if l.TaxPercent.IsPositive() {
		t := percentOf(lr.Total, l.TaxPercent, s)
		lr.Tax = &t
		sums.tax = sums.tax.Add(t)
		sums.anyTax = true
	}
	// L5
	retScheme := l.RetentionScheme
	switch retScheme {
	case "", RetentionSubtotal, RetentionTax:
	default:
		errs = append(errs, Error{i, "retention_scheme", MsgInvalidChoice(retScheme)})
		retScheme = RetentionSubtotal
	}
	if retScheme == RetentionTax {
		sums.anyTaxRet = true
	}
	if !l.RetentionPercent.IsZero() {
		var ret decimal.Decimal
		if retScheme == RetentionTax {
			ret = money.Round(lr.Total.Mul(d.TaxPercent).Mul(l.RetentionPercent).Shift(-4), s)
		} else {
			ret = percentOf(lr.Total, l.RetentionPercent, s)
		}
		lr.Retention = &ret
		sums.retention = sums.retention.Add(ret)
		sums.anyRet = true
	}
	if lr.Exempt {
		sums.anyExempt = true
	}
	return lr, errs
}

// documentDiscount runs D2: the global discount split between the taxed
// and the exempt amounts.
func documentDiscount(d Doc, res *Result, anyTaxRet bool) []Error {
	var errs []Error
	s := d.Scale
	res.DA, res.DE = zero, zero
	disc := d.Discount
	switch d.DiscountScheme {
	case "", SchemePercent:
		if disc.GreaterThan(hundred) {
			errs = append(errs, Error{-1, "discount", MsgMax100})
		} else if disc.IsPositive() && anyTaxRet {
			errs = append(errs, Error{-1, "discount", MsgDiscountWithTaxRet})
		}
		res.DA = percentOf(res.A0, disc, s)
		res.DE = percentOf(res.E0, disc, s)
	case SchemeAmount:
		switch {
		case money.DecimalPlaces(disc) > max(s, 0):
			errs = append(errs, Error{-1, "discount", money.MsgDecimalPlaces(int(max(s, 0)))})
		default:
			if disc.GreaterThan(res.A0.Add(res.E0)) {
				errs = append(errs, Error{-1, "discount", MsgDocDiscountExceeds})
			}
			if disc.IsPositive() && anyTaxRet {
				errs = append(errs, Error{-1, "discount", MsgDiscountWithTaxRet})
			}
		}
		res.DA = decimal.Min(disc, res.A0)
		res.DE = disc.Sub(res.DA)
	default:
		errs = append(errs, Error{-1, "discount_scheme", MsgInvalidChoice(d.DiscountScheme)})
	}
	return errs
}

// documentTotals runs D3–D9.
func documentTotals(d Doc, res *Result, sums lineSums) {
	s, r := d.Scale, d.TaxPercent
	// D3
	res.A1 = res.A0.Sub(res.DA)
	res.E1 = res.E0.Sub(res.DE)

	// D4
	if d.LinesIncludeTax {
		den := hundred.Add(r)
		if den.IsZero() { // only for r = −100, outside the preconditions
			res.Amount = res.A1
		} else {
			// Exact quotient rounded half away from zero, like money.Round.
			res.Amount = res.A1.Mul(hundred).DivRound(den, s)
		}
		res.VAT = res.A1.Sub(res.Amount)
	} else {
		res.Amount = res.A1
		res.VAT = percentOf(res.Amount, r, s)
	}

	// D5
	exempt := zero
	if sums.anyExempt {
		exempt = res.E1
		res.Exempt = &exempt
	}
	// D6
	tax := zero
	if !r.IsZero() || sums.anyTax {
		tax = res.VAT.Add(sums.tax)
		res.Tax = &tax
	}
	// D7
	ret := zero
	if sums.anyRet {
		ret = sums.retention
		res.Retention = &ret
	}
	// D8, D9
	res.Subtotal = res.Amount.Add(exempt)
	res.Total = res.Amount.Add(exempt).Add(tax).Sub(ret)
}
