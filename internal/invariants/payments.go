package invariants

import (
	"database/sql"

	"github.com/cobrobilling/cobro/internal/store"
	"github.com/shopspring/decimal"
)

// payments checks the payment invariants (docs/payments.md#3-payments): each payment's
// captured amount (amount − balance) equals what its gateway ledger
// captured, 0 ≤ balance ≤ amount, succeeded ⇔ nothing left; each invoice
// has collected exactly what its payments captured, is paid exactly when
// that covers total_adjusted, is pending only with live payments, and its
// live payments never exceed total_adjusted (no double charge).
func (c *checker) payments(docs []*doc) error {
	type pay struct {
		id, status, invoice string
		amount, balance     decimal.Decimal
		recorded            bool // succeeded outside Cobro, without a source: no ledger
	}
	pays, err := store.Collect(c.ctx, c.db, func(r store.Scanner) (p pay, err error) {
		var inv sql.NullString
		var amount, balance, sources string
		if err := r.Scan(&p.id, &p.status, &inv, &amount, &balance, &sources); err != nil {
			return p, err
		}
		p.invoice, p.amount, p.balance = inv.String, dec(amount), dec(balance)
		p.recorded = p.status == "succeeded" && (sources == "[]" || sources == "")
		return p, nil
	}, `SELECT id, status, invoice_id, amount, balance, sources FROM payments ORDER BY created, id`)
	if err != nil {
		return err
	}
	ledger := map[string]decimal.Decimal{}
	charges, err := c.pairs(`SELECT payment_id, amount FROM payment_charges WHERE status = 'succeeded' AND kind IN ('charge', 'capture', 'record')`)
	if err != nil {
		return err
	}
	for _, ch := range charges {
		pid, amount := ch[0], ch[1]
		ledger[pid] = ledger[pid].Add(dec(amount))
	}
	type sums struct {
		collected, committed decimal.Decimal
		live                 int
	}
	byInvoice := map[string]*sums{}
	for _, p := range pays {
		captured := p.amount.Sub(p.balance)
		if p.balance.Sign() < 0 || p.balance.GreaterThan(p.amount) {
			c.report("payments: payment %s: balance %s outside 0…%s", p.id, p.balance, p.amount)
		}
		if (p.status == "succeeded") != p.balance.IsZero() {
			c.report("payments: payment %s: status %s with balance %s", p.id, p.status, p.balance)
		}
		if p.recorded && ledger[p.id].IsZero() {
			// a bank transfer or cash recorded by the merchant: nothing
			// went through a gateway
		} else if !captured.Equal(ledger[p.id]) {
			c.report("payments: payment %s: captured %s but the gateway ledger captured %s", p.id, captured, ledger[p.id])
		}
		if p.invoice == "" {
			continue
		}
		s := byInvoice[p.invoice]
		if s == nil {
			s = &sums{}
			byInvoice[p.invoice] = s
		}
		s.collected = s.collected.Add(captured)
		switch p.status {
		case "cancelled":
		case "failed":
			s.committed = s.committed.Add(captured)
			s.live++
		default:
			s.committed = s.committed.Add(p.amount)
			s.live++
		}
	}
	for _, d := range docs {
		if d.kind != "invoice" {
			continue
		}
		s := byInvoice[d.id]
		if s == nil {
			s = &sums{}
		}
		if got := s.collected.Shift(2).IntPart(); got != d.collectedCents {
			c.report("payments: invoice %s: collected_cents %d, its payments captured %s", d.id, d.collectedCents, s.collected.StringFixed(2))
		}
		if d.totalAdjusted != nil && s.committed.GreaterThan(*d.totalAdjusted) {
			c.report("payments: invoice %s: payments hold %s, more than total_adjusted %s", d.id, s.committed.StringFixed(2), d.totalAdjusted.StringFixed(2))
		}
		switch d.status {
		case "pending":
			if s.live == 0 {
				c.report("payments: invoice %s: pending without a payment", d.id)
			}
		case "draft":
			if s.live > 0 {
				c.report("payments: invoice %s: draft with %d payments", d.id, s.live)
			}
		case "paid":
			if d.totalAdjusted != nil && d.totalAdjusted.Sign() > 0 && s.collected.LessThan(*d.totalAdjusted) {
				c.report("payments: invoice %s: paid but collected %s of %s", d.id, s.collected.StringFixed(2), d.totalAdjusted.StringFixed(2))
			}
		case "finalized", "uncollectible":
			if d.totalAdjusted != nil && s.collected.GreaterThanOrEqual(*d.totalAdjusted) {
				c.report("payments: invoice %s: %s but its payments cover total_adjusted %s", d.id, d.status, d.totalAdjusted.StringFixed(2))
			}
		}
	}
	return nil
}
