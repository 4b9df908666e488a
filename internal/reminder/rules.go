package reminder

import (
	"context"
	"database/sql"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Rule is a reminder rule (docs/documents.md#6-reminder-rules): an email
// about each unpaid invoice, Days from its due date.
type Rule struct {
	ID       string      `json:"id"`
	Days     int         `json:"days"`
	Channel  string      `json:"channel"`
	Action   string      `json:"action"`
	Subject  *string     `json:"subject"`
	Message  *string     `json:"message"`
	Active   bool        `json:"active"`
	TestMode bool        `json:"test_mode"`
	Created  clock.Stamp `json:"created"`
	Updated  clock.Stamp `json:"updated"`
}

// Rule limits and choices.
const (
	MaxRuleDays = 365
	// CatchUpDays is how late a rule still sends: a scheduler that was
	// down catches up, a rule created today does not remind of invoices
	// long overdue.
	CatchUpDays = 7
)

var (
	RuleChannels = []string{"email"}
	RuleActions  = []string{"none", "pay"}
)

var rulesTable = rows.Table{Name: "reminder_rules", Prefix: "rmr", Columns: ruleColumns}

const ruleColumns = `id, days, channel, action, subject, message, active, test_mode, created, updated`

func scanRule(sc workspace.Scope, row interface{ Scan(...any) error }) (*Rule, error) {
	var (
		r                Rule
		subject, message sql.NullString
		created, updated int64
	)
	if err := row.Scan(&r.ID, &r.Days, &r.Channel, &r.Action, &subject, &message, &r.Active, &r.TestMode, &created, &updated); err != nil {
		return nil, err
	}
	r.Subject, r.Message = rows.Text(subject), rows.Text(message)
	r.Created, r.Updated = clock.Stamp{Micros: created, Loc: sc.Loc}, clock.Stamp{Micros: updated, Loc: sc.Loc}
	return &r, nil
}

// GetRule returns a rule of the scope.
func GetRule(ctx context.Context, q store.Querier, sc workspace.Scope, ruleID string) (*Rule, error) {
	return rows.Get(ctx, q, sc, rulesTable, ruleID, "", func(r list.Scanner) (*Rule, error) { return scanRule(sc, r) })
}

// RuleListSpec declares the rule list.
var RuleListSpec = list.Spec{
	Fields: []list.Field{
		{Name: "active", Expr: "active", Kind: list.Bool},
		{Name: "days", Expr: "days", Kind: list.Int, Lookups: list.Ranges},
		{Name: "created", Expr: "created", Kind: list.DateTime, Lookups: list.Ranges},
	},
	Ordering:        map[string]string{"created": "created", "days": "days"},
	DefaultOrdering: "days",
}

// ListRules returns one page of rules.
func ListRules(ctx context.Context, q store.Querier, sc workspace.Scope, lq *list.Query) (int, []*Rule, error) {
	return rows.List(ctx, q, sc, rulesTable, lq, func(row list.Scanner) (*Rule, error) { return scanRule(sc, row) })
}

// RuleParams is the command that creates or updates a rule, decoded at the
// HTTP edge; nil fields are left as they are (defaults on create).
type RuleParams struct {
	Days             *int
	Channel, Action  *string
	Subject, Message **string
	Active           *bool
}

// CreateRule records a rule.
func CreateRule(e document.Env, c RuleParams) (*Rule, error) {
	if c.Days == nil {
		return nil, apperr.Field("days", "This field is required.")
	}
	r := Rule{ID: id.New("rmr"), Channel: "email", Action: "none", Active: true}
	c.apply(&r)
	if _, err := e.Q.ExecContext(e.Ctx, `INSERT INTO reminder_rules (id, workspace_id, test_mode, days, channel, action, subject, message, active, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		r.ID, e.Scope.ID, e.Scope.TestMode, r.Days, r.Channel, r.Action, nullable(r.Subject), nullable(r.Message), r.Active, e.Now.UnixMicro()); err != nil {
		return nil, err
	}
	return GetRule(e.Ctx, e.Q, e.Scope, r.ID)
}

// UpdateRule changes the given fields of a rule.
func UpdateRule(e document.Env, ruleID string, c RuleParams) (*Rule, error) {
	r, err := rows.Get(e.Ctx, e.Q, e.Scope, rulesTable, ruleID, rows.Lock(e.D, true), func(row list.Scanner) (*Rule, error) { return scanRule(e.Scope, row) })
	if err != nil {
		return nil, err
	}
	c.apply(r)
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE reminder_rules SET days = $1, channel = $2, action = $3, subject = $4, message = $5, active = $6, updated = $7
		WHERE id = $8 AND workspace_id = $9 AND test_mode = $10`,
		r.Days, r.Channel, r.Action, nullable(r.Subject), nullable(r.Message), r.Active, e.Now.UnixMicro(), r.ID, e.Scope.ID, e.Scope.TestMode); err != nil {
		return nil, err
	}
	return GetRule(e.Ctx, e.Q, e.Scope, r.ID)
}

// DeleteRule deletes a rule; the messages it sent stay.
func DeleteRule(e document.Env, ruleID string) error {
	r, err := GetRule(e.Ctx, e.Q, e.Scope, ruleID)
	if err != nil {
		return err
	}
	_, err = e.Q.ExecContext(e.Ctx, `DELETE FROM reminder_rules WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, r.ID, e.Scope.ID, e.Scope.TestMode)
	return err
}

func (c RuleParams) apply(r *Rule) {
	if c.Days != nil {
		r.Days = *c.Days
	}
	if c.Channel != nil {
		r.Channel = *c.Channel
	}
	if c.Action != nil {
		r.Action = *c.Action
	}
	if c.Subject != nil {
		r.Subject = *c.Subject
	}
	if c.Message != nil {
		r.Message = *c.Message
	}
	if c.Active != nil {
		r.Active = *c.Active
	}
}

// RuleMailer emails one reminder of a rule about an invoice, once
// (the emails work: mail.Outbox).
type RuleMailer interface {
	RemindInvoice(e document.Env, d *document.Doc, r *Rule) error
}

// RuleScheduler sends the reminders of the rules that fell due.
type RuleScheduler struct {
	DB   *store.DB
	Mail RuleMailer
	Deps document.Deps
}

// SendDue emails, for every active rule, each finalized invoice whose due
// date plus the rule's days is between CatchUpDays ago and today (the
// workspace's today). Any number of schedulers may run it at once: each
// email is recorded once per rule and invoice (docs/documents.md#6-reminder-rules).
// It returns how many invoices it looked at.
func (s *RuleScheduler) SendDue(ctx context.Context, now time.Time) (int, error) {
	type ruleRef struct {
		workspaceID string
		testMode    bool
		ruleID      string
	}
	refs, err := store.Collect(ctx, s.DB, func(r store.Scanner) (ref ruleRef, err error) {
		return ref, r.Scan(&ref.workspaceID, &ref.testMode, &ref.ruleID)
	}, `SELECT workspace_id, test_mode, id FROM reminder_rules WHERE active = $1 ORDER BY workspace_id, id`, true)
	if err != nil {
		return 0, err
	}
	seen := 0
	for _, ref := range refs {
		ws, err := workspace.ByID(ctx, s.DB, ref.workspaceID)
		if err != nil {
			return seen, err
		}
		n, err := s.sendRule(ctx, workspace.Scope{Workspace: ws, TestMode: ref.testMode}, ref.ruleID, now)
		seen += n
		if err != nil {
			return seen, err
		}
	}
	return seen, nil
}

// sendRule emails a rule's due invoices, one transaction each.
func (s *RuleScheduler) sendRule(ctx context.Context, sc workspace.Scope, ruleID string, now time.Time) (int, error) {
	rule, err := GetRule(ctx, s.DB, sc, ruleID)
	if err != nil {
		return 0, err
	}
	today := now.In(sc.Loc)
	from := today.AddDate(0, 0, -CatchUpDays-rule.Days).Format(time.DateOnly)
	to := today.AddDate(0, 0, -rule.Days).Format(time.DateOnly)
	ids, err := store.Strings(ctx, s.DB, `SELECT id FROM documents WHERE workspace_id = $1 AND test_mode = $2 AND kind = $3 AND status = $4
		AND due_date >= $5 AND due_date <= $6 ORDER BY due_date, id`, sc.ID, sc.TestMode, document.Invoice.Name, document.StatusFinalized, from, to)
	if err != nil {
		return 0, err
	}
	for _, invoiceID := range ids {
		err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
			e := document.Env{Ctx: ctx, Q: tx, D: s.DB.Dialect, Scope: sc, Now: now, Deps: s.Deps}
			d, err := document.Get(e, document.Invoice, invoiceID)
			if err != nil || d.Status != document.StatusFinalized {
				return err // paid or voided meanwhile: no reminder
			}
			return s.Mail.RemindInvoice(e, d, rule)
		})
		if err != nil {
			return len(ids), err
		}
	}
	return len(ids), nil
}
