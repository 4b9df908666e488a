package mail

import (
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

func TestAmount(t *testing.T) {
	for _, c := range []struct {
		cur, v string
		es     bool
		want   string
	}{
		{"CLP", "1190000", true, "CLP 1.190.000"},
		{"CLP", "999.6", true, "CLP 1.000"},
		{"USD", "1234567.5", false, "USD 1,234,567.50"},
		{"USD", "12.5", true, "USD 12,50"},
		{"CLF", "2.5", true, "CLF 2,50"},
		{"USD", "-1000", false, "USD -1,000.00"},
	} {
		if got := Amount(c.cur, decimal.RequireFromString(c.v), c.es); got != c.want {
			t.Errorf("Amount(%s %s) = %q, want %q", c.cur, c.v, got, c.want)
		}
	}
}

// The default wording is in the workspace's language.
func TestWordingSpanish(t *testing.T) {
	n, due := int64(1043), "2026-06-20"
	d := &document.Doc{Kind: document.Invoice.Name, TypeID: "CL33", Number: &n, Currency: "CLP", DueDate: &due, Total: decimal.NewFromInt(1190000)}
	e := document.Env{Scope: workspace.Scope{Workspace: workspace.Workspace{Name: "Comercial Andes SpA", Country: "CL"}}}
	for _, c := range []struct {
		m             Email
		subject, text string
	}{
		{Email{Kind: KindDocument, Doc: d}, "Factura electrónica N° 1043 de Comercial Andes SpA", "Adjuntamos Factura electrónica N° 1043 por CLP 1.190.000, con vencimiento el 2026-06-20."},
		{Email{Kind: KindReminder, Doc: d, Days: -3}, "Recordatorio: Factura electrónica N° 1043 vence el 2026-06-20 — Comercial Andes SpA", "vence el 2026-06-20."},
		{Email{Kind: KindReminder, Doc: d, Days: 7}, "Factura electrónica N° 1043 está vencida — Comercial Andes SpA", "tiene un saldo pendiente de CLP 1.190.000"},
		{Email{Kind: KindDunning, Doc: d}, "No pudimos cobrar Factura electrónica N° 1043", "actualice su medio de pago"},
	} {
		subject, text := wording(e, c.m)
		if subject != c.subject || !strings.Contains(text, c.text) || !strings.HasPrefix(text, "Estimado cliente:") {
			t.Errorf("%s: %q\n%q", c.m.Kind, subject, text)
		}
	}
}
