package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cobrobilling/cobro/internal/store"
)

// Seed writes the catalogue into its tables so lists are served by the same
// SQL list machinery as every other resource. It is idempotent and cheap
// when nothing changed (a hash of the data is kept in settings), and safe
// when several nodes start at once (upserts).
func Seed(ctx context.Context, db *store.DB) error {
	sum := dataHash()
	var have string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'catalog_hash'`).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if have == sum {
		return nil
	}
	return db.InTx(ctx, func(tx *sql.Tx) error {
		b := &batch{ctx: ctx, tx: tx}
		for _, c := range countries {
			cur, _ := json.Marshal(c.Currencies)
			var taxIDName any
			if c.TaxIDName != "" {
				taxIDName = c.TaxIDName
			}
			b.add("countries", "id, name, name_en, code, has_regulation, currencies, tax_percent, time_zone, tax_id_name",
				c.ID, c.Name, c.NameEn, c.Code, c.HasRegulation, string(cur), c.TaxPercent.String(), c.TimeZone, taxIDName)
		}
		for _, s := range states {
			b.add("states", "id, code, name, country", s.ID, s.Code, s.Name, s.Country)
		}
		for _, c := range currencies {
			var conv any
			if c.Conversion != "" {
				conv = c.Conversion
			}
			b.add("currencies", "id, name, name_en, conversion, country, is_default, is_chargeable, available, rounded",
				c.ID, c.Name, c.NameEn, conv, c.Country, c.Default, c.IsChargeable, c.Available, c.Rounded)
		}
		for _, d := range documentTypes {
			b.add("document_types", "id, code, name, country, currency, tax, kind, has_taxes, has_taxes_detail, has_lines_total, has_local_format, hold_taxes, is_foreign, is_sale, is_purchase, is_order, send, given, biller, max_lines",
				d.ID, d.Code, d.Name, d.Country, d.Currency, d.Tax.String(), d.Kind, d.HasTaxes, d.HasTaxesDetail, d.HasLinesTotal, d.HasLocalFormat, d.HoldTaxes, d.IsForeign, d.IsSale, d.IsPurchase, d.IsOrder, d.Send, d.Given, d.Biller, d.MaxLines)
		}
		for _, r := range referenceTypes {
			b.add("reference_types", "id, name, country", r.ID, r.Name, r.Country)
		}
		for _, f := range frequencies {
			b.add("frequencies", "id, name, name_en, interval_unit, interval_count", f.ID, f.Name, f.NameEn, f.Interval, f.IntervalCount)
		}
		if err := b.flush(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('catalog_hash', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, sum)
		return err
	})
}

// batch groups upserts per table into multi-row statements (one round
// trip per 50 rows instead of one per row).
type batch struct {
	ctx   context.Context
	tx    *sql.Tx
	table string
	cols  string
	rows  [][]any
	err   error
}

func (b *batch) add(table, cols string, vals ...any) {
	if b.table != table || len(b.rows) == 50 {
		if err := b.flush(); err != nil {
			return
		}
		b.table, b.cols = table, cols
	}
	b.rows = append(b.rows, vals)
}

func (b *batch) flush() error {
	if b.err != nil || len(b.rows) == 0 {
		return b.err
	}
	cols := strings.Split(b.cols, ", ")
	var sb strings.Builder
	fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", b.table, b.cols)
	var args []any
	for i, row := range b.rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(")
		for j, v := range row {
			if j > 0 {
				sb.WriteString(", ")
			}
			args = append(args, v)
			fmt.Fprintf(&sb, "$%d", len(args))
		}
		sb.WriteString(")")
	}
	sb.WriteString(" ON CONFLICT (id) DO UPDATE SET ")
	for i, c := range cols[1:] {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s = excluded.%s", c, c)
	}
	_, b.err = b.tx.ExecContext(b.ctx, sb.String(), args...)
	b.rows = b.rows[:0]
	return b.err
}

func dataHash() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, v := range []any{countries, states, currencies, documentTypes, referenceTypes, frequencies} {
		_ = enc.Encode(v)
	}
	return "v1:" + hex.EncodeToString(h.Sum(nil))
}
