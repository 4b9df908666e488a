// Package dashboard is the merchant dashboard of `cobro serve`
// (docs/dashboard.md): server-rendered pages at /, /login, /logout and
// /app/. Pages never apply a business rule themselves: every read and
// write goes through the API's declared routes in-process (api.Server.Call)
// with the signed-in session's workspace and mode, so the dashboard and
// the API cannot disagree.
package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// API is what the dashboard needs of the API server (api.Server).
type API interface {
	Call(orig *http.Request, sc workspace.Scope, method, target string, body any, header http.Header) api.CallResult
	BaseURL(r *http.Request) string
	ClientAddr(r *http.Request) string
}

// Mailer sends one email now (mail.Config).
type Mailer interface {
	Send(ctx context.Context, m mail.Message) (string, error)
}

// Dashboard serves the pages. API is set by the composition root once the
// API server exists (internal/app).
type Dashboard struct {
	DB     *store.DB
	Clock  clock.Clock
	Logger *slog.Logger
	API    API
	// Mail sends the settings page's test message; nil: no SMTP server is
	// configured (COBRO_SMTP_URL).
	Mail Mailer

	mux   *http.ServeMux
	pages *template.Template
}

// New builds the dashboard; set API before serving.
func New(db *store.DB, clk clock.Clock, logger *slog.Logger) *Dashboard {
	d := &Dashboard{DB: db, Clock: clk, Logger: logger}
	d.pages = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	d.mux = http.NewServeMux()
	d.routes()
	return d
}

func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// pages are private and never framed; scripts and styles are our own
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
	d.mux.ServeHTTP(w, r)
}

// handler is a page that needs a session.
type handler func(p *page) error

// page is one request to a signed-in page.
type page struct {
	W    http.ResponseWriter
	R    *http.Request
	S    *session
	Lang string
	d    *Dashboard
}

// call runs an API route as the session (api.Server.Call).
func (p *page) call(method, target string, body any, header ...string) api.CallResult {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return p.d.API.Call(p.R, p.S.Scope, method, target, body, h)
}

// get reads an API object or page into a map; ok false with the answer's
// status otherwise.
func (p *page) get(target string) (map[string]any, int) {
	res := p.call(http.MethodGet, target, nil)
	if res.Status != http.StatusOK {
		return nil, res.Status
	}
	return decodeObject(res.Body), res.Status
}

func decodeObject(b []byte) map[string]any {
	// json.Valid first: the decoder alone accepts a stray closing bracket
	// after the object.
	var m map[string]any
	if !json.Valid(b) {
		return map[string]any{}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if dec.Decode(&m) != nil || dec.More() || m == nil {
		return map[string]any{}
	}
	return m
}

// secure: the browser reached us over https (directly or through a
// trusted proxy), so cookies get the Secure attribute.
func (d *Dashboard) secure(r *http.Request) bool {
	return strings.HasPrefix(d.API.BaseURL(r), "https://")
}

// signedIn wraps a page: no session → the sign-in page; a POST without the
// session's CSRF token → 403, nothing done.
func (d *Dashboard) signedIn(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := loadSession(r.Context(), d.DB, r, d.Clock.Now())
		if err != nil {
			d.fail(w, r, err)
			return
		}
		if s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/?next="+urlEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				http.Error(w, "Your session has ended: sign in again.", http.StatusUnauthorized)
			}
			return
		}
		if r.Method == http.MethodPost && !csrfOK(s.CSRF, r.PostFormValue("csrf")) {
			http.Error(w, "This form has expired or did not come from this site (CSRF token missing or wrong). Reload the page and try again.", http.StatusForbidden)
			return
		}
		p := &page{W: w, R: r, S: s, Lang: d.lang(w, r, s.Scope.Country), d: d}
		if err := h(p); err != nil {
			d.fail(w, r, err)
		}
	}
}

func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	d.Logger.Error("dashboard", "path", r.URL.Path, "error", err.Error())
	http.Error(w, "A server error occurred.", http.StatusInternalServerError)
}
