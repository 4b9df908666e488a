package subscription

import (
	"context"
	"database/sql"
	"time"

	"github.com/cobrobilling/cobro/internal/workspace"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/store"
)

// MsgCancelFirst refuses archiving a customer with live subscriptions
// (docs/billing.md#15-delete).
const MsgCancelFirst = "Cancel the customer's subscriptions before archiving it."

// References of customers and orgunits by subscriptions (customer.Deps):
// a customer with subscriptions is archived, not destroyed; an orgunit a
// subscription bills cannot be deleted.
const (
	ReferencesCustomer = `SELECT 1 FROM subscriptions WHERE customer_id = $1`
	ReferencesOrgunit  = `SELECT 1 FROM subscriptions WHERE orgunit_id = $1`
)

// CustomerListField is the customer list's `subscriptions` filter
// (docs/billing.md#16-list: a sub_ id; __isnull).
var CustomerListField = list.Field{Name: "subscriptions", Expr: "(SELECT MIN(s.id) FROM subscriptions s WHERE s.customer_id = customers.id)",
	Cond: "EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = customers.id AND s.id = {})", Lookups: []string{list.IsNull}}

// ArchiveRule is the customer.ArchiveCheck of subscriptions: a customer
// with live subscriptions cannot be archived (docs/billing.md#15-delete).
type ArchiveRule struct{}

// CheckArchivable refuses a customer with live subscriptions.
func (ArchiveRule) CheckArchivable(ctx context.Context, q store.Querier, customerID string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE customer_id = $1 AND status IN ('active', 'paused', 'needs_attention')`, customerID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.NonField(MsgCancelFirst)
	}
	return nil
}

// InvoiceSettled (document.InvoiceSettler) resolves a post-invoice
// attention (biller_issue, gateway_issue) when its invoice becomes
// finalized or paid by other means: back to active, or finalized when no
// run is left.
func (svc *Service) InvoiceSettled(de document.Env, d *document.Doc) error {
	e := env{ctx: de.Ctx, q: de.Q, d: de.D, sc: de.Scope, now: de.Now, us: de.Now.UnixMicro(), svc: svc}
	// the common case (a run finalizing its own invoice) costs one probe
	var waiting int
	if err := e.q.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM subscriptions WHERE id = $1 AND attention_invoice = $2`, *d.SubscriptionID, d.ID).Scan(&waiting); err != nil || waiting == 0 {
		return err
	}
	s, err := get(e.ctx, e.q, e.sc, *d.SubscriptionID, e.d.ForUpdate())
	if err != nil {
		return err
	}
	if err := e.dunningSettled(d.ID, s.ID); err != nil {
		return err
	}
	if s.Status != StatusNeedsAttention || s.AttentionInvoice == nil || *s.AttentionInvoice != d.ID {
		return nil
	}
	s.clearAttention()
	s.Updated = e.us
	name := "subscription.resumed"
	if s.NextBilling == nil {
		s.Status, name = StatusFinalized, "subscription.finalized"
	}
	if err := save(e.ctx, e.q, e.sc, s, false, nil); err != nil {
		return err
	}
	return e.emit(name, s.ID)
}

// DocumentRejected (clsii.Rejections): the agency rejected a run's invoice
// after the run (asynchronous answer): its subscription needs attention
// (biller_issue).
func (svc *Service) DocumentRejected(ctx context.Context, q store.Querier, sc workspace.Scope, docID string, now time.Time) error {
	var subID sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT subscription_id FROM documents WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`, docID, sc.ID, sc.TestMode).Scan(&subID); err != nil || !subID.Valid {
		return err
	}
	// one targeted update (no read-modify-write of the whole row: a run may
	// be advancing the schedule at the same time)
	res, err := q.ExecContext(ctx, `UPDATE subscriptions SET status = $2, needs_attention = $3, needs_attention_reason = $4, status_description = $5,
		attention_invoice = $6, updated = $3 WHERE id = $1 AND status = 'active'`,
		subID.String, StatusNeedsAttention, now.UnixMicro(), ReasonBiller, "The tax agency rejected invoice "+docID+".", docID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // paused, cancelled, finalized or already needing attention
	}
	return event.Emit(ctx, q, sc, "subscription.needs_attention", subID.String, now)
}
