package api

import (
	"encoding/json"
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/portal"
)

// portalCardGateway is the gateway the portal saves cards with
// (docs/billing.md#11-customer-portal): the workspace's default card
// gateway for the mode among those that keep reusable cards, as payment
// links choose theirs; nil when there is none.
func portalCardGateway(e document.Env) (gateway.Gateway, error) {
	gwID, msg, err := e.Deps.Gateways.DefaultCardFor(e.Ctx, e.Q, e.Scope, "reusable")
	if err != nil || msg != "" {
		return nil, err
	}
	gw, msg, err := payment.GatewayFor(e, gwID)
	if err != nil || msg != "" {
		return nil, err
	}
	return gw, nil
}

// portalCardReturnURL is where the payer comes back to after saving a card
// on a processor's page: the session's page, which finishes the card.
// The session's URL is the payer's already and dies with the session.
func (r *Request) portalCardReturnURL(sourceID string, makeDefault bool) string {
	u := r.BaseURL() + portal.PagePath(r.PathValue("token")) + "cards/" + sourceID + "/return/"
	if makeDefault {
		u += "?default=1"
	}
	return u
}

// portalStartCard starts saving a card through a processor: Oneclick's
// inscription (the payer goes to Transbank's page) or a Stripe
// SetupIntent (the payer goes to the card page, Stripe.js). A setup this
// session started and the payer has not finished is continued instead,
// so a reload or a second click starts nothing new.
func (r *Request) portalStartCard(e document.Env, customerID string, gw gateway.Gateway, makeDefault bool) (int, any, error) {
	info := gw.Info()
	sid, err := portal.OpenCardSetup(e, customerID, info.ID, r.BaseURL()+portal.PagePath(r.PathValue("token"))+"cards/")
	if err != nil {
		return 0, nil, err
	}
	if sid == "" {
		sid = id.New("sou")
		ret := r.portalCardReturnURL(sid, makeDefault)
		_, err = payment.CreateSource(e, payment.SourceParams{ID: sid, Gateway: gw, Usage: "reusable", CustomerID: customerID, ReturnURL: &ret,
			Setup: gateway.SetupParams{InBrowser: info.Checkout == gateway.CheckoutClient}}, clientOf(r.R), r.BaseURL())
	}
	if ae, ok := apperr.As(err); ok {
		switch {
		case ae.Kind == apperr.Invalid && ae.Fields["customer"] != nil:
			return r.backTo("error=card_email") // Oneclick inscribes customers with an email only
		case ae.Kind == apperr.Invalid || ae.Kind == apperr.Unavailable:
			return r.backTo("error=card_start")
		}
	}
	if err != nil {
		return 0, nil, err
	}
	next := payment.RedirectURL(e, r.BaseURL(), sid)
	if info.Checkout == gateway.CheckoutClient {
		next = portal.PagePath(r.PathValue("token")) + "cards/" + sid + "/"
	}
	return http.StatusSeeOther, &Raw{ContentType: "text/html; charset=utf-8", Header: map[string]string{"Location": next}}, nil
}

// portalCardPage is the page where the payer enters the card to save in
// Stripe.js; a setup no longer waiting goes to its outcome.
func (s *Server) portalCardPage(r *Request) (int, any, error) {
	e, _, srcID, err := r.portalOwned("sources")
	if err != nil {
		return 0, nil, err
	}
	bs, err := payment.BrowserSetupOf(e, srcID)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return r.backTo("error=card")
	}
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Unavailable {
		return r.backTo("error=card_start")
	}
	if err != nil {
		return 0, nil, err
	}
	return portalHTML(portal.CardPage(e.Scope.Country, e.Scope.Name, portal.PagePath(r.PathValue("token")), e.Scope.TestMode,
		portal.CardConfig{Key: bs.Key, Secret: bs.Secret, ReturnURL: payment.ReturnURL(r.BaseURL(), bs.Gateway, srcID)}))
}

// portalCardReturn is where a card setup ends (after Cobro's return
// route verified it with the processor): a saved card becomes the
// default when the payer asked, a failed one says why. Reloading it
// changes nothing more.
func (s *Server) portalCardReturn(r *Request) (int, any, error) {
	e, sess, srcID, err := r.portalOwned("sources")
	if err != nil {
		return 0, nil, err
	}
	src, err := payment.GetSource(e, srcID)
	if err != nil {
		return 0, nil, err
	}
	switch src.Status {
	case payment.SourceChargeable:
		if r.R.URL.Query().Get("default") != "1" {
			return r.backTo("done=card_saved")
		}
		if err := portal.SetDefault(e, sess.Customer, srcID); err != nil {
			return 0, nil, err
		}
		return r.backTo("done=card_added")
	case payment.SourceFailed:
		return r.backTo("error=" + portalCardFailure(src))
	}
	return r.backTo("error=card")
}

// portalCardFailure names the portal's message for a failed card setup.
func portalCardFailure(src *payment.Source) string {
	var data struct {
		FailedReason string `json:"failed_reason"`
	}
	if err := json.Unmarshal(src.GatewayData, &data); err != nil {
		return "card"
	}
	switch data.FailedReason {
	case "aborted", "timeout":
		return "card_" + data.FailedReason
	case "card_declined":
		return data.FailedReason
	}
	return "card"
}
