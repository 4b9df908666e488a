// Package rates holds a workspace's own exchange rates
// (docs/catalogues.md#71-a-workspaces-rates): written through the API or
// imported from a CSV file, read by the rate lookup before the operator's.
package rates

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/shopspring/decimal"
)

// Rate is one rate: units of To per unit of From on Date.
type Rate struct {
	From, To string
	Amount   decimal.Decimal
	Date     string
}

// MaxDecimals is the precision of a rate (docs/catalogues.md#7-exchange-rates).
const MaxDecimals = 10

// Check returns the field errors of r, keyed by API field name.
func (r Rate) Check() map[string]string {
	errs := map[string]string{}
	for field, c := range map[string]string{"currency_from": r.From, "currency_to": r.To} {
		if _, ok := catalog.CurrencyByID(c); !ok {
			errs[field] = fmt.Sprintf("Invalid pk %q - object does not exist.", c)
		}
	}
	if r.From == r.To && errs["currency_to"] == "" {
		errs["currency_to"] = "Must differ from currency_from."
	}
	switch {
	case !r.Amount.IsPositive():
		errs["amount"] = "Ensure this value is greater than 0."
	case money.DecimalPlaces(r.Amount) > MaxDecimals:
		errs["amount"] = fmt.Sprintf("Ensure that there are no more than %d decimal places.", MaxDecimals)
	case r.Amount.GreaterThan(decimal.New(1, 12)):
		errs["amount"] = "Ensure this value is less than or equal to 1000000000000."
	}
	if _, err := time.Parse(time.DateOnly, r.Date); err != nil {
		errs["date"] = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	}
	return errs
}

// Save writes the workspace's rate of r's pair and date (replacing the
// one it had) and returns its id.
func Save(ctx context.Context, q store.Querier, workspaceID string, r Rate, now time.Time) (string, error) {
	if errs := r.Check(); len(errs) > 0 {
		f := map[string]any{}
		for k, v := range errs {
			f[k] = []string{v}
		}
		return "", apperr.FieldsErr(f)
	}
	rid := id.New("chg")
	if _, err := q.ExecContext(ctx, `INSERT INTO workspace_rates (id, workspace_id, currency_from, currency_to, amount, date, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (workspace_id, currency_from, currency_to, date) DO UPDATE SET amount = excluded.amount, updated = excluded.updated`,
		rid, workspaceID, r.From, r.To, r.Amount.String(), r.Date, now.UnixMicro()); err != nil {
		return "", err
	}
	var got string
	err := q.QueryRowContext(ctx, `SELECT id FROM workspace_rates WHERE workspace_id = $1 AND currency_from = $2 AND currency_to = $3 AND date = $4`,
		workspaceID, r.From, r.To, r.Date).Scan(&got)
	return got, err
}

// ParseCSV reads rates from CSV lines date,from,to,rate (a first line of
// column names is skipped; rates use "." for decimals). Errors name the
// line.
func ParseCSV(in io.Reader) ([]Rate, error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = 4
	cr.TrimLeadingSpace = true
	var out []Rate
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "date") {
			continue
		}
		amount, err := decimal.NewFromString(strings.TrimSpace(rec[3]))
		if err != nil {
			return nil, fmt.Errorf("line %d: rate %q is not a number", line, rec[3])
		}
		r := Rate{Date: strings.TrimSpace(rec[0]), From: strings.ToUpper(strings.TrimSpace(rec[1])), To: strings.ToUpper(strings.TrimSpace(rec[2])), Amount: amount}
		if errs := r.Check(); len(errs) > 0 {
			for _, k := range []string{"date", "currency_from", "currency_to", "amount"} {
				if msg, ok := errs[k]; ok {
					return nil, fmt.Errorf("line %d: %s: %s", line, k, msg)
				}
			}
		}
		out = append(out, r)
	}
}
