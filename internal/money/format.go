package money

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Format writes d for people with exactly places decimals (d is assumed
// rounded as wanted): thousands grouped, "." groups and "," before the
// decimals in Spanish (es), "," and "." otherwise; a minus in front.
func Format(d decimal.Decimal, places int32, es bool) string {
	group, point := ",", "."
	if es {
		group, point = ".", ","
	}
	s := d.StringFixed(places)
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String()
}
