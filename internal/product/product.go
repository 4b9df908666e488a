package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Product is the API object (docs/billing.md#4-products).
type Product struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	UnitLabel *string         `json:"unit_label"`
	Plans     []*Plan         `json:"plans"`
	Status    string          `json:"status"`
	Archived  clock.NullStamp `json:"archived"`
	Metadata  json.RawMessage `json:"metadata"`
	TestMode  bool            `json:"test_mode"`
	Created   clock.Stamp     `json:"created"`
	Updated   clock.Stamp     `json:"updated"`
}

const productColumns = `id, name, unit_label, status, archived, metadata, test_mode, created, updated`

// Products reads products: Get, Ref, List and Archive.
var Products = Kind[*Product]{
	table:  rows.Table{Name: "products", Prefix: PrefixProduct, Columns: productColumns},
	event:  "product",
	label:  "Product",
	scan:   scanProduct,
	attach: attachPlans,
}

func (p *Product) state() string { return p.Status }

func scanProduct(sc workspace.Scope, row list.Scanner) (*Product, error) {
	var (
		t    tail
		p    Product
		unit sql.NullString
	)
	cols := []any{&p.ID, &p.Name, &unit}
	if err := row.Scan(append(cols, t.dest(&p.Status, &p.TestMode)...)...); err != nil {
		return nil, err
	}
	p.UnitLabel = rows.Text(unit)
	t.set(sc.Loc, &p.Archived, &p.Metadata, &p.Created, &p.Updated)
	p.Plans = []*Plan{}
	return &p, nil
}

// attachPlans fills the plans of ps (all statuses, by created).
func attachPlans(ctx context.Context, q store.Querier, sc workspace.Scope, ps []*Product) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[string]*Product{}
	ids := make([]string, len(ps))
	for i, p := range ps {
		byID[p.ID], ids[i] = p, p.ID
	}
	pls, err := rows.In(ctx, q, sc, Plans.table, "product_id", ids, "created, id", Plans.scanIn(sc))
	if err != nil {
		return err
	}
	for _, pl := range pls {
		if p := byID[pl.Product]; p != nil {
			p.Plans = append(p.Plans, pl)
		}
	}
	return nil
}

// ProductListSpec declares the product list (docs/billing.md#4-products). The plans
// filter is handled by ParseProductList.
var ProductListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: StatusChoices, Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name"},
	Metadata:        "metadata",
}

// ParseProductList parses a product list query: the spec's filters plus
// plans / plans__in (products owning one of the plans). The scope binds
// $1 and $2.
func ParseProductList(values url.Values, env list.Env) (*list.Query, error) {
	values = cloneValues(values)
	var planIDs []string
	planParam := ""
	for _, k := range []string{"plans", "plans__exact", "plans__in"} {
		if !values.Has(k) {
			continue
		}
		v := values.Get(k)
		values.Del(k)
		planParam = k
		if k == "plans__in" {
			for _, part := range strings.Split(v, ",") {
				planIDs = append(planIDs, strings.TrimSpace(part))
			}
		} else {
			planIDs = append(planIDs, v)
		}
	}
	lq, err := ProductListSpec.Parse(values, env)
	if err != nil || planParam == "" {
		return lq, err
	}
	start := env.ArgOffset + len(lq.Args) + 1
	for _, p := range planIDs {
		lq.Args = append(lq.Args, p)
	}
	lq.Conds = append(lq.Conds, fmt.Sprintf("id IN (SELECT product_id FROM plans WHERE workspace_id = $1 AND test_mode = $2 AND id IN (%s))",
		placeholders(start, len(planIDs))))
	return lq, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

type productRecord struct {
	name, status, metadata string
	unitLabel              *string
}

// CreateProduct validates body and inserts a product.
func CreateProduct(ctx context.Context, q store.Querier, sc workspace.Scope, c ProductParams, now time.Time) (*Product, error) {
	rec := productRecord{status: StatusActive, metadata: "{}"}
	if err := rec.apply(c); err != nil {
		return nil, err
	}
	pid := id.New(PrefixProduct)
	us := now.UnixMicro()
	archived := createdArchived(rec.status, us)
	if err := event.After(ctx, q, sc, "product.created", pid, now, `INSERT INTO products (id, workspace_id, test_mode, name, unit_label, status, archived, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, pid, sc.ID, sc.TestMode, rec.name, rec.unitLabel, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	return Products.Get(ctx, q, sc, pid)
}

// UpdateProduct applies a partial update; status archived archives it,
// active restores it.
func UpdateProduct(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, productID string, c ProductParams, now time.Time) (*Product, error) {
	p, err := Products.lock(ctx, q, d, sc, productID)
	if err != nil {
		return nil, err
	}
	rec := productRecord{name: p.Name, unitLabel: p.UnitLabel, status: p.Status, metadata: string(p.Metadata)}
	if err := rec.apply(c); err != nil {
		return nil, err
	}
	archived, name := statusChange("product", p.Status, rec.status, p.Archived.Micros, now)
	if err := event.After(ctx, q, sc, name, productID, now, `UPDATE products SET name = $4, unit_label = $5, status = $6, archived = $7, metadata = $8, updated = $9 WHERE id = $1`+scopeWhere,
		productID, sc.ID, sc.TestMode, rec.name, rec.unitLabel, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	return Products.Get(ctx, q, sc, productID)
}
