package customer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// MaxOrgunits is the per-customer limit (docs/billing.md#3-orgunits).
const MaxOrgunits = 12

// Orgunit is an organisation unit of a customer.
type Orgunit struct {
	ID       string      `json:"id"`
	Customer string      `json:"customer"`
	Name     string      `json:"name"`
	TestMode bool        `json:"test_mode"`
	Created  clock.Stamp `json:"created"`
	Updated  clock.Stamp `json:"updated"`
}

const orgunitColumns = `id, customer_id, name, test_mode, created, updated`

var orgunits = rows.Table{Name: "orgunits", Prefix: "org", Columns: orgunitColumns}

func orgunitScan(sc workspace.Scope) func(list.Scanner) (*Orgunit, error) {
	return func(row list.Scanner) (*Orgunit, error) { return scanOrgunit(sc, row) }
}

func scanOrgunit(sc workspace.Scope, row interface{ Scan(...any) error }) (*Orgunit, error) {
	var o Orgunit
	var created, updated int64
	if err := row.Scan(&o.ID, &o.Customer, &o.Name, &o.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	o.Created, o.Updated = clock.Stamp{Micros: created, Loc: sc.Loc}, clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &o, nil
}

// GetOrgunit returns an orgunit of the scope, or 404.
func GetOrgunit(ctx context.Context, q store.Querier, sc workspace.Scope, orgID string) (*Orgunit, error) {
	return rows.Get(ctx, q, sc, orgunits, orgID, "", orgunitScan(sc))
}

// OrgunitListSpec declares the orgunit list (docs/billing.md#3-orgunits).
var OrgunitListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "customer", Expr: "customer_id", Lookups: []string{list.In}},
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"name"},
}

// ListOrgunits returns one page of orgunits.
func ListOrgunits(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Orgunit, error) {
	return rows.List(ctx, q, sc, orgunits, lq, orgunitScan(sc))
}

func nameKey(name string) string { return strings.ToLower(name) }

// CreateOrgunit validates and inserts an orgunit.
func CreateOrgunit(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, p *OrgunitParams, now time.Time) (*Orgunit, error) {
	fe := errsOf(p.Errs)
	cusID, name := p.Customer, p.Name
	if cusID != nil {
		// Locking the customer serialises concurrent creates for the limit.
		_, msg, err := Ref(ctx, q, d, sc, *cusID, true)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			fe.Add("customer", msg)
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := checkOrgName(ctx, q, *cusID, *name, ""); err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgunits WHERE customer_id = $1`, *cusID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= MaxOrgunits {
		return nil, apperr.NonField(fmt.Sprintf("A customer can have at most %d organisation units.", MaxOrgunits))
	}
	oid := id.New("org")
	if err := event.After(ctx, q, sc, "orgunit.created", oid, now, `INSERT INTO orgunits (id, workspace_id, test_mode, customer_id, name, name_key, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, oid, sc.ID, sc.TestMode, *cusID, *name, nameKey(*name), now.UnixMicro()); err != nil {
		return nil, err
	}
	return GetOrgunit(ctx, q, sc, oid)
}

func checkOrgName(ctx context.Context, q store.Querier, customerID, name, exceptID string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM orgunits WHERE customer_id = $1 AND name_key = $2 AND id <> $3`, customerID, nameKey(name), exceptID).Scan(&one)
	if err == nil {
		return apperr.Field("name", "An organisation unit with this name already exists for this customer.")
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// OrgunitParams is the command that creates an orgunit or renames one.
type OrgunitParams struct {
	// Customer: on create, the customer's id; on an update, the text sent
	// (it cannot change). CustomerGiven: the field was sent.
	Customer      *string
	CustomerGiven bool
	Name          *string
	// Errs are the fields the edge could not decode.
	Errs *apperr.Fields
}

// checkImmutable refuses a change of an owner reference after creation
// (sent: the text given, nil when it was not a string).
func checkImmutable(fe *apperr.Fields, key string, given bool, sent *string, current string) {
	if given && (sent == nil || *sent != current) {
		fe.Add(key, apperr.MsgNoChange)
	}
}

// UpdateOrgunit renames an orgunit.
func UpdateOrgunit(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, orgID string, p *OrgunitParams, now time.Time) (*Orgunit, error) {
	cur, err := GetOrgunit(ctx, q, sc, orgID)
	if err != nil {
		return nil, err
	}
	fe, err := lockForChild(ctx, q, d, sc, cur.Customer, p.Errs, p.CustomerGiven, p.Customer)
	if err != nil {
		return nil, err
	}
	name := p.Name
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if name != nil {
		if err := checkOrgName(ctx, q, cur.Customer, *name, orgID); err != nil {
			return nil, err
		}
		if _, err := q.ExecContext(ctx, `UPDATE orgunits SET name = $1, name_key = $2, updated = $3 WHERE id = $4 AND workspace_id = $5 AND test_mode = $6`,
			*name, nameKey(*name), now.UnixMicro(), orgID, sc.ID, sc.TestMode); err != nil {
			return nil, err
		}
	}
	if err := event.Emit(ctx, q, sc, "orgunit.updated", orgID, now); err != nil {
		return nil, err
	}
	return GetOrgunit(ctx, q, sc, orgID)
}

// orgunitUses are the queries telling whether an orgunit is referenced
// here; Deps.OrgunitUses adds other packages' ("SELECT 1 … orgunit_id = $1").
var orgunitUses = []string{`SELECT 1 FROM contacts WHERE orgunit_id = $1`}

// DeleteOrgunit deletes an orgunit nothing references.
func (s *Service) DeleteOrgunit(ctx context.Context, q store.Querier, sc workspace.Scope, orgID string, now time.Time) error {
	if _, err := GetOrgunit(ctx, q, sc, orgID); err != nil {
		return err
	}
	uses := orgunitUses
	if s != nil {
		uses = append(append([]string(nil), orgunitUses...), s.deps.OrgunitUses...)
	}
	used, err := rows.Referenced(ctx, q, uses, orgID)
	if err != nil {
		return err
	}
	if used {
		return apperr.NonField("Organisation unit is in use by contacts or subscriptions.")
	}
	return event.After(ctx, q, sc, "orgunit.deleted", orgID, now, `DELETE FROM orgunits WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		orgID, sc.ID, sc.TestMode)
}
