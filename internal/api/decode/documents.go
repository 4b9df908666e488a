package decode

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// Document decodes the body of a create (partial false) or an update of a
// document of kind k. Each kind reads its own fields (docs/documents.md,
// docs/procurement.md); the rules that need the database or the document
// type are the engine's.
func Document(k *document.Kind, body map[string]any, partial bool) *document.Draft {
	o := input.New(body, partial)
	dr := &document.Draft{Keys: keys(body)}
	typeRequired := k == document.Invoice || k == document.Order || k == document.Purchase || k == document.PurchaseCreditNote
	if ref, ok := TypeRef(o, typeRequired); ok {
		dr.Document = &ref
	}
	if v, ok := o.Date("date", true, false); ok {
		dr.Date = v
	}
	if k == document.PurchaseCreditNote {
		if o.Has("note") || !partial {
			if v, ok := o.String("note", input.StrOpt{Required: true, Max: k.NoteMax}); ok {
				dr.Note = document.Nullable[string]{Set: true, Value: v}
			}
		}
	} else {
		dr.Note.Set, dr.Note.Value = nullable(o, "note", k.NoteMax)
	}
	if v, ok := o.Metadata("metadata"); ok {
		raw := json.RawMessage(v)
		dr.Metadata = &raw
	}
	if refs, ok := References(o, false); ok {
		dr.References = &refs
	}
	if raw, ok := o.Raw("status"); ok {
		s, _ := raw.(string)
		dr.Status = &s
	}
	switch {
	case k == document.Invoice || k == document.Order:
		saleFields(o, k, dr)
	case k == document.Purchase:
		dr.Supplier = ref(o, "supplier", "sup", true, false)
		dr.Number = number(o)
		sideFields(o, dr)
		dr.DueDate = nullDate(o, "due_date")
		discount(o, dr)
	case k == document.Retention:
		dr.Purchase = parent(o, "purchase", "pur", partial)
		dr.Supplier = ref(o, "supplier", "sup", false, false)
		dr.InternalNote.Set, dr.InternalNote.Value = nullable(o, "internal_note", 1024)
	default: // credit and debit notes, purchase credit notes
		noteFields(o, k, dr, partial)
	}
	if k == document.Retention {
		dr.Lines = retentionLines(o)
	} else {
		dr.Lines = lines(o, k, !partial && !k.Adjusts)
	}
	dr.Errs = errsOf(o)
	return dr
}

// saleFields reads the fields of invoices and orders.
func saleFields(o *input.Object, k *document.Kind, dr *document.Draft) {
	dr.Customer = ref(o, "customer", "cus", true, false)
	sideFields(o, dr)
	if k == document.Order {
		orderFields(o, dr)
		return
	}
	dr.DueDate = nullDate(o, "due_date")
	dr.CollectionMethod = choice(o, "collection_method", "deferred", "deferred_dues", "automatically")
	dr.PeriodStart = nullDate(o, "period_start")
	dr.PeriodEnd = nullDate(o, "period_end")
	if o.Has("custom_change") {
		if raw, _ := o.Raw("custom_change"); raw == nil {
			dr.CustomChange.Set = true
		} else if v, ok := o.Decimal("custom_change", false, money.ParseMoney); ok {
			if v.LessThan(decimal.NewFromInt(1)) {
				o.Fail("custom_change", "Ensure this value is greater than or equal to 1.")
			} else {
				dr.CustomChange = document.Of(v)
			}
		}
	}
	discount(o, dr)
}

// sideFields reads currency and tax rate (invoices, orders, purchases).
func sideFields(o *input.Object, dr *document.Draft) {
	if o.Has("currency") {
		dr.Currency = str(o, "currency", 0)
	}
	dr.TaxPercent = decimalOf(o, "tax_percent", false, money.ParsePercent)
}

// discount reads the global discount and its scheme.
func discount(o *input.Object, dr *document.Draft) {
	dr.DiscountScheme = choice(o, "discount_scheme", "%", "$")
	dr.Discount = decimalOf(o, "discount", false, money.ParseMoney)
}

// orderFields reads the delivery fields of an order (docs/documents.md#43-create-body).
func orderFields(o *input.Object, dr *document.Draft) {
	if raw, ok := o.Raw("shipping_type"); ok {
		s := ""
		switch v := raw.(type) {
		case string:
			s = strings.TrimSpace(v)
		case json.Number:
			s = string(v)
		}
		if len(s) == 1 && s >= "1" && s <= "9" {
			dr.ShippingType = &s
		} else if raw == nil {
			o.Fail("shipping_type", input.MsgNull)
		} else {
			o.Fail("shipping_type", input.MsgChoice(fmt.Sprint(raw)))
		}
	}
	dr.Address.Set, dr.Address.Value = nullable(o, "address", 70)
	dr.State.Set, dr.State.Value = nullable(o, "state", 64)
	dr.CarrierID.Set, dr.CarrierID.Value = nullable(o, "carrier_id", 0) // its length depends on the type
	dr.CarrierName.Set, dr.CarrierName.Value = nullable(o, "carrier_name", 30)
	dr.LicencePlate.Set, dr.LicencePlate.Value = nullable(o, "licence_plate", 8)
}

// noteFields reads what credit and debit notes and purchase credit notes
// adjust, with their own fields.
func noteFields(o *input.Object, k *document.Kind, dr *document.Draft, partial bool) {
	switch k {
	case document.CreditNote:
		dr.Invoice = parent(o, "invoice", "inv", partial)
		if partial {
			dr.CreditNote = parent(o, "credit_note", "crn", partial)
		}
	case document.DebitNote:
		// one of the two, checked by the engine once the other fields are valid
		dr.Invoice, dr.CreditNote = optionalParent(o, "invoice", "inv", partial), optionalParent(o, "credit_note", "crn", partial)
	case document.PurchaseCreditNote:
		dr.Purchase = parent(o, "purchase", "pur", partial)
		dr.Number = number(o)
	}
	dr.InternalNote.Set, dr.InternalNote.Value = nullable(o, "internal_note", 1024)
	discount(o, dr)
	if sub, ok := o.Sub("tax_settings"); ok {
		dr.TaxSettings = map[string]any{}
		for _, key := range sub.Keys() {
			dr.TaxSettings[key], _ = sub.Raw(key)
		}
	}
}

// ref reads a reference to an object whose id has prefix.
func ref(o *input.Object, key, prefix string, required, nullable bool) document.Ref {
	raw, given := o.Raw(key)
	v, _ := o.Ref(key, required, nullable, func(s string) bool { return id.Valid(prefix, s) })
	return document.Ref{Given: given && raw != nil, ID: v}
}

// parent reads what a document adjusts: required on create; on an update
// the text sent, which the engine compares with the current one.
func parent(o *input.Object, key, prefix string, partial bool) document.Ref {
	if partial {
		raw, given := o.Raw(key)
		s, isStr := raw.(string)
		if !isStr {
			return document.Ref{Given: given}
		}
		return document.Ref{Given: given, ID: &s}
	}
	return ref(o, key, prefix, true, true)
}

// optionalParent is parent without the required check (debit notes).
func optionalParent(o *input.Object, key, prefix string, partial bool) document.Ref {
	if partial {
		return parent(o, key, prefix, partial)
	}
	return ref(o, key, prefix, false, true)
}

// number reads an explicit document number (purchases).
func number(o *input.Object) *int64 {
	raw, present := o.Raw("number")
	if !present || raw == nil {
		return nil
	}
	num, isNum := raw.(json.Number)
	v, err := strconv.ParseInt(string(num), 10, 64)
	if !isNum || err != nil {
		o.Fail("number", input.MsgInteger)
		return nil
	}
	return &v
}

// References reads a "references" list (docs/documents.md#02-reference); with dateEnd,
// items also take date_end (subscriptions, docs/billing.md#82-subscription-object).
func References(o *input.Object, dateEnd bool) ([]document.Reference, bool) {
	raw, ok := o.List("references", false)
	if !ok {
		if o.Has("references") && !o.Failed("references") {
			return []document.Reference{}, true
		}
		return nil, false
	}
	if len(raw) > 40 {
		o.Fail("references", "Ensure this field has no more than 40 elements.")
		return nil, false
	}
	out := make([]document.Reference, 0, len(raw))
	errs := make([]any, len(raw))
	bad := false
	for i, item := range raw {
		m, isMap := item.(map[string]any)
		if !isMap {
			errs[i], bad = notADict(item), true
			continue
		}
		r, ro := reference(m, dateEnd)
		errs[i] = map[string]any{}
		if !ro.OK() {
			errs[i], bad = ro.Errors(), true
		}
		out = append(out, r)
	}
	if bad {
		o.FailNested("references", errs)
		return nil, false
	}
	return out, true
}

func reference(m map[string]any, dateEnd bool) (document.Reference, *input.Object) {
	ro := input.New(m, false)
	var r document.Reference
	if v, ok := ro.Date("date", true, false); ok {
		r.Date = *v
	}
	if v, ok := ro.String("document", input.StrOpt{Required: true, Max: 16}); ok {
		if document.ValidReferenceDocument(*v) {
			r.Document = *v
		} else {
			ro.Fail("document", input.MsgPK(*v))
		}
	}
	if v, ok := ro.String("serial", input.StrOpt{Required: true, Max: 18}); ok {
		r.Serial = *v
	}
	r.Description = str(ro, "description", 90)
	if dateEnd {
		if v, ok := ro.Date("date_end", false, true); ok {
			r.DateEnd = v
		}
	}
	return r, ro
}

func notADict(item any) map[string]any {
	return map[string]any{"non_field_errors": []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", input.TypeName(item))}}
}

// lineList reads the lines list itself; nil when absent or wrong.
func lineList(o *input.Object, required bool) []any {
	raw, ok := o.List("lines", required)
	if !ok {
		return nil
	}
	if len(raw) == 0 {
		o.Fail("lines", input.MsgEmptyList)
		return nil
	}
	return raw
}

// lines reads document lines: an order line has no discounts,
// retentions, codes or plan.
func lines(o *input.Object, k *document.Kind, required bool) []document.LineDraft {
	raw := lineList(o, required)
	if raw == nil {
		return nil
	}
	return lineItems(raw, func(m map[string]any) document.LineDraft { return line(m, k.OrderLines) })
}

// lineItems decodes each item of a lines list with decode; an item that
// is not an object is an error of its own.
func lineItems(raw []any, decode func(map[string]any) document.LineDraft) []document.LineDraft {
	out := make([]document.LineDraft, len(raw))
	for i, item := range raw {
		m, isMap := item.(map[string]any)
		if !isMap {
			out[i].Errs = &apperr.Fields{}
			out[i].Errs.Nest("non_field_errors", notADict(item)["non_field_errors"])
			continue
		}
		out[i] = decode(m)
	}
	return out
}

// lineHead reads what every line has (id, name, description) and gives
// the line's reader for the rest.
func lineHead(m map[string]any) (*input.Object, document.LineDraft) {
	lo := input.New(m, false)
	var l document.LineDraft
	l.ID, _ = m["id"].(string)
	if v, ok := lo.String("name", input.StrOpt{Required: true, Max: 80}); ok {
		l.Name = v
	}
	l.Description = str(lo, "description", 1000)
	return lo, l
}

func line(m map[string]any, orderLine bool) document.LineDraft {
	lo, l := lineHead(m)
	if v, ok := lo.Decimal("quantity", true, money.ParseQuantity); ok {
		l.Quantity = &v
	}
	l.Amount = decimalOf(lo, "amount", true, money.ParseMoney)
	if v, ok := lo.Bool("exempt", false); ok {
		l.Exempt = &v
	}
	l.TaxPercent = decimalOf(lo, "tax_percent", false, money.ParsePercent)
	if !orderLine {
		l.DiscountScheme = choice(lo, "discount_scheme", "%", "$")
		l.Discount = decimalOf(lo, "discount", false, money.ParseMoney)
		l.RetentionPercent = decimalOf(lo, "retention_percent", false, money.ParsePercent)
		l.RetentionScheme = choice(lo, "retention_scheme", "subtotal", "tax")
		l.Code = str(lo, "code", 35)
		l.CodeScheme = str(lo, "code_scheme", 10)
		l.UnitLabel = str(lo, "unit_label", 4)
		if v, ok := lo.Ref("plan", false, true, func(s string) bool { return id.Valid("pla", s) }); ok {
			l.Plan = v
		}
	}
	l.Errs = errsOf(lo)
	return l
}

// retentionLines reads retention lines (docs/procurement.md#42-retention-object).
func retentionLines(o *input.Object) []document.LineDraft {
	raw := lineList(o, !o.Partial)
	if raw == nil {
		return nil
	}
	if len(raw) > 100 {
		o.Fail("lines", "Ensure this field has no more than 100 elements.")
		return nil
	}
	return lineItems(raw, retentionLine)
}

func retentionLine(m map[string]any) document.LineDraft {
	lo, l := lineHead(m)
	l.Amount = positive(lo, "amount", money.ParseMoney)
	l.RetentionPercent = positive(lo, "retention_percent", money.ParsePercent)
	l.Errs = errsOf(lo)
	return l
}

// positive reads a required decimal greater than 0.
func positive(o *input.Object, key string, parse func(any) (decimal.Decimal, error)) *decimal.Decimal {
	v := decimalOf(o, key, true, parse)
	if v != nil && !v.IsPositive() {
		o.Fail(key, "Ensure this value is greater than 0.")
	}
	return v
}

// nullDate reads an optional date an update may clear.
func nullDate(o *input.Object, key string) document.Nullable[string] {
	v, set := o.Date(key, false, true)
	return document.Nullable[string]{Set: set, Value: v}
}

// Cancellation decodes the body that cancels a retention.
func Cancellation(body map[string]any) *document.CancellationDraft {
	o := input.New(body, false)
	cd := &document.CancellationDraft{}
	v, _ := o.Ref("retention", true, false, func(s string) bool { return id.Valid("ret", s) })
	cd.Retention = document.Ref{Given: v != nil, ID: v}
	if raw, _ := o.Raw("document"); raw != nil {
		if ref, ok := TypeRef(o, false); ok {
			cd.Document = &ref
		}
	}
	if v, ok := o.Date("date", false, true); ok {
		cd.Date = v
	}
	cd.Note = str(o, "note", 64)
	cd.InternalNote = str(o, "internal_note", 1024)
	cd.Errs = errsOf(o)
	return cd
}
