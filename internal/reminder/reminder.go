// Package reminder holds reminder messages (docs/documents.md#5-reminder-messages): emails about
// a document, recorded immutably.
package reminder

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/shopspring/decimal"
)

// Message is the API object.
type Message struct {
	ID          string          `json:"id"`
	Invoice     *string         `json:"invoice"`
	Payment     *string         `json:"payment"`
	Order       *string         `json:"order"`
	CreditNote  *string         `json:"credit_note"`
	DebitNote   *string         `json:"debit_note"`
	Recipient   []string        `json:"recipient"`
	Subject     string          `json:"subject"`
	Message     string          `json:"message"`
	Action      *string         `json:"action"`
	PaymentLink *string         `json:"payment_link"`
	Status      string          `json:"status"`
	Error       *string         `json:"error"`
	Sent        clock.NullStamp `json:"sent"`
	User        *string         `json:"user"`
	TestMode    bool            `json:"test_mode"`
	Created     clock.Stamp     `json:"created"`
	// Kind is what the email is (docs/documents.md#55-emails-cobro-sends):
	// "message" for one created through the API.
	Kind string `json:"kind"`
	// Rule is the reminder rule that sent it.
	Rule *string `json:"rule"`
	// Response is the SMTP server's last answer.
	Response *string `json:"response"`
	// LinkURL is the button of an email whose link is not a payment link
	// (dunning: update the card).
	LinkURL *string `json:"-"`
}

var remindersTable = rows.Table{Name: "reminders", Prefix: "rem", Columns: columns}

const columns = `id, invoice_id, payment_id, order_id, credit_note_id, recipient, subject, message, action, payment_link_id, status, error, sent, user_email, test_mode, created,
	debit_note_id, kind, rule_id, response, link_url`

func scan(sc workspace.Scope, row interface{ Scan(...any) error }) (*Message, error) {
	var (
		m                                       Message
		inv, pay, ord, crn, act, plk, errs, usr sql.NullString
		dbn, kind, rule, resp, link             sql.NullString
		recipient                               string
		sent                                    sql.NullInt64
		created                                 int64
	)
	if err := row.Scan(&m.ID, &inv, &pay, &ord, &crn, &recipient, &m.Subject, &m.Message, &act, &plk, &m.Status, &errs, &sent, &usr, &m.TestMode, &created,
		&dbn, &kind, &rule, &resp, &link); err != nil {
		return nil, err
	}
	m.Invoice, m.Payment, m.Order, m.CreditNote, m.Action, m.PaymentLink, m.Error, m.User = rows.Text(inv), rows.Text(pay), rows.Text(ord), rows.Text(crn), rows.Text(act), rows.Text(plk), rows.Text(errs), rows.Text(usr)
	m.DebitNote, m.Rule, m.Response, m.LinkURL = rows.Text(dbn), rows.Text(rule), rows.Text(resp), rows.Text(link)
	m.Kind = "message"
	if kind.Valid {
		m.Kind = kind.String
	}
	if err := json.Unmarshal([]byte(recipient), &m.Recipient); err != nil {
		return nil, err
	}
	m.Sent = rows.Stamp(sent, sc.Loc)
	m.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	return &m, nil
}

// Get returns a message of the scope.
func Get(ctx context.Context, q store.Querier, sc workspace.Scope, msgID string) (*Message, error) {
	return rows.Get(ctx, q, sc, remindersTable, msgID, "", func(r list.Scanner) (*Message, error) { return scan(sc, r) })
}

// ListSpec declares the reminder list.
var ListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "invoice", Expr: "invoice_id", Lookups: []string{list.IsNull}},
		{Name: "payment", Expr: "payment_id", Lookups: []string{list.IsNull}},
		{Name: "order", Expr: "order_id", Lookups: []string{list.IsNull}},
		{Name: "credit_note", Expr: "credit_note_id", Lookups: []string{list.IsNull}},
		{Name: "debit_note", Expr: "debit_note_id", Lookups: []string{list.IsNull}},
		{Name: "rule", Expr: "rule_id", Lookups: []string{list.IsNull}},
		{Name: "kind", Expr: "COALESCE(kind, 'message')", Kind: list.Enum, Choices: []string{"message", "document", "receipt", "reminder", "dunning"}, Lookups: []string{list.In}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{"queued", "sent", "failed", "skipped"}, Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"subject", "CAST(recipient AS TEXT)"},
}

// List returns one page of messages.
func List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Message, error) {
	return rows.List(ctx, q, sc, remindersTable, lq, func(row list.Scanner) (*Message, error) { return scan(sc, row) })
}

// Mailer queues the sending of a reminder in the caller's transaction.
type Mailer interface {
	EnqueueReminder(ctx context.Context, q store.Querier, sc workspace.Scope, reminderID string, now time.Time) error
}

// Service is the reminders work on its dependencies (internal/app).
type Service struct {
	// Mail queues the messages (when an SMTP server is configured).
	// Without it, and in test mode, messages are recorded as "skipped"
	// (docs/documents.md#52-object-and-body).
	Mail Mailer
}

// Params is the command that records a reminder (docs/documents.md#52-object-and-body),
// decoded at the HTTP edge with the named document resolved.
type Params struct {
	// Named is how many of invoice, payment, order and credit_note were
	// given: exactly one is accepted.
	Named int
	// Field is the one given; Doc or Payment is what it names.
	Field      string
	Doc        *document.Doc
	Payment    *payment.Payment
	Recipients []string
	Subject    *string // nil: the document's name
	Message    string
	Action     *string // "pay" adds a payment link for the invoice
}

// Create records a message and queues its email. base is the public URL
// the pay action's link lives under.
func (svc *Service) Create(e document.Env, base string, c Params) (*Message, error) {
	if c.Named != 1 {
		return nil, apperr.NonField("Give exactly one of invoice, payment, order or credit_note.")
	}
	linkID := ""
	if c.Action != nil && *c.Action == "pay" {
		if c.Field != "invoice" {
			return nil, apperr.Field("action", "The pay action requires an invoice.")
		}
		l, err := PayLink(e, base, c.Doc)
		if err != nil {
			return nil, err
		}
		linkID = l
	}
	target := c.Field
	targetID := ""
	if c.Payment != nil {
		targetID = c.Payment.ID
	} else {
		targetID = c.Doc.ID
	}
	rec := Record{Target: target, TargetID: targetID, Recipients: c.Recipients, Subject: c.subject(), Message: c.Message, Action: c.Action,
		Queued: svc != nil && svc.Mail != nil && !e.Scope.TestMode}
	if linkID != "" {
		rec.PaymentLink = &linkID
	}
	rid, err := Insert(e, rec)
	if err != nil {
		return nil, err
	}
	if rec.Queued {
		if err := svc.Mail.EnqueueReminder(e.Ctx, e.Q, e.Scope, rid, e.Now); err != nil {
			return nil, err
		}
	}
	return Get(e.Ctx, e.Q, e.Scope, rid)
}

// Record is an email to record as a message: one created through the API,
// or one Cobro sends on its own (docs/documents.md#55-emails-cobro-sends).
type Record struct {
	Kind string // "" = "message"
	// Target is the column the email is about (invoice, payment, order,
	// credit_note, debit_note) and TargetID its object.
	Target, TargetID string
	Recipients       []string
	Subject, Message string
	Action           *string
	PaymentLink      *string
	LinkURL          *string
	Rule             *string
	// Queued: to be sent; else recorded as skipped.
	Queued bool
	// DedupeKey makes the record once-only in its scope ("" = no key).
	DedupeKey string
}

var targetColumns = map[string]string{"invoice": "invoice_id", "payment": "payment_id", "order": "order_id", "credit_note": "credit_note_id", "debit_note": "debit_note_id"}

// Insert records r in e's transaction and emits reminder.created. It
// returns "" when a message with r's DedupeKey exists already (a retry,
// another scheduler).
func Insert(e document.Env, r Record) (string, error) {
	target := map[string]any{}
	col, ok := targetColumns[r.Target]
	if !ok {
		return "", fmt.Errorf("reminder: unknown target %q", r.Target)
	}
	target[col] = r.TargetID
	rid := id.New("rem")
	var user any
	if e.Scope.UserEmail != "" {
		user = e.Scope.UserEmail
	}
	status := "skipped"
	if r.Queued {
		status = "queued"
	}
	recipients, _ := json.Marshal(r.Recipients)
	res, err := e.Q.ExecContext(e.Ctx, `INSERT INTO reminders (id, workspace_id, test_mode, invoice_id, payment_id, order_id, credit_note_id, debit_note_id, recipient, subject, message, action,
		payment_link_id, status, error, sent, user_email, created, kind, dedupe_key, link_url, rule_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, $15, $16, $17, $18, $19, $20) ON CONFLICT DO NOTHING`,
		rid, e.Scope.ID, e.Scope.TestMode, target["invoice_id"], target["payment_id"], target["order_id"], target["credit_note_id"], target["debit_note_id"],
		string(recipients), truncate(r.Subject, 150), r.Message, nullable(r.Action), nullable(r.PaymentLink), status, user, e.Now.UnixMicro(),
		rows.OrNull(r.Kind), rows.OrNull(r.DedupeKey), nullable(r.LinkURL), nullable(r.Rule))
	if err != nil {
		return "", err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return "", err
	}
	return rid, event.Emit(e.Ctx, e.Q, e.Scope, "reminder.created", rid, e.Now)
}

func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// PayLink is the Pay button: a single-use link bound to the invoice, for
// what is left to pay (docs/payments.md#4-payment-links).
func PayLink(e document.Env, base string, doc *document.Doc) (string, error) {
	if (doc.Status != document.StatusFinalized && doc.Status != document.StatusUncollectible) || doc.TotalAdjusted == nil || !doc.TotalAdjusted.IsPositive() {
		return "", apperr.Field("action", "The invoice has nothing left to pay.")
	}
	outstanding := doc.TotalAdjusted.Sub(decimal.NewFromInt(doc.CollectedCents).Shift(-2))
	if !outstanding.IsPositive() {
		return "", apperr.Field("action", "The invoice has nothing left to pay.")
	}
	name, single := truncate(docName(doc), 80), true
	lp := paylink.LinkParams{Amount: &outstanding, Currency: &doc.Currency, Document: &doc.TypeID, SingleUse: &single, Description: &name, Invoice: doc}
	lp.Given = map[string]bool{"amount": true, "currency": true, "document": true, "single_use": true, "description": true, "invoice": true}
	l, err := paylink.CreateLink(paylink.Env{Env: e, Base: base}, lp)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return "", apperr.Field("action", "A payment link cannot be created for this invoice: "+ae.Message(""))
	}
	if err != nil {
		return "", err
	}
	return l.ID, nil
}

// subject is the one given, or the payment's description, or the
// document's name.
func (c Params) subject() string {
	switch {
	case c.Subject != nil:
		return *c.Subject
	case c.Payment != nil && c.Payment.Description != "":
		return truncate(c.Payment.Description, 150)
	case c.Payment != nil:
		return "Payment " + c.Payment.ID
	}
	return docName(c.Doc)
}

// docName is "<type name> N° <number>" (the number once it has one).
func docName(d *document.Doc) string {
	name := d.Type().Name
	if d.Number != nil {
		name += " N° " + strconv.FormatInt(*d.Number, 10)
	}
	return name
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// Delivered records the outcome of a reminder's email, in the caller's
// transaction: sent with the server's answer, or failed with its error
// (never a secret: SMTP errors carry no password). Only a queued message
// changes, so reminder.sent or reminder.failed is emitted once even when
// the job runs again after a crash (docs/webhooks.md#2-events).
func Delivered(ctx context.Context, q store.Querier, sc workspace.Scope, reminderID, answer string, sendErr error, now time.Time) error {
	var res sql.Result
	var err error
	name := "reminder.sent"
	if sendErr == nil {
		res, err = q.ExecContext(ctx, `UPDATE reminders SET status = 'sent', error = NULL, response = $3, sent = $2 WHERE id = $1 AND status = 'queued'`,
			reminderID, now.UnixMicro(), truncate(answer, 500))
	} else {
		name = "reminder.failed"
		msg := truncate(sendErr.Error(), 500)
		res, err = q.ExecContext(ctx, `UPDATE reminders SET status = 'failed', error = $2, response = $2 WHERE id = $1 AND status = 'queued'`, reminderID, msg)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return event.Emit(ctx, q, sc, name, reminderID, now)
}

// Retrying records the answer of a failed attempt that will be retried:
// the message stays queued.
func Retrying(ctx context.Context, q store.Querier, reminderID string, sendErr error) error {
	_, err := q.ExecContext(ctx, `UPDATE reminders SET response = $2 WHERE id = $1`, reminderID, truncate(sendErr.Error(), 500))
	return err
}
