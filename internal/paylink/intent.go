package paylink

import (
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
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
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/rows"
)

// Intent statuses (docs/payments.md#54-intent-status-machine).
const (
	RequiresAuthentication = "requires_authentication"
	Authorized             = "authorized"
	Processing             = "processing"
	Captured               = "captured"
	Finalized              = "finalized"
	Failed                 = "failed"
	Cancelled              = "cancelled"
)

var intentStatuses = []string{RequiresAuthentication, Processing, Authorized, Captured, Finalized, Failed, Cancelled}

// AuthorizationWindow: an authorized intent not captured within it is cancelled.
const AuthorizationWindow = 7 * 24 * time.Hour

// NextAction tells the payer what to do (authentication redirect).
type NextAction struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// IntentHead and IntentState are the fields the intent shows both to the
// workspace (Intent) and to the payer (PublicIntent), in that order.
type IntentHead struct {
	ID       string      `json:"id"`
	Link     string      `json:"link"`
	Status   string      `json:"status"`
	Amount   money.Money `json:"amount"`
	Currency string      `json:"currency"`
}

// IntentState is the next action and the stamps of the status machine.
type IntentState struct {
	NextAction *NextAction     `json:"next_action"`
	Authorized clock.NullStamp `json:"authorized"`
	Captured   clock.NullStamp `json:"captured"`
	Finalized  clock.NullStamp `json:"finalized"`
	Failed     clock.NullStamp `json:"failed"`
	Cancelled  clock.NullStamp `json:"cancelled"`
	TestMode   bool            `json:"test_mode"`
	Created    clock.Stamp     `json:"created"`
	Updated    clock.Stamp     `json:"updated"`
}

// Intent is the API object (docs/payments.md#53-intent-object).
type Intent struct {
	IntentHead
	Payer        json.RawMessage   `json:"payer"`
	Customer     *customer.Summary `json:"customer"`
	Source       *string           `json:"source"`
	Payment      *string           `json:"payment"`
	Invoice      *string           `json:"invoice"`
	FailedReason *string           `json:"failed_reason"`
	Error        *string           `json:"error"`
	IntentState

	CustomerID string `json:"-"`
	stamps     map[string]*int64
}

var intentsTable = rows.Table{Name: "payment_link_intents", Prefix: "pin", Columns: intentColumns}

const intentColumns = `id, link_id, status, amount, currency, payer, customer_id, source_id, payment_id, invoice_id, failed_reason, error,
	authorized, captured, finalized, failed, cancelled, test_mode, created, updated`

var stampNames = []string{Authorized, Captured, Finalized, Failed, Cancelled}

func scanIntent(e Env, row list.Scanner) (*Intent, error) {
	var (
		in                              Intent
		amount, payer                   string
		cus, src, pay, inv, reason, msg sql.NullString
		st                              [5]sql.NullInt64
		created, updated                int64
	)
	if err := row.Scan(&in.ID, &in.Link, &in.Status, &amount, &in.Currency, &payer, &cus, &src, &pay, &inv, &reason, &msg,
		&st[0], &st[1], &st[2], &st[3], &st[4], &in.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	in.Amount, in.Payer = money.NewMoney(dec(amount)), json.RawMessage(payer)
	in.CustomerID = cus.String
	in.Source, in.Payment, in.Invoice, in.FailedReason, in.Error = rows.Text(src), rows.Text(pay), rows.Text(inv), rows.Text(reason), rows.Text(msg)
	in.stamps = map[string]*int64{}
	for i, n := range stampNames {
		in.stamps[n] = rows.Int(st[i])
	}
	in.Created, in.Updated = clock.Stamp{Micros: created, Loc: e.Scope.Loc}, clock.Stamp{Micros: updated, Loc: e.Scope.Loc}
	in.fill(e)
	return &in, nil
}

// fill computes the derived fields.
func (in *Intent) fill(e Env) {
	l := e.Scope.Loc
	in.Authorized = clock.NullStamp{Micros: in.stamps[Authorized], Loc: l}
	in.Captured = clock.NullStamp{Micros: in.stamps[Captured], Loc: l}
	in.Finalized = clock.NullStamp{Micros: in.stamps[Finalized], Loc: l}
	in.Failed = clock.NullStamp{Micros: in.stamps[Failed], Loc: l}
	in.Cancelled = clock.NullStamp{Micros: in.stamps[Cancelled], Loc: l}
	in.NextAction = nil
	if in.Status == RequiresAuthentication && in.Source != nil {
		in.NextAction = &NextAction{Type: "redirect", URL: payment.RedirectURL(e.Env, e.Base, *in.Source)}
	}
}

// intents reads the intents of e's scope, customer expanded.
func intents(e Env) rows.Resource[*Intent] {
	return rows.Resource[*Intent]{Ctx: e.Ctx, Q: e.Q, D: e.D, Scope: e.Scope, Table: intentsTable,
		Scan:   func(r list.Scanner) (*Intent, error) { return scanIntent(e, r) },
		Expand: func(ins []*Intent) error { return expandIntents(e, ins) }}
}

func getIntent(e Env, intentID string, lock bool) (*Intent, error) {
	return intents(e).Get(intentID, lock)
}

// GetIntent returns an intent of the scope (customer expanded), or 404.
func GetIntent(e Env, intentID string) (*Intent, error) { return intents(e).Show(intentID) }

func expandIntents(e Env, ins []*Intent) error {
	return rows.Expand(ins, func(in *Intent) (string, bool) { return in.CustomerID, in.CustomerID != "" }, summaries(e),
		func(in *Intent, c *customer.Summary) { in.Customer = c })
}

// IntentListSpec declares the intent list (docs/payments.md#56-authenticated-intent-endpoints).
var IntentListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "link", Expr: "link_id", Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: intentStatuses, Lookups: []string{list.In}},
		{Name: "customer", Expr: "customer_id", Lookups: []string{list.In, list.IsNull}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
}

// ListIntents returns one page of intents.
func ListIntents(e Env, lq *list.Query) (int, []*Intent, error) { return intents(e).List(lq) }

// PublicIntent is the payer's view (docs/payments.md#53-intent-object): no tax id, no error, the
// customer by id only. invoice_number lets the receipt name the invoice.
type PublicIntent struct {
	IntentHead
	Payer         map[string]any    `json:"payer"`
	Customer      map[string]string `json:"customer"`
	Source        *string           `json:"source"`
	Payment       *string           `json:"payment"`
	Invoice       *string           `json:"invoice"`
	InvoiceNumber *int64            `json:"invoice_number"`
	FailedReason  *string           `json:"failed_reason"`
	IntentState
}

// Public returns the payer's view of an intent.
func (in *Intent) Public(e Env) (*PublicIntent, error) {
	var payer map[string]any
	_ = json.Unmarshal(in.Payer, &payer)
	delete(payer, "tax_id")
	if payer == nil {
		payer = map[string]any{}
	}
	p := &PublicIntent{IntentHead: in.IntentHead, Payer: payer, Source: in.Source, Payment: in.Payment, Invoice: in.Invoice,
		FailedReason: in.FailedReason, IntentState: in.IntentState}
	if in.CustomerID != "" && in.Status == Finalized {
		p.Customer = map[string]string{"id": in.CustomerID}
	}
	if in.Invoice != nil && in.Status == Finalized {
		d, err := document.Get(e.Env, document.Invoice, *in.Invoice)
		if err != nil {
			return nil, err
		}
		p.InvoiceNumber = d.Number
	}
	return p, nil
}

// PublicIntentOf returns an intent of a link for the payer (404 when it
// belongs to another link).
func PublicIntentOf(e Env, l *Link, intentID string) (*Intent, error) {
	in, err := getIntent(e, intentID, false)
	if err != nil {
		return nil, err
	}
	if in.Link != l.ID {
		return nil, apperr.NotFoundErr()
	}
	return in, nil
}

func (in *Intent) save(e Env) error {
	us := e.Now.UnixMicro()
	in.Updated = clock.Stamp{Micros: us, Loc: e.Scope.Loc}
	_, err := e.Q.ExecContext(e.Ctx, `UPDATE payment_link_intents SET status = $1, customer_id = $2, source_id = $3, payment_id = $4, invoice_id = $5,
		failed_reason = $6, error = $7, authorized = $8, captured = $9, finalized = $10, failed = $11, cancelled = $12, updated = $13
		WHERE id = $14 AND workspace_id = $15 AND test_mode = $16`,
		in.Status, rows.OrNull(in.CustomerID), in.Source, in.Payment, in.Invoice, in.FailedReason, in.Error,
		in.stamps[Authorized], in.stamps[Captured], in.stamps[Finalized], in.stamps[Failed], in.stamps[Cancelled], us,
		in.ID, e.Scope.ID, e.Scope.TestMode)
	in.fill(e)
	return err
}

// move sets a status with its stamp and emits its event (when it has one).
func (in *Intent) move(e Env, status string, emit bool) error {
	in.Status = status
	us := e.Now.UnixMicro()
	if _, ok := in.stamps[status]; ok || contains(stampNames, status) {
		in.stamps[status] = &us
	}
	if err := in.save(e); err != nil {
		return err
	}
	if !emit {
		return nil
	}
	return event.Emit(e.Ctx, e.Q, e.Scope, "payment_link.intent."+status, in.ID, e.Now)
}

func (in *Intent) fail(e Env, reason string) error {
	in.FailedReason = &reason
	return in.move(e, Failed, true)
}

// Payer is who pays through a link without a customer (docs/payments.md#52-intent-creation-body): what the
// checkout page asks for, decoded and checked at the HTTP edge. Its JSON
// keys are in alphabetical order, as the intent stores them.
type Payer struct {
	Activity string `json:"activity,omitempty"`
	Address  string `json:"address,omitempty"`
	Commune  string `json:"commune,omitempty"`
	Country  string `json:"country"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	State    string `json:"state,omitempty"`
	TaxID    string `json:"tax_id,omitempty"`
}

// IntentParams is the payer's POST (docs/payments.md#52-intent-creation-body), decoded at the HTTP edge.
type IntentParams struct {
	// Payer is nil for a link with a customer.
	Payer *Payer
	// Card is the card object (checked with gateway.ParseCard).
	Card map[string]any
	// PaymentMethod is the processor's id of the card the payer's browser
	// gave it (Stripe.js's pm_…), for gateways whose checkout is "client".
	PaymentMethod string
}

// CreateIntent is the payer's POST (docs/payments.md#52-intent-creation-body): it creates the single-use
// source and runs the intent as far as it can go in this request
// (authorized → captured → finalized with the test gateway and automatic
// capture).
func CreateIntent(e Env, l *Link, c IntentParams, cl payment.Client) (*Intent, error) {
	payer := json.RawMessage("{}")
	if c.Payer != nil {
		payer, _ = json.Marshal(c.Payer)
	}
	in := &Intent{IntentHead: IntentHead{ID: id.New("pin"), Link: l.ID, Amount: l.Amount, Currency: l.Currency}, Payer: payer,
		IntentState: IntentState{TestMode: e.Scope.TestMode}, CustomerID: l.CustomerID, stamps: map[string]*int64{}}
	src, err := linkSource(e, l, in, c, cl)
	if err != nil {
		return nil, err
	}
	in.Source = &src.ID
	us := e.Now.UnixMicro()
	in.Created = clock.Stamp{Micros: us, Loc: e.Scope.Loc}
	status := Authorized // placeholder until the gateway answers
	if src.Status == payment.SourceRequiresAuthorization {
		status = RequiresAuthentication
	}
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO payment_link_intents (id, workspace_id, test_mode, link_id, status, amount, currency, payer, customer_id,
		source_id, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
		in.ID, e.Scope.ID, e.Scope.TestMode, l.ID, status, l.Amount.StringFixed(2), l.Currency, string(in.Payer), rows.OrNull(l.CustomerID), src.ID, us); err != nil {
		return nil, err
	}
	if err := rows.Exec(e.Ctx, e.Q, e.Scope, linksTable, l.ID, `intents = intents + 1`); err != nil {
		return nil, err
	}
	in.Status = status
	if status != RequiresAuthentication {
		if err := authorize(e, in, l); err != nil {
			return nil, err
		}
	}
	return GetIntent(e, in.ID)
}

// linkSource creates the intent's single-use source on the link's gateway.
func linkSource(e Env, l *Link, in *Intent, c IntentParams, cl payment.Client) (*payment.Source, error) {
	g, msg, err := payment.GatewayFor(e.Env, l.Gateway)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return nil, apperr.Field("gateway", msg)
	}
	desc, ret := "Payment link "+l.ID, HostedURL(e.Base, l.PublishableKey)+"?intent="+in.ID
	amount := l.Amount
	return payment.CreateSource(e.Env, payment.SourceParams{Gateway: g, Amount: &amount, Currency: l.Currency, Description: &desc, ReturnURL: &ret,
		Setup: gateway.SetupParams{Card: c.Card, PaymentMethod: c.PaymentMethod}}, cl, e.Base)
}

// authorize asks the gateway to hold the amount on the intent's source.
func authorize(e Env, in *Intent, l *Link) error {
	src, err := payment.SourceForCheckout(e.Env, *in.Source)
	if err != nil {
		return err
	}
	out, err := payment.AuthorizeSource(e.Env, src, in.ID+"_auth", l.Amount.Decimal, l.Currency)
	if err != nil {
		return err
	}
	if out.Status == gateway.Pending { // the processor decides later: a webhook settles it (SourceSettled)
		if err := setGatewayRef(e, in, out.Reference); err != nil {
			return err
		}
		return in.move(e, Processing, false)
	}
	if moved, err := in.settle(e, out, Authorized); err != nil || !moved {
		return err
	}
	return authorized(e, in, l)
}

// authorized goes on from a hold: captured now (automatic capture) or
// cancelled when the window passes.
func authorized(e Env, in *Intent, l *Link) error {
	if l.CaptureMethod == "automatic" {
		return capture(e, in, l)
	}
	return payment.ScheduleExpiry(e.Env, in.ID, e.Now.Add(AuthorizationWindow))
}

func capture(e Env, in *Intent, l *Link) error {
	src, err := payment.SourceForCheckout(e.Env, *in.Source)
	if err != nil {
		return err
	}
	auth, err := gatewayRef(e, in)
	if err != nil {
		return err
	}
	out, err := payment.CaptureSource(e.Env, src, in.ID+"_capture", auth, in.Amount.Decimal, in.Currency)
	if err != nil {
		return err
	}
	if moved, err := in.settle(e, out, Captured); err != nil || !moved {
		return err
	}
	return finalize(e, in, l)
}

// settle applies the gateway's answer to an operation on the intent: a
// refusal fails the intent (moved is false); a success keeps the
// processor's reference and moves the intent to status to.
func (in *Intent) settle(e Env, out gateway.Outcome, to string) (moved bool, err error) {
	if out.Status != gateway.Succeeded {
		return false, in.fail(e, out.FailedReason)
	}
	if err := setGatewayRef(e, in, out.Reference); err != nil {
		return false, err
	}
	return true, in.move(e, to, true)
}

// savepoint runs fn so that a refusal (a 4xx application error) undoes
// only fn's writes: the refusal is returned as the first result.
func savepoint(e Env, name string, fn func() error) (refused error, err error) {
	if _, err := e.Q.ExecContext(e.Ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	ferr := fn()
	if ferr == nil {
		_, err := e.Q.ExecContext(e.Ctx, "RELEASE SAVEPOINT "+name)
		return nil, err
	}
	if _, ok := apperr.As(ferr); ok {
		if _, err := e.Q.ExecContext(e.Ctx, "ROLLBACK TO SAVEPOINT "+name); err != nil {
			return nil, err
		}
		_, err := e.Q.ExecContext(e.Ctx, "RELEASE SAVEPOINT "+name)
		return ferr, err
	}
	return nil, ferr
}

// finalize produces the customer, the finalized invoice and the succeeded
// payment (docs/payments.md#55-what-finalization-produces). A refusal (no folios, invalid customer data) leaves the
// intent captured with error; POST …/finalize/ retries.
func finalize(e Env, in *Intent, l *Link) error {
	in.Error = nil
	refused, err := savepoint(e, "intent_customer", func() error {
		if in.CustomerID == "" {
			cid, err := payerCustomer(e, in)
			if err != nil {
				return err
			}
			in.CustomerID = cid
		}
		if in.Invoice == nil {
			if l.Invoice != nil {
				in.Invoice = l.Invoice
			} else {
				inv, err := createInvoice(e, in, l)
				if err != nil {
					return err
				}
				in.Invoice = &inv
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if refused == nil {
		refused, err = savepoint(e, "intent_finalize", func() error {
			inv, err := document.Get(e.Env, document.Invoice, *in.Invoice)
			if err != nil {
				return err
			}
			if inv.Status == document.StatusDraft {
				if _, err := document.Finalize(e.Env, document.Invoice, inv.ID); err != nil {
					return err
				}
			}
			ref, err := gatewayRef(e, in)
			if err != nil {
				return err
			}
			p, err := payment.RecordCaptured(e.Env, inv.ID, in.CustomerID, *in.Source, "Payment link "+l.ID, in.Amount.Decimal, in.Currency, ref)
			if err != nil {
				return err
			}
			in.Payment = &p.ID
			return nil
		})
		if err != nil {
			return err
		}
	}
	if refused != nil {
		msg := describe(refused)
		in.Error = &msg
		return in.save(e)
	}
	if err := in.move(e, Finalized, true); err != nil {
		return err
	}
	if l.SingleUse && l.Status == StatusActive {
		if _, err := ArchiveLink(e, l.ID); err != nil {
			return err
		}
	}
	return nil
}

// describe turns a refusal into the intent's error text.
func describe(err error) string {
	ae, ok := apperr.As(err)
	if !ok {
		return err.Error()
	}
	if ae.Detail != "" {
		return ae.Detail
	}
	var parts []string
	keys := make([]string, 0, len(ae.Fields))
	for k := range ae.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msgs, ok := ae.Fields[k].([]string)
		if !ok {
			b, _ := json.Marshal(ae.Fields[k])
			msgs = []string{string(b)}
		}
		for _, m := range msgs {
			if k == "non_field_errors" {
				parts = append(parts, m)
			} else {
				parts = append(parts, k+": "+m)
			}
		}
	}
	return strings.Join(parts, " ")
}

// genericTaxID is the tax id of consumers without one (docs/billing.md#1-customers).
var genericTaxID = map[string]string{"CL": "66666666-6"}

// payerCustomer creates the payer's customer (docs/payments.md#55-what-finalization-produces step 1) from what the
// payer typed. An anonymous payer is never matched to an existing customer
// by email or tax id: anyone could type those and would then see that
// customer's data on the intent's PDF and bill into their ledger; the
// merchant can merge customers later.
func payerCustomer(e Env, in *Intent) (string, error) {
	var p Payer
	_ = json.Unmarshal(in.Payer, &p)
	if p.TaxID == "" {
		p.TaxID = genericTaxID[p.Country]
	}
	return createPayer(e, p)
}

// ---- authenticated intent actions (docs/payments.md#56-authenticated-intent-endpoints)

func lockIntent(e Env, intentID string) (*Intent, *Link, error) {
	in, err := getIntent(e, intentID, true)
	if err != nil {
		return nil, nil, err
	}
	l, err := getLink(e, in.Link, true)
	if err != nil {
		return nil, nil, err
	}
	return in, l, nil
}

// expired: an authorization held beyond its window is cancelled.
func expired(e Env, in *Intent) (bool, error) {
	at := in.stamps[Authorized]
	if in.Status != Authorized || at == nil || e.Now.UnixMicro() < *at+AuthorizationWindow.Microseconds() {
		return false, nil
	}
	return true, cancel(e, in)
}

// cancel releases the intent's hold and cancels it.
func cancel(e Env, in *Intent) error {
	if err := release(e, in); err != nil {
		return err
	}
	return in.move(e, Cancelled, true)
}

func release(e Env, in *Intent) error {
	src, err := payment.SourceForCheckout(e.Env, *in.Source)
	if err != nil {
		return err
	}
	auth, err := gatewayRef(e, in)
	if err != nil {
		return err
	}
	return payment.ReleaseSource(e.Env, src, in.ID+"_release", auth, in.Amount.Decimal, in.Currency)
}

// setGatewayRef keeps the processor's reference of the intent's last
// operation (the authorization, then the capture a refund names).
func setGatewayRef(e Env, in *Intent, ref string) error {
	if ref == "" {
		return nil
	}
	_, err := e.Q.ExecContext(e.Ctx, `UPDATE payment_link_intents SET gateway_ref = $1 WHERE id = $2 AND workspace_id = $3 AND test_mode = $4`,
		ref, in.ID, e.Scope.ID, e.Scope.TestMode)
	return err
}

func gatewayRef(e Env, in *Intent) (string, error) {
	var ref sql.NullString
	err := e.Q.QueryRowContext(e.Ctx, `SELECT gateway_ref FROM payment_link_intents WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		in.ID, e.Scope.ID, e.Scope.TestMode).Scan(&ref)
	return ref.String, err
}

// advance runs one step of the manual status machine on the locked
// intent, only from status from (else the message msg), and answers the
// intent as stored after it.
func advance(e Env, intentID, from, msg string, step func(*Intent, *Link) error) (*Intent, error) {
	in, l, err := lockIntent(e, intentID)
	if err != nil {
		return nil, err
	}
	if in.Status != from {
		return nil, apperr.NonField(msg)
	}
	if err := step(in, l); err != nil {
		return nil, err
	}
	return GetIntent(e, in.ID)
}

// CaptureIntent captures an authorized intent (manual capture).
func CaptureIntent(e Env, intentID string) (*Intent, error) {
	return advance(e, intentID, Authorized, "Only authorized intents can be captured.", func(in *Intent, l *Link) error {
		if gone, err := expired(e, in); err != nil || gone {
			return err // a hold past its window was cancelled instead
		}
		return capture(e, in, l)
	})
}

// CancelIntent cancels an authorized intent (its hold is released).
func CancelIntent(e Env, intentID string) (*Intent, error) {
	return advance(e, intentID, Authorized, "Only authorized intents can be cancelled.", func(in *Intent, _ *Link) error { return cancel(e, in) })
}

// FinalizeIntent retries the finalization of a captured intent.
func FinalizeIntent(e Env, intentID string) (*Intent, error) {
	return advance(e, intentID, Captured, "Only captured intents can be finalized.", func(in *Intent, l *Link) error { return finalize(e, in, l) })
}

// Sources is the document.SourceListener of payment links.
type Sources struct{}

// SourceAuthenticated continues an intent waiting on its card's
// authentication: approved → authorize (and on); denied or expired → failed.
func (Sources) SourceAuthenticated(de document.Env, sourceID string, approved bool) error {
	e := Env{Env: de}
	var intentID string
	err := e.Q.QueryRowContext(e.Ctx, `SELECT id FROM payment_link_intents WHERE source_id = $1 AND workspace_id = $2 AND test_mode = $3 AND status = $4`,
		sourceID, e.Scope.ID, e.Scope.TestMode, RequiresAuthentication).Scan(&intentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	in, l, err := lockIntent(e, intentID)
	if err != nil {
		return err
	}
	if !approved {
		return in.fail(e, "authentication_failed")
	}
	return authorize(e, in, l)
}

// SourceSettled settles an intent left processing by its processor with
// the verified result of a webhook: failed; held (then captured as the
// link says); or captured at the processor and finalized. A single-use
// link another intent paid meanwhile is not paid twice: a hold is
// released and the intent cancelled; money already captured leaves the
// intent captured with an error, for the merchant to refund
// (docs/payments.md#17-stripe).
func (Sources) SourceSettled(de document.Env, sourceID string, r document.SourceResult) (bool, error) {
	e := Env{Env: de}
	var intentID string
	err := e.Q.QueryRowContext(e.Ctx, `SELECT id FROM payment_link_intents WHERE source_id = $1 AND workspace_id = $2 AND test_mode = $3 AND status = $4`,
		sourceID, e.Scope.ID, e.Scope.TestMode, Processing).Scan(&intentID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	in, l, err := lockIntent(e, intentID)
	if err != nil || in.Status != Processing {
		return false, err
	}
	if !r.Approved {
		reason := r.FailedReason
		if reason == "" {
			reason = "gateway_error"
		}
		return true, in.fail(e, reason)
	}
	if !r.Amount.Equal(in.Amount.Decimal) || !strings.EqualFold(r.Currency, in.Currency) {
		return true, document.ErrResultMismatch
	}
	if err := setGatewayRef(e, in, r.Reference); err != nil {
		return false, err
	}
	if err := in.move(e, Authorized, true); err != nil {
		return false, err
	}
	paidElsewhere := l.SingleUse && l.Status != StatusActive
	switch {
	case paidElsewhere && !r.Captured:
		return true, cancel(e, in)
	case !r.Captured:
		return true, authorized(e, in, l)
	}
	if err := in.move(e, Captured, true); err != nil {
		return false, err
	}
	if paidElsewhere {
		msg := "The link was paid by another intent: refund this payment at the processor."
		in.Error = &msg
		return true, in.save(e)
	}
	return true, finalize(e, in, l)
}

// PDF returns the invoice PDF of a finalized intent.
func PDF(e Env, in *Intent) ([]byte, string, error) {
	if in.Status != Finalized || in.Invoice == nil {
		return nil, "", apperr.NotFoundErr()
	}
	d, err := document.Get(e.Env, document.Invoice, *in.Invoice)
	if err != nil {
		return nil, "", err
	}
	return document.PDF(e.Env, d)
}

// References of customers by payment links and their intents
// (customer.Deps): a customer with either is archived, not destroyed.
var ReferencesCustomer = []string{`SELECT 1 FROM payment_link_intents WHERE customer_id = $1`, `SELECT 1 FROM payment_links WHERE customer_id = $1`}

// TestClockCleanup deletes what payments and payment links keep for the
// customers of a test clock being deleted (subscription.Deps.ClockCleanup;
// $1 = clock id): their payments, charges, links, intents and sources.
func TestClockCleanup() []string {
	cus := `(SELECT id FROM customers WHERE test_clock_id = $1)`
	docs := `(SELECT id FROM documents WHERE customer_id IN ` + cus + `)`
	pays := `(SELECT id FROM payments WHERE customer_id IN ` + cus + ` OR invoice_id IN ` + docs + `)`
	links := `(SELECT id FROM payment_links WHERE customer_id IN ` + cus + ` OR invoice_id IN ` + docs + `)`
	srcs := `(SELECT id FROM sources WHERE customer_id IN ` + cus + `)`
	return []string{
		`DELETE FROM payment_link_intents WHERE customer_id IN ` + cus + ` OR invoice_id IN ` + docs + ` OR link_id IN ` + links + ` OR payment_id IN ` + pays + ` OR source_id IN ` + srcs,
		`DELETE FROM payment_charges WHERE payment_id IN ` + pays + ` OR source_id IN ` + srcs,
		`DELETE FROM payments WHERE id IN ` + pays,
		`DELETE FROM payment_links WHERE id IN ` + links,
		`DELETE FROM sources WHERE id IN ` + srcs,
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
