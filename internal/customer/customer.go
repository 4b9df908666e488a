// Package customer holds customers (docs/billing.md#1-customers) and the people and units
// that hang off them: contacts (docs/billing.md#2-contacts) and orgunits (docs/billing.md#3-orgunits).
package customer

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/opt"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Customer is the API object.
type Customer struct {
	ID              string          `json:"id"`
	Name            string          `json:"name"`
	Address         *string         `json:"address"`
	Country         string          `json:"country"`
	State           *string         `json:"state"`
	Currency        string          `json:"currency"`
	Email           *string         `json:"email"`
	Phone           *string         `json:"phone"`
	Website         *string         `json:"website"`
	ZipCode         *string         `json:"zip_code"`
	Manager         *string         `json:"manager"`
	Reference       *string         `json:"reference"`
	TaxID           *string         `json:"tax_id"`
	TaxSettings     json.RawMessage `json:"tax_settings"`
	Metadata        json.RawMessage `json:"metadata"`
	SendInvoices    bool            `json:"send_invoices"`
	SendCollections bool            `json:"send_collections"`
	SendVouchers    bool            `json:"send_vouchers"`
	Status          string          `json:"status"`
	Contacts        []Contact       `json:"contacts"`
	Sources         []string        `json:"sources"`
	Aggregations    Aggregations    `json:"aggregations"`
	TestClock       *string         `json:"test_clock"`
	TestMode        bool            `json:"test_mode"`
	Created         clock.Stamp     `json:"created"`
	Updated         clock.Stamp     `json:"updated"`
}

// Aggregations are computed at read time (docs/billing.md#1-customers). They are zero
// until documents exist; the documents issue fills them.
type Aggregations struct {
	Balance            money.Money `json:"balance"`
	Sales              money.Money `json:"sales"`
	SalesCurrentPeriod money.Money `json:"sales_current_period"`
}

const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

const columns = `id, name, address, country, state, currency, email, phone, website, zip_code, manager, reference, tax_id,
	tax_settings, metadata, send_invoices, send_collections, send_vouchers, status, test_clock_id, test_mode, created, updated`

func scanCustomer(sc workspace.Scope, row interface{ Scan(...any) error }) (*Customer, error) {
	var (
		c                                                      Customer
		addr, state, email, phone, web, zip, manager, ref, tax sql.NullString
		testClock                                              sql.NullString
		taxSettings, metadata                                  string
		created, updated                                       int64
	)
	err := row.Scan(&c.ID, &c.Name, &addr, &c.Country, &state, &c.Currency, &email, &phone, &web, &zip, &manager, &ref, &tax,
		&taxSettings, &metadata, &c.SendInvoices, &c.SendCollections, &c.SendVouchers, &c.Status, &testClock, &c.TestMode, &created, &updated)
	if err != nil {
		return nil, err
	}
	c.TestClock = rows.Text(testClock)
	c.Address, c.State, c.Email, c.Phone, c.Website = rows.Text(addr), rows.Text(state), rows.Text(email), rows.Text(phone), rows.Text(web)
	c.ZipCode, c.Manager, c.Reference, c.TaxID = rows.Text(zip), rows.Text(manager), rows.Text(ref), rows.Text(tax)
	c.TaxSettings, c.Metadata = json.RawMessage(taxSettings), json.RawMessage(metadata)
	c.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	c.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	c.Contacts = []Contact{}
	c.Sources = []string{}
	zero := money.NewMoney(decimal.Zero)
	c.Aggregations = Aggregations{zero, zero, zero}
	return &c, nil
}

// scanIn reads a customer row shown in sc's time zone.
func scanIn(sc workspace.Scope) func(list.Scanner) (*Customer, error) {
	return func(r list.Scanner) (*Customer, error) { return scanCustomer(sc, r) }
}

// Get returns a customer of the scope, or 404.
func (s *Service) Get(ctx context.Context, q store.Querier, sc workspace.Scope, customerID string) (*Customer, error) {
	c, err := get(ctx, q, sc, customerID, "")
	if err != nil {
		return nil, err
	}
	if err := attachContacts(ctx, q, sc, []*Customer{c}); err != nil {
		return nil, err
	}
	return c, s.aggregate(ctx, q, sc, []*Customer{c})
}

var table = rows.Table{Name: "customers", Prefix: "cus", Columns: columns}

// get reads a customer of the scope without its contacts and figures, or
// 404; lock is "" or FOR UPDATE.
func get(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, lock string) (*Customer, error) {
	return rows.Get(ctx, q, sc, table, customerID, lock, scanIn(sc))
}

// Ref resolves a customer referenced from a body field: the errors are
// field errors ("Invalid pk", "Customer is archived."), never a 404.
// With lock, the row is locked for the rest of the transaction.
func Ref(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, customerID string, lock bool) (*Customer, string, error) {
	c, err := get(ctx, q, sc, customerID, rows.Lock(d, lock))
	return rows.Ref(c, err, customerID, "Customer", isArchived)
}

func isArchived(c *Customer) bool { return c.Status == StatusArchived }

// RefKnown is Ref of a customer read in advance with GetIn: the same
// message, no query.
func RefKnown(c *Customer) (*Customer, string, error) {
	return rows.Ref(c, nil, c.ID, "Customer", isArchived)
}

// GetIn reads the customers of sc among ids in one query, by id (a
// billing batch reads its customers once; missing ids are absent).
func GetIn(ctx context.Context, q store.Querier, sc workspace.Scope, ids []string) (map[string]*Customer, error) {
	cs, err := rows.ByIDs(ctx, q, sc, table, ids, scanIn(sc))
	out := make(map[string]*Customer, len(cs))
	for _, c := range cs {
		out[c.ID] = c
	}
	return out, err
}

// baseListSpec declares the customer list (docs/billing.md#16-list) without
// the fields of other packages (Deps.ListFields).
var baseListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "name", Expr: "name", Lookups: []string{list.IContains}},
		{Name: "email", Expr: "email", Lookups: []string{list.IContains, list.IsNull}},
		{Name: "tax_id", Expr: "tax_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "country", Expr: "country", Lookups: []string{list.In}},
		{Name: "state", Expr: "state", Lookups: []string{list.In, list.IsNull}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{StatusActive, StatusArchived, "pending"}, Lookups: []string{list.In}},
		{Name: "reference", Expr: "reference", Lookups: []string{list.IsNull}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
		{Name: "updated", Expr: "updated", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"name": "name", "created": "created", "updated": "updated"},
	DefaultOrdering: "-created",
	Search:          []string{"name", "email", "tax_id", "reference"},
	// trigram indexes of migration 00023
	SearchIndex: &list.SearchIndex{Table: "customers", FTS: "customers_search",
		Columns: map[string]string{"name": "name", "email": "email", "tax_id": "tax_id", "reference": "reference"}},
	Metadata: "metadata",
}

// List returns one page of customers.
func (s *Service) List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Customer, error) {
	count, out, err := rows.List(ctx, q, sc, table, lq, scanIn(sc))
	if err != nil {
		return 0, nil, err
	}
	if err := attachContacts(ctx, q, sc, out); err != nil {
		return 0, nil, err
	}
	return count, out, s.aggregate(ctx, q, sc, out)
}

// Params is the command that creates a customer or updates one: the party
// fields shared with suppliers and the customer's own. A nil or unset
// field is not given. The HTTP edge decodes bodies into it.
type Params struct {
	Party
	ZipCode, Manager, Reference                 opt.Nullable[string]
	SendInvoices, SendCollections, SendVouchers *bool
	Status                                      *string
	// TestClock: on create, the id of a test clock; on an update, the
	// text sent (it cannot change). TestClockGiven: the field was sent.
	TestClock      *string
	TestClockGiven bool
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

// record is the writable state of a customer.
type record struct {
	PartyRecord
	status                                      string
	zip, manager, ref                           *string
	sendInvoices, sendCollections, sendVouchers bool
}

func fromCustomer(c *Customer) record {
	return record{PartyRecord: PartyRecord{Name: c.Name, Country: c.Country, Currency: c.Currency,
		Address: c.Address, State: c.State, Email: c.Email, Phone: c.Phone, Website: c.Website, TaxID: c.TaxID,
		TaxSettings: string(c.TaxSettings), Metadata: string(c.Metadata)},
		status: c.Status, zip: c.ZipCode, manager: c.Manager, ref: c.Reference,
		sendInvoices: c.SendInvoices, sendCollections: c.SendCollections, sendVouchers: c.SendVouchers}
}

var customerRules = PartyRules{Noun: "customers", RequireState: true, CountryFirst: true}

// apply applies p onto rec. Cross-field rules are checked against the
// resulting object, so an update of country re-validates state and tax_id.
func apply(fe *apperr.Fields, p *Params, rec *record, sc workspace.Scope) {
	p.ZipCode.Apply(&rec.zip)
	p.Manager.Apply(&rec.manager)
	p.Reference.Apply(&rec.ref)
	for _, f := range []struct {
		v   *bool
		dst *bool
	}{{p.SendInvoices, &rec.sendInvoices}, {p.SendCollections, &rec.sendCollections}, {p.SendVouchers, &rec.sendVouchers}} {
		opt.Assign(f.dst, f.v)
	}
	opt.Assign(&rec.status, p.Status)
	ApplyParty(fe, &p.Party, &rec.PartyRecord, sc, customerRules)
}

// Create validates p and inserts a customer.
func Create(ctx context.Context, q store.Querier, sc workspace.Scope, p *Params, now time.Time) (*Customer, error) {
	return create(ctx, q, sc, p, now, false)
}

// CreatePayer creates the customer of a payment-link payer
// (docs/payments.md#55-what-finalization-produces): the create rules, except that address and state may be missing
// when the link did not ask the payer for them.
func CreatePayer(ctx context.Context, q store.Querier, sc workspace.Scope, p *Params, now time.Time) (*Customer, error) {
	return create(ctx, q, sc, p, now, true)
}

func create(ctx context.Context, q store.Querier, sc workspace.Scope, p *Params, now time.Time, payer bool) (*Customer, error) {
	fe := p.errs()
	rec := record{PartyRecord: PartyRecord{TaxSettings: "{}", Metadata: "{}"}, status: StatusActive, sendInvoices: true, sendCollections: true, sendVouchers: true}
	apply(fe, p, &rec, sc)
	if payer {
		for _, k := range []string{"address", "state"} {
			if m, ok := fe.Map()[k].([]string); ok && len(m) == 1 && m[0] == apperr.MsgRequired {
				fe.Drop(k)
			}
		}
	}
	testClock, err := readTestClock(ctx, q, sc, fe, p.TestClock)
	if err != nil {
		return nil, err
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	cid := id.New("cus")
	us := now.UnixMicro()
	_, err = q.ExecContext(ctx, `INSERT INTO customers (id, workspace_id, test_mode, name, address, country, state, currency, email, phone, website, zip_code, manager, reference, tax_id,
		tax_settings, metadata, send_invoices, send_collections, send_vouchers, status, created, updated, test_clock_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23)`,
		cid, sc.ID, sc.TestMode, rec.Name, rec.Address, rec.Country, rec.State, rec.Currency, rec.Email, rec.Phone, rec.Website, rec.zip, rec.manager, rec.ref, rec.TaxID,
		rec.TaxSettings, rec.Metadata, rec.sendInvoices, rec.sendCollections, rec.sendVouchers, rec.status, us, testClock)
	if err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "customer.created", cid, now); err != nil {
		return nil, err
	}
	// The answer is built from what was written: a new customer has no
	// contacts and no documents, and reading it back would cost a round trip.
	c := &Customer{ID: cid, Name: rec.Name, Address: rec.Address, Country: rec.Country, State: rec.State, Currency: rec.Currency,
		Email: rec.Email, Phone: rec.Phone, Website: rec.Website, ZipCode: rec.zip, Manager: rec.manager, Reference: rec.ref,
		TaxID: rec.TaxID, TaxSettings: json.RawMessage(rec.TaxSettings), Metadata: json.RawMessage(rec.Metadata),
		SendInvoices: rec.sendInvoices, SendCollections: rec.sendCollections, SendVouchers: rec.sendVouchers, Status: rec.status,
		Contacts: []Contact{}, Sources: []string{}, TestClock: testClock, TestMode: sc.TestMode,
		Created: clock.Stamp{Micros: us, Loc: sc.Loc}, Updated: clock.Stamp{Micros: us, Loc: sc.Loc}}
	zero := money.NewMoney(decimal.Zero)
	c.Aggregations = Aggregations{zero, zero, zero}
	return c, nil
}

// Update applies a partial update.
func (s *Service) Update(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, customerID string, p *Params, now time.Time) (*Customer, error) {
	c, err := get(ctx, q, sc, customerID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := fromCustomer(c)
	fe := p.errs()
	apply(fe, p, &rec, sc)
	if p.TestClockGiven && ((c.TestClock == nil && p.TestClock != nil) || (c.TestClock != nil && deref(p.TestClock) != *c.TestClock)) {
		fe.Add("test_clock", apperr.MsgNoChange)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	name := "customer.updated"
	if rec.status == StatusArchived && c.Status != StatusArchived {
		if err := s.checkArchivable(ctx, q, customerID); err != nil {
			return nil, err
		}
		name = "customer.archived"
	}
	_, err = q.ExecContext(ctx, `UPDATE customers SET name = $1, address = $2, country = $3, state = $4, currency = $5, email = $6, phone = $7, website = $8, zip_code = $9,
		manager = $10, reference = $11, tax_id = $12, tax_settings = $13, metadata = $14, send_invoices = $15, send_collections = $16, send_vouchers = $17, status = $18, updated = $19
		WHERE id = $20 AND workspace_id = $21 AND test_mode = $22`,
		rec.Name, rec.Address, rec.Country, rec.State, rec.Currency, rec.Email, rec.Phone, rec.Website, rec.zip,
		rec.manager, rec.ref, rec.TaxID, rec.TaxSettings, rec.Metadata, rec.sendInvoices, rec.sendCollections, rec.sendVouchers, rec.status, now.UnixMicro(),
		customerID, sc.ID, sc.TestMode)
	if err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, name, customerID, now); err != nil {
		return nil, err
	}
	return s.Get(ctx, q, sc, customerID)
}

// readTestClock checks test_clock on create (docs/billing.md#10-test-clocks): a clock of
// the workspace, in test mode only.
func readTestClock(ctx context.Context, q store.Querier, sc workspace.Scope, fe *apperr.Fields, v *string) (*string, error) {
	if v == nil {
		return nil, nil
	}
	if !sc.TestMode {
		fe.Add("test_clock", "Test clocks exist only in test mode.")
		return nil, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_clocks WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, *v, sc.ID, sc.TestMode).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		fe.Add("test_clock", apperr.MsgPK(*v))
		return nil, nil
	}
	return v, nil
}

func (s *Service) hasActivity(ctx context.Context, q store.Querier, customerID string) (bool, error) {
	if s == nil {
		return false, nil
	}
	return rows.Referenced(ctx, q, s.deps.ReferencedBy, customerID)
}

func (s *Service) checkArchivable(ctx context.Context, q store.Querier, customerID string) error {
	if s == nil {
		return nil
	}
	for _, check := range s.deps.ArchiveChecks {
		if err := check.CheckArchivable(ctx, q, customerID); err != nil {
			return err
		}
	}
	return nil
}

// Delete destroys a customer without activity (nil, nil) or archives one
// with activity (the archived customer).
func (s *Service) Delete(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, customerID string, now time.Time) (*Customer, error) {
	c, err := get(ctx, q, sc, customerID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	active, err := s.hasActivity(ctx, q, customerID)
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, event.After(ctx, q, sc, "customer.deleted", customerID, now, `DELETE FROM customers WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
			customerID, sc.ID, sc.TestMode)
	}
	if c.Status == StatusArchived {
		return s.Get(ctx, q, sc, customerID)
	}
	if err := s.checkArchivable(ctx, q, customerID); err != nil {
		return nil, err
	}
	if err := event.After(ctx, q, sc, "customer.archived", customerID, now, `UPDATE customers SET status = $1, updated = $2 WHERE id = $3 AND workspace_id = $4 AND test_mode = $5`,
		StatusArchived, now.UnixMicro(), customerID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	return s.Get(ctx, q, sc, customerID)
}

// Summary is the customer as embedded in documents (docs/conventions.md#6-expansion-on-reads).
type Summary struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Address      *string         `json:"address"`
	State        *string         `json:"state"`
	Country      string          `json:"country"`
	Phone        *string         `json:"phone"`
	Email        *string         `json:"email"`
	Website      *string         `json:"website"`
	TaxID        *string         `json:"tax_id"`
	Currency     string          `json:"currency"`
	Aggregations Aggregations    `json:"aggregations"`
	TaxSettings  json.RawMessage `json:"tax_settings"`
	Metadata     json.RawMessage `json:"metadata"`
	Created      clock.Stamp     `json:"created"`
	Updated      clock.Stamp     `json:"updated"`
}

// Summarize turns a customer into its embedded form.
func (c *Customer) Summarize() *Summary {
	return &Summary{ID: c.ID, Name: c.Name, Address: c.Address, State: c.State, Country: c.Country, Phone: c.Phone,
		Email: c.Email, Website: c.Website, TaxID: c.TaxID, Currency: c.Currency, Aggregations: c.Aggregations,
		TaxSettings: c.TaxSettings, Metadata: c.Metadata, Created: c.Created, Updated: c.Updated}
}

// Summaries loads the embedded form of several customers of the scope,
// with their aggregations, in two queries.
func (s *Service) Summaries(ctx context.Context, q store.Querier, sc workspace.Scope, ids []string) (map[string]*Summary, error) {
	out := map[string]*Summary{}
	if len(ids) == 0 {
		return out, nil
	}
	cs, err := rows.ByIDs(ctx, q, sc, table, ids, scanIn(sc))
	if err != nil {
		return nil, err
	}
	if err := s.aggregate(ctx, q, sc, cs); err != nil {
		return nil, err
	}
	for _, c := range cs {
		out[c.ID] = c.Summarize()
	}
	return out, nil
}

func (s *Service) aggregate(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*Customer) error {
	if s == nil || len(cs) == 0 {
		return nil
	}
	if s.deps.Sources != nil {
		if err := s.deps.Sources.FillSources(ctx, q, sc, cs); err != nil {
			return err
		}
	}
	if s.deps.Aggregations == nil {
		return nil
	}
	return s.deps.Aggregations.Aggregate(ctx, q, sc, cs)
}
