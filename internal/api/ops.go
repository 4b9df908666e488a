package api

import (
	"context"
	"net/http"
	"time"
)

func (s *Server) healthz(r *Request) (int, any, error) {
	return http.StatusOK, map[string]string{"status": "ok"}, nil
}

func (s *Server) readyz(r *Request) (int, any, error) {
	ctx, cancel := context.WithTimeout(r.Ctx, 2*time.Second)
	defer cancel()
	unavailable := func(reason string) (int, any, error) {
		return http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason}, nil
	}
	if err := s.opt.DB.PingContext(ctx); err != nil {
		return unavailable("database unreachable")
	}
	pending, err := s.opt.DB.Pending(ctx)
	if err != nil {
		return unavailable("cannot read migration state")
	}
	if pending {
		return unavailable("migrations pending")
	}
	return http.StatusOK, map[string]string{"status": "ok"}, nil
}

func (s *Server) metricsRoute(r *Request) (int, any, error) {
	return http.StatusOK, s.metricsHandler(), nil
}

func (s *Server) docs(r *Request) (int, any, error) {
	page, err := s.DocsPage()
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &Raw{ContentType: "text/html; charset=utf-8", Data: page}, nil
}

func (s *Server) openapi(r *Request) (int, any, error) {
	doc, err := s.OpenAPI()
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &Raw{ContentType: "application/json; charset=utf-8", Data: doc}, nil
}
