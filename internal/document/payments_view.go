package document

import (
	"database/sql"
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
)

// InvoicePayment is one payment in an invoice's payments list
// (docs/documents.md#12-invoice-object, Cobro shape).
type InvoicePayment struct {
	ID          string          `json:"id"`
	Amount      money.Money     `json:"amount"`
	Currency    string          `json:"currency"`
	Date        string          `json:"date"`
	Description string          `json:"description"`
	Status      string          `json:"status"`
	PaymentDate clock.NullStamp `json:"payment_date"`
	Balance     money.Money     `json:"balance"`
	Source      *string         `json:"source"`
	Created     clock.Stamp     `json:"created"`
}

// loadPayments reads the payments of the invoices, ordered by created,
// in one query.
func (r *Renderer) loadPayments(e Env, invoiceIDs []string) error {
	r.Payments = map[string][]InvoicePayment{}
	if len(invoiceIDs) == 0 {
		return nil
	}
	args, in := store.InList([]any{e.Scope.ID, e.Scope.TestMode}, invoiceIDs)
	rows, err := e.Q.QueryContext(e.Ctx, `SELECT invoice_id, id, amount, currency, date, description, status, payment_date, balance, sources, created
		FROM payments WHERE workspace_id = $1 AND test_mode = $2 AND invoice_id IN (`+in+`) ORDER BY created, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p                                   InvoicePayment
			invoiceID, amount, balance, sources string
			paid                                sql.NullInt64
			created                             int64
		)
		if err := rows.Scan(&invoiceID, &p.ID, &amount, &p.Currency, &p.Date, &p.Description, &p.Status, &paid, &balance, &sources, &created); err != nil {
			return err
		}
		p.Amount, p.Balance = mon(dec(amount)), mon(dec(balance))
		if paid.Valid {
			p.PaymentDate = clock.NullStamp{Micros: &paid.Int64, Loc: r.Loc}
		} else {
			p.PaymentDate = clock.NullStamp{Loc: r.Loc}
		}
		var ids []string
		if json.Unmarshal([]byte(sources), &ids) == nil && len(ids) > 0 {
			p.Source = &ids[0]
		}
		p.Created = r.stamp(created)
		r.Payments[invoiceID] = append(r.Payments[invoiceID], p)
	}
	return rows.Err()
}

// payments is an invoice's payments list ([] when none).
func (r *Renderer) payments(d *Doc) []InvoicePayment {
	if ps := r.Payments[d.ID]; ps != nil {
		return ps
	}
	return []InvoicePayment{}
}
