package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Plan is the API object (docs/billing.md#5-plans).
type Plan struct {
	ID               string          `json:"id"`
	Product          string          `json:"product"`
	Name             string          `json:"name"`
	Description      string          `json:"description"`
	Frequency        string          `json:"frequency"`
	Currency         string          `json:"currency"`
	Amount           money.Money     `json:"amount"`
	SKU              *string         `json:"sku"`
	Exempt           bool            `json:"exempt"`
	UsageScheme      string          `json:"usage_scheme"`
	UsageAggregation *string         `json:"usage_aggregation"`
	TiersMode        *string         `json:"tiers_mode"`
	Tiers            []Tier          `json:"tiers"`
	UnitLabel        *string         `json:"unit_label"`
	Status           string          `json:"status"`
	Archived         clock.NullStamp `json:"archived"`
	Metadata         json.RawMessage `json:"metadata"`
	TestMode         bool            `json:"test_mode"`
	Created          clock.Stamp     `json:"created"`
	Updated          clock.Stamp     `json:"updated"`
}

// Tier is one price tier of a tiered plan.
type Tier struct {
	QuantityFrom money.Quantity  `json:"quantity_from"`
	QuantityTo   *money.Quantity `json:"quantity_to"`
	Amount       money.Money     `json:"amount"`
	AmountScheme string          `json:"amount_scheme"`
	UnitScheme   string          `json:"unit_scheme"`
}

// Usage schemes, Aggregations, tier modes and tier schemes (docs/billing.md#5-plans).
const (
	UsageLicensed = "licensed"
	UsageMetered  = "metered"

	AggregationSum        = "sum"
	AggregationMax        = "max"
	AggregationLastRecord = "last_record"

	TiersVolume         = "volume"
	TiersGraduated      = "graduated"
	TiersPackage        = "package"
	TiersPackageOverage = "package_overage"
	TiersUnit           = "unit"  // deprecated alias of volume
	TiersRange          = "range" // deprecated alias of package

	AmountUnit = "unit"
	AmountFlat = "flat"

	UnitsAll  = "all_units"
	UnitsTier = "tier_units"
)

var (
	UsageSchemes = []string{UsageLicensed, UsageMetered}
	Aggregations = []string{AggregationSum, AggregationMax, AggregationLastRecord}
	TiersModes   = []string{TiersVolume, TiersGraduated, TiersPackage, TiersPackageOverage, TiersUnit, TiersRange}
)

// CanonicalMode resolves the deprecated aliases: unit → volume, range → package.
func CanonicalMode(mode string) string {
	switch mode {
	case TiersUnit:
		return TiersVolume
	case TiersRange:
		return TiersPackage
	}
	return mode
}

// StoredTier is a tier as stored: decimals as text, never floats.
type StoredTier struct {
	From         string  `json:"quantity_from"`
	To           *string `json:"quantity_to"`
	Amount       string  `json:"amount"`
	AmountScheme string  `json:"amount_scheme"`
	UnitScheme   string  `json:"unit_scheme"`
}

func (t StoredTier) View() Tier {
	out := Tier{QuantityFrom: money.NewQuantity(decimal.RequireFromString(t.From)), Amount: money.NewMoney(decimal.RequireFromString(t.Amount)),
		AmountScheme: t.AmountScheme, UnitScheme: t.UnitScheme}
	if t.To != nil {
		q := money.NewQuantity(decimal.RequireFromString(*t.To))
		out.QuantityTo = &q
	}
	return out
}

const planColumns = `id, product_id, name, description, frequency, currency, amount, sku, exempt, usage_scheme, usage_aggregation,
	tiers_mode, tiers, unit_label, status, archived, metadata, test_mode, created, updated`

// Plans reads plans: Get, Ref, List and Archive.
var Plans = Kind[*Plan]{
	table: rows.Table{Name: "plans", Prefix: PrefixPlan, Columns: planColumns},
	event: "plan",
	label: "Plan",
	scan:  scanPlan,
}

func (p *Plan) state() string { return p.Status }

func scanPlan(sc workspace.Scope, row list.Scanner) (*Plan, error) {
	var (
		t                    tail
		p                    Plan
		sku, agg, mode, unit sql.NullString
		tiers                string
	)
	cols := []any{&p.ID, &p.Product, &p.Name, &p.Description, &p.Frequency, &p.Currency, &p.Amount, &sku, &p.Exempt, &p.UsageScheme,
		&agg, &mode, &tiers, &unit}
	if err := row.Scan(append(cols, t.dest(&p.Status, &p.TestMode)...)...); err != nil {
		return nil, err
	}
	p.SKU, p.UsageAggregation, p.TiersMode, p.UnitLabel = rows.Text(sku), rows.Text(agg), rows.Text(mode), rows.Text(unit)
	var st []StoredTier
	if err := json.Unmarshal([]byte(tiers), &st); err != nil {
		return nil, fmt.Errorf("plan %s: tiers: %w", p.ID, err)
	}
	p.Tiers = make([]Tier, len(st))
	for i, t := range st {
		p.Tiers[i] = t.View()
	}
	t.set(sc.Loc, &p.Archived, &p.Metadata, &p.Created, &p.Updated)
	return &p, nil
}

// PlanListSpec declares the plan list (docs/billing.md#5-plans List).
var PlanListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "product", Expr: "product_id", Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: StatusChoices, Lookups: []string{list.In}},
		{Name: "frequency", Expr: "frequency", Lookups: []string{list.In}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "usage_scheme", Expr: "usage_scheme", Kind: list.Enum, Choices: UsageSchemes, Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "amount": "CAST(amount AS NUMERIC)", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "description", "sku"},
	Metadata:        "metadata",
}

// Plan tier messages (docs/billing.md#5-plans Errors; the others are Cobro's).
const (
	MsgTiersRequired     = "This field is required when tiers_mode is set."
	MsgTiersModeRequired = "This field is required when tiers are given."
	MsgAmountTiered      = "Must be 0 when tiers_mode is set."
	MsgFirstTierFrom     = "The first tier must start at 0."
	MsgLastTierTo        = "The last tier must have quantity_to null."
	MsgTierToNull        = "Only the last tier may have quantity_to null."
	MsgTierToGreater     = "Must be greater than quantity_from."
	MsgMeteredOnly       = "Only metered plans aggregate usage."
	MsgMaxTiers          = "Ensure this field has no more than 20 elements."
	MsgOverageTiers      = "package_overage needs at least 2 tiers."
)

// MsgTierContiguous is "Must equal the previous tier's quantity_to ({n})."
func MsgTierContiguous(prev string) string {
	return fmt.Sprintf("Must equal the previous tier's quantity_to (%s).", prev)
}

// planRecord is the state of a plan under validation.
type planRecord struct {
	product, name, description, frequency, currency, usageScheme, status, metadata string
	amount                                                                         decimal.Decimal
	sku, usageAggregation, tiersMode, unitLabel                                    *string
	exempt                                                                         bool
	tiers                                                                          []StoredTier
}

func (r *planRecord) tiersJSON() string {
	if r.tiers == nil {
		return "[]"
	}
	b, _ := json.Marshal(r.tiers)
	return string(b)
}

// CreatePlan validates body and inserts a plan.
func CreatePlan(ctx context.Context, q store.Querier, sc workspace.Scope, c PlanParams, now time.Time) (*Plan, error) {
	rec := planRecord{usageScheme: UsageLicensed, status: StatusActive, metadata: "{}"}
	rec.applyMutable(c)
	rec.applyFixed(c)
	if err := c.errs().Err(); err != nil {
		return nil, err
	}
	pid := id.New(PrefixPlan)
	us := now.UnixMicro()
	archived := createdArchived(rec.status, us)
	if err := event.After(ctx, q, sc, "plan.created", pid, now, `INSERT INTO plans (id, workspace_id, test_mode, product_id, name, description, frequency, currency, amount, sku, exempt,
		usage_scheme, usage_aggregation, tiers_mode, tiers, unit_label, status, archived, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)`,
		pid, sc.ID, sc.TestMode, rec.product, rec.name, rec.description, rec.frequency, rec.currency, money.NewMoney(rec.amount), rec.sku, rec.exempt,
		rec.usageScheme, rec.usageAggregation, rec.tiersMode, rec.tiersJSON(), rec.unitLabel, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	return Plans.Get(ctx, q, sc, pid)
}

// UpdatePlan changes the mutable fields (name, description, sku,
// unit_label, metadata, status).
func UpdatePlan(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, planID string, c PlanParams, now time.Time) (*Plan, error) {
	p, err := Plans.lock(ctx, q, d, sc, planID)
	if err != nil {
		return nil, err
	}
	rec := planRecord{name: p.Name, description: p.Description, sku: p.SKU, unitLabel: p.UnitLabel, status: p.Status, metadata: string(p.Metadata)}
	rec.applyMutable(c)
	if err := c.errs().Err(); err != nil {
		return nil, err
	}
	archived, name := statusChange("plan", p.Status, rec.status, p.Archived.Micros, now)
	if err := event.After(ctx, q, sc, name, planID, now, `UPDATE plans SET name = $4, description = $5, sku = $6, unit_label = $7, status = $8, archived = $9, metadata = $10, updated = $11
		WHERE id = $1`+scopeWhere, planID, sc.ID, sc.TestMode, rec.name, rec.description, rec.sku, rec.unitLabel, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	return Plans.Get(ctx, q, sc, planID)
}
