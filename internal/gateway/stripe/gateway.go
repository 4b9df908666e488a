package stripe

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/gateway"
	stripego "github.com/stripe/stripe-go/v82"
)

// Names of the stripe gateway's credentials (PATCH /providers/stripe/).
const (
	SettingSecretKey      = "secret_key"
	SettingPublishableKey = "publishable_key"
	SettingWebhookSecret  = "webhook_secret"
)

// Adapter is the `stripe` gateway of the registry (internal/app wires it).
type Adapter struct {
	// BaseURL replaces Stripe's API (stripe-mock in tests); "" is Stripe.
	BaseURL string
	// HTTP is the client of Stripe's API; nil is a 30 s default.
	HTTP *http.Client
}

// Info describes the gateway in GET /providers/.
func (Adapter) Info() gateway.Info {
	return gateway.Info{ID: "stripe", Name: "Stripe", Kind: "card", Usage: []string{"single", "reusable"},
		Modes: []string{"test", "live"}, Checkout: gateway.CheckoutClient}
}

var (
	secretKeyRe      = regexp.MustCompile(`^(sk|rk)_(test|live)_[A-Za-z0-9]{8,247}$`)
	publishableKeyRe = regexp.MustCompile(`^pk_(test|live)_[A-Za-z0-9]{8,247}$`)
	webhookSecretRe  = regexp.MustCompile(`^whsec_[A-Za-z0-9+/=]{8,250}$`)
	paymentMethodRe  = regexp.MustCompile(`^pm_[A-Za-z0-9_]{3,250}$`)
)

func checkRe(re *regexp.Regexp, msg string) func(string) string {
	return func(v string) string {
		if !re.MatchString(v) {
			return msg
		}
		return ""
	}
}

// Settings are the keys of the workspace's Stripe account, from its
// dashboard (Developers → API keys, and the webhook endpoint's signing
// secret).
func (Adapter) Settings() []gateway.Setting {
	return []gateway.Setting{
		{Name: SettingSecretKey, Secret: true, Required: true, Check: checkRe(secretKeyRe, "Enter a Stripe secret key (sk_test_…, sk_live_… or a restricted rk_… key).")},
		{Name: SettingPublishableKey, Required: true, Check: checkRe(publishableKeyRe, "Enter a Stripe publishable key (pk_test_… or pk_live_…).")},
		{Name: SettingWebhookSecret, Secret: true, Required: true, Check: checkRe(webhookSecretRe, "Enter the signing secret of the Stripe webhook endpoint (whsec_…).")},
	}
}

// CheckMode refuses keys of the other mode: Stripe's keys say theirs
// (sk_test_…, pk_live_…).
func (Adapter) CheckMode(c gateway.Credentials, testMode bool) map[string]string {
	want, other := "_test_", "test"
	if !testMode {
		want, other = "_live_", "live"
	}
	errs := map[string]string{}
	for _, name := range []string{SettingSecretKey, SettingPublishableKey} {
		if v := c[name]; v != "" && !strings.Contains(v, want) {
			errs[name] = "Use a " + other + "-mode key (…" + want + "…): this API token works in " + other + " mode."
		}
	}
	return errs
}

// Defaults: Stripe has no shared keys; each workspace brings its own.
func (Adapter) Defaults(bool) (gateway.Credentials, bool) { return nil, false }

// Bind returns the gateway acting with one workspace's keys in one mode.
func (a Adapter) Bind(c gateway.Credentials, testMode bool) gateway.Gateway {
	return &Gateway{client: NewClient(c[SettingSecretKey], a.BaseURL, a.HTTP), creds: c, testMode: testMode}
}

// Gateway is the stripe gateway bound to a workspace's keys.
type Gateway struct {
	client   *Client
	creds    gateway.Credentials
	testMode bool
}

// Info is the adapter's.
func (g *Gateway) Info() gateway.Info { return Adapter{}.Info() }

// PublishableKey is given to Stripe.js on the hosted page.
func (g *Gateway) PublishableKey() string { return g.creds[SettingPublishableKey] }

// modeMismatch: a live key in test mode (or the reverse) would move real
// money from a test or fail every live payment; it is refused.
func (g *Gateway) modeMismatch() bool {
	live := strings.Contains(g.creds[SettingSecretKey], "_live_")
	return live == g.testMode
}

func fieldErr(field, msg string) map[string]any { return map[string]any{field: []string{msg}} }

// savedToken joins a saved card's Stripe customer and PaymentMethod: the
// token of a reusable source.
func savedToken(customer, pm string) string { return customer + "/" + pm }

func splitSaved(token string) (customer, pm string, ok bool) {
	customer, pm, ok = strings.Cut(token, "/")
	return customer, pm, ok && strings.HasPrefix(customer, "cus_") && strings.HasPrefix(pm, "pm_")
}

// Setup makes a source of the PaymentMethod Stripe.js created in the
// payer's browser: a single-use source is a PaymentIntent confirmed now
// (held for capture), a reusable one a card saved to a Stripe customer.
// 3-D Secure sends the payer to the intent's next action first.
func (g *Gateway) Setup(ctx context.Context, p gateway.SetupParams, _ time.Time) (*gateway.Setup, map[string]any, error) {
	if p.Card != nil || p.CardNotObject != "" {
		return nil, fieldErr("card", "Stripe takes card data only in the payer's browser (Stripe.js): send payment_method (pm_…) instead."), nil
	}
	if p.InBrowser && p.Usage == "reusable" && p.PaymentMethod == "" {
		return g.startInBrowser(ctx, p)
	}
	switch {
	case p.PaymentMethod == "":
		return nil, fieldErr("payment_method", apperr.MsgRequired), nil
	case !paymentMethodRe.MatchString(p.PaymentMethod):
		return nil, fieldErr("payment_method", "Enter the id of a Stripe PaymentMethod (pm_…)."), nil
	case p.Usage != "reusable" && p.Amount.Sign() <= 0:
		return nil, fieldErr("amount", "Stripe single-use sources need an amount."), nil
	}
	if p.ValidateOnly {
		return nil, nil, nil
	}
	if g.modeMismatch() {
		return nil, nil, errors.New("stripe: the workspace's key does not belong to this mode")
	}
	var r Result
	if p.Usage == "reusable" {
		r = g.client.SaveCard(ctx, SaveParams{PaymentMethod: p.PaymentMethod, Customer: p.CustomerAccount, CobroCustomer: p.Customer, Email: p.CustomerEmail,
			ReturnURL: p.ReturnURL, Reference: p.Source})
	} else {
		r = g.client.Authorize(ctx, Payment{Amount: p.Amount, Currency: p.Currency, PaymentMethod: p.PaymentMethod,
			ReturnURL: p.ReturnURL, Reference: p.Source + "-setup", Metadata: map[string]string{"cobro_source": p.Source}})
	}
	return g.setupOf(r, p.Usage == "reusable")
}

// CustomerAccount makes the Stripe customer of a Cobro customer. The
// idempotency key is the customer's: concurrent saves of its cards get
// one Stripe customer.
func (g *Gateway) CustomerAccount(ctx context.Context, a gateway.Account) (string, error) {
	if g.modeMismatch() {
		return "", errors.New("stripe: the workspace's key does not belong to this mode")
	}
	return g.client.CreateCustomer(ctx, a.Customer, a.Email, a.Name, "cobro-customer-"+a.Customer)
}

// startInBrowser begins saving a card the payer will enter in Stripe.js:
// the source waits on the SetupIntent until the payer returns from
// confirmSetup.
func (g *Gateway) startInBrowser(ctx context.Context, p gateway.SetupParams) (*gateway.Setup, map[string]any, error) {
	if p.ValidateOnly {
		return nil, nil, nil
	}
	if g.modeMismatch() {
		return nil, nil, errors.New("stripe: the workspace's key does not belong to this mode")
	}
	r := g.client.StartSetup(ctx, SaveParams{Customer: p.CustomerAccount, CobroCustomer: p.Customer, Email: p.CustomerEmail, Reference: p.Source})
	if r.Err != nil {
		return nil, nil, r.Err
	}
	return &gateway.Setup{Token: r.Reference, NeedsAuthentication: true, InBrowser: true, Data: map[string]any{}}, nil, nil
}

// ClientSecret is the SetupIntent's client secret for Stripe.js, read
// from Stripe each time the page is shown.
func (g *Gateway) ClientSecret(ctx context.Context, token string) (string, error) {
	if g.modeMismatch() {
		return "", errors.New("stripe: the workspace's key does not belong to this mode")
	}
	return g.client.ClientSecret(ctx, token)
}

// setupOf turns Stripe's answer to a setup into the source Cobro stores.
func (g *Gateway) setupOf(r Result, reusable bool) (*gateway.Setup, map[string]any, error) {
	var se *stripego.Error
	if r.Err != nil && !errors.As(r.Err, &se) {
		return nil, nil, r.Err // Stripe unreachable: nothing stored
	}
	if se != nil && se.Type == stripego.ErrorTypeInvalidRequest && se.Param == "payment_method" {
		return nil, fieldErr("payment_method", "Stripe has no such PaymentMethod for this account."), nil
	}
	if r.Err != nil && r.Reference == "" && se.Type != stripego.ErrorTypeCard {
		return nil, nil, r.Err
	}
	s := &gateway.Setup{Token: r.Reference, Data: map[string]any{}}
	if s.Token == "" { // declined before any intent existed: the source pays nothing
		s.Token = declinedPrefix + r.FailedReason
	}
	if r.Card != nil {
		s.Card = &gateway.Card{Brand: r.Card.Brand, Last4: r.Card.Last4, ExpMonth: r.Card.ExpMonth, ExpYear: r.Card.ExpYear}
	}
	switch {
	case r.Status == StatusNeedsAction:
		s.NeedsAuthentication, s.AuthenticationURL = true, r.RedirectURL
	case reusable && r.Status == StatusSucceeded:
		s.Token = savedToken(r.Customer, r.PaymentMethod)
	case reusable:
		return nil, fieldErr("payment_method", "Stripe could not save this card ("+r.FailedReason+")."), nil
	}
	return s, nil, nil
}

// declinedPrefix marks the token of a single-use source whose card Stripe
// declined at setup: authorizing it fails with the same reason.
const declinedPrefix = "declined:"

// Authorize holds the amount: a single-use source's intent was confirmed
// at setup (or after 3-D Secure) and is read back from Stripe; a saved
// card is charged off session now.
func (g *Gateway) Authorize(ctx context.Context, c gateway.Charge) gateway.Outcome {
	if reason, ok := strings.CutPrefix(c.Token, declinedPrefix); ok {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: reason}
	}
	if g.modeMismatch() {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	if customer, pm, ok := splitSaved(c.Token); ok {
		r := g.client.Authorize(ctx, Payment{Amount: c.Amount, Currency: c.Currency, PaymentMethod: pm, Customer: customer,
			OffSession: true, Reference: c.Reference, Metadata: map[string]string{"cobro_reference": c.Reference}})
		return outcome(r)
	}
	r, err := g.client.Intent(ctx, c.Token)
	if err != nil {
		return outcome(r)
	}
	// What the intent holds, as Stripe says, must cover the charge: the
	// browser never decides an amount.
	held := r.Authorized
	if r.Status == StatusSucceeded && held.IsZero() {
		held = r.Captured
	}
	if r.Status == StatusSucceeded && (held.LessThan(c.Amount) || !strings.EqualFold(r.Currency, c.Currency)) {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error", Reference: r.Reference}
	}
	if r.Status == StatusNeedsAction {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "authentication_failed", Reference: r.Reference}
	}
	return outcome(r)
}

// outcome is a result in the gateway interface's terms.
func outcome(r Result) gateway.Outcome {
	switch r.Status {
	case StatusSucceeded:
		return gateway.Outcome{Status: gateway.Succeeded, Reference: r.Reference}
	case StatusPending:
		return gateway.Outcome{Status: gateway.Pending, Reference: r.Reference}
	}
	reason := r.FailedReason
	if reason == "" {
		reason = "gateway_error"
	}
	return gateway.Outcome{Status: gateway.Failed, FailedReason: reason, Reference: r.Reference}
}

// intentOf names the PaymentIntent an operation acts on.
func intentOf(authorization, token string) string {
	if strings.HasPrefix(authorization, "pi_") {
		return authorization
	}
	if strings.HasPrefix(token, "pi_") {
		return token
	}
	return ""
}

// Capture collects the held amount.
func (g *Gateway) Capture(ctx context.Context, c gateway.Charge) gateway.Outcome {
	pi := intentOf(c.Authorization, c.Token)
	if pi == "" {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	r := g.client.Capture(ctx, pi, c.Amount, c.Currency, c.Reference)
	if r.Status == StatusSucceeded && r.StripeStatus != string(stripego.PaymentIntentStatusSucceeded) {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error", Reference: pi}
	}
	return outcome(r)
}

// Release cancels the intent: Stripe frees the hold.
func (g *Gateway) Release(ctx context.Context, c gateway.Charge) {
	if pi := intentOf(c.Authorization, c.Token); pi != "" {
		g.client.Cancel(ctx, pi, c.Reference)
	}
}

// Refund gives captured money back through Stripe.
func (g *Gateway) Refund(ctx context.Context, r gateway.Refund) gateway.Outcome {
	pi := intentOf(r.Authorization, r.Token)
	if pi == "" {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	return outcome(g.client.Refund(ctx, RefundParams{Intent: pi, Amount: r.Amount, Currency: r.Currency, Reason: r.Reason, Reference: r.Reference}))
}

// Return settles the payer's return from 3-D Secure by reading the intent
// from Stripe; the browser's query (payment_intent=…) is not trusted.
func (g *Gateway) Return(ctx context.Context, ret gateway.Return) gateway.ReturnResult {
	var r Result
	var err error
	switch {
	case strings.HasPrefix(ret.Token, "pi_"):
		r, err = g.client.Intent(ctx, ret.Token)
	case strings.HasPrefix(ret.Token, "seti_"):
		r, err = g.client.Setup(ctx, ret.Token)
	default:
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	}
	if err != nil || r.Status == StatusFailed {
		return gateway.ReturnResult{FailedReason: outcome(r).FailedReason}
	}
	if r.Status != StatusSucceeded {
		return gateway.ReturnResult{FailedReason: "authentication_failed"}
	}
	out := gateway.ReturnResult{Approved: true}
	if strings.HasPrefix(ret.Token, "seti_") {
		// a SetupIntent Stripe says was made for another source, or that
		// saved no card, saves nothing here
		if r.Source != "" && ret.Source != "" && r.Source != ret.Source || !strings.HasPrefix(r.Customer, "cus_") || !strings.HasPrefix(r.PaymentMethod, "pm_") {
			return gateway.ReturnResult{FailedReason: "gateway_error"}
		}
		out.Token = savedToken(r.Customer, r.PaymentMethod)
	}
	if r.Card != nil {
		out.Card = &gateway.Card{Brand: r.Card.Brand, Last4: r.Card.Last4, ExpMonth: r.Card.ExpMonth, ExpYear: r.Card.ExpYear}
	}
	return out
}

// deciding tells the intents' events that settle a result; any other
// (created, processing, requires_action) only says Stripe is not done.
func deciding(eventType string) bool {
	switch eventType {
	case "payment_intent.succeeded", "payment_intent.amount_capturable_updated", "payment_intent.payment_failed", "payment_intent.canceled",
		"setup_intent.succeeded", "setup_intent.setup_failed", "setup_intent.canceled":
		return true
	}
	return false
}

// Notification verifies a Stripe webhook with the workspace's signing
// secret and says what it settles; an event of the other mode is refused.
func (g *Gateway) Notification(_ context.Context, header http.Header, body []byte) (*gateway.Notification, error) {
	ev, err := ParseEvent(body, header.Get(SignatureHeader), g.creds[SettingWebhookSecret])
	if err != nil {
		return nil, err
	}
	if ev.Livemode == g.testMode {
		return nil, ErrSignature
	}
	n := &gateway.Notification{ID: ev.ID, Reference: ev.Intent, Kind: ev.Kind, Outcome: outcome(ev.Result), Currency: ev.Result.Currency}
	switch ev.Kind {
	case KindCharge:
		if !deciding(ev.Type) || ev.Result.Status == StatusNeedsAction { // created, processing, the payer still at 3-D Secure…
			n.Outcome = gateway.Outcome{Status: gateway.Pending, Reference: ev.Intent}
		}
		n.Captured = ev.Result.StripeStatus == string(stripego.PaymentIntentStatusSucceeded)
		n.Amount = ev.Result.Authorized
		if n.Captured {
			n.Amount = ev.Result.Captured
		}
	case KindRefund:
		for _, r := range ev.Refunds {
			n.Refunds = append(n.Refunds, gateway.RefundNote{ID: r.Reference, Amount: r.Amount, Outcome: outcome(r)})
		}
	}
	return n, nil
}
