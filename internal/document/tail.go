package document

import (
	"cmp"
	"slices"

	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/store"
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
	// Events, when set, holds the events of the tail's documents for a
	// multi-row write at Flush (a billing batch).
	Events  *event.Batch
	inserts []*Doc // documents whose row Flush writes (CreateHeld)
	mails   []*Doc // finalized held documents to email once written
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
	if t.Events != nil {
		if err := t.Events.Flush(e.Ctx, e.Q, e.D); err != nil {
			return err
		}
	}
	keys := make([]totalsKey, 0, len(t.totals))
	for k, d := range t.totals {
		if d != (totalsDelta{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b totalsKey) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.currency, b.currency), cmp.Compare(a.day, b.day))
	})
	rows := make([][]any, len(keys))
	for i, k := range keys {
		rows[i] = totalsRow(e, k, t.totals[k])
	}
	if err := store.InsertRows(e.Ctx, e.Q, e.D, "customer_totals", totalsColumns, rows, totalsConflict); err != nil {
		return err
	}
	t.totals = nil
	if err := t.flushNumbers(e); err != nil {
		return err
	}
	t.numbers = nil
	return t.flushInserts(e)
}

// flushInserts writes the held documents' rows, numbered, in multi-row
// statements, then emails the finalized ones (the email refers to the
// row).
func (t *Tail) flushInserts(e Env) error {
	rows := make([][]any, len(t.inserts))
	for i, d := range t.inserts {
		rows[i] = insertArgs(e.Scope, d)
		d.insertPending = false
	}
	if err := store.InsertRows(e.Ctx, e.Q, e.D, "documents", insertColumns, rows, ""); err != nil {
		return err
	}
	t.inserts = nil
	for _, d := range t.mails {
		if err := e.Deps.Mail.DocumentFinalized(e, d); err != nil {
			return err
		}
	}
	t.mails = nil
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
			if d.insertPending { // written numbered by flushInserts
				*d.Number, d.numberPending = n, false
				continue
			}
			if _, err := e.Q.ExecContext(e.Ctx, `UPDATE documents SET number = $1 WHERE id = $2 AND workspace_id = $3 AND test_mode = $4`,
				n, d.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
				return err
			}
			*d.Number, d.numberPending = n, false
		}
	}
	return nil
}
