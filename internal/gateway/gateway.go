// Package gateway holds the payment gateways behind one interface
// (docs/payments.md#1-gateways): the built-in deterministic `test` card gateway and the
// `manual` gateway (money received outside Cobro). A real card processor
// is one more adapter registered here; the payments code never names a
// gateway.
package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/shopspring/decimal"
)

// Info is the catalogue entry of a gateway (GET /providers/).
type Info struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Usage []string `json:"usage"`
	Modes []string `json:"modes"`
	// Checkout is how a payer pays on the hosted page: "card_form" (card
	// fields posted to Cobro, the test gateway), "redirect" (to the
	// processor's page and back, Webpay), "client" (the processor's script
	// in the payer's browser, Stripe.js); "" for offline gateways.
	Checkout string `json:"checkout"`
}

// Checkout flows.
const (
	CheckoutCardForm = "card_form"
	CheckoutRedirect = "redirect"
	CheckoutClient   = "client"
)

// AllowsMode tells whether the gateway works in test or live mode.
func (i Info) AllowsMode(testMode bool) bool {
	want := "live"
	if testMode {
		want = "test"
	}
	for _, m := range i.Modes {
		if m == want {
			return true
		}
	}
	return false
}

// AllowsUsage tells whether the gateway supports single or reusable sources.
func (i Info) AllowsUsage(usage string) bool {
	for _, u := range i.Usage {
		if u == usage {
			return true
		}
	}
	return false
}

// Card is the public part of a card source.
type Card struct {
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// Setup is what a gateway made of a source's create body.
type Setup struct {
	// Token is the gateway's reference of the means of payment; Cobro
	// stores it instead of any card data.
	Token string
	Card  *Card
	// NeedsAuthentication: the payer must authenticate before the source
	// can pay (status requires_authorization).
	NeedsAuthentication bool
	// AuthenticationURL is where the payer authenticates (a real
	// processor's page); "" uses Cobro's simulated page (test gateway).
	AuthenticationURL string
	// AuthenticationForm, when not nil, are the fields the payer's browser
	// must POST to AuthenticationURL (Webpay's token_ws): Cobro then sends
	// the payer through its own auto-submitting form page instead of a GET.
	AuthenticationForm map[string]string
	// Data is the public gateway_data of the source ({"method": …}).
	Data map[string]any
	// InBrowser: the payer finishes the setup in the processor's script on
	// the caller's page (BrowserSetup), so there is no redirect_url.
	InBrowser bool
}

// Outcome statuses.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
	// Pending: the gateway answers later (manual: the merchant confirms;
	// a processor's asynchronous result, reconciled by its callback).
	Pending = "pending"
)

// Outcome is a gateway's answer to an operation.
type Outcome struct {
	Status       string
	FailedReason string // card_declined, insufficient_funds, gateway_error…
	// Reference is the processor's id of the operation (authorization
	// code, buy order, PaymentIntent, refund): recorded in the payment's
	// ledger so a later capture, release or refund can name it.
	Reference string
}

// Charge is one operation on a source asked of a gateway.
type Charge struct {
	// Token is the source's gateway token (never card data).
	Token    string
	Amount   decimal.Decimal
	Currency string
	// Reference is Cobro's unique id of the operation (the processor's
	// buy order or idempotency key): a retry of the same operation sends
	// the same reference.
	Reference string
	// Authorization is the Reference of the earlier outcome a capture or
	// release acts on ("" when none).
	Authorization string
	// Customer is the source's customer id (reusable sources): the
	// processor's account of the payer is derived from it.
	Customer string
}

// Gateway is one payment gateway acting for one workspace and mode (an
// Adapter bound to its credentials, registry.go).
type Gateway interface {
	Info() Info
	// Setup validates the gateway-specific fields of a new source (card,
	// method), asks the processor when the source needs it (a redirect
	// flow, an inscription) and returns the field errors (nil when none);
	// now is the request time in the workspace zone (card expiry). err is
	// a processor that cannot be reached (503, nothing stored).
	Setup(ctx context.Context, p SetupParams, now time.Time) (*Setup, map[string]any, error)
	// Authorize holds the amount on the means of payment.
	Authorize(ctx context.Context, c Charge) Outcome
	// Capture collects a held amount.
	Capture(ctx context.Context, c Charge) Outcome
	// Release frees a hold that will not be captured.
	Release(ctx context.Context, c Charge)
}

// Refunder is a gateway that gives captured money back through the
// processor. A gateway without it has its
// refunds recorded only (manual: the merchant pays back outside Cobro).
type Refunder interface {
	Refund(ctx context.Context, r Refund) Outcome
}

// Refund is a refund asked of a gateway.
type Refund struct {
	Token    string
	Customer string
	// Authorization is the Reference of the captured operation refunded;
	// Captured is what that operation collected.
	Authorization string
	Captured      decimal.Decimal
	Amount        decimal.Decimal
	Currency      string
	// Reference is Cobro's id of the refund (idempotency at the processor).
	Reference string
	Reason    string
}

// AccountKeeper is a gateway that keeps one account of each Cobro customer
// at the processor (a Stripe customer) and saves every card of the
// customer to it. Cobro stores the account and asks for it once.
type AccountKeeper interface {
	// CustomerAccount makes the processor's account of a customer; asked
	// twice for one customer (a retry, concurrent saves) the processor
	// answers the same account where it can.
	CustomerAccount(ctx context.Context, a Account) (string, error)
}

// Account describes a Cobro customer to a processor.
type Account struct {
	Customer, Email, Name string
}

// Returner is a gateway whose payer leaves for the processor's page and
// comes back (Webpay's token_ws, an Oneclick inscription, 3-D Secure).
// The source waits in requires_authorization until the return, which is
// verified with the processor: what the browser brings only names the
// transaction, it never decides the result or the amount.
type Returner interface {
	Return(ctx context.Context, r Return) ReturnResult
}

// Return is the payer's return to Cobro for a source.
type Return struct {
	// Token is the source's token as Setup made it.
	Token string
	// Params are the query and form values the browser brought.
	Params   url.Values
	Amount   decimal.Decimal // the source's amount (single-use), zero when none
	Currency string
	Customer string
	// Source is Cobro's id of the source: a processor object made for
	// another source is refused.
	Source string
}

// ReturnResult is what the processor confirmed.
type ReturnResult struct {
	Approved bool
	// FailedReason when not approved: card_declined, aborted, timeout,
	// gateway_error.
	FailedReason string
	// Token replaces the source's token when not "" (an inscription's
	// card reference, a committed transaction).
	Token string
	Card  *Card
	// Data is merged into the source's public gateway_data.
	Data map[string]any
}

// Notifier is a gateway whose processor reports results asynchronously
// (webhooks): Notification verifies a callback's signature with the
// workspace's credentials and says what it settles.
type Notifier interface {
	Notification(ctx context.Context, header http.Header, body []byte) (*Notification, error)
}

// Notification is a verified processor callback.
type Notification struct {
	// ID is the processor's event id: a callback seen before is ignored.
	ID string
	// Reference is the Outcome.Reference of the operation it settles (a
	// charge), or of the captured operation its refunds give back.
	Reference string
	// Kind is "charge" or "refund"; Outcome the result the processor
	// signed (amounts never from the browser): Succeeded, Failed, or
	// Pending when nothing is decided yet.
	Kind    string
	Outcome Outcome
	// Amount and Currency are what the charge holds or collected.
	Amount   decimal.Decimal
	Currency string
	// Captured: the charge's money is collected (not only held for a
	// capture).
	Captured bool
	// Refunds are the processor's refunds the event reports (Kind
	// "refund"), in Currency.
	Refunds []RefundNote
}

// RefundNote is one refund a processor reports.
type RefundNote struct {
	// ID is the processor's id of the refund (Outcome.Reference of a
	// refund Cobro asked for).
	ID      string
	Amount  decimal.Decimal
	Outcome Outcome
}

// ---- the test gateway (docs/payments.md#11-test-gateway-cards)

// Test is the deterministic simulated card processor.
type Test struct{}

// Tokens of the test gateway: the outcome its card decides.
const (
	tokenOK           = "test_ok"
	tokenDeclined     = "test_card_declined"
	tokenInsufficient = "test_insufficient_funds"
)

func (Test) Info() Info {
	return Info{ID: "test", Name: "Test gateway", Kind: "card", Usage: []string{"single", "reusable"}, Modes: []string{"test"}, Checkout: CheckoutCardForm}
}

// The built-in gateways need no credentials.
func (Test) Settings() []Setting                 { return nil }
func (Test) Defaults(bool) (Credentials, bool)   { return Credentials{}, true }
func (t Test) Bind(Credentials, bool) Gateway    { return t }
func (Manual) Settings() []Setting               { return nil }
func (Manual) Defaults(bool) (Credentials, bool) { return Credentials{}, true }
func (m Manual) Bind(Credentials, bool) Gateway  { return m }

// SetupParams are the gateway fields of a source create body.
type SetupParams struct {
	// Card is the card object; nil when absent or null.
	Card map[string]any
	// CardNotObject is the message when card was sent but is not an object.
	CardNotObject string
	// MethodGiven reports that method was sent; Method is its value when it
	// was a string.
	MethodGiven bool
	Method      *string
	// MethodText is the method as sent, for the choice message.
	MethodText string

	// What a processor's setup needs (redirect flows, inscriptions):
	// Source is the new source's id (Cobro's reference), Usage single or
	// reusable, Amount the single-use source's amount (zero when none),
	// Customer the reusable source's customer id and CustomerEmail its
	// email, ReturnURL where the processor sends the payer back
	// (Cobro's return route of the source).
	Source        string
	Usage         string
	Amount        decimal.Decimal
	Currency      string
	Customer      string
	CustomerEmail string
	ReturnURL     string
	// ValidateOnly: other fields of the body failed; check the gateway's
	// fields and ask the processor nothing.
	ValidateOnly bool
	// PaymentMethod is the processor's id of a means of payment made in
	// the payer's browser (Stripe.js's pm_…); "" when not sent.
	PaymentMethod string
	// CustomerAccount is the processor's account of Customer (an
	// AccountKeeper's), "" when none.
	CustomerAccount string
	// InBrowser asks a BrowserSetup gateway to start saving a card that
	// the payer has not entered yet (the customer portal): the source
	// waits until the processor's script confirms it and the payer
	// returns.
	InBrowser bool
}

// BrowserSetup is a gateway whose card setups the payer completes in the
// processor's own script in their browser (Stripe.js on the customer
// portal): card data goes from the browser to the processor only.
type BrowserSetup interface {
	// PublishableKey identifies the workspace's account to the script.
	PublishableKey() string
	// ClientSecret is what the script needs to complete the setup of a
	// source token Setup made with InBrowser; read from the processor, never
	// stored by Cobro.
	ClientSecret(ctx context.Context, token string) (string, error)
}

func fieldErr(field, msg string) map[string]any { return map[string]any{field: []string{msg}} }

// Setup validates the write-only card object.
func (Test) Setup(_ context.Context, p SetupParams, now time.Time) (*Setup, map[string]any, error) {
	if p.CardNotObject != "" {
		return nil, fieldErr("card", p.CardNotObject), nil
	}
	m := p.Card
	if m == nil {
		return nil, fieldErr("card", apperr.MsgRequired), nil
	}
	card, errs := ParseCard(m, now)
	if len(errs) > 0 {
		return nil, map[string]any{"card": errs}, nil
	}
	s := &Setup{Token: tokenOK, Card: &Card{Brand: Brand(card.Number), Last4: card.Number[len(card.Number)-4:], ExpMonth: card.ExpMonth, ExpYear: card.ExpYear},
		Data: map[string]any{}}
	switch card.Number {
	case "4000000000000002":
		s.Token = tokenDeclined
	case "4000000000009995":
		s.Token = tokenInsufficient
	case "4000002760003184":
		s.NeedsAuthentication = true
	}
	return s, nil, nil
}

func (Test) Authorize(_ context.Context, c Charge) Outcome {
	switch c.Token {
	case tokenDeclined:
		return Outcome{Status: Failed, FailedReason: "card_declined"}
	case tokenInsufficient:
		return Outcome{Status: Failed, FailedReason: "insufficient_funds"}
	case tokenOK:
		return Outcome{Status: Succeeded, Reference: "test_auth_" + c.Reference}
	}
	return Outcome{Status: Failed, FailedReason: "gateway_error"}
}

func (Test) Capture(_ context.Context, c Charge) Outcome {
	if c.Token == tokenOK {
		return Outcome{Status: Succeeded, Reference: "test_capture_" + c.Reference}
	}
	return Outcome{Status: Failed, FailedReason: "gateway_error"}
}

func (Test) Release(context.Context, Charge) {}

// Refund gives back captured money: always succeeds on the test gateway.
func (Test) Refund(_ context.Context, r Refund) Outcome {
	return Outcome{Status: Succeeded, Reference: "test_refund_" + r.Reference}
}

// CardInput is validated card data (never stored).
type CardInput struct {
	Number            string
	ExpMonth, ExpYear int
	CVC               string
}

// ParseCard validates a card object (docs/payments.md#11-test-gateway-cards) and returns the
// errors keyed by card field.
func ParseCard(m map[string]any, now time.Time) (CardInput, map[string]any) {
	errs := map[string]any{}
	var c CardInput
	num, ok := text(m["number"])
	switch {
	case m["number"] == nil:
		errs["number"] = []string{apperr.MsgRequired}
	case !ok:
		errs["number"] = []string{"Invalid card number."}
	default:
		num = strings.NewReplacer(" ", "", "-", "").Replace(num)
		if !luhn(num) {
			errs["number"] = []string{"Invalid card number."}
		}
		c.Number = num
	}
	month, mErr := intField(m, "exp_month")
	switch {
	case mErr != "":
		errs["exp_month"] = []string{mErr}
	case month > 12:
		errs["exp_month"] = []string{"Ensure this value is less than or equal to 12."}
	case month < 1:
		errs["exp_month"] = []string{"Ensure this value is greater than or equal to 1."}
	}
	year, yErr := intField(m, "exp_year")
	switch {
	case yErr != "":
		errs["exp_year"] = []string{yErr}
	case year < 100 && year >= 0:
		year += 2000 // two-digit years
	}
	if yErr == "" && year > 9999 {
		errs["exp_year"] = []string{"Ensure this value is less than or equal to 9999."}
	}
	if _, bad := errs["exp_month"]; !bad && yErr == "" && errs["exp_year"] == nil {
		if year < now.Year() || (year == now.Year() && month < int(now.Month())) {
			errs["exp_year"] = []string{"The card has expired."}
		}
	}
	c.ExpMonth, c.ExpYear = month, year
	cvc, ok := text(m["cvc"])
	switch {
	case m["cvc"] == nil:
		errs["cvc"] = []string{apperr.MsgRequired}
	case !ok || len(cvc) < 3 || len(cvc) > 4 || strings.Trim(cvc, "0123456789") != "":
		errs["cvc"] = []string{"Invalid security code."}
	}
	c.CVC = cvc
	return c, errs
}

func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), true
	case json.Number:
		return string(x), true
	case int:
		return fmt.Sprint(x), true
	case int64:
		return fmt.Sprint(x), true
	}
	return "", false
}

func intField(m map[string]any, key string) (int, string) {
	v, present := m[key]
	if !present || v == nil {
		return 0, apperr.MsgRequired
	}
	s, ok := text(v)
	if !ok || s == "" || len(s) > 6 || strings.Trim(s, "0123456789") != "" {
		return 0, apperr.MsgInteger
	}
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n, ""
}

// luhn checks 13–19 digits with a valid Luhn check digit.
func luhn(n string) bool {
	if len(n) < 13 || len(n) > 19 || strings.Trim(n, "0123456789") != "" {
		return false
	}
	sum := 0
	for i := 0; i < len(n); i++ {
		d := int(n[len(n)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Brand names a card by its prefix.
func Brand(n string) string {
	p := func(k int) int {
		v := 0
		for i := 0; i < k && i < len(n); i++ {
			v = v*10 + int(n[i]-'0')
		}
		return v
	}
	switch {
	case strings.HasPrefix(n, "4"):
		return "visa"
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return "mastercard"
	case p(2) == 34 || p(2) == 37:
		return "amex"
	}
	return "unknown"
}

// ---- the manual gateway

// Manual records money received outside Cobro (bank transfer, cash,
// check): a charge waits in processing until the merchant confirms it.
type Manual struct{}

// Manual methods (Cobro).
var ManualMethods = []string{"bank_transfer", "cash", "check", "other"}

func (Manual) Info() Info {
	return Info{ID: "manual", Name: "Manual", Kind: "offline", Usage: []string{"single"}, Modes: []string{"test", "live"}}
}

func (Manual) Setup(_ context.Context, p SetupParams, _ time.Time) (*Setup, map[string]any, error) {
	if p.Card != nil || p.CardNotObject != "" {
		return nil, fieldErr("card", "This gateway does not take card data."), nil
	}
	method := "bank_transfer"
	if p.MethodGiven {
		switch {
		case p.Method == nil && p.MethodText == "":
			return nil, fieldErr("method", apperr.MsgNull), nil
		case p.Method == nil || !slices.Contains(ManualMethods, *p.Method):
			return nil, fieldErr("method", apperr.MsgChoice(p.MethodText)), nil
		}
		method = *p.Method
	}
	return &Setup{Token: "manual_" + method, Data: map[string]any{"method": method}}, nil, nil
}

func (Manual) Authorize(context.Context, Charge) Outcome { return Outcome{Status: Pending} }

func (Manual) Capture(context.Context, Charge) Outcome { return Outcome{Status: Succeeded} }

func (Manual) Release(context.Context, Charge) {}

// String makes outcomes readable in test failures.
func (o Outcome) String() string { return fmt.Sprintf("%s %s", o.Status, o.FailedReason) }
