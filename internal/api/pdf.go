package api

import (
	"encoding/base64"
	"mime"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/document"
)

// docPDF answers README §10: {"file": base64} by default, raw bytes with
// Accept: application/pdf.
func (s *Server) docPDF(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		d, err := document.Get(r.env(), k, r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		data, name, err := document.PDF(r.env(), d)
		if err != nil {
			return 0, nil, err
		}
		if wantsPDF(r.R.Header.Get("Accept")) {
			return http.StatusOK, &Raw{ContentType: "application/pdf", Data: data,
				Header: map[string]string{"Content-Disposition": mime.FormatMediaType("inline", map[string]string{"filename": name})}}, nil
		}
		return http.StatusOK, map[string]string{"file": base64.StdEncoding.EncodeToString(data)}, nil
	}
}

func wantsPDF(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		if strings.TrimSpace(strings.Split(part, ";")[0]) == "application/pdf" {
			return true
		}
	}
	return false
}
