package document

import (
	"encoding/json"
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// creditable statuses of an invoice (docs/documents.md#23-create-body-and-rules).
func creditable(status string) bool {
	return status == StatusFinalized || status == StatusPaid || status == StatusUncollectible
}

// defaultNoteType is the credit/debit note type of the invoice type's country.
func defaultNoteType(k *Kind, invoiceType catalog.DocumentType) (catalog.DocumentType, bool) {
	for _, t := range catalog.DocumentTypes() {
		if t.Country == invoiceType.Country && k.accepts(t) {
			return t, true
		}
	}
	return catalog.DocumentType{}, false
}

// refDoc loads the invoice or credit note a field names, turning a miss
// into the field's "Invalid pk" error.
func refDoc(e Env, fe *apperr.Fields, r Ref, field string, k *Kind) *Doc {
	if r.ID == nil {
		return nil
	}
	d, err := get(e.Ctx, e.Q, e.Scope, k, *r.ID, "")
	if err != nil {
		fe.Add(field, apperr.MsgPK(*r.ID))
		return nil
	}
	return d
}

// noteBase finds what a new note adjusts: the invoice, and for a debit
// note on a credit note that credit note. A nil invoice ends validation
// with the returned error (nil error: only field errors, already on fe).
func noteBase(e Env, k *Kind, dr *Draft, fe *apperr.Fields) (inv, crn *Doc, err error) {
	if k == CreditNote {
		inv = refDoc(e, fe, dr.Invoice, "invoice", Invoice)
		if inv != nil && !creditable(inv.Status) {
			fe.Add("invoice", "Only finalized, paid or uncollectible invoices can be credited.")
			inv = nil
		}
		return inv, nil, nil
	}
	hasCrn, hasInv := dr.CreditNote.Given, dr.Invoice.Given
	switch {
	case hasCrn == hasInv:
		// a cross-field rule: reported once every field is valid (docs/conventions.md#12-errors)
		if others := otherNoteErrors(dr, fe, k, false); !others.OK() {
			return nil, nil, others.Err()
		}
		if hasCrn {
			return nil, nil, apperr.NonField("Give either credit_note or invoice, not both.")
		}
		return nil, nil, apperr.NonField("Give either credit_note or invoice.")
	case hasCrn:
		crn = refDoc(e, fe, dr.CreditNote, "credit_note", CreditNote)
		if crn != nil && crn.Status != StatusFinalized {
			fe.Add("credit_note", "Only finalized credit notes can be adjusted.")
			crn = nil
		}
		if crn != nil {
			inv, _ = get(e.Ctx, e.Q, e.Scope, Invoice, *crn.InvoiceID, "")
		}
	default:
		inv = refDoc(e, fe, dr.Invoice, "invoice", Invoice)
		if inv != nil && !creditable(inv.Status) {
			fe.Add("invoice", "Only finalized, paid or uncollectible invoices can be adjusted.")
			inv = nil
		}
	}
	return inv, crn, nil
}

// otherNoteErrors are the errors of the fields that need no invoice, so
// they come with those of invoice and credit_note when a note stops early.
func otherNoteErrors(dr *Draft, fe *apperr.Fields, k *Kind, withRefs bool) *apperr.Fields {
	fields := []string{"note", "internal_note", "date", "status"}
	if withRefs {
		fields = append(fields, "invoice", "credit_note")
	}
	out := fe.Only(fields...)
	rejectStatus(dr, out, k, &Doc{Status: StatusDraft})
	return out
}

// currentNoteBase loads what a stored note adjusts; invoice and
// credit_note cannot change.
func currentNoteBase(e Env, dr *Draft, fe *apperr.Fields, d *Doc) (inv, crn *Doc, err error) {
	for _, f := range []struct {
		name string
		ref  Ref
		cur  *string
	}{{"invoice", dr.Invoice, d.InvoiceID}, {"credit_note", dr.CreditNote, d.CreditNoteID}} {
		if f.ref.Given && (f.ref.ID == nil || *f.ref.ID != deref(f.cur)) {
			fe.Add(f.name, apperr.MsgNoChange)
		}
	}
	if inv, err = get(e.Ctx, e.Q, e.Scope, Invoice, *d.InvoiceID, ""); err != nil {
		return nil, nil, err
	}
	if d.CreditNoteID != nil {
		if crn, err = get(e.Ctx, e.Q, e.Scope, CreditNote, *d.CreditNoteID, ""); err != nil {
			return nil, nil, err
		}
	}
	return inv, crn, nil
}

// applyNote validates a credit or debit note onto d.
func applyNote(e Env, k *Kind, dr *Draft, d *Doc, creating bool) error {
	fe := dr.errs()
	var inv, crn *Doc
	var err error
	if creating {
		if inv, crn, err = noteBase(e, k, dr, fe); err != nil {
			return err
		}
		if inv == nil {
			// Report the other field errors too before giving up.
			return otherNoteErrors(dr, fe, k, true).Err()
		}
		d.InvoiceID = &inv.ID
		if crn != nil {
			d.CreditNoteID = &crn.ID
		}
		d.CustomerID, d.Currency, d.TaxPercent = inv.CustomerID, inv.Currency, inv.TaxPercent
	} else if inv, crn, err = currentNoteBase(e, dr, fe, d); err != nil {
		return err
	}
	t := noteType(e, k, dr, fe, d, inv.Type())
	applyCommon(dr, d)
	dr.InternalNote.Apply(&d.InternalNote)
	scale := scaleOf(d.Currency)
	base, baseName := inv, "invoice"
	if crn != nil {
		base, baseName = crn, "credit note"
	}
	if d.Date != "" && !fe.Has("date") {
		switch {
		case d.Date < base.Date:
			fe.Add("date", fmt.Sprintf("Date cannot be earlier than the %s date.", baseName))
		case t.HasLocalFormat && d.Date > today(e.Scope, e.Now):
			fe.Add("date", fmt.Sprintf("Date cannot be in the future for document type %s.", t.ID))
		}
	}
	full, err := noteLines(e, k, dr, fe, d, t, scale, creating, inv, crn)
	if err != nil {
		return err
	}
	applyNoteTaxSettings(e.Deps.Billers, dr, fe, d, inv.Type(), creating, full)
	if err := checkedTotals(dr, fe, k, d, t, scale); err != nil {
		return err
	}
	if err := checkReferenceCode(fe, d); err != nil {
		return err
	}
	return checkNoteLimit(e, k, d)
}

// noteType sets the note's type: the one given, of the invoice's country,
// else that country's default.
func noteType(e Env, k *Kind, dr *Draft, fe *apperr.Fields, d *Doc, invType catalog.DocumentType) catalog.DocumentType {
	if t, ok := typeOf(dr, fe, e.Scope, k); ok {
		if t.Country != invType.Country {
			verb := "credit"
			if k == DebitNote {
				verb = "adjust"
			}
			fe.Add("document", fmt.Sprintf("Document type %s cannot %s an invoice of type %s.", t.ID, verb, invType.ID))
		} else {
			d.TypeID = t.ID
		}
	}
	if d.TypeID == "" {
		t, ok := defaultNoteType(k, invType)
		if !ok {
			fe.Add("document", apperr.MsgRequired)
		}
		d.TypeID = t.ID
	}
	return d.Type()
}

// noteLines sets a note's lines: given → a partial note; omitted on create
// → a copy of what it adjusts (full is then true: a full credit or
// reversal).
func noteLines(e Env, k *Kind, dr *Draft, fe *apperr.Fields, d *Doc, t catalog.DocumentType, scale int32, creating bool, inv, crn *Doc) (full bool, err error) {
	if dr.Has("lines") {
		if lines, ok := readLines(dr, fe, k, t, scale, d.Lines, e.Now.UnixMicro()); ok {
			d.Lines = lines
		}
		applyDiscount(dr, fe, d, scale)
		return false, nil
	}
	if !creating {
		applyDiscount(dr, fe, d, scale)
		return false, nil
	}
	fe.Drop("discount", "discount_scheme") // not read: the copy carries the discount
	switch {
	case k == DebitNote && crn == nil:
		fe.Add("lines", "This field is required when invoice is given.")
	case k == CreditNote:
		var others int
		if err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE invoice_id = $1 AND kind = 'credit_note' AND workspace_id = $2 AND test_mode = $3`,
			inv.ID, e.Scope.ID, e.Scope.TestMode).Scan(&others); err != nil {
			return false, err
		}
		if others > 0 {
			fe.Add("lines", "The invoice was already partially credited; list the lines to credit.")
			return false, nil
		}
		d.Lines, d.Discount, d.DiscountScheme = copyLines(inv.Lines, e.Now.UnixMicro()), inv.Discount, inv.DiscountScheme
		return true, nil
	default:
		d.Lines, d.Discount, d.DiscountScheme = copyLines(crn.Lines, e.Now.UnixMicro()), crn.Discount, crn.DiscountScheme
		return true, nil
	}
	return false, nil
}

func copyLines(src []Line, now int64) []Line {
	out := make([]Line, len(src))
	for i, l := range src {
		l.ID, l.Created, l.Updated = id.New("lin"), now, now
		out[i] = l
	}
	return out
}

// referenceCode is the tax setting every note accepts to say what it does
// to the document it cites (docs/documents.md#23-create-body-and-rules):
// 1 cancels it, 2 corrects text, 3 corrects amounts.
const referenceCode = "cl_reference_code"

// applyNoteTaxSettings sets a note's reference code: the one given, else
// the default of the agency of the document it adjusts (base: that
// document's type).
func applyNoteTaxSettings(billers biller.Set, dr *Draft, fe *apperr.Fields, d *Doc, base catalog.DocumentType, creating, full bool) {
	ts := map[string]any{}
	_ = json.Unmarshal(d.TaxSettings, &ts)
	if raw, has := dr.TaxSettings[referenceCode]; has {
		n, isNum := raw.(json.Number)
		if !isNum || (n != "1" && n != "2" && n != "3") {
			fe.Nest("tax_settings", map[string]any{referenceCode: []string{apperr.MsgChoice(fmt.Sprint(raw))}})
			return
		}
		code, _ := n.Int64()
		ts[referenceCode] = code
	}
	if rules, ok := billers.RulesFor(base); ok {
		rules.NoteDefaults(ts, creating, full)
	}
	d.TaxSettings = json.RawMessage(jsonText(ts))
}

// checkReferenceCode: a text correction (2) changes no amount.
func checkReferenceCode(fe *apperr.Fields, d *Doc) error {
	var ts struct {
		Code int64 `json:"cl_reference_code"`
	}
	_ = json.Unmarshal(d.TaxSettings, &ts)
	if ts.Code != 2 {
		return nil
	}
	for _, l := range d.Lines {
		if !dec(l.Total).IsZero() {
			fe.Nest("tax_settings", map[string]any{referenceCode: []string{"Text corrections (2) must have all line totals equal to 0."}})
			return fe.Err()
		}
	}
	return nil
}

// checkNoteLimit: a credit note may not exceed what remains of its invoice;
// a debit note on a credit note may not exceed what remains of that note.
func checkNoteLimit(e Env, k *Kind, d *Doc) error {
	if k == CreditNote {
		return checkRemaining(e, d, Invoice, *d.InvoiceID, func(inv *Doc) (decimal.Decimal, error) {
			credits, debits, _, err := adjustments(e, inv.ID)
			return credits.Sub(debits), err
		}, "Credit note total (%s) exceeds the invoice's creditable amount (%s).")
	}
	if d.CreditNoteID == nil {
		return nil
	}
	return checkRemaining(e, d, CreditNote, *d.CreditNoteID, func(crn *Doc) (decimal.Decimal, error) { return debitedOn(e, crn.ID, d.ID) },
		"Debit note total (%s) exceeds the remaining amount of the credit note (%s).")
}

// checkRemaining refuses d when its total exceeds what remains of the
// document it adjusts (parentID of kind parent): the parent's total less
// used. msg formats d's total and that remainder.
func checkRemaining(e Env, d *Doc, parent *Kind, parentID string, used func(*Doc) (decimal.Decimal, error), msg string) error {
	p, err := get(e.Ctx, e.Q, e.Scope, parent, parentID, "")
	if err != nil {
		return err
	}
	u, err := used(p)
	if err != nil {
		return err
	}
	remaining := p.Total.Sub(u)
	if d.Total.GreaterThan(remaining) {
		return apperr.NonField(fmt.Sprintf(msg, money.NewMoney(d.Total), money.NewMoney(remaining)))
	}
	return nil
}

// debitedOn sums the finalized debit notes on a credit note, except one.
func debitedOn(e Env, creditNoteID, except string) (decimal.Decimal, error) {
	return sumTotals(e, `credit_note_id = $1 AND kind = 'debit_note'`, creditNoteID, except)
}

// sumTotals sums the totals of the finalized documents of the scope that
// cond selects ($1), except one.
func sumTotals(e Env, cond, parentID, except string) (decimal.Decimal, error) {
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT total FROM documents WHERE `+cond+` AND status = 'finalized' AND id <> $2 AND workspace_id = $3 AND test_mode = $4`,
		parentID, except, e.Scope.ID, e.Scope.TestMode)
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

// applyNoteEffects runs at a note's finalize: the invoice's total_adjusted
// and status move; a fully reversed credit note becomes cancelled.
func applyNoteEffects(e Env, k *Kind, d *Doc) error {
	if k == DebitNote && d.CreditNoteID != nil {
		crn, err := e.lock(CreditNote, *d.CreditNoteID)
		if err != nil {
			return err
		}
		used, err := debitedOn(e, crn.ID, "")
		if err != nil {
			return err
		}
		if crn.Status == StatusFinalized && used.GreaterThanOrEqual(crn.Total) {
			crn.Status, crn.Updated = StatusCancelled, e.Now.UnixMicro()
			if err := save(e, crn); err != nil {
				return err
			}
			if err := e.emit("creditnote.cancelled", crn.ID); err != nil {
				return err
			}
		}
	}
	_, err := settleInvoice(e, *d.InvoiceID, true)
	return err
}
