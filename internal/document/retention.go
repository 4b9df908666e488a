package document

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// Retention is the withholding certificate of docs/procurement.md#4-retentions: the same
// engine with its own line and its own totals formula.
var Retention = &Kind{Name: "retention", Prefix: "ret", Plural: "retentions", Event: "retention", Path: "/retentions/",
	TypeKind: catalog.KindRetention, NoteMax: 100, Buying: true}

// defaultType is the first catalogue type the kind accepts in the
// workspace's country (else the generic US one).
func defaultType(k *Kind, country string) (catalog.DocumentType, bool) {
	var fallback *catalog.DocumentType
	for _, t := range catalog.DocumentTypes() {
		if !k.accepts(t) || !t.Available(country) {
			continue
		}
		if t.Country == country {
			return t, true
		}
		if fallback == nil {
			tt := t
			fallback = &tt
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return catalog.DocumentType{}, false
}

// retentionLines builds retention lines (docs/procurement.md#42-retention-object): a base
// amount and a rate each. A line sent back with its id keeps it.
func retentionLines(dr *Draft, fe *apperr.Fields, existing []Line, now int64) ([]Line, bool) {
	if dr.Lines == nil {
		return nil, false
	}
	byID := map[string]Line{}
	for _, l := range existing {
		byID[l.ID] = l
	}
	return collectLines(dr, fe, func(ld LineDraft) (Line, *apperr.Fields) {
		l := Line{Quantity: "1", Discount: "0", DiscountScheme: "%", TaxPercent: "0", RetentionScheme: "subtotal", Created: now, Updated: now,
			Description: ld.Description}
		if ld.Name != nil {
			l.Name = *ld.Name
		}
		if ld.Amount != nil {
			l.Amount = ld.Amount.String()
		}
		if ld.RetentionPercent != nil {
			l.RetentionPercent = ld.RetentionPercent.String()
		}
		if prev, found := byID[ld.ID]; found && ld.ID != "" {
			l.ID, l.Created = prev.ID, prev.Created
			delete(byID, ld.ID)
		}
		if l.ID == "" {
			l.ID = id.New("lin")
		}
		return l, ld.Errs
	})
}

// computeRetention is the retention formula: each line withholds
// round(amount × rate / 100); the document certifies the sum.
func computeRetention(d *Doc, scale int32) {
	base, withheld := decimal.Zero, decimal.Zero
	for i := range d.Lines {
		l := &d.Lines[i]
		r := money.Round(dec(l.Amount).Mul(dec(l.RetentionPercent)).Div(decimal.NewFromInt(100)), scale)
		s := r.String()
		l.Retention, l.Total = &s, s
		base, withheld = base.Add(dec(l.Amount)), withheld.Add(r)
	}
	d.Amount, d.Subtotal, d.Total = base, base, withheld
	d.Retention, d.Exempt, d.Tax = &withheld, nil, nil
	d.TaxPercent = decimal.Zero
}

// applyRetention validates a retention onto d.
func applyRetention(e Env, dr *Draft, d *Doc, creating bool) error {
	fe := dr.errs()
	var pur *Doc
	if creating {
		pur = finalizedPurchase(e, fe, dr, msgRetentionPurchase)
		if pur != nil {
			d.PurchaseID, d.SupplierID, d.Currency = pur.ID, pur.SupplierID, pur.Currency
		}
	} else {
		var err error
		if pur, err = currentPurchase(e, dr, fe, d); err != nil {
			return err
		}
		if pur.Status != StatusFinalized {
			fe.Add("purchase", msgRetentionPurchase)
			pur = nil
		}
	}
	if v := dr.Supplier.ID; v != nil && pur != nil && *v != pur.SupplierID {
		fe.Add("supplier", "Must be the purchase's supplier.")
	}
	if t, ok := typeOf(dr, fe, e.Scope, Retention); ok {
		d.TypeID = t.ID
	}
	if d.TypeID == "" {
		t, ok := defaultType(Retention, e.Scope.Country)
		if !ok {
			fe.Add("document", apperr.MsgRequired)
		}
		d.TypeID = t.ID
	}
	applyCommon(dr, d)
	dr.InternalNote.Apply(&d.InternalNote)
	if lines, ok := retentionLines(dr, fe, d.Lines, e.Now.UnixMicro()); ok {
		d.Lines = lines
	}
	if pur != nil && d.Date != "" && d.Date < pur.Date && !fe.Has("date") {
		fe.Add("date", "Date cannot be earlier than the purchase date.")
	}
	rejectStatus(dr, fe, Retention, d)
	if !fe.OK() || pur == nil {
		return fe.Err()
	}
	computeRetention(d, scaleOf(d.Currency))
	if msg := retentionLimit(d, pur); msg != "" {
		fe.Add("lines", msg)
	}
	return fe.Err()
}

const msgRetentionPurchase = "Only finalized purchases can have retentions."

// retentionLimit: the bases may not exceed the purchase's total_adjusted.
func retentionLimit(d, pur *Doc) string {
	limit := pur.Total
	if pur.TotalAdjusted != nil {
		limit = *pur.TotalAdjusted
	}
	if d.Amount.GreaterThan(limit) {
		return fmt.Sprintf("The base amounts (%s) exceed the purchase total (%s).", money.NewMoney(d.Amount), money.NewMoney(limit))
	}
	return ""
}

// checkRetention re-validates a retention at finalize (docs/conventions.md#9-fiscal-document-lifecycle): its
// purchase, locked so credit notes finalize around it one at a time, must
// still be finalized and its total_adjusted must still cover the bases.
func checkRetention(e Env, d *Doc) error {
	pur, err := e.lock(Purchase, d.PurchaseID)
	if err != nil {
		return err
	}
	if pur.Status != StatusFinalized {
		return apperr.Field("purchase", msgRetentionPurchase)
	}
	if msg := retentionLimit(d, pur); msg != "" {
		return apperr.Field("lines", msg)
	}
	return nil
}
