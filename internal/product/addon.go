package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

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

var applySchemes = []string{ApplyOneTime, ApplyRecurring}

// MsgAddonDuration refuses duration_times on a one-time add-on.
const MsgAddonDuration = "Only recurring add-ons have a duration."

const addonColumns = `id, name, description, currency, amount, sku, exempt, apply_scheme, duration_times, unit_label, status, archived, metadata, test_mode, created, updated`

func scanAddon(sc workspace.Scope, row interface{ Scan(...any) error }) (*Addon, error) {
	var (
		a                Addon
		sku, unit        sql.NullString
		times, archived  sql.NullInt64
		meta             string
		created, updated int64
	)
	if err := row.Scan(&a.ID, &a.Name, &a.Description, &a.Currency, &a.Amount, &sku, &a.Exempt, &a.ApplyScheme, &times, &unit,
		&a.Status, &archived, &meta, &a.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	a.SKU, a.UnitLabel, a.DurationTimes = ns(sku), ns(unit), nint(times)
	a.Archived = nstamp(archived, sc.Loc)
	a.Metadata = json.RawMessage(meta)
	a.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	a.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &a, nil
}

func getAddon(ctx context.Context, q store.Querier, sc workspace.Scope, addonID, lock string) (*Addon, error) {
	if !id.Valid(PrefixAddon, addonID) {
		return nil, notFoundErr()
	}
	a, err := scanAddon(sc, q.QueryRowContext(ctx, `SELECT `+addonColumns+` FROM addons WHERE id = $1`+scopeWhere+lock, addonID, sc.ID, sc.TestMode))
	return a, notFound(err)
}

// GetAddon returns an add-on of the scope, or 404.
func GetAddon(ctx context.Context, q store.Querier, sc workspace.Scope, addonID string) (*Addon, error) {
	return getAddon(ctx, q, sc, addonID, "")
}

// AddonRef resolves an add-on referenced from a body field: the second
// result is the field message ("Invalid pk …", "Add-on is archived.").
func AddonRef(ctx context.Context, q store.Querier, sc workspace.Scope, addonID string) (*Addon, string, error) {
	a, err := getAddon(ctx, q, sc, addonID, "")
	status := ""
	if a != nil {
		status = a.Status
	}
	msg, err := refErr(err, addonID, "Add-on", status)
	return a, msg, err
}

// AddonListSpec declares the add-on list (docs/billing.md#6-add-ons).
var AddonListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: statusChoices, Lookups: []string{list.In}},
		{Name: "apply_scheme", Expr: "apply_scheme", Kind: list.Enum, Choices: applySchemes, Lookups: []string{list.In}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "amount": "CAST(amount AS NUMERIC)", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "description", "sku"},
	Metadata:        "metadata",
}

// ListAddons returns one page of add-ons.
func ListAddons(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Addon, error) {
	count, out, err := list.Fetch(ctx, q, lq, addonColumns, ` FROM addons WHERE workspace_id = $1 AND test_mode = $2`, []any{sc.ID, sc.TestMode}, func(row list.Scanner) (*Addon, error) { return scanAddon(sc, row) })
	if err != nil {
		return 0, nil, err
	}
	return count, out, nil
}

type addonRecord struct {
	name, description, currency, applyScheme, status, metadata string
	amount                                                     decimal.Decimal
	sku, unitLabel                                             *string
	exempt                                                     bool
	durationTimes                                              *int
}

func (r *addonRecord) apply(o *input.Object) {
	reqStr(o, &r.name, "name", 56)
	reqStr(o, &r.description, "description", 256)
	currency(o, &r.currency, true)
	if v, ok := moneyField(o, "amount", true); ok {
		r.amount = v
	}
	str(o, &r.sku, "sku", input.StrOpt{Max: 32})
	if v, ok := o.Bool("exempt", false); ok {
		r.exempt = v
	}
	if v, ok := o.Choice("apply_scheme", false, applySchemes...); ok {
		r.applyScheme = v
	}
	if v, ok := integer(o, "duration_times", 1); ok {
		r.durationTimes = v
	}
	str(o, &r.unitLabel, "unit_label", input.StrOpt{Max: 4})
	status(o, &r.status)
	metadata(o, &r.metadata)
	// against the resulting object: a PATCH to one_time must drop the duration
	if r.durationTimes != nil && r.applyScheme != ApplyRecurring && !o.Failed("apply_scheme") && !o.Failed("duration_times") {
		o.Fail("duration_times", MsgAddonDuration)
	}
}

// CreateAddon validates body and inserts an add-on.
func CreateAddon(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, now time.Time) (*Addon, error) {
	rec := addonRecord{applyScheme: ApplyOneTime, status: StatusActive, metadata: "{}"}
	rec.apply(o)
	if err := o.Err(); err != nil {
		return nil, err
	}
	aid := id.New(PrefixAddon)
	us := now.UnixMicro()
	var archived *int64
	if rec.status == StatusArchived {
		archived = &us
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO addons (id, workspace_id, test_mode, name, description, currency, amount, sku, exempt, apply_scheme, duration_times,
		unit_label, status, archived, metadata, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)`,
		aid, sc.ID, sc.TestMode, rec.name, rec.description, rec.currency, money.NewMoney(rec.amount), rec.sku, rec.exempt, rec.applyScheme, rec.durationTimes,
		rec.unitLabel, rec.status, archived, rec.metadata, us); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "addon.created", aid, now); err != nil {
		return nil, err
	}
	return GetAddon(ctx, q, sc, aid)
}

// UpdateAddon applies a partial update (changes apply to future runs).
func UpdateAddon(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, addonID string, o *input.Object, now time.Time) (*Addon, error) {
	a, err := getAddon(ctx, q, sc, addonID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := addonRecord{name: a.Name, description: a.Description, currency: a.Currency, applyScheme: a.ApplyScheme, status: a.Status,
		metadata: string(a.Metadata), amount: a.Amount.Decimal, sku: a.SKU, unitLabel: a.UnitLabel, exempt: a.Exempt, durationTimes: a.DurationTimes}
	rec.apply(o)
	if err := o.Err(); err != nil {
		return nil, err
	}
	archived, name := statusChange("addon", a.Status, rec.status, a.Archived.Micros, now)
	if _, err := q.ExecContext(ctx, `UPDATE addons SET name = $4, description = $5, currency = $6, amount = $7, sku = $8, exempt = $9, apply_scheme = $10,
		duration_times = $11, unit_label = $12, status = $13, archived = $14, metadata = $15, updated = $16 WHERE id = $1`+scopeWhere,
		addonID, sc.ID, sc.TestMode, rec.name, rec.description, rec.currency, money.NewMoney(rec.amount), rec.sku, rec.exempt, rec.applyScheme,
		rec.durationTimes, rec.unitLabel, rec.status, archived, rec.metadata, now.UnixMicro()); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, name, addonID, now); err != nil {
		return nil, err
	}
	return GetAddon(ctx, q, sc, addonID)
}

// ArchiveAddon is DELETE: archived, idempotent.
func ArchiveAddon(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, addonID string, now time.Time) (*Addon, error) {
	a, err := getAddon(ctx, q, sc, addonID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	if err := archive(ctx, q, sc, "addons", "addon", addonID, a.Status, now); err != nil {
		return nil, err
	}
	return GetAddon(ctx, q, sc, addonID)
}
