package customer

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// MaxContactsPerGroup is the limit per (customer, orgunit) group; contacts
// without an orgunit form one more group (docs/billing.md#2-contacts).
const MaxContactsPerGroup = 7

// Contact is a person at a customer.
type Contact struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Email       string          `json:"email"`
	Customer    string          `json:"customer"`
	Orgunit     json.RawMessage `json:"orgunit"` // id string, null, or {"id","name"} when expanded
	Phone       *string         `json:"phone"`
	Invoicing   bool            `json:"invoicing"`
	Collections bool            `json:"collections"`
	TestMode    bool            `json:"test_mode"`
	Created     clock.Stamp     `json:"created"`
	Updated     clock.Stamp     `json:"updated"`

	orgunitID   *string
	orgunitName *string
}

const contactColumns = `c.id, c.name, c.email, c.customer_id, c.orgunit_id, o.name, c.phone, c.invoicing, c.collections, c.test_mode, c.created, c.updated`

// contacts is read with the orgunit's name.
var contacts = rows.Table{Name: "contacts c LEFT JOIN orgunits o ON o.id = c.orgunit_id", Alias: "c", Prefix: "con", Columns: contactColumns}

func contactScan(sc workspace.Scope) func(list.Scanner) (*Contact, error) {
	return func(row list.Scanner) (*Contact, error) { return scanContact(sc, row) }
}

func scanContact(sc workspace.Scope, row interface{ Scan(...any) error }) (*Contact, error) {
	var (
		c                   Contact
		org, orgName, phone sql.NullString
		created, updated    int64
	)
	if err := row.Scan(&c.ID, &c.Name, &c.Email, &c.Customer, &org, &orgName, &phone, &c.Invoicing, &c.Collections, &c.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	c.orgunitID, c.orgunitName, c.Phone = rows.Text(org), rows.Text(orgName), rows.Text(phone)
	c.Created, c.Updated = clock.Stamp{Micros: created, Loc: sc.Loc}, clock.Stamp{Micros: updated, Loc: sc.Loc}
	c.Expand(false)
	return &c, nil
}

// Expand sets how orgunit is written: the id, or {"id", "name"}.
func (c *Contact) Expand(orgunit bool) {
	switch {
	case c.orgunitID == nil:
		c.Orgunit = json.RawMessage("null")
	case orgunit:
		b, _ := json.Marshal(map[string]string{"id": *c.orgunitID, "name": deref(c.orgunitName)})
		c.Orgunit = b
	default:
		b, _ := json.Marshal(*c.orgunitID)
		c.Orgunit = b
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// GetContact returns a contact of the scope, or 404.
func GetContact(ctx context.Context, q store.Querier, sc workspace.Scope, contactID string) (*Contact, error) {
	return rows.Get(ctx, q, sc, contacts, contactID, "", contactScan(sc))
}

// ContactListSpec declares the contact list (docs/billing.md#2-contacts).
var ContactListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "customer", Expr: "c.customer_id", Lookups: []string{list.In}},
		{Name: "orgunit", Expr: "c.orgunit_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "name", Expr: "c.name", Lookups: []string{list.IContains}},
		{Name: "email", Expr: "c.email", Lookups: []string{list.IContains}},
		{Name: "invoicing", Expr: "c.invoicing", Kind: list.Bool},
		{Name: "collections", Expr: "c.collections", Kind: list.Bool},
		{Name: "created", Expr: "c.created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "c.name", "created": "c.created"},
	DefaultOrdering: "-created",
	Search:          []string{"c.name", "c.email"},
	IDExpr:          "c.id",
}

// ListContacts returns one page of contacts.
func ListContacts(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Contact, error) {
	return rows.List(ctx, q, sc, contacts, lq, contactScan(sc))
}

// attachContacts fills Contacts of each customer with one query.
func attachContacts(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*Customer) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[string]*Customer{}
	ids := make([]string, len(cs))
	for i, c := range cs {
		byID[c.ID], ids[i] = c, c.ID
	}
	cts, err := rows.In(ctx, q, sc, contacts, "customer_id", ids, "c.created, c.id", contactScan(sc))
	if err != nil {
		return err
	}
	for _, ct := range cts {
		if c := byID[ct.Customer]; c != nil {
			c.Contacts = append(c.Contacts, *ct)
		}
	}
	return nil
}

// ContactParams is the command that creates a contact or updates one (nil
// or unset: not given). The HTTP edge decodes bodies into it.
type ContactParams struct {
	// Customer: on create, the customer's id; on an update, the text sent
	// (it cannot change). CustomerGiven: the field was sent.
	Customer               *string
	CustomerGiven          bool
	Name, Email            *string
	Phone, Orgunit         opt.Nullable[string]
	Invoicing, Collections *bool
	// Errs are the fields the edge could not decode.
	Errs *apperr.Fields
}

// contactRecord is the writable state of a contact.
type contactRecord struct {
	name, email            string
	orgunit, phone         *string
	invoicing, collections bool
}

func (r *contactRecord) apply(p *ContactParams) (orgunitTouched bool) {
	opt.Assign(&r.name, p.Name)
	opt.Assign(&r.email, p.Email)
	p.Phone.Apply(&r.phone)
	opt.Assign(&r.invoicing, p.Invoicing)
	opt.Assign(&r.collections, p.Collections)
	p.Orgunit.Apply(&r.orgunit)
	return p.Orgunit.Set
}

// checkOrgunit verifies the orgunit exists in scope and belongs to customerID.
func checkOrgunit(ctx context.Context, q store.Querier, sc workspace.Scope, fe *apperr.Fields, orgID *string, customerID string) error {
	if orgID == nil {
		return nil
	}
	org, err := GetOrgunit(ctx, q, sc, *orgID)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		fe.Add("orgunit", apperr.MsgPK(*orgID))
		return nil
	}
	if err != nil {
		return err
	}
	if org.Customer != customerID {
		fe.Add("orgunit", "Organisation unit does not belong to this customer.")
	}
	return nil
}

// errsOf is the decoding errors of a command, copied so the rules can add
// theirs.
// lockForChild locks the customer a contact or organisation unit being
// updated belongs to, and starts the update's field errors (errs, from
// the edge) with the customer's: it cannot change.
func lockForChild(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, customerID string, errs *apperr.Fields, customerGiven bool, sent *string) (*apperr.Fields, error) {
	if _, err := get(ctx, q, sc, customerID, d.ForUpdate()); err != nil {
		return nil, err
	}
	fe := errsOf(errs)
	checkImmutable(fe, "customer", customerGiven, sent, customerID)
	return fe, nil
}

func errsOf(fe *apperr.Fields) *apperr.Fields {
	if fe == nil {
		return &apperr.Fields{}
	}
	return fe.Clone()
}

func checkGroupLimit(ctx context.Context, q store.Querier, customerID string, orgID *string) error {
	var n int
	var err error
	if orgID == nil {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts WHERE customer_id = $1 AND orgunit_id IS NULL`, customerID).Scan(&n)
	} else {
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts WHERE customer_id = $1 AND orgunit_id = $2`, customerID, *orgID).Scan(&n)
	}
	if err != nil {
		return err
	}
	if n >= MaxContactsPerGroup {
		return apperr.NonField(fmt.Sprintf("A customer can have at most %d contacts per organisation unit.", MaxContactsPerGroup))
	}
	return nil
}

// CreateContact validates and inserts a contact.
func CreateContact(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, p *ContactParams, now time.Time) (*Contact, error) {
	fe := errsOf(p.Errs)
	rec := contactRecord{invoicing: true, collections: true}
	cusID := p.Customer
	rec.apply(p)
	if cusID != nil {
		_, msg, err := Ref(ctx, q, d, sc, *cusID, true)
		if err != nil {
			return nil, err
		}
		if msg != "" {
			fe.Add("customer", msg)
		} else if err := checkOrgunit(ctx, q, sc, fe, rec.orgunit, *cusID); err != nil {
			return nil, err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := checkGroupLimit(ctx, q, *cusID, rec.orgunit); err != nil {
		return nil, err
	}
	cid := id.New("con")
	if err := event.After(ctx, q, sc, "contact.created", cid, now, `INSERT INTO contacts (id, workspace_id, test_mode, customer_id, orgunit_id, name, email, phone,
		invoicing, collections, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
		cid, sc.ID, sc.TestMode, *cusID, rec.orgunit, rec.name, rec.email, rec.phone, rec.invoicing, rec.collections, now.UnixMicro()); err != nil {
		return nil, err
	}
	return GetContact(ctx, q, sc, cid)
}

// UpdateContact applies a partial update.
func UpdateContact(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, contactID string, p *ContactParams, now time.Time) (*Contact, error) {
	cur, err := GetContact(ctx, q, sc, contactID)
	if err != nil {
		return nil, err
	}
	fe, err := lockForChild(ctx, q, d, sc, cur.Customer, p.Errs, p.CustomerGiven, p.Customer)
	if err != nil {
		return nil, err
	}
	rec := contactRecord{name: cur.Name, email: cur.Email, orgunit: cur.orgunitID, phone: cur.Phone, invoicing: cur.Invoicing, collections: cur.Collections}
	moved := rec.apply(p) && deref(rec.orgunit) != deref(cur.orgunitID)
	if moved {
		if err := checkOrgunit(ctx, q, sc, fe, rec.orgunit, cur.Customer); err != nil {
			return nil, err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if moved {
		if err := checkGroupLimit(ctx, q, cur.Customer, rec.orgunit); err != nil {
			return nil, err
		}
	}
	if err := event.After(ctx, q, sc, "contact.updated", contactID, now, `UPDATE contacts SET orgunit_id = $1, name = $2, email = $3, phone = $4,
		invoicing = $5, collections = $6, updated = $7 WHERE id = $8 AND workspace_id = $9 AND test_mode = $10`,
		rec.orgunit, rec.name, rec.email, rec.phone, rec.invoicing, rec.collections, now.UnixMicro(), contactID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	return GetContact(ctx, q, sc, contactID)
}

// DeleteContact destroys a contact.
func DeleteContact(ctx context.Context, q store.Querier, sc workspace.Scope, contactID string, now time.Time) error {
	if _, err := GetContact(ctx, q, sc, contactID); err != nil {
		return err
	}
	return event.After(ctx, q, sc, "contact.deleted", contactID, now, `DELETE FROM contacts WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		contactID, sc.ID, sc.TestMode)
}
