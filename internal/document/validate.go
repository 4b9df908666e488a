package document

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/totals"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// typeOf resolves the "document" field of dr for kind k, recording why it
// cannot be used on fe.
func typeOf(dr *Draft, fe *apperr.Fields, sc workspace.Scope, k *Kind) (*catalog.DocumentType, bool) {
	if dr.Document == nil {
		return nil, false
	}
	t, msg := TypeFor(sc, k, *dr.Document)
	if msg != "" {
		fe.Add("document", msg)
		return nil, false
	}
	return &t, true
}

// TypeFor resolves a document type reference for kind k: a type id, or an
// integer meaning "<workspace country><n>" (docs/conventions.md#5-object-ids). The message says
// why the reference cannot be used ("" when it can).
func TypeFor(sc workspace.Scope, k *Kind, ref string) (catalog.DocumentType, string) {
	if _, err := strconv.Atoi(ref); err == nil && ref != "" {
		ref = sc.Country + strings.TrimLeft(ref, "0")
	}
	t, ok := catalog.DocumentTypeByID(ref)
	if !ok {
		return t, apperr.MsgPK(ref)
	}
	if !k.accepts(t) {
		return t, fmt.Sprintf("Document type %s cannot be used for %s.", t.ID, k.Plural)
	}
	if !t.Available(sc.Country) {
		return t, fmt.Sprintf("Document type %s is not available in this workspace.", t.ID)
	}
	return t, ""
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

// applyCommon copies the fields every kind shares onto d.
func applyCommon(dr *Draft, d *Doc) {
	if dr.Date != nil {
		d.Date = *dr.Date
	}
	dr.Note.Apply(&d.Note)
	if dr.Metadata != nil {
		d.Metadata = *dr.Metadata
	}
	if dr.References != nil {
		d.Refs = *dr.References
	}
}

// ValidReferenceDocument tells whether a reference may cite a document of
// this type or reference code (docs/documents.md#02-reference).
func ValidReferenceDocument(s string) bool {
	if _, isType := catalog.DocumentTypeByID(s); isType {
		return true
	}
	_, isRef := catalog.ReferenceTypeByID(s)
	return isRef
}

// applyDiscount copies the global discount and its scheme.
func applyDiscount(dr *Draft, fe *apperr.Fields, d *Doc, scale int32) {
	if dr.DiscountScheme != nil {
		d.DiscountScheme = *dr.DiscountScheme
	}
	if dr.Discount != nil {
		d.Discount = *dr.Discount
	}
	if !fe.Has("discount") && d.DiscountScheme == "$" && scale == 0 && money.DecimalPlaces(d.Discount) > 0 {
		fe.Add("discount", money.MsgDecimalPlaces(0))
	}
}

// lineOf builds one line. existing maps the line ids of the stored
// document, so a line sent back with its id keeps it.
func lineOf(ld LineDraft, k *Kind, t catalog.DocumentType, scale int32, existing map[string]Line, now int64) (Line, *apperr.Fields) {
	fe := &apperr.Fields{}
	if ld.Errs != nil {
		fe = ld.Errs.Clone()
	}
	l := Line{Discount: "0", DiscountScheme: "%", TaxPercent: "0", RetentionPercent: "0", RetentionScheme: "subtotal", Created: now, Updated: now,
		Description: ld.Description, Exempt: ld.Exempt != nil && *ld.Exempt}
	if ld.Name != nil {
		l.Name = *ld.Name
	}
	if ld.Quantity != nil {
		l.Quantity = money.NewQuantity(*ld.Quantity).String()
	}
	if ld.Amount != nil {
		l.Amount = ld.Amount.String()
	}
	if v := ld.TaxPercent; v != nil {
		if v.IsPositive() && t.HasLocalFormat {
			fe.Add("tax_percent", fmt.Sprintf("Extra line taxes are not supported for document type %s.", t.ID))
		} else {
			l.TaxPercent = v.String()
		}
	}
	if !k.OrderLines {
		saleLineExtras(ld, fe, &l, scale)
	}
	if prev, found := existing[ld.ID]; found && ld.ID != "" {
		l.ID, l.Created = prev.ID, prev.Created
	}
	if l.ID == "" {
		l.ID = id.New("lin")
	}
	return l, fe
}

// saleLineExtras copies what a full line has beyond an order line:
// discounts, retentions, codes and the plan.
func saleLineExtras(ld LineDraft, fe *apperr.Fields, l *Line, scale int32) {
	if ld.DiscountScheme != nil {
		l.DiscountScheme = *ld.DiscountScheme
	}
	if v := ld.Discount; v != nil {
		l.Discount = v.String()
		if l.DiscountScheme == "$" && scale == 0 && money.DecimalPlaces(*v) > 0 {
			fe.Add("discount", money.MsgDecimalPlaces(0))
		}
	}
	if ld.RetentionPercent != nil {
		l.RetentionPercent = ld.RetentionPercent.String()
	}
	if ld.RetentionScheme != nil {
		l.RetentionScheme = *ld.RetentionScheme
	}
	l.Code, l.CodeScheme, l.UnitLabel, l.Plan = ld.Code, ld.CodeScheme, ld.UnitLabel, ld.Plan
	if l.Code != nil && l.CodeScheme == nil {
		l.CodeScheme = str("INT1")
	}
}

// readLines builds the lines of dr. It returns false when the lines were
// not given or are invalid (errors recorded on fe).
func readLines(dr *Draft, fe *apperr.Fields, k *Kind, t catalog.DocumentType, scale int32, existing []Line, now int64) ([]Line, bool) {
	if dr.Lines == nil {
		return nil, false
	}
	if t.MaxLines > 0 && len(dr.Lines) > t.MaxLines {
		fe.Add("lines", fmt.Sprintf("Document type %s accepts at most %d lines.", t.ID, t.MaxLines))
		return nil, false
	}
	byID := map[string]Line{}
	for _, l := range existing {
		byID[l.ID] = l
	}
	seen := map[string]bool{}
	return collectLines(dr, fe, func(ld LineDraft) (Line, *apperr.Fields) {
		l, le := lineOf(ld, k, t, scale, byID, now)
		if seen[l.ID] {
			// the same id sent twice: only the first line keeps it
			l.ID, l.Created = id.New("lin"), now
		}
		seen[l.ID] = true
		return l, le
	})
}

// collectLines builds each line of dr with build, nesting the errors of
// the lines at fault under "lines" (false: some line is wrong).
func collectLines(dr *Draft, fe *apperr.Fields, build func(LineDraft) (Line, *apperr.Fields)) ([]Line, bool) {
	lines := make([]Line, len(dr.Lines))
	errs := make([]any, len(dr.Lines))
	bad := false
	for i, ld := range dr.Lines {
		l, le := build(ld)
		lines[i] = l
		errs[i] = map[string]any{}
		if le != nil && !le.OK() {
			errs[i], bad = le.Map(), true
		}
	}
	if bad {
		fe.Nest("lines", errs)
		return nil, false
	}
	return lines, true
}

// TotalsInput is what the totals formula (docs/conventions.md#8-totals-formula)
// reads of a document of type t with these stored lines and document-level
// tax percent and discount, at the currency's scale.
func TotalsInput(t catalog.DocumentType, lines []Line, taxPercent, discount decimal.Decimal, discountScheme string, scale int32) totals.Doc {
	in := totals.Doc{TaxPercent: taxPercent, Scale: scale, Discount: discount, DiscountScheme: discountScheme,
		LinesIncludeTax: t.HasLinesTotal, AllExempt: t.Tax.IsZero() && !t.HasTaxes}
	for _, l := range lines {
		in.Lines = append(in.Lines, totals.Line{Quantity: dec(l.Quantity), Amount: dec(l.Amount), Exempt: l.Exempt,
			Discount: dec(l.Discount), DiscountScheme: l.DiscountScheme, TaxPercent: dec(l.TaxPercent),
			RetentionPercent: dec(l.RetentionPercent), RetentionScheme: l.RetentionScheme})
	}
	return in
}

// checkedTotals ends the validation of a body: a status in it is refused,
// and the totals are computed only once every field is valid.
func checkedTotals(dr *Draft, fe *apperr.Fields, k *Kind, d *Doc, t catalog.DocumentType, scale int32) error {
	rejectStatus(dr, fe, k, d)
	if !fe.OK() {
		return fe.Err()
	}
	computeTotals(fe, d, t, scale)
	return fe.Err()
}

// computeTotals applies docs/conventions.md#8-totals-formula to d and records rule violations on fe.
func computeTotals(fe *apperr.Fields, d *Doc, t catalog.DocumentType, scale int32) {
	res, errs := totals.Compute(TotalsInput(t, d.Lines, d.TaxPercent, d.Discount, d.DiscountScheme, scale))
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
			} else if !fe.Has(e.Field) {
				fe.Add(e.Field, e.Msg)
			}
		}
		if anyLine && !fe.Has("lines") {
			fe.Nest("lines", lineErrs)
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

// readCustomer resolves the customer of an invoice or order.
func readCustomer(e Env, dr *Draft, fe *apperr.Fields) (*customer.Customer, error) {
	if dr.Customer.ID == nil {
		return nil, nil
	}
	c, msg, err := e.customerRef(*dr.Customer.ID)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		fe.Add("customer", msg)
		return nil, nil
	}
	return c, nil
}

// applyOrderFields copies the order-only fields (docs/documents.md#43-create-body).
func applyOrderFields(billers biller.Set, dr *Draft, fe *apperr.Fields, d *Doc, t catalog.DocumentType, customerCountry string) {
	if dr.ShippingType != nil {
		d.ShippingType = dr.ShippingType
	}
	dr.Address.Apply(&d.Address)
	dr.State.Apply(&d.State)
	if d.State != nil && !fe.Has("state") && customerCountry != "" {
		if st, found := catalog.StateOf(customerCountry, *d.State); found {
			d.State = str(st.Code)
		} else if dr.Has("state") {
			fe.Add("state", fmt.Sprintf("State %q does not belong to country %s.", *d.State, customerCountry))
		}
	}
	prevCarrier := d.CarrierID
	dr.CarrierID.Apply(&d.CarrierID)
	dr.CarrierName.Apply(&d.CarrierName)
	dr.LicencePlate.Apply(&d.LicencePlate)
	if rules, ok := billers.RulesFor(t); ok {
		d.CarrierID = rules.Carrier(fe, dr.CarrierID.Set, d.CarrierID, prevCarrier, d.CarrierName)
	} else if max := 10; dr.CarrierID.Set && d.CarrierID != nil && !fe.Has("carrier_id") && utf8.RuneCountInString(*d.CarrierID) > max {
		fe.Add("carrier_id", apperr.MsgMaxLen(max))
		d.CarrierID = prevCarrier
	}
}

// checkPlans verifies that the plans named by lines exist in the scope
// (a plan of another workspace is "Invalid pk", like any reference).
func checkPlans(e Env, fe *apperr.Fields, lines []Line) error {
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
			errs[i] = map[string]any{"plan": []string{apperr.MsgPK(*l.Plan)}}
			bad = true
		}
	}
	if bad {
		fe.Nest("lines", errs)
	}
	return nil
}
