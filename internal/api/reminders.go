package api

import (
	"net/http"
)

func (s *Server) createReminder(r *Request) (int, any, error) {
	c, err := decodeReminder(r.env(), r.Object())
	if err != nil {
		return 0, nil, err
	}
	m, err := s.opt.Services.Reminders.Create(r.env(), r.BaseURL(), c)
	return reply(http.StatusCreated, m, err)
}
