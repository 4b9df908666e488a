// Package report computes the figures of the dashboard's home page
// (docs/dashboard.md#3-home-figures) from the same rows the API serves:
// invoices' adjusted totals and collected amounts, succeeded payments and
// active subscriptions' latest invoices. Amounts are exact decimals.
package report

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Month is one bar of the revenue chart.
type Month struct {
	Start  time.Time // first day of the month, workspace zone
	Amount decimal.Decimal
}

// Bucket is one bar of the aging chart: outstanding amounts by days past due.
type Bucket struct {
	Key    string // "current", "1_30", "31_60", "61_90", "over_90"
	Amount decimal.Decimal
}

// Figures are the home page's figures in the workspace's currency.
type Figures struct {
	Currency      string
	MRR           decimal.Decimal
	Revenue       []Month // the last 12 months, oldest first
	Outstanding   decimal.Decimal
	Overdue       decimal.Decimal
	Aging         []Bucket
	PaymentsMonth decimal.Decimal
	PaymentsCount int
}

// Compute reads the figures of sc's workspace and mode at now.
func Compute(ctx context.Context, q store.Querier, sc workspace.Scope, now time.Time) (Figures, error) {
	f := Figures{Currency: sc.Currency}
	loc := sc.Loc
	if loc == nil {
		loc = time.UTC
	}
	today := now.In(loc)
	if err := revenue(ctx, q, sc, today, &f); err != nil {
		return f, err
	}
	if err := receivables(ctx, q, sc, today, &f); err != nil {
		return f, err
	}
	if err := payments(ctx, q, sc, today, &f); err != nil {
		return f, err
	}
	return f, mrr(ctx, q, sc, &f)
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// revenue: invoiced amounts net of credit and debit notes (total_adjusted)
// by month of the invoice date; drafts and pending invoices are not revenue.
func revenue(ctx context.Context, q store.Querier, sc workspace.Scope, today time.Time, f *Figures) error {
	first := monthStart(today).AddDate(0, -11, 0)
	for i := range 12 {
		f.Revenue = append(f.Revenue, Month{Start: first.AddDate(0, i, 0), Amount: decimal.Zero})
	}
	rows, err := q.QueryContext(ctx, `SELECT date, SUM(total_adjusted_cents) FROM documents
		WHERE workspace_id = $1 AND test_mode = $2 AND kind = 'invoice' AND currency = $3 AND date >= $4
		AND status IN ('finalized', 'paid', 'uncollectible', 'cancelled') GROUP BY date`,
		sc.ID, sc.TestMode, sc.Currency, first.Format(time.DateOnly))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var day string
		var cents int64
		if err := rows.Scan(&day, &cents); err != nil {
			return err
		}
		d, err := time.ParseInLocation(time.DateOnly, day[:min(len(day), 10)], today.Location())
		if err != nil {
			continue
		}
		i := (d.Year()-first.Year())*12 + int(d.Month()) - int(first.Month())
		if i >= 0 && i < len(f.Revenue) {
			f.Revenue[i].Amount = f.Revenue[i].Amount.Add(decimal.New(cents, -2))
		}
	}
	return rows.Err()
}

// AgingKeys are the aging buckets in chart order.
var AgingKeys = []string{"current", "1_30", "31_60", "61_90", "over_90"}

// receivables: what finalized invoices still owe (adjusted total minus
// what was collected), by days past their due date.
func receivables(ctx context.Context, q store.Querier, sc workspace.Scope, today time.Time, f *Figures) error {
	f.Outstanding, f.Overdue = decimal.Zero, decimal.Zero
	for _, k := range AgingKeys {
		f.Aging = append(f.Aging, Bucket{Key: k, Amount: decimal.Zero})
	}
	rows, err := q.QueryContext(ctx, `SELECT COALESCE(due_date, date), SUM(total_adjusted_cents - collected_cents) FROM documents
		WHERE workspace_id = $1 AND test_mode = $2 AND kind = 'invoice' AND currency = $3 AND status = 'finalized'
		GROUP BY COALESCE(due_date, date)`, sc.ID, sc.TestMode, sc.Currency)
	if err != nil {
		return err
	}
	defer rows.Close()
	day0 := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	for rows.Next() {
		var due string
		var cents int64
		if err := rows.Scan(&due, &cents); err != nil {
			return err
		}
		amt := decimal.New(cents, -2)
		f.Outstanding = f.Outstanding.Add(amt)
		d, err := time.Parse(time.DateOnly, due[:min(len(due), 10)])
		if err != nil {
			continue
		}
		late := int(day0.Sub(d).Hours() / 24)
		i := 0
		switch {
		case late <= 0:
		case late <= 30:
			i = 1
		case late <= 60:
			i = 2
		case late <= 90:
			i = 3
		default:
			i = 4
		}
		if i > 0 {
			f.Overdue = f.Overdue.Add(amt)
		}
		f.Aging[i].Amount = f.Aging[i].Amount.Add(amt)
	}
	return rows.Err()
}

// payments: succeeded payments received since the first of this month.
func payments(ctx context.Context, q store.Querier, sc workspace.Scope, today time.Time, f *Figures) error {
	f.PaymentsMonth = decimal.Zero
	rows, err := q.QueryContext(ctx, `SELECT amount FROM payments
		WHERE workspace_id = $1 AND test_mode = $2 AND currency = $3 AND status = 'succeeded' AND payment_date >= $4`,
		sc.ID, sc.TestMode, sc.Currency, monthStart(today).UnixMicro())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var amt decimal.Decimal
		if err := rows.Scan(&amt); err != nil {
			return err
		}
		f.PaymentsMonth = f.PaymentsMonth.Add(amt)
		f.PaymentsCount++
	}
	return rows.Err()
}

// mrr: monthly recurring revenue, each active subscription's latest run
// invoice net of tax (subtotal) brought to one month by its frequency
// (a 2-week frequency counts 52/24 runs a month, a year 1/12).
func mrr(ctx context.Context, q store.Querier, sc workspace.Scope, f *Figures) error {
	f.MRR = decimal.Zero
	rows, err := q.QueryContext(ctx, `SELECT s.frequency, d.subtotal FROM subscriptions s JOIN documents d ON d.id = s.latest_invoice
		WHERE s.workspace_id = $1 AND s.test_mode = $2 AND s.status = 'active' AND d.currency = $3`, sc.ID, sc.TestMode, sc.Currency)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var freq string
		var amt decimal.Decimal
		if err := rows.Scan(&freq, &amt); err != nil {
			return err
		}
		fr, ok := catalog.FrequencyByID(freq)
		if !ok || fr.IntervalCount <= 0 {
			continue
		}
		n := decimal.NewFromInt(int64(fr.IntervalCount))
		if fr.Interval == catalog.IntervalWeek {
			f.MRR = f.MRR.Add(amt.Mul(decimal.NewFromInt(52)).Div(n.Mul(decimal.NewFromInt(12))))
		} else {
			f.MRR = f.MRR.Add(amt.Div(n))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	f.MRR = f.MRR.Round(2)
	return nil
}
