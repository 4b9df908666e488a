package document

import (
	"encoding/json"
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
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

// refDoc loads the invoice or credit note named by a body field, turning a
// miss into the field's "Invalid pk" error.
func refDoc(e Env, o *input.Object, field string, k *Kind, required bool) *Doc {
	v, ok := o.Ref(field, required, true, func(s string) bool { return id.Valid(k.Prefix, s) })
	if !ok || v == nil {
		return nil
	}
	d, err := get(e.Ctx, e.Q, e.Scope, k, *v, "")
	if err != nil {
		o.Fail(field, input.MsgPK(*v))
		return nil
	}
	return d
}

// applyNote reads a credit or debit note body onto d.
func applyNote(e Env, k *Kind, o *input.Object, d *Doc, creating bool) error {
	var inv, crn *Doc
	if creating {
		if k == CreditNote {
			inv = refDoc(e, o, "invoice", Invoice, true)
			if inv != nil && !creditable(inv.Status) {
				o.Fail("invoice", "Only finalized, paid or uncollectible invoices can be credited.")
				inv = nil
			}
		} else {
			hasCrn, hasInv := present(o, "credit_note"), present(o, "invoice")
			switch {
			case !hasCrn && !hasInv, hasCrn && hasInv:
				// a cross-field rule: reported once every field is valid (docs/conventions.md#12-errors)
				readOtherNoteFields(o, k, d)
				if !o.OK() {
					return o.Err()
				}
				if hasCrn {
					return apperr.NonField("Give either credit_note or invoice, not both.")
				}
				return apperr.NonField("Give either credit_note or invoice.")
			case hasCrn:
				crn = refDoc(e, o, "credit_note", CreditNote, true)
				if crn != nil && crn.Status != StatusFinalized {
					o.Fail("credit_note", "Only finalized credit notes can be adjusted.")
					crn = nil
				}
				if crn != nil {
					inv, _ = get(e.Ctx, e.Q, e.Scope, Invoice, *crn.InvoiceID, "")
				}
			default:
				inv = refDoc(e, o, "invoice", Invoice, true)
				if inv != nil && !creditable(inv.Status) {
					o.Fail("invoice", "Only finalized, paid or uncollectible invoices can be adjusted.")
					inv = nil
				}
			}
		}
		if inv == nil {
			// Report the other field errors too before giving up.
			readOtherNoteFields(o, k, d)
			return o.Err()
		}
		d.InvoiceID = &inv.ID
		if crn != nil {
			d.CreditNoteID = &crn.ID
		}
		d.CustomerID, d.Currency, d.TaxPercent = inv.CustomerID, inv.Currency, inv.TaxPercent
	} else {
		for _, f := range []string{"invoice", "credit_note"} {
			if raw, ok := o.Raw(f); ok {
				cur := ""
				if f == "invoice" && d.InvoiceID != nil {
					cur = *d.InvoiceID
				}
				if f == "credit_note" && d.CreditNoteID != nil {
					cur = *d.CreditNoteID
				}
				if raw != cur {
					o.Fail(f, input.MsgNoChange)
				}
			}
		}
		var err error
		if inv, err = get(e.Ctx, e.Q, e.Scope, Invoice, *d.InvoiceID, ""); err != nil {
			return err
		}
		if d.CreditNoteID != nil {
			if crn, err = get(e.Ctx, e.Q, e.Scope, CreditNote, *d.CreditNoteID, ""); err != nil {
				return err
			}
		}
	}
	invType := inv.Type()

	// document type: default by country, same country as the invoice
	if o.Has("document") {
		if t, ok := resolveType(o, e.Scope, k, false); ok {
			if t.Country != invType.Country {
				verb := "credit"
				if k == DebitNote {
					verb = "adjust"
				}
				o.Fail("document", fmt.Sprintf("Document type %s cannot %s an invoice of type %s.", t.ID, verb, invType.ID))
			} else {
				d.TypeID = t.ID
			}
		}
	}
	if d.TypeID == "" {
		t, ok := defaultNoteType(k, invType)
		if !ok {
			o.Fail("document", input.MsgRequired)
		}
		d.TypeID = t.ID
	}
	t := d.Type()
	applyCommon(o, k, d, t)
	if v, ok := o.String("internal_note", input.StrOpt{Max: 1024}); ok {
		d.InternalNote = v
	}
	scale := scaleOf(d.Currency)
	base, baseName := inv, "invoice"
	if crn != nil {
		base, baseName = crn, "credit note"
	}
	if d.Date != "" && !o.Failed("date") {
		switch {
		case d.Date < base.Date:
			o.Fail("date", fmt.Sprintf("Date cannot be earlier than the %s date.", baseName))
		case t.HasLocalFormat && d.Date > today(e.Scope, e.Now):
			o.Fail("date", fmt.Sprintf("Date cannot be in the future for document type %s.", t.ID))
		}
	}

	// lines: given → partial; omitted on create → copy (full credit / reversal)
	full := false
	if o.Has("lines") {
		if lines, ok := readLines(o, k, t, scale, false, d.Lines, e.Now.UnixMicro()); ok {
			d.Lines = lines
		}
		readDiscount(o, d, scale)
	} else if creating {
		switch {
		case k == DebitNote && crn == nil:
			o.Fail("lines", "This field is required when invoice is given.")
		case k == CreditNote:
			var others int
			if err := e.Q.QueryRowContext(e.Ctx, `SELECT COUNT(*) FROM documents WHERE invoice_id = $1 AND kind = 'credit_note' AND workspace_id = $2 AND test_mode = $3`,
				inv.ID, e.Scope.ID, e.Scope.TestMode).Scan(&others); err != nil {
				return err
			}
			if others > 0 {
				o.Fail("lines", "The invoice was already partially credited; list the lines to credit.")
			} else {
				d.Lines, d.Discount, d.DiscountScheme, full = copyLines(inv.Lines, e.Now.UnixMicro()), inv.Discount, inv.DiscountScheme, true
			}
		default:
			d.Lines, d.Discount, d.DiscountScheme, full = copyLines(crn.Lines, e.Now.UnixMicro()), crn.Discount, crn.DiscountScheme, true
		}
	} else {
		readDiscount(o, d, scale)
	}
	readNoteTaxSettings(o, d, creating, full)
	rejectStatus(o, k, d)
	if !o.OK() {
		return o.Err()
	}
	computeTotals(o, d, t, scale)
	if err := o.Err(); err != nil {
		return err
	}
	if code := noteReferenceCode(d); code == 2 {
		for _, l := range d.Lines {
			if !dec(l.Total).IsZero() {
				o.FailNested("tax_settings", map[string]any{"cl_reference_code": []string{"Text corrections (2) must have all line totals equal to 0."}})
				return o.Err()
			}
		}
	}
	return checkNoteLimit(e, k, d)
}

// readOtherNoteFields validates the fields that need no invoice, so their
// errors come with those of invoice and credit_note.
func readOtherNoteFields(o *input.Object, k *Kind, d *Doc) {
	o.String("note", input.StrOpt{Max: k.NoteMax})
	o.String("internal_note", input.StrOpt{Max: 1024})
	o.Date("date", true, false)
	rejectStatus(o, k, d)
}

// present: the key is there with a non-null value.
func present(o *input.Object, key string) bool {
	v, ok := o.Raw(key)
	return ok && v != nil
}

func copyLines(src []Line, now int64) []Line {
	out := make([]Line, len(src))
	for i, l := range src {
		l.ID, l.Created, l.Updated = id.New("lin"), now, now
		out[i] = l
	}
	return out
}

func readNoteTaxSettings(o *input.Object, d *Doc, creating, full bool) {
	ts := map[string]any{}
	_ = json.Unmarshal(d.TaxSettings, &ts)
	if sub, ok := o.Sub("tax_settings"); ok {
		if raw, has := sub.Raw("cl_reference_code"); has {
			n, isNum := raw.(json.Number)
			if !isNum || (n != "1" && n != "2" && n != "3") {
				o.FailNested("tax_settings", map[string]any{"cl_reference_code": []string{input.MsgChoice(fmt.Sprint(raw))}})
				return
			}
			code, _ := n.Int64()
			ts["cl_reference_code"] = code
		}
	}
	if _, has := ts["cl_reference_code"]; !has && creating && d.Type().Country == "CL" {
		if full {
			ts["cl_reference_code"] = 1
		} else {
			ts["cl_reference_code"] = 3
		}
	}
	d.TaxSettings = json.RawMessage(input.CanonicalJSON(ts))
}

func noteReferenceCode(d *Doc) int64 {
	var ts struct {
		Code int64 `json:"cl_reference_code"`
	}
	_ = json.Unmarshal(d.TaxSettings, &ts)
	return ts.Code
}

// checkNoteLimit: a credit note may not exceed what remains of its invoice;
// a debit note on a credit note may not exceed what remains of that note.
func checkNoteLimit(e Env, k *Kind, d *Doc) error {
	if k == CreditNote {
		inv, err := get(e.Ctx, e.Q, e.Scope, Invoice, *d.InvoiceID, "")
		if err != nil {
			return err
		}
		credits, debits, _, err := adjustments(e, inv.ID)
		if err != nil {
			return err
		}
		remaining := inv.Total.Sub(credits).Add(debits)
		if d.Total.GreaterThan(remaining) {
			return apperr.NonField(fmt.Sprintf("Credit note total (%s) exceeds the invoice's creditable amount (%s).", money.NewMoney(d.Total), money.NewMoney(remaining)))
		}
		return nil
	}
	if d.CreditNoteID == nil {
		return nil
	}
	crn, err := get(e.Ctx, e.Q, e.Scope, CreditNote, *d.CreditNoteID, "")
	if err != nil {
		return err
	}
	used, err := debitedOn(e, crn.ID, d.ID)
	if err != nil {
		return err
	}
	remaining := crn.Total.Sub(used)
	if d.Total.GreaterThan(remaining) {
		return apperr.NonField(fmt.Sprintf("Debit note total (%s) exceeds the remaining amount of the credit note (%s).", money.NewMoney(d.Total), money.NewMoney(remaining)))
	}
	return nil
}

// debitedOn sums the finalized debit notes on a credit note, except one.
func debitedOn(e Env, creditNoteID, except string) (decimal.Decimal, error) {
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT total FROM documents WHERE credit_note_id = $1 AND kind = 'debit_note' AND status = 'finalized' AND id <> $2 AND workspace_id = $3 AND test_mode = $4`,
		creditNoteID, except, e.Scope.ID, e.Scope.TestMode)
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
			if err := save(e.Ctx, e.Q, e.Scope, crn); err != nil {
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
