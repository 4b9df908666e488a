package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/product"
)

// The billing catalogue (docs/billing.md#4-products to docs/billing.md#7-coupons): products, plans, add-ons and
// coupons. DELETE archives (docs/conventions.md#15-deletion-semantics): 200 + the object.

func (s *Server) createProduct(r *Request) (int, any, error) {
	p, err := product.CreateProduct(r.Ctx, r.Q, r.Scope, decodeProduct(r.Object()), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, p, nil
}

func (s *Server) listProducts(r *Request) (int, any, error) {
	lq, err := product.ParseProductList(r.R.URL.Query(), list.Env{Dialect: r.Dialect(), Loc: r.Scope.Loc, ArgOffset: 2})
	if err != nil {
		return 0, nil, err
	}
	n, items, err := product.ListProducts(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getProduct(r *Request) (int, any, error) {
	p, err := product.GetProduct(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func (s *Server) updateProduct(r *Request) (int, any, error) {
	p, err := product.UpdateProduct(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeProduct(r.Object()), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func (s *Server) deleteProduct(r *Request) (int, any, error) {
	p, err := product.ArchiveProduct(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func (s *Server) createPlan(r *Request) (int, any, error) {
	c, err := decodePlan(r.Ctx, r.Q, r.Scope, r.Object())
	if err != nil {
		return 0, nil, err
	}
	p, err := product.CreatePlan(r.Ctx, r.Q, r.Scope, c, r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, p, nil
}

func (s *Server) listPlans(r *Request) (int, any, error) {
	lq, err := r.ParseList(&product.PlanListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := product.ListPlans(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getPlan(r *Request) (int, any, error) {
	p, err := product.GetPlan(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func (s *Server) updatePlan(r *Request) (int, any, error) {
	cur, err := product.GetPlan(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	c, err := decodePlanPatch(r.Ctx, r.Q, r.Scope, r.Object(), cur)
	if err != nil {
		return 0, nil, err
	}
	p, err := product.UpdatePlan(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), c, r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func (s *Server) deletePlan(r *Request) (int, any, error) {
	p, err := product.ArchivePlan(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, p, nil
}

func (s *Server) createAddon(r *Request) (int, any, error) {
	a, err := product.CreateAddon(r.Ctx, r.Q, r.Scope, decodeAddon(r.Object()), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, a, nil
}

func (s *Server) listAddons(r *Request) (int, any, error) {
	lq, err := r.ParseList(&product.AddonListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := product.ListAddons(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getAddon(r *Request) (int, any, error) {
	a, err := product.GetAddon(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func (s *Server) updateAddon(r *Request) (int, any, error) {
	a, err := product.UpdateAddon(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeAddon(r.Object()), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func (s *Server) deleteAddon(r *Request) (int, any, error) {
	a, err := product.ArchiveAddon(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func (s *Server) createCoupon(r *Request) (int, any, error) {
	c, err := product.CreateCoupon(r.Ctx, r.Q, r.Scope, decodeCoupon(r.Object()), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, c, nil
}

func (s *Server) listCoupons(r *Request) (int, any, error) {
	lq, err := r.ParseList(&product.CouponListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := product.ListCoupons(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getCoupon(r *Request) (int, any, error) {
	c, err := product.GetCoupon(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

func (s *Server) updateCoupon(r *Request) (int, any, error) {
	c, err := product.UpdateCoupon(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decodeCoupon(r.Object()), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

func (s *Server) deleteCoupon(r *Request) (int, any, error) {
	c, err := product.ArchiveCoupon(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}
