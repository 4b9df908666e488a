package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/report"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// pageSize is the rows of every list page (docs/dashboard.md#2-pages).
const pageSize = 25

func (d *Dashboard) routes() {
	m := d.mux
	m.HandleFunc("GET /{$}", d.signInPage)
	m.HandleFunc("POST /login", d.login)
	m.HandleFunc("POST /logout", d.signedIn(d.logout))
	m.HandleFunc("GET /app/assets/{file}", d.asset)
	m.HandleFunc("GET /app/invite/{token}", d.invitePage)
	m.HandleFunc("POST /app/invite/{token}", d.acceptInvite)
	m.HandleFunc("GET /app", d.signedIn(d.home))
	m.HandleFunc("POST /app/switch", d.signedIn(d.switchScope))
	for _, f := range docForms {
		m.HandleFunc("GET /app/"+f.Slug+"/new", d.signedIn(d.newDoc(f)))
		m.HandleFunc("POST /app/"+f.Slug, d.signedIn(d.createDoc(f)))
	}
	m.HandleFunc("POST /app/webhooks/{id}/redeliver", d.signedIn(d.redeliver))
	m.HandleFunc("GET /app/invoices/{id}", d.signedIn(d.showInvoice))
	m.HandleFunc("GET /app/invoices/{id}/pdf", d.signedIn(d.invoicePDF))
	m.HandleFunc("POST /app/invoices/{id}/{action}", d.signedIn(d.invoiceAction))
	m.HandleFunc("GET /app/customers/{id}", d.signedIn(d.showCustomer))
	m.HandleFunc("GET /app/settings", d.signedIn(d.settings))
	m.HandleFunc("POST /app/settings/{action}", d.signedIn(d.settingsAction))
	m.HandleFunc("GET /app/{slug}", d.signedIn(d.listPage))
	m.HandleFunc("POST /app/{slug}", d.signedIn(d.createObject))
	m.HandleFunc("GET /app/{slug}/{id}", d.signedIn(d.showObject))
	m.HandleFunc("POST /app/{slug}/{id}/{action}", d.signedIn(d.objectAction))
}

// asset serves the embedded stylesheet and script.
func (d *Dashboard) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(b)
}

// signInPage is GET /: the sign-in form, or the home page when signed in.
func (d *Dashboard) signInPage(w http.ResponseWriter, r *http.Request) {
	s, err := loadSession(r.Context(), d.DB, r, d.Clock.Now())
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if s != nil {
		http.Redirect(w, r, "/app", http.StatusSeeOther)
		return
	}
	d.signInForm(w, r, http.StatusOK, "", r.URL.Query().Get("next"))
}

func (d *Dashboard) signInForm(w http.ResponseWriter, r *http.Request, status int, msg, next string) {
	lang := d.lang(w, r, "")
	v := &view{Lang: lang, CSRF: d.loginCSRF(w, r), Title: tr(lang, "signin"), Error: msg, Form: map[string]string{"email": r.PostFormValue("email"), "next": safeNext(next)}}
	switch r.URL.Query().Get("joined") {
	case "":
	case "account":
		v.Form["notice"] = tr(lang, "invite.added")
	case "member":
		v.Form["notice"] = tr(lang, "invite.already")
	default:
		v.Form["notice"] = tr(lang, "invite.joined")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := d.pages.ExecuteTemplate(w, "signin", v); err != nil {
		d.Logger.Error("dashboard", "error", err.Error())
	}
}

// loginCSRF is the CSRF token of the forms shown before a session exists
// (sign-in, an invitation's password): kept in a cookie of its own.
func (d *Dashboard) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	token := id.Random(32)
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) == 32 {
		token = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: d.secure(r)})
	return token
}

// safeNext keeps a post-sign-in destination only when it is one of ours.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/app") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return "/app"
}

// login is POST /login (docs/dashboard.md#1-sign-in-and-sessions).
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), d.Clock.Now()
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !csrfOK(c.Value, r.PostFormValue("csrf")) {
		http.Error(w, "This form has expired or did not come from this site (CSRF token missing or wrong). Reload the page and try again.", http.StatusForbidden)
		return
	}
	email, password, next := r.PostFormValue("email"), r.PostFormValue("password"), r.PostFormValue("next")
	addr := d.API.ClientAddr(r)
	lang := d.lang(w, r, "")
	if limited, err := throttled(ctx, d.DB, email, addr, now); err != nil {
		d.fail(w, r, err)
		return
	} else if limited {
		w.Header().Set("Retry-After", "900")
		d.signInForm(w, r, http.StatusTooManyRequests, tr(lang, "signin.throttled"), next)
		return
	}
	u, err := workspace.SignIn(ctx, d.DB, email, password)
	var ws []workspace.Workspace
	if err == nil {
		ws, err = workspace.Memberships(ctx, d.DB, u.ID)
		if err == nil && len(ws) == 0 {
			err = workspace.ErrNotFound
		}
	}
	if errors.Is(err, workspace.ErrNotFound) {
		if err := recordFailure(ctx, d.DB, email, addr, now); err != nil {
			d.fail(w, r, err)
			return
		}
		d.signInForm(w, r, http.StatusUnauthorized, tr(lang, "signin.bad"), next)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	raw, err := newSession(ctx, d.DB, u.ID, ws[0].ID, now)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: raw, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: d.secure(r), MaxAge: int(sessionTTL.Seconds())})
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (d *Dashboard) logout(p *page) error {
	if err := p.S.end(p.R.Context(), d.DB); err != nil {
		return err
	}
	http.SetCookie(p.W, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: d.secure(p.R)})
	return p.redirect("/")
}

// switchScope moves the session to a workspace of the user and a mode.
func (d *Dashboard) switchScope(p *page) error {
	ws := p.R.PostFormValue("workspace")
	if ws == "" {
		ws = p.S.Scope.ID
	}
	ok, err := p.S.switchTo(p.R.Context(), d.DB, ws, p.R.PostFormValue("mode") == "test")
	if err != nil {
		return err
	}
	if !ok {
		return p.notFound()
	}
	return p.redirect("/app")
}

// home shows the figures of docs/dashboard.md#3-home-figures.
func (d *Dashboard) home(p *page) error {
	f, err := report.Compute(p.R.Context(), d.DB, p.S.Scope, d.Clock.Now())
	if err != nil {
		return err
	}
	return p.render(http.StatusOK, "home", &view{Title: tr(p.Lang, "home"), Section: "home",
		Data: homeData{F: f, Revenue: revenueChart(f, p.Lang), Aging: agingChart(f, p.Lang)}})
}

// listData is a list page's rows and paging.
type listData struct {
	R                         *resource
	Create                    []input // the create form's fields in this workspace
	Options                   map[string][][2]string
	Rows                      []any
	Count, Page, Pages        int
	Search, Status            string
	PrevURL, NextURL, BaseURL string
}

// listPage is GET /app/{slug}: the API's list with search, a status
// filter and pages of 25.
func (d *Dashboard) listPage(p *page) error {
	res := resourceBySlug(p.R.PathValue("slug"))
	if res == nil {
		return p.notFound()
	}
	ld, err := p.list(res, nil)
	if err != nil {
		return err
	}
	ld.Create, ld.Options = p.createForm(res)
	return p.render(http.StatusOK, "list", &view{Title: tr(p.Lang, res.Title), Section: res.Slug, Data: ld,
		Form: map[string]string{"idem": id.Random(24), "country": p.S.Scope.Country, "currency": p.S.Scope.Currency,
			"date_start": d.Clock.Now().In(p.S.Scope.Loc).Format(time.DateOnly), "lines.0.quantity": "1"}})
}

// createForm is the resource's create form for this workspace, with the
// options of its catalogue selects (countries, the workspace country's states).
func (p *page) createForm(res *resource) ([]input, map[string][][2]string) {
	var ins []input
	opts := map[string][][2]string{}
	for _, in := range res.Create {
		if in.Country != "" && in.Country != p.S.Scope.Country {
			continue
		}
		ins = append(ins, in)
		if in.Choices != nil {
			for _, c := range in.Choices {
				opts[in.Name] = append(opts[in.Name], [2]string{c, c})
			}
			continue
		}
		src, ok := optionSources[in.Type]
		if !ok {
			continue
		}
		if !in.Required {
			opts[in.Name] = append(opts[in.Name], [2]string{"", "—"})
		}
		target := strings.ReplaceAll(src.Target, "{country}", url.QueryEscape(p.S.Scope.Country))
		for page := 1; page <= 3; page++ { // ~250 countries: three pages of 100
			body, status := p.get(target + "&page=" + strconv.Itoa(page))
			if status != http.StatusOK {
				break
			}
			label := src.Label
			if p.Lang == "en" && src.LabelEn != "" {
				label = src.LabelEn
			}
			for _, o := range list(body["results"]) {
				opts[in.Name] = append(opts[in.Name], [2]string{str(field(o, src.Value)), str(field(o, label))})
			}
			if body["next"] == nil {
				break
			}
		}
	}
	return ins, opts
}

// list reads one page of a resource; fixed adds filters (a customer's invoices).
func (p *page) list(res *resource, fixed url.Values) (*listData, error) {
	q := p.R.URL.Query()
	ld := &listData{R: res, Page: 1, Search: q.Get("search"), Status: q.Get("status")}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		ld.Page = n
	}
	api := url.Values{"page": {strconv.Itoa(ld.Page)}, "page_size": {strconv.Itoa(pageSize)}}
	if ld.Search != "" && res.Search {
		api.Set("search", ld.Search)
	}
	if ld.Status != "" && slices.Contains(res.Statuses, ld.Status) {
		api.Set("status", ld.Status)
	}
	for k, v := range fixed {
		api[k] = v
	}
	body, status := p.get(res.API + "?" + api.Encode())
	if status == http.StatusNotFound && ld.Page > 1 { // past the end: the last page
		ld.Page = 1
		api.Set("page", "1")
		body, status = p.get(res.API + "?" + api.Encode())
	}
	if body == nil {
		body = map[string]any{}
	}
	ld.Rows, _ = body["results"].([]any)
	ld.Count, _ = strconv.Atoi(str(body["count"]))
	ld.Pages = max(1, (ld.Count+pageSize-1)/pageSize)
	link := func(page int) string {
		v := url.Values{"page": {strconv.Itoa(page)}}
		if ld.Search != "" {
			v.Set("search", ld.Search)
		}
		if ld.Status != "" {
			v.Set("status", ld.Status)
		}
		return "/app/" + res.Slug + "?" + v.Encode()
	}
	if ld.Page > 1 {
		ld.PrevURL = link(ld.Page - 1)
	}
	if ld.Page < ld.Pages {
		ld.NextURL = link(ld.Page + 1)
	}
	_ = status
	return ld, nil
}

// createObject posts a resource's create form to the API.
func (d *Dashboard) createObject(p *page) error {
	res := resourceBySlug(p.R.PathValue("slug"))
	if res == nil || res.Create == nil {
		return p.notFound()
	}
	body, form := map[string]any{}, map[string]string{}
	for _, in := range res.Create {
		if v := strings.TrimSpace(p.R.PostFormValue(in.Name)); v != "" {
			form[in.Name] = v
			setPath(body, strings.Split(in.Name, "."), typed(in, v))
		}
	}
	out := p.call(http.MethodPost, res.API, body, "Idempotency-Key", idemKey(p))
	if out.Status == http.StatusCreated || out.Status == http.StatusOK {
		return p.redirect("/app/" + res.Slug + "/" + str(decodeObject(out.Body)["id"]))
	}
	ld, err := p.list(res, nil)
	if err != nil {
		return err
	}
	v := &view{Title: tr(p.Lang, res.Title), Section: res.Slug, Data: ld, Form: form}
	ld.Create, ld.Options = p.createForm(res)
	v.Errors, v.Error = apiErrors(out.Body)
	for k, m := range v.Errors { // a rule on a field the form does not show
		if !slices.ContainsFunc(res.Create, func(in input) bool { return in.Name == k }) {
			v.Error = strings.TrimSpace(v.Error + " " + k + ": " + m)
		}
	}
	form["idem"] = freshKey() // the refused attempt's answer is recorded under the old key
	form["open"] = "1"
	return p.render(http.StatusBadRequest, "list", v)
}

// setPath puts a form value into the API body at a dotted path: "a.b"
// nests objects, a number is a list index ("lines.0.plan").
func setPath(body map[string]any, keys []string, v any) {
	cur := body
	for i, k := range keys[:len(keys)-1] {
		if n, err := strconv.Atoi(keys[i+1]); err == nil && n >= 0 && n < 20 {
			l, _ := cur[k].([]any)
			for len(l) <= n {
				l = append(l, map[string]any{})
			}
			cur[k] = l
			m := l[n].(map[string]any)
			if i+2 == len(keys) {
				return
			}
			if i+3 == len(keys) {
				m[keys[i+2]] = v
				return
			}
			setPath(m, keys[i+2:], v)
			return
		}
		m, _ := cur[k].(map[string]any)
		if m == nil {
			m = map[string]any{}
			cur[k] = m
		}
		cur = m
	}
	cur[keys[len(keys)-1]] = v
}

// freshKey is the key of a form drawn again after the API refused it: a
// new one, since docs/conventions.md#13-idempotency-keys replays the
// refusal for the old key.
func freshKey() string { return id.Random(24) }

// idemKey is the form's Idempotency-Key: generated when the form was
// drawn, so a resubmitted form creates nothing twice
// (docs/conventions.md#13-idempotency-keys).
func idemKey(p *page) string {
	k := p.R.PostFormValue("idem")
	if k == "" || len(k) > 64 {
		k = id.Random(24)
	}
	return "dash-" + k
}

// detailData is an object's page.
type detailData struct {
	R       *resource
	Obj     map[string]any
	Actions []action
	Log     []deliveryRow // webhooks and events: the delivery log
	Shown   bool          // the log is shown (even when empty)
}

// showObject is GET /app/{slug}/{id}: the API object's fields.
func (d *Dashboard) showObject(p *page) error {
	res := resourceBySlug(p.R.PathValue("slug"))
	if res == nil {
		return p.notFound()
	}
	obj, status := p.get(res.API + url.PathEscape(p.R.PathValue("id")) + "/")
	if status != http.StatusOK {
		return p.notFound()
	}
	dd := &detailData{R: res, Obj: obj, Log: p.deliveryLog(res.Slug, obj), Shown: res.Slug == "webhooks" || res.Slug == "events"}
	for _, a := range res.Actions {
		if a.When == nil || slices.Contains(a.When, str(obj["status"])) {
			dd.Actions = append(dd.Actions, a)
		}
	}
	return p.render(http.StatusOK, "detail", &view{Title: tr(p.Lang, res.Title), Section: res.Slug, Data: dd, Error: p.R.URL.Query().Get("error"),
		Form: map[string]string{"redelivered": p.R.URL.Query().Get("redelivered")}})
}

// objectAction runs a detail page's button through the API.
func (d *Dashboard) objectAction(p *page) error {
	res := resourceBySlug(p.R.PathValue("slug"))
	name := p.R.PathValue("action")
	if res == nil || !slices.ContainsFunc(res.Actions, func(a action) bool { return a.Name == name }) {
		return p.notFound()
	}
	objID := url.PathEscape(p.R.PathValue("id"))
	var out api.CallResult
	if name != "delete" {
		out = p.call(http.MethodPost, res.API+objID+"/"+name+"/", map[string]any{})
	} else {
		out = p.call(http.MethodDelete, res.API+objID+"/", nil)
		if out.Status == http.StatusNoContent { // destroyed: back to the list
			return p.redirect("/app/" + res.Slug)
		}
	}
	back := "/app/" + res.Slug + "/" + objID
	if out.Status >= 300 {
		return p.backWithError(back, out.Body)
	}
	return p.redirect(back)
}

// backWithError sends a button's refusal back to its page: the API's
// messages in one line, shown above the page.
func (p *page) backWithError(back string, body []byte) error {
	fields, whole := apiErrors(body)
	for _, m := range fields {
		whole = strings.TrimSpace(whole + " " + m)
	}
	return p.redirect(back + "?error=" + url.QueryEscape(whole))
}

// showCustomer is a customer with their invoices, subscriptions and payments.
func (d *Dashboard) showCustomer(p *page) error {
	cid := p.R.PathValue("id")
	obj, status := p.get("/customers/" + url.PathEscape(cid) + "/")
	if status != http.StatusOK {
		return p.notFound()
	}
	related := map[string]any{}
	for _, slug := range []string{"invoices", "subscriptions", "payments"} {
		res := resourceBySlug(slug)
		body, _ := p.get(res.API + "?" + url.Values{"customer": {cid}, "page_size": {"10"}}.Encode())
		related[slug] = body
	}
	return p.render(http.StatusOK, "customer", &view{Title: str(obj["name"]), Section: "customers",
		Data: map[string]any{"Obj": obj, "Related": related, "Res": map[string]*resource{"invoices": resourceBySlug("invoices"), "subscriptions": resourceBySlug("subscriptions"), "payments": resourceBySlug("payments")}}})
}
