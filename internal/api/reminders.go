package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/reminder"
)

func (s *Server) createReminder(r *Request) (int, any, error) {
	c, err := decodeReminder(r.env(), r.Object())
	if err != nil {
		return 0, nil, err
	}
	m, err := s.opt.Services.Reminders.Create(r.env(), r.BaseURL(), c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, m, nil
}

func (s *Server) listReminders(r *Request) (int, any, error) {
	lq, err := r.ParseList(&reminder.ListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := reminder.List(r.Ctx, r.Q, r.Scope, lq)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
}

func (s *Server) getReminder(r *Request) (int, any, error) {
	m, err := reminder.Get(r.Ctx, r.Q, r.Scope, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, m, nil
}
