package payment

import (
	"fmt"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// creditable is the invoice of p, locked, when it can take a credit note
// of amount (docs/payments.md#310-refunds).
func creditable(e Env, p *Payment, amount decimal.Decimal) (*document.Doc, error) {
	if p.Invoice == nil {
		return nil, apperr.Field("credit_note", "Only refunds of a payment of an invoice can issue a credit note.")
	}
	inv, err := document.Lock(e, document.Invoice, *p.Invoice)
	if err != nil {
		return nil, err
	}
	switch inv.Status {
	case document.StatusFinalized, document.StatusPaid, document.StatusUncollectible:
	default:
		return nil, apperr.Field("credit_note", fmt.Sprintf("Only finalized, paid or uncollectible invoices can be credited (the invoice is %s).", inv.Status))
	}
	if amount.GreaterThan(adjusted(inv)) {
		return nil, apperr.Field("credit_note", fmt.Sprintf("The refund exceeds the invoice's creditable amount (%s).", adjusted(inv).StringFixed(2)))
	}
	return inv, nil
}

func adjusted(inv *document.Doc) decimal.Decimal {
	if inv.TotalAdjusted != nil {
		return *inv.TotalAdjusted
	}
	return inv.Total
}

// issueCreditNote creates and finalizes, through the document engine,
// the credit note of a refund (in Chile a CL61 sent by the SII biller): a
// full credit when the refund is the whole of a never-credited invoice,
// else one line whose total is the refunded amount.
func issueCreditNote(e Env, inv *document.Doc, p *Payment, r *Refund) (string, error) {
	date, note := today(e), fmt.Sprintf("Devolución del pago %s", p.ID)
	dr := &document.Draft{Keys: map[string]bool{"invoice": true, "date": true, "note": true}, Invoice: document.RefTo(inv.ID), Date: &date,
		Note: document.Of(note)}
	full := r.Amount.Decimal.Equal(inv.Total) && adjusted(inv).Equal(inv.Total)
	if !full {
		dr.Keys["lines"], dr.Lines = true, []document.LineDraft{refundLine(inv, netGuess(inv, r.Amount.Decimal))}
	}
	cn, err := document.Create(e, document.CreditNote, dr)
	if err != nil {
		return "", asCreditNoteErr(err)
	}
	if !full {
		if cn, err = fitTotal(e, inv, cn, r.Amount.Decimal); err != nil {
			return "", asCreditNoteErr(err)
		}
	}
	if _, err := document.Finalize(e, document.CreditNote, cn.ID); err != nil {
		return "", asCreditNoteErr(err)
	}
	return cn.ID, nil
}

// refundLine is the one line of a partial credit note, of amount.
func refundLine(inv *document.Doc, amount decimal.Decimal) document.LineDraft {
	name, one := "Devolución", decimal.NewFromInt(1)
	exempt := len(inv.Lines) > 0
	for _, l := range inv.Lines {
		exempt = exempt && l.Exempt
	}
	return document.LineDraft{Name: &name, Quantity: &one, Amount: &amount, Exempt: &exempt}
}

// netGuess is the first line amount tried for a note of total target:
// the net amount at the invoice's tax rate, rounded down so the note never
// starts above the target (the engine refuses a note above the
// invoice's creditable amount).
func netGuess(inv *document.Doc, target decimal.Decimal) decimal.Decimal {
	line := refundLine(inv, target)
	if *line.Exempt || inv.TaxPercent.Sign() <= 0 {
		return target
	}
	cur, _ := catalog.CurrencyByID(inv.Currency)
	hundred := decimal.NewFromInt(100)
	return target.Mul(hundred).Div(inv.TaxPercent.Add(hundred)).RoundFloor(money.ScaleFor(cur.Rounded))
}

// fitTotal moves the line's amount until the note's total is the refund
// (types whose lines include tax, other rates). A total that no amount
// reaches (integer pesos with 19% VAT skip some totals) ends at the
// nearest below.
func fitTotal(e Env, inv *document.Doc, cn *document.Doc, target decimal.Decimal) (*document.Doc, error) {
	line := refundLine(inv, target)
	amount := netGuess(inv, target)
	for try := 0; try < 3 && cn.Total.LessThan(target); try++ {
		next := amount.Add(target.Sub(cn.Total))
		line.Amount = &next
		moved, err := document.Update(e, document.CreditNote, cn.ID, &document.Draft{Keys: map[string]bool{"lines": true}, Lines: []document.LineDraft{line}})
		if ae, refused := apperr.As(err); refused && ae.Kind == apperr.Invalid {
			break // above the creditable amount: keep the nearest below
		}
		if err != nil {
			return nil, err
		}
		if moved.Total.GreaterThan(target) { // back to the nearest below
			line.Amount = &amount
			_, err := document.Update(e, document.CreditNote, cn.ID, &document.Draft{Keys: map[string]bool{"lines": true}, Lines: []document.LineDraft{line}})
			return cn, err
		}
		cn, amount = moved, next
	}
	return cn, nil
}

// asCreditNoteErr reports the engine's refusal of the credit note under
// the credit_note field, so the client sees which part failed.
func asCreditNoteErr(err error) error {
	ae, ok := apperr.As(err)
	if !ok || ae.Kind != apperr.Invalid {
		return err
	}
	if ae.Fields != nil {
		return apperr.FieldsErr(map[string]any{"credit_note": ae.Fields})
	}
	return apperr.Field("credit_note", ae.Detail)
}
