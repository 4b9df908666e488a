package document

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/shopspring/decimal"
)

// Purchases (docs/procurement.md#2-purchases) and purchase credit notes (docs/procurement.md#3-purchase-credit-notes): the same
// engine, with a supplier instead of a customer. A purchase either is
// issued by the workspace (kind "purchase": US5, CL46) or records a
// document a supplier issued (US1, CL33, CL34, CL56 received: imported,
// the supplier's own number, no agency submission).
var (
	Purchase           = &Kind{Name: "purchase", Prefix: "pur", Plural: "purchases", Event: "purchase", Path: "/purchases/", TypeKind: catalog.KindPurchase, NoteMax: 100, Buying: true}
	PurchaseCreditNote = &Kind{Name: "purchase_credit_note", Prefix: "pcn", Plural: "purchase credit notes", Event: "purchase.creditnote", Path: "/purchases/credit-notes/", TypeKind: catalog.KindCreditNote, NoteMax: 64, Buying: true, Adjusts: true}
)

// received: a purchase type that records someone else's document.
func received(t catalog.DocumentType) bool { return t.Kind != catalog.KindPurchase }

// readNumber reads the explicit number of a purchase or purchase credit note.
func readNumber(o *input.Object, d *Doc, t catalog.DocumentType, typeOK bool) {
	raw, present := o.Raw("number")
	var n int64
	if present && raw != nil {
		num, isNum := raw.(json.Number)
		v, err := strconv.ParseInt(string(num), 10, 64)
		if !isNum || err != nil {
			o.Fail("number", input.MsgInteger)
			return
		}
		if v < 0 {
			o.Fail("number", "Ensure this value is greater than or equal to 1.")
			return
		}
		n = v
	}
	if !typeOK {
		return
	}
	switch {
	case received(t):
		d.Imported = true
		if n < 1 {
			o.Fail("number", "The supplier's document number is required for received documents.")
			return
		}
		d.Number = &n
	case t.HasLocalFormat:
		if n != 0 {
			o.Fail("number", fmt.Sprintf("Numbers of document type %s are assigned from the CAF at finalize.", t.ID))
		}
	case n > 0:
		d.Number = &n
	}
}

// applyPurchase reads a purchase body onto d.
func applyPurchase(e Env, o *input.Object, d *Doc, creating bool) error {
	sid, ok := o.Ref("supplier", true, false, func(s string) bool { return id.Valid("sup", s) })
	var sup *supplier.Supplier
	if ok && sid != nil {
		s, msg, err := supplier.Ref(e.Ctx, e.Q, e.D, e.Scope, *sid, false)
		if err != nil {
			return err
		}
		if msg != "" {
			o.Fail("supplier", msg)
		} else {
			sup, d.SupplierID = s, s.ID
		}
	}
	t := d.Type()
	if nt, ok := resolveType(o, e.Scope, Purchase, true); ok {
		t = *nt
		d.TypeID = t.ID
	}
	typeOK := d.TypeID != "" && !o.Failed("document")
	if !typeOK {
		t = fallbackType
	}
	if creating || o.Has("number") || o.Has("document") {
		d.Number, d.Imported = nil, false
		readNumber(o, d, t, typeOK)
	}
	supCurrency := e.Scope.Currency
	if sup != nil {
		supCurrency = sup.Currency
	}
	if o.Has("currency") {
		if v, ok := o.String("currency", input.StrOpt{}); ok && v != nil {
			if c, found := catalog.CurrencyByID(*v); !found || !c.Available {
				o.Fail("currency", input.MsgPK(*v))
			} else if typeOK && t.HasLocalFormat && *v != t.Currency {
				o.Fail("currency", fmt.Sprintf("Document type %s is issued in %s.", t.ID, t.Currency))
			} else {
				d.Currency = *v
			}
		}
	}
	if typeOK && t.HasLocalFormat {
		d.Currency = t.Currency
	} else if d.Currency == "" {
		d.Currency = supCurrency
	}
	if creating || (o.Has("document") && typeOK) {
		d.TaxPercent = t.Tax
	}
	if v, ok := o.Decimal("tax_percent", false, money.ParsePercent); ok {
		if typeOK && t.HasLocalFormat && !v.Equal(t.Tax) {
			o.Fail("tax_percent", fmt.Sprintf("Tax rate is fixed at %s for document type %s.", money.NewPercent(t.Tax), t.ID))
		} else {
			d.TaxPercent = v
		}
	}
	applyCommon(o, Purchase, d, t)
	if v, ok := o.Date("due_date", false, true); ok {
		d.DueDate = v
	}
	scale := scaleOf(d.Currency)
	readDiscount(o, d, scale)
	if lines, ok := readLines(o, Purchase, t, scale, creating, d.Lines, e.Now.UnixMicro()); ok {
		if typeOK && t.ID == "CL46" {
			// The buyer withholds the whole VAT unless a line says otherwise
			// (docs/procurement.md#23-create-body, ImptoReten code 15).
			raw, _ := o.List("lines", false)
			for i := range lines {
				m, _ := raw[i].(map[string]any)
				if _, set := m["retention_percent"]; !set {
					lines[i].RetentionPercent, lines[i].RetentionScheme = "100", "tax"
				}
			}
		}
		d.Lines = lines
	}
	if typeOK && t.HasLocalFormat && !received(t) && d.Date != "" && d.Date > today(e.Scope, e.Now) && !o.Failed("date") {
		o.Fail("date", fmt.Sprintf("Date cannot be in the future for document type %s.", t.ID))
	}
	if d.DueDate != nil && d.Date != "" && *d.DueDate < d.Date && !o.Failed("due_date") {
		o.Fail("due_date", "Must be on or after date.")
	}
	rejectStatus(o, Purchase, d)
	if !o.OK() {
		return o.Err()
	}
	computeTotals(o, d, t, scale)
	if err := o.Err(); err != nil {
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

// applyPurchaseNote reads a purchase credit note body onto d.
func applyPurchaseNote(e Env, o *input.Object, d *Doc, creating bool) error {
	var pur *Doc
	if creating {
		pur = refDoc(e, o, "purchase", Purchase, true)
		if pur != nil && pur.Status != StatusFinalized {
			o.Fail("purchase", "Only finalized purchases can be credited.")
			pur = nil
		}
		if pur == nil {
			o.String("note", input.StrOpt{Required: true, Max: 64})
			o.Date("date", true, false)
			return o.Err()
		}
		d.PurchaseID, d.SupplierID, d.Currency, d.TaxPercent = pur.ID, pur.SupplierID, pur.Currency, pur.TaxPercent
	} else {
		if raw, ok := o.Raw("purchase"); ok && raw != d.PurchaseID {
			o.Fail("purchase", input.MsgNoChange)
		}
		var err error
		if pur, err = get(e.Ctx, e.Q, e.Scope, Purchase, d.PurchaseID, ""); err != nil {
			return err
		}
	}
	purType := pur.Type()
	t := d.Type()
	if nt, ok := resolveType(o, e.Scope, PurchaseCreditNote, creating); ok {
		if nt.Country != purType.Country {
			o.Fail("document", fmt.Sprintf("Document type %s cannot credit a purchase of type %s.", nt.ID, purType.ID))
		} else {
			t, d.TypeID = *nt, nt.ID
		}
	}
	typeOK := d.TypeID != ""
	if !typeOK {
		t = fallbackType
	}
	// the credit note takes the side of its purchase
	if creating || o.Has("number") {
		d.Number, d.Imported = nil, false
		if pur.Imported {
			raw, present := o.Raw("number")
			num, isNum := raw.(json.Number)
			v, err := strconv.ParseInt(string(num), 10, 64)
			switch {
			case !present || raw == nil || (isNum && err == nil && v == 0):
				o.Fail("number", "The supplier's document number is required for received documents.")
			case !isNum || err != nil || v < 1:
				o.Fail("number", input.MsgInteger)
			default:
				d.Number, d.Imported = &v, true
			}
		} else if raw, present := o.Raw("number"); present && raw != nil {
			// issued by the workspace: its own numbering (docs/conventions.md#9-fiscal-document-lifecycle)
			num, isNum := raw.(json.Number)
			v, err := strconv.ParseInt(string(num), 10, 64)
			switch {
			case !isNum || err != nil || v < 0:
				o.Fail("number", input.MsgInteger)
			case v > 0 && typeOK && t.HasLocalFormat:
				o.Fail("number", fmt.Sprintf("Numbers of document type %s are assigned from the CAF at finalize.", t.ID))
			case v > 0:
				d.Number = &v
			}
		}
	}
	applyCommon(o, PurchaseCreditNote, d, t)
	// applyCommon read note as optional; here it is required (an error
	// already recorded there is not repeated)
	if (o.Has("note") || creating) && !o.Failed("note") {
		if v, ok := o.String("note", input.StrOpt{Required: true, Max: 64}); ok {
			d.Note = v
		}
	}
	if v, ok := o.String("internal_note", input.StrOpt{Max: 1024}); ok {
		d.InternalNote = v
	}
	if d.Date != "" && !o.Failed("date") && d.Date < pur.Date {
		o.Fail("date", "Date cannot be earlier than the purchase date.")
	}
	scale := scaleOf(d.Currency)
	full := false
	if o.Has("lines") {
		if lines, ok := readLines(o, PurchaseCreditNote, t, scale, false, d.Lines, e.Now.UnixMicro()); ok {
			d.Lines = lines
		}
		readDiscount(o, d, scale)
	} else if creating {
		var others int
		if err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE purchase_id = $1 AND kind = $2 AND workspace_id = $3 AND test_mode = $4`,
			pur.ID, PurchaseCreditNote.Name, e.Scope.ID, e.Scope.TestMode).Scan(&others); err != nil {
			return err
		}
		if others > 0 {
			o.Fail("lines", "The purchase was already partially credited; list the lines to credit.")
		} else {
			d.Lines, d.Discount, d.DiscountScheme, full = copyLines(pur.Lines, e.Now.UnixMicro()), pur.Discount, pur.DiscountScheme, true
		}
	} else {
		readDiscount(o, d, scale)
	}
	readNoteTaxSettings(o, d, creating, full)
	rejectStatus(o, PurchaseCreditNote, d)
	if !o.OK() {
		return o.Err()
	}
	computeTotals(o, d, t, scale)
	if err := o.Err(); err != nil {
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

// purchaseCredits sums the finalized credit notes of a purchase.
func purchaseCredits(e Env, purchaseID, except string) (decimal.Decimal, error) {
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT total FROM documents WHERE purchase_id = $1 AND kind = $2 AND status = 'finalized' AND id <> $3 AND workspace_id = $4 AND test_mode = $5`,
		purchaseID, PurchaseCreditNote.Name, except, e.Scope.ID, e.Scope.TestMode)
	if err != nil {
		return decimal.Zero, err
	}
	defer rows.Close()
	sum := decimal.Zero
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return decimal.Zero, err
		}
		sum = sum.Add(dec(t))
	}
	return sum, rows.Err()
}

func checkPurchaseNoteLimit(e Env, d *Doc) error {
	pur, err := get(e.Ctx, e.Q, e.Scope, Purchase, d.PurchaseID, "")
	if err != nil {
		return err
	}
	credits, err := purchaseCredits(e, pur.ID, d.ID)
	if err != nil {
		return err
	}
	remaining := pur.Total.Sub(credits)
	if d.Total.GreaterThan(remaining) {
		return apperr.NonField(fmt.Sprintf("Credit note total (%s) exceeds the purchase's creditable amount (%s).", money.NewMoney(d.Total), money.NewMoney(remaining)))
	}
	return nil
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
	if err := save(e.Ctx, e.Q, e.Scope, pur); err != nil {
		return err
	}
	return e.emit(evt, pur.ID)
}

// supplierRules are the supplier data CL46 needs at finalize (the supplier
// is the receiver of its XML).
func checkSupplier(e Env, d *Doc) (*supplier.Supplier, error) {
	s, msg, err := supplier.Ref(e.Ctx, e.Q, e.D, e.Scope, d.SupplierID, false)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return nil, apperr.Field("supplier", msg)
	}
	t := d.Type()
	if t.ID == "CL46" && !d.Imported {
		if s.TaxID == nil {
			return nil, apperr.Field("supplier", "The supplier needs a tax_id for document type CL46.")
		}
		if s.Address == nil {
			return nil, apperr.Field("supplier", "The supplier needs an address for document type CL46.")
		}
		var ts map[string]any
		_ = json.Unmarshal(s.TaxSettings, &ts)
		for _, key := range []string{"cl_activity_description", "cl_commune"} {
			if v, _ := ts[key].(string); v == "" {
				return nil, apperr.Field("supplier", fmt.Sprintf("The supplier needs tax_settings.%s for document type CL46.", key))
			}
		}
	}
	return s, nil
}
