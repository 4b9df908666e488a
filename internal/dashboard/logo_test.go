package dashboard_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// TestLogoSettingsForm: the settings page uploads the workspace's logo
// through PUT /settings/workspace/logo/ and shows it; a file that is no
// PNG or JPEG shows the API's message on the logo's field; the logo can be
// removed (docs/billing.md#12-workspace-logo).
func TestLogoSettingsForm(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		_, page := b.do("GET", "/app/settings", nil)
		token := csrfRe.FindStringSubmatch(page)[1]
		if !strings.Contains(page, `id="logo-file"`) || strings.Contains(page, `id="logo-preview"`) {
			t.Fatal("the settings page has no logo form, or shows a logo before any upload")
		}

		res, page := b.upload("/app/settings/logo", map[string]string{"csrf": token}, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Upload a PNG or JPEG image.") {
			t.Fatalf("an SVG: %d", res.StatusCode)
		}
		c.Get("/settings/workspace/logo/").Expect(404)

		var img bytes.Buffer
		if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 90, 30))); err != nil {
			t.Fatal(err)
		}
		if res, page := b.upload("/app/settings/logo", map[string]string{"csrf": token}, img.Bytes()); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logo upload: %d %s", res.StatusCode, page)
		}
		logo := c.Get("/settings/workspace/logo/").Expect(200)
		_, page = b.do("GET", "/app/settings", nil)
		if want := `src="` + strings.TrimPrefix(apitest.Str(logo, "url"), e.URL) + `"`; !strings.Contains(page, want) {
			t.Errorf("the settings page does not show the logo (%s)", want)
		}
		if res, _ := b.upload("/app/settings/logo", map[string]string{}, img.Bytes()); res.StatusCode != http.StatusForbidden {
			t.Fatalf("upload without CSRF: %d", res.StatusCode)
		}
		if res, _ := b.do("POST", "/app/settings/logo-remove", url.Values{"csrf": {token}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		c.Get("/settings/workspace/logo/").Expect(404)
	})
}
