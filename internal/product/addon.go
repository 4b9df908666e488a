package product

import (
	"context"
	"database/sql"
	"encoding/json"
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

// Addon is the API object (docs/billing.md#6-add-ons).
type Addon struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	Currency      string          `json:"currency"`
	Amount        money.Money     `json:"amount"`
	SKU           *string         `json:"sku"`
	Exempt        bool            `json:"exempt"`
	ApplyScheme   string          `json:"apply_scheme"`
	DurationTimes *int            `json:"duration_times"`
	UnitLabel     *string         `json:"unit_label"`
	Status        string          `json:"status"`
	Archived      clock.NullStamp `json:"archived"`
	Metadata      json.RawMessage `json:"metadata"`
	TestMode      bool            `json:"test_mode"`
	Created       clock.Stamp     `json:"created"`
	Updated       clock.Stamp     `json:"updated"`
}

// Apply schemes of add-ons.
const (
	ApplyOneTime   = "one_time"
	ApplyRecurring = "recurring"
)

var ApplySchemes = []string{ApplyOneTime, ApplyRecurring}

// MsgAddonDuration refuses duration_times on a one-time add-on.
const MsgAddonDuration = "Only recurring add-ons have a duration."

const addonColumns = `id, name, description, currency, amount, sku, exempt, apply_scheme, duration_times, unit_label, status, archived, metadata, test_mode, created, updated`

// Addons reads add-ons: Get, Ref, List and Archive.
var Addons = Kind[*Addon]{
	table: rows.Table{Name: "addons", Prefix: PrefixAddon, Columns: addonColumns},
	event: "addon",
	label: "Add-on",
	scan:  scanAddon,
}

func (a *Addon) state() string { return a.Status }

func scanAddon(sc workspace.Scope, row list.Scanner) (*Addon, error) {
	var (
		t         tail
		a         Addon
		sku, unit sql.NullString
		times     sql.NullInt64
	)
	cols := []any{&a.ID, &a.Name, &a.Description, &a.Currency, &a.Amount, &sku, &a.Exempt, &a.ApplyScheme, &times, &unit}
	if err := row.Scan(append(cols, t.dest(&a.Status, &a.TestMode)...)...); err != nil {
		return nil, err
	}
	a.SKU, a.UnitLabel, a.DurationTimes = rows.Text(sku), rows.Text(unit), nint(times)
	t.set(sc.Loc, &a.Archived, &a.Metadata, &a.Created, &a.Updated)
	return &a, nil
}

// AddonListSpec declares the add-on list (docs/billing.md#6-add-ons).
var AddonListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: StatusChoices, Lookups: []string{list.In}},
		{Name: "apply_scheme", Expr: "apply_scheme", Kind: list.Enum, Choices: ApplySchemes, Lookups: []string{list.In}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "amount": "CAST(amount AS NUMERIC)", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "description", "sku"},
	Metadata:        "metadata",
}

type addonRecord struct {
	name, description, currency, applyScheme, status, metadata string
	amount                                                     decimal.Decimal
	sku, unitLabel                                             *string
	exempt                                                     bool
	durationTimes                                              *int
}

// CreateAddon validates body and inserts an add-on.
func CreateAddon(ctx context.Context, q store.Querier, sc workspace.Scope, c AddonParams, now time.Time) (*Addon, error) {
	rec := addonRecord{applyScheme: ApplyOneTime, status: StatusActive, metadata: "{}"}
	if err := rec.apply(c); err != nil {
		return nil, err
	}
	aid := id.New(PrefixAddon)
	us := now.UnixMicro()
	archived := createdArchived(rec.status, us)
	if err := event.After(ctx, q, sc, "addon.created", aid, now, `INSERT INTO addons (id, workspace_id, test_mode, name, description, currency, amount, sku, exempt, apply_scheme, duration_times,
		unit_label, status, archived, metadata, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
		aid, sc.ID, sc.TestMode, rec.name, rec.description, rec.currency, money.NewMoney(rec.amount), rec.sku, rec.exempt, rec.applyScheme, rec.durationTimes,
		rec.unitLabel, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	return Addons.Get(ctx, q, sc, aid)
}

// UpdateAddon applies a partial update (changes apply to future runs).
func UpdateAddon(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, addonID string, c AddonParams, now time.Time) (*Addon, error) {
	a, err := Addons.lock(ctx, q, d, sc, addonID)
	if err != nil {
		return nil, err
	}
	rec := addonRecord{name: a.Name, description: a.Description, currency: a.Currency, applyScheme: a.ApplyScheme, status: a.Status,
		metadata: string(a.Metadata), amount: a.Amount.Decimal, sku: a.SKU, unitLabel: a.UnitLabel, exempt: a.Exempt, durationTimes: a.DurationTimes}
	if err := rec.apply(c); err != nil {
		return nil, err
	}
	archived, name := statusChange("addon", a.Status, rec.status, a.Archived.Micros, now)
	if err := event.After(ctx, q, sc, name, addonID, now, `UPDATE addons SET name = $4, description = $5, currency = $6, amount = $7, sku = $8, exempt = $9, apply_scheme = $10,
		duration_times = $11, unit_label = $12, status = $13, archived = $14, metadata = $15, updated = $16 WHERE id = $1`+scopeWhere,
		addonID, sc.ID, sc.TestMode, rec.name, rec.description, rec.currency, money.NewMoney(rec.amount), rec.sku, rec.exempt, rec.applyScheme,
		rec.durationTimes, rec.unitLabel, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	return Addons.Get(ctx, q, sc, addonID)
}
