package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/checkout"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Payments (docs/payments.md#1-gateways to docs/payments.md#3-payments): gateways, sources and payments. The
// dual routes (POST /sources/, authorize, pay) act for the merchant with
// a token and for a payer without one (docs/conventions.md#4-publishable-public-endpoints).

func (r *Request) payEnv() payment.Env { return r.env() }

func (s *Server) listProviders(r *Request) (int, any, error) {
	lq, err := r.ParseList(&providerSpec, 0)
	if err != nil {
		return 0, nil, err
	}
	all, err := r.env().Deps.Gateways.Providers(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	from := min(lq.Offset(), len(all))
	to := min(from+lq.PageSize, len(all))
	return r.PageOf(lq, len(all), all[from:to])
}

func (s *Server) getProvider(r *Request) (int, any, error) {
	p, err := r.env().Deps.Gateways.Provider(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	return reply(http.StatusOK, p, err)
}

// updateProvider sets a gateway's credentials for the workspace and mode
// (docs/payments.md#13-credentials).
func (s *Server) updateProvider(r *Request) (int, any, error) {
	c := decodeProviderPatch(r.Object())
	p, err := r.env().Deps.Gateways.Configure(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), c, r.Now)
	return reply(http.StatusOK, p, err)
}

// publishablePayment resolves the scope of a payer's call from the
// payment it names: 404 unless the payment has enable_checkout.
func (r *Request) publishablePayment(paymentID string) (*payment.Payment, error) {
	sc, err := payment.ScopeOfPayment(r.Ctx, r.Q, paymentID)
	if err != nil {
		return nil, err
	}
	r.Scope = sc
	return payment.GetCheckoutPayment(r.payEnv(), paymentID)
}

func clientOf(r *http.Request) payment.Client {
	return payment.Client{IP: clientIP(r), UserAgent: r.UserAgent()}
}

func (s *Server) createSource(r *Request) (int, any, error) {
	var pay *payment.Payment
	o := r.Object()
	if r.Scope.ID == "" {
		raw, _ := o.Raw("payment")
		pid, _ := raw.(string)
		if pid == "" {
			return 0, nil, apperr.Detail(apperr.Unauthenticated, "Authentication credentials were not provided.")
		}
		p, err := r.publishablePayment(pid)
		if err != nil {
			return 0, nil, err
		}
		pay = p
	}
	c, err := decodeSource(r.payEnv(), o, pay)
	if err != nil {
		return 0, nil, err
	}
	src, err := payment.CreateSource(r.payEnv(), c, clientOf(r.R), r.BaseURL())
	return reply(http.StatusCreated, src, err)
}

func (s *Server) createPayment(r *Request) (int, any, error) {
	c, err := decodePayment(r.payEnv(), r.Object())
	if err != nil {
		return 0, nil, err
	}
	p, err := payment.Create(r.payEnv(), c)
	return reply(http.StatusCreated, p, err)
}

func (s *Server) updatePayment(r *Request) (int, any, error) {
	p, err := payment.UpdatePayment(r.payEnv(), r.PathValue("id"), decodePaymentPatch(r.payEnv(), r.Object()))
	return reply(http.StatusOK, p, err)
}

func (s *Server) deletePayment(r *Request) (int, any, error) {
	p, err := payment.DeletePayment(r.payEnv(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if p == nil {
		return http.StatusNoContent, nil, nil
	}
	return http.StatusOK, p, nil
}

// actor resolves who calls a dual payment action.
func (r *Request) actor() (payment.Actor, error) {
	if r.Scope.ID != "" {
		return payment.Merchant, nil
	}
	if _, err := r.publishablePayment(r.PathValue("id")); err != nil {
		return 0, err
	}
	return payment.Payer, nil
}

func (s *Server) authorizePayment(r *Request) (int, any, error) {
	return r.chargeWith(payment.Authorize, true)
}

func (s *Server) payPayment(r *Request) (int, any, error) {
	return r.chargeWith(payment.Pay, false)
}

// refundPayment gives back captured money (docs/payments.md#310-refunds).
func (s *Server) refundPayment(r *Request) (int, any, error) {
	ref, err := payment.RefundPayment(r.payEnv(), r.PathValue("id"), decodeRefund(r.Object()))
	return reply(http.StatusCreated, ref, err)
}

// chargeWith runs a dual payment action (authorize, pay) for whoever calls
// it, with the source the body chooses (required or not).
func (r *Request) chargeWith(act func(payment.Env, string, payment.SourceChoice, payment.Actor) (*payment.Payment, error), sourceRequired bool) (int, any, error) {
	who, err := r.actor()
	if err != nil {
		return 0, nil, err
	}
	p, err := act(r.payEnv(), r.PathValue("id"), decodeSourceChoice(r.Object(), sourceRequired), who)
	return reply(http.StatusOK, p, err)
}

// sourceScope resolves the source of a simulated-authentication path and
// makes its scope the request's (the payer calls without a token).
func (r *Request) sourceScope() (string, workspace.Scope, error) {
	sid := r.PathValue("source_id")
	sc, err := payment.ScopeOfSource(r.Ctx, r.Q, sid)
	if err == nil {
		r.Scope = sc
	}
	return sid, sc, err
}

// authenticationPage is the test gateway's simulated authentication
// (docs/payments.md#12-simulated-authentication-test-gateway): GET shows Approve/Deny and moves the source to
// waiting_authorization; POST records the outcome.
func (s *Server) authenticationPage(r *Request) (int, any, error) {
	sid, sc, err := r.sourceScope()
	if err != nil {
		return 0, nil, err
	}
	src, err := payment.BeginAuthentication(r.payEnv(), sid)
	if err != nil {
		return 0, nil, err
	}
	return htmlPage(checkout.AuthenticationPage(checkout.AuthView{SourceID: src.ID, Status: src.Status, Workspace: sc.Name,
		Card: src.Card, Waiting: src.Status == payment.SourceWaitingAuthorization}))
}

func (s *Server) authenticate3DS(r *Request) (int, any, error) {
	sid, sc, err := r.sourceScope()
	if err != nil {
		return 0, nil, err
	}
	o := r.Object()
	outcome, ok := o.Choice("outcome", true, "approve", "deny")
	if err := o.Err(); err != nil || !ok {
		return 0, nil, err
	}
	src, err := payment.Authenticate(r.payEnv(), sid, outcome == "approve")
	if err != nil {
		return 0, nil, err
	}
	form := strings.HasPrefix(r.R.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	if form {
		if src.ReturnURL != nil && input.ValidURL(*src.ReturnURL) {
			return http.StatusSeeOther, &Raw{ContentType: "text/html; charset=utf-8", Header: map[string]string{"Location": *src.ReturnURL}}, nil
		}
		return htmlPage(checkout.AuthenticationPage(checkout.AuthView{SourceID: src.ID, Status: src.Status, Workspace: sc.Name, Card: src.Card, Done: true}))
	}
	return http.StatusOK, map[string]string{"id": src.ID, "status": src.Status}, nil
}

// gatewayReturn is where a processor sends the payer back for a source
// (docs/payments.md#15-redirect-flows), by GET or form POST: the gateway
// verifies the return with the processor; the payer goes on to the
// source's return_url (the hosted page of a payment link).
func (s *Server) gatewayReturn(r *Request) (int, any, error) {
	sid, sc, err := r.sourceScope()
	if err != nil {
		return 0, nil, err
	}
	params := url.Values{}
	for k, v := range r.R.URL.Query() {
		params[k] = v
	}
	for k, v := range r.R.PostForm {
		params[k] = append(params[k], v...)
	}
	src, err := payment.SourceReturned(r.payEnv(), r.PathValue("gateway"), sid, params)
	if err != nil {
		return 0, nil, err
	}
	if src.ReturnURL != nil && input.ValidURL(*src.ReturnURL) {
		return http.StatusSeeOther, &Raw{ContentType: "text/html; charset=utf-8", Header: map[string]string{"Location": *src.ReturnURL}}, nil
	}
	return htmlPage(checkout.AuthenticationPage(checkout.AuthView{SourceID: src.ID, Status: src.Status, Workspace: sc.Name, Card: src.Card, Done: true}))
}

// gatewayRedirect sends the payer to a processor's page entered by a form
// POST (Webpay's token_ws, docs/payments.md#15-redirect-flows): an
// auto-submitting form, with a button when scripts are off.
func (s *Server) gatewayRedirect(r *Request) (int, any, error) {
	sid, sc, err := r.sourceScope()
	if err != nil {
		return 0, nil, err
	}
	form, err := payment.PendingRedirectForm(r.payEnv(), r.PathValue("gateway"), sid)
	if err != nil {
		return 0, nil, err
	}
	return htmlPage(checkout.RedirectPage(checkout.RedirectView{Workspace: sc.Name, Country: sc.Country, Action: form.Action, Fields: form.Fields}))
}

// htmlPage answers a rendered hosted page.
func htmlPage(p *checkout.Page, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return p.Status, &Raw{ContentType: "text/html; charset=utf-8", Data: p.Body, Header: p.Header}, nil
}

// providerSpec: the gateway catalogue is paginated, not filterable.
var providerSpec = list.Spec{Ordering: map[string]string{"id": "id"}, DefaultOrdering: "id"}
