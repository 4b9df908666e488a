package api

import (
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
)

func (s *Server) docPDF(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		return 0, nil, apperr.NotFoundErr()
	}
}
