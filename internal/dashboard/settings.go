package dashboard

import (
	"encoding/base64"
	"io"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/api"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// settingsData is the settings page.
type settingsData struct {
	Members   []workspace.Member
	Token     string // a token just issued, shown once
	Providers []any
	Biller    map[string]any // nil outside Chile
	CAFs      []any
	SMTP      bool
	Sent      string   // the address a test message just went to
	Invited   string   // the address an invitation was just queued to
	Revoked   string   // the address whose invitation was just revoked
	Pending   []invite // invitations not yet accepted
	Logo      string   // path of the workspace's logo ("" = none)
}

// invite is a pending invitation as the users section lists it.
type invite struct{ ID, Email, Expires string }

// pendingInvites are the workspace's open invitations, newest first.
func (p *page) pendingInvites() ([]invite, error) {
	return store.Collect(p.R.Context(), p.d.DB, func(r store.Scanner) (invite, error) {
		var i invite
		var expires int64
		err := r.Scan(&i.ID, &i.Email, &expires)
		i.Expires = time.UnixMicro(expires).In(p.S.Scope.Loc).Format("2006-01-02 15:04")
		return i, err
	}, `SELECT id, email, expires FROM dashboard_invitations WHERE workspace_id = $1 AND accepted IS NULL AND expires > $2
		ORDER BY created DESC, id LIMIT 25`, p.S.Scope.ID, p.d.Clock.Now().UnixMicro())
}

func (d *Dashboard) settings(p *page) error {
	return p.renderSettings(http.StatusOK, "", nil, "")
}

func (p *page) renderSettings(status int, token string, errs map[string]string, msg string) error {
	members, err := workspace.Members(p.R.Context(), p.d.DB, p.S.Scope.ID)
	if err != nil {
		return err
	}
	sd := &settingsData{Members: members, Token: token, SMTP: p.d.Mail != nil, Sent: p.R.URL.Query().Get("sent"), Invited: p.R.URL.Query().Get("invited"),
		Revoked: p.R.URL.Query().Get("revoked")}
	if sd.Pending, err = p.pendingInvites(); err != nil {
		return err
	}
	if l, st := p.get("/settings/workspace/logo/"); st == http.StatusOK {
		if u, err := url.Parse(str(l["url"])); err == nil {
			sd.Logo = u.Path
		}
	}
	provs, _ := p.get("/providers/")
	sd.Providers = list(provs["results"])
	if b, st := p.get("/billers/built_in/"); st == http.StatusOK {
		sd.Biller = b
		cafs, _ := p.get("/billers/built_in/cafs/?" + url.Values{"page_size": {"100"}, "status": {"active"}}.Encode())
		sd.CAFs = list(cafs["results"])
	}
	if msg == "" {
		msg = p.R.URL.Query().Get("error")
	}
	return p.render(status, "settings", &view{Title: tr(p.Lang, "settings"), Section: "settings", Data: sd, Errors: errs, Error: msg,
		Form: map[string]string{"idem": id.Random(24), "invite_email": p.R.PostFormValue("email")}})
}

// settingsAction: a new API token for the signed-in user, the SII
// environment, certificate and CAF uploads (through the API's routes).
func (d *Dashboard) settingsAction(p *page) error {
	switch p.R.PathValue("action") {
	case "token":
		token, err := workspace.RotateToken(p.R.Context(), d.DB, p.S.Scope.UserID, d.Clock.Now())
		if err != nil {
			return err
		}
		return p.renderSettings(http.StatusOK, token, nil, "")
	case "biller":
		body := map[string]any{}
		for _, k := range []string{"environment", "rut", "business_name", "activity", "address", "commune", "email"} {
			if v, ok := p.R.PostForm[k]; ok && strings.TrimSpace(v[0]) != "" {
				body[k] = strings.TrimSpace(v[0])
			}
		}
		if res := p.call(http.MethodPatch, "/billers/built_in/", body); res.Status >= 300 {
			errs, msg := apiErrors(res.Body)
			return p.renderSettings(http.StatusBadRequest, "", errs, msg)
		}
		return p.redirect("/app/settings")
	case "gateway":
		return p.gatewaySettings()
	case "smtp":
		return p.testMessage()
	case "logo", "logo-remove":
		return p.logoSettings()
	case "invite":
		return p.invite()
	case "remove-user":
		return p.removeMember()
	case "revoke-invite":
		return p.revokeInvite()
	case "certificate", "caf":
		file, err := uploaded(p.R)
		if err != nil {
			return p.renderSettings(http.StatusBadRequest, "", map[string]string{"file": err.Error()}, "")
		}
		body := map[string]any{"file": file}
		target := "/billers/built_in/cafs/"
		if p.R.PathValue("action") == "certificate" {
			body["password"], target = p.R.PostFormValue("password"), "/billers/built_in/certificate/"
		}
		res := p.call(http.MethodPost, target, body)
		if res.Status >= 300 {
			errs, msg := apiErrors(res.Body)
			return p.renderSettings(http.StatusBadRequest, "", errs, msg)
		}
		return p.redirect("/app/settings")
	}
	return p.notFound()
}

// uploaded reads the form's file (at most 1 MiB, the API's body limit)
// as base64, the JSON form of the API's uploads.
func uploaded(r *http.Request) (string, error) {
	f, _, err := r.FormFile("file")
	if err != nil {
		return "", errNoFile
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

type fileError string

func (e fileError) Error() string { return string(e) }

const errNoFile = fileError("Choose a file to upload.")

// logoSettings uploads the workspace's logo to PUT
// /settings/workspace/logo/ (docs/billing.md#12-workspace-logo), or removes
// it; its errors show under the logo's own file field.
func (p *page) logoSettings() error {
	var res api.CallResult
	if p.R.PathValue("action") == "logo-remove" {
		res = p.call(http.MethodDelete, "/settings/workspace/logo/", nil)
	} else {
		file, err := uploaded(p.R)
		if err != nil {
			return p.renderSettings(http.StatusBadRequest, "", map[string]string{"logo": err.Error()}, "")
		}
		res = p.call(http.MethodPut, "/settings/workspace/logo/", map[string]any{"file": file})
	}
	if res.Status >= 300 && res.Status != http.StatusNotFound {
		errs, msg := apiErrors(res.Body)
		if m, ok := errs["file"]; ok {
			errs = map[string]string{"logo": m}
		}
		return p.renderSettings(http.StatusBadRequest, "", errs, msg)
	}
	return p.redirect("/app/settings#logo")
}

// testMessage sends one message now, while the user waits, so the page
// can say whether the SMTP settings work (a queued job could only say so
// later); it is no document's email and is never retried.
func (p *page) testMessage() error {
	to := strings.TrimSpace(p.R.PostFormValue("to"))
	if p.d.Mail == nil {
		return p.renderSettings(http.StatusBadRequest, "", nil, tr(p.Lang, "smtp_off"))
	}
	if _, err := netmail.ParseAddress(to); err != nil || strings.ContainsAny(to, "\r\n") {
		return p.renderSettings(http.StatusBadRequest, "", map[string]string{"to": tr(p.Lang, "email.invalid")}, "")
	}
	msg := mail.Message{To: []string{to}, Subject: tr(p.Lang, "smtp_subject"), Text: tr(p.Lang, "smtp_body") + "\n\n" + p.S.Scope.Name + "\n"}
	if _, err := p.d.Mail.Send(p.R.Context(), msg); err != nil {
		return p.renderSettings(http.StatusBadGateway, "", nil, tr(p.Lang, "smtp_failed")+" "+err.Error())
	}
	return p.redirect("/app/settings?sent=" + url.QueryEscape(to))
}

// gatewaySettings sends a gateway's settings form to PATCH /providers/{id}/
// (docs/payments.md#13-credentials) in the session's mode: blank fields
// keep their stored value, so a secret is never shown nor needs retyping.
func (p *page) gatewaySettings() error {
	gw := p.R.PostFormValue("gateway")
	prov, status := p.get("/providers/" + url.PathEscape(gw) + "/")
	if status != http.StatusOK {
		return p.notFound()
	}
	body := map[string]any{}
	for _, f := range list(prov["fields"]) {
		name := str(field(f, "name"))
		if v := strings.TrimSpace(p.R.PostFormValue("g_" + name)); v != "" {
			body[name] = v
		}
	}
	if p.R.PostFormValue("default") == "on" {
		body["default"] = true
	}
	res := p.call(http.MethodPatch, "/providers/"+url.PathEscape(gw)+"/", body)
	if res.Status >= 300 {
		fields, msg := apiErrors(res.Body)
		errs := map[string]string{}
		for k, m := range fields {
			errs["gw."+gw+"."+k] = m
		}
		return p.renderSettings(http.StatusBadRequest, "", errs, msg)
	}
	return p.redirect("/app/settings#gw-" + gw)
}
