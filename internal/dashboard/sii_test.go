package dashboard_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/sii"
)

// upload posts a multipart form with one file.
func (b *browserless) upload(path string, fields map[string]string, file []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "upload.bin")
	_, _ = fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

// TestSIISettingsPages: in a Chilean workspace the settings page sets the
// SII environment, uploads the certificate (a wrong password shows the
// API's message on its field) and a CAF, and lists its folios left.
func TestSIISettingsPages(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("CL"), "correct horse battery")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		_, page := b.do("GET", "/app/settings?lang=es", nil)
		if !strings.Contains(page, `id="sii"`) || !strings.Contains(page, "Ambiente") {
			t.Fatal("the Chilean settings page has no SII section in Spanish")
		}
		token := csrfRe.FindStringSubmatch(page)[1]
		if res, _ := b.do("POST", "/app/settings/biller", url.Values{"csrf": {token}, "environment": {"certification"}, "rut": {"77.123.456-9"}, "business_name": {"Servicios Cobro Demo SpA"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("biller form: %d", res.StatusCode)
		}
		got := c.Get("/billers/built_in/").Expect(200)
		if got["environment"] != "certification" || got["rut"] != "77123456-9" {
			t.Fatalf("settings after the form: %v", got)
		}
		if res, _ := b.do("POST", "/app/settings/biller", url.Values{"csrf": {token}, "environment": {"prod"}}); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad environment: %d", res.StatusCode)
		}
		p12, err := sii.SandboxCertificate().PKCS12("secreto")
		if err != nil {
			t.Fatal(err)
		}
		res, page := b.upload("/app/settings/certificate", map[string]string{"csrf": token, "password": "wrong"}, p12)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "could not be opened with this password") {
			t.Fatalf("wrong certificate password: %d", res.StatusCode)
		}
		if res, page := b.upload("/app/settings/certificate", map[string]string{"csrf": token, "password": "secreto"}, p12); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("certificate: %d %s", res.StatusCode, page)
		}
		c.Get("/billers/built_in/certificate/").Expect(200)
		caf, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, "77123456-9", "Servicios Cobro Demo SpA", 33, 1, 100, e.Clock.Now().Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res, page := b.upload("/app/settings/caf", map[string]string{"csrf": token}, caf); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("CAF: %d %s", res.StatusCode, page)
		}
		_, page = b.do("GET", "/app/settings", nil)
		if !strings.Contains(page, `data-label="Folios disponibles">100</td>`) {
			t.Fatal("the settings page does not show the CAF's 100 folios left")
		}
		if res, _ := b.upload("/app/settings/caf", map[string]string{}, caf); res.StatusCode != http.StatusForbidden {
			t.Fatalf("upload without CSRF: %d", res.StatusCode)
		}
	})
}
