package document

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/taxid"
	"github.com/cobrobilling/cobro/internal/totals"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// resolveType reads the "document" field: a type id, or an integer (JSON
// number or digits) meaning "<workspace country><n>" (docs/conventions.md#5-object-ids).
func resolveType(o *input.Object, sc workspace.Scope, k *Kind, required bool) (*catalog.DocumentType, bool) {
	raw, present := o.Raw("document")
	if !present {
		if required && !o.Partial {
			o.Fail("document", input.MsgRequired)
		}
		return nil, false
	}
	var ref string
	switch v := raw.(type) {
	case nil:
		o.Fail("document", input.MsgNull)
		return nil, false
	case string:
		ref = strings.TrimSpace(v)
	case json.Number:
		ref = string(v)
	default:
		o.Fail("document", input.MsgPKType(input.TypeName(raw)))
		return nil, false
	}
	if _, err := strconv.Atoi(ref); err == nil && ref != "" {
		ref = sc.Country + strings.TrimLeft(ref, "0")
	}
	t, ok := catalog.DocumentTypeByID(ref)
	if !ok {
		o.Fail("document", input.MsgPK(ref))
		return nil, false
	}
	if !k.accepts(t) {
		o.Fail("document", fmt.Sprintf("Document type %s cannot be used for %s.", t.ID, k.Plural))
		return nil, false
	}
	if !t.Available(sc.Country) {
		o.Fail("document", fmt.Sprintf("Document type %s is not available in this workspace.", t.ID))
		return nil, false
	}
	return &t, true
}

// today is the calendar date in the workspace time zone.
func today(sc workspace.Scope, now time.Time) string {
	loc := sc.Loc
	if loc == nil {
		loc = time.UTC
	}
	return now.In(loc).Format(time.DateOnly)
}

func str(s string) *string { return &s }

// applyCommon reads the fields every kind shares onto d.
func applyCommon(o *input.Object, k *Kind, d *Doc, t catalog.DocumentType) {
	if v, ok := o.Date("date", true, false); ok {
		d.Date = *v
	}
	if v, ok := o.String("note", input.StrOpt{Max: k.NoteMax}); ok {
		d.Note = v
	}
	if v, ok := o.Metadata("metadata"); ok {
		d.Metadata = json.RawMessage(v)
	}
	if refs, ok := readReferences(o); ok {
		d.Refs = refs
	}
}

func readReferences(o *input.Object) ([]Reference, bool) { return ReadReferences(o, false) }

// ReadReferences reads a "references" list (docs/documents.md#02-reference); with
// dateEnd, items also take date_end (subscriptions, docs/billing.md#82-subscription-object).
func ReadReferences(o *input.Object, dateEnd bool) ([]Reference, bool) {
	raw, ok := o.List("references", false)
	if !ok {
		if o.Has("references") && !o.Failed("references") {
			return []Reference{}, true // null clears
		}
		return nil, false
	}
	if len(raw) > 40 {
		o.Fail("references", "Ensure this field has no more than 40 elements.")
		return nil, false
	}
	out := make([]Reference, 0, len(raw))
	errs := make([]any, len(raw))
	bad := false
	for i, item := range raw {
		m, isMap := item.(map[string]any)
		if !isMap {
			errs[i] = map[string]any{"non_field_errors": []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", input.TypeName(item))}}
			bad = true
			continue
		}
		ro := input.New(m, false)
		var r Reference
		if v, ok := ro.Date("date", true, false); ok {
			r.Date = *v
		}
		if v, ok := ro.String("document", input.StrOpt{Required: true, Max: 16}); ok {
			if _, isType := catalog.DocumentTypeByID(*v); isType {
				r.Document = *v
			} else if _, isRef := catalog.ReferenceTypeByID(*v); isRef {
				r.Document = *v
			} else {
				ro.Fail("document", input.MsgPK(*v))
			}
		}
		if v, ok := ro.String("serial", input.StrOpt{Required: true, Max: 18}); ok {
			r.Serial = *v
		}
		if v, ok := ro.String("description", input.StrOpt{Max: 90}); ok {
			r.Description = v
		}
		if dateEnd {
			if v, ok := ro.Date("date_end", false, true); ok {
				r.DateEnd = v
			}
		}
		if ro.OK() {
			errs[i] = map[string]any{}
		} else {
			errs[i] = ro.Errors()
			bad = true
		}
		out = append(out, r)
	}
	if bad {
		o.FailNested("references", errs)
		return nil, false
	}
	return out, true
}

// readDiscount reads the global discount and its scheme.
func readDiscount(o *input.Object, d *Doc, scale int32) {
	if v, ok := o.Choice("discount_scheme", false, "%", "$"); ok {
		d.DiscountScheme = v
	}
	if v, ok := o.Decimal("discount", false, money.ParseMoney); ok {
		d.Discount = v
	}
	if !o.Failed("discount") && d.DiscountScheme == "$" && scale == 0 && money.DecimalPlaces(d.Discount) > 0 {
		o.Fail("discount", money.MsgDecimalPlaces(0))
	}
}

// lineInput validates one line body. existing maps line ids of the stored
// document so a line sent back with its id keeps it.
func readLine(raw any, k *Kind, t catalog.DocumentType, scale int32, existing map[string]Line, now int64) (Line, map[string]any) {
	m, isMap := raw.(map[string]any)
	if !isMap {
		return Line{}, map[string]any{"non_field_errors": []string{fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", input.TypeName(raw))}}
	}
	lo := input.New(m, false)
	l := Line{Discount: "0", DiscountScheme: "%", TaxPercent: "0", RetentionPercent: "0", RetentionScheme: "subtotal", Created: now, Updated: now}
	if v, ok := lo.String("name", input.StrOpt{Required: true, Max: 80}); ok {
		l.Name = *v
	}
	if v, ok := lo.String("description", input.StrOpt{Max: 1000}); ok {
		l.Description = v
	}
	if v, ok := lo.Decimal("quantity", true, money.ParseQuantity); ok {
		l.Quantity = money.NewQuantity(v).String()
	}
	if v, ok := lo.Decimal("amount", true, money.ParseMoney); ok {
		l.Amount = v.String()
	}
	if v, ok := lo.Bool("exempt", false); ok {
		l.Exempt = v
	}
	if v, ok := lo.Decimal("tax_percent", false, money.ParsePercent); ok {
		if v.IsPositive() && t.HasLocalFormat {
			lo.Fail("tax_percent", fmt.Sprintf("Extra line taxes are not supported for document type %s.", t.ID))
		} else {
			l.TaxPercent = v.String()
		}
	}
	if !k.OrderLines {
		if v, ok := lo.Choice("discount_scheme", false, "%", "$"); ok {
			l.DiscountScheme = v
		}
		if v, ok := lo.Decimal("discount", false, money.ParseMoney); ok {
			l.Discount = v.String()
			if l.DiscountScheme == "$" && scale == 0 && money.DecimalPlaces(v) > 0 {
				lo.Fail("discount", money.MsgDecimalPlaces(0))
			}
		}
		if v, ok := lo.Decimal("retention_percent", false, money.ParsePercent); ok {
			l.RetentionPercent = v.String()
		}
		if v, ok := lo.Choice("retention_scheme", false, "subtotal", "tax"); ok {
			l.RetentionScheme = v
		}
		if v, ok := lo.String("code", input.StrOpt{Max: 35}); ok {
			l.Code = v
		}
		if v, ok := lo.String("code_scheme", input.StrOpt{Max: 10}); ok {
			l.CodeScheme = v
		}
		if l.Code != nil && l.CodeScheme == nil {
			l.CodeScheme = str("INT1")
		}
		if v, ok := lo.String("unit_label", input.StrOpt{Max: 4}); ok {
			l.UnitLabel = v
		}
		if v, ok := lo.Ref("plan", false, true, func(s string) bool { return id.Valid("pla", s) }); ok {
			l.Plan = v // existence is checked against the scope by checkPlans
		}
	}
	if rawID, ok := m["id"].(string); ok {
		if prev, found := existing[rawID]; found {
			l.ID, l.Created = prev.ID, prev.Created
		}
	}
	if l.ID == "" {
		l.ID = id.New("lin")
	}
	if !lo.OK() {
		return l, lo.Errors()
	}
	return l, nil
}

// readLines validates the lines list. It returns false when the list was
// absent or invalid (errors recorded on o).
func readLines(o *input.Object, k *Kind, t catalog.DocumentType, scale int32, required bool, existing []Line, now int64) ([]Line, bool) {
	raw, ok := o.List("lines", required)
	if !ok {
		return nil, false
	}
	if len(raw) == 0 {
		o.Fail("lines", input.MsgEmptyList)
		return nil, false
	}
	if t.MaxLines > 0 && len(raw) > t.MaxLines {
		o.Fail("lines", fmt.Sprintf("Document type %s accepts at most %d lines.", t.ID, t.MaxLines))
		return nil, false
	}
	byID := map[string]Line{}
	for _, l := range existing {
		byID[l.ID] = l
	}
	lines := make([]Line, len(raw))
	errs := make([]any, len(raw))
	bad := false
	seen := map[string]bool{}
	for i, item := range raw {
		l, e := readLine(item, k, t, scale, byID, now)
		if seen[l.ID] {
			// the same id sent twice: only the first line keeps it
			l.ID, l.Created = id.New("lin"), now
		}
		seen[l.ID] = true
		lines[i] = l
		if e != nil {
			errs[i] = e
			bad = true
		} else {
			errs[i] = map[string]any{}
		}
	}
	if bad {
		o.FailNested("lines", errs)
		return nil, false
	}
	return lines, true
}

// computeTotals applies docs/conventions.md#8-totals-formula to d and records rule violations on o.
func computeTotals(o *input.Object, d *Doc, t catalog.DocumentType, scale int32) {
	in := totals.Doc{TaxPercent: d.TaxPercent, Scale: scale, Discount: d.Discount, DiscountScheme: d.DiscountScheme,
		LinesIncludeTax: t.HasLinesTotal, AllExempt: t.Tax.IsZero() && !t.HasTaxes}
	for _, l := range d.Lines {
		in.Lines = append(in.Lines, totals.Line{Quantity: dec(l.Quantity), Amount: dec(l.Amount), Exempt: l.Exempt,
			Discount: dec(l.Discount), DiscountScheme: l.DiscountScheme, TaxPercent: dec(l.TaxPercent),
			RetentionPercent: dec(l.RetentionPercent), RetentionScheme: l.RetentionScheme})
	}
	res, errs := totals.Compute(in)
	if len(errs) > 0 {
		lineErrs := make([]any, len(d.Lines))
		anyLine := false
		for i := range lineErrs {
			lineErrs[i] = map[string]any{}
		}
		for _, e := range errs {
			if e.Line >= 0 && e.Line < len(d.Lines) {
				m := lineErrs[e.Line].(map[string]any)
				m[e.Field] = []string{e.Msg}
				anyLine = true
			} else if !o.Failed(e.Field) {
				o.Fail(e.Field, e.Msg)
			}
		}
		if anyLine && !o.Failed("lines") {
			o.FailNested("lines", lineErrs)
		}
		return
	}
	for i := range d.Lines {
		lr := res.Lines[i]
		d.Lines[i].Exempt = lr.Exempt
		d.Lines[i].Total = lr.Total.String()
		d.Lines[i].Tax = decStr(lr.Tax)
		d.Lines[i].Retention = decStr(lr.Retention)
	}
	d.Amount, d.Exempt, d.Tax, d.Retention = res.Amount, res.Exempt, res.Tax, res.Retention
	d.Subtotal, d.Total = res.Subtotal, res.Total
}

func dec(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	d, _ := decimal.NewFromString(s)
	return d
}

func decStr(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	return str(d.String())
}

// scaleOf is the currency scale of d.
func scaleOf(currency string) int32 {
	c, _ := catalog.CurrencyByID(currency)
	return money.ScaleFor(c.Rounded)
}

// readCustomer resolves the customer field (invoices and orders).
func readCustomer(ctx context.Context, q store.Querier, dl store.Dialect, sc workspace.Scope, o *input.Object, required bool) (*customer.Customer, error) {
	cid, ok := o.Ref("customer", required, false, func(s string) bool { return id.Valid("cus", s) })
	if !ok || cid == nil {
		return nil, nil
	}
	c, msg, err := customer.Ref(ctx, q, dl, sc, *cid, false)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		o.Fail("customer", msg)
		return nil, nil
	}
	return c, nil
}

// readOrderFields reads the order-only fields (docs/documents.md#43-create-body).
func readOrderFields(o *input.Object, d *Doc, t catalog.DocumentType, customerCountry string) {
	if raw, ok := o.Raw("shipping_type"); ok {
		s := ""
		switch v := raw.(type) {
		case string:
			s = strings.TrimSpace(v)
		case json.Number:
			s = string(v)
		}
		if len(s) == 1 && s >= "1" && s <= "9" {
			d.ShippingType = &s
		} else if raw == nil {
			o.Fail("shipping_type", input.MsgNull)
		} else {
			o.Fail("shipping_type", input.MsgChoice(fmt.Sprint(raw)))
		}
	}
	if v, ok := o.String("address", input.StrOpt{Max: 70}); ok {
		d.Address = v
	}
	if v, ok := o.String("state", input.StrOpt{Max: 64}); ok {
		d.State = v
	}
	if d.State != nil && !o.Failed("state") && customerCountry != "" {
		if st, found := catalog.StateOf(customerCountry, *d.State); found {
			d.State = str(st.Code)
		} else if o.Has("state") {
			o.Fail("state", fmt.Sprintf("State %q does not belong to country %s.", *d.State, customerCountry))
		}
	}
	fiscalCL := t.Country == "CL" && t.HasLocalFormat
	carrierMax := 10
	if fiscalCL {
		carrierMax = 16 // a RUT may come with dots; its normalised form is checked below
	}
	if v, ok := o.String("carrier_id", input.StrOpt{Max: carrierMax}); ok {
		d.CarrierID = v
	}
	if v, ok := o.String("carrier_name", input.StrOpt{Max: 30}); ok {
		d.CarrierName = v
	}
	if v, ok := o.String("licence_plate", input.StrOpt{Max: 8}); ok {
		d.LicencePlate = v
	}
	if fiscalCL {
		if d.CarrierID != nil && !o.Failed("carrier_id") {
			if norm, err := taxid.Normalize("CL", *d.CarrierID); err != nil {
				o.Fail("carrier_id", err.Error())
			} else if len(norm) > 10 {
				o.Fail("carrier_id", input.MsgMaxLen(10))
			} else {
				d.CarrierID = &norm
			}
		}
		if d.CarrierID != nil && d.CarrierName == nil && !o.Failed("carrier_name") {
			o.Fail("carrier_name", "This field is required when carrier_id is given.")
		}
	}
}

// ResolveType reads the "document" field of a body as a type usable for
// kind k (subscriptions read their invoice type with it).
func ResolveType(o *input.Object, sc workspace.Scope, k *Kind, required bool) (*catalog.DocumentType, bool) {
	return resolveType(o, sc, k, required)
}

// checkPlans verifies that the plans named by lines exist in the scope
// (a plan of another workspace is "Invalid pk", like any reference).
func checkPlans(e Env, o *input.Object, lines []Line) error {
	errs := make([]any, len(lines))
	bad := false
	for i, l := range lines {
		errs[i] = map[string]any{}
		if l.Plan == nil {
			continue
		}
		var n int
		if err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM plans WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
			*l.Plan, e.Scope.ID, e.Scope.TestMode).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			errs[i] = map[string]any{"plan": []string{input.MsgPK(*l.Plan)}}
			bad = true
		}
	}
	if bad {
		o.FailNested("lines", errs)
	}
	return nil
}
