package subscription

import (
	"context"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Deps are what the subscriptions work needs from other packages; the
// composition root (internal/app) fills them.
type Deps struct {
	// Documents are the collaborators of the invoices runs create.
	Documents document.Deps
	// Payments is the hand-over to the payments work for charge_payment
	// (docs/billing.md#85-what-a-run-does step 9). Nil: charge_payment is refused at
	// validation.
	Payments Payments
	// Retries and DunningMail are the payments and emails of dunning
	// (docs/billing.md#813-dunning); nil: failed charges are not retried /
	// not emailed.
	Retries     DunningPayments
	DunningMail DunningMailer
	// ClockCleanup are statements deleting what other packages keep for
	// the customers of a test clock being deleted ($1 = clock id), run
	// before the documents and customers go.
	ClockCleanup []string
}

// Payments charges run invoices.
type Payments interface {
	// CheckDefaultSource validates default_source for a customer (field
	// error keyed "default_source").
	CheckDefaultSource(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, sourceID string) error
	// ChargeInvoice charges a draft invoice against a source: finalized and
	// paid on success; pending with a failed payment otherwise.
	ChargeInvoice(e document.Env, invoiceID, sourceID, description string) (bool, error)
}

// Service is the subscriptions work on its dependencies. A nil *Service
// has none (no payments, no email).
type Service struct {
	Deps Deps
}

func (svc *Service) documents() document.Deps {
	if svc == nil {
		return document.Deps{}
	}
	return svc.Deps.Documents
}

func (svc *Service) payments() Payments {
	if svc == nil {
		return nil
	}
	return svc.Deps.Payments
}

func (svc *Service) clockCleanup() []string {
	if svc == nil {
		return nil
	}
	return svc.Deps.ClockCleanup
}
