package api

import (
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/customer"
	"github.com/cobrobilling/cobro/internal/list"
)

func (s *Server) createCustomer(r *Request) (int, any, error) {
	c, err := customer.Create(r.Ctx, r.Q, r.Scope, decode.Customer(r.Body, false), r.Now)
	return reply(http.StatusCreated, c, err)
}

func (s *Server) listCustomers(r *Request) (int, any, error) {
	return pageOf(r, s.opt.Services.Customers.ListSpec(), func(lq *list.Query) (int, []*customer.Customer, error) {
		return s.opt.Services.Customers.List(r.Ctx, r.Q, r.Scope, lq)
	})
}

func (s *Server) getCustomer(r *Request) (int, any, error) {
	c, err := s.opt.Services.Customers.Get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	return reply(http.StatusOK, c, err)
}

func (s *Server) updateCustomer(r *Request) (int, any, error) {
	c, err := s.opt.Services.Customers.Update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Customer(r.Body, true), r.Now)
	return reply(http.StatusOK, c, err)
}

func (s *Server) deleteCustomer(r *Request) (int, any, error) {
	c, err := s.opt.Services.Customers.Delete(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	if c == nil {
		return http.StatusNoContent, nil, nil
	}
	return http.StatusOK, c, nil
}

func (s *Server) createContact(r *Request) (int, any, error) {
	c, err := customer.CreateContact(r.Ctx, r.Q, r.Dialect(), r.Scope, decode.Contact(r.Body, false), r.Now)
	if err != nil {
		return 0, nil, err
	}
	c.Expand(r.expands("orgunit"))
	return http.StatusCreated, c, nil
}

// expands reports whether ?expand= names field (comma lists and repeated
// parameters both work).
func (r *Request) expands(field string) bool {
	for _, v := range r.R.URL.Query()["expand"] {
		for _, f := range strings.Split(v, ",") {
			if strings.TrimSpace(f) == field {
				return true
			}
		}
	}
	return false
}

func (s *Server) listContacts(r *Request) (int, any, error) {
	return pageOf(r, &customer.ContactListSpec, func(lq *list.Query) (int, []*customer.Contact, error) {
		n, items, err := customer.ListContacts(r.Ctx, r.Q, r.Scope, lq)
		for _, c := range items {
			c.Expand(r.expands("orgunit"))
		}
		return n, items, err
	})
}

func (s *Server) getContact(r *Request) (int, any, error) {
	c, err := customer.GetContact(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	c.Expand(r.expands("orgunit"))
	return http.StatusOK, c, nil
}

func (s *Server) updateContact(r *Request) (int, any, error) {
	c, err := customer.UpdateContact(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Contact(r.Body, true), r.Now)
	if err != nil {
		return 0, nil, err
	}
	c.Expand(r.expands("orgunit"))
	return http.StatusOK, c, nil
}

func (s *Server) deleteContact(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, customer.DeleteContact(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now)
}

func (s *Server) createOrgunit(r *Request) (int, any, error) {
	o, err := customer.CreateOrgunit(r.Ctx, r.Q, r.Dialect(), r.Scope, decode.Orgunit(r.Body, false), r.Now)
	return reply(http.StatusCreated, o, err)
}

func (s *Server) listOrgunits(r *Request) (int, any, error) {
	return pageOf(r, &customer.OrgunitListSpec, func(lq *list.Query) (int, []*customer.Orgunit, error) {
		return customer.ListOrgunits(r.Ctx, r.Q, r.Scope, lq)
	})
}

func (s *Server) getOrgunit(r *Request) (int, any, error) {
	o, err := customer.GetOrgunit(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	return reply(http.StatusOK, o, err)
}

func (s *Server) updateOrgunit(r *Request) (int, any, error) {
	o, err := customer.UpdateOrgunit(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Orgunit(r.Body, true), r.Now)
	return reply(http.StatusOK, o, err)
}

func (s *Server) deleteOrgunit(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, s.opt.Services.Customers.DeleteOrgunit(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now)
}
