package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/pdf"
	"github.com/shopspring/decimal"
)

// benchPDFDocument is what document.PDF hands to pdf.Render for the
// invoices scenario's invoice once finalized: a US1 invoice in English
// with three lines, 8.25 % sales tax, the receiver frozen at finalize.
func benchPDFDocument() pdf.Document {
	dec := decimal.RequireFromString
	return pdf.Document{
		Lang:   "en",
		Title:  "Invoice",
		Number: "1043",
		Issuer: pdf.Party{Name: "Bench Inc", Country: "United States"},
		Receiver: pdf.Party{Name: "Lakeshore Supply Co.", TaxIDLabel: "EIN", Address: "233 S Wacker Dr, Suite 4700",
			State: "IL", Country: "United States", Email: "billing@lakeshore-supply.example"},
		Fields:   []pdf.KV{{Label: "Date", Value: "2026-06-02"}, {Label: "Due date", Value: "2026-06-02"}, {Label: "Currency", Value: "USD"}},
		Currency: "USD",
		Lines: []pdf.Line{
			{Name: "Platform subscription — Growth plan", Description: "Monthly subscription, up to 25 seats", Code: "SUB-GROWTH",
				Quantity: dec("1.0"), UnitPrice: dec("499"), Total: dec("499.00")},
			{Name: "Additional seats", Description: "Seats above the plan allowance", Code: "SEAT-ADD",
				Quantity: dec("7.0"), UnitPrice: dec("18.5"), Total: dec("129.50")},
			{Name: "Onboarding workshop", Description: "Half-day remote session with the implementation team",
				Quantity: dec("2.0"), UnitPrice: dec("350"), Total: dec("700.00")},
		},
		Totals: []pdf.Total{
			{Label: "Net", Value: dec("1328.50")},
			{Label: "Tax 8.25%", Value: dec("109.60")},
			{Label: "Total", Value: dec("1438.10"), Bold: true},
		},
		Created: time.Date(2026, 6, 2, 14, 30, 0, 0, time.UTC),
	}
}

// benchPDF: one-page invoice renders, in process, on one goroutine. There
// is no raw ceiling.
func benchPDF(b *benchEnv) ([]kv, error) {
	doc := benchPDFDocument()
	// Probe: the document renders and fits on one page.
	out, err := pdf.Render(doc)
	if err != nil {
		return nil, fmt.Errorf("probe render: %w", err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) || !bytes.Contains(out, []byte("/Count 1")) {
		return nil, errors.New("probe render: not a one-page PDF")
	}
	fmt.Fprintf(b.out, "one-page invoice: %d bytes\n", len(out))

	size := len(out)
	render := b.runPhase("pdf render", func(context.Context, int) error {
		out, err := pdf.Render(doc)
		if err == nil && len(out) != size {
			err = fmt.Errorf("render gave %d bytes, the probe %d: output is not deterministic", len(out), size)
		}
		return err
	})
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	b.printPhases(render)
	return inProcess(render), nil
}
