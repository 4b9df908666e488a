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
	m, err := reminder.Create(r.env(), r.BaseURL(), c)
	return reply(http.StatusCreated, m, err)
}
