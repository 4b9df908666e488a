package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/supplier"
)

// Suppliers (docs/procurement.md#1-suppliers).

func (s *Server) createSupplier(r *Request) (int, any, error) {
	sup, err := supplier.Create(r.Ctx, r.Q, r.Scope, decode.Supplier(r.Body, false), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, sup, nil
}

func (s *Server) listSuppliers(r *Request) (int, any, error) {
	lq, err := r.ParseList(&supplier.ListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := supplier.List(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getSupplier(r *Request) (int, any, error) {
	sup, err := supplier.Get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sup, nil
}

func (s *Server) updateSupplier(r *Request) (int, any, error) {
	sup, err := supplier.Update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Supplier(r.Body, true), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sup, nil
}

func (s *Server) deleteSupplier(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, s.opt.Services.Suppliers.Delete(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
}
