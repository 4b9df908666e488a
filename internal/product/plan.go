package product

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
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

// Usage schemes, aggregations, tier modes and tier schemes (docs/billing.md#5-plans).
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
	usageSchemes = []string{UsageLicensed, UsageMetered}
	aggregations = []string{AggregationSum, AggregationMax, AggregationLastRecord}
	tiersModes   = []string{TiersVolume, TiersGraduated, TiersPackage, TiersPackageOverage, TiersUnit, TiersRange}
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

// storedTier is a tier as stored: decimals as text, never floats.
type storedTier struct {
	From         string  `json:"quantity_from"`
	To           *string `json:"quantity_to"`
	Amount       string  `json:"amount"`
	AmountScheme string  `json:"amount_scheme"`
	UnitScheme   string  `json:"unit_scheme"`
}

func (t storedTier) view() Tier {
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

func scanPlan(sc workspace.Scope, row interface{ Scan(...any) error }) (*Plan, error) {
	var (
		p                    Plan
		sku, agg, mode, unit sql.NullString
		archived             sql.NullInt64
		tiers, meta          string
		created, updated     int64
	)
	if err := row.Scan(&p.ID, &p.Product, &p.Name, &p.Description, &p.Frequency, &p.Currency, &p.Amount, &sku, &p.Exempt, &p.UsageScheme, &agg,
		&mode, &tiers, &unit, &p.Status, &archived, &meta, &p.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	p.SKU, p.UsageAggregation, p.TiersMode, p.UnitLabel = ns(sku), ns(agg), ns(mode), ns(unit)
	var st []storedTier
	if err := json.Unmarshal([]byte(tiers), &st); err != nil {
		return nil, fmt.Errorf("plan %s: tiers: %w", p.ID, err)
	}
	p.Tiers = make([]Tier, len(st))
	for i, t := range st {
		p.Tiers[i] = t.view()
	}
	p.Archived = nstamp(archived, sc.Loc)
	p.Metadata = json.RawMessage(meta)
	p.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	p.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &p, nil
}

func getPlan(ctx context.Context, q store.Querier, sc workspace.Scope, planID, lock string) (*Plan, error) {
	if !id.Valid(PrefixPlan, planID) {
		return nil, notFoundErr()
	}
	p, err := scanPlan(sc, q.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`+scopeWhere+lock, planID, sc.ID, sc.TestMode))
	return p, notFound(err)
}

// GetPlan returns a plan of the scope, or 404.
func GetPlan(ctx context.Context, q store.Querier, sc workspace.Scope, planID string) (*Plan, error) {
	return getPlan(ctx, q, sc, planID, "")
}

// PlanRef resolves a plan referenced from a body field (subscription
// lines): the second result is the field message ("Invalid pk …",
// "Plan is archived.").
func PlanRef(ctx context.Context, q store.Querier, sc workspace.Scope, planID string) (*Plan, string, error) {
	p, err := getPlan(ctx, q, sc, planID, "")
	status := ""
	if p != nil {
		status = p.Status
	}
	msg, err := refErr(err, planID, "Plan", status)
	return p, msg, err
}

// PlanListSpec declares the plan list (docs/billing.md#56-list).
var PlanListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "product", Expr: "product_id", Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "frequency", Expr: "frequency", Lookups: []string{list.In}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "usage_scheme", Expr: "usage_scheme", Kind: list.Enum, Choices: usageSchemes, Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "amount": "CAST(amount AS NUMERIC)", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "description", "sku"},
	Metadata:        "metadata",
}

// ListPlans returns one page of plans.
func ListPlans(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Plan, error) {
	count, out, err := list.Fetch(ctx, q, lq, planColumns, ` FROM plans WHERE workspace_id = $1 AND test_mode = $2`, []any{sc.ID, sc.TestMode}, func(row list.Scanner) (*Plan, error) { return scanPlan(sc, row) })
	if err != nil {
		return 0, nil, err
	}
	return count, out, nil
}

// Plan tier messages (docs/billing.md#57-errors; the others are Cobro's).
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

const maxTiers = 20

// parseTierQuantity reads a tier bound: a decimal ≥ 0 with the quantity
// limits of docs/conventions.md#7-data-types (0 is allowed: the first tier starts at 0).
func parseTierQuantity(raw any) (decimal.Decimal, error) {
	d, err := money.ParseQuantity(raw)
	if err == nil || err.Error() != money.MsgPositive {
		return d, err
	}
	// zero or negative: ParseMoney tells them apart (negative → ≥ 0)
	if _, merr := money.ParseMoney(raw); merr != nil && merr.Error() == money.MsgNonNegative {
		return decimal.Zero, merr
	}
	return decimal.Zero, nil
}

// parseTiers validates tiers for mode. It returns the stored tiers, or
// false after recording errors on "tiers".
func parseTiers(o *input.Object, raw []any, mode string) ([]storedTier, bool) {
	if len(raw) > maxTiers {
		o.Fail("tiers", MsgMaxTiers)
		return nil, false
	}
	if CanonicalMode(mode) == TiersPackageOverage && len(raw) < 2 {
		o.Fail("tiers", MsgOverageTiers)
		return nil, false
	}
	canon := CanonicalMode(mode)
	defUnits := UnitsAll
	if canon == TiersGraduated || canon == TiersPackageOverage {
		defUnits = UnitsTier
	}
	out := make([]storedTier, len(raw))
	errs := make([]any, len(raw))
	bad := false
	var prevTo *decimal.Decimal
	prevKnown := true
	for i, item := range raw {
		m, isMap := item.(map[string]any)
		if !isMap {
			errs[i] = map[string]any{"non_field_errors": []string{input.MsgDict(input.TypeName(item))}}
			bad, prevKnown = true, false
			continue
		}
		t := input.New(m, false)
		last := i == len(raw)-1
		var from decimal.Decimal
		fromOK := false
		if v, ok := t.Decimal("quantity_from", false, parseTierQuantity); ok {
			from, fromOK = v, true
		} else if !t.Has("quantity_from") {
			// absent: contiguous by construction
			switch {
			case i == 0:
				from, fromOK = decimal.Zero, true
			case prevTo != nil:
				from, fromOK = *prevTo, true
			}
		}
		if fromOK {
			switch {
			case i == 0 && !from.IsZero():
				t.Fail("quantity_from", MsgFirstTierFrom)
			case i > 0 && prevKnown && prevTo != nil && !from.Equal(*prevTo):
				t.Fail("quantity_from", MsgTierContiguous(prevTo.String()))
			}
		}
		var to *decimal.Decimal
		toRaw, _ := t.Raw("quantity_to")
		if toRaw != nil {
			if v, ok := t.Decimal("quantity_to", false, parseTierQuantity); ok {
				to = &v
				switch {
				case fromOK && !v.GreaterThan(from):
					t.Fail("quantity_to", MsgTierToGreater)
				case last:
					t.Fail("quantity_to", MsgLastTierTo)
				}
			}
		} else if !last {
			t.Fail("quantity_to", MsgTierToNull)
		}
		amount, _ := t.Decimal("amount", true, money.ParseMoney)
		amountScheme := AmountUnit
		if v, ok := t.Choice("amount_scheme", false, AmountUnit, AmountFlat); ok {
			amountScheme = v
		}
		unitScheme := defUnits
		if v, ok := t.Choice("unit_scheme", false, UnitsAll, UnitsTier); ok {
			unitScheme = v
		}
		if t.Failed("quantity_to") || t.Failed("quantity_from") && to == nil {
			prevKnown = false
		} else {
			prevKnown = true
		}
		prevTo = to
		if !t.OK() {
			errs[i] = t.Errors()
			bad = true
			continue
		}
		errs[i] = map[string]any{}
		st := storedTier{From: from.String(), Amount: money.NewMoney(amount).String(), AmountScheme: amountScheme, UnitScheme: unitScheme}
		if to != nil {
			s := to.String()
			st.To = &s
		}
		out[i] = st
	}
	if bad {
		o.FailNested("tiers", errs)
		return nil, false
	}
	return out, true
}

// planRecord is the state of a plan under validation.
type planRecord struct {
	product, name, description, frequency, currency, usageScheme, status, metadata string
	amount                                                                         decimal.Decimal
	sku, usageAggregation, tiersMode, unitLabel                                    *string
	exempt                                                                         bool
	tiers                                                                          []storedTier
}

func (r *planRecord) tiersJSON() string {
	if r.tiers == nil {
		return "[]"
	}
	b, _ := json.Marshal(r.tiers)
	return string(b)
}

// applyMutable reads the fields an update may change.
func (r *planRecord) applyMutable(o *input.Object) {
	reqStr(o, &r.name, "name", 56)
	reqStr(o, &r.description, "description", 200)
	str(o, &r.sku, "sku", input.StrOpt{Max: 32})
	str(o, &r.unitLabel, "unit_label", input.StrOpt{Max: 4})
	status(o, &r.status)
	metadata(o, &r.metadata)
}

// applyFixed reads the fields fixed at creation (create only).
func (r *planRecord) applyFixed(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, withProduct bool) error {
	if !withProduct {
		// compared by the caller
	} else if v, ok := o.Ref("product", true, false, func(s string) bool { return id.Valid(PrefixProduct, s) }); ok {
		_, msg, err := ProductRef(ctx, q, sc, *v)
		if err != nil {
			return err
		}
		if msg != "" {
			o.Fail("product", msg)
		} else {
			r.product = *v
		}
	}
	if v, ok := o.String("frequency", input.StrOpt{Required: true}); ok && v != nil {
		if _, found := catalog.FrequencyByID(*v); found {
			r.frequency = *v
		} else {
			o.Fail("frequency", input.MsgPK(*v))
		}
	}
	currency(o, &r.currency, true)
	if v, ok := o.Bool("exempt", false); ok {
		r.exempt = v
	}
	if v, ok := o.Choice("usage_scheme", false, usageSchemes...); ok {
		r.usageScheme = v
	}
	aggRaw, _ := o.Raw("usage_aggregation")
	if aggRaw != nil {
		if v, ok := o.Choice("usage_aggregation", false, aggregations...); ok {
			if r.usageScheme == UsageMetered {
				r.usageAggregation = &v
			} else if !o.Failed("usage_scheme") {
				o.Fail("usage_aggregation", MsgMeteredOnly)
			}
		}
	} else if r.usageScheme == UsageMetered {
		agg := AggregationSum
		r.usageAggregation = &agg
	}

	modeRaw, _ := o.Raw("tiers_mode")
	if modeRaw != nil {
		if v, ok := o.Choice("tiers_mode", false, tiersModes...); ok {
			r.tiersMode = &v
		}
	}
	tiersRaw, _ := o.Raw("tiers")
	var tiers []any
	if tiersRaw != nil {
		if l, ok := o.List("tiers", false); ok {
			tiers = l
		}
	}
	switch {
	case o.Failed("tiers") || o.Failed("tiers_mode"):
	case r.tiersMode != nil && len(tiers) == 0:
		o.Fail("tiers", MsgTiersRequired)
	case r.tiersMode == nil && len(tiers) > 0:
		o.Fail("tiers_mode", MsgTiersModeRequired)
	case r.tiersMode != nil:
		if st, ok := parseTiers(o, tiers, *r.tiersMode); ok {
			r.tiers = st
		}
	}

	tiered := r.tiersMode != nil || (modeRaw != nil && o.Failed("tiers_mode")) || len(tiers) > 0
	amountRaw, amountGiven := o.Raw("amount")
	switch {
	case tiered && (!amountGiven || amountRaw == nil):
		r.amount = decimal.Zero
	case tiered:
		if v, ok := o.Decimal("amount", false, money.ParseMoney); ok && !v.IsZero() {
			o.Fail("amount", MsgAmountTiered)
		}
		r.amount = decimal.Zero
	default:
		if v, ok := o.Decimal("amount", true, money.ParseMoney); ok {
			r.amount = v
		}
	}
	return nil
}

// CreatePlan validates body and inserts a plan.
func CreatePlan(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, now time.Time) (*Plan, error) {
	rec := planRecord{usageScheme: UsageLicensed, status: StatusActive, metadata: "{}"}
	rec.applyMutable(o)
	if err := rec.applyFixed(ctx, q, sc, o, true); err != nil {
		return nil, err
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	pid := id.New(PrefixPlan)
	us := now.UnixMicro()
	var archived *int64
	if rec.status == StatusArchived {
		archived = &us
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO plans (id, workspace_id, test_mode, product_id, name, description, frequency, currency, amount, sku, exempt,
		usage_scheme, usage_aggregation, tiers_mode, tiers, unit_label, status, archived, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)`,
		pid, sc.ID, sc.TestMode, rec.product, rec.name, rec.description, rec.frequency, rec.currency, money.NewMoney(rec.amount), rec.sku, rec.exempt,
		rec.usageScheme, rec.usageAggregation, rec.tiersMode, rec.tiersJSON(), rec.unitLabel, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "plan.created", pid, now); err != nil {
		return nil, err
	}
	return GetPlan(ctx, q, sc, pid)
}

// checkFixed accepts the fields fixed at creation only with their current
// value (so a whole object can be PUT back); another value is rejected.
func checkFixed(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, p *Plan) error {
	if raw, ok := o.Raw("product"); ok {
		if sent, isStr := raw.(string); !isStr && raw != nil {
			o.Fail("product", input.MsgPKType(input.TypeName(raw)))
		} else if sent != p.Product {
			o.Fail("product", input.MsgNoChange)
		}
	}
	keys := []string{"frequency", "currency", "exempt", "usage_scheme", "usage_aggregation", "tiers_mode", "tiers"}
	if raw, ok := o.Raw("amount"); ok {
		if v, err := money.ParseMoney(raw); err != nil {
			o.Fail("amount", err.Error())
		} else if !v.Equal(p.Amount.Decimal) {
			o.Fail("amount", input.MsgNoChange)
		}
	}
	present := false
	for _, k := range keys {
		present = present || o.Has(k)
	}
	if !present {
		return nil
	}
	// Validate the fixed fields as a create would, over the current values
	// for the keys not sent, then compare.
	body := map[string]any{}
	cur, _ := json.Marshal(p)
	dec := json.NewDecoder(bytes.NewReader(cur))
	dec.UseNumber()
	var curMap map[string]any
	if err := dec.Decode(&curMap); err != nil {
		return err
	}
	for _, k := range keys {
		if v, ok := o.Raw(k); ok {
			body[k] = v
		} else {
			body[k] = curMap[k]
		}
	}
	body["amount"] = curMap["amount"] // compared below
	fixed := input.New(body, false)
	rec := planRecord{usageScheme: UsageLicensed}
	if err := rec.applyFixed(ctx, q, sc, fixed, false); err != nil {
		return err
	}
	for k, v := range fixed.Errors() {
		if o.Has(k) {
			o.FailNested(k, v)
		}
	}
	curTiers, _ := json.Marshal(p.Tiers)
	newTiers, _ := json.Marshal(viewTiers(rec.tiers))
	differs := map[string]bool{
		"frequency":         rec.frequency != p.Frequency,
		"currency":          rec.currency != p.Currency,
		"exempt":            rec.exempt != p.Exempt,
		"usage_scheme":      rec.usageScheme != p.UsageScheme,
		"usage_aggregation": !eqPtr(rec.usageAggregation, p.UsageAggregation),
		"tiers_mode":        !eqPtr(rec.tiersMode, p.TiersMode),
		"tiers":             string(curTiers) != string(newTiers),
	}
	for _, k := range keys {
		if o.Has(k) && !o.Failed(k) && differs[k] {
			o.Fail(k, input.MsgNoChange)
		}
	}
	return nil
}

func viewTiers(st []storedTier) []Tier {
	out := make([]Tier, len(st))
	for i, t := range st {
		out[i] = t.view()
	}
	return out
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// UpdatePlan changes the mutable fields (name, description, sku,
// unit_label, metadata, status).
func UpdatePlan(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, planID string, o *input.Object, now time.Time) (*Plan, error) {
	p, err := getPlan(ctx, q, sc, planID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := planRecord{name: p.Name, description: p.Description, sku: p.SKU, unitLabel: p.UnitLabel, status: p.Status, metadata: string(p.Metadata)}
	rec.applyMutable(o)
	if err := checkFixed(ctx, q, sc, o, p); err != nil {
		return nil, err
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	archived, name := statusChange("plan", p.Status, rec.status, p.Archived.Micros, now)
	if _, err := q.ExecContext(ctx, `UPDATE plans SET name = $4, description = $5, sku = $6, unit_label = $7, status = $8, archived = $9, metadata = $10, updated = $11
		WHERE id = $1`+scopeWhere, planID, sc.ID, sc.TestMode, rec.name, rec.description, rec.sku, rec.unitLabel, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, name, planID, now); err != nil {
		return nil, err
	}
	return GetPlan(ctx, q, sc, planID)
}

// ArchivePlan is DELETE: archived, idempotent.
func ArchivePlan(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, planID string, now time.Time) (*Plan, error) {
	p, err := getPlan(ctx, q, sc, planID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	if err := archive(ctx, q, sc, "plans", "plan", planID, p.Status, now); err != nil {
		return nil, err
	}
	return GetPlan(ctx, q, sc, planID)
}
