package reception

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Books (docs/procurement.md#66-books): the month's purchase and sales
// registers of Chilean documents as CSV.
const (
	BookPurchases = "purchases"
	BookSales     = "sales"
)

// bookKinds are the document kinds each book lists.
var bookKinds = map[string]string{
	BookPurchases: `'purchase', 'purchase_credit_note'`,
	BookSales:     `'invoice', 'credit_note', 'debit_note'`,
}

// BookHeader is the CSV header.
var BookHeader = []string{"type", "folio", "date", "rut", "name", "exempt", "net", "vat", "total", "state"}

// Book renders the register of book for period (YYYY-MM): every
// finalized document of the month, by date, type and folio.
func Book(ctx context.Context, q store.Querier, sc workspace.Scope, book, period string) ([]byte, error) {
	kinds, ok := bookKinds[book]
	if !ok {
		return nil, apperr.NotFoundErr()
	}
	month, err := time.Parse("2006-01", period)
	if err != nil {
		return nil, apperr.Field("period", "Give the month as YYYY-MM.")
	}
	rs, err := q.QueryContext(ctx, `SELECT d.document_type, d.number, d.date, COALESCE(s.tax_id, c.tax_id, ''), COALESCE(s.name, c.name, ''),
		d.exempt, d.amount, d.tax, d.total, d.status, d.imported, r.result, r.rcv_state
		FROM documents d LEFT JOIN suppliers s ON s.id = d.supplier_id LEFT JOIN customers c ON c.id = d.customer_id
		LEFT JOIN received_dtes r ON r.document_id = d.id
		WHERE d.workspace_id = $1 AND d.test_mode = $2 AND d.kind IN (`+kinds+`) AND d.status <> 'draft' AND d.document_type LIKE 'CL%'
		AND d.date >= $3 AND d.date < $4
		ORDER BY d.date, d.document_type, d.number`,
		sc.ID, sc.TestMode, month.Format("2006-01-02"), month.AddDate(0, 1, 0).Format("2006-01-02"))
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(BookHeader)
	for rs.Next() {
		var typ, date, rut, name, amount, total, status string
		var number sql.NullInt64
		var exempt, tax, result, rcv sql.NullString
		var imported bool
		if err := rs.Scan(&typ, &number, &date, &rut, &name, &exempt, &amount, &tax, &total, &status, &imported, &result, &rcv); err != nil {
			return nil, err
		}
		folio := ""
		if number.Valid {
			folio = decimal.NewFromInt(number.Int64).String()
		}
		_ = w.Write([]string{strings.TrimPrefix(typ, "CL"), folio, date, rut, name, money(exempt.String), money(amount), money(tax.String), money(total),
			bookState(status, imported, result, rcv)})
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// money prints a stored amount without trailing zeros ("" stays "0").
func money(s string) string {
	v, err := decimal.NewFromString(s)
	if err != nil {
		return "0"
	}
	return v.String()
}

// bookState: for a received document its state in the exchange (the
// register's acceptance or claim, else the commercial result, else
// received); for the others the document's status.
func bookState(status string, imported bool, result, rcv sql.NullString) string {
	switch {
	case rcv.Valid:
		return rcv.String
	case result.Valid:
		return result.String
	case imported:
		return "received"
	}
	return status
}
