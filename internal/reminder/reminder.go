// Package reminder holds reminder messages (docs/documents.md#5-reminder-messages): emails about
// a document, recorded immutably.
package reminder

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
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
}

const columns = `id, invoice_id, payment_id, order_id, credit_note_id, recipient, subject, message, action, payment_link_id, status, error, sent, user_email, test_mode, created`

func scan(sc workspace.Scope, row interface{ Scan(...any) error }) (*Message, error) {
	var (
		m                                       Message
		inv, pay, ord, crn, act, plk, errs, usr sql.NullString
		recipient                               string
		sent                                    sql.NullInt64
		created                                 int64
	)
	if err := row.Scan(&m.ID, &inv, &pay, &ord, &crn, &recipient, &m.Subject, &m.Message, &act, &plk, &m.Status, &errs, &sent, &usr, &m.TestMode, &created); err != nil {
		return nil, err
	}
	m.Invoice, m.Payment, m.Order, m.CreditNote, m.Action, m.PaymentLink, m.Error, m.User = ns(inv), ns(pay), ns(ord), ns(crn), ns(act), ns(plk), ns(errs), ns(usr)
	if err := json.Unmarshal([]byte(recipient), &m.Recipient); err != nil {
		return nil, err
	}
	if sent.Valid {
		s := sent.Int64
		m.Sent = clock.NullStamp{Micros: &s, Loc: sc.Loc}
	} else {
		m.Sent = clock.NullStamp{Loc: sc.Loc}
	}
	m.Created = clock.Stamp{Micros: created, Loc: sc.Loc}
	return &m, nil
}

func ns(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

// Get returns a message of the scope.
func Get(ctx context.Context, q store.Querier, sc workspace.Scope, msgID string) (*Message, error) {
	if !id.Valid("rem", msgID) {
		return nil, apperr.NotFoundErr()
	}
	m, err := scan(sc, q.QueryRowContext(ctx, `SELECT `+columns+` FROM reminders WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, msgID, sc.ID, sc.TestMode))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	return m, err
}

// ListSpec declares the reminder list.
var ListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "invoice", Expr: "invoice_id", Lookups: []string{list.IsNull}},
		{Name: "payment", Expr: "payment_id", Lookups: []string{list.IsNull}},
		{Name: "order", Expr: "order_id", Lookups: []string{list.IsNull}},
		{Name: "credit_note", Expr: "credit_note_id", Lookups: []string{list.IsNull}},
		{Name: "status", Expr: "status", Kind: list.Enum, Choices: []string{"queued", "sent", "failed", "skipped"}, Lookups: []string{list.In}},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created"},
	DefaultOrdering: "-created",
	Search:          []string{"subject", "CAST(recipient AS TEXT)"},
}

// List returns one page of messages.
func List(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Message, error) {
	n, out, err := list.Fetch(ctx, q, lq, columns, ` FROM reminders WHERE workspace_id = $1 AND test_mode = $2`, []any{sc.ID, sc.TestMode}, func(row list.Scanner) (*Message, error) { return scan(sc, row) })
	if err != nil {
		return 0, nil, err
	}
	return n, out, nil
}

// targets are the document fields a message may name, with their kinds.
var targets = []struct {
	field string
	kind  *document.Kind
}{{"invoice", document.Invoice}, {"order", document.Order}, {"credit_note", document.CreditNote}}

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

// Create validates and records a message, and queues its email. base is
// the public URL the pay action's link lives under.
func (svc *Service) Create(e document.Env, base string, o *input.Object) (*Message, error) {
	named := 0
	for _, f := range []string{"invoice", "payment", "order", "credit_note"} {
		if v, ok := o.Raw(f); ok && v != nil {
			named++
		}
	}
	var (
		doc   *document.Doc
		field string
	)
	for _, t := range targets {
		if v, ok := o.Ref(t.field, false, true, func(s string) bool { return id.Valid(t.kind.Prefix, s) }); ok && v != nil {
			d, err := document.Get(e, t.kind, *v)
			if err != nil {
				o.Fail(t.field, input.MsgPK(*v))
				continue
			}
			doc, field = d, t.field
		}
	}
	var pay *payment.Payment
	if v, ok := o.Ref("payment", false, true, func(s string) bool { return id.Valid("pay", s) }); ok && v != nil {
		p, err := payment.GetPayment(e, *v)
		if err != nil {
			o.Fail("payment", input.MsgPK(*v))
		} else {
			pay, field = p, "payment"
		}
	}
	recipients := readRecipients(o)
	subject, _ := o.String("subject", input.StrOpt{Max: 150})
	message, _ := o.String("message", input.StrOpt{Required: true, Max: 5000})
	action, actionOK := "", false
	if raw, ok := o.Raw("action"); ok && raw != nil {
		action, actionOK = o.Choice("action", false, "pay")
	}
	if !o.OK() {
		return nil, o.Err()
	}
	if named != 1 {
		return nil, apperr.NonField("Give exactly one of invoice, payment, order or credit_note.")
	}
	if actionOK && action == "pay" {
		if field != "invoice" {
			return nil, apperr.Field("action", "The pay action requires an invoice.")
		}
		if (doc.Status != document.StatusFinalized && doc.Status != document.StatusUncollectible) || doc.TotalAdjusted == nil || !doc.TotalAdjusted.IsPositive() {
			return nil, apperr.Field("action", "The invoice has nothing left to pay.")
		}
	}
	var linkID any
	if actionOK && action == "pay" {
		// the Pay button: a single-use link bound to the invoice, for what
		// is left to pay (docs/payments.md#4-payment-links)
		outstanding := doc.TotalAdjusted.Sub(decimal.NewFromInt(doc.CollectedCents).Shift(-2))
		if !outstanding.IsPositive() {
			return nil, apperr.Field("action", "The invoice has nothing left to pay.")
		}
		name := doc.Type().Name
		if doc.Number != nil {
			name += " N° " + strconv.FormatInt(*doc.Number, 10)
		}
		l, err := paylink.CreateLink(paylink.Env{Env: e, Base: base}, input.New(map[string]any{"invoice": doc.ID, "amount": outstanding,
			"currency": doc.Currency, "document": doc.TypeID, "single_use": true, "description": truncate(name, 80)}, false))
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
			return nil, apperr.Field("action", "A payment link cannot be created for this invoice: "+ae.Message(""))
		}
		if err != nil {
			return nil, err
		}
		linkID = l.ID
	}
	if pay != nil && subject == nil {
		s := "Payment " + pay.ID
		if pay.Description != "" {
			s = truncate(pay.Description, 150)
		}
		subject = &s
	}
	if subject == nil {
		t := doc.Type()
		s := t.Name
		if doc.Number != nil {
			s += " N° " + strconv.FormatInt(*doc.Number, 10)
		}
		subject = &s
	}
	m := map[string]*string{}
	if pay != nil {
		m[field] = &pay.ID
	} else {
		m[field] = &doc.ID
	}
	rid := id.New("rem")
	var user any
	if e.Scope.UserEmail != "" {
		user = e.Scope.UserEmail
	}
	var act any
	if actionOK {
		act = action
	}
	status := "skipped"
	if svc != nil && svc.Mail != nil && !e.Scope.TestMode {
		status = "queued"
	}
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO reminders (id, workspace_id, test_mode, invoice_id, payment_id, order_id, credit_note_id, recipient, subject, message, action, payment_link_id, status, error, sent, user_email, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL, $14, $15)`,
		rid, e.Scope.ID, e.Scope.TestMode, m["invoice"], m["payment"], m["order"], m["credit_note"], input.CanonicalJSON(recipients), *subject, *message, act, linkID,
		status, user, e.Now.UnixMicro()); err != nil {
		return nil, err
	}
	if status == "queued" {
		if err := svc.Mail.EnqueueReminder(e.Ctx, e.Q, e.Scope, rid, e.Now); err != nil {
			return nil, err
		}
	}
	if err := event.Emit(e.Ctx, e.Q, e.Scope, "reminder.created", rid, e.Now); err != nil {
		return nil, err
	}
	return Get(e.Ctx, e.Q, e.Scope, rid)
}

func readRecipients(o *input.Object) []string {
	raw, ok := o.List("recipient", true)
	if !ok {
		return nil
	}
	if len(raw) == 0 {
		o.Fail("recipient", input.MsgEmptyList)
		return nil
	}
	if len(raw) > 10 {
		o.Fail("recipient", "Ensure this field has no more than 10 elements.")
		return nil
	}
	errs := map[string]any{}
	out := make([]string, 0, len(raw))
	for i, v := range raw {
		s, isStr := v.(string)
		if !isStr || !input.ValidEmail(s) {
			errs[strconv.Itoa(i)] = []string{input.MsgEmail}
			continue
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		o.FailNested("recipient", errs)
		return nil
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// Delivered records the outcome of a reminder's email: sent, or failed
// with its error (never a secret: SMTP errors carry no password).
func Delivered(ctx context.Context, q store.Querier, reminderID string, sendErr error, now time.Time) error {
	if sendErr == nil {
		_, err := q.ExecContext(ctx, `UPDATE reminders SET status = 'sent', error = NULL, sent = $2 WHERE id = $1`, reminderID, now.UnixMicro())
		return err
	}
	msg := sendErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := q.ExecContext(ctx, `UPDATE reminders SET status = 'failed', error = $2 WHERE id = $1`, reminderID, msg)
	return err
}
