package subscription

import (
	"context"
	"fmt"

	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/product"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// batch is one transaction of a billing run and what its runs share, read
// once for all of them instead of once per run (issue 15, set reads): the
// claimed subscriptions with their items, their customers' statuses, and
// the plans, add-ons and coupons they name. Its tail writes the invoice
// numbers and customer totals last.
type batch struct {
	tail      *document.Tail
	order     []string
	subs      map[string]*Sub // claimed, locked, with their items
	customers map[string]*customer.Customer
	plans     map[string]*product.Plan
	addons    map[string]*product.Addon
	coupons   map[string]*product.Coupon
	// the rows of the runs done in memory (heldRun), written by flush
	runs  [][]any
	saves []*Sub
}

// claimBatch locks up to limit subscriptions of sc with a run or a resume
// due at day (docs/billing.md#84-billing-schedule), passing over the ones
// another runner holds (SKIP LOCKED on PostgreSQL), and reads them, their
// items and their customers' statuses in three queries. The due
// conditions are checked under the lock: PostgreSQL re-evaluates them on
// the locked row version.
func claimBatch(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, day string, limit int) (*batch, error) {
	b := &batch{tail: &document.Tail{Events: &event.Batch{}}, subs: map[string]*Sub{},
		plans: map[string]*product.Plan{}, addons: map[string]*product.Addon{}, coupons: map[string]*product.Coupon{}}
	var subs []*Sub
	// two queries, each on its partial index (an OR of both conditions
	// made every batch scan the whole table)
	for _, cond := range []string{`s.status = 'active' AND s.next_billing <= $3 ORDER BY s.next_billing`, `s.status = 'paused' AND s.pause_until <= $3 ORDER BY s.pause_until`} {
		if len(subs) >= limit {
			break
		}
		rs, err := q.QueryContext(ctx, `SELECT `+columns+` FROM subscriptions s WHERE s.workspace_id = $1 AND s.test_mode = $2 AND s.test_clock_id IS NULL AND `+cond+
			` LIMIT `+fmt.Sprint(limit-len(subs))+d.SkipLocked(), sc.ID, sc.TestMode, day)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			s, err := scan(rs)
			if err != nil {
				rs.Close()
				return nil, err
			}
			subs = append(subs, s)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	if len(subs) == 0 {
		return b, nil
	}
	if err := loadItems(ctx, q, subs); err != nil {
		return nil, err
	}
	cusIDs := make([]string, len(subs))
	for i, s := range subs {
		b.order = append(b.order, s.ID)
		b.subs[s.ID] = s
		cusIDs[i] = s.CustomerID
	}
	var err error
	b.customers, err = customer.GetIn(ctx, q, sc, cusIDs)
	return b, err
}

// flush writes the batch: its held runs' rows and subscriptions, then its
// tail (events, customer totals, numbers and the invoices' rows), each in
// multi-row statements.
func (b *batch) flush(de document.Env) error {
	if err := store.InsertRows(de.Ctx, de.Q, de.D, "subscription_runs", runsColumns, b.runs, ""); err != nil {
		return err
	}
	rows := make([][]any, len(b.saves))
	for i, s := range b.saves {
		rows[i] = runChangesRow(s)
	}
	if err := store.UpdateRows(de.Ctx, de.Q, de.D, "subscriptions", "id", runChanges, rows); err != nil {
		return err
	}
	b.runs, b.saves = nil, nil
	return b.tail.Flush(de)
}

// memo returns m[id], reading it with get the first time in a batch
// (plans, add-ons and coupons are not changed by runs). Without a batch
// it reads every time.
func memo[T any](b *batch, m func(*batch) map[string]T, id string, get func() (T, error)) (T, error) {
	if b == nil {
		return get()
	}
	if v, ok := m(b)[id]; ok {
		return v, nil
	}
	v, err := get()
	if err == nil {
		m(b)[id] = v
	}
	return v, err
}

func (e env) plan(planID string) (*product.Plan, error) {
	return memo(e.batch, func(b *batch) map[string]*product.Plan { return b.plans }, planID, func() (*product.Plan, error) {
		return product.Plans.Get(e.ctx, e.q, e.sc, planID)
	})
}

func (e env) addon(addonID string) (*product.Addon, error) {
	return memo(e.batch, func(b *batch) map[string]*product.Addon { return b.addons }, addonID, func() (*product.Addon, error) {
		return product.Addons.Get(e.ctx, e.q, e.sc, addonID)
	})
}

func (e env) coupon(couponID string) (*product.Coupon, error) {
	return memo(e.batch, func(b *batch) map[string]*product.Coupon { return b.coupons }, couponID, func() (*product.Coupon, error) {
		return product.Coupons.Get(e.ctx, e.q, e.sc, couponID)
	})
}

// customerStatus is the status of s's customer (read with the batch).
func (e env) customerStatus(s *Sub) (string, error) {
	if e.batch != nil {
		if c, ok := e.batch.customers[s.CustomerID]; ok {
			return c.Status, nil
		}
	}
	var st string
	err := e.q.QueryRowContext(e.ctx, `SELECT status FROM customers WHERE id = $1`, s.CustomerID).Scan(&st)
	return st, err
}
