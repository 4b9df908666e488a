package document

import (
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
)

// A billing batch creates and finalizes most run invoices without a
// statement of their own (issue 15): the invoice is built and finalized in
// memory with the rules of Create and Finalize, its events go to the
// tail's event batch, and its row is written numbered at the tail's
// Flush, with the batch's other invoices in multi-row statements.

// CanHold tells whether the invoices of document type typeID can be
// created and finalized in memory with e: e has a tail with an event
// batch, and the type has no tax agency (its biller submits nothing and
// numbers nothing).
func CanHold(e Env, typeID string) bool {
	if e.Tail == nil || e.Tail.Events == nil {
		return false
	}
	t, ok := catalog.DocumentTypeByID(typeID)
	if !ok || t.HasLocalFormat {
		return false
	}
	_, none := e.Deps.Billers.For(t).(biller.None)
	return none
}

// CreateHeld is CreateForSubscription for a type CanHold accepts: the
// draft is validated and numbered like any, and its row is left for the
// tail's Flush.
func CreateHeld(e Env, dr *Draft, subscriptionID string) (*Doc, error) {
	d := newDoc(e, Invoice)
	if err := apply(e, Invoice, dr, d, true); err != nil {
		return nil, err
	}
	d.SubscriptionID = &subscriptionID
	d.insertPending = true
	e.Tail.inserts = append(e.Tail.inserts, d)
	if d.Number == nil {
		e.Tail.holdNumber(d)
	}
	return d, e.emit(Invoice.Event+".created", d.ID)
}

// FinalizeHeld is Finalize of a draft made by CreateHeld, in memory: the
// same checks, totals, receiver, status, events and customer totals. The
// email of the finalized invoice is queued once its row is written.
func FinalizeHeld(e Env, d *Doc) (*Doc, error) {
	receiver, party, err := finalReceiver(e, Invoice, d)
	if err != nil {
		return nil, err
	}
	bl := biller.None{}
	if err := freeze(e, Invoice, d, bl, party); err != nil {
		return nil, err
	}
	if err := submit(e, d, bl, party); err != nil {
		return nil, err
	}
	d.Status = StatusFinalized
	d.Receiver = json.RawMessage(jsonText(receiver))
	d.TotalAdjusted = &d.Total
	if err := hold(e, d); err != nil {
		return nil, err
	}
	if err := e.emit(Invoice.Event+".finalized", d.ID); err != nil {
		return nil, err
	}
	// settleInvoice of an invoice without notes or payments: paid when
	// there is nothing to collect
	if d.Total.Sign() <= 0 {
		d.Status, d.Uncollectible, d.Updated = StatusPaid, nil, e.Now.UnixMicro()
		if err := hold(e, d); err != nil {
			return nil, err
		}
		if err := e.emit("invoice.paid", d.ID); err != nil {
			return nil, err
		}
		if err := invoiceSettled(e, d); err != nil {
			return nil, err
		}
	}
	if e.Deps.Mail != nil {
		e.Tail.mails = append(e.Tail.mails, d)
	}
	return d, nil
}

// hold is save of a held document: its contribution to the customer's
// totals moves in the tail; the row is written at Flush.
func hold(e Env, d *Doc) error {
	if err := applyContribution(e, d.loaded, d.contribution()); err != nil {
		return err
	}
	d.loaded = d.contribution()
	return nil
}
