package api

import (
	"encoding/base64"
	"github.com/cobrobilling/cobro/internal/workspace"
	"mime"
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/checkout"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
)

// Payment links and their intents (docs/payments.md#4-payment-links to docs/payments.md#5-payment-link-intents-and-the-hosted-checkout), the publishable
// JSON endpoints and the hosted checkout page.

func (r *Request) linkEnv() paylink.Env { return paylink.Env{Env: r.env(), Base: r.BaseURL()} }

func (s *Server) createLink(r *Request) (int, any, error) {
	c, err := decodeLink(r.linkEnv(), r.Object(), true)
	if err != nil {
		return 0, nil, err
	}
	l, err := paylink.CreateLink(r.linkEnv(), c)
	return reply(http.StatusCreated, l, err)
}

func (s *Server) updateLink(r *Request) (int, any, error) {
	c, err := decodeLink(r.linkEnv(), r.Object(), false)
	if err != nil {
		return 0, nil, err
	}
	l, err := paylink.UpdateLink(r.linkEnv(), r.PathValue("id"), c)
	return reply(http.StatusOK, l, err)
}

// byKey resolves the link of a publishable path and the request scope.
func (r *Request) byKey(lock, payable bool) (paylink.Env, *paylink.Link, error) {
	e, l, err := paylink.ByKey(r.Ctx, r.Q, r.Dialect(), r.srv.opt.Services.Documents, r.PathValue("key"), r.BaseURL(), lock, payable)
	if err != nil {
		return e, nil, err
	}
	r.Scope = e.Scope
	return e, l, nil
}

func (s *Server) publicLink(r *Request) (int, any, error) {
	e, l, err := r.byKey(false, true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, l.Public(e.Scope), nil
}

// hostedPage is the checkout page (docs/payments.md#51-publishable-endpoints); a link that cannot be paid
// shows "no longer available" with status 404.
func (s *Server) hostedPage(r *Request) (int, any, error) {
	e, l, err := r.byKey(false, true)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return htmlPage(checkout.Unavailable(e.Scope.Country))
	}
	if err != nil {
		return 0, nil, err
	}
	cur, _ := catalog.CurrencyByID(l.Currency)
	resume := r.R.URL.Query().Get("intent")
	if !id.Valid("pin", resume) {
		resume = ""
	}
	ret := ""
	if l.ReturnURL != nil {
		ret = *l.ReturnURL
	}
	logo, err := workspace.LogoPath(r.Ctx, r.Q, e.Scope.ID)
	if err != nil {
		return 0, nil, err
	}
	return htmlPage(checkout.Hosted(checkout.Link{Key: l.PublishableKey, Merchant: e.Scope.Name, Logo: logo, Country: e.Scope.Country,
		Description: l.Description, Amount: l.Amount.Decimal, Currency: l.Currency, Rounded: cur.Rounded, TestMode: l.TestMode,
		PayerFields: l.PayerFields(), ReturnURL: ret, Resume: resume, Redirect: redirectProcessor(e.Deps.Gateways, l.Gateway),
		StripeKey: clientKey(e, l.Gateway)}))
}

// clientKey is the publishable key a "client" checkout's script needs
// (Stripe.js), "" for other gateways or one no longer configured.
func clientKey(e paylink.Env, gatewayID string) string {
	g, msg, err := payment.GatewayFor(e.Env, gatewayID)
	if err != nil || msg != "" || g.Info().Checkout != gateway.CheckoutClient {
		return ""
	}
	if k, ok := g.(interface{ PublishableKey() string }); ok {
		return k.PublishableKey()
	}
	return ""
}

func (s *Server) createIntent(r *Request) (int, any, error) {
	e, l, err := r.byKey(true, true)
	if err != nil {
		return 0, nil, err
	}
	c, err := decodeIntent(e, l, r.Object())
	if err != nil {
		return 0, nil, err
	}
	in, err := paylink.CreateIntent(e, l, c, clientOf(r.R))
	if err != nil {
		return 0, nil, err
	}
	pub, err := in.Public(e)
	return reply(http.StatusCreated, pub, err)
}

// publicIntentOf resolves the intent of a publishable intent path.
func (r *Request) publicIntentOf() (paylink.Env, *paylink.Intent, error) {
	e, l, err := r.byKey(false, false)
	if err != nil {
		return e, nil, err
	}
	in, err := paylink.PublicIntentOf(e, l, r.PathValue("intent_id"))
	return e, in, err
}

func (s *Server) publicIntent(r *Request) (int, any, error) {
	e, in, err := r.publicIntentOf()
	if err != nil {
		return 0, nil, err
	}
	pub, err := in.Public(e)
	return reply(http.StatusOK, pub, err)
}

func (s *Server) publicIntentPDF(r *Request) (int, any, error) {
	e, in, err := r.publicIntentOf()
	if err != nil {
		return 0, nil, err
	}
	data, name, err := paylink.PDF(e, in)
	if err != nil {
		return 0, nil, err
	}
	if wantsPDF(r.R.Header.Get("Accept")) || r.R.URL.Query().Get("format") == "pdf" {
		return http.StatusOK, &Raw{ContentType: "application/pdf", Data: data,
			Header: map[string]string{"Content-Disposition": mime.FormatMediaType("inline", map[string]string{"filename": name})}}, nil
	}
	return http.StatusOK, map[string]string{"file": base64.StdEncoding.EncodeToString(data)}, nil
}

// redirectProcessor names the processor whose page takes the card when the
// link's gateway pays by redirect ("" otherwise).
func redirectProcessor(r *gateway.Registry, gatewayID string) string {
	if a, ok := r.Adapter(gatewayID); ok && a.Info().Checkout == gateway.CheckoutRedirect {
		return a.Info().Name
	}
	return ""
}
