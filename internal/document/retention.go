package document

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
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

// readRetentionLines validates retention lines (docs/procurement.md#42-retention-object).
func readRetentionLines(o *input.Object, existing []Line, now int64) ([]Line, bool) {
	raw, ok := o.List("lines", !o.Partial)
	if !ok {
		return nil, false
	}
	if len(raw) == 0 {
		o.Fail("lines", input.MsgEmptyList)
		return nil, false
	}
	if len(raw) > 100 {
		o.Fail("lines", "Ensure this field has no more than 100 elements.")
		return nil, false
	}
	byID := map[string]Line{}
	for _, l := range existing {
		byID[l.ID] = l
	}
	lines := make([]Line, len(raw))
	errs := make([]any, len(raw))
	bad := false
	for i, item := range raw {
		m, isMap := item.(map[string]any)
		if !isMap {
			errs[i], bad = map[string]any{"non_field_errors": []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", input.TypeName(item))}}, true
			continue
		}
		lo := input.New(m, false)
		l := Line{Quantity: "1", Discount: "0", DiscountScheme: "%", TaxPercent: "0", RetentionScheme: "subtotal", Created: now, Updated: now}
		if v, ok := lo.String("name", input.StrOpt{Required: true, Max: 80}); ok {
			l.Name = *v
		}
		if v, ok := lo.String("description", input.StrOpt{Max: 1000}); ok {
			l.Description = v
		}
		if v, ok := lo.Decimal("amount", true, money.ParseMoney); ok {
			if !v.IsPositive() {
				lo.Fail("amount", "Ensure this value is greater than 0.")
			}
			l.Amount = v.String()
		}
		if v, ok := lo.Decimal("retention_percent", true, money.ParsePercent); ok {
			if !v.IsPositive() {
				lo.Fail("retention_percent", "Ensure this value is greater than 0.")
			}
			l.RetentionPercent = v.String()
		}
		if rid, ok := m["id"].(string); ok {
			if prev, found := byID[rid]; found {
				l.ID, l.Created = prev.ID, prev.Created
				delete(byID, rid)
			}
		}
		if l.ID == "" {
			l.ID = id.New("lin")
		}
		lines[i] = l
		if lo.OK() {
			errs[i] = map[string]any{}
		} else {
			errs[i], bad = lo.Errors(), true
		}
	}
	if bad {
		o.FailNested("lines", errs)
		return nil, false
	}
	return lines, true
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

// applyRetention reads a retention body onto d.
func applyRetention(e Env, o *input.Object, d *Doc, creating bool) error {
	var pur *Doc
	if creating {
		pur = refDoc(e, o, "purchase", Purchase, true)
		if pur != nil && pur.Status != StatusFinalized {
			o.Fail("purchase", msgRetentionPurchase)
			pur = nil
		}
		if pur != nil {
			d.PurchaseID, d.SupplierID, d.Currency = pur.ID, pur.SupplierID, pur.Currency
		}
	} else {
		if raw, ok := o.Raw("purchase"); ok && raw != d.PurchaseID {
			o.Fail("purchase", input.MsgNoChange)
		}
		var err error
		if pur, err = get(e.Ctx, e.Q, e.Scope, Purchase, d.PurchaseID, ""); err != nil {
			return err
		}
		if pur.Status != StatusFinalized {
			o.Fail("purchase", msgRetentionPurchase)
			pur = nil
		}
	}
	if v, ok := o.Ref("supplier", false, false, func(s string) bool { return id.Valid("sup", s) }); ok && v != nil && pur != nil && *v != pur.SupplierID {
		o.Fail("supplier", "Must be the purchase's supplier.")
	}
	if o.Has("document") {
		if t, ok := resolveType(o, e.Scope, Retention, false); ok {
			d.TypeID = t.ID
		}
	}
	if d.TypeID == "" {
		t, ok := defaultType(Retention, e.Scope.Country)
		if !ok {
			o.Fail("document", input.MsgRequired)
		}
		d.TypeID = t.ID
	}
	t := d.Type()
	applyCommon(o, Retention, d, t)
	if v, ok := o.String("internal_note", input.StrOpt{Max: 1024}); ok {
		d.InternalNote = v
	}
	if lines, ok := readRetentionLines(o, d.Lines, e.Now.UnixMicro()); ok {
		d.Lines = lines
	}
	if pur != nil && d.Date != "" && d.Date < pur.Date && !o.Failed("date") {
		o.Fail("date", "Date cannot be earlier than the purchase date.")
	}
	rejectStatus(o, Retention, d)
	if !o.OK() || pur == nil {
		return o.Err()
	}
	computeRetention(d, scaleOf(d.Currency))
	if msg := retentionLimit(d, pur); msg != "" {
		o.Fail("lines", msg)
	}
	return o.Err()
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
