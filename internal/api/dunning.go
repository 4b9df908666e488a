package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/subscription"
)

// getCollectionSettings answers the workspace's dunning and portal
// settings (docs/billing.md#814-collection-settings).
func (s *Server) getCollectionSettings(r *Request) (int, any, error) {
	st, err := subscription.LoadCollectionSettings(r.Ctx, r.Q, r.Scope.ID)
	return http.StatusOK, st, err
}

func (s *Server) updateCollectionSettings(r *Request) (int, any, error) {
	st, err := subscription.UpdateCollectionSettings(r.Ctx, r.Q, r.Scope, decodeCollectionSettings(r.Object()), r.Now)
	return http.StatusOK, st, err
}

// listSubscriptionDunnings answers the dunnings of the path's subscription
// (docs/billing.md#815-dunning-state); its id binds $3.
func (s *Server) listSubscriptionDunnings(r *Request) (int, any, error) {
	return pageAfter(r, &subscription.DunningListSpec, 3, func(lq *list.Query) (int, []*subscription.DunningView, error) {
		return subscription.ListSubscriptionDunnings(r.Ctx, r.Q, r.Scope, r.PathValue("id"), lq)
	})
}
