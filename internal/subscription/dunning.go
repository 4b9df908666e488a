package subscription

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// DunningJob is the job kind of a scheduled retry of a failed automatic
// charge (docs/billing.md#813-dunning).
const DunningJob = "dunning.retry"

// Dunning statuses.
const (
	DunningRetrying  = "retrying"
	DunningRecovered = "recovered"
	DunningExhausted = "exhausted"
	DunningStopped   = "stopped"
)

// DunningPayments retries and writes off the invoices of failed charges.
type DunningPayments interface {
	// RetryInvoice charges the pending invoice's failed payment again
	// against sourceID: true when it succeeded (the invoice is paid).
	RetryInvoice(e document.Env, invoiceID, sourceID string) (bool, error)
	// WriteOffInvoice cancels the invoice's failed payments, finalizes it
	// and marks it uncollectible.
	WriteOffInvoice(e document.Env, invoiceID string) error
}

// DunningMailer queues the email of a dunning step (0 = the failed charge
// of the run, n = the n-th failed retry) in e's transaction.
type DunningMailer interface {
	EnqueueDunning(e document.Env, dunningID string, step int) error
}

// Dunning is the retry state of one invoice whose automatic charge failed.
type Dunning struct {
	ID, SubscriptionID, InvoiceID, CustomerID string
	Status                                    string
	Retries                                   int // retries done
	RetryDays                                 []int
	FinalAction                               string
	NextRetry                                 *int64
	// Started is the failed charge's time in the subscription's time, from
	// which the retry days count.
	Started int64
}

type dunningPayload struct {
	Dunning string `json:"dunning"`
	Retry   int    `json:"retry"` // 1-based
}

// startDunning schedules the retries of a run invoice whose charge failed
// (docs/billing.md#813-dunning) with the workspace's current schedule, and
// emails the customer; in the run's transaction. One dunning per invoice.
// The days count from the subscription's now: a test clock's retries run
// when the clock is advanced past them (Advance), not by the job runner.
func (e env) startDunning(s *Sub, invoiceID string) error {
	st, err := LoadCollectionSettings(e.ctx, e.q, e.sc.ID)
	if err != nil {
		return err
	}
	days, _ := json.Marshal(st.RetryDays)
	dunID := id.New("dun")
	start := e.now
	next := retryAt(start, st.RetryDays[0])
	res, err := e.q.ExecContext(e.ctx, `INSERT INTO dunnings (id, workspace_id, test_mode, subscription_id, invoice_id, customer_id, status, retries, retry_days, final_action, next_retry, started, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $12) ON CONFLICT (invoice_id) DO NOTHING`,
		dunID, e.sc.ID, e.sc.TestMode, s.ID, invoiceID, s.CustomerID, DunningRetrying, string(days), st.FinalAction, next.UnixMicro(), start.UnixMicro(), e.us)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if err := e.scheduleRetry(s, dunID, 1, next); err != nil {
		return err
	}
	if m := e.svc.dunningMailer(); m != nil {
		if err := m.EnqueueDunning(e.doc(), dunID, 0); err != nil {
			return err
		}
	}
	return e.emit("subscription.dunning_started", s.ID)
}

// scheduleRetry queues retry n of a dunning at `at`; a test clock's are
// run by Advance instead.
func (e env) scheduleRetry(s *Sub, dunID string, n int, at time.Time) error {
	if s.TestClockID != nil {
		return nil
	}
	return jobs.Enqueue(e.ctx, e.q, DunningJob, retryKey(dunID, n), dunningPayload{Dunning: dunID, Retry: n}, at, time.UnixMicro(e.us))
}

func retryKey(dunID string, retry int) string {
	return "dunning:" + dunID + ":" + itoa(retry)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// retryAt is the time of a retry `day` days after the failed charge.
func retryAt(start time.Time, day int) time.Time {
	return start.Add(time.Duration(day) * 24 * time.Hour)
}

// getDunning reads one dunning of the scope (lock: the dialect's FOR UPDATE).
func getDunning(ctx context.Context, q store.Querier, sc workspace.Scope, dunID, lock string) (*Dunning, error) {
	var (
		d    Dunning
		days string
		next sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `SELECT id, subscription_id, invoice_id, customer_id, status, retries, retry_days, final_action, next_retry, COALESCE(started, created)
		FROM dunnings WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`+lock, dunID, sc.ID, sc.TestMode).
		Scan(&d.ID, &d.SubscriptionID, &d.InvoiceID, &d.CustomerID, &d.Status, &d.Retries, &days, &d.FinalAction, &next, &d.Started)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	if err != nil {
		return nil, err
	}
	if next.Valid {
		d.NextRetry = &next.Int64
	}
	return &d, json.Unmarshal([]byte(days), &d.RetryDays)
}

// DunningWorker runs the scheduled retries: the handler of DunningJob on
// the job runner.
type DunningWorker struct {
	DB     *store.DB
	Svc    *Service
	Clock  clock.Clock
	Logger *slog.Logger
}

// Kind is the job kind of retries for the runner.
func (w *DunningWorker) Kind() jobs.Kind {
	return jobs.Kind{Name: DunningJob, Handle: w.handle, Poll: 30 * time.Second, Lease: 2 * time.Minute, RetryAfter: 5 * time.Minute}
}

// handle runs one retry in one transaction with the dunning row locked:
// a job whose retry was already done (another node, a crash after the
// commit) finds the counter past it and does nothing.
func (w *DunningWorker) handle(ctx context.Context, j jobs.Job) error {
	var p dunningPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Dunning == "" {
		return jobs.Complete(ctx, w.DB, j.ID)
	}
	var wsID string
	var testMode bool
	err := w.DB.QueryRowContext(ctx, `SELECT workspace_id, test_mode FROM dunnings WHERE id = $1`, p.Dunning).Scan(&wsID, &testMode)
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Complete(ctx, w.DB, j.ID)
	}
	if err != nil {
		return err
	}
	ws, err := workspace.ByID(ctx, w.DB, wsID)
	if err != nil {
		return err
	}
	sc := workspace.Scope{Workspace: ws, TestMode: testMode}
	return w.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := w.Svc.retry(ctx, tx, w.DB.Dialect, sc, p, w.Clock.Now(), false); err != nil {
			return err
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}

// retry is one scheduled retry (docs/billing.md#813-dunning), at the
// subscription's now; byClock: Advance runs it (a test clock's retry),
// else the job runner, which leaves test clocks' retries alone.
func (svc *Service) retry(ctx context.Context, q store.Querier, dl store.Dialect, sc workspace.Scope, p dunningPayload, now time.Time, byClock bool) error {
	dn, err := getDunning(ctx, q, sc, p.Dunning, dl.ForUpdate())
	if err != nil || dn.Status != DunningRetrying || dn.Retries+1 != p.Retry {
		return ignoreNotFound(err)
	}
	e, s, err := svc.open(ctx, q, dl, sc, dn.SubscriptionID, now)
	if err != nil || (s.TestClockID != nil) != byClock {
		return err
	}
	inv, err := document.Get(e.doc(), document.Invoice, dn.InvoiceID)
	if err != nil {
		return err
	}
	switch {
	case inv.Status != document.StatusPending: // paid, or settled by hand
		return e.endDunning(dn, DunningRecovered, s.ID)
	case s.Status == StatusCancelled || s.Status == StatusFinalized && s.AttentionInvoice == nil:
		return e.endDunning(dn, DunningStopped, "")
	}
	paid, err := e.chargeAgain(s, dn.InvoiceID)
	if err != nil {
		return err
	}
	if paid {
		return e.endDunning(dn, DunningRecovered, s.ID)
	}
	return e.retryFailed(s, dn)
}

func ignoreNotFound(err error) error {
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return nil
	}
	return err
}

// chargeAgain retries the invoice against the subscription's current
// default_source, in a savepoint: a source that can no longer pay is a
// failed retry, not an error.
func (e env) chargeAgain(s *Sub, invoiceID string) (bool, error) {
	pay := e.svc.dunningPayments()
	if pay == nil || s.DefaultSource == nil {
		return false, nil
	}
	if _, err := e.q.ExecContext(e.ctx, `SAVEPOINT dunning_retry`); err != nil {
		return false, err
	}
	paid, err := pay.RetryInvoice(e.doc(), invoiceID, *s.DefaultSource)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		if _, err := e.q.ExecContext(e.ctx, `ROLLBACK TO SAVEPOINT dunning_retry`); err != nil {
			return false, err
		}
		paid, err = false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = e.q.ExecContext(e.ctx, `RELEASE SAVEPOINT dunning_retry`)
	return paid, err
}

// retryFailed counts a failed retry: the customer is emailed, and the next
// retry is scheduled or, after the last, the final action applies.
func (e env) retryFailed(s *Sub, dn *Dunning) error {
	dn.Retries++
	if m := e.svc.dunningMailer(); m != nil {
		if err := m.EnqueueDunning(e.doc(), dn.ID, dn.Retries); err != nil {
			return err
		}
	}
	if dn.Retries < len(dn.RetryDays) {
		next := retryAt(time.UnixMicro(dn.Started), dn.RetryDays[dn.Retries])
		if _, err := e.q.ExecContext(e.ctx, `UPDATE dunnings SET retries = $2, next_retry = $3, updated = $4 WHERE id = $1`, dn.ID, dn.Retries, next.UnixMicro(), e.us); err != nil {
			return err
		}
		if err := e.scheduleRetry(s, dn.ID, dn.Retries+1, next); err != nil {
			return err
		}
		return e.emit("subscription.dunning_retry_failed", s.ID)
	}
	if _, err := e.q.ExecContext(e.ctx, `UPDATE dunnings SET retries = $2, status = $3, next_retry = NULL, updated = $4 WHERE id = $1`, dn.ID, dn.Retries, DunningExhausted, e.us); err != nil {
		return err
	}
	if err := e.emit("subscription.dunning_exhausted", s.ID); err != nil {
		return err
	}
	return e.finalAction(s, dn)
}

// finalAction applies the workspace's choice after the last failed retry.
func (e env) finalAction(s *Sub, dn *Dunning) error {
	switch dn.FinalAction {
	case FinalCancel:
		if s.Status != StatusActive && s.Status != StatusPaused && s.Status != StatusNeedsAttention {
			return nil
		}
		reason, desc := "not_paid", "Every payment retry of invoice "+dn.InvoiceID+" failed."
		_, err := e.svc.Cancel(e.ctx, e.q, e.d, e.sc, s.ID, StatusChange{Reason: &reason, Description: &desc}, time.UnixMicro(e.us))
		return err
	case FinalUncollectible:
		return e.writeOff(s, dn)
	default:
		if s.Status != StatusNeedsAttention {
			return nil
		}
		detail := "Every payment retry of invoice " + dn.InvoiceID + " failed."
		s.StatusDescription, s.Updated = &detail, e.us
		if err := save(e.ctx, e.q, e.sc, s, false, nil); err != nil {
			return err
		}
		return e.emit("subscription.updated", s.ID)
	}
}

// writeOff marks the invoice uncollectible, in a savepoint: when the
// invoice cannot be finalized (its tax agency refuses it) the subscription
// is left needing attention, saying why.
func (e env) writeOff(s *Sub, dn *Dunning) error {
	pay := e.svc.dunningPayments()
	if pay == nil {
		return nil
	}
	if _, err := e.q.ExecContext(e.ctx, `SAVEPOINT dunning_write_off`); err != nil {
		return err
	}
	err := pay.WriteOffInvoice(e.doc(), dn.InvoiceID)
	ae, invalid := apperr.As(err)
	if err != nil && !(invalid && ae.Kind == apperr.Invalid) {
		return err
	}
	if err == nil {
		_, err = e.q.ExecContext(e.ctx, `RELEASE SAVEPOINT dunning_write_off`)
		return err
	}
	if _, err := e.q.ExecContext(e.ctx, `ROLLBACK TO SAVEPOINT dunning_write_off`); err != nil {
		return err
	}
	detail := "Every payment retry of invoice " + dn.InvoiceID + " failed and it could not be marked uncollectible: " + ae.Message("")
	if len(detail) > 512 {
		detail = detail[:509] + "..."
	}
	s.StatusDescription, s.Updated = &detail, e.us
	if err := save(e.ctx, e.q, e.sc, s, false, nil); err != nil {
		return err
	}
	return e.emit("subscription.updated", s.ID)
}

// endDunning closes a dunning; recovered ones emit
// subscription.dunning_recovered.
func (e env) endDunning(dn *Dunning, status, subID string) error {
	res, err := e.q.ExecContext(e.ctx, `UPDATE dunnings SET status = $2, next_retry = NULL, updated = $3 WHERE id = $1 AND status = $4`, dn.ID, status, e.us, DunningRetrying)
	if err != nil {
		return err
	}
	// a paid invoice may have closed it already (dunningSettled)
	if n, _ := res.RowsAffected(); n > 0 && status == DunningRecovered && subID != "" {
		return e.emit("subscription.dunning_recovered", subID)
	}
	return nil
}

// dunningSettled closes the dunning of an invoice paid by other means (a
// portal payment, a new card, POST …/pay/): no further retry runs.
func (e env) dunningSettled(invoiceID, subID string) error {
	res, err := e.q.ExecContext(e.ctx, `UPDATE dunnings SET status = $2, next_retry = NULL, updated = $3 WHERE invoice_id = $1 AND status = $4`,
		invoiceID, DunningRecovered, e.us, DunningRetrying)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return event.Emit(e.ctx, e.q, e.sc, "subscription.dunning_recovered", subID, time.UnixMicro(e.us))
	}
	return nil
}

func (svc *Service) dunningPayments() DunningPayments {
	if svc == nil {
		return nil
	}
	return svc.Deps.Retries
}

func (svc *Service) dunningMailer() DunningMailer {
	if svc == nil {
		return nil
	}
	return svc.Deps.DunningMail
}
