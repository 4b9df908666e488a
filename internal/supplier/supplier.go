// Package supplier holds suppliers (docs/procurement.md#1-suppliers), the buying side's
// counterpart of customers: purchases, purchase credit notes and retentions
// reference them.
package supplier

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Prefix is the id prefix of suppliers (docs/conventions.md#5-object-ids).
const Prefix = "sup"

// Supplier is the API object (docs/procurement.md#12-supplier-object-and-body, field order of docs/procurement.md#14-example).
type Supplier struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Country     string          `json:"country"`
	TaxID       *string         `json:"tax_id"`
	State       *string         `json:"state"`
	Currency    string          `json:"currency"`
	Address     *string         `json:"address"`
	Email       *string         `json:"email"`
	Phone       *string         `json:"phone"`
	Website     *string         `json:"website"`
	TaxSettings json.RawMessage `json:"tax_settings"`
	Metadata    json.RawMessage `json:"metadata"`
	TestMode    bool            `json:"test_mode"`
	Created     clock.Stamp     `json:"created"`
	Updated     clock.Stamp     `json:"updated"`
}

// MsgHasDocuments refuses DELETE of a supplier with documents.
const MsgHasDocuments = "Suppliers with documents cannot be deleted."

const columns = `id, name, country, tax_id, state, currency, address, email, phone, website, tax_settings, metadata, test_mode, created, updated`

func scan(sc workspace.Scope, row interface{ Scan(...any) error }) (*Supplier, error) {
	var (
		s                                   Supplier
		tax, state, addr, email, phone, web sql.NullString
		taxSettings, metadata               string
		created, updated                    int64
	)
	err := row.Scan(&s.ID, &s.Name, &s.Country, &tax, &state, &s.Currency, &addr, &email, &phone, &web,
		&taxSettings, &metadata, &s.TestMode, &created, &updated)
	if err != nil {
		return nil, err
	}
	s.TaxID, s.State, s.Address, s.Email, s.Phone, s.Website = rows.Text(tax), rows.Text(state), rows.Text(addr), rows.Text(email), rows.Text(phone), rows.Text(web)
	s.TaxSettings, s.Metadata = json.RawMessage(taxSettings), json.RawMessage(metadata)
	s.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	s.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &s, nil
}

// scanIn reads a supplier row shown in sc's time zone.
func scanIn(sc workspace.Scope) func(list.Scanner) (*Supplier, error) {
	return func(r list.Scanner) (*Supplier, error) { return scan(sc, r) }
}

// Get returns a supplier of the scope, or 404.
func Get(ctx context.Context, q store.Querier, sc workspace.Scope, supplierID string) (*Supplier, error) {
	return get(ctx, q, sc, supplierID, "")
}

var table = rows.Table{Name: "suppliers", Prefix: Prefix, Columns: columns}

func get(ctx context.Context, q store.Querier, sc workspace.Scope, supplierID, lock string) (*Supplier, error) {
	return rows.Get(ctx, q, sc, table, supplierID, lock, scanIn(sc))
}

// Ref resolves a supplier referenced from a body field: a missing supplier
// (unknown id, wrong kind, other workspace or mode) is the field message
// "Invalid pk …", never a 404. With lock, the row is locked for the rest of
// the transaction.
func Ref(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, supplierID string, lock bool) (*Supplier, string, error) {
	s, err := get(ctx, q, sc, supplierID, rows.Lock(d, lock))
	return rows.Ref(s, err, supplierID, "Supplier", func(*Supplier) bool { return false })
}

// ListSpec declares the supplier list (docs/procurement.md#12-supplier-object-and-body).
var ListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "tax_id", Expr: "tax_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "email", Expr: "email", Lookups: []string{list.IContains, list.IsNull}},
		{Name: "country", Expr: "country", Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "tax_id", "email"},
	Metadata:        "metadata",
}

// List returns one page of suppliers.
func List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Supplier, error) {
	return rows.List(ctx, q, sc, table, lq, scanIn(sc))
}

// Summaries loads several suppliers of the scope in one query, by id (for
// expanding `supplier` on purchases). Unknown ids are simply absent.
func Summaries(ctx context.Context, q store.Querier, sc workspace.Scope, ids []string) (map[string]*Supplier, error) {
	ss, err := rows.ByIDs(ctx, q, sc, table, ids, scanIn(sc))
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Supplier, len(ss))
	for _, s := range ss {
		out[s.ID] = s
	}
	return out, nil
}

// Params is the command that creates a supplier or updates one: the party
// fields it shares with customers (nil or unset: not given). The HTTP
// edge decodes bodies into it.
type Params struct {
	customer.Party
	// Errs are the fields the edge could not decode, reported with the
	// rules' errors.
	Errs *apperr.Fields
}

func (p *Params) errs() *apperr.Fields {
	if p.Errs == nil {
		return &apperr.Fields{}
	}
	return p.Errs.Clone()
}

func fromSupplier(s *Supplier) customer.PartyRecord {
	return customer.PartyRecord{Name: s.Name, Country: s.Country, Currency: s.Currency,
		TaxID: s.TaxID, State: s.State, Address: s.Address, Email: s.Email, Phone: s.Phone, Website: s.Website,
		TaxSettings: string(s.TaxSettings), Metadata: string(s.Metadata)}
}

// rules: a supplier's state is optional; its tax_id is required in the
// workspace's own regulated country, as a customer's.
var rules = customer.PartyRules{Noun: "suppliers"}

// Create validates body and inserts a supplier.
func Create(ctx context.Context, q store.Querier, sc workspace.Scope, p *Params, now time.Time) (*Supplier, error) {
	rec := customer.PartyRecord{TaxSettings: "{}", Metadata: "{}"}
	fe := p.errs()
	customer.ApplyParty(fe, &p.Party, &rec, sc, rules)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	sid := id.New(Prefix)
	us := now.UnixMicro()
	_, err := q.ExecContext(ctx, `INSERT INTO suppliers (id, workspace_id, test_mode, name, country, tax_id, state, currency, address, email, phone, website,
		tax_settings, metadata, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
		sid, sc.ID, sc.TestMode, rec.Name, rec.Country, rec.TaxID, rec.State, rec.Currency, rec.Address, rec.Email, rec.Phone, rec.Website,
		rec.TaxSettings, rec.Metadata, us)
	if err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "supplier.created", sid, now); err != nil {
		return nil, err
	}
	return get(ctx, q, sc, sid, "")
}

// Update applies a partial update (PATCH and PUT alike).
func Update(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, supplierID string, p *Params, now time.Time) (*Supplier, error) {
	s, err := get(ctx, q, sc, supplierID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := fromSupplier(s)
	fe := p.errs()
	customer.ApplyParty(fe, &p.Party, &rec, sc, rules)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	_, err = q.ExecContext(ctx, `UPDATE suppliers SET name = $1, country = $2, tax_id = $3, state = $4, currency = $5, address = $6, email = $7,
		phone = $8, website = $9, tax_settings = $10, metadata = $11, updated = $12
		WHERE id = $13 AND workspace_id = $14 AND test_mode = $15`,
		rec.Name, rec.Country, rec.TaxID, rec.State, rec.Currency, rec.Address, rec.Email,
		rec.Phone, rec.Website, rec.TaxSettings, rec.Metadata, now.UnixMicro(),
		supplierID, sc.ID, sc.TestMode)
	if err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "supplier.updated", supplierID, now); err != nil {
		return nil, err
	}
	return get(ctx, q, sc, supplierID, "")
}

// Deps are what the supplier work needs from the packages built on it;
// the composition root (internal/app) fills them.
type Deps struct {
	// ReferencedBy are queries "SELECT 1 FROM t WHERE supplier_id = $1": a
	// supplier any of them finds cannot be deleted (documents).
	ReferencedBy []string
}

// Service is the supplier work that depends on other packages. A nil
// *Service works with no dependencies.
type Service struct{ deps Deps }

// NewService builds the supplier work on its dependencies.
func NewService(d Deps) *Service { return &Service{deps: d} }

func (s *Service) hasActivity(ctx context.Context, q store.Querier, supplierID string) (bool, error) {
	if s == nil {
		return false, nil
	}
	return rows.Referenced(ctx, q, s.deps.ReferencedBy, supplierID)
}

// Delete destroys a supplier without documents; one with documents is
// refused with a non-field error (docs/procurement.md#13-errors).
func (s *Service) Delete(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, supplierID string, now time.Time) error {
	if _, err := get(ctx, q, sc, supplierID, d.ForUpdate()); err != nil {
		return err
	}
	active, err := s.hasActivity(ctx, q, supplierID)
	if err != nil {
		return err
	}
	if active {
		return apperr.NonField(MsgHasDocuments)
	}
	return event.After(ctx, q, sc, "supplier.deleted", supplierID, now, `DELETE FROM suppliers WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		supplierID, sc.ID, sc.TestMode)
}
