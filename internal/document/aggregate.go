package document

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// References of customers and suppliers by documents (customer.Deps and
// supplier.Deps): a customer referenced by any document is archived, not
// destroyed; a supplier with purchases or credit notes cannot be deleted.
const (
	ReferencesCustomer = `SELECT 1 FROM documents WHERE customer_id = $1`
	ReferencesSupplier = `SELECT 1 FROM documents WHERE supplier_id = $1`
)

// CustomerAggregations is the customer.Aggregator of documents.
type CustomerAggregations struct{}

// Aggregate computes docs/billing.md#1-customers aggregations from the totals every
// invoice change maintains: exact integer sums of cents on both
// databases, a few rows per customer.
func (CustomerAggregations) Aggregate(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*customer.Customer) error {
	loc := sc.Loc
	if loc == nil {
		loc = time.UTC
	}
	now := clock.Now(ctx).In(loc)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	byID := map[string]*customer.Customer{}
	ids := make([]string, len(cs))
	for i, c := range cs {
		byID[c.ID], ids[i] = c, c.ID
	}
	args, in := store.InList([]any{sc.ID, sc.TestMode, monthStart.Format(time.DateOnly), monthStart.AddDate(0, 1, 0).Format(time.DateOnly)}, ids)
	// Sums of the maintained per-day totals (see customer_totals). Days in
	// the customer's currency collapse into one group; other currencies
	// keep their day for its exchange rate.
	const day = `CASE WHEN t.currency = c.currency THEN '' ELSE t.day END`
	rows, err := q.QueryContext(ctx, `SELECT t.customer_id, t.currency, `+day+`,
		SUM(t.sales_cents), SUM(CASE WHEN t.day >= $3 AND t.day < $4 THEN t.sales_cents ELSE 0 END), SUM(t.balance_cents)
		FROM customer_totals t JOIN customers c ON c.id = t.customer_id
		WHERE t.workspace_id = $1 AND t.test_mode = $2 AND t.customer_id IN (`+in+`)
		GROUP BY t.customer_id, t.currency, `+day, args...)
	if err != nil {
		return err
	}
	type group struct {
		customer, currency, day string
		sales, current, balance decimal.Decimal
	}
	var groups []group
	for rows.Next() {
		var g group
		var sales, current, balance string
		if err := rows.Scan(&g.customer, &g.currency, &g.day, &sales, &current, &balance); err != nil {
			rows.Close()
			return err
		}
		g.sales, g.current, g.balance = dec(sales).Shift(-2), dec(current).Shift(-2), dec(balance).Shift(-2)
		groups = append(groups, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	type sums struct{ sales, current, balance decimal.Decimal }
	acc := map[string]*sums{}
	for _, g := range groups {
		c := byID[g.customer]
		if g.currency != c.Currency {
			rate, ok, err := Rate(ctx, q, sc.ID, g.currency, c.Currency, g.day)
			if err != nil {
				return err
			}
			if !ok {
				continue // no rate: left out (docs/billing.md#1-customers)
			}
			g.sales, g.current, g.balance = g.sales.Mul(rate), g.current.Mul(rate), g.balance.Mul(rate)
		}
		s := acc[c.ID]
		if s == nil {
			s = &sums{}
			acc[c.ID] = s
		}
		s.sales, s.current, s.balance = s.sales.Add(g.sales), s.current.Add(g.current), s.balance.Add(g.balance)
	}
	for id, s := range acc {
		c := byID[id]
		scale := scaleOf(c.Currency)
		c.Aggregations = customer.Aggregations{
			Balance: money.NewMoney(money.Round(s.balance, scale)), Sales: money.NewMoney(money.Round(s.sales, scale)),
			SalesCurrentPeriod: money.NewMoney(money.Round(s.current, scale))}
	}
	return nil
}

// Rate is the exchange rate lookup of docs/catalogues.md#7-exchange-rates: the latest rate of
// the pair dated on or before day and at most 7 days old, the workspace's
// own rate before the operator's of the same date; else the inverse pair
// as 1/amount (10 decimals, half-up); else none.
func Rate(ctx context.Context, q store.Querier, workspaceID, from, to, day string) (decimal.Decimal, bool, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return decimal.Zero, false, nil
	}
	oldest := d.AddDate(0, 0, -7).Format(time.DateOnly)
	find := func(a, b string) (decimal.Decimal, bool, error) {
		var amount string
		err := q.QueryRowContext(ctx, `SELECT amount FROM (
			SELECT amount, date, 0 AS pick FROM workspace_rates WHERE workspace_id = $5 AND currency_from = $1 AND currency_to = $2 AND date <= $3 AND date >= $4
			UNION ALL SELECT amount, date, 1 AS pick FROM exchange_rates WHERE currency_from = $1 AND currency_to = $2 AND date <= $3 AND date >= $4) AS r
			ORDER BY date DESC, pick LIMIT 1`,
			a, b, day, oldest, workspaceID).Scan(&amount)
		if errors.Is(err, sql.ErrNoRows) {
			return decimal.Zero, false, nil
		}
		if err != nil {
			return decimal.Zero, false, err
		}
		v, err := decimal.NewFromString(amount)
		return v, err == nil && v.IsPositive(), err
	}
	if v, ok, err := find(from, to); err != nil || ok {
		return v, ok, err
	}
	v, ok, err := find(to, from)
	if err != nil || !ok {
		return decimal.Zero, false, err
	}
	return money.Round(decimal.NewFromInt(1).DivRound(v, 16), 10), true, nil
}
