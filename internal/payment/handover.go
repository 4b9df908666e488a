package payment

import (
	"context"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Subscriptions is the payments work as the subscriptions' charge_payment
// hand-over (docs/billing.md#85-what-a-run-does step 9; subscription.Payments).
type Subscriptions struct{}

// CheckDefaultSource validates default_source for a customer.
func (Subscriptions) CheckDefaultSource(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, sourceID string) error {
	return CheckDefaultSource(ctx, q, sc, customerID, sourceID)
}

// ChargeInvoice charges a draft invoice against a source.
func (Subscriptions) ChargeInvoice(e document.Env, invoiceID, sourceID, description string) (bool, error) {
	return ChargeInvoice(e, invoiceID, sourceID, description)
}
