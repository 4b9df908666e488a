package pdf

import (
	"strings"

	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// Number conventions
//
// Spanish ("es…"): dot as thousands separator, comma as decimal separator
// ("63.719", "1.234,50", "2,5"). English (anything else): comma thousands,
// dot decimals ("63,719", "1,234.50", "2.5").
//
// Money (FormatMoney): the amount rounded half away from zero to the
// currency scale (0 decimals when rounded, else 2), prefixed by the
// currency's symbol:
//
//   - es: symbol, a space, the amount: "$ 63.719" (CLP), "US$ 1.234,50",
//     "€ 99,90", "UF 12,35"; currencies without a known symbol use the ISO
//     code: "PEN 1.234,50".
//   - en: "$147.60" (USD), "€99.90", "£12.00" (symbol glued to the amount);
//     every other currency uses the ISO code and a space: "CLP 63,719",
//     "MXN 1,234.50".
//
// Negative amounts put the minus sign first: "-$ 5.000", "-$5.00".
//
// The lines table prints bare numbers (no symbol): unit prices keep any
// decimals beyond the currency scale ("1.234,5" for a CLP unit price of
// 1234.5), line totals use the currency scale, and quantities print without
// trailing zeros ("4", "2.5" / "2,5").

// symbolsES and symbolsEN map ISO currency codes to the prefix printed in
// each language. Codes absent from the map print as themselves.
var (
	symbolsES = map[string]string{
		"CLP": "$", "CLF": "UF", "USD": "US$", "EUR": "€", "MXN": "$",
		"COP": "$", "ARS": "$", "UYU": "$", "PEN": "S/", "GBP": "£",
	}
	symbolsEN = map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}
)

// isSpanish reports whether lang selects the Spanish labels and number
// conventions ("es", "es-CL", …).
func isSpanish(lang string) bool {
	return lang == "es" || strings.HasPrefix(lang, "es-") || strings.HasPrefix(lang, "es_")
}

// FormatMoney formats v in currency for lang following the conventions
// documented above: "$ 63.719" (CLP, es), "$147.60" (USD, en),
// "CLP 63,719" (CLP, en), "US$ 1.234,50" (USD, es).
func FormatMoney(v decimal.Decimal, currency string, rounded bool, lang string) string {
	scale := int32(2)
	if rounded {
		scale = 0
	}
	es := isSpanish(lang)
	v = v.Round(scale)
	num := money.Format(v.Abs(), scale, es)
	code := strings.ToUpper(strings.TrimSpace(currency))
	var s string
	if es {
		sym, ok := symbolsES[code]
		if !ok {
			sym = code
		}
		s = joinNonEmpty(" ", sym, num)
	} else if sym, ok := symbolsEN[code]; ok {
		s = sym + num
	} else {
		s = joinNonEmpty(" ", code, num)
	}
	if v.IsNegative() {
		s = "-" + s
	}
	return s
}

// significantDecimals is the number of decimals of v once trailing zeros
// are dropped (2.50 → 1, 4.000 → 0).
func significantDecimals(v decimal.Decimal) int32 {
	_, frac, ok := strings.Cut(v.String(), ".")
	if !ok {
		return 0
	}
	return int32(len(frac))
}

// formatQuantity prints q without trailing zeros: "4", "2.5" (en), "2,5" (es).
func formatQuantity(q decimal.Decimal, es bool) string {
	return money.Format(q, significantDecimals(q), es)
}

// formatUnitPrice prints a unit price with at least the currency scale and
// more decimals when the price has them (at most 6).
func formatUnitPrice(v decimal.Decimal, rounded, es bool) string {
	d := int32(2)
	if rounded {
		d = 0
	}
	d = min(max(d, significantDecimals(v)), 6)
	return money.Format(v.Round(d), d, es)
}

// formatAmount prints a line total with the currency scale, no symbol.
func formatAmount(v decimal.Decimal, rounded, es bool) string {
	d := int32(2)
	if rounded {
		d = 0
	}
	return money.Format(v.Round(d), d, es)
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
