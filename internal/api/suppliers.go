package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/supplier"
)

// Suppliers (docs/procurement.md#1-suppliers).

func (s *Server) createSupplier(r *Request) (int, any, error) {
	sup, err := supplier.Create(r.Ctx, r.Q, r.Scope, decode.Supplier(r.Body, false), r.Now)
	return reply(http.StatusCreated, sup, err)
}

func (s *Server) updateSupplier(r *Request) (int, any, error) {
	sup, err := supplier.Update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Supplier(r.Body, true), r.Now)
	return reply(http.StatusOK, sup, err)
}

func (s *Server) deleteSupplier(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, s.opt.Services.Suppliers.Delete(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
}
