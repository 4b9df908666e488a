package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/api/decode"
	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/sii"
)

// The built-in Chile SII biller (docs/tax-agency.md#2-chile-sii-configuration to docs/tax-agency.md#4-caf-files-and-folios). The endpoints
// exist only for workspaces of Chile; elsewhere they answer 404.

func (r *Request) siiBiller() (*clsii.Biller, error) {
	if r.Scope.Country != "CL" {
		return nil, apperr.NotFoundErr()
	}
	b := r.srv.opt.Services.SII
	if b == nil {
		return nil, apperr.NotFoundErr()
	}
	return b, nil
}

func (s *Server) getBillerSettings(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	st, err := clsii.Load(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	v, err := st.View(r.Ctx, r.Q, r.Scope, r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

func (s *Server) updateBillerSettings(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	st, err := clsii.Load(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	if err := clsii.ApplySettings(st, decode.SIISettings(r.Body)); err != nil {
		return 0, nil, err
	}
	if err := clsii.Save(r.Ctx, r.Q, r.Scope, st, r.Now); err != nil {
		return 0, nil, err
	}
	v, err := st.View(r.Ctx, r.Q, r.Scope, r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

// fileBytes reads the "file" field: base64, or (allowText) the XML itself.
func fileBytes(o *input.Object, allowText bool) ([]byte, bool) {
	raw, has := o.Raw("file")
	if !has || raw == nil {
		o.Fail("file", input.MsgRequired)
		return nil, false
	}
	s, ok := raw.(string)
	if !ok || strings.TrimSpace(s) == "" {
		o.Fail("file", input.MsgRequired)
		return nil, false
	}
	t := strings.TrimSpace(s)
	if allowText && strings.HasPrefix(t, "<") {
		return []byte(t), true
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(t), ""))
	if err != nil {
		return nil, true // not base64: the caller's format check answers
	}
	return b, true
}

func (s *Server) getBillerCertificate(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	st, err := clsii.Load(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	v := st.CertSummary(r.Scope)
	if v == nil {
		return 0, nil, apperr.NotFoundErr()
	}
	return http.StatusOK, v, nil
}

// prepareCertificate opens and checks an uploaded certificate before the
// write transaction: its key derivation and RSA checks are bounded
// (sii.LoadPKCS12) but still too slow to run under the write lock.
func (s *Server) prepareCertificate(r *Request) (any, error) {
	if _, err := r.siiBiller(); err != nil {
		return nil, err
	}
	o := input.New(r.Body, false)
	data, _ := fileBytes(o, false)
	pw, _ := o.Raw("password")
	password, isStr := pw.(string)
	if pw != nil && !isStr {
		o.Fail("password", "Not a valid string.")
	}
	if err := o.Err(); err != nil {
		return nil, err
	}
	c, err := sii.LoadPKCS12(data, password, r.Now)
	if err != nil {
		var ce *sii.CertError
		if errors.As(err, &ce) {
			return nil, apperr.Field(ce.Field, ce.Msg)
		}
		return nil, err
	}
	return c, nil
}

func (s *Server) uploadBillerCertificate(r *Request) (int, any, error) {
	b, err := r.siiBiller()
	if err != nil {
		return 0, nil, err
	}
	c := r.Prepared.(*sii.Certificate)
	st, err := clsii.Load(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	if err := b.SetCertificate(st, r.Scope, c, r.Now); err != nil {
		return 0, nil, err
	}
	if err := clsii.Save(r.Ctx, r.Q, r.Scope, st, r.Now); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, st.CertSummary(r.Scope), nil
}

func (s *Server) deleteBillerCertificate(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	st, err := clsii.Load(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	if st.CertDER == nil {
		return 0, nil, apperr.NotFoundErr()
	}
	st.CertDER, st.CertKey, st.CertUploaded = nil, nil, nil
	if err := clsii.Save(r.Ctx, r.Q, r.Scope, st, r.Now); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// prepareCAF parses and verifies an uploaded CAF before the write
// transaction (clsii.ParseUpload).
func (s *Server) prepareCAF(r *Request) (any, error) {
	if _, err := r.siiBiller(); err != nil {
		return nil, err
	}
	o := input.New(r.Body, false)
	data, _ := fileBytes(o, true)
	if err := o.Err(); err != nil {
		return nil, err
	}
	return clsii.ParseUpload(r.Scope, data)
}

func (s *Server) uploadCAF(r *Request) (int, any, error) {
	b, err := r.siiBiller()
	if err != nil {
		return 0, nil, err
	}
	v, err := b.UploadCAF(r.Ctx, r.Q, r.Scope, r.Prepared.(*clsii.UploadedCAF), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, v, nil
}

func (s *Server) listCAFs(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	return pageOf(r, &clsii.CAFListSpec, func(lq *list.Query) (int, []*clsii.CAFView, error) {
		return clsii.ListCAFs(r.Ctx, r.Q, r.Scope, lq, r.Now)
	})
}

func (s *Server) getCAF(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	v, err := clsii.GetCAF(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

func (s *Server) updateCAF(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	if _, err := clsii.GetCAF(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now); err != nil {
		return 0, nil, err
	}
	o := input.New(r.Body, false)
	v, ok := decode.IntField(o, "next_folio", false)
	if _, has := o.Raw("next_folio"); !has {
		o.Fail("next_folio", input.MsgRequired)
	}
	if err := o.Err(); err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, apperr.Field("next_folio", input.MsgRequired)
	}
	c, err := clsii.MoveCAF(r.Ctx, r.Q, r.Scope, r.PathValue("id"), *v, r.Now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, c, nil
}

func (s *Server) deleteCAF(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	v, err := clsii.DeleteCAF(r.Ctx, r.Q, r.Scope, r.PathValue("id"), r.Now)
	if err != nil {
		return 0, nil, err
	}
	if v == nil {
		return http.StatusNoContent, nil, nil
	}
	return http.StatusOK, v, nil
}
