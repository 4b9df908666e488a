// Package payment holds sources and payments (docs/payments.md#2-sources to docs/payments.md#3-payments): the
// status machines, the gateway hand-over, and their effect on invoices
// (through the document engine) and customer balances.
package payment

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Env is the engine environment (transaction, dialect, scope, time).
type Env = document.Env

// Source statuses (docs/payments.md#24-source-status-machine).
const (
	SourcePending               = "pending"
	SourceRequiresAuthorization = "requires_authorization"
	SourceWaitingAuthorization  = "waiting_authorization"
	SourceChargeable            = "chargeable"
	SourceConsumed              = "consumed"
	SourceFailed                = "failed"
	SourceFinalized             = "finalized"
)

// AuthenticationWindow: a source not authenticated within it fails.
const AuthenticationWindow = 30 * time.Minute

var sourceStatuses = []string{SourcePending, SourceRequiresAuthorization, SourceWaitingAuthorization, SourceChargeable, SourceConsumed, SourceFailed, SourceFinalized}

// Source is the API object (docs/payments.md#22-source-object).
type Source struct {
	ID          string            `json:"id"`
	Gateway     string            `json:"gateway"`
	Customer    *customer.Summary `json:"customer"`
	Usage       string            `json:"usage"`
	Status      string            `json:"status"`
	Amount      *money.Money      `json:"amount"`
	Description *string           `json:"description"`
	ReturnURL   *string           `json:"return_url"`
	GatewayData json.RawMessage   `json:"gateway_data"`
	Client      json.RawMessage   `json:"client"`
	Card        *gateway.Card     `json:"card"`
	Metadata    json.RawMessage   `json:"metadata"`
	TestMode    bool              `json:"test_mode"`
	Created     clock.Stamp       `json:"created"`
	Updated     clock.Stamp       `json:"updated"`

	CustomerID   string `json:"-"`
	PaymentID    string `json:"-"` // publishable sources pay only this payment
	token        string
	authDeadline *int64
}

var sourcesTable = rows.Table{Name: "sources", Prefix: "sou", Columns: sourceColumns}

const sourceColumns = `id, gateway, customer_id, usage, status, amount, description, return_url, gateway_data, gateway_token, client, card,
	payment_id, metadata, auth_deadline, test_mode, created, updated`

func scanSource(sc workspace.Scope, row interface{ Scan(...any) error }) (*Source, error) {
	var (
		s                         Source
		cus, desc, ret, card, pay sql.NullString
		amount                    sql.NullString
		data, client, meta        string
		deadline                  sql.NullInt64
		created, updated          int64
	)
	if err := row.Scan(&s.ID, &s.Gateway, &cus, &s.Usage, &s.Status, &amount, &desc, &ret, &data, &s.token, &client, &card,
		&pay, &meta, &deadline, &s.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	s.CustomerID, s.PaymentID = cus.String, pay.String
	if amount.Valid {
		m := money.NewMoney(dec(amount.String))
		s.Amount = &m
	}
	s.Description, s.ReturnURL = rows.Text(desc), rows.Text(ret)
	s.GatewayData, s.Client, s.Metadata = json.RawMessage(data), json.RawMessage(client), json.RawMessage(meta)
	if card.Valid {
		var c gateway.Card
		if json.Unmarshal([]byte(card.String), &c) == nil {
			s.Card = &c
		}
	}
	s.authDeadline = rows.Int(deadline)
	s.Created, s.Updated = clock.Stamp{Micros: created, Loc: sc.Loc}, clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &s, nil
}

// sources reads the sources of e's scope, customer expanded.
func sources(e Env) rows.Resource[*Source] {
	return rows.Resource[*Source]{Ctx: e.Ctx, Q: e.Q, D: e.D, Scope: e.Scope, Table: sourcesTable,
		Scan:   func(r list.Scanner) (*Source, error) { return scanSource(e.Scope, r) },
		Expand: func(ss []*Source) error { return expandSources(e, ss) }}
}

func getSource(e Env, sourceID string, lock bool) (*Source, error) {
	return sources(e).Get(sourceID, lock)
}

// authExpired: an authentication left pending past its window.
func (s *Source) authExpired(now time.Time) bool {
	return (s.Status == SourceRequiresAuthorization || s.Status == SourceWaitingAuthorization) && s.authDeadline != nil && now.UnixMicro() >= *s.authDeadline
}

// GetSource returns a source of the scope (its customer expanded), or 404.
func GetSource(e Env, sourceID string) (*Source, error) { return sources(e).Show(sourceID) }

func expandSources(e Env, ss []*Source) error {
	for _, s := range ss {
		if s.authExpired(e.Now) {
			s.Status = SourceFailed // shown as it will be stored at its next use
			s.GatewayData = json.RawMessage("{}")
		}
	}
	return rows.Expand(ss, func(s *Source) (string, bool) { return s.CustomerID, s.CustomerID != "" }, summaries(e),
		func(s *Source, c *customer.Summary) { s.Customer = c })
}

// SourceListSpec declares the source list (docs/payments.md#24-source-status-machine).
var SourceListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "customer", Expr: "customer_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "gateway", Expr: "gateway", Lookups: []string{list.In}},
		{Name: "usage", Expr: "usage", Kind: list.Enum, Choices: []string{"single", "reusable"}, Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: sourceStatuses, Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"description", "CAST(card AS TEXT)"},
	Metadata:        "metadata",
}

// ListSources returns one page of sources.
func ListSources(e Env, lq *list.Query) (int, []*Source, error) { return sources(e).List(lq) }

// Client is what the request tells about the payer's client.
type Client struct{ IP, UserAgent string }

// SourceParams is the command that creates a source (docs/payments.md#23-create-body).
// The HTTP edge decodes a body into it; payment-link intents fill it
// directly. The gateway checks its own fields (Setup) when the source is
// created; Errs are the fields the edge could not decode, reported with
// the gateway's.
type SourceParams struct {
	// ID is the new source's id when the caller needed it first (a
	// return_url naming the source); "" makes one.
	ID          string
	Gateway     gateway.Gateway // nil when the gateway field failed
	Usage       string          // single (default) or reusable
	CustomerID  string
	Amount      *money.Money
	Description *string
	ReturnURL   *string
	// Client describes the payer's client (canonical JSON); nil: the
	// request's own.
	Client   json.RawMessage
	Metadata json.RawMessage // canonical JSON; nil is {}
	Setup    gateway.SetupParams
	// Currency of a single-use source's amount ("" = the payment's).
	Currency string
	// Payment is, for a payer's publishable call, the payment
	// (enable_checkout) the source is bound to.
	Payment *Payment
	Errs    *apperr.Fields
}

// setupFor completes the gateway's setup parameters with what a processor
// needs: the source's id, amount, customer and return URL.
func (c SourceParams) setupFor(e Env, s *Source, baseURL string) gateway.SetupParams {
	p := c.Setup
	p.Source, p.Usage, p.Customer, p.Currency = s.ID, s.Usage, s.CustomerID, c.Currency
	p.ReturnURL = ReturnURL(baseURL, c.Gateway.Info().ID, s.ID)
	switch {
	case s.Amount != nil:
		p.Amount = s.Amount.Decimal
	case c.Payment != nil:
		p.Amount = c.Payment.Balance.Decimal
	}
	if c.Payment != nil {
		p.Currency = c.Payment.Currency
	}
	if s.CustomerID != "" && e.Deps.Customers != nil {
		if m, err := e.Deps.Customers.Summaries(e.Ctx, e.Q, e.Scope, []string{s.CustomerID}); err == nil && m[s.CustomerID] != nil {
			p.CustomerEmail = deref0(m[s.CustomerID].Email)
		}
	}
	return p
}

// customerAccount is the processor's account of the customer a reusable
// source is saved for, made once per customer, gateway and mode: the
// first save stores it; a concurrent one meets the primary key and reads
// the stored account instead of its own.
func customerAccount(e Env, gw gateway.Gateway, p gateway.SetupParams) (string, error) {
	keeper, ok := gw.(gateway.AccountKeeper)
	if !ok || p.ValidateOnly || p.Usage != "reusable" || p.Customer == "" {
		return "", nil
	}
	gatewayID := gw.Info().ID
	read := func() (string, error) {
		var account string
		err := e.Q.QueryRowContext(e.Ctx, `SELECT account FROM gateway_customers WHERE workspace_id = $1 AND test_mode = $2 AND gateway = $3 AND customer_id = $4`,
			e.Scope.ID, e.Scope.TestMode, gatewayID, p.Customer).Scan(&account)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return account, err
	}
	if account, err := read(); err != nil || account != "" {
		return account, err
	}
	account, err := keeper.CustomerAccount(e.Ctx, gateway.Account{Customer: p.Customer, Email: p.CustomerEmail})
	if err != nil {
		return "", err
	}
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO gateway_customers (workspace_id, test_mode, gateway, customer_id, account, created)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, e.Scope.ID, e.Scope.TestMode, gatewayID, p.Customer, account, e.Now.UnixMicro()); err != nil {
		return "", err
	}
	return read()
}

// CreateSource creates a source (docs/payments.md#23-create-body). baseURL builds
// redirect_url.
func CreateSource(e Env, c SourceParams, cl Client, baseURL string) (*Source, error) {
	if c.ID == "" {
		c.ID = id.New("sou")
	}
	s := &Source{ID: c.ID, Usage: c.Usage, CustomerID: c.CustomerID, Amount: c.Amount, Description: c.Description, ReturnURL: c.ReturnURL,
		Client: c.Client, Metadata: c.Metadata, TestMode: e.Scope.TestMode}
	if s.Usage == "" {
		s.Usage = "single"
	}
	if s.Metadata == nil {
		s.Metadata = json.RawMessage("{}")
	}
	if s.Client == nil {
		s.Client = canonical(map[string]any{"ip": cl.IP, "user_agent": cl.UserAgent})
	}
	if c.Payment != nil {
		s.CustomerID, s.PaymentID = deref0(c.Payment.CustomerID), c.Payment.ID
	}
	errs := &apperr.Fields{}
	if c.Errs != nil {
		errs = c.Errs.Clone()
	}
	var setup *gateway.Setup
	if c.Gateway == nil && errs.OK() {
		errs.Add("gateway", apperr.MsgRequired)
	}
	if c.Gateway != nil {
		s.Gateway = c.Gateway.Info().ID
		p := c.setupFor(e, s, baseURL)
		p.ValidateOnly = !errs.OK()
		var gerrs map[string]any
		var err error
		if p.CustomerAccount, err = customerAccount(e, c.Gateway, p); err == nil {
			setup, gerrs, err = c.Gateway.Setup(e.Ctx, p, e.Now.In(loc(e.Scope)))
		}
		if err != nil {
			return nil, apperr.Detail(apperr.Unavailable, fmt.Sprintf("The %s gateway did not answer; try again later.", s.Gateway))
		}
		for k, v := range gerrs {
			errs.Nest(k, v)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	s.Status, s.token, s.Card = SourceChargeable, setup.Token, setup.Card
	data := setup.Data
	if setup.NeedsAuthentication {
		s.Status = SourceRequiresAuthorization
		url := setup.AuthenticationURL
		if url == "" {
			url = AuthenticationURL(baseURL, s.ID)
		}
		switch {
		case setup.InBrowser: // the caller's page runs the processor's script
		case setup.AuthenticationForm != nil:
			data = map[string]any{"redirect_url": RedirectFormURL(baseURL, s.Gateway, s.ID),
				"redirect_form": map[string]any{"method": "POST", "action": url, "fields": setup.AuthenticationForm}}
		default:
			data = map[string]any{"redirect_url": url}
		}
		dl := e.Now.Add(AuthenticationWindow).UnixMicro()
		s.authDeadline = &dl
	}
	s.GatewayData = canonical(data)
	var card *string
	if s.Card != nil {
		c := string(canonical(s.Card))
		card = &c
	}
	us := e.Now.UnixMicro()
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO sources (id, workspace_id, test_mode, gateway, customer_id, usage, status, amount, description, return_url,
		gateway_data, gateway_token, client, card, payment_id, metadata, auth_deadline, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
		s.ID, e.Scope.ID, e.Scope.TestMode, s.Gateway, rows.OrNull(s.CustomerID), s.Usage, s.Status, moneyArg(s.Amount), s.Description, s.ReturnURL,
		string(s.GatewayData), s.token, string(s.Client), card, rows.OrNull(s.PaymentID), string(s.Metadata), s.authDeadline, us); err != nil {
		return nil, err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, "source.created", s.ID, e.Now); err != nil {
		return nil, err
	}
	if s.authDeadline != nil {
		if err := ScheduleExpiry(e, s.ID, e.Now.Add(AuthenticationWindow)); err != nil {
			return nil, err
		}
	}
	return GetSource(e, s.ID)
}

// RedirectURL is where the payer of a source waiting on authentication
// goes: the processor's page its gateway gave (gateway_data.redirect_url),
// else the test gateway's simulated page.
func RedirectURL(e Env, baseURL, sourceID string) string {
	var data string
	if err := e.Q.QueryRowContext(e.Ctx, `SELECT gateway_data FROM sources WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		sourceID, e.Scope.ID, e.Scope.TestMode).Scan(&data); err == nil {
		var m struct {
			RedirectURL string `json:"redirect_url"`
		}
		if json.Unmarshal([]byte(data), &m) == nil && m.RedirectURL != "" {
			return m.RedirectURL
		}
	}
	return AuthenticationURL(baseURL, sourceID)
}

// RedirectFormURL is Cobro's page that POSTs a source's redirect_form to
// the processor (docs/payments.md#15-redirect-flows).
func RedirectFormURL(baseURL, gatewayID, sourceID string) string {
	return baseURL + "/publishable/gateways/" + gatewayID + "/redirect/" + sourceID + "/"
}

// RedirectForm is the form a payer's browser posts to the processor.
type RedirectForm struct {
	Action string            `json:"action"`
	Fields map[string]string `json:"fields"`
}

// PendingRedirectForm is the redirect_form of a source of the gateway
// still waiting for its payer; not found otherwise (decided, expired, or
// a gateway that redirects by GET).
func PendingRedirectForm(e Env, gatewayID, sourceID string) (*RedirectForm, error) {
	s, err := GetSource(e, sourceID)
	if err != nil {
		return nil, err
	}
	var data struct {
		Form *RedirectForm `json:"redirect_form"`
	}
	if s.Gateway != gatewayID || s.Status != SourceRequiresAuthorization || json.Unmarshal(s.GatewayData, &data) != nil ||
		data.Form == nil || !strings.HasPrefix(data.Form.Action, "http") {
		return nil, apperr.NotFoundErr()
	}
	return data.Form, nil
}

// AuthenticationURL is the simulated authentication page of a source.
func AuthenticationURL(baseURL, sourceID string) string {
	return baseURL + "/publishable/gateways/test/authenticate/" + sourceID + "/"
}

func (s *Source) setStatus(e Env, status string, data json.RawMessage) error {
	s.Status = status
	if data != nil {
		s.GatewayData = data
	}
	_, err := e.Q.ExecContext(e.Ctx, `UPDATE sources SET status = $1, gateway_data = $2, updated = $3 WHERE id = $4 AND workspace_id = $5 AND test_mode = $6`,
		status, string(s.GatewayData), e.Now.UnixMicro(), s.ID, e.Scope.ID, e.Scope.TestMode)
	return err
}

// expireAuth fails a source whose authentication window elapsed
// (persisted, with source.failed and the hook for intents).
func expireAuth(e Env, s *Source) error {
	if !s.authExpired(e.Now) {
		return nil
	}
	if err := s.setStatus(e, SourceFailed, json.RawMessage("{}")); err != nil {
		return err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, "source.failed", s.ID, e.Now); err != nil {
		return err
	}
	return sourceAuthenticated(e, s.ID, false)
}

// DeleteSource finalizes a source (DELETE).
func DeleteSource(e Env, sourceID string) (*Source, error) {
	s, err := getSource(e, sourceID, true)
	if err != nil {
		return nil, err
	}
	if s.Status == SourceFinalized {
		return nil, apperr.NonField("Source is already finalized.")
	}
	if err := s.setStatus(e, SourceFinalized, json.RawMessage("{}")); err != nil {
		return nil, err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, "source.finalized", s.ID, e.Now); err != nil {
		return nil, err
	}
	return GetSource(e, sourceID)
}

// sourceAuthenticated tells Deps.Sources of a source's authentication
// answer (approved or not): payment links continue an intent waiting on it.
func sourceAuthenticated(e Env, sourceID string, approved bool) error {
	if e.Deps.Sources == nil {
		return nil
	}
	return e.Deps.Sources.SourceAuthenticated(e, sourceID, approved)
}

// BeginAuthentication is the payer opening the authentication page:
// requires_authorization → waiting_authorization. It returns the source.
func BeginAuthentication(e Env, sourceID string) (*Source, error) {
	s, err := getSource(e, sourceID, true)
	if err != nil {
		return nil, err
	}
	if err := expireAuth(e, s); err != nil {
		return nil, err
	}
	if s.Status == SourceRequiresAuthorization {
		if err := s.setStatus(e, SourceWaitingAuthorization, nil); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Authenticate records the payer's approve/deny (docs/payments.md#12-simulated-authentication-test-gateway).
func Authenticate(e Env, sourceID string, approve bool) (*Source, error) {
	s, err := getSource(e, sourceID, true)
	if err != nil {
		return nil, err
	}
	if err := expireAuth(e, s); err != nil {
		return nil, err
	}
	if s.Status != SourceRequiresAuthorization && s.Status != SourceWaitingAuthorization {
		return nil, apperr.NonField("This source is not waiting for authentication.")
	}
	status, evt := SourceChargeable, "source.chargeable"
	if !approve {
		status, evt = SourceFailed, "source.failed"
	}
	if err := s.setStatus(e, status, json.RawMessage("{}")); err != nil {
		return nil, err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, evt, s.ID, e.Now); err != nil {
		return nil, err
	}
	if err := sourceAuthenticated(e, s.ID, approve); err != nil {
		return nil, err
	}
	return s, nil
}

// ScopeOfSource finds the workspace and mode of a source for publishable
// pages (the id is the only thing the payer has).
func ScopeOfSource(ctx context.Context, q store.Querier, sourceID string) (workspace.Scope, error) {
	return rows.ScopeOf(ctx, q, sourcesTable, sourceID)
}

// ScopeOfPayment finds the workspace and mode of a payment.
func ScopeOfPayment(ctx context.Context, q store.Querier, paymentID string) (workspace.Scope, error) {
	return rows.ScopeOf(ctx, q, paymentsTable, paymentID)
}

// CheckDefaultSource validates a subscription's default_source for a
// customer (docs/billing.md#811-errors): a field error keyed "default_source".
func CheckDefaultSource(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, sourceID string) error {
	e := Env{Ctx: ctx, Q: q, Scope: sc, Now: clock.Now(ctx)}
	s, err := getSource(e, sourceID, false)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return apperr.Field("default_source", apperr.MsgPK(sourceID))
	}
	if err != nil {
		return err
	}
	if s.Usage != "reusable" || s.CustomerID != customerID {
		return apperr.Field("default_source", "Source must be reusable and belong to the customer.")
	}
	if s.Status != SourceChargeable || s.authExpired(e.Now) {
		return apperr.Field("default_source", "Source is not chargeable.")
	}
	return nil
}

// fillCustomerSources lists each customer's reusable chargeable/pending
// sources (docs/billing.md#1-customers `sources`).
func fillCustomerSources(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*customer.Customer) error {
	if len(cs) == 0 {
		return nil
	}
	byID := map[string]*customer.Customer{}
	args := []any{sc.ID, sc.TestMode}
	var phs []string
	for _, c := range cs {
		byID[c.ID] = c
		args = append(args, c.ID)
		phs = append(phs, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := q.QueryContext(ctx, `SELECT customer_id, id FROM sources WHERE workspace_id = $1 AND test_mode = $2 AND usage = 'reusable'
		AND status IN ('chargeable', 'pending') AND customer_id IN (`+strings.Join(phs, ", ")+`) ORDER BY created, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cid, sid string
		if err := rows.Scan(&cid, &sid); err != nil {
			return err
		}
		if c := byID[cid]; c != nil {
			c.Sources = append(c.Sources, sid)
		}
	}
	return rows.Err()
}

// CustomerSources is the customer.SourceFiller of payments.
type CustomerSources struct{}

// FillSources lists each customer's reusable chargeable/pending sources
// (docs/billing.md#1-customers `sources`).
func (CustomerSources) FillSources(ctx context.Context, q store.Querier, sc workspace.Scope, cs []*customer.Customer) error {
	return fillCustomerSources(ctx, q, sc, cs)
}

const reusable = `s.customer_id = customers.id AND s.usage = 'reusable' AND s.status IN ('chargeable', 'pending')`

// CustomerListField is the customer list's `sources` filter
// (docs/billing.md#16-list: a sou_ id; __isnull).
var CustomerListField = list.Field{Name: "sources", Expr: "(SELECT MIN(s.id) FROM sources s WHERE " + reusable + ")",
	Cond: "EXISTS (SELECT 1 FROM sources s WHERE " + reusable + " AND s.id = {})", Lookups: []string{list.IsNull}}

// References of customers by payments and sources (customer.Deps): a
// customer with either is archived, not destroyed.
var ReferencesCustomer = []string{`SELECT 1 FROM payments WHERE customer_id = $1`, `SELECT 1 FROM sources WHERE customer_id = $1`}

// PendingRule is the document.PendingChecker of payments.
type PendingRule struct{}

// PendingFinalizable: every payment of a pending invoice that is not
// cancelled has succeeded, at least one (docs/documents.md#15-status-machine).
func (PendingRule) PendingFinalizable(e document.Env, d *document.Doc) error {
	return pendingFinalizable(e, d)
}

// ---- small helpers

func moneyArg(m *money.Money) any {
	if m == nil {
		return nil
	}
	return m.Decimal.StringFixed(2)
}

func dec(s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

func loc(sc workspace.Scope) *time.Location {
	if sc.Loc == nil {
		return time.UTC
	}
	return sc.Loc
}

func today(e Env) string { return e.Now.In(loc(e.Scope)).Format(time.DateOnly) }

// canonical encodes v as JSON with sorted keys.
func canonical(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

func deref0(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// GatewayFor is an installed gateway usable in the scope's mode with its
// credentials, or the field message that refuses it.
func GatewayFor(e Env, gatewayID string) (gateway.Gateway, string, error) {
	if e.Deps.Gateways == nil {
		return nil, "", errors.New("no gateway registry in the environment")
	}
	return e.Deps.Gateways.Usable(e.Ctx, e.Q, e.Scope, gatewayID)
}

// ReturnURL is where a processor sends the payer back for a source
// (docs/payments.md#15-redirect-flows).
func ReturnURL(baseURL, gatewayID, sourceID string) string {
	return strings.TrimRight(baseURL, "/") + "/publishable/gateways/" + gatewayID + "/return/" + sourceID + "/"
}

// SourceReturned is the payer's return from a processor's page for a
// source waiting on it (docs/payments.md#15-redirect-flows): the gateway
// verifies the return with the processor; the source becomes chargeable
// or failed, and a payment-link intent waiting on it continues. A return
// for a source already decided changes nothing (browsers retry, payers
// reload), so the callback is idempotent.
func SourceReturned(e Env, gatewayID, sourceID string, params url.Values) (*Source, error) {
	s, err := getSource(e, sourceID, true)
	if err != nil {
		return nil, err
	}
	if s.Gateway != gatewayID {
		return nil, apperr.NotFoundErr()
	}
	if err := expireAuth(e, s); err != nil {
		return nil, err
	}
	if s.Status != SourceRequiresAuthorization && s.Status != SourceWaitingAuthorization {
		return s, nil
	}
	gw, err := gatewayOf(e, s)
	if err != nil {
		return nil, err
	}
	rt, ok := gw.(gateway.Returner)
	if !ok {
		return nil, apperr.NotFoundErr()
	}
	r := gateway.Return{Token: s.token, Params: params, Customer: s.CustomerID, Source: s.ID}
	if s.Amount != nil {
		r.Amount = s.Amount.Decimal
	}
	return s, s.applyReturn(e, rt.Return(e.Ctx, r))
}

// BrowserSetup is what the processor's script on the payer's page needs
// to complete a source's card setup (docs/billing.md#113-adding-a-card):
// the publishable key and the setup's client secret, and the gateway
// whose return route the script sends the payer to.
type BrowserSetup struct{ Gateway, Key, Secret string }

// BrowserSetupOf reads a source's BrowserSetup from its processor. A
// source no longer waiting for its payer, or whose gateway has no such
// script, is not found.
func BrowserSetupOf(e Env, sourceID string) (*BrowserSetup, error) {
	s, err := getSource(e, sourceID, false)
	if err != nil {
		return nil, err
	}
	if s.authExpired(e.Now) || s.Status != SourceRequiresAuthorization && s.Status != SourceWaitingAuthorization {
		return nil, apperr.NotFoundErr()
	}
	gw, err := gatewayOf(e, s)
	if errors.Is(err, gateway.ErrNotConfigured) {
		return nil, apperr.NotFoundErr() // its credentials were removed since
	}
	if err != nil {
		return nil, err
	}
	bs, ok := gw.(gateway.BrowserSetup)
	if !ok {
		return nil, apperr.NotFoundErr()
	}
	secret, err := bs.ClientSecret(e.Ctx, s.token)
	if err != nil {
		return nil, apperr.Detail(apperr.Unavailable, fmt.Sprintf("The %s gateway did not answer; try again later.", s.Gateway))
	}
	return &BrowserSetup{Gateway: s.Gateway, Key: bs.PublishableKey(), Secret: secret}, nil
}

// applyReturn stores what the processor confirmed of a return.
func (s *Source) applyReturn(e Env, res gateway.ReturnResult) error {
	status, evt := SourceChargeable, "source.chargeable"
	data := map[string]any{}
	for k, v := range res.Data {
		data[k] = v
	}
	if !res.Approved {
		status, evt = SourceFailed, "source.failed"
		data["failed_reason"] = res.FailedReason
	}
	if res.Token != "" {
		s.token = res.Token
	}
	if res.Card != nil {
		s.Card = res.Card
	}
	var card *string
	if s.Card != nil {
		c := string(canonical(s.Card))
		card = &c
	}
	s.Status, s.GatewayData = status, canonical(data)
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE sources SET status = $1, gateway_data = $2, gateway_token = $3, card = $4, updated = $5
		WHERE id = $6 AND workspace_id = $7 AND test_mode = $8`, status, string(s.GatewayData), s.token, card, e.Now.UnixMicro(), s.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
		return err
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, evt, s.ID, e.Now); err != nil {
		return err
	}
	return sourceAuthenticated(e, s.ID, res.Approved)
}
