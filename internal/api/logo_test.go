package api_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

// testImage encodes a w×h image as PNG or JPEG.
func testImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.RGBA{R: 37, G: 99, B: 235, A: 255})
	}
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const logoPath = "/settings/workspace/logo/"

// The workspace logo (docs/billing.md#12-workspace-logo): only PNG or JPEG
// within the limits is stored; emails carry it inline; the portal and the
// hosted checkout show it from its public, cacheable URL; replacing or
// removing it retires that URL.
func TestWorkspaceLogo(t *testing.T) {
	eachMail(t, func(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP) {
		c := e.Workspace("US")
		anon := e.Anonymous()
		c.Get(logoPath).Expect(404)

		c.Put(logoPath, map[string]any{}).ExpectBody(400, `{"file": ["This field is required."]}`)
		for name, data := range map[string][]byte{
			"logo.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
			"logo.gif": []byte("GIF89a\x10\x00\x10\x00\x00\x00\x00;"),
		} {
			uploadFile(c, "PUT", logoPath, name, data).ExpectBody(400, `{"file": ["Upload a PNG or JPEG image."]}`)
		}
		big := append(testImage(t, "png", 64, 64), make([]byte, 520<<10)...)
		uploadFile(c, "PUT", logoPath, "big.png", big).ExpectBody(400, `{"file": ["The logo must be at most 512 KB (this file is 521 KB)."]}`)
		uploadFile(c, "PUT", logoPath, "wide.png", testImage(t, "png", 5000, 20)).
			ExpectBody(400, `{"file": ["The logo must be 16 to 4096 pixels wide and high (this one is 5000×20)."]}`)
		uploadFile(c, "PUT", logoPath, "tiny.jpg", testImage(t, "jpeg", 8, 8)).
			ExpectBody(400, `{"file": ["The logo must be 16 to 4096 pixels wide and high (this one is 8×8)."]}`)
		if got := uploadFile(c, "PUT", logoPath, "broken.png", []byte("\x89PNG\r\n\x1a\nnot really")).Expect(400); got["file"] == nil {
			t.Errorf("a broken PNG: %v", got)
		}
		c.Get(logoPath).Expect(404)

		logo := testImage(t, "png", 120, 40)
		view := uploadFile(c, "PUT", logoPath, "logo.png", logo).Expect(200)
		url := apitest.Str(view, "url")
		if view["content_type"] != "image/png" || apitest.Num(view["width"]) != "120" || apitest.Num(view["height"]) != "40" ||
			apitest.Num(view["size"]) != strconv.Itoa(len(logo)) || !strings.HasPrefix(url, e.URL+"/publishable/logos/") {
			t.Fatalf("logo: %v", view)
		}
		path := strings.TrimPrefix(url, e.URL)
		pub := anon.Get(path)
		if pub.Status != 200 || !bytes.Equal(pub.Body, logo) || pub.Header.Get("Content-Type") != "image/png" ||
			!strings.Contains(pub.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("public logo: %d %v", pub.Status, pub.Header)
		}
		anon.Get(path + "0").Expect(404)
		other := e.Workspace("US")
		anon.Get(strings.Replace(path, c.Workspace, other.Workspace, 1)).Expect(404)
		other.Get(logoPath).Expect(404)

		// the invoice email shows it inline, with no URL to fetch
		inv := usInvoice(c, mailCustomer(c, "logoco"), "100.00")
		c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		sendMail(t, e)
		got := srv.Received()
		if len(got) != 1 {
			t.Fatalf("%d mails", len(got))
		}
		m := mailtest.Parse(t, got[0].Data)
		cid := "logo-" + path[strings.LastIndex(path, "/")+1:] + "@cobro"
		if !bytes.Equal(m.Inline[cid], logo) || !strings.Contains(m.HTML, `src="cid:`+cid+`"`) || !strings.Contains(got[0].Data, "multipart/related") {
			t.Errorf("inline logo %q: parts %v\n%s", cid, len(m.Inline), m.HTML)
		}
		if !strings.HasPrefix(string(m.Attachments["Invoice-1.pdf"]), "%PDF-") {
			t.Errorf("the PDF is still attached: %v", keys(m.Attachments))
		}

		// the portal and the hosted checkout (test mode: same logo) show it
		sess := c.Post("/customer_base/sessions/", map[string]any{"customer": mailCustomer(c, "portalco")}).Expect(201)
		page := anon.Get(strings.TrimPrefix(apitest.Str(sess, "url"), e.URL))
		if !strings.Contains(string(page.Body), `<img class="logo" src="`+path+`"`) || !strings.Contains(page.Header.Get("Content-Security-Policy"), "img-src 'self'") {
			t.Errorf("portal: %s\n%s", page.Header.Get("Content-Security-Policy"), page.Body)
		}
		key := apitest.Str(c.Test().Get("/payment_links/links/"+newLink(c.Test())+"/").Expect(200), "publishable_key")
		hosted := anon.Get(pubPath(key) + "hosted/")
		if !strings.Contains(string(hosted.Body), `<img class="logo" src="`+path+`"`) || !strings.Contains(hosted.Header.Get("Content-Security-Policy"), "img-src 'self'") {
			t.Errorf("hosted checkout: %s", hosted.Body)
		}

		// a new logo gets a new URL; the old one is gone
		jpg := testImage(t, "jpeg", 200, 60)
		next := uploadFile(c, "PUT", logoPath, "logo.jpg", jpg).Expect(200)
		if next["content_type"] != "image/jpeg" || next["url"] == url {
			t.Errorf("replaced: %v", next)
		}
		anon.Get(path).Expect(404)
		c.Delete(logoPath).Expect(204)
		c.Get(logoPath).Expect(404)
		c.Delete(logoPath).Expect(404)
		anon.Get(strings.TrimPrefix(apitest.Str(next, "url"), e.URL)).Expect(404)
	})
}
