package payment

import (
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/shopspring/decimal"
)

// ExpiryJob is the job kind of the time-based transitions (docs/payments.md):
// an authentication left pending 30 minutes fails the source; a hold not
// captured in 7 days expires. The job is queued with the change that
// starts the clock, in the same transaction; paylink's Expirer runs it.
const ExpiryJob = "payments.expire"

// ScheduleExpiry queues the expiry check of an object (sou_, pay_, pin_) at.
func ScheduleExpiry(e Env, objectID string, at time.Time) error {
	return jobs.Enqueue(e.Ctx, e.Q, ExpiryJob, fmt.Sprintf("expire:%s:%d", objectID, at.UnixMicro()), map[string]string{"object": objectID}, at, e.Now)
}

// ExpireSource fails a source whose authentication window has passed
// (no-op otherwise).
func ExpireSource(e Env, sourceID string) error {
	s, err := getSource(e, sourceID, true)
	if err != nil {
		return err
	}
	return expireAuth(e, s)
}

// ExpireHold fails a processing payment whose card authorization is older
// than 7 days (no-op otherwise; manual payments wait for the merchant).
func ExpireHold(e Env, paymentID string) error {
	p, err := getPayment(e, paymentID, true)
	if err != nil {
		return err
	}
	if p.Status != Processing || p.heldAt == nil || p.heldSource == nil || e.Now.UnixMicro() < *p.heldAt+AuthorizationWindow.Microseconds() {
		return nil
	}
	s, err := getSource(e, *p.heldSource, false)
	if err != nil || s.Gateway == "manual" {
		return err
	}
	if err := release(e, p); err != nil {
		return err
	}
	return conclude(e, p, decimal.Zero, "expired_authorization")
}
