package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/reception"
)

// receptionService: receiving suppliers' DTEs is Chile's (docs/procurement.md#6-received-dtes).
func (r *Request) receptionService() (*reception.Service, error) {
	s := r.srv.opt.Services.Reception
	if r.Scope.Country != "CL" || s == nil {
		return nil, apperr.NotFoundErr()
	}
	return s, nil
}

// inReception runs h for Chilean workspaces only.
func inReception(h HandlerFunc) HandlerFunc {
	return func(r *Request) (int, any, error) {
		if _, err := r.receptionService(); err != nil {
			return 0, nil, err
		}
		return h(r)
	}
}

func (s *Server) receiveEnvelope(r *Request) (int, any, error) {
	svc, err := r.receptionService()
	if err != nil {
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
	in, err := svc.Receive(r.env(), reception.Upload{Source: "upload", XML: data})
	return reply(http.StatusCreated, in, err)
}

func (s *Server) receptionState(r *Request) (int, any, error) {
	if _, err := r.receptionService(); err != nil {
		return 0, nil, err
	}
	st, err := reception.GetState(r.env(), r.PathValue("id"))
	return reply(http.StatusOK, st, err)
}

// setResult answers POST /purchases/{id}/accept/ and /reject/.
func (s *Server) setResult(result string) HandlerFunc {
	return func(r *Request) (int, any, error) {
		svc, err := r.receptionService()
		if err != nil {
			return 0, nil, err
		}
		o := r.Object()
		reason, _ := o.String("reason", input.StrOpt{Required: result == reception.ResultRejected, Max: 256})
		if err := o.Err(); err != nil {
			return 0, nil, err
		}
		st, err := svc.SetResult(r.env(), r.PathValue("id"), result, deref(reason))
		return reply(http.StatusOK, st, err)
	}
}

func (s *Server) sendReceipt(r *Request) (int, any, error) {
	svc, err := r.receptionService()
	if err != nil {
		return 0, nil, err
	}
	o := r.Object()
	place, _ := o.String("place", input.StrOpt{Max: 80})
	if err := o.Err(); err != nil {
		return 0, nil, err
	}
	st, err := svc.Acknowledge(r.env(), r.PathValue("id"), deref(place))
	return reply(http.StatusOK, st, err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Server) fileRCV(r *Request) (int, any, error) {
	if _, err := r.receptionService(); err != nil {
		return 0, nil, err
	}
	o := r.Object()
	action, _ := o.String("action", input.StrOpt{Required: true})
	if err := o.Err(); err != nil {
		return 0, nil, err
	}
	st, err := reception.FileRCV(r.env(), r.PathValue("id"), deref(action))
	return reply(http.StatusOK, st, err)
}

func (s *Server) rcvEvents(r *Request) (int, any, error) {
	svc, err := r.receptionService()
	if err != nil {
		return 0, nil, err
	}
	evs, err := svc.RCVEvents(r.env(), r.PathValue("id"))
	return reply(http.StatusOK, evs, err)
}

// book answers GET /books/purchases/ and /books/sales/ as CSV.
func (s *Server) book(book string) HandlerFunc {
	return func(r *Request) (int, any, error) {
		if _, err := r.receptionService(); err != nil {
			return 0, nil, err
		}
		period := r.R.URL.Query().Get("period")
		data, err := reception.Book(r.Ctx, r.Q, r.Scope, book, period)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, &Raw{ContentType: "text/csv; charset=utf-8", Data: data,
			Header: map[string]string{"Content-Disposition": `attachment; filename="` + book + "-" + period + `.csv"`}}, nil
	}
}

func (s *Server) getMailbox(r *Request) (int, any, error) {
	if _, err := r.receptionService(); err != nil {
		return 0, nil, err
	}
	m, err := reception.GetMailbox(r.Ctx, r.Q, r.Scope)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound { // never set: the defaults
		return http.StatusOK, &reception.Mailbox{Port: 993, Folder: "INBOX", TestMode: r.Scope.TestMode}, nil
	}
	return reply(http.StatusOK, m, err)
}

func (s *Server) setMailbox(r *Request) (int, any, error) {
	svc, err := r.receptionService()
	if err != nil {
		return 0, nil, err
	}
	m, err := svc.SetMailbox(r.Ctx, r.Q, r.Scope, decode.Mailbox(r.Body), r.Now)
	return reply(http.StatusOK, m, err)
}
