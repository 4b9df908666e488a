package document

import (
	"cmp"
	"slices"
)

// Tail holds the writes of a transaction that take the locks every
// concurrent writer queues on (a document type's sequence row, a
// customer's totals row) and runs them at Flush, the transaction's last
// statements before COMMIT: those locks are then held for about one
// commit instead of the whole transaction (issue 15). A request creating
// or finalizing a document and a batch of billing runs each use one; the
// numbers stay gapless and in creation order, and the totals are the sum
// of the same contributions.
type Tail struct {
	numbers []*Doc // drafts waiting for their sequence number, in creation order
	totals  map[totalsKey]totalsDelta
}

type totalsKey struct{ customer, currency, day string }

type totalsDelta struct{ sales, balance int64 }

// holdNumber makes d wait for its number until Flush. d.Number becomes the
// place Flush writes it into, so a view rendered from d before Flush
// (sharing the pointer) shows the number.
func (t *Tail) holdNumber(d *Doc) {
	d.Number = new(int64)
	d.numberPending = true
	t.numbers = append(t.numbers, d)
}

func (t *Tail) addTotals(c contribution, sign int64) {
	if c.customer == "" {
		return
	}
	if t.totals == nil {
		t.totals = map[totalsKey]totalsDelta{}
	}
	k := totalsKey{c.customer, c.currency, c.day}
	cur := t.totals[k]
	t.totals[k] = totalsDelta{cur.sales + sign*c.sales, cur.balance + sign*c.balance}
}

// Flush writes what t holds: the totals rows (in key order, so concurrent
// tails lock them in one order), then one block of numbers per document
// type. t is empty afterwards.
func (t *Tail) Flush(e Env) error {
	e.Tail = nil
	keys := make([]totalsKey, 0, len(t.totals))
	for k, d := range t.totals {
		if d != (totalsDelta{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b totalsKey) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.currency, b.currency), cmp.Compare(a.day, b.day))
	})
	for _, k := range keys {
		if err := upsertTotals(e, k, t.totals[k]); err != nil {
			return err
		}
	}
	t.totals = nil
	if err := t.flushNumbers(e); err != nil {
		return err
	}
	t.numbers = nil
	return nil
}

// flushNumbers reserves one block per document type (types in name order)
// and writes each held draft's number.
func (t *Tail) flushNumbers(e Env) error {
	byType := map[string][]*Doc{}
	for _, d := range t.numbers {
		byType[d.TypeID] = append(byType[d.TypeID], d)
	}
	types := make([]string, 0, len(byType))
	for typeID := range byType {
		types = append(types, typeID)
	}
	slices.Sort(types)
	for _, typeID := range types {
		docs := byType[typeID]
		first, err := reserveNumbers(e.Ctx, e.Q, e.Scope, typeID, len(docs))
		if err != nil {
			return err
		}
		for i, d := range docs {
			n := first + int64(i)
			if _, err := e.Q.ExecContext(e.Ctx, `UPDATE documents SET number = $1 WHERE id = $2 AND workspace_id = $3 AND test_mode = $4`,
				n, d.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
				return err
			}
			*d.Number, d.numberPending = n, false
		}
	}
	return nil
}
