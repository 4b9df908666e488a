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
	return reply(http.StatusCreated, m, err)
}

func (s *Server) createReminderRule(r *Request) (int, any, error) {
	c, err := decodeReminderRule(r.Object(), true)
	if err != nil {
		return 0, nil, err
	}
	v, err := reminder.CreateRule(r.env(), c)
	return reply(http.StatusCreated, v, err)
}

func (s *Server) updateReminderRule(r *Request) (int, any, error) {
	c, err := decodeReminderRule(r.Object(), false)
	if err != nil {
		return 0, nil, err
	}
	v, err := reminder.UpdateRule(r.env(), r.PathValue("id"), c)
	return reply(http.StatusOK, v, err)
}

func (s *Server) deleteReminderRule(r *Request) (int, any, error) {
	return http.StatusNoContent, nil, reminder.DeleteRule(r.env(), r.PathValue("id"))
}
