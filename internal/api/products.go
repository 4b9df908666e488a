package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/product"
)

// The billing catalogue (docs/billing.md#4-products to docs/billing.md#7-coupons): products, plans, add-ons and
// coupons. DELETE archives (docs/conventions.md#15-deletion-semantics): 200 + the object.

// listProducts also takes the plans filter (product.ParseProductList).
func (s *Server) listProducts(r *Request) (int, any, error) {
	lq, err := product.ParseProductList(r.R.URL.Query(), list.Env{Dialect: r.Dialect(), Loc: r.Scope.Loc, ArgOffset: 2})
	if err != nil {
		return 0, nil, err
	}
	n, items, err := product.Products.List(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) createPlan(r *Request) (int, any, error) {
	c, err := decodePlan(r.Ctx, r.Q, r.Scope, r.Object())
	if err != nil {
		return 0, nil, err
	}
	p, err := product.CreatePlan(r.Ctx, r.Q, r.Scope, c, r.Now)
	return reply(http.StatusCreated, p, err)
}

// updatePlan decodes the patch against the current plan (tiers and
// amount are checked together).
func (s *Server) updatePlan(r *Request) (int, any, error) {
	cur, err := product.Plans.Get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	c, err := decodePlanPatch(r.Ctx, r.Q, r.Scope, r.Object(), cur)
	if err != nil {
		return 0, nil, err
	}
	p, err := product.UpdatePlan(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), c, r.Now)
	return reply(http.StatusOK, p, err)
}
