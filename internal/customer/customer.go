// Package customer holds customers (docs/billing.md#1-customers) and the people and units
// that hang off them: contacts (docs/billing.md#2-contacts) and orgunits (docs/billing.md#3-orgunits).
package customer

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/taxid"
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
	c.TestClock = ns(testClock)
	c.Address, c.State, c.Email, c.Phone, c.Website = ns(addr), ns(state), ns(email), ns(phone), ns(web)
	c.ZipCode, c.Manager, c.Reference, c.TaxID = ns(zip), ns(manager), ns(ref), ns(tax)
	c.TaxSettings, c.Metadata = json.RawMessage(taxSettings), json.RawMessage(metadata)
	c.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	c.Updated = clock.Stamp{Micros: updated, Loc: sc.Loc}
	c.Contacts = []Contact{}
	c.Sources = []string{}
	zero := money.NewMoney(decimal.Zero)
	c.Aggregations = Aggregations{zero, zero, zero}
	return &c, nil
}

func ns(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
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

func get(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, lock string) (*Customer, error) {
	if !id.Valid("cus", customerID) {
		return nil, apperr.NotFoundErr()
	}
	row := q.QueryRowContext(ctx, `SELECT `+columns+` FROM customers WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`+lock, customerID, sc.ID, sc.TestMode)
	c, err := scanCustomer(sc, row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	return c, err
}

// Ref resolves a customer referenced from a body field: the errors are
// field errors ("Invalid pk", "Customer is archived."), never a 404.
// With lock, the row is locked for the rest of the transaction.
func Ref(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, customerID string, lock bool) (*Customer, string, error) {
	l := ""
	if lock {
		l = d.ForUpdate()
	}
	c, err := get(ctx, q, sc, customerID, l)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		return nil, input.MsgPK(customerID), nil
	}
	if err != nil {
		return nil, "", err
	}
	if c.Status == StatusArchived {
		return c, input.MsgArchived("Customer"), nil
	}
	return c, "", nil
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
	Metadata:        "metadata",
}

// List returns one page of customers.
func (s *Service) List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Customer, error) {
	count, out, err := list.Fetch(ctx, q, lq, columns, ` FROM customers WHERE workspace_id = $1 AND test_mode = $2`, []any{sc.ID, sc.TestMode}, func(row list.Scanner) (*Customer, error) { return scanCustomer(sc, row) })
	if err != nil {
		return 0, nil, err
	}
	if err := attachContacts(ctx, q, sc, out); err != nil {
		return 0, nil, err
	}
	return count, out, s.aggregate(ctx, q, sc, out)
}

// record is the writable state of a customer.
type record struct {
	name, country, currency, status                                 string
	address, state, email, phone, website, zip, manager, ref, taxID *string
	taxSettings, metadata                                           string
	sendInvoices, sendCollections, sendVouchers                     bool
}

func fromCustomer(c *Customer) record {
	return record{name: c.Name, country: c.Country, currency: c.Currency, status: c.Status,
		address: c.Address, state: c.State, email: c.Email, phone: c.Phone, website: c.Website, zip: c.ZipCode,
		manager: c.Manager, ref: c.Reference, taxID: c.TaxID, taxSettings: string(c.TaxSettings), metadata: string(c.Metadata),
		sendInvoices: c.SendInvoices, sendCollections: c.SendCollections, sendVouchers: c.SendVouchers}
}

// apply validates the body onto rec. Cross-field rules are checked against
// the resulting object, so a PATCH of country re-validates state and tax_id.
func apply(o *input.Object, rec *record, sc workspace.Scope, creating bool) {
	setStr := func(dst **string, key string, opt input.StrOpt) {
		if v, ok := o.String(key, opt); ok {
			*dst = v
		}
	}
	if v, ok := o.String("name", input.StrOpt{Required: true, Max: 100}); ok {
		rec.name = *v
	}
	// address is required on create but, once given, may not be nulled.
	if o.Has("address") {
		if raw, _ := o.Raw("address"); raw == nil {
			o.Fail("address", input.MsgNull)
		} else if v, ok := o.String("address", input.StrOpt{Required: true, Max: 64}); ok {
			rec.address = v
		}
	} else if creating {
		o.Fail("address", input.MsgRequired)
	}
	countryOK := true
	if v, ok := o.String("country", input.StrOpt{Required: true}); ok {
		if _, found := catalog.CountryByID(*v); found {
			rec.country = *v
		} else {
			o.Fail("country", input.MsgPK(*v))
			countryOK = false
		}
	} else if o.Failed("country") {
		countryOK = false
	}
	setStr(&rec.email, "email", input.StrOpt{Max: 64})
	if rec.email != nil && o.Has("email") && !o.Failed("email") && !input.ValidEmail(*rec.email) {
		o.Fail("email", input.MsgEmail)
	}
	setStr(&rec.phone, "phone", input.StrOpt{Max: 16})
	if o.Has("website") {
		setStr(&rec.website, "website", input.StrOpt{Max: 64})
		if rec.website != nil && !o.Failed("website") && !input.ValidURL(*rec.website) {
			o.Fail("website", input.MsgURL)
		}
	}
	setStr(&rec.zip, "zip_code", input.StrOpt{Max: 16})
	setStr(&rec.manager, "manager", input.StrOpt{Max: 16})
	setStr(&rec.ref, "reference", input.StrOpt{Max: 64})
	if v, ok := o.Bool("send_invoices", false); ok {
		rec.sendInvoices = v
	}
	if v, ok := o.Bool("send_collections", false); ok {
		rec.sendCollections = v
	}
	if v, ok := o.Bool("send_vouchers", false); ok {
		rec.sendVouchers = v
	}
	if v, ok := o.Choice("status", false, StatusActive, StatusArchived); ok {
		rec.status = v
	}
	if v, ok := o.Metadata("metadata"); ok {
		rec.metadata = v
	}
	if v, ok := taxSettings(o); ok {
		rec.taxSettings = v
	}
	if o.Has("currency") {
		if v, ok := o.String("currency", input.StrOpt{}); ok {
			if v == nil {
				rec.currency = ""
			} else if cur, found := catalog.CurrencyByID(*v); found && cur.Available {
				rec.currency = *v
			} else {
				o.Fail("currency", input.MsgPK(*v))
			}
		}
	}
	if !countryOK || rec.country == "" {
		return
	}
	country, _ := catalog.CountryByID(rec.country)
	if rec.currency == "" {
		rec.currency = defaultCurrency(country, sc)
	}

	// state against the resulting country
	if o.Has("state") {
		if raw, _ := o.Raw("state"); raw == nil {
			rec.state = nil
		} else if v, ok := o.String("state", input.StrOpt{Max: 64}); ok {
			rec.state = v
		}
	}
	if !o.Failed("state") {
		switch {
		case catalog.HasStates(rec.country) && rec.state == nil:
			o.Fail("state", input.MsgRequired)
		case catalog.HasStates(rec.country):
			if st, ok := catalog.StateOf(rec.country, *rec.state); ok {
				code := st.Code
				rec.state = &code
			} else {
				o.Fail("state", fmt.Sprintf("State %q does not belong to country %s.", *rec.state, rec.country))
			}
		}
	}

	// tax_id against the resulting country
	if o.Has("tax_id") {
		if v, ok := o.String("tax_id", input.StrOpt{Max: 64}); ok {
			rec.taxID = v
		}
	}
	if !o.Failed("tax_id") {
		if rec.taxID == nil {
			if country.HasRegulation && country.ID == sc.Country {
				o.Fail("tax_id", fmt.Sprintf("This field is required for customers in %s.", country.ID))
			}
		} else if taxid.HasAlgorithm(country.ID) {
			if norm, err := taxid.Normalize(country.ID, *rec.taxID); err != nil {
				o.Fail("tax_id", err.Error())
			} else {
				rec.taxID = &norm
			}
		}
	}
}

func defaultCurrency(c catalog.Country, sc workspace.Scope) string {
	for _, id := range c.Currencies {
		if cur, ok := catalog.CurrencyByID(id); ok && cur.Available {
			return id
		}
	}
	return sc.Currency
}

// TaxSettings validates the tax_settings field of o with the customers'
// keys and limits (docs/billing.md#1-customers), which suppliers share
// (docs/procurement.md#12-supplier-object-and-body). It returns the canonical JSON and whether the field was set.
func TaxSettings(o *input.Object) (string, bool) { return taxSettings(o) }

// taxSettings validates the tax_settings object (docs/billing.md#1-customers).
func taxSettings(o *input.Object) (string, bool) {
	raw, present := o.Raw("tax_settings")
	if !present {
		return "", false
	}
	if raw == nil {
		o.Fail("tax_settings", input.MsgNull)
		return "", false
	}
	m, ok := raw.(map[string]any)
	if !ok {
		o.Fail("tax_settings", input.MsgDict(input.TypeName(raw)))
		return "", false
	}
	if len(m) > 20 {
		o.Fail("tax_settings", "Ensure this object has no more than 20 keys.")
		return "", false
	}
	limits := map[string]int{"cl_activity_description": 40, "cl_commune": 20, "cl_city": 20}
	nested := map[string]any{}
	clean := map[string]any{}
	for k, v := range m {
		if max, known := limits[k]; known {
			s, isStr := v.(string)
			switch {
			case v == nil:
				continue // null drops the key
			case !isStr:
				nested[k] = []string{"Not a valid string."}
			case utf8.RuneCountInString(strings.TrimSpace(s)) > max:
				nested[k] = []string{input.MsgMaxLen(max)}
			case strings.TrimSpace(s) == "":
				continue
			default:
				clean[k] = strings.TrimSpace(s)
			}
			continue
		}
		switch v.(type) {
		case string, json.Number, bool:
			clean[k] = v
		default:
			nested[k] = []string{"Values must be strings, numbers or booleans."}
		}
	}
	if len(nested) > 0 {
		o.FailNested("tax_settings", nested)
		return "", false
	}
	return input.CanonicalJSON(clean), true
}

// Create validates body and inserts a customer.
func Create(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, now time.Time) (*Customer, error) {
	return create(ctx, q, sc, o, now, false)
}

// CreatePayer creates the customer of a payment-link payer
// (docs/payments.md#55-what-finalization-produces): the create rules, except that address and state may be missing
// when the link did not ask the payer for them.
func CreatePayer(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, now time.Time) (*Customer, error) {
	return create(ctx, q, sc, o, now, true)
}

func create(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object, now time.Time, payer bool) (*Customer, error) {
	rec := record{status: StatusActive, taxSettings: "{}", metadata: "{}", sendInvoices: true, sendCollections: true, sendVouchers: true}
	apply(o, &rec, sc, true)
	if payer {
		for _, k := range []string{"address", "state"} {
			if m, ok := o.Errors()[k].([]string); ok && len(m) == 1 && m[0] == input.MsgRequired {
				delete(o.Errors(), k)
			}
		}
	}
	testClock, err := readTestClock(ctx, q, sc, o)
	if err != nil {
		return nil, err
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	cid := id.New("cus")
	us := now.UnixMicro()
	_, err = q.ExecContext(ctx, `INSERT INTO customers (id, workspace_id, test_mode, name, address, country, state, currency, email, phone, website, zip_code, manager, reference, tax_id,
		tax_settings, metadata, send_invoices, send_collections, send_vouchers, status, created, updated, test_clock_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23)`,
		cid, sc.ID, sc.TestMode, rec.name, rec.address, rec.country, rec.state, rec.currency, rec.email, rec.phone, rec.website, rec.zip, rec.manager, rec.ref, rec.taxID,
		rec.taxSettings, rec.metadata, rec.sendInvoices, rec.sendCollections, rec.sendVouchers, rec.status, us, testClock)
	if err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "customer.created", cid, now); err != nil {
		return nil, err
	}
	// The answer is built from what was written: a new customer has no
	// contacts and no documents, and reading it back would cost a round trip.
	c := &Customer{ID: cid, Name: rec.name, Address: rec.address, Country: rec.country, State: rec.state, Currency: rec.currency,
		Email: rec.email, Phone: rec.phone, Website: rec.website, ZipCode: rec.zip, Manager: rec.manager, Reference: rec.ref,
		TaxID: rec.taxID, TaxSettings: json.RawMessage(rec.taxSettings), Metadata: json.RawMessage(rec.metadata),
		SendInvoices: rec.sendInvoices, SendCollections: rec.sendCollections, SendVouchers: rec.sendVouchers, Status: rec.status,
		Contacts: []Contact{}, Sources: []string{}, TestClock: testClock, TestMode: sc.TestMode,
		Created: clock.Stamp{Micros: us, Loc: sc.Loc}, Updated: clock.Stamp{Micros: us, Loc: sc.Loc}}
	zero := money.NewMoney(decimal.Zero)
	c.Aggregations = Aggregations{zero, zero, zero}
	return c, nil
}

// Update applies a partial update.
func (s *Service) Update(ctx context.Context, q store.Querier, d store.Dialect, sc workspace.Scope, customerID string, o *input.Object, now time.Time) (*Customer, error) {
	c, err := get(ctx, q, sc, customerID, d.ForUpdate())
	if err != nil {
		return nil, err
	}
	rec := fromCustomer(c)
	apply(o, &rec, sc, false)
	if raw, has := o.Raw("test_clock"); has {
		if v, _ := raw.(string); (c.TestClock == nil && raw != nil) || (c.TestClock != nil && v != *c.TestClock) {
			o.Fail("test_clock", input.MsgNoChange)
		}
	}
	if err := o.Err(); err != nil {
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
		rec.name, rec.address, rec.country, rec.state, rec.currency, rec.email, rec.phone, rec.website, rec.zip,
		rec.manager, rec.ref, rec.taxID, rec.taxSettings, rec.metadata, rec.sendInvoices, rec.sendCollections, rec.sendVouchers, rec.status, now.UnixMicro(),
		customerID, sc.ID, sc.TestMode)
	if err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, name, customerID, now); err != nil {
		return nil, err
	}
	return s.Get(ctx, q, sc, customerID)
}

// readTestClock reads test_clock on create (docs/billing.md#10-test-clocks): a clock of
// the workspace, in test mode only.
func readTestClock(ctx context.Context, q store.Querier, sc workspace.Scope, o *input.Object) (*string, error) {
	v, ok := o.Ref("test_clock", false, true, func(s string) bool { return id.Valid("clk", s) })
	if !ok || v == nil {
		return nil, nil
	}
	if !sc.TestMode {
		o.Fail("test_clock", "Test clocks exist only in test mode.")
		return nil, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_clocks WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, *v, sc.ID, sc.TestMode).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		o.Fail("test_clock", input.MsgPK(*v))
		return nil, nil
	}
	return v, nil
}

func (s *Service) hasActivity(ctx context.Context, q store.Querier, customerID string) (bool, error) {
	if s == nil {
		return false, nil
	}
	for _, a := range s.deps.ReferencedBy {
		var one int
		err := q.QueryRowContext(ctx, a+` LIMIT 1`, customerID).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	return false, nil
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
		if _, err := q.ExecContext(ctx, `DELETE FROM customers WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, customerID, sc.ID, sc.TestMode); err != nil {
			return nil, err
		}
		return nil, event.Emit(ctx, q, sc, "customer.deleted", customerID, now)
	}
	if c.Status == StatusArchived {
		return s.Get(ctx, q, sc, customerID)
	}
	if err := s.checkArchivable(ctx, q, customerID); err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `UPDATE customers SET status = $1, updated = $2 WHERE id = $3 AND workspace_id = $4 AND test_mode = $5`,
		StatusArchived, now.UnixMicro(), customerID, sc.ID, sc.TestMode); err != nil {
		return nil, err
	}
	if err := event.Emit(ctx, q, sc, "customer.archived", customerID, now); err != nil {
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
	args := []any{sc.ID, sc.TestMode}
	var phs []string
	seen := map[string]bool{}
	for _, cid := range ids {
		if seen[cid] {
			continue
		}
		seen[cid] = true
		args = append(args, cid)
		phs = append(phs, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM customers WHERE workspace_id = $1 AND test_mode = $2 AND id IN (`+strings.Join(phs, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []*Customer
	for rows.Next() {
		c, err := scanCustomer(sc, rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
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
