package document

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/shopspring/decimal"
)

// Purchases (docs/procurement.md#2-purchases) and purchase credit notes (docs/procurement.md#3-purchase-credit-notes): the same
// engine, with a supplier instead of a customer. A purchase either is
// issued by the workspace (a type of kind "purchase") or records a
// document a supplier issued (an invoice or debit note type: imported,
// the supplier's own number, no agency submission).
var (
	Purchase           = &Kind{Name: "purchase", Prefix: "pur", Plural: "purchases", Event: "purchase", Path: "/purchases/", TypeKind: catalog.KindPurchase, NoteMax: 100, Buying: true}
	PurchaseCreditNote = &Kind{Name: "purchase_credit_note", Prefix: "pcn", Plural: "purchase credit notes", Event: "purchase.creditnote", Path: "/purchases/credit-notes/", TypeKind: catalog.KindCreditNote, NoteMax: 64, Buying: true, Adjusts: true}
)

// received: a purchase type that records someone else's document.
func received(t catalog.DocumentType) bool { return t.Kind != catalog.KindPurchase }

// applyNumber sets the explicit number of a purchase: a received type
// needs the supplier's, a type numbered by the agency takes none.
func applyNumber(dr *Draft, fe *apperr.Fields, d *Doc, t catalog.DocumentType, typeOK bool) {
	if fe.Has("number") {
		return
	}
	var n int64
	if dr.Number != nil {
		if *dr.Number < 0 {
			fe.Add("number", "Ensure this value is greater than or equal to 1.")
			return
		}
		n = *dr.Number
	}
	if !typeOK {
		return
	}
	switch {
	case received(t):
		d.Imported = true
		if n < 1 {
			fe.Add("number", "The supplier's document number is required for received documents.")
			return
		}
		d.Number = &n
	case t.HasLocalFormat:
		if n != 0 {
			fe.Add("number", fmt.Sprintf("Numbers of document type %s are assigned from the CAF at finalize.", t.ID))
		}
	case n > 0:
		d.Number = &n
	}
}

// applyPurchase validates a purchase onto d.
func applyPurchase(e Env, dr *Draft, d *Doc, creating bool) error {
	fe := dr.errs()
	var sup *supplier.Supplier
	if dr.Supplier.ID != nil {
		s, msg, err := supplier.Ref(e.Ctx, e.Q, e.D, e.Scope, *dr.Supplier.ID, false)
		if err != nil {
			return err
		}
		if msg != "" {
			fe.Add("supplier", msg)
		} else {
			sup, d.SupplierID = s, s.ID
		}
	}
	t, typeOK := resolveType(e, dr, fe, Purchase, d)
	if creating || dr.Has("number") || dr.Has("document") {
		d.Number, d.Imported = nil, false
		applyNumber(dr, fe, d, t, typeOK)
	}
	supCurrency := e.Scope.Currency
	if sup != nil {
		supCurrency = sup.Currency
	}
	applyCurrencyTax(dr, fe, d, t, typeOK, creating, supCurrency)
	applyCommon(dr, d)
	dr.DueDate.Apply(&d.DueDate)
	scale := scaleOf(d.Currency)
	applyDiscount(dr, fe, d, scale)
	if lines, ok := readLines(dr, fe, Purchase, t, scale, d.Lines, e.Now.UnixMicro()); ok {
		if typeOK {
			agencyRetention(e, dr, lines, t)
		}
		d.Lines = lines
	}
	if typeOK && t.HasLocalFormat && !received(t) && d.Date != "" && d.Date > today(e.Scope, e.Now) && !fe.Has("date") {
		fe.Add("date", fmt.Sprintf("Date cannot be in the future for document type %s.", t.ID))
	}
	if d.DueDate != nil && d.Date != "" && *d.DueDate < d.Date && !fe.Has("due_date") {
		fe.Add("due_date", "Must be on or after date.")
	}
	if err := checkedTotals(dr, fe, Purchase, d, t, scale); err != nil {
		return err
	}
	d.TotalAdjusted = &d.Total
	if err := checkPurchaseNumber(e, d, t); err != nil {
		return err
	}
	return issuedNumber(e, d, t)
}

// issuedNumber numbers an issued draft of a type without a local format
// from the type's sequence (docs/conventions.md#9-fiscal-document-lifecycle), skipping the numbers explicit ones
// already took (docs/procurement.md#23-create-body: a US5 may carry its own).
func issuedNumber(e Env, d *Doc, t catalog.DocumentType) error {
	if d.Number != nil || d.Imported || t.HasLocalFormat {
		return nil
	}
	for {
		n, err := nextNumber(e.Ctx, e.Q, e.Scope, t.ID)
		if err != nil {
			return err
		}
		var used int
		if err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $3 AND number = $4 AND imported = $5`,
			e.Scope.ID, e.Scope.TestMode, t.ID, n, false).Scan(&used); err != nil {
			return err
		}
		if used == 0 {
			d.Number = &n
			return nil
		}
	}
}

// checkPurchaseNumber: a supplier's number is unique per supplier and type;
// an explicit issued number is unique within the type.
func checkPurchaseNumber(e Env, d *Doc, t catalog.DocumentType) error {
	if d.Number == nil {
		return nil
	}
	var n int
	var err error
	if d.Imported {
		err = e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE workspace_id = $1 AND test_mode = $2 AND kind = $3 AND supplier_id = $4
			AND document_type = $5 AND number = $6 AND id <> $7 AND imported = $8`, e.Scope.ID, e.Scope.TestMode, d.Kind, d.SupplierID, t.ID, *d.Number, d.ID, true).Scan(&n)
	} else {
		err = e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE workspace_id = $1 AND test_mode = $2 AND document_type = $3 AND number = $4 AND id <> $5
			AND imported = $6`, e.Scope.ID, e.Scope.TestMode, t.ID, *d.Number, d.ID, false).Scan(&n)
	}
	if err != nil {
		return err
	}
	if n > 0 {
		if d.Imported {
			return apperr.NonField("A purchase with this supplier, document and number already exists.")
		}
		return apperr.Field("number", fmt.Sprintf("Number %d is already used by document type %s.", *d.Number, t.ID))
	}
	return nil
}

// finalizedPurchase is the purchase a new credit note or retention names:
// nil, with the field message msg, unless it is finalized.
func finalizedPurchase(e Env, fe *apperr.Fields, dr *Draft, msg string) *Doc {
	pur := refDoc(e, fe, dr.Purchase, "purchase", Purchase)
	if pur != nil && pur.Status != StatusFinalized {
		fe.Add("purchase", msg)
		return nil
	}
	return pur
}

// applyPurchaseNote validates a purchase credit note onto d.
func applyPurchaseNote(e Env, dr *Draft, d *Doc, creating bool) error {
	fe := dr.errs()
	var pur *Doc
	if creating {
		pur = finalizedPurchase(e, fe, dr, "Only finalized purchases can be credited.")
		if pur == nil {
			return fe.Only("purchase", "note", "date").Err()
		}
		d.PurchaseID, d.SupplierID, d.Currency, d.TaxPercent = pur.ID, pur.SupplierID, pur.Currency, pur.TaxPercent
	} else {
		var err error
		if pur, err = currentPurchase(e, dr, fe, d); err != nil {
			return err
		}
	}
	purType := pur.Type()
	t := d.Type()
	if nt, ok := typeOf(dr, fe, e.Scope, PurchaseCreditNote); ok {
		if nt.Country != purType.Country {
			fe.Add("document", fmt.Sprintf("Document type %s cannot credit a purchase of type %s.", nt.ID, purType.ID))
		} else {
			t, d.TypeID = *nt, nt.ID
		}
	}
	typeOK := d.TypeID != ""
	if !typeOK {
		t = fallbackType
	}
	// the credit note takes the side of its purchase
	if creating || dr.Has("number") {
		applyNoteNumber(dr, fe, d, t, typeOK, pur.Imported)
	}
	applyCommon(dr, d)
	dr.InternalNote.Apply(&d.InternalNote)
	if d.Date != "" && !fe.Has("date") && d.Date < pur.Date {
		fe.Add("date", "Date cannot be earlier than the purchase date.")
	}
	scale := scaleOf(d.Currency)
	full, err := purchaseNoteLines(e, dr, fe, d, t, scale, creating, pur)
	if err != nil {
		return err
	}
	applyNoteTaxSettings(e.Deps.Billers, dr, fe, d, purType, creating, full)
	if err := checkedTotals(dr, fe, PurchaseCreditNote, d, t, scale); err != nil {
		return err
	}
	if err := checkPurchaseNoteLimit(e, d); err != nil {
		return err
	}
	if err := checkPurchaseNumber(e, d, t); err != nil {
		return err
	}
	if !typeOK {
		return nil
	}
	return issuedNumber(e, d, t)
}

// applyNoteNumber sets the number of a purchase credit note: the
// supplier's when the purchase was received, else the workspace's own.
func applyNoteNumber(dr *Draft, fe *apperr.Fields, d *Doc, t catalog.DocumentType, typeOK, received bool) {
	d.Number, d.Imported = nil, false
	if fe.Has("number") {
		return
	}
	v := dr.Number
	switch {
	case received && (v == nil || *v == 0):
		fe.Add("number", "The supplier's document number is required for received documents.")
	case received && *v < 1:
		fe.Add("number", apperr.MsgInteger)
	case received:
		d.Number, d.Imported = v, true
	case v == nil:
	case *v < 0:
		fe.Add("number", apperr.MsgInteger)
	case *v > 0 && typeOK && t.HasLocalFormat:
		// issued by the workspace: its own numbering (docs/conventions.md#9-fiscal-document-lifecycle)
		fe.Add("number", fmt.Sprintf("Numbers of document type %s are assigned from the CAF at finalize.", t.ID))
	case *v > 0:
		d.Number = v
	}
}

// purchaseNoteLines: lines given → a partial credit; omitted on create →
// a copy of the purchase's (full is then true).
// agencyRetention gives the lines the withholding the agency asks of the
// buyer on a purchase of type t (a factura de compra: the whole VAT),
// unless a line says otherwise.
func agencyRetention(e Env, dr *Draft, lines []Line, t catalog.DocumentType) {
	rules, ok := e.Deps.Billers.RulesFor(t)
	if !ok {
		return
	}
	if percent, scheme, ok := rules.LineRetention(t); ok {
		for i := range lines {
			if i < len(dr.Lines) && dr.Lines[i].RetentionPercent == nil {
				lines[i].RetentionPercent, lines[i].RetentionScheme = percent, scheme
			}
		}
	}
}

func purchaseNoteLines(e Env, dr *Draft, fe *apperr.Fields, d *Doc, t catalog.DocumentType, scale int32, creating bool, pur *Doc) (full bool, err error) {
	if dr.Has("lines") || !creating {
		if lines, ok := readLines(dr, fe, PurchaseCreditNote, t, scale, d.Lines, e.Now.UnixMicro()); ok {
			agencyRetention(e, dr, lines, pur.Type()) // a note withholds as its purchase does
			d.Lines = lines
		}
		applyDiscount(dr, fe, d, scale)
		return false, nil
	}
	fe.Drop("discount", "discount_scheme") // not read: the copy carries the discount
	var others int
	if err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE purchase_id = $1 AND kind = $2 AND workspace_id = $3 AND test_mode = $4`,
		pur.ID, PurchaseCreditNote.Name, e.Scope.ID, e.Scope.TestMode).Scan(&others); err != nil {
		return false, err
	}
	if others > 0 {
		fe.Add("lines", "The purchase was already partially credited; list the lines to credit.")
		return false, nil
	}
	d.Lines, d.Discount, d.DiscountScheme = copyLines(pur.Lines, e.Now.UnixMicro()), pur.Discount, pur.DiscountScheme
	return true, nil
}

// purchaseCredits sums the finalized credit notes of a purchase.
func purchaseCredits(e Env, purchaseID, except string) (decimal.Decimal, error) {
	return sumTotals(e, `purchase_id = $1 AND kind = 'purchase_credit_note'`, purchaseID, except)
}

// currentPurchase loads the purchase of a stored credit note or
// retention; the purchase cannot change.
func currentPurchase(e Env, dr *Draft, fe *apperr.Fields, d *Doc) (*Doc, error) {
	if dr.Purchase.Given && (dr.Purchase.ID == nil || *dr.Purchase.ID != d.PurchaseID) {
		fe.Add("purchase", apperr.MsgNoChange)
	}
	return get(e.Ctx, e.Q, e.Scope, Purchase, d.PurchaseID, "")
}

func checkPurchaseNoteLimit(e Env, d *Doc) error {
	return checkRemaining(e, d, Purchase, d.PurchaseID, func(pur *Doc) (decimal.Decimal, error) { return purchaseCredits(e, pur.ID, d.ID) },
		"Credit note total (%s) exceeds the purchase's creditable amount (%s).")
}

// settlePurchase recomputes a purchase's total_adjusted after one of its
// credit notes was finalized: cancelled at 0.
func settlePurchase(e Env, purchaseID string) error {
	pur, err := e.lock(Purchase, purchaseID)
	if err != nil {
		return err
	}
	credits, err := purchaseCredits(e, purchaseID, "")
	if err != nil {
		return err
	}
	ta := pur.Total.Sub(credits)
	pur.TotalAdjusted, pur.Updated = &ta, e.Now.UnixMicro()
	evt := "purchase.updated"
	if ta.Sign() <= 0 && pur.Status == StatusFinalized {
		pur.Status, evt = StatusCancelled, "purchase.cancelled"
	}
	if err := save(e, pur); err != nil {
		return err
	}
	return e.emit(evt, pur.ID)
}
