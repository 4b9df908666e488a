package main

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/shopspring/decimal"
)

// benchDTEDoc is the factura of docs/tax-agency.md#6-dte-xml-and-field-mapping: two lines, a 20 %
// global discount, 148000 + 28120 IVA.
func benchDTEDoc(folio int64) *sii.Doc {
	dec := decimal.RequireFromString
	net, vat := dec("148000"), dec("28120")
	return &sii.Doc{Type: 33, Folio: folio, Date: "2026-06-02", DueDate: "2026-06-12",
		Issuer: sii.Issuer{RUT: "77123456-9", BusinessName: "Servicios Cobro Demo SpA", Activity: "Desarrollo de software",
			ActivityCodes: []int{620100}, Address: "Av. Providencia 1208, of. 501", Commune: "Providencia", City: "Santiago", ResolutionDate: "2025-01-15"},
		Receiver: sii.Receiver{RUT: "76086428-5", Name: "Comercial Andes SpA", Activity: "Venta de equipos", Email: "facturas@andes.cl",
			Address: "Av. Apoquindo 4501, of. 1201", Commune: "Las Condes"},
		Lines: []sii.Line{
			{Code: "CLOUD-PRO", CodeScheme: "INT1", Name: "Cloud Pro", Description: "Cobro Cloud, plan Pro", Unit: "user", Quantity: dec("5"), Price: dec("25000"), Total: dec("125000")},
			{Name: "Setup (cuota 1/2)", Description: "Implementation and onboarding", Quantity: dec("1"), Price: dec("60000"), Total: dec("60000")},
		},
		Discount: &sii.GlobalDiscount{Scheme: "%", Value: dec("20")},
		Net:      &net, TaxPercent: dec("19"), VAT: &vat, Total: dec("176120"),
	}
}

// benchDTE: CL33 build + TED stamp + document signature + envelope
// signature, in process, on GOMAXPROCS goroutines (no database, no raw
// ceiling). The sandbox certificate (RSA 2048) signs.
func benchDTE(b *benchEnv) ([]kv, error) {
	fa, _ := time.Parse("2006-01-02", "2026-01-05")
	raw, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, "77123456-9", "Servicios Cobro Demo SpA", 33, 1, 9_999_999_999, fa)
	if err != nil {
		return nil, err
	}
	caf, err := sii.ParseCAF(raw)
	if err != nil {
		return nil, err
	}
	cert := sii.SandboxCertificate()
	now := time.Date(2026, 6, 2, 16, 0, 1, 0, time.UTC)
	// Probe: the sandbox accepts the envelope (schema, signatures, TED, totals).
	env, err := sii.Build(benchDTEDoc(1), caf, cert, now)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	sb := &sii.Sandbox{Today: now}
	if a := sb.Check(env.XML); a.DocStatus != "DOK" {
		return nil, fmt.Errorf("probe: sandbox answered %s %v", a.DocStatus, a.Messages)
	}
	fmt.Fprintf(b.out, "CL33 envelope: %d bytes, sandbox %s/%s (xmllint schema check: %v)\n", len(env.XML), "EPR", "DOK", sii.XMLLintAvailable())
	var folio atomic.Int64
	folio.Store(1)
	ph := b.runPhase("dte build+stamp+sign+envelope", func(context.Context, int) error {
		_, err := sii.Build(benchDTEDoc(folio.Add(1)), caf, cert, now)
		return err
	})
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}
	b.printPhases(ph)
	return append([]kv{{"workers", strconv.Itoa(b.clients)}}, inProcess(ph)...), nil
}
