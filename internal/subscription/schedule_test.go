package subscription

import (
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestBillingDates(t *testing.T) {
	cases := []struct {
		anchor, freq string
		want         []string // B(1), B(2), …
	}{
		{"2025-01-31", "monthly", []string{"2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"}},
		{"2024-02-29", "annual", []string{"2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"}},
		{"2025-08-31", "quarterly", []string{"2025-11-30", "2026-02-28", "2026-05-31"}},
		{"2024-01-31", "monthly", []string{"2024-02-29", "2024-03-31"}},
		{"2025-03-31", "biannual", []string{"2025-09-30", "2026-03-31"}},
		// weekly across both 2026 DST changes of America/Santiago (April 4/5, September 5/6)
		{"2026-03-28", "weekly", []string{"2026-04-04", "2026-04-11", "2026-04-18"}},
		{"2026-08-29", "weekly", []string{"2026-09-05", "2026-09-12"}},
	}
	for _, c := range cases {
		p, ok := PeriodOf(c.freq)
		if !ok {
			t.Fatalf("frequency %s unknown", c.freq)
		}
		a := MustDate(c.anchor)
		for j, w := range c.want {
			if got := BillingDate(a, p, j+1).String(); got != w {
				t.Errorf("%s %s B(%d) = %s, want %s", c.anchor, c.freq, j+1, got, w)
			}
		}
	}
}

// A billing date is a calendar day of the workspace: its local start, read
// back in the zone, is the same day, DST or not.
func TestBillingDatesAcrossDST(t *testing.T) {
	loc, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	p, _ := PeriodOf("weekly")
	a := MustDate("2026-01-03")
	for j := 0; j < 60; j++ {
		b := BillingDate(a, p, j)
		if got := DateOf(b.Start(loc), loc); !got.Equal(b) {
			t.Errorf("B(%d) = %s starts at %s, which is %s locally", j, b, b.Start(loc), got)
		}
		if b.Weekday() != time.Saturday {
			t.Errorf("B(%d) = %s is a %s", j, b, b.Weekday())
		}
	}
}

// Properties: dates always come from the anchor (no drift), keep the
// anchor's day clamped to the month, and strictly increase.
func TestBillingDateProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		y := rapid.IntRange(1990, 2100).Draw(t, "year")
		m := rapid.IntRange(1, 12).Draw(t, "month")
		d := rapid.IntRange(1, 31).Draw(t, "day")
		anchorT := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if anchorT.Day() != d {
			t.Skip("not a date")
		}
		anchor := DateOf(anchorT, time.UTC)
		freq := rapid.SampledFrom([]string{"weekly", "monthly", "quarterly", "biannual", "annual"}).Draw(t, "freq")
		p, _ := PeriodOf(freq)
		j := rapid.IntRange(0, 400).Draw(t, "j")
		b, next := BillingDate(anchor, p, j), BillingDate(anchor, p, j+1)
		if !next.After(b) {
			t.Fatalf("B(%d)=%s not before B(%d)=%s", j, b, j+1, next)
		}
		if p.Months > 0 {
			last := time.Date(b.t.Year(), b.t.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if want := min(d, last); b.Day() != want {
				t.Fatalf("B(%d) = %s: day %d, want %d", j, b, b.Day(), want)
			}
			months := (b.t.Year()-y)*12 + int(b.t.Month()) - m
			if months != j*p.Months {
				t.Fatalf("B(%d) = %s is %d months from the anchor, want %d", j, b, months, j*p.Months)
			}
		} else if days := int(b.t.Sub(anchor.t).Hours() / 24); days != 7*j {
			t.Fatalf("B(%d) = %s is %d days from the anchor", j, b, days)
		}
		// FirstOnOrAfter finds the first date on or after any day
		day := anchor.AddDays(rapid.IntRange(0, 5000).Draw(t, "offset"))
		k := FirstOnOrAfter(anchor, p, 0, day)
		if BillingDate(anchor, p, k).Before(day) || (k > 0 && !BillingDate(anchor, p, k-1).Before(day)) {
			t.Fatalf("FirstOnOrAfter(%s) = %d (%s)", day, k, BillingDate(anchor, p, k))
		}
	})
}

func tier(from string, to string, amount string, scheme string) product.Tier {
	t := product.Tier{QuantityFrom: money.NewQuantity(decimal.RequireFromString(from)), Amount: money.NewMoney(decimal.RequireFromString(amount)), AmountScheme: scheme}
	if to != "" {
		q := money.NewQuantity(decimal.RequireFromString(to))
		t.QuantityTo = &q
	}
	return t
}

func total(cs []Charge) string {
	sum := decimal.Zero
	for _, c := range cs {
		sum = sum.Add(c.Quantity.Mul(c.Amount))
	}
	return sum.StringFixed(2)
}

// The worked example of docs/billing.md#5-plans and one case per mode.
func TestTierCharges(t *testing.T) {
	tiers := []product.Tier{tier("0", "10", "5", "unit"), tier("10", "50", "4", "unit"), tier("50", "", "3", "unit")}
	q := decimal.NewFromInt(60)
	if got := TierCharges("graduated", tiers, decimal.Zero, q); total(got) != "240.00" || len(got) != 3 || got[1].Quantity.String() != "40" {
		t.Errorf("graduated 60 = %v (%s), want 10×5 + 40×4 + 10×3 = 240", got, total(got))
	}
	if got := TierCharges("volume", tiers, decimal.Zero, q); total(got) != "180.00" || len(got) != 1 || got[0].Quantity.String() != "60" {
		t.Errorf("volume 60 = %v, want 60×3 = 180", got)
	}
	if got := TierCharges("unit", tiers, decimal.Zero, decimal.NewFromInt(5)); total(got) != "25.00" {
		t.Errorf("unit (volume alias) 5 = %s, want 25", total(got))
	}
	if got := TierCharges("graduated", tiers, decimal.Zero, decimal.Zero); len(got) != 1 || total(got) != "0.00" {
		t.Errorf("graduated 0 = %v, want the first tier with 0 units", got)
	}
	pkg := []product.Tier{tier("0", "100", "1000", "flat"), tier("100", "", "9", "unit")}
	if got := TierCharges("package", pkg, decimal.Zero, decimal.NewFromInt(40)); total(got) != "1000.00" || got[0].Quantity.String() != "1" {
		t.Errorf("package 40 = %v, want 1×1000", got)
	}
	if got := TierCharges("range", pkg, decimal.Zero, decimal.NewFromInt(140)); total(got) != "9.00" {
		t.Errorf("package (range alias) 140 = %v, want the second range's price 9", got)
	}
	if got := TierCharges("package_overage", pkg, decimal.Zero, decimal.NewFromInt(140)); total(got) != "1360.00" || len(got) != 2 {
		t.Errorf("package_overage 140 = %v (%s), want 1000 + 40×9 = 1360", got, total(got))
	}
	if got := TierCharges("package_overage", pkg, decimal.Zero, decimal.NewFromInt(70)); total(got) != "1000.00" || len(got) != 1 {
		t.Errorf("package_overage 70 = %v, want the package only", got)
	}
	flat := []product.Tier{tier("0", "10", "50", "flat"), tier("10", "", "2", "unit")}
	if got := TierCharges("graduated", flat, decimal.Zero, decimal.NewFromInt(15)); total(got) != "60.00" {
		t.Errorf("graduated flat+unit 15 = %s, want 50 + 5×2 = 60", total(got))
	}
	if got := TierCharges("", nil, decimal.RequireFromString("25.00"), decimal.NewFromInt(5)); total(got) != "125.00" {
		t.Errorf("untiered 5 × 25 = %s", total(got))
	}
	if d := TierDescription(3, tiers[2]); d != "Tier 3: 50+" {
		t.Errorf("description %q", d)
	}
	if d := TierDescription(2, tiers[1]); d != "Tier 2: 10–50" {
		t.Errorf("description %q", d)
	}
}

func TestAggregate(t *testing.T) {
	qs := []decimal.Decimal{decimal.NewFromInt(5), decimal.NewFromInt(9), decimal.NewFromInt(2)}
	for agg, want := range map[string]string{"sum": "16", "max": "9", "last_record": "2", "": "16"} {
		if got := Aggregate(agg, qs).String(); got != want {
			t.Errorf("%s = %s, want %s", agg, got, want)
		}
	}
}

// FuzzBillingDate: any date text, frequency and index: parsing never
// panics, and a parsed anchor's dates keep the schedule's properties.
func FuzzBillingDate(f *testing.F) {
	for _, s := range []string{"2025-01-31", "2024-02-29", "0001-01-01", "9999-12-31", "2026-13-01", "", "2026-02-30", "x"} {
		f.Add(s, "monthly", 3)
	}
	f.Add("2026-03-28", "weekly", 100)
	f.Add("2024-02-29", "annual", 400)
	f.Fuzz(func(t *testing.T, s, freq string, j int) {
		a, ok := ParseDate(s)
		p, pok := PeriodOf(freq)
		if !ok || !pok || j < 0 || j > 9600 || s >= MaxStart {
			return // the API refuses schedules starting after MaxStart
		}
		b, next := BillingDate(a, p, j), BillingDate(a, p, j+1)
		if !next.After(b) {
			t.Fatalf("%s %s: B(%d)=%s, B(%d)=%s", s, freq, j, b, j+1, next)
		}
		if k := FirstOnOrAfter(a, p, 0, b); BillingDate(a, p, k) != b {
			t.Fatalf("%s %s: FirstOnOrAfter(B(%d)=%s) = %d (%s)", s, freq, j, b, k, BillingDate(a, p, k))
		}
		if _, ok := ParseDate(b.String()); !ok {
			t.Fatalf("%s does not parse back", b)
		}
	})
}
