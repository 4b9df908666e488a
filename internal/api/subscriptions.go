package api

import (
	"errors"
	"net/http"

	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/subscription"
)

// Subscriptions, usages and test clocks (docs/billing.md#8-subscriptions to docs/billing.md#10-test-clocks).

func (r *Request) renderSub(status int, s *subscription.Sub, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	views, err := r.srv.opt.Services.Subscriptions.Views(r.Ctx, r.Q, r.Scope, s)
	if err != nil {
		return 0, nil, err
	}
	return status, views[0], nil
}

func (s *Server) createSubscription(r *Request) (int, any, error) {
	sub, err := s.opt.Services.Subscriptions.Create(r.Ctx, r.Q, r.Dialect(), r.Scope, decodeSubscription(r.Body), r.Now)
	return r.renderSub(http.StatusCreated, sub, err)
}

func (s *Server) listSubscriptions(r *Request) (int, any, error) {
	return pageOf(r, &subscription.ListSpec, func(lq *list.Query) (int, []*subscription.View, error) {
		n, subs, err := subscription.List(r.Ctx, r.Q, r.Scope, lq)
		if err != nil {
			return 0, nil, err
		}
		views, err := s.opt.Services.Subscriptions.Views(r.Ctx, r.Q, r.Scope, subs...)
		return n, views, err
	})
}

func (s *Server) getSubscription(r *Request) (int, any, error) {
	sub, err := subscription.Get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	return r.renderSub(http.StatusOK, sub, err)
}

func (s *Server) updateSubscription(r *Request) (int, any, error) {
	sub, err := s.opt.Services.Subscriptions.Update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeSubscriptionPatch(r.Body), r.Now)
	return r.renderSub(http.StatusOK, sub, err)
}

// cancelSubscription is DELETE: the reason comes in the body or, for
// clients that cannot send a DELETE body, in the query string.
func (s *Server) cancelSubscription(r *Request) (int, any, error) {
	body := map[string]any{}
	for k, v := range r.Body {
		body[k] = v
	}
	for _, k := range []string{"cancel_reason", "status_description"} {
		if _, ok := body[k]; !ok && r.R.URL.Query().Has(k) {
			body[k] = r.R.URL.Query().Get(k)
		}
	}
	sub, err := s.opt.Services.Subscriptions.Cancel(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeStatusChange(input.New(body, false), "cancel_reason", subscription.CancelReasons), r.Now)
	return r.renderSub(http.StatusOK, sub, err)
}

func (s *Server) pauseSubscription(r *Request) (int, any, error) {
	sub, err := s.opt.Services.Subscriptions.Pause(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeStatusChange(input.New(r.Body, false), "paused_reason", subscription.PauseReasons), r.Now)
	return r.renderSub(http.StatusOK, sub, err)
}

func (s *Server) resumeSubscription(r *Request) (int, any, error) {
	sub, err := s.opt.Services.Subscriptions.Resume(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	return r.renderSub(http.StatusOK, sub, err)
}

// processSubscription answers the generated invoice. A run stopped before
// its invoice answers 400 but keeps the needs_attention change: the
// handler returns the error body without an error, so the transaction
// commits (docs/billing.md#811-errors, last row).
func (s *Server) processSubscription(r *Request) (int, any, error) {
	inv, err := s.opt.Services.Subscriptions.Process(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	var att *subscription.ErrAttention
	if errors.As(err, &att) {
		return http.StatusBadRequest, map[string]any{"non_field_errors": []string{att.Message}}, nil
	}
	return r.renderDoc(http.StatusOK, inv, err)
}

func (s *Server) createUsage(r *Request) (int, any, error) {
	u, err := s.opt.Services.Subscriptions.CreateUsage(r.Ctx, r.Q, r.Dialect(), r.Scope, decodeUsage(r.Object(), r.Scope.Loc), r.Now)
	return reply(http.StatusCreated, u, err)
}

func (s *Server) deleteUsage(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, s.opt.Services.Subscriptions.DeleteUsage(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
}

func (s *Server) createClock(r *Request) (int, any, error) {
	c, err := subscription.CreateClock(r.Ctx, r.Q, r.Scope, decodeClock(r.Object(), r.Scope.Loc), r.Now)
	return reply(http.StatusCreated, c, err)
}

func (s *Server) deleteClock(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, s.opt.Services.Subscriptions.DeleteClock(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"))
}

func (s *Server) advanceClock(r *Request) (int, any, error) {
	o := input.New(r.Body, false)
	target, _ := readInstant(o, "frozen_time", r.Scope.Loc)
	c, err := s.opt.Services.Subscriptions.Advance(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), target, fieldErrors(o), r.Now)
	return reply(http.StatusOK, c, err)
}
