package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/input"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/taxid"
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

// intField reads an integer field; (nil, true) for an explicit null when
// nullable.
func intField(o *input.Object, key string, nullable bool) (*int64, bool) {
	v, has := o.Raw(key)
	if !has {
		return nil, false
	}
	if v == nil {
		if nullable {
			return nil, true
		}
		o.Fail(key, "This field may not be null.")
		return nil, false
	}
	n, ok := asInt(v)
	if !ok {
		o.Fail(key, "A valid integer is required.")
		return nil, false
	}
	return &n, true
}

func asInt(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	var n int64
	if s == "" || len(s) > 18 {
		return 0, false
	}
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func digits(n int64) int {
	if n < 0 {
		n = -n
	}
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}

func (s *Server) updateBillerSettings(r *Request) (int, any, error) {
	if _, err := r.siiBiller(); err != nil {
		return 0, nil, err
	}
	st, err := clsii.Load(r.Ctx, r.Q, r.Scope)
	if err != nil {
		return 0, nil, err
	}
	o := input.New(r.Body, true)
	if v, ok := o.String("rut", input.StrOpt{Required: true, Max: 12}); ok && v != nil {
		if n, err := taxid.Normalize("CL", *v); err != nil {
			o.Fail("rut", err.Error())
		} else {
			st.RUT = &n
		}
	}
	for _, f := range []struct {
		key      string
		max      int
		required bool
		dst      **string
	}{
		{"business_name", 100, true, &st.BusinessName}, {"activity_description", 80, true, &st.ActivityDescription},
		{"address", 70, true, &st.Address}, {"commune", 20, true, &st.Commune}, {"city", 20, false, &st.City},
		{"sii_office", 40, false, &st.SIIOffice},
	} {
		if v, ok := o.String(f.key, input.StrOpt{Required: f.required, Max: f.max}); ok {
			*f.dst = v
		}
	}
	if v, ok := o.Email("email", input.StrOpt{Max: 254}); ok {
		st.Email = v
	}
	if raw, has := o.Raw("activity_codes"); has {
		items, isList := raw.([]any)
		switch {
		case !isList:
			o.Fail("activity_codes", input.MsgList(input.TypeName(raw)))
		case len(items) < 1 || len(items) > 4:
			o.Fail("activity_codes", "Give between 1 and 4 codes.")
		default:
			nested := map[string]any{}
			var codes []int64
			for i, it := range items {
				n, ok := asInt(it)
				switch {
				case !ok:
					nested[strconv.Itoa(i)] = []string{"A valid integer is required."}
				case n < 1:
					nested[strconv.Itoa(i)] = []string{"Ensure this value is greater than or equal to 1."}
				case digits(n) > 6:
					nested[strconv.Itoa(i)] = []string{"Ensure this value has no more than 6 digits."}
				}
				codes = append(codes, n)
			}
			if len(nested) > 0 {
				o.FailNested("activity_codes", nested)
			} else {
				st.ActivityCodes = codes
			}
		}
	}
	if v, ok := intField(o, "branch_code", true); ok {
		if v != nil && (*v < 0 || digits(*v) > 9) {
			o.Fail("branch_code", "Ensure this value has no more than 9 digits.")
		} else {
			st.BranchCode = v
		}
	}
	if v, ok := intField(o, "resolution_number", false); ok {
		if *v < 0 {
			o.Fail("resolution_number", "Ensure this value is greater than or equal to 0.")
		} else {
			st.ResolutionNumber = v
		}
	}
	if v, ok := o.Date("resolution_date", false, false); ok && v != nil {
		st.ResolutionDate = v
	}
	if v, ok := o.Choice("environment", false, "sandbox", "certification", "production"); ok && v != "" {
		st.Environment = v
	}
	if v, ok := intField(o, "caf_low_percent", false); ok {
		if *v < 0 || *v > 100 {
			o.Fail("caf_low_percent", "Ensure this value is between 0 and 100.")
		} else {
			st.CAFLowPercent = v
		}
	}
	if err := o.Err(); err != nil {
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
	lq, err := r.ParseList(&clsii.CAFListSpec, 2)
	if err != nil {
		return 0, nil, err
	}
	n, items, err := clsii.ListCAFs(r.Ctx, r.Q, r.Scope, lq, r.Now)
	if err != nil {
		return 0, nil, err
	}
	return r.PageOf(lq, n, items)
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
	v, ok := intField(o, "next_folio", false)
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
