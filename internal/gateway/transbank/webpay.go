package transbank

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/shopspring/decimal"
)

// Settings of both products (docs/payments.md#16-transbank).
func commerceCodeCheck(v string) string {
	if len(v) != 12 || strings.Trim(v, "0123456789") != "" {
		return "Must be the 12 digits of a Transbank commerce code."
	}
	return ""
}

var (
	environmentSetting = gateway.Setting{Name: "environment", Choices: []string{integrationEnvironment, productionEnvironment}, Default: integrationEnvironment}
	apiKeySetting      = gateway.Setting{Name: "api_key_secret", Secret: true, Required: true}
)

// Webpay is the Webpay Plus adapter: the payer pays on Transbank's page;
// the transaction is committed when the payer returns
// (docs/payments.md#15-redirect-flows), which captures the amount.
type Webpay struct {
	// BaseURL replaces Transbank's host (a local fake, a proxy); "" uses
	// the host of the configured environment.
	BaseURL string
	// HTTP is the client of Transbank's API (nil: a default one).
	HTTP *http.Client
}

// WebpayID is the gateway id.
const WebpayID = "transbank_webpay"

func (Webpay) Info() gateway.Info {
	return gateway.Info{ID: WebpayID, Name: "Transbank Webpay Plus", Kind: "card", Usage: []string{"single"}, Modes: []string{"test", "live"},
		Checkout: gateway.CheckoutRedirect}
}

func (Webpay) Settings() []gateway.Setting {
	return []gateway.Setting{environmentSetting, {Name: "commerce_code", Required: true, Check: commerceCodeCheck}, apiKeySetting}
}

// Defaults are Transbank's published integration credentials, in test
// mode only.
func (Webpay) Defaults(testMode bool) (gateway.Credentials, bool) {
	if !testMode {
		return nil, false
	}
	return gateway.Credentials{"environment": integrationEnvironment, "commerce_code": IntegrationWebpayPlus, "api_key_secret": IntegrationAPIKey}, true
}

func (w Webpay) Bind(c gateway.Credentials, _ bool) gateway.Gateway {
	return &webpayGateway{client: newClient(c, w.BaseURL, w.HTTP)}
}

func newClient(c gateway.Credentials, override string, h *http.Client) *client {
	if h == nil {
		h = &http.Client{Timeout: requestTimeout}
	}
	return &client{host: hostFor(c["environment"], override), commerceCode: c["commerce_code"], apiKey: c["api_key_secret"], http: h}
}

type webpayGateway struct{ client *client }

func (*webpayGateway) Info() gateway.Info { return Webpay{}.Info() }

// Tokens of a Webpay source: "wp|<token_ws>" until the payer returns,
// then "wpc|<token_ws>|<amount>" once Transbank committed the payment.
const (
	openPrefix      = "wp|"
	committedPrefix = "wpc|"
)

type createAnswer struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

// Setup creates the Webpay transaction of a single-use source; the payer
// is sent to Transbank's page by a form POST of token_ws, as Transbank
// requires (docs/payments.md#16-transbank).
func (g *webpayGateway) Setup(ctx context.Context, p gateway.SetupParams, _ time.Time) (*gateway.Setup, map[string]any, error) {
	switch {
	case p.Card != nil || p.CardNotObject != "":
		return nil, map[string]any{"card": []string{"Card data is entered on Transbank's page, never sent to Cobro."}}, nil
	case p.ValidateOnly:
		return nil, nil, nil
	case p.Amount.Sign() <= 0:
		return nil, map[string]any{"amount": []string{"Webpay sources need an amount (or a payment to pay)."}}, nil
	case p.Currency != "" && p.Currency != "CLP":
		return nil, map[string]any{"gateway": []string{"Webpay charges Chilean pesos (CLP) only."}}, nil
	case !p.Amount.Equal(p.Amount.Truncate(0)):
		return nil, map[string]any{"amount": []string{"Webpay charges whole pesos."}}, nil
	}
	var out createAnswer
	in := map[string]any{"buy_order": buyOrder(p.Source), "session_id": p.Source, "amount": p.Amount.IntPart(), "return_url": p.ReturnURL}
	if err := g.client.do(ctx, http.MethodPost, webpayRoot+"/transactions", in, &out); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status < 500 {
			return nil, map[string]any{"gateway": []string{"Transbank refused the transaction: " + ae.Message}}, nil
		}
		return nil, nil, err
	}
	return &gateway.Setup{Token: openPrefix + out.Token, NeedsAuthentication: true, AuthenticationURL: out.URL,
		AuthenticationForm: map[string]string{"token_ws": out.Token}, Data: map[string]any{}}, nil, nil
}

// commitAnswer is Transbank's answer to a commit or a status read.
type commitAnswer struct {
	Amount            decimal.Decimal `json:"amount"`
	Status            string          `json:"status"`
	BuyOrder          string          `json:"buy_order"`
	AuthorizationCode string          `json:"authorization_code"`
	PaymentTypeCode   string          `json:"payment_type_code"`
	ResponseCode      *int            `json:"response_code"`
	CardDetail        struct {
		CardNumber string `json:"card_number"`
	} `json:"card_detail"`
}

func (a *commitAnswer) approved() bool {
	return a.Status == authorized && a.ResponseCode != nil && *a.ResponseCode == responseApproved
}

// Return commits the transaction the payer comes back from. Only
// token_ws / TBK_TOKEN / TBK_ID_SESION are read from the browser, to tell
// which case it is; the result and the amount come from Transbank.
func (g *webpayGateway) Return(ctx context.Context, r gateway.Return) gateway.ReturnResult {
	token, ok := strings.CutPrefix(r.Token, openPrefix)
	if !ok {
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	}
	switch {
	case r.Params.Get("TBK_TOKEN") != "": // the payer cancelled on Transbank's page
		return gateway.ReturnResult{FailedReason: "aborted"}
	case r.Params.Get("token_ws") == "": // Transbank's page timed out
		return gateway.ReturnResult{FailedReason: "timeout"}
	case r.Params.Get("token_ws") != token:
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	}
	var out commitAnswer
	err := g.client.do(ctx, http.MethodPut, webpayRoot+"/transactions/"+token, map[string]any{}, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity {
		// committed before (a repeated return): read what Transbank holds
		err = g.client.do(ctx, http.MethodGet, webpayRoot+"/transactions/"+token, nil, &out)
	}
	switch {
	case err != nil:
		return gateway.ReturnResult{FailedReason: "gateway_error"}
	case !out.approved():
		return gateway.ReturnResult{FailedReason: "card_declined"}
	case r.Amount.Sign() > 0 && !out.Amount.Equal(r.Amount):
		return gateway.ReturnResult{FailedReason: "amount_mismatch"}
	}
	card := &gateway.Card{Brand: brandOf(out.PaymentTypeCode), Last4: last4(out.CardDetail.CardNumber)}
	return gateway.ReturnResult{Approved: true, Token: committedPrefix + token + "|" + out.Amount.String(), Card: card,
		Data: map[string]any{"authorization_code": out.AuthorizationCode, "payment_type_code": out.PaymentTypeCode}}
}

// brandOf names the card kind from Webpay's payment type (VD débito,
// VP prepago, the others credit).
func brandOf(paymentType string) string {
	switch paymentType {
	case "VD":
		return "debit"
	case "VP":
		return "prepaid"
	}
	return "credit"
}

// committed reads a committed source token: the Transbank token and the
// amount Transbank confirmed.
func committed(tok string) (token string, amount decimal.Decimal, ok bool) {
	rest, found := strings.CutPrefix(tok, committedPrefix)
	if !found {
		return "", decimal.Zero, false
	}
	token, amt, found := strings.Cut(rest, "|")
	d, err := decimal.NewFromString(amt)
	return token, d, found && err == nil
}

// Authorize: the money was captured when the payer returned; it succeeds
// for the amount Transbank confirmed, never another.
func (g *webpayGateway) Authorize(_ context.Context, c gateway.Charge) gateway.Outcome {
	token, amount, ok := committed(c.Token)
	switch {
	case !ok:
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "source_not_chargeable"}
	case !amount.Equal(c.Amount):
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "amount_mismatch"}
	}
	return gateway.Outcome{Status: gateway.Succeeded, Reference: token}
}

// Capture confirms the committed transaction.
func (g *webpayGateway) Capture(ctx context.Context, c gateway.Charge) gateway.Outcome {
	return g.Authorize(ctx, c)
}

// Release gives a committed amount back (a hold that will not be
// captured: Webpay Plus already captured it).
func (g *webpayGateway) Release(ctx context.Context, c gateway.Charge) {
	if token, amount, ok := committed(c.Token); ok {
		g.refund(ctx, token, amount)
	}
}

// Refund asks Transbank for an anulación (or a reversa, Transbank
// decides by time and card) of amount.
func (g *webpayGateway) Refund(ctx context.Context, r gateway.Refund) gateway.Outcome {
	token, _, ok := committed(r.Token)
	if !ok {
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	}
	return g.refund(ctx, token, r.Amount)
}

type refundAnswer struct {
	Type              string `json:"type"`
	AuthorizationCode string `json:"authorization_code"`
	ResponseCode      *int   `json:"response_code"`
}

func (g *webpayGateway) refund(ctx context.Context, token string, amount decimal.Decimal) gateway.Outcome {
	var out refundAnswer
	err := g.client.do(ctx, http.MethodPost, webpayRoot+"/transactions/"+token+"/refunds", map[string]any{"amount": amount.IntPart()}, &out)
	return refundOutcome(err, out)
}

func refundOutcome(err error, out refundAnswer) gateway.Outcome {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "refund_refused"}
	case err != nil:
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "gateway_error"}
	case out.Type == "REVERSED":
		return gateway.Outcome{Status: gateway.Succeeded, Reference: "REVERSED"}
	case out.ResponseCode != nil && *out.ResponseCode != responseApproved:
		return gateway.Outcome{Status: gateway.Failed, FailedReason: "refund_refused:" + strconv.Itoa(*out.ResponseCode)}
	}
	return gateway.Outcome{Status: gateway.Succeeded, Reference: out.Type + ":" + out.AuthorizationCode}
}
