package api

import (
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/customer"
)

func (s *Server) createCustomer(r *Request) (int, any, error) {
	c, err := customer.Create(r.Ctx, r.Q, r.Scope, decode.Customer(r.Body, false), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, c, nil
}

func (s *Server) listCustomers(r *Request) (int, any, error) {
	lq, err := r.ParseList(s.opt.Services.Customers.ListSpec(), 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := s.opt.Services.Customers.List(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getCustomer(r *Request) (int, any, error) {
	c, err := s.opt.Services.Customers.Get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

func (s *Server) updateCustomer(r *Request) (int, any, error) {
	c, err := s.opt.Services.Customers.Update(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Customer(r.Body, true), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
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
	lq, err := r.ParseList(&customer.ContactListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := customer.ListContacts(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	for _, c := range items {
		c.Expand(r.expands("orgunit"))
	}
	return r.PageOf(lq, n, items)
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
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, o, nil
}

func (s *Server) listOrgunits(r *Request) (int, any, error) {
	lq, err := r.ParseList(&customer.OrgunitListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := customer.ListOrgunits(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getOrgunit(r *Request) (int, any, error) {
	o, err := customer.GetOrgunit(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o, nil
}

func (s *Server) updateOrgunit(r *Request) (int, any, error) {
	o, err := customer.UpdateOrgunit(r.Ctx, r.Q, r.Dialect(), r.Scope, r.PathValue("id"), decode.Orgunit(r.Body, true), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, o, nil
}

func (s *Server) deleteOrgunit(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, s.opt.Services.Customers.DeleteOrgunit(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now)
}
