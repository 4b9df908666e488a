package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/webhook"
)

// urlGuard is the SSRF check of endpoint URLs (docs/webhooks.md#12-endpoint-object).
func (s *Server) urlGuard() webhook.URLGuard {
	return webhook.URLGuard{Resolver: s.opt.Resolver, AllowPrivate: s.opt.AllowPrivateWebhooks, NoTestLoopback: s.opt.NoTestWebhooksLoopback}
}

func (s *Server) createWebhook(r *Request) (int, any, error) {
	e, err := webhook.Create(r.Ctx, r.Q, r.Dialect(), r.Scope, decodeEndpoint(r.Object()), s.urlGuard(), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, e.View(r.Scope), nil
}

func (s *Server) listWebhooks(r *Request) (int, any, error) {
	return pageOf(r, &webhook.EndpointListSpec, func(lq *list.Query) (int, []*webhook.View, error) {
		n, items, err := webhook.ListEndpoints(r.Ctx, r.Q, r.Scope, lq)
		views := make([]*webhook.View, len(items))
		for i, e := range items {
			views[i] = e.View(r.Scope)
		}
		return n, views, err
	})
}

func (s *Server) getWebhook(r *Request) (int, any, error) {
	e, err := webhook.GetEndpoint(r.Ctx, r.Q, r.Scope, r.PathValue("id"), "")
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e.View(r.Scope), nil
}

func (s *Server) updateWebhook(r *Request) (int, any, error) {
	e, err := webhook.Update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeEndpoint(r.Object()), s.urlGuard(), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e.View(r.Scope), nil
}

func (s *Server) deleteWebhook(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, webhook.Delete(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
}

func (s *Server) rotateWebhookSecret(r *Request) (int, any, error) {
	e, err := webhook.RotateSecret(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e.View(r.Scope), nil
}

// pingWebhook runs outside a transaction (Route.NoTx): it waits on the
// receiver for up to the delivery timeout.
func (s *Server) pingWebhook(r *Request) (int, any, error) {
	e, err := webhook.GetEndpoint(r.Ctx, r.Q, r.Scope, r.PathValue("id"), "")
	if err != nil {
		return 0, nil, err
	}
	if s.opt.Webhooks == nil {
		return 0, nil, apperr.NonField(webhook.MsgNotRunning)
	}
	return http.StatusOK, webhook.Ping(r.Ctx, s.opt.Webhooks, e), nil
}

func (s *Server) listEvents(r *Request) (int, any, error) {
	return pageAfter(r, &webhook.EventListSpec, webhook.EventListArgs, func(lq *list.Query) (int, []*webhook.EventView, error) {
		return webhook.ListEvents(r.Ctx, r.Q, r.Scope, lq, r.Now)
	})
}

func (s *Server) getEvent(r *Request) (int, any, error) {
	e, err := webhook.GetEvent(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now)
	return reply(http.StatusOK, e, err)
}

func (s *Server) redeliverEvent(r *Request) (int, any, error) {
	o := r.Object()
	ref, ok := o.Ref("webhook", false, true, func(s string) bool { return id.Valid("whe", s) })
	if !ok {
		ref = nil
	}
	e, err := webhook.Redeliver(r.Ctx, r.Q, r.Scope, r.PathValue("id"), ref, fieldErrors(o), r.Now)
	return reply(http.StatusOK, e, err)
}
