package dashboard

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/cobrobilling/cobro/internal/report"
)

// homeData is the home page: figures and their charts.
type homeData struct {
	F              report.Figures
	Revenue, Aging template.HTML
}

var monthNames = map[string][12]string{
	"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	"es": {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"},
}

type bar struct {
	Label, Title string
	Short        string // the value shown above the bar
	Value        decimal.Decimal
}

// barChart draws bars as SVG on the server (no chart library, no CDN):
// heights in proportion to the largest value, each bar titled with its
// exact amount for screen readers and tooltips.
func barChart(id, caption string, bars []bar, class string) template.HTML {
	const w, h, top, bottom = 600, 220, 16, 28
	maxV := decimal.Zero
	for _, b := range bars {
		if b.Value.GreaterThan(maxV) {
			maxV = b.Value
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg id="%s" class="chart %s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" preserveAspectRatio="xMidYMid meet"><title id="%s-t">%s</title>`,
		id, class, w, h, id, id, template.HTMLEscapeString(caption))
	fmt.Fprintf(&sb, `<line x1="0" y1="%d" x2="%d" y2="%d" class="axis"/>`, h-bottom, w, h-bottom)
	slot := float64(w) / float64(len(bars))
	for i, b := range bars {
		height := 0.0
		if maxV.IsPositive() && b.Value.IsPositive() {
			height, _ = b.Value.Div(maxV).Mul(decimal.NewFromInt(h - top - bottom)).Float64() // drawing only: pixels, not money
			height = max(height, 2)
		}
		x := float64(i)*slot + slot*0.15
		y := float64(h-bottom) - height
		fmt.Fprintf(&sb, `<g class="bar" data-value="%s"><title>%s</title><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="3"/>`,
			b.Value.String(), template.HTMLEscapeString(b.Title), x, y, slot*0.7, height)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+slot*0.35, h-8, template.HTMLEscapeString(b.Label))
		if b.Value.IsPositive() && b.Short != "" {
			fmt.Fprintf(&sb, `<text class="value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+slot*0.35, y-4, template.HTMLEscapeString(b.Short))
		}
		sb.WriteString(`</g>`)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // built from escaped parts above
}

func revenueChart(f report.Figures, lang string) template.HTML {
	var bars []bar
	for _, m := range f.Revenue {
		label := monthNames[lang][m.Start.Month()-1]
		bars = append(bars, bar{Label: label, Title: fmt.Sprintf("%s %d: %s", label, m.Start.Year(), formatMoney(lang, m.Amount.String(), f.Currency)), Value: m.Amount, Short: short(m.Amount)})
	}
	return barChart("chart-revenue", tr(lang, "revenue_month"), bars, "revenue")
}

func agingChart(f report.Figures, lang string) template.HTML {
	var bars []bar
	for _, b := range f.Aging {
		label := tr(lang, "aging."+b.Key)
		bars = append(bars, bar{Label: label, Title: label + ": " + formatMoney(lang, b.Amount.String(), f.Currency), Value: b.Amount, Short: short(b.Amount)})
	}
	return barChart("chart-aging", tr(lang, "aging"), bars, "aging")
}

// short writes an amount in few characters for a bar's label: 349.9 → 350,
// 12,345 → 12k, 3,400,000 → 3.4M.
func short(d decimal.Decimal) string {
	switch {
	case d.GreaterThanOrEqual(decimal.NewFromInt(1_000_000)):
		return d.Div(decimal.NewFromInt(1_000_000)).Round(1).String() + "M"
	case d.GreaterThanOrEqual(decimal.NewFromInt(10_000)):
		return d.Div(decimal.NewFromInt(1000)).Round(0).String() + "k"
	}
	return d.Round(0).String()
}
