package payment

import (
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/shopspring/decimal"
)

// What a processor's callback did, kept with the event (gateway_events.result)
// for the merchant's inspection (docs/payments.md#17-stripe).
const (
	notedSource         = "source_settled"
	notedSucceeded      = "payment_succeeded"
	notedHeld           = "payment_authorized"
	notedFailed         = "payment_failed"
	notedAmountMismatch = "amount_mismatch"
	notedRefund         = "refund_recorded"
	notedRefundDone     = "refund_succeeded"
	notedRefundReverted = "refund_reverted"
	notedRefundCapped   = "refund_exceeds_captured"
)

// Notified acts on a processor's verified callback (a Stripe webhook,
// docs/payments.md#17-stripe) once: an event id seen before changes
// nothing (processors resend until acknowledged). A charge event settles
// the source waiting on its payer (3-D Secure) or the payment left
// processing by the operation it names; a refund event records or
// settles the refunds it reports. duplicate reports an event already
// handled.
func Notified(e Env, gatewayID string, n *gateway.Notification) (duplicate bool, err error) {
	res, err := e.Q.ExecContext(e.Ctx, `INSERT INTO gateway_events (workspace_id, test_mode, gateway, event_id, reference, kind, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		e.Scope.ID, e.Scope.TestMode, gatewayID, n.ID, n.Reference, n.Kind, e.Now.UnixMicro())
	if err != nil {
		return false, err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return true, err
	}
	var result string
	switch {
	case n.Reference == "":
	case n.Kind == "charge":
		result, err = chargeNotified(e, gatewayID, n)
	case n.Kind == "refund":
		result, err = refundsNotified(e, n)
	}
	if err != nil || result == "" {
		return false, err
	}
	_, err = e.Q.ExecContext(e.Ctx, `UPDATE gateway_events SET result = $1 WHERE workspace_id = $2 AND test_mode = $3 AND gateway = $4 AND event_id = $5`,
		result, e.Scope.ID, e.Scope.TestMode, gatewayID, n.ID)
	return false, err
}

// chargeNotified settles what a decided charge event names: a source
// waiting on its payer is settled as if the payer had come back (the
// gateway reads the result from the processor), a payment processing on
// the operation is concluded from the event.
func chargeNotified(e Env, gatewayID string, n *gateway.Notification) (string, error) {
	if n.Outcome.Status == gateway.Pending {
		return "", nil
	}
	var sourceID string
	err := e.Q.QueryRowContext(e.Ctx, `SELECT id FROM sources WHERE workspace_id = $1 AND test_mode = $2 AND gateway_token = $3 AND gateway = $4
		AND status IN ($5, $6)`+e.D.ForUpdate(),
		e.Scope.ID, e.Scope.TestMode, n.Reference, gatewayID, SourceRequiresAuthorization, SourceWaitingAuthorization).Scan(&sourceID)
	if err == nil {
		_, err = SourceReturned(e, gatewayID, sourceID, nil)
		return notedSource, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if note, err := settleProcessing(e, n); note != "" || err != nil {
		return note, err
	}
	return settlePendingSource(e, gatewayID, n)
}

// settlePendingSource hands the decided result of a charge left pending on
// a single-use source (a payment link's intent) to its listener, which
// checks the signed event's amount and currency against what it charged.
func settlePendingSource(e Env, gatewayID string, n *gateway.Notification) (string, error) {
	var sourceID string
	err := e.Q.QueryRowContext(e.Ctx, `SELECT id FROM sources WHERE workspace_id = $1 AND test_mode = $2 AND gateway_token = $3
		AND gateway = $4 AND usage = 'single'`, e.Scope.ID, e.Scope.TestMode, n.Reference, gatewayID).Scan(&sourceID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	r := document.SourceResult{Approved: n.Outcome.Status == gateway.Succeeded, Captured: n.Captured, Reference: n.Reference,
		FailedReason: n.Outcome.FailedReason, Amount: n.Amount, Currency: n.Currency}
	handled, err := e.Deps.Sources.SourceSettled(e, sourceID, r)
	switch {
	case errors.Is(err, document.ErrResultMismatch):
		return notedAmountMismatch, nil
	case err != nil || !handled:
		return "", err
	case r.Approved:
		return notedSucceeded, nil
	}
	return notedFailed, nil
}

// settleProcessing concludes a payment held in processing by the pending
// authorization the event names. The payment row is locked and the
// authorization must still be pending, so a synchronous capture or a
// resent event running at the same time makes no second transition.
func settleProcessing(e Env, n *gateway.Notification) (string, error) {
	var lineID, sourceID string
	p, err := lockNamedPayment(e, `SELECT payment_id, id, source_id FROM payment_charges WHERE workspace_id = $1 AND test_mode = $2
		AND gateway_ref = $3 AND kind = 'authorize' AND status = $4 ORDER BY created DESC, id DESC LIMIT 1`,
		[]any{e.Scope.ID, e.Scope.TestMode, n.Reference, gateway.Pending}, &lineID, &sourceID)
	if err != nil || p == nil {
		return "", err
	}
	if p.Status != Processing || p.heldSource == nil || *p.heldSource != sourceID || p.heldAmount == nil {
		return "", nil
	}
	held := *p.heldAmount
	if n.Outcome.Status == gateway.Succeeded && (!n.Amount.Equal(held) || !strings.EqualFold(n.Currency, p.Currency)) {
		return notedAmountMismatch, nil
	}
	reason := n.Outcome.FailedReason
	if n.Outcome.Status == gateway.Failed && reason == "" {
		reason = "gateway_error"
	}
	res, err := e.Q.ExecContext(e.Ctx, `UPDATE payment_charges SET status = $1, failed_reason = $2 WHERE id = $3 AND status = $4`,
		n.Outcome.Status, rows.OrNull(reason), lineID, gateway.Pending)
	if err != nil {
		return "", err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return "", err
	}
	return concludeNotified(e, p, sourceID, n, reason)
}

// lockNamedPayment locks the payment whose id is the first column of
// query's row (the rest scanned into dest); nil when no row names one.
func lockNamedPayment(e Env, query string, args []any, dest ...any) (*Payment, error) {
	var paymentID string
	err := e.Q.QueryRowContext(e.Ctx, query, args...).Scan(append([]any{&paymentID}, dest...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return getPayment(e, paymentID, true)
}

// concludeNotified applies a decided event to the processing payment p:
// failed, collected (recorded as the capture the processor made), or held:
// captured now through the gateway when …/pay/ left it pending, as a
// synchronous pay would; kept held until …/capture/ when it was
// …/authorize/ (the authorization line is now succeeded).
func concludeNotified(e Env, p *Payment, sourceID string, n *gateway.Notification, reason string) (string, error) {
	if n.Outcome.Status == gateway.Failed {
		return notedFailed, conclude(e, p, decimal.Zero, reason)
	}
	s, err := getSource(e, sourceID, false)
	if err != nil {
		return "", err
	}
	if !n.Captured {
		holdOnly, err := heldOnly(e, p)
		if err != nil || holdOnly {
			return notedHeld, err
		}
		return notedSucceeded, captureHeld(e, p, s)
	}
	held := *p.heldAmount
	if err := recordCharge(e, p, s, id.New("chg"), "capture", held, gateway.Outcome{Status: gatewayOK, Reference: n.Reference}); err != nil {
		return "", err
	}
	p.Balance = money.NewMoney(p.Balance.Sub(held))
	return notedSucceeded, conclude(e, p, held, "")
}

// heldOnly tells a payment held by …/authorize/ from one …/pay/ left
// pending (payments.hold_only).
func heldOnly(e Env, p *Payment) (bool, error) {
	var holdOnly bool
	err := e.Q.QueryRowContext(e.Ctx, `SELECT hold_only FROM payments WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		p.ID, e.Scope.ID, e.Scope.TestMode).Scan(&holdOnly)
	return holdOnly, err
}

// refundsNotified applies each refund the event reports on the captured
// operation n.Reference.
func refundsNotified(e Env, n *gateway.Notification) (string, error) {
	var results []string
	for _, rn := range n.Refunds {
		if rn.ID == "" {
			continue
		}
		r, err := refundNotified(e, n, rn)
		if err != nil {
			return "", err
		}
		if r != "" {
			results = append(results, r)
		}
	}
	return strings.Join(results, ","), nil
}

// refundNotified settles one refund the processor reports. The payment is
// locked before the refund is looked up, so a refund Cobro is asking for
// at the same time (its row not yet committed) is found once it is, and
// is never recorded twice.
func refundNotified(e Env, n *gateway.Notification, rn gateway.RefundNote) (string, error) {
	p, err := lockNamedPayment(e, `SELECT payment_id FROM refunds WHERE workspace_id = $1 AND test_mode = $2 AND gateway_ref = $3
		UNION SELECT payment_id FROM payment_charges WHERE workspace_id = $1 AND test_mode = $2 AND gateway_ref = $4 AND status = 'succeeded'
		AND kind IN ('charge', 'capture', 'record') LIMIT 1`, []any{e.Scope.ID, e.Scope.TestMode, rn.ID, n.Reference})
	if err != nil || p == nil {
		return "", err
	}
	var refundID, status string
	err = e.Q.QueryRowContext(e.Ctx, `SELECT id, status FROM refunds WHERE workspace_id = $1 AND test_mode = $2 AND payment_id = $3 AND gateway_ref = $4`,
		e.Scope.ID, e.Scope.TestMode, p.ID, rn.ID).Scan(&refundID, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return recordOutsideRefund(e, p, n, rn)
	case err != nil:
		return "", err
	}
	return moveRefund(e, p, refundID, status, rn.Outcome)
}

// moveRefund settles a refund Cobro asked for: pending → succeeded, or
// (pending or succeeded) → failed when the processor could not give the
// money back, which puts it back on the payment and the invoice.
func moveRefund(e Env, p *Payment, refundID, status string, out gateway.Outcome) (string, error) {
	to, evt, note := "", "", ""
	switch {
	case out.Status == gateway.Succeeded && status == RefundPending:
		to, evt, note = RefundSucceeded, "refunded", notedRefundDone
	case out.Status == gateway.Failed && status != RefundFailed:
		to, evt, note = RefundFailed, "updated", notedRefundReverted
	default:
		return "", nil
	}
	reason := out.FailedReason
	if to == RefundFailed && reason == "" {
		reason = "gateway_error"
	}
	if _, err := e.Q.ExecContext(e.Ctx, `UPDATE refunds SET status = $1, failed_reason = $2, updated = $3 WHERE id = $4 AND workspace_id = $5 AND test_mode = $6`,
		to, rows.OrNull(reason), e.Now.UnixMicro(), refundID, e.Scope.ID, e.Scope.TestMode); err != nil {
		return "", err
	}
	if err := p.emit(e, evt); err != nil {
		return "", err
	}
	return note, settle(e, p)
}

// recordOutsideRefund records a refund made at the processor (Stripe's
// dashboard) as a refund of the payment, never more than what is left of
// the capture it gives back.
func recordOutsideRefund(e Env, p *Payment, n *gateway.Notification, rn gateway.RefundNote) (string, error) {
	if rn.Outcome.Status == gateway.Failed {
		return "", nil
	}
	caps, err := captures(e, p.ID)
	if err != nil {
		return "", err
	}
	var cp *capture
	for _, c := range caps {
		if c.ref == n.Reference {
			cp = c
		}
	}
	if cp == nil {
		return "", nil
	}
	if !strings.EqualFold(n.Currency, p.Currency) || rn.Amount.Sign() <= 0 || rn.Amount.GreaterThan(cp.left) {
		return notedRefundCapped, nil
	}
	r := &Refund{ID: id.New("ref"), Payment: p.ID, Amount: money.NewMoney(rn.Amount), Currency: p.Currency, Status: RefundPending,
		Metadata: json.RawMessage(`{}`), TestMode: e.Scope.TestMode, Created: clock.Stamp{Micros: e.Now.UnixMicro(), Loc: e.Scope.Loc}, chargeID: cp.id}
	if rn.Outcome.Status == gateway.Succeeded {
		r.Status = RefundSucceeded
	}
	if err := r.insert(e, rn.ID); err != nil {
		return "", err
	}
	if r.Status == RefundSucceeded {
		if err := p.emit(e, "refunded"); err != nil {
			return "", err
		}
	}
	return notedRefund, settle(e, p)
}
