package api

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rates"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/shopspring/decimal"
)

// Catalogue lists run through the shared list machinery over the seeded
// catalogue tables; rows are then rendered from the Go data by id.

var countrySpec = list.Spec{
	Fields: []list.Field{
		{Name: "id", Expr: "id", Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "has_regulation", Expr: "has_regulation", Kind: list.Bool},
	},
	Ordering: map[string]string{"name": "name", "id": "id"}, DefaultOrdering: "id",
	Search: []string{"name", "name_en"},
}

var stateSpec = list.Spec{
	Fields: []list.Field{
		{Name: "country", Expr: "country", Lookups: []string{list.In}},
		{Name: "code", Expr: "code"},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
	},
	Ordering: map[string]string{"name": "name", "id": "id"}, DefaultOrdering: "id",
	Search: []string{"name"},
}

var currencySpec = list.Spec{
	Fields: []list.Field{
		{Name: "country", Expr: "country", Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.Contains, list.IContains}},
		{Name: "available", Expr: "available", Kind: list.Bool},
		{Name: "is_chargeable", Expr: "is_chargeable", Kind: list.Bool},
	},
	Ordering: map[string]string{"name": "name", "id": "id"}, DefaultOrdering: "id",
}

var referenceSpec = list.Spec{
	Fields:   []list.Field{{Name: "country", Expr: "country", Lookups: []string{list.In}}},
	Ordering: map[string]string{"id": "id", "name": "name"}, DefaultOrdering: "id",
	Search: []string{"name"},
}

var frequencySpec = list.Spec{
	Fields: []list.Field{{Name: "interval", Expr: "interval_unit", Kind: list.Enum, Choices: []string{"week", "month"}, Lookups: []string{list.In}}},
	// "duration" keeps the catalogue order (weekly → annual) by default.
	Ordering:        map[string]string{"id": "id", "name": "name", "duration": "(CASE interval_unit WHEN 'week' THEN 7 ELSE 30 END) * interval_count"},
	DefaultOrdering: "duration",
}

var rateSpec = list.Spec{
	Fields: []list.Field{
		{Name: "currency_from", Expr: "currency_from", Lookups: []string{list.In}},
		{Name: "currency_to", Expr: "currency_to", Lookups: []string{list.In}},
		{Name: "date", Expr: "date", Kind: list.Date, Lookups: list.Ranges},
	},
	Ordering: map[string]string{"date": "date", "currency_from": "currency_from"}, DefaultOrdering: "-date",
}

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// documentSpec depends on the workspace country (the computed "available").
func documentSpec(country string) *list.Spec {
	if !countryCode.MatchString(country) {
		country = "ZZ"
	}
	available := fmt.Sprintf("(has_local_format = FALSE OR country = '%s')", country)
	return &list.Spec{
		Fields: []list.Field{
			{Name: "country", Expr: "country", Lookups: []string{list.In}},
			{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
			{Name: "kind", Expr: "kind", Kind: list.Enum, Lookups: []string{list.In},
				Choices: []string{catalog.KindInvoice, catalog.KindOrder, catalog.KindCreditNote, catalog.KindDebitNote, catalog.KindPurchase, catalog.KindRetention, catalog.KindCancellation}},
			{Name: "is_sale", Expr: "is_sale", Kind: list.Bool},
			{Name: "is_purchase", Expr: "is_purchase", Kind: list.Bool},
			{Name: "is_order", Expr: "is_order", Kind: list.Bool},
			{Name: "hold_taxes", Expr: "hold_taxes", Kind: list.Bool},
			{Name: "has_local_format", Expr: "has_local_format", Kind: list.Bool},
			{Name: "available", Expr: available, Kind: list.Bool},
		},
		Ordering: map[string]string{"id": "id", "name": "name"}, DefaultOrdering: "id",
		Search: []string{"name", "code"},
	}
}

// catalogIDs runs a list query over a catalogue table and returns the ids.
func (r *Request) catalogIDs(table string, spec *list.Spec) (*list.Query, int, []string, error) {
	lq, err := r.ParseList(spec, 0)
	if err != nil {
		return nil, 0, nil, err
	}
	where := ""
	if len(lq.Conds) > 0 {
		where = " WHERE " + lq.Where()[5:]
	}
	var count int
	if err := r.Q.QueryRowContext(r.Ctx, `SELECT COUNT(*) FROM `+table+where, lq.Args...).Scan(&count); err != nil {
		return nil, 0, nil, err
	}
	ids, err := store.Strings(r.Ctx, r.Q, `SELECT id FROM `+table+where+` ORDER BY `+lq.OrderBy+fmt.Sprintf(` LIMIT %d OFFSET %d`, lq.PageSize, lq.Offset()), lq.Args...)
	if err != nil {
		return nil, 0, nil, err
	}
	return lq, count, ids, nil
}

// catalogList is the shared list handler of the Go-backed catalogues.
func catalogList[T any](table string, spec func(r *Request) *list.Spec, view func(r *Request, id string) (T, bool)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		lq, count, ids, err := r.catalogIDs(table, spec(r))
		if err != nil {
			return 0, nil, err
		}
		out := make([]T, 0, len(ids))
		for _, id := range ids {
			if v, ok := view(r, id); ok {
				out = append(out, v)
			}
		}
		return r.PageOf(lq, count, out)
	}
}

func catalogGet[T any](view func(r *Request, id string) (T, bool)) HandlerFunc {
	return func(r *Request) (int, any, error) {
		v, ok := view(r, r.PathValue("id"))
		if !ok {
			return 0, nil, apperr.NotFoundErr()
		}
		return 200, v, nil
	}
}

func fixed(s *list.Spec) func(*Request) *list.Spec { return func(*Request) *list.Spec { return s } }

func countryView(_ *Request, id string) (catalog.CountryView, bool) {
	c, ok := catalog.CountryByID(id)
	return c.View(), ok
}

func stateView(_ *Request, id string) (catalog.StateView, bool) {
	s, ok := catalog.StateByID(id)
	return s.View(), ok
}

func currencyView(_ *Request, id string) (catalog.CurrencyView, bool) {
	c, ok := catalog.CurrencyByID(id)
	return c.View(), ok
}

func documentView(r *Request, id string) (catalog.DocumentTypeView, bool) {
	d, ok := catalog.DocumentTypeByID(id)
	return d.View(r.Scope.Country), ok
}

func referenceView(_ *Request, id string) (catalog.ReferenceTypeView, bool) {
	v, ok := catalog.ReferenceTypeByID(id)
	return v.View(), ok
}

func frequencyView(_ *Request, id string) (catalog.FrequencyView, bool) {
	f, ok := catalog.FrequencyByID(id)
	return f.View(), ok
}

// Exchange rates live only in the database (loaded by the operator).

const rateColumns = `id, currency_from, currency_to, amount, date, created, updated`

func (r *Request) scanRate(row interface{ Scan(...any) error }) (catalog.RateView, error) {
	var (
		v                catalog.RateView
		amount           string
		created, updated int64
	)
	if err := row.Scan(&v.ID, &v.CurrencyFrom, &v.CurrencyTo, &amount, &v.Date, &created, &updated); err != nil {
		return v, err
	}
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return v, err
	}
	v.Amount = json.RawMessage(d.String())
	c, _ := clock.Stamp{Micros: created, Loc: r.Scope.Loc}.MarshalJSON()
	u, _ := clock.Stamp{Micros: updated, Loc: r.Scope.Loc}.MarshalJSON()
	v.Created, v.Updated = c, u
	return v, nil
}

// rateSource is the operator's rates and the workspace's ($1) own
// (docs/catalogues.md#71-a-workspaces-rates).
const rateSource = ` FROM (SELECT ` + rateColumns + ` FROM exchange_rates
	UNION ALL SELECT ` + rateColumns + ` FROM workspace_rates WHERE workspace_id = $1) AS r`

func (s *Server) listRates(r *Request) (int, any, error) {
	lq, err := r.ParseList(&rateSpec, 1)
	if err != nil {
		return 0, nil, err
	}
	where := ""
	if len(lq.Conds) > 0 {
		where = " WHERE " + lq.Where()[5:]
	}
	args := append([]any{r.Scope.ID}, lq.Args...)
	var count int
	if err := r.Q.QueryRowContext(r.Ctx, `SELECT COUNT(*)`+rateSource+where, args...).Scan(&count); err != nil {
		return 0, nil, err
	}
	rows, err := r.Q.QueryContext(r.Ctx, `SELECT `+rateColumns+rateSource+where+` ORDER BY `+lq.OrderBy+fmt.Sprintf(`, id LIMIT %d OFFSET %d`, lq.PageSize, lq.Offset()), args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []catalog.RateView{}
	for rows.Next() {
		v, err := r.scanRate(rows)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, count, out)
}

func (s *Server) getRate(r *Request) (int, any, error) {
	v, err := r.scanRate(r.Q.QueryRowContext(r.Ctx, `SELECT `+rateColumns+rateSource+` WHERE id = $2`, r.Scope.ID, r.PathValue("id")))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, apperr.NotFoundErr()
	}
	if err != nil {
		return 0, nil, err
	}
	return 200, v, nil
}

// saveRate answers POST /generals/changes/: the workspace's rate of a pair
// and date, replaced when it exists (docs/catalogues.md#71-a-workspaces-rates).
func (s *Server) saveRate(r *Request) (int, any, error) {
	o := r.Object()
	var rate rates.Rate
	if v, ok := o.String("currency_from", input.StrOpt{Required: true, Max: 8}); ok && v != nil {
		rate.From = strings.ToUpper(*v)
	}
	if v, ok := o.String("currency_to", input.StrOpt{Required: true, Max: 8}); ok && v != nil {
		rate.To = strings.ToUpper(*v)
	}
	rate.Amount, _ = o.Decimal("amount", true, parseRate)
	if v, ok := o.Date("date", true, false); ok && v != nil {
		rate.Date = *v
	}
	for field, msg := range rate.Check() { // the rules, on what decoded
		if !o.Failed(field) {
			o.Fail(field, msg)
		}
	}
	if !o.OK() {
		return 0, nil, o.Err()
	}
	rid, err := rates.Save(r.Ctx, r.Q, r.Scope.ID, rate, r.Now)
	if err != nil {
		return 0, nil, err
	}
	v, err := r.scanRate(r.Q.QueryRowContext(r.Ctx, `SELECT `+rateColumns+` FROM workspace_rates WHERE id = $1`, rid))
	return reply(http.StatusCreated, v, err)
}

// parseRate reads a rate: a JSON number or a numeric string.
func parseRate(raw any) (decimal.Decimal, error) {
	var s string
	switch v := raw.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = strings.TrimSpace(v)
	default:
		return decimal.Zero, errors.New(input.MsgNumber)
	}
	d, err := decimal.NewFromString(s)
	if err != nil || strings.ContainsAny(s, "eE") {
		return decimal.Zero, errors.New(input.MsgNumber)
	}
	return d, nil
}
