package api

import (
	"github.com/cobrobilling/cobro/internal/workspace"
	"mime"
	"net/http"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/portal"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/subscription"
)

// createPortalSession is POST /customer_base/sessions/
// (docs/billing.md#111-sessions).
func (s *Server) createPortalSession(r *Request) (int, any, error) {
	o := r.Object()
	cus, _ := o.Ref("customer", true, false, func(v string) bool { return id.Valid("cus", v) })
	ret, _ := o.URL("return_url", input.StrOpt{Max: 2048})
	ttl := portal.DefaultTTL
	if v, ok := o.Raw("expires_in"); ok && v != nil {
		n, err := time.ParseDuration(input.ValueText(v) + "s")
		if err != nil || n < portal.MinTTL || n > portal.MaxTTL {
			o.Fail("expires_in", "Give a number of seconds between 300 and 86400.")
		}
		ttl = n
	}
	if cus != nil {
		c, msg, err := customer.Ref(r.Ctx, r.Q, r.Dialect(), r.Scope, *cus, false)
		if err != nil {
			return 0, nil, err
		}
		if msg != "" {
			o.Fail("customer", msg)
		} else if c.Status != customer.StatusActive {
			o.Fail("customer", apperr.MsgArchived("Customer"))
		}
	}
	if err := o.Err(); err != nil {
		return 0, nil, err
	}
	sess, err := portal.Create(r.Ctx, r.Q, r.Scope, portal.Params{Customer: *cus, ReturnURL: ret, TTL: ttl}, r.BaseURL(), r.Now)
	return reply(http.StatusCreated, sess, err)
}

// portalSession opens the session of the path's token; r.Scope becomes its
// workspace and mode.
func (r *Request) portalSession() (document.Env, *portal.Session, error) {
	sc, sess, err := portal.Open(r.Ctx, r.Q, r.PathValue("token"), r.Now)
	if err != nil {
		return document.Env{}, nil, err
	}
	r.Scope = sc
	return document.Env{Ctx: r.Ctx, Q: r.Q, D: r.Dialect(), Scope: sc, Now: r.Now, Deps: r.srv.opt.Services.Documents}, sess, nil
}

// portalPage is the hosted portal page; an unknown or expired session is a
// 404 page.
func (s *Server) portalPage(r *Request) (int, any, error) {
	e, sess, err := r.portalSession()
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound {
		return portalHTML(portal.Expired(catalog.Language(r.R.URL.Query().Get("country"))))
	}
	if err != nil {
		return 0, nil, err
	}
	st, err := subscription.LoadCollectionSettings(r.Ctx, r.Q, e.Scope.ID)
	if err != nil {
		return 0, nil, err
	}
	d, err := portal.Load(e, sess.Customer, st.PortalCancelSubscriptions)
	if err != nil {
		return 0, nil, err
	}
	q := r.R.URL.Query()
	t := portal.Texts(catalog.Language(e.Scope.Country))
	ret := ""
	if sess.ReturnURL != nil {
		ret = *sess.ReturnURL
	}
	logo, err := workspace.LogoPath(r.Ctx, r.Q, e.Scope.ID)
	if err != nil {
		return 0, nil, err
	}
	return portalHTML(portal.Render(e.Scope.Country, e.Scope.Name, logo, portal.PagePath(r.PathValue("token")), e.Scope.TestMode, d, ret,
		t["done_"+q.Get("done")], t["error_"+q.Get("error")]))
}

func portalHTML(p *portal.Page, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return p.Status, &Raw{ContentType: "text/html; charset=utf-8", Data: p.Body, Header: p.Header}, nil
}

// backTo answers a form post with a redirect to the portal page, carrying
// the outcome ("done=…" or "error=…").
func (r *Request) backTo(outcome string) (int, any, error) {
	return http.StatusSeeOther, &Raw{ContentType: "text/html; charset=utf-8", Header: map[string]string{"Location": portal.PagePath(r.PathValue("token")) + "?" + outcome}}, nil
}

// portalPDF is an invoice's PDF, for the session's customer's invoices only.
func (s *Server) portalPDF(r *Request) (int, any, error) {
	e, sess, err := r.portalSession()
	if err != nil {
		return 0, nil, err
	}
	invID := r.PathValue("id")
	if err := portal.Owns(e, "documents", invID, sess.Customer); err != nil {
		return 0, nil, err
	}
	d, err := document.Get(e, document.Invoice, invID)
	if err != nil {
		return 0, nil, err
	}
	if d.Status == document.StatusDraft {
		return 0, nil, apperr.NotFoundErr()
	}
	data, name, err := document.PDF(e, d)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &Raw{ContentType: "application/pdf", Data: data,
		Header: map[string]string{"Content-Disposition": mime.FormatMediaType("attachment", map[string]string{"filename": name})}}, nil
}

// portalPay pays an invoice: an open one through a single-use payment link
// (the hosted checkout), a failed automatic charge with a saved card.
func (s *Server) portalPay(r *Request) (int, any, error) {
	e, sess, err := r.portalSession()
	if err != nil {
		return 0, nil, err
	}
	invID := r.PathValue("id")
	if err := portal.Owns(e, "documents", invID, sess.Customer); err != nil {
		return 0, nil, err
	}
	d, err := document.Lock(e, document.Invoice, invID)
	if err != nil {
		return 0, nil, err
	}
	if d.Status != document.StatusPending {
		linkID, err := reminder.PayLink(e, r.BaseURL(), d)
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
			return r.backTo("error=not_payable")
		}
		if err != nil {
			return 0, nil, err
		}
		// the checkout's receipt leads back to the portal
		back := r.BaseURL() + portal.PagePath(r.PathValue("token")) + "?done=paid"
		if _, err := r.Q.ExecContext(r.Ctx, `UPDATE payment_links SET return_url = $1 WHERE id = $2`, back, linkID); err != nil {
			return 0, nil, err
		}
		key, err := store.Strings(r.Ctx, r.Q, `SELECT publishable_key FROM payment_links WHERE id = $1`, linkID)
		if err != nil || len(key) == 0 {
			return 0, nil, err
		}
		return http.StatusSeeOther, &Raw{ContentType: "text/html; charset=utf-8", Header: map[string]string{"Location": "/publishable/payment_links/links/" + key[0] + "/hosted/"}}, nil
	}
	src, _ := r.Object().String("source", input.StrOpt{})
	if src == nil || portal.Owns(e, "sources", *src, sess.Customer) != nil {
		return r.backTo("error=card")
	}
	paid, err := payment.Subscriptions{}.RetryInvoice(e, invID, *src)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return r.backTo("error=card")
	}
	if err != nil {
		return 0, nil, err
	}
	if !paid {
		return r.backTo("error=declined")
	}
	return r.backTo("done=paid")
}

// portalAddCard saves a card and makes it the one the customer's
// automatically charged subscriptions use.
func (s *Server) portalAddCard(r *Request) (int, any, error) {
	e, sess, err := r.portalSession()
	if err != nil {
		return 0, nil, err
	}
	o := r.Object()
	card := map[string]any{}
	for _, k := range []string{"number", "exp_month", "exp_year", "cvc"} {
		v, _ := o.Raw(k)
		card[k] = v
	}
	if !e.Scope.TestMode {
		return r.backTo("error=card") // live cards need a gateway's own page (Stripe.js, Webpay): not here yet
	}
	gw, msg, err := payment.GatewayFor(e, "test")
	if err != nil {
		return 0, nil, err
	}
	if msg != "" {
		return r.backTo("error=card")
	}
	src, err := payment.CreateSource(e, payment.SourceParams{Gateway: gw, Usage: "reusable", CustomerID: sess.Customer, Setup: gateway.SetupParams{Card: card}}, clientOf(r.R), r.BaseURL())
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return r.backTo("error=card")
	}
	if err != nil {
		return 0, nil, err
	}
	if src.Status != payment.SourceChargeable {
		return r.backTo("error=card")
	}
	if err := portal.SetDefault(e, sess.Customer, src.ID); err != nil {
		return 0, nil, err
	}
	return r.backTo("done=card_added")
}

// portalCard makes a saved card the default, or removes it.
func (s *Server) portalCard(remove bool) HandlerFunc {
	return func(r *Request) (int, any, error) {
		e, sess, err := r.portalSession()
		if err != nil {
			return 0, nil, err
		}
		srcID := r.PathValue("id")
		if err := portal.Owns(e, "sources", srcID, sess.Customer); err != nil {
			return 0, nil, err
		}
		if !remove {
			if err := portal.SetDefault(e, sess.Customer, srcID); err != nil {
				return 0, nil, err
			}
			return r.backTo("done=default")
		}
		if n, err := store.Strings(r.Ctx, r.Q, `SELECT id FROM subscriptions WHERE default_source = $1 AND status IN ('active', 'paused', 'needs_attention')`, srcID); err != nil || len(n) > 0 {
			if err != nil {
				return 0, nil, err
			}
			return r.backTo("error=card_in_use")
		}
		if _, err := payment.DeleteSource(e, srcID); err != nil {
			return 0, nil, err
		}
		return r.backTo("done=card_removed")
	}
}

// portalCancel cancels a subscription when the workspace allows it.
func (s *Server) portalCancel(r *Request) (int, any, error) {
	e, sess, err := r.portalSession()
	if err != nil {
		return 0, nil, err
	}
	subID := r.PathValue("id")
	if err := portal.Owns(e, "subscriptions", subID, sess.Customer); err != nil {
		return 0, nil, err
	}
	st, err := subscription.LoadCollectionSettings(r.Ctx, r.Q, e.Scope.ID)
	if err != nil {
		return 0, nil, err
	}
	if !st.PortalCancelSubscriptions {
		return r.backTo("error=cancel_off")
	}
	reason, desc := "custom", "Cancelled by the customer in the customer portal."
	_, err = s.opt.Services.Subscriptions.Cancel(r.Ctx, r.Q, r.Dialect(), e.Scope, subID, subscription.StatusChange{Reason: &reason, Description: &desc}, r.Now)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return r.backTo("error=cancel")
	}
	if err != nil {
		return 0, nil, err
	}
	return r.backTo("done=cancelled")
}
