package api

import (
	"encoding/base64"
	"mime"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/input"
)

// docPDF answers docs/conventions.md#10-pdfs-and-local_file: {"file": base64} by default, raw bytes with
// Accept: application/pdf.
func (s *Server) docPDF(k *document.Kind) HandlerFunc {
	return func(r *Request) (int, any, error) {
		d, err := document.Get(r.env(), k, r.PathValue("id"))
		if err != nil {
			return 0, nil, err
		}
		// ?cedible=true: the copy for assignment (factoring) of CL33, CL34
		// and CL52 (docs/tax-agency.md#11-pdf-with-pdf417-chile)
		cedible, _ := input.ParseBool(r.R.URL.Query().Get("cedible"))
		data, name, err := document.PDFWith(r.env(), d, document.PDFOptions{Cedible: cedible})
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
