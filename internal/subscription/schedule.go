// Package subscription is recurring billing (docs/billing.md#8-subscriptions to docs/billing.md#10-test-clocks):
// subscriptions, their billing schedule, the cycle run that turns a due
// date into exactly one invoice, usage records, the scheduler and test
// clocks.
package subscription

import (
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
)

// Period is a billing period: whole months, or days (weekly).
type Period struct{ Months, Days int }

// PeriodOf returns the period of a frequency id (docs/billing.md#84-billing-schedule, from
// the catalogue: weekly = 1 week, monthly = 1 month, quarterly = 3…).
func PeriodOf(frequency string) (Period, bool) {
	f, ok := catalog.FrequencyByID(frequency)
	if !ok || f.IntervalCount < 1 {
		return Period{}, false
	}
	if f.Interval == catalog.IntervalWeek {
		return Period{Days: 7 * f.IntervalCount}, true
	}
	return Period{Months: f.IntervalCount}, true
}

// Date is a civil date (no time of day, no zone): billing dates are days
// in the workspace's calendar, so daylight-saving changes cannot move them.
type Date struct{ t time.Time } // midnight UTC

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return Date{t}, err == nil
}

// MustDate is ParseDate for constants.
func MustDate(s string) Date {
	d, ok := ParseDate(s)
	if !ok {
		panic("bad date " + s)
	}
	return d
}

// DateOf is the calendar day of instant t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func (d Date) String() string        { return d.t.Format(time.DateOnly) }
func (d Date) Before(o Date) bool    { return d.t.Before(o.t) }
func (d Date) After(o Date) bool     { return d.t.After(o.t) }
func (d Date) AddDays(n int) Date    { return Date{d.t.AddDate(0, 0, n)} }
func (d Date) IsZero() bool          { return d.t.IsZero() }
func (d Date) Compare(o Date) int    { return d.t.Compare(o.t) }
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }
func (d Date) Equal(o Date) bool     { return d.t.Equal(o.t) }
func (d Date) Day() int              { return d.t.Day() }

// Start is the instant the day begins in loc (local midnight; when a
// daylight-saving jump skips midnight, the first instant of the day).
func (d Date) Start(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, day := d.t.Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	if t.Day() != day { // midnight normalised into the previous day
		t = time.Date(y, m, day, 1, 0, 0, 0, loc)
	}
	return t
}

// addMonths adds n months keeping the day, clamped to the month's last day.
func (d Date) addMonths(n int) Date {
	y, m, day := d.t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return Date{time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC)}
}

// BillingDate is B(j) = anchor + j × period, always from the anchor so
// month-end dates do not drift (2025-01-31 monthly: 02-28, 03-31, 04-30).
func BillingDate(anchor Date, p Period, j int) Date {
	if p.Months > 0 {
		return anchor.addMonths(j * p.Months)
	}
	return anchor.AddDays(j * p.Days)
}

// FirstOnOrAfter is the smallest j ≥ from with B(j) ≥ day.
func FirstOnOrAfter(anchor Date, p Period, from int, day Date) int {
	j := from
	if p.Days > 0 {
		if gap := int(day.t.Sub(BillingDate(anchor, p, j).t)/(24*time.Hour)) / p.Days; gap > 1 {
			j += gap - 1
		}
	} else if p.Months > 0 {
		b := BillingDate(anchor, p, j)
		months := (day.t.Year()-b.t.Year())*12 + int(day.t.Month()-b.t.Month())
		if gap := months / p.Months; gap > 1 {
			j += gap - 1
		}
	}
	for BillingDate(anchor, p, j).Before(day) {
		j++
	}
	return j
}
