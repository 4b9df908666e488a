package transbank

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/shopspring/decimal"
)

// Oneclick is the Oneclick Mall adapter: a customer inscribes a card on
// Transbank's page once (a reusable source); Cobro then authorizes
// charges on it with no payer present (charge_payment subscriptions,
// reminders' pay action).
type Oneclick struct {
	BaseURL string
	HTTP    *http.Client
}

// OneclickID is the gateway id.
const OneclickID = "transbank_oneclick"

func (Oneclick) Info() gateway.Info {
	return gateway.Info{ID: OneclickID, Name: "Transbank Oneclick Mall", Kind: "card", Usage: []string{"reusable"}, Modes: []string{"test", "live"},
		Checkout: gateway.CheckoutRedirect}
}

func (Oneclick) Settings() []gateway.Setting {
	return []gateway.Setting{environmentSetting, {Name: "commerce_code", Required: true, Check: commerceCodeCheck},
		{Name: "child_commerce_code", Required: true, Check: commerceCodeCheck}, apiKeySetting}
}

// Defaults are Transbank's published Oneclick Mall integration
// credentials, in test mode only.
func (Oneclick) Defaults(testMode bool) (gateway.Credentials, bool) {
	if !testMode {
		return nil, false
	}
	return gateway.Credentials{"environment": integrationEnvironment, "commerce_code": IntegrationOneclickMall,
		"child_commerce_code": IntegrationOneclickChild, "api_key_secret": IntegrationAPIKey}, true
}

func (o Oneclick) Bind(c gateway.Credentials, _ bool) gateway.Gateway {
	return &oneclickGateway{client: newClient(c, o.BaseURL, o.HTTP), child: c["child_commerce_code"]}
}

type oneclickGateway struct {
	client *client
	child  string
}

func (*oneclickGateway) Info() gateway.Info { return Oneclick{}.Info() }

// Tokens of a Oneclick source: "ocs|<token>" while the inscription is
// open, "oc|<tbk_user>" once the card is inscribed.
const (
	inscribingPrefix = "ocs|"
	inscribedPrefix  = "oc|"
)

// username is the customer's account at Transbank: Cobro's customer id.
func username(customer string) string { return customer }

// Setup starts the inscription of a customer's card; the payer is sent
// to url_webpay by a form POST of TBK_TOKEN, as Transbank requires
// (docs/payments.md#16-transbank).
func (g *oneclickGateway) Setup(ctx context.Context, p gateway.SetupParams, _ time.Time) (*gateway.Setup, map[string]any, error) {
	switch {
	case p.Card != nil || p.CardNotObject != "":
		return nil, map[string]any{"card": []string{"Card data is entered on Transbank's page, never sent to Cobro."}}, nil
	case p.ValidateOnly:
		return nil, nil, nil
	case p.Customer == "":
		return nil, map[string]any{"customer": []string{"Required for reusable sources."}}, nil
	case p.CustomerEmail == "":
		return nil, map[string]any{"customer": []string{"Oneclick inscribes cards of customers with an email: set the customer's email."}}, nil
	}
	var out struct {
		Token     string `json:"token"`
		URLWebpay string `json:"url_webpay"`
	}
	in := map[string]any{"username": username(p.Customer), "email": p.CustomerEmail, "response_url": p.ReturnURL}
	if err := g.client.do(ctx, http.MethodPost, oneclickRoot+"/inscriptions", in, &out); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status < 500 {
			return nil, map[string]any{"gateway": []string{"Transbank refused the inscription: " + ae.Message}}, nil
		}
		return nil, nil, err
	}
	return &gateway.Setup{Token: inscribingPrefix + out.Token, NeedsAuthentication: true, AuthenticationURL: out.URLWebpay,
		AuthenticationForm: map[string]string{"TBK_TOKEN": out.Token}, Data: map[string]any{}}, nil, nil
}

// Return finishes the inscription the payer comes back from; only
// TBK_TOKEN is read from the browser.
func (g *oneclickGateway) Return(ctx context.Context, r gateway.Return) gateway.ReturnResult {
	token, ok := strings.CutPrefix(r.Token, inscribingPrefix)
	switch {
	case !ok:
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	case r.Params.Get("TBK_TOKEN") == "":
		return gateway.ReturnResult{FailedReason: "timeout"}
	case r.Params.Get("TBK_TOKEN") != token:
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	}
	var out struct {
		ResponseCode      *int   `json:"response_code"`
		TbkUser           string `json:"tbk_user"`
		AuthorizationCode string `json:"authorization_code"`
		CardType          string `json:"card_type"`
		CardNumber        string `json:"card_number"`
	}
	if err := g.client.do(ctx, http.MethodPut, oneclickRoot+"/inscriptions/"+token, map[string]any{}, &out); err != nil {
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	}
	if out.ResponseCode == nil || *out.ResponseCode != responseApproved || out.TbkUser == "" {
		if r.Params.Get("TBK_ORDEN_COMPRA") != "" {
			return gateway.ReturnResult{FailedReason: "aborted"}
		}
		return gateway.ReturnResult{FailedReason: "card_declined"}
	}
	return gateway.ReturnResult{Approved: true, Token: inscribedPrefix + out.TbkUser,
		Card: &gateway.Card{Brand: strings.ToLower(out.CardType), Last4: last4(out.CardNumber)}, Data: map[string]any{}}
}

// mallAnswer is Transbank's answer to an authorization or status read.
type mallAnswer struct {
	BuyOrder string `json:"buy_order"`
	Details  []struct {
		Amount            decimal.Decimal `json:"amount"`
		Status            string          `json:"status"`
		AuthorizationCode string          `json:"authorization_code"`
		ResponseCode      *int            `json:"response_code"`
		CommerceCode      string          `json:"commerce_code"`
		BuyOrder          string          `json:"buy_order"`
	} `json:"details"`
}

// outcome reads the one detail Cobro sends.
func (a *mallAnswer) outcome(amount decimal.Decimal) gateway.Outcome {
	if len(a.Details) != 1 {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	d := a.Details[0]
	switch {
	case d.Status != authorized || d.ResponseCode == nil || *d.ResponseCode != responseApproved:
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "card_declined"}
	case !d.Amount.Equal(amount):
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "amount_mismatch"}
	}
	return gateway.Outcome{Status: gateway.Succeeded, Reference: a.BuyOrder + "|" + d.BuyOrder}
}

// Authorize charges the inscribed card (Oneclick Mall captures at once).
// Without an answer it asks Transbank for the buy order's status, so a
// lost answer neither loses nor repeats a charge.
func (g *oneclickGateway) Authorize(ctx context.Context, c gateway.Charge) gateway.Outcome {
	user, ok := strings.CutPrefix(c.Token, inscribedPrefix)
	if !ok {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "source_not_chargeable"}
	}
	if !c.Amount.Equal(c.Amount.Truncate(0)) {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "amount_not_whole_pesos"}
	}
	parent := buyOrder(c.Reference)
	child := buyOrder("c" + c.Reference)
	in := map[string]any{"username": username(c.Customer), "tbk_user": user, "buy_order": parent,
		"details": []any{map[string]any{"commerce_code": g.child, "buy_order": child, "amount": c.Amount.IntPart(), "installments_number": 1}}}
	var out mallAnswer
	err := g.client.do(ctx, http.MethodPost, oneclickRoot+"/transactions", in, &out)
	if errors.Is(err, errTransport) {
		err = g.client.do(ctx, http.MethodGet, oneclickRoot+"/transactions/"+parent, nil, &out)
	}
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.Status < 500:
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "card_declined"}
	case err != nil:
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	return out.outcome(c.Amount)
}

// Capture: the authorization captured already.
func (g *oneclickGateway) Capture(_ context.Context, c gateway.Charge) gateway.Outcome {
	if c.Authorization == "" {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	return gateway.Outcome{Status: gateway.Succeeded, Reference: c.Authorization}
}

// Release refunds an authorization that will not be captured.
func (g *oneclickGateway) Release(ctx context.Context, c gateway.Charge) {
	if c.Authorization != "" {
		g.refund(ctx, c.Authorization, c.Amount)
	}
}

// Refund refunds amount of the charge named by its reference.
func (g *oneclickGateway) Refund(ctx context.Context, r gateway.Refund) gateway.Outcome {
	return g.refund(ctx, r.Authorization, r.Amount)
}

func (g *oneclickGateway) refund(ctx context.Context, reference string, amount decimal.Decimal) gateway.Outcome {
	parent, child, ok := strings.Cut(reference, "|")
	if !ok {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	var out refundAnswer
	err := g.client.do(ctx, http.MethodPost, oneclickRoot+"/transactions/"+parent+"/refunds",
		map[string]any{"commerce_code": g.child, "detail_buy_order": child, "amount": amount.IntPart()}, &out)
	return refundOutcome(err, out)
}
