// Package paylink holds payment links and their intents (docs/payments.md#4-payment-links to docs/payments.md#5-payment-link-intents-and-the-hosted-checkout):
// a hosted checkout for a fixed amount; each attempt is an intent that
// authorizes a card, captures it and, once finalized, leaves a customer, a
// finalized invoice and a succeeded payment for the payer.
package paylink

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Env is the engine environment plus the base URL of absolute links.
type Env struct {
	document.Env
	Base string
}

// Link statuses.
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

// Link is the API object (docs/payments.md#42-payment-link-object).
type Link struct {
	ID             string               `json:"id"`
	PublishableKey string               `json:"publishable_key"`
	URL            string               `json:"url"`
	Amount         money.Money          `json:"amount"`
	Currency       string               `json:"currency"`
	Description    string               `json:"description"`
	Document       document.TypeSummary `json:"document"`
	Exempt         bool                 `json:"exempt"`
	Customer       *customer.Summary    `json:"customer"`
	Invoice        *string              `json:"invoice"`
	Gateway        string               `json:"gateway"`
	CaptureMethod  string               `json:"capture_method"`
	SingleUse      bool                 `json:"single_use"`
	ReturnURL      *string              `json:"return_url"`
	Expires        clock.NullStamp      `json:"expires"`
	Status         string               `json:"status"`
	Archived       clock.NullStamp      `json:"archived"`
	Metadata       json.RawMessage      `json:"metadata"`
	TestMode       bool                 `json:"test_mode"`
	Created        clock.Stamp          `json:"created"`
	Updated        clock.Stamp          `json:"updated"`

	CustomerID string          `json:"-"`
	LineAmount decimal.Decimal `json:"-"`
	Intents    int             `json:"-"`
	expires    *int64
	archived   *int64
}

// HostedURL is the absolute URL of a link's hosted page.
func HostedURL(base, key string) string {
	return base + "/publishable/payment_links/links/" + key + "/hosted/"
}

var linksTable = rows.Table{Name: "payment_links", Prefix: "plk", Columns: linkColumns}

const linkColumns = `id, publishable_key, amount, line_amount, currency, description, document_type, exempt, customer_id, invoice_id, gateway,
	capture_method, single_use, return_url, expires, status, archived, metadata, intents, test_mode, created, updated`

func scanLink(e Env, row list.Scanner) (*Link, error) {
	var (
		l                       Link
		amount, line, typ, meta string
		cus, inv, ret           sql.NullString
		expires, archived       sql.NullInt64
		created, updated        int64
	)
	if err := row.Scan(&l.ID, &l.PublishableKey, &amount, &line, &l.Currency, &l.Description, &typ, &l.Exempt, &cus, &inv, &l.Gateway,
		&l.CaptureMethod, &l.SingleUse, &ret, &expires, &l.Status, &archived, &meta, &l.Intents, &l.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	l.Amount, l.LineAmount = money.NewMoney(dec(amount)), dec(line)
	l.Document = document.TypeSummaryOf(typ)
	l.CustomerID = cus.String
	l.Invoice, l.ReturnURL = rows.Text(inv), rows.Text(ret)
	loc := e.Scope.Loc
	l.expires = rows.Int(expires)
	l.archived = rows.Int(archived)
	l.Expires, l.Archived = clock.NullStamp{Micros: l.expires, Loc: loc}, clock.NullStamp{Micros: l.archived, Loc: loc}
	l.Metadata = json.RawMessage(meta)
	l.Created, l.Updated = clock.Stamp{Micros: created, Loc: loc}, clock.Stamp{Micros: updated, Loc: loc}
	l.URL = HostedURL(e.Base, l.PublishableKey)
	return &l, nil
}

// links reads the payment links of e's scope, customer expanded.
func links(e Env) rows.Resource[*Link] {
	return rows.Resource[*Link]{Ctx: e.Ctx, Q: e.Q, D: e.D, Scope: e.Scope, Table: linksTable,
		Scan:   func(r list.Scanner) (*Link, error) { return scanLink(e, r) },
		Expand: func(ls []*Link) error { return expandLinks(e, ls) }}
}

func getLink(e Env, linkID string, lock bool) (*Link, error) { return links(e).Get(linkID, lock) }

// GetLink returns a link of the scope (customer expanded), or 404.
func GetLink(e Env, linkID string) (*Link, error) { return links(e).Show(linkID) }

func expandLinks(e Env, ls []*Link) error {
	return rows.Expand(ls, func(l *Link) (string, bool) { return l.CustomerID, l.CustomerID != "" }, summaries(e),
		func(l *Link, c *customer.Summary) { l.Customer = c })
}

// summaries loads customer summaries for rows.Expand.
func summaries(e Env) func([]string) (map[string]*customer.Summary, error) {
	return func(ids []string) (map[string]*customer.Summary, error) {
		return e.Deps.Customers.Summaries(e.Ctx, e.Q, e.Scope, ids)
	}
}

// LinkListSpec declares the link list (docs/payments.md#44-update-and-archive).
var LinkListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{StatusActive, StatusArchived}, Lookups: []string{list.In}},
		{Name: "currency", Expr: "currency", Lookups: []string{list.In}},
		{Name: "document", Expr: "document_type", Lookups: []string{list.In}},
		{Name: "customer", Expr: "customer_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created", "amount": "CAST(amount AS NUMERIC)"},
	DefaultOrdering: "-created",
	Search:          []string{"description", "publishable_key"},
	Metadata:        "metadata",
}

// ListLinks returns one page of links.
func ListLinks(e Env, lq *list.Query) (int, []*Link, error) { return links(e).List(lq) }

// linkRecord is the writable state of a link.
type linkRecord struct {
	amount                         decimal.Decimal
	currency, description, typeID  string
	exempt, singleUse              bool
	customerID, invoiceID          string
	gateway, captureMethod, status string
	returnURL                      *string
	expires                        *int64
	metadata                       string
	inv                            *document.Doc
	lineAmount                     decimal.Decimal
}

func fromLink(l *Link) linkRecord {
	r := linkRecord{amount: l.Amount.Decimal, currency: l.Currency, description: l.Description, typeID: l.Document.ID, exempt: l.Exempt,
		singleUse: l.SingleUse, customerID: l.CustomerID, gateway: l.Gateway, captureMethod: l.CaptureMethod, status: l.Status,
		returnURL: l.ReturnURL, expires: l.expires, metadata: string(l.Metadata), lineAmount: l.LineAmount}
	if l.Invoice != nil {
		r.invoiceID = *l.Invoice
	}
	return r
}

// fixedOnceUsed may change only while the link has no intents (docs/payments.md#44-update-and-archive).
var fixedOnceUsed = []string{"amount", "currency", "document", "exempt", "customer", "invoice", "gateway"}

// LinkParams is the command that creates or updates a link
// (docs/payments.md#43-create-body, docs/payments.md#44-update-and-archive).
// The HTTP edge decodes a body into it, references resolved; reminders
// fill it directly. Given names the fields the body carried,
// Errs those the edge could not decode: a field is applied when it was
// given and decoded. A nil pointer of a given field is null (cleared).
type LinkParams struct {
	Given         map[string]bool
	Errs          *apperr.Fields
	Amount        *decimal.Decimal
	Currency      *string
	Description   *string // null is the default "Payment"
	Document      *string // a document type id, available for invoices
	Exempt        *bool
	SingleUse     *bool
	CaptureMethod *string
	Status        *string // updates only
	ReturnURL     *string
	Expires       *int64 // micros
	Metadata      *string
	CustomerID    *string
	Invoice       *document.Doc
	Gateway       *string // a card gateway usable in the mode
}

// sets reports whether field k is to be applied.
func (c *LinkParams) sets(k string) bool {
	return c.Given[k] && (c.Errs == nil || !c.Errs.Has(k))
}

// apply checks c against the link's state and copies it onto r. The field
// errors come back as an error.
func (r *linkRecord) apply(e Env, c LinkParams, creating bool, intents int) error {
	errs := &apperr.Fields{}
	if !creating && intents > 0 {
		for _, k := range fixedOnceUsed {
			if c.Given[k] {
				errs.Add(k, "This field cannot be changed once the link has intents.")
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
	}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	r.copyFields(c, creating)
	// a CLP link for 9990.50 cannot be paid or invoiced (docs/conventions.md#7-data-types: scale 0)
	if cur, found := catalog.CurrencyByID(r.currency); found && c.Given["amount"] && !errs.Has("amount") {
		if err := money.CheckScale(r.amount, money.ScaleFor(cur.Rounded)); err != nil {
			errs.Add("amount", err.Error())
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return r.check(e)
}

// copyFields copies the decoded fields of c onto r.
func (r *linkRecord) copyFields(c LinkParams, creating bool) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if c.Amount != nil {
		r.amount = *c.Amount
	}
	set(&r.currency, c.Currency)
	if c.sets("description") {
		r.description = "Payment"
		set(&r.description, c.Description)
	}
	set(&r.typeID, c.Document)
	if c.Exempt != nil {
		r.exempt = *c.Exempt
	}
	if c.SingleUse != nil {
		r.singleUse = *c.SingleUse
	}
	set(&r.captureMethod, c.CaptureMethod)
	if !creating {
		set(&r.status, c.Status)
	}
	if c.sets("return_url") {
		r.returnURL = c.ReturnURL
	}
	if c.sets("expires") {
		r.expires = c.Expires
	}
	set(&r.metadata, c.Metadata)
	if c.sets("customer") {
		r.customerID = ""
		set(&r.customerID, c.CustomerID)
	}
	if c.sets("invoice") {
		r.invoiceID, r.inv = "", c.Invoice
		if c.Invoice != nil {
			r.invoiceID = c.Invoice.ID
		}
	}
	set(&r.gateway, c.Gateway)
}

// check applies the rules that join fields.
func (r *linkRecord) check(e Env) error {
	if r.gateway == "" {
		id, msg, err := e.Deps.Gateways.DefaultCard(e.Ctx, e.Q, e.Scope)
		if err != nil {
			return err
		}
		if msg != "" {
			return apperr.Field("gateway", msg)
		}
		r.gateway = id
	}
	t, _ := catalog.DocumentTypeByID(r.typeID)
	if t.HasLocalFormat && r.currency != t.Currency {
		return apperr.Field("currency", fmt.Sprintf("Document type %s is issued in %s.", t.ID, t.Currency))
	}
	cur, _ := catalog.CurrencyByID(r.currency)
	scale := money.ScaleFor(cur.Rounded)
	if err := money.CheckScale(r.amount, scale); err != nil {
		return apperr.Field("amount", err.Error())
	}
	if r.inv != nil {
		return r.checkInvoice()
	}
	n, msg := netAmount(r.amount, t, r.exempt, scale)
	if msg != "" {
		return apperr.Field("amount", msg)
	}
	r.lineAmount = n
	return nil
}

// checkInvoice: a link for an invoice collects exactly its outstanding
// amount, once, from its customer.
func (r *linkRecord) checkInvoice() error {
	inv := r.inv
	ta := inv.Total
	if inv.TotalAdjusted != nil {
		ta = *inv.TotalAdjusted
	}
	outstanding := ta.Sub(decimal.NewFromInt(inv.CollectedCents).Shift(-2))
	var err error
	switch {
	case inv.Status != document.StatusFinalized && inv.Status != document.StatusUncollectible:
		err = apperr.Field("invoice", fmt.Sprintf("The invoice cannot receive payments in status %s.", inv.Status))
	case inv.Currency != r.currency:
		err = apperr.Field("currency", fmt.Sprintf("Must equal the invoice currency (%s).", inv.Currency))
	case !r.amount.Equal(outstanding):
		err = apperr.Field("amount", fmt.Sprintf("Must equal the invoice's outstanding amount (%s).", outstanding.StringFixed(2)))
	case r.customerID != "" && r.customerID != inv.CustomerID:
		err = apperr.Field("customer", "Must be the invoice's customer.")
	}
	r.customerID, r.singleUse = inv.CustomerID, true
	r.lineAmount = r.amount
	return err
}

// netAmount derives the invoice line amount N of a tax-included payable
// amount (docs/payments.md#43-create-body).
func netAmount(amount decimal.Decimal, t catalog.DocumentType, exempt bool, scale int32) (decimal.Decimal, string) {
	r := t.Tax
	if exempt || t.HasLinesTotal || r.Sign() == 0 {
		return amount, ""
	}
	hundred := decimal.NewFromInt(100)
	total := func(n decimal.Decimal) decimal.Decimal { return n.Add(money.Round(n.Mul(r).Div(hundred), scale)) }
	n0 := money.Round(amount.Mul(hundred).Div(hundred.Add(r)), scale)
	unit := decimal.New(1, -scale)
	for _, n := range []decimal.Decimal{n0, n0.Sub(unit), n0.Add(unit)} {
		if total(n).Equal(amount) {
			return n, ""
		}
	}
	var below, above decimal.Decimal
	for k := int64(-3); k <= 3; k++ {
		tt := total(n0.Add(unit.Mul(decimal.NewFromInt(k))))
		if tt.LessThan(amount) && (below.IsZero() || tt.GreaterThan(below)) {
			below = tt
		}
		if tt.GreaterThan(amount) && (above.IsZero() || tt.LessThan(above)) {
			above = tt
		}
	}
	return decimal.Zero, fmt.Sprintf("%s cannot be split into net and %s%% tax; use %s or %s.", amount.StringFixed(2), r.String(),
		below.StringFixed(2), above.StringFixed(2))
}

// CreateLink creates a link (docs/payments.md#43-create-body).
func CreateLink(e Env, c LinkParams) (*Link, error) {
	typeID := "US1"
	if e.Scope.Country == "CL" {
		typeID = "CL39"
	}
	r := linkRecord{description: "Payment", typeID: typeID, captureMethod: "automatic", status: StatusActive, metadata: "{}"}
	if err := r.apply(e, c, true, 0); err != nil {
		return nil, err
	}
	lid := id.New("plk")
	key := "pk_" + id.Random(24)
	us := e.Now.UnixMicro()
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO payment_links (id, workspace_id, test_mode, publishable_key, amount, line_amount, currency, description,
		document_type, exempt, customer_id, invoice_id, gateway, capture_method, single_use, return_url, expires, status, archived, metadata, intents, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, NULL, $19, 0, $20, $20)`,
		lid, e.Scope.ID, e.Scope.TestMode, key, r.amount.StringFixed(2), r.lineAmount.StringFixed(2), r.currency, r.description, r.typeID, r.exempt,
		rows.OrNull(r.customerID), rows.OrNull(r.invoiceID), r.gateway, r.captureMethod, r.singleUse, r.returnURL, r.expires, StatusActive, r.metadata, us); err != nil {
		return nil, err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, "payment_link.created", lid, e.Now); err != nil {
		return nil, err
	}
	return GetLink(e, lid)
}

// UpdateLink applies a PATCH/PUT (docs/payments.md#44-update-and-archive).
func UpdateLink(e Env, linkID string, c LinkParams) (*Link, error) {
	l, err := getLink(e, linkID, true)
	if err != nil {
		return nil, err
	}
	r := fromLink(l)
	if err := r.apply(e, c, false, l.Intents); err != nil {
		return nil, err
	}
	return l, saveLink(e, l, r)
}

func saveLink(e Env, l *Link, r linkRecord) error {
	archived, evt := l.archived, "payment_link.updated"
	switch {
	case r.status == StatusArchived && l.Status != StatusArchived:
		us := e.Now.UnixMicro()
		archived, evt = &us, "payment_link.archived"
	case r.status == StatusActive:
		archived = nil
	}
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE payment_links SET amount = $1, line_amount = $2, currency = $3, description = $4, document_type = $5,
		exempt = $6, customer_id = $7, invoice_id = $8, gateway = $9, capture_method = $10, single_use = $11, return_url = $12, expires = $13,
		status = $14, archived = $15, metadata = $16, updated = $17 WHERE id = $18 AND workspace_id = $19 AND test_mode = $20`,
		r.amount.StringFixed(2), r.lineAmount.StringFixed(2), r.currency, r.description, r.typeID, r.exempt, rows.OrNull(r.customerID), rows.OrNull(r.invoiceID),
		r.gateway, r.captureMethod, r.singleUse, r.returnURL, r.expires, r.status, archived, r.metadata, e.Now.UnixMicro(),
		l.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
		return err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, evt, l.ID, e.Now); err != nil {
		return err
	}
	nl, err := GetLink(e, l.ID)
	if err != nil {
		return err
	}
	*l = *nl
	return nil
}

// ArchiveLink is DELETE: archived, idempotent (docs/conventions.md#15-deletion-semantics).
func ArchiveLink(e Env, linkID string) (*Link, error) {
	l, err := getLink(e, linkID, true)
	if err != nil {
		return nil, err
	}
	if l.Status == StatusArchived {
		return GetLink(e, linkID)
	}
	r := fromLink(l)
	r.status = StatusArchived
	return l, saveLink(e, l, r)
}

// ---- publishable access

// ByKey finds a link by its publishable key, with its scope. With
// payable, archived, expired or used-up links are 404 (docs/payments.md#51-publishable-endpoints); without it
// (an existing intent's poll and PDF) any link is found. deps are the
// collaborators of the Env it returns.
func ByKey(ctx context.Context, q store.Querier, d store.Dialect, deps document.Deps, key, base string, lock, payable bool) (Env, *Link, error) {
	if !validKey(key) {
		return Env{}, nil, apperr.NotFoundErr()
	}
	var ws string
	var test bool
	err := q.QueryRowContext(ctx, `SELECT workspace_id, test_mode FROM payment_links WHERE publishable_key = $1`, key).Scan(&ws, &test)
	if errors.Is(err, sql.ErrNoRows) {
		return Env{}, nil, apperr.NotFoundErr()
	}
	if err != nil {
		return Env{}, nil, err
	}
	w, err := workspace.ByID(ctx, q, ws)
	if err != nil {
		return Env{}, nil, err
	}
	e := Env{Env: document.Env{Ctx: ctx, Q: q, D: d, Scope: workspace.Scope{Workspace: w, TestMode: test}, Now: clock.Now(ctx), Deps: deps}, Base: base}
	l := ""
	if lock {
		l = d.ForUpdate()
	}
	link, err := scanLink(e, q.QueryRowContext(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE publishable_key = $1`+l, key))
	if err != nil {
		return Env{}, nil, err
	}
	if payable && (link.Status != StatusActive || (link.expires != nil && e.Now.UnixMicro() >= *link.expires)) {
		return e, nil, apperr.NotFoundErr()
	}
	return e, link, nil
}

// PayerFields lists what the payer must give (docs/payments.md#51-publishable-endpoints); none when the link
// bills a fixed customer (the payer block is ignored).
func (l *Link) PayerFields() []string {
	if l.CustomerID != "" {
		return []string{}
	}
	switch l.Document.ID {
	case "CL33", "CL34":
		return []string{"name", "email", "tax_id", "address", "state", "activity", "commune"}
	}
	return []string{"name", "email"}
}

// PublicLink is the public view of a link (docs/payments.md#51-publishable-endpoints).
type PublicLink struct {
	PublishableKey string          `json:"publishable_key"`
	Description    string          `json:"description"`
	Amount         money.Money     `json:"amount"`
	Currency       string          `json:"currency"`
	Document       map[string]any  `json:"document"`
	Workspace      map[string]any  `json:"workspace"`
	PayerFields    []string        `json:"payer_fields"`
	Gateway        string          `json:"gateway"`
	Expires        clock.NullStamp `json:"expires"`
	TestMode       bool            `json:"test_mode"`
}

// Public is the link as a payer sees it.
func (l *Link) Public(sc workspace.Scope) PublicLink {
	return PublicLink{PublishableKey: l.PublishableKey, Description: l.Description, Amount: l.Amount, Currency: l.Currency,
		Document: map[string]any{"id": l.Document.ID, "name": l.Document.Name}, Workspace: map[string]any{"name": sc.Name, "country": sc.Country},
		PayerFields: l.PayerFields(), Gateway: l.Gateway, Expires: l.Expires, TestMode: l.TestMode}
}

// ---- helpers

func dec(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// validKey: "pk_" + 24 base62 characters.
func validKey(k string) bool {
	if len(k) != 27 || !strings.HasPrefix(k, "pk_") {
		return false
	}
	for _, r := range k[3:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func loc(sc workspace.Scope) *time.Location {
	if sc.Loc == nil {
		return time.UTC
	}
	return sc.Loc
}
