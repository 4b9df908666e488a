package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/reception"
)

// receptionScope: receiving suppliers' DTEs is Chile's (docs/procurement.md#6-received-dtes).
func (r *Request) receptionScope() error {
	if r.Scope.Country != "CL" {
		return apperr.NotFoundErr()
	}
	return nil
}

func (s *Server) receiveEnvelope(r *Request) (int, any, error) {
	if err := r.receptionScope(); err != nil {
		return 0, nil, err
	}
	o := r.Object()
	data, _ := fileBytes(o, true)
	if err := o.Err(); err != nil {
		return 0, nil, err
	}
	if len(data) == 0 {
		return 0, nil, apperr.Field("file", "Upload the EnvioDTE XML file.")
	}
	in, err := reception.Receive(r.env(), reception.Upload{Source: "upload", XML: data})
	return reply(http.StatusCreated, in, err)
}

func (s *Server) listIntakes(r *Request) (int, any, error) {
	if err := r.receptionScope(); err != nil {
		return 0, nil, err
	}
	return listScoped(&reception.IntakeListSpec, reception.ListIntakes)(r)
}

func (s *Server) getIntake(r *Request) (int, any, error) {
	if err := r.receptionScope(); err != nil {
		return 0, nil, err
	}
	return getScoped(reception.GetIntake)(r)
}
