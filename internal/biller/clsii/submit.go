package clsii

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

func nowOf(ctx context.Context) time.Time { return biller.Now(ctx) }

// ContentType of the fiscal file.
const ContentType = "application/xml; charset=ISO-8859-1"

// Submit builds the signed envelope of a finalized document (docs/tax-agency.md#6-dte-xml-and-field-mapping to docs/tax-agency.md#8-signatures-and-envelope) and
// hands it to the agency. In test mode the sandbox answers at once, in the
// finalize response (docs/tax-agency.md#92-the-sandbox); in live mode the
// envelope goes through the job queue (Worker) to the sandbox environment
// or to the SII.
func (b *Biller) Submit(ctx context.Context, q store.Querier, sc workspace.Scope, d biller.Document) (biller.Result, error) {
	now := nowOf(ctx)
	st, err := Load(ctx, q, sc)
	if err != nil {
		return biller.Result{}, err
	}
	if !st.Configured() {
		return biller.Result{}, notConfigured
	}
	cert, err := b.certificate(st, sc, now)
	if err != nil {
		return biller.Result{}, err
	}
	cafID, caf, err := b.cafForFolio(ctx, q, sc, d.Type.ID, d.Number)
	if err != nil {
		return biller.Result{}, err
	}
	doc, err := b.dteDoc(ctx, q, sc, st, d)
	if err != nil {
		return biller.Result{}, err
	}
	env, err := sii.Build(doc, caf, cert, now)
	if err != nil {
		return biller.Result{}, err
	}
	environment := st.Environment
	if sc.TestMode {
		environment = "sandbox"
	}
	stamp := func(t time.Time) string { return t.In(locOf(sc)).Format(clock.Layout) }
	ta := map[string]any{"agency": "cl_sii", "environment": environment, "folio": d.Number, "caf": cafID,
		"track_id": nil, "status": nil, "document_status": nil, "result": "pending", "messages": []sii.Message{},
		"attempts": 0, "submitted": nil, "answered": nil}
	res := biller.Result{Status: biller.StatusQueued, TaxAgency: ta, File: env.XML, ContentType: ContentType,
		FileName: fmt.Sprintf("%s_%s.xml", env.Root.Name, doc.ID())}
	if err := emitWarnings(ctx, q, sc, st, now); err != nil {
		return biller.Result{}, err
	}
	if !sc.TestMode {
		// live mode: the SII (or the sandbox environment) answers through
		// the job queue (queued → processing → succeeded/failed; Worker)
		if err := enqueue(ctx, q, sc, d.ID, now); err != nil {
			return biller.Result{}, err
		}
		return res, nil
	}
	// test mode: the in-process sandbox answers within the finalize
	// request, through the same transport as the SII
	a, err := b.sandboxAnswer(ctx, cert, doc.Issuer.RUT, env.XML, doc.Boleta())
	if err != nil {
		return biller.Result{}, err
	}
	sb := &sii.Sandbox{Seen: sandboxSeen(ctx, q, sc)}
	sb.CheckDuplicate(&a, doc.Issuer.RUT, doc.Type, doc.Folio)
	if a.Messages == nil {
		a.Messages = []sii.Message{}
	}
	ta["track_id"], ta["status"], ta["document_status"], ta["result"], ta["messages"] = a.TrackID, a.Status, a.DocStatus, a.Result(), a.Messages
	ta["attempts"], ta["submitted"], ta["answered"] = 1, stamp(now), stamp(now)
	if a.Result() == "rejected" {
		res.Status = biller.StatusFailed
	} else {
		res.Status = biller.StatusSucceeded
	}
	return res, nil
}

func locOf(sc workspace.Scope) *time.Location {
	if sc.Loc != nil {
		return sc.Loc
	}
	return time.UTC
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func tsString(ts map[string]any, key string) string {
	if ts == nil {
		return ""
	}
	switch v := ts[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// dteDoc maps a finalized document to the DTE content (docs/tax-agency.md#6-dte-xml-and-field-mapping).
func (b *Biller) dteDoc(ctx context.Context, q store.Querier, sc workspace.Scope, st *Stored, d biller.Document) (*sii.Doc, error) {
	code, _ := strconv.Atoi(d.Type.Code)
	x := d.Extra
	doc := &sii.Doc{Type: code, Folio: d.Number, Date: d.Date, DueDate: x["due_date"], PeriodFrom: x["period_start"], PeriodTo: x["period_end"],
		TaxPercent: d.TaxPercent, Total: d.Total}
	doc.Cash = doc.DueDate == "" || doc.DueDate == doc.Date
	if x["subscription_id"] != "" {
		doc.Service = 1
	} else {
		doc.Service = 3
	}
	if code == 52 {
		doc.ShippingType, _ = strconv.Atoi(x["shipping_type"])
		doc.Transport = &sii.Transport{Plate: x["licence_plate"], DriverRUT: x["carrier_id"], DriverName: x["carrier_name"], Address: x["address"]}
	}
	doc.Issuer = issuerOf(st)
	r := d.Receiver
	doc.Receiver = sii.Receiver{RUT: r.TaxID, Name: r.Name, Activity: tsString(r.TaxSettings, "cl_activity_description"), Email: r.Email,
		Address: r.Address, Commune: tsString(r.TaxSettings, "cl_commune"), City: tsString(r.TaxSettings, "cl_city")}
	dteLines(doc, d, code)
	// references (docs/tax-agency.md#68-referencia): the adjusted document first
	ref, err := adjustedReference(ctx, q, sc, d, code)
	if err != nil {
		return nil, err
	}
	if ref != nil {
		doc.References = append(doc.References, *ref)
	}
	for _, rf := range d.References {
		doc.References = append(doc.References, sii.Reference{Type: strings.TrimPrefix(rf.Document, "CL"), Folio: rf.Serial, Date: rf.Date, Reason: rf.Description})
	}
	return doc, nil
}

// issuerOf is the workspace as its biller settings describe it.
func issuerOf(st *Stored) sii.Issuer {
	var acts []int
	for _, a := range st.ActivityCodes {
		acts = append(acts, int(a))
	}
	var branch int64
	if st.BranchCode != nil {
		branch = *st.BranchCode
	}
	return sii.Issuer{RUT: str(st.RUT), BusinessName: str(st.BusinessName), Activity: str(st.ActivityDescription), ActivityCodes: acts,
		Address: str(st.Address), Commune: str(st.Commune), City: str(st.City), BranchCode: branch,
		ResolutionNumber: derefInt(st.ResolutionNumber), ResolutionDate: str(st.ResolutionDate)}
}

// dteLines fills the lines (gross and line discount, docs/conventions.md#8-totals-formula L1–L3),
// the global discount and the totals (docs/tax-agency.md#65-totales).
func dteLines(doc *sii.Doc, d biller.Document, code int) {
	a0 := decimal.Zero
	anyTaxable, anyExempt := false, false
	for _, l := range d.Lines {
		exempt := l.Exempt || code == 34
		gross := l.Quantity.Mul(l.Amount).Round(0)
		line := sii.Line{Code: l.Code, CodeScheme: l.CodeScheme, Name: l.Name, Description: l.Description, Unit: l.UnitLabel,
			Quantity: l.Quantity, Price: l.Amount, Total: l.Total, Exempt: exempt, Discount: gross.Sub(l.Total)}
		if l.DiscountScheme == "%" && l.Discount.Sign() > 0 {
			p := l.Discount
			line.DiscountPct = &p
		}
		if line.Discount.Sign() < 0 {
			line.Discount = decimal.Zero
		}
		if exempt {
			anyExempt = true
		} else {
			anyTaxable = true
			a0 = a0.Add(l.Total)
			line.RetainedVAT = withholdsVAT(d, code)
		}
		doc.Lines = append(doc.Lines, line)
	}
	x := d.Extra
	if disc := x["discount"]; disc != "" {
		v, err := decimal.NewFromString(disc)
		if err == nil && v.Sign() > 0 {
			g := &sii.GlobalDiscount{Scheme: x["discount_scheme"], Value: v, HasExempt: anyExempt}
			if g.Scheme == "$" {
				da := decimal.Min(v, a0)
				g.Value, g.Exempt = da, v.Sub(da)
			}
			doc.Discount = g
		}
	}
	if anyTaxable && code != 34 {
		net := d.Amount
		doc.Net = &net
		vat := decimal.Zero
		if d.Tax != nil {
			vat = *d.Tax
		}
		doc.VAT = &vat
	}
	if d.Exempt != nil {
		e := *d.Exempt
		doc.Exempt = &e
	}
	if withholdsVAT(d, code) {
		rv := *d.Retention
		doc.Retained = &rv
	}
}

// withholdsVAT: the buyer withholds the VAT (ImptoReten 15) on a factura
// de compra and on the buyer's notes adjusting one, whose retention it
// carries over.
func withholdsVAT(d biller.Document, code int) bool {
	if d.Retention == nil {
		return false
	}
	return code == 46 || ((code == 61 || code == 56) && d.Extra["purchase_id"] != "")
}

// adjustedReference cites the document a note adjusts (nil for others),
// with the reference code of its tax settings.
func adjustedReference(ctx context.Context, q store.Querier, sc workspace.Scope, d biller.Document, code int) (*sii.Reference, error) {
	x := d.Extra
	adjusted := ""
	switch {
	case code == 56 && x["credit_note_id"] != "":
		adjusted = x["credit_note_id"]
	case (code == 56 || code == 61) && x["invoice_id"] != "":
		adjusted = x["invoice_id"]
	case code == 61 && x["purchase_id"] != "":
		adjusted = x["purchase_id"]
	}
	if adjusted == "" {
		return nil, nil
	}
	var typeID, date string
	var number *int64
	if err := q.QueryRowContext(ctx, `SELECT document_type, number, date FROM documents WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		adjusted, sc.ID, sc.TestMode).Scan(&typeID, &number, &date); err != nil {
		return nil, fmt.Errorf("adjusted document %s: %w", adjusted, err)
	}
	if number == nil {
		field := "invoice"
		if x["credit_note_id"] != "" && code == 56 {
			field = "credit_note"
		} else if x["purchase_id"] != "" && x["invoice_id"] == "" {
			field = "purchase"
		}
		return nil, apperr.Field(field, "The referenced document has no number.")
	}
	var ts map[string]any
	dec := json.NewDecoder(strings.NewReader(x["tax_settings"]))
	dec.UseNumber() // the reference code stays exact text, never a float
	_ = dec.Decode(&ts)
	codeRef, _ := strconv.Atoi(tsString(ts, "cl_reference_code"))
	if codeRef == 0 {
		codeRef = 1
	}
	reason := x["note"]
	if reason == "" {
		reason = map[int]string{1: "Anula documento", 2: "Corrige texto", 3: "Corrige montos"}[codeRef]
	}
	folio := strconv.FormatInt(*number, 10)
	return &sii.Reference{Type: strings.TrimPrefix(typeID, "CL"), Folio: folio, Date: date, Code: codeRef, Reason: reason}, nil
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// sandboxAnswer submits an envelope to the in-process sandbox over HTTP
// (seed, token, upload, status) and returns its verdict.
func (b *Biller) sandboxAnswer(ctx context.Context, cert *sii.Certificate, company string, xml []byte, boleta bool) (sii.Answer, error) {
	c, err := b.client("sandbox")
	if err != nil {
		return sii.Answer{}, err
	}
	track, err := c.Upload(ctx, cert, company, xml, boleta)
	if err != nil {
		return sii.Answer{}, fmt.Errorf("sandbox upload: %w", err)
	}
	st, err := c.UploadStatus(ctx, cert, company, track, boleta)
	if err != nil {
		return sii.Answer{}, fmt.Errorf("sandbox status: %w", err)
	}
	return answerOf(track, st), nil
}

// sandboxSeen is DUP-001 of the sandbox, per workspace and mode: whether
// the folio was already accepted (and records it when not).
func sandboxSeen(ctx context.Context, q store.Querier, sc workspace.Scope) func(string, int, int64) bool {
	return func(rut string, td int, folio int64) bool {
		r, err := q.ExecContext(ctx, `INSERT INTO sii_sandbox_received (workspace_id, test_mode, rut, document_type, folio) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, sc.ID, sc.TestMode, rut, td, folio)
		if err != nil {
			return false
		}
		n, _ := r.RowsAffected()
		return n == 0
	}
}
