package payment

import (
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/store"
)

// RetryInvoice is a dunning retry (docs/billing.md#813-dunning;
// subscription.DunningPayments): the pending invoice's latest failed
// payment is paid again with sourceID. Without one (cancelled meanwhile) a
// new payment of what is still owed is charged. True when it succeeded.
func (Subscriptions) RetryInvoice(e document.Env, invoiceID, sourceID string) (bool, error) {
	failed, err := store.Strings(e.Ctx, e.Q, `SELECT id FROM payments WHERE invoice_id = $1 AND workspace_id = $2 AND test_mode = $3 AND status = $4
		ORDER BY created DESC, id DESC LIMIT 1`, invoiceID, e.Scope.ID, e.Scope.TestMode, Failed)
	if err != nil {
		return false, err
	}
	if len(failed) == 0 {
		return ChargeInvoice(e, invoiceID, sourceID, "Payment retry of "+invoiceID)
	}
	p, err := Pay(e, failed[0], SourceChoice{Source: &sourceID}, Merchant)
	if err != nil {
		return false, err
	}
	return p.Status == Succeeded, nil
}

// WriteOffInvoice is dunning's mark_uncollectible final action: the
// invoice's failed payments are cancelled (the invoice returns to draft),
// it is finalized and marked uncollectible.
func (Subscriptions) WriteOffInvoice(e document.Env, invoiceID string) error {
	failed, err := store.Strings(e.Ctx, e.Q, `SELECT id FROM payments WHERE invoice_id = $1 AND workspace_id = $2 AND test_mode = $3 AND status = $4 ORDER BY created, id`,
		invoiceID, e.Scope.ID, e.Scope.TestMode, Failed)
	if err != nil {
		return err
	}
	for _, pid := range failed {
		if _, err := DeletePayment(e, pid); err != nil {
			return err
		}
	}
	inv, err := document.Get(e, document.Invoice, invoiceID)
	if err != nil || inv.Status != document.StatusDraft {
		return err
	}
	if _, err := document.Finalize(e, document.Invoice, invoiceID); err != nil {
		return err
	}
	_, err = document.ToggleUncollectible(e, invoiceID)
	return err
}
