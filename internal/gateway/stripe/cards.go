package stripe

import (
	"context"
	"fmt"
	"strings"

	stripego "github.com/stripe/stripe-go/v82"
)

// SaveParams saves a card for later charges (a reusable source).
type SaveParams struct {
	// PaymentMethod is the pm_… the browser made with Stripe.js.
	PaymentMethod string
	// Customer is the Stripe customer the card is saved to; "" makes one
	// for the source.
	Customer string
	// CobroCustomer is the customer's id in Cobro (kept in the Stripe
	// customer's metadata); Email and Name describe it at Stripe.
	CobroCustomer, Email, Name string
	ReturnURL                  string
	// Reference is Cobro's source id: the idempotency keys derive from it.
	Reference string
}

// CreateCustomer makes the Stripe customer of a Cobro customer; key is
// the idempotency key (a retry gets the same customer).
func (c *Client) CreateCustomer(ctx context.Context, cobroCustomer, email, name, key string) (string, error) {
	cp := &stripego.CustomerCreateParams{Metadata: map[string]string{"cobro_customer": cobroCustomer}}
	if email != "" {
		cp.Email = stripego.String(email)
	}
	if name != "" {
		cp.Name = stripego.String(name)
	}
	idempotent(&cp.Params, key)
	cus, err := c.api.V1Customers.Create(ctx, cp)
	if err != nil {
		return "", err
	}
	return cus.ID, nil
}

// SaveCard confirms a SetupIntent for off-session use, which attaches the
// PaymentMethod to the Stripe customer (made now when p names none);
// 3-D Secure, when the bank asks, goes through the SetupIntent's next
// action.
func (c *Client) SaveCard(ctx context.Context, p SaveParams) Result {
	customer, err := c.customerOf(ctx, p)
	if err != nil {
		return failure(err)
	}
	sp := setupIntentParams(customer, p)
	sp.PaymentMethod = stripego.String(p.PaymentMethod)
	sp.Confirm = stripego.Bool(true)
	if p.ReturnURL != "" {
		sp.ReturnURL = stripego.String(p.ReturnURL)
	}
	si, err := c.api.V1SetupIntents.Create(ctx, sp)
	if err != nil {
		return failure(err)
	}
	r := SetupResult(si)
	if r.Customer == "" {
		r.Customer = customer
	}
	return c.withCard(ctx, r)
}

// StartSetup makes an unconfirmed SetupIntent for off-session use on the
// Stripe customer (made now when p names none): the payer enters the card
// in Stripe.js, which confirms it with the intent's client secret (the
// customer portal's "add a card").
func (c *Client) StartSetup(ctx context.Context, p SaveParams) Result {
	customer, err := c.customerOf(ctx, p)
	if err != nil {
		return failure(err)
	}
	si, err := c.api.V1SetupIntents.Create(ctx, setupIntentParams(customer, p))
	if err != nil {
		return failure(err)
	}
	return Result{Status: StatusNeedsAction, Reference: si.ID, StripeStatus: string(si.Status), Customer: customer}
}

// customerOf is the Stripe customer p's card goes to: the one p names, or
// one made for the source.
func (c *Client) customerOf(ctx context.Context, p SaveParams) (string, error) {
	if p.Customer != "" {
		return p.Customer, nil
	}
	return c.CreateCustomer(ctx, p.CobroCustomer, p.Email, p.Name, p.Reference+"-customer")
}

// setupIntentParams are a card SetupIntent's for off-session charges,
// tagged with the source it saves (the return checks the tag).
func setupIntentParams(customer string, p SaveParams) *stripego.SetupIntentCreateParams {
	sp := &stripego.SetupIntentCreateParams{
		Customer:           stripego.String(customer),
		PaymentMethodTypes: stripego.StringSlice([]string{"card"}),
		Usage:              stripego.String(string(stripego.SetupIntentUsageOffSession)),
		Metadata:           map[string]string{"cobro_source": p.Reference, "cobro_customer": p.CobroCustomer},
	}
	idempotent(&sp.Params, p.Reference+"-setup")
	return sp
}

// ClientSecret is a SetupIntent's client secret, for Stripe.js.
func (c *Client) ClientSecret(ctx context.Context, id string) (string, error) {
	if !strings.HasPrefix(id, "seti_") {
		return "", fmt.Errorf("not a SetupIntent id: %q", id)
	}
	si, err := c.api.V1SetupIntents.Retrieve(ctx, id, &stripego.SetupIntentRetrieveParams{})
	if err != nil {
		return "", err
	}
	return si.ClientSecret, nil
}

// Setup reads a SetupIntent back (the payer's return from 3-D Secure).
func (c *Client) Setup(ctx context.Context, id string) (Result, error) {
	if !strings.HasPrefix(id, "seti_") {
		return Result{}, fmt.Errorf("not a SetupIntent id: %q", id)
	}
	si, err := c.api.V1SetupIntents.Retrieve(ctx, id, &stripego.SetupIntentRetrieveParams{})
	if err != nil {
		return failure(err), err
	}
	return c.withCard(ctx, SetupResult(si)), nil
}

// SetupResult reads a SetupIntent as Cobro's outcome.
func SetupResult(si *stripego.SetupIntent) Result {
	r := Result{Reference: si.ID, StripeStatus: string(si.Status), Source: si.Metadata["cobro_source"]}
	if si.Customer != nil {
		r.Customer = si.Customer.ID
	}
	if si.PaymentMethod != nil {
		r.PaymentMethod = si.PaymentMethod.ID
	}
	switch si.Status {
	case stripego.SetupIntentStatusSucceeded:
		r.Status = StatusSucceeded
	case stripego.SetupIntentStatusProcessing, stripego.SetupIntentStatusRequiresConfirmation:
		r.Status = StatusPending
	case stripego.SetupIntentStatusRequiresAction:
		r.Status = StatusNeedsAction
		if na := si.NextAction; na != nil && na.RedirectToURL != nil {
			r.RedirectURL = na.RedirectToURL.URL
		}
	default: // requires_payment_method, canceled
		r.Status, r.FailedReason = StatusFailed, "card_declined"
		if e := si.LastSetupError; e != nil {
			r.FailedReason = declineReason(string(e.Code), string(e.DeclineCode))
		}
	}
	return r
}

// withCard adds the card's public details (brand, last4, expiry) read from
// the PaymentMethod.
func (c *Client) withCard(ctx context.Context, r Result) Result {
	if r.PaymentMethod == "" || r.Status == StatusFailed {
		return r
	}
	card, err := c.Card(ctx, r.PaymentMethod)
	if err == nil {
		r.Card = card
	}
	return r
}

// Card reads the public details of a card PaymentMethod; nil when it is
// not a card.
func (c *Client) Card(ctx context.Context, paymentMethod string) (*Card, error) {
	pm, err := c.api.V1PaymentMethods.Retrieve(ctx, paymentMethod, &stripego.PaymentMethodRetrieveParams{})
	if err != nil {
		return nil, err
	}
	if pm.Card == nil {
		return nil, nil
	}
	return &Card{Brand: string(pm.Card.Brand), Last4: pm.Card.Last4, ExpMonth: int(pm.Card.ExpMonth), ExpYear: int(pm.Card.ExpYear)}, nil
}

// Detach removes a saved card from its Stripe customer (the source is
// finalized in Cobro).
func (c *Client) Detach(ctx context.Context, paymentMethod string) error {
	_, err := c.api.V1PaymentMethods.Detach(ctx, paymentMethod, &stripego.PaymentMethodDetachParams{})
	return err
}
