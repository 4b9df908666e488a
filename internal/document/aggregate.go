package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

func init() {
	customer.Aggregator = aggregateCustomers
	// A customer referenced by any document is archived, not destroyed.
	customer.RegisterActivity(`SELECT 1 FROM documents WHERE customer_id = $1`)
}

// aggregateCustomers computes billing.md §1 aggregations at read time from
// the customers' invoices, converted to each customer's currency.
func aggregateCustomers(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*customer.Customer) error {
	args := []any{sc.ID, sc.TestMode}
	byID := map[string]*customer.Customer{}
	var phs []string
	for _, c := range cs {
		byID[c.ID] = c
		args = append(args, c.ID)
		phs = append(phs, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT id, customer_id, currency, date, status, total_adjusted FROM documents
		WHERE workspace_id = $1 AND test_mode = $2 AND kind = 'invoice' AND status IN ('finalized', 'paid', 'uncollectible', 'cancelled')
		AND customer_id IN (`+strings.Join(phs, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	type inv struct{ id, customer, currency, date, status, ta string }
	var invs []inv
	for rows.Next() {
		var i inv
		var ta sql.NullString
		if err := rows.Scan(&i.id, &i.customer, &i.currency, &i.date, &i.status, &ta); err != nil {
			rows.Close()
			return err
		}
		i.ta = ta.String
		invs = append(invs, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	loc := sc.Loc
	if loc == nil {
		loc = time.UTC
	}
	month := clock.Now(ctx).In(loc).Format("2006-01")
	type sums struct{ sales, current, balance decimal.Decimal }
	acc := map[string]*sums{}
	for _, i := range invs {
		c := byID[i.customer]
		amount := dec(i.ta)
		if i.currency != c.Currency {
			rate, ok, err := Rate(ctx, q, i.currency, c.Currency, i.date)
			if err != nil {
				return err
			}
			if !ok {
				continue // no rate: left out (billing.md §1)
			}
			amount = amount.Mul(rate)
		}
		s := acc[c.ID]
		if s == nil {
			s = &sums{}
			acc[c.ID] = s
		}
		s.sales = s.sales.Add(amount)
		if strings.HasPrefix(i.date, month) {
			s.current = s.current.Add(amount)
		}
		if i.status != StatusUncollectible {
			collected, err := Collected(ctx, q, sc, i.id)
			if err != nil {
				return err
			}
			s.balance = s.balance.Add(amount.Sub(collected))
		}
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

// Rate is the exchange rate lookup of catalogues.md §7: the latest rate of
// the pair dated on or before day and at most 7 days old; else the inverse
// pair as 1/amount (10 decimals, half-up); else none.
func Rate(ctx context.Context, q store.Querier, from, to, day string) (decimal.Decimal, bool, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return decimal.Zero, false, nil
	}
	oldest := d.AddDate(0, 0, -7).Format(time.DateOnly)
	find := func(a, b string) (decimal.Decimal, bool, error) {
		var amount string
		err := q.QueryRowContext(ctx, `SELECT amount FROM exchange_rates WHERE currency_from = $1 AND currency_to = $2 AND date <= $3 AND date >= $4 ORDER BY date DESC LIMIT 1`,
			a, b, day, oldest).Scan(&amount)
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
