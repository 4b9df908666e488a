package reception

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strconv"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/supplier"
	"github.com/shopspring/decimal"
)

// record makes one received document a finalized, imported purchase (or
// purchase credit note) of its supplier and keeps its exchange state.
func record(e document.Env, intakeID string, d Received, replyTo string) (*document.Kind, string, error) {
	kind := receivedKinds[d.Type]
	supID, err := supplierFor(e, d.Issuer)
	if err != nil {
		return nil, "", err
	}
	dr, err := draftOf(e, d, supID)
	if err != nil {
		return nil, "", err
	}
	doc, err := document.Create(e, kind, dr)
	if err != nil {
		return nil, "", err
	}
	if doc, err = document.Finalize(e, kind, doc.ID); err != nil {
		return nil, "", err
	}
	if err := sameTotals(doc, d); err != nil {
		return nil, "", err
	}
	email, err := exchangeAddress(e, replyTo, d.Issuer)
	if err != nil {
		return nil, "", err
	}
	var dl *string
	if v := deadline(e, d); v != "" {
		dl = &v
	}
	_, err = e.Q.ExecContext(e.Ctx, `INSERT INTO received_dtes (document_id, workspace_id, test_mode, intake_id, issuer_rut, document_type, folio,
		date, total, issuer_email, dte_id, received, acceptance_deadline) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		doc.ID, e.Scope.ID, e.Scope.TestMode, intakeID, d.Issuer.RUT, d.Type, d.Folio, d.Date, d.Total.String(), nullable(email), d.ID,
		e.Now.UnixMicro(), dl)
	if err != nil || dl == nil {
		return kind, doc.ID, err
	}
	return kind, doc.ID, scheduleDeadline(e, doc.ID, *dl)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// exchangeAddress is where the issuer's answers go: the address the
// envelope came from, else the document's CorreoEmisor, else the email of
// the supplier with the issuer's RUT ("" when none is known).
func exchangeAddress(e document.Env, replyTo string, p Party) (string, error) {
	if replyTo != "" {
		return replyTo, nil
	}
	if p.Email != "" {
		return p.Email, nil
	}
	var email sql.NullString
	err := e.Q.QueryRowContext(e.Ctx, `SELECT email FROM suppliers WHERE workspace_id = $1 AND test_mode = $2 AND tax_id = $3 ORDER BY created LIMIT 1`,
		e.Scope.ID, e.Scope.TestMode, p.RUT).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return email.String, err
}

// supplierFor finds the supplier with the issuer's RUT or creates it from
// the issuer's data.
func supplierFor(e document.Env, p Party) (string, error) {
	var supID string
	err := e.Q.QueryRowContext(e.Ctx, `SELECT id FROM suppliers WHERE workspace_id = $1 AND test_mode = $2 AND tax_id = $3 ORDER BY created LIMIT 1`,
		e.Scope.ID, e.Scope.TestMode, p.RUT).Scan(&supID)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return supID, err
	}
	name, country, rut := sii.Clean(p.Name, 64), "CL", p.RUT
	ts := map[string]string{}
	for k, v := range map[string]string{"cl_activity_description": sii.Clean(p.Activity, 40), "cl_commune": sii.Clean(p.Commune, 20), "cl_city": sii.Clean(p.City, 20)} {
		if v != "" {
			ts[k] = v
		}
	}
	raw, _ := json.Marshal(ts)
	rm := json.RawMessage(raw)
	party := customer.Party{Name: &name, Country: &country, TaxID: opt.Of(rut), TaxSettings: &rm}
	if a := sii.Clean(p.Address, 64); a != "" {
		party.Address = opt.Of(a)
	}
	if _, err := mail.ParseAddress(p.Email); err == nil {
		party.Email = opt.Of(p.Email)
	}
	s, err := supplier.Create(e.Ctx, e.Q, e.Scope, &supplier.Params{Party: party}, e.Now)
	if err != nil {
		return "", err
	}
	return s.ID, nil
}

// draftOf is the create command of a received document.
func draftOf(e document.Env, d Received, supID string) (*document.Draft, error) {
	typeID := fmt.Sprintf("CL%d", d.Type)
	n := d.Folio
	dr := &document.Draft{Keys: map[string]bool{}, Document: &typeID, Number: &n, Date: &d.Date}
	if d.DueDate != "" && d.DueDate != d.Date {
		dr.DueDate = opt.Of(d.DueDate)
	}
	if d.Type == 61 {
		purID, err := creditedPurchase(e, d)
		if err != nil {
			return nil, err
		}
		dr.Purchase = document.RefTo(purID)
	} else {
		dr.Supplier = document.RefTo(supID)
	}
	for _, l := range d.Lines {
		ld := document.LineDraft{Name: ptr(sii.Clean(l.Name, 80)), Quantity: ptr(l.Quantity), Amount: ptr(l.Price), Exempt: ptr(l.Exempt || d.Type == 34)}
		if l.Description != "" {
			ld.Description = ptr(l.Description)
		}
		switch {
		case l.DiscountPct != nil:
			ld.Discount, ld.DiscountScheme = l.DiscountPct, ptr("%")
		case l.Discount.IsPositive():
			ld.Discount, ld.DiscountScheme = ptr(l.Discount), ptr("$")
		}
		dr.Lines = append(dr.Lines, ld)
	}
	if g := d.Discount; g != nil {
		scheme := "$"
		if g.Percent {
			scheme = "%"
		}
		dr.Discount, dr.DiscountScheme = ptr(g.Value), &scheme
	}
	for _, k := range []string{"supplier", "purchase", "document", "number", "date", "lines", "discount"} {
		dr.Keys[k] = true
	}
	return dr, nil
}

func ptr[T any](v T) *T { return &v }

// creditedPurchase is the received purchase a credit note references.
func creditedPurchase(e document.Env, d Received) (string, error) {
	for _, r := range d.References {
		td, err1 := strconv.Atoi(r.Type)
		folio, err2 := strconv.ParseInt(r.Folio, 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		var docID string
		err := e.Q.QueryRowContext(e.Ctx, `SELECT document_id FROM received_dtes WHERE workspace_id = $1 AND test_mode = $2 AND issuer_rut = $3
			AND document_type = $4 AND folio = $5`, e.Scope.ID, e.Scope.TestMode, d.Issuer.RUT, td, folio).Scan(&docID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		return docID, err
	}
	return "", apperr.NonField("The credit note references no received document of its issuer; receive the credited document first.")
}

// sameTotals refuses a record whose totals, computed by Cobro from the
// lines, differ from the document's: the purchase must say what the
// supplier's document says.
func sameTotals(doc *document.Doc, d Received) error {
	orZero := func(v *decimal.Decimal) decimal.Decimal {
		if v == nil {
			return decimal.Zero
		}
		return *v
	}
	got := []decimal.Decimal{doc.Amount, orZero(doc.Exempt), orZero(doc.Tax), doc.Total}
	want := []decimal.Decimal{d.Net, d.Exempt, d.VAT, d.Total}
	for i, name := range []string{"amount", "exempt", "tax", "total"} {
		if !got[i].Equal(want[i]) {
			return apperr.NonField(fmt.Sprintf("Cobro's %s %s differs from the document's %s.", name, got[i].String(), want[i].String()))
		}
	}
	return nil
}
