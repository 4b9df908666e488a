package dashboard

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Invitation rules (docs/dashboard.md#4-users-and-invitations).
const (
	// InviteJobKind is the queue kind of invitation emails.
	InviteJobKind = "dashboard_invite"
	inviteTTL     = 72 * time.Hour
)

// invite is the users section's form: an invitation for the address,
// recorded with its email's job in one transaction, so the email goes
// out (retried while the SMTP server refuses it) once per form.
func (p *page) invite() error {
	email := strings.TrimSpace(p.R.PostFormValue("email"))
	if p.d.Mail == nil {
		return p.renderSettings(http.StatusBadRequest, "", nil, tr(p.Lang, "invite.no_smtp"))
	}
	if a, err := netmail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return p.renderSettings(http.StatusBadRequest, "", map[string]string{"invite_email": tr(p.Lang, "email.invalid")}, "")
	}
	members, err := workspace.Members(p.R.Context(), p.d.DB, p.S.Scope.ID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if strings.EqualFold(m.Email, email) {
			return p.renderSettings(http.StatusBadRequest, "", map[string]string{"invite_email": tr(p.Lang, "invite.member")}, "")
		}
	}
	ctx, now := p.R.Context(), p.d.Clock.Now()
	err = p.d.DB.InTx(ctx, func(tx *sql.Tx) error {
		inv := id.New("ivt")
		res, err := tx.ExecContext(ctx, `INSERT INTO dashboard_invitations (id, workspace_id, email, invited_by, form_key, lang, base_url, created, expires)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (workspace_id, form_key) DO NOTHING`,
			inv, p.S.Scope.ID, email, p.S.Scope.UserID, idemKey(p), p.Lang, p.d.API.BaseURL(p.R), now.UnixMicro(), now.Add(inviteTTL).UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 { // the same form again: already queued
			return nil
		}
		return jobs.Enqueue(ctx, tx, InviteJobKind, "invite:"+inv, invitePayload{Invitation: inv}, now, now)
	})
	if err != nil {
		return err
	}
	return p.redirect("/app/settings?invited=" + url.QueryEscape(email) + "#users")
}

type invitePayload struct {
	Invitation string `json:"invitation"`
}

// InviteKind is the job kind that emails invitations; the composition
// root adds it when an SMTP server is configured.
func (d *Dashboard) InviteKind() jobs.Kind {
	return jobs.Kind{Name: InviteJobKind, Handle: d.sendInvite, Poll: 5 * time.Second, Lease: 2 * time.Minute, RetryAfter: time.Minute}
}

// sendInvite emails one invitation. The link's token is made here and
// only its hash is stored: a retried send issues a new link, and the
// expiry counts from the email the invitee gets.
func (d *Dashboard) sendInvite(ctx context.Context, j jobs.Job) error {
	var p invitePayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		d.Logger.Error("invitation job unreadable; dropped", "job", j.ID)
		return jobs.Complete(ctx, d.DB, j.ID)
	}
	now := d.Clock.Now()
	var email, lang, base, workspaceName string
	var inviter sql.NullString
	err := d.DB.QueryRowContext(ctx, `SELECT i.email, i.lang, i.base_url, w.name, u.email FROM dashboard_invitations i
		JOIN workspaces w ON w.id = i.workspace_id JOIN users u ON u.id = i.invited_by
		WHERE i.id = $1 AND i.accepted IS NULL`, p.Invitation).Scan(&email, &lang, &base, &workspaceName, &inviter)
	if errors.Is(err, sql.ErrNoRows) { // accepted meanwhile: nothing to send
		return jobs.Complete(ctx, d.DB, j.ID)
	}
	if err != nil {
		return err
	}
	token := id.Random(43)
	if _, err := d.DB.ExecContext(ctx, `UPDATE dashboard_invitations SET token_hash = $1, expires = $2 WHERE id = $3`,
		hashOf(token), now.Add(inviteTTL).UnixMicro(), p.Invitation); err != nil {
		return err
	}
	link := strings.TrimRight(base, "/") + "/app/invite/" + token
	who := inviter.String
	if who == "" {
		who = workspaceName
	}
	msg := mail.Message{To: []string{email}, Subject: fmt.Sprintf(tr(lang, "invite.subject"), workspaceName),
		Text: fmt.Sprintf(tr(lang, "invite.body"), who, workspaceName, link, int(inviteTTL.Hours()))}
	if _, err := d.Mail.Send(ctx, msg); err != nil {
		d.Logger.Warn("invitation not sent; will retry", "invitation", p.Invitation, "error", err.Error())
		return err
	}
	return jobs.Complete(ctx, d.DB, j.ID)
}

// invitation is the pending invitation of a link's token; nil when the
// token is unknown, used or expired.
func (d *Dashboard) invitation(ctx context.Context, token string) (*pendingInvite, error) {
	if token == "" || len(token) > 100 {
		return nil, nil
	}
	inv := &pendingInvite{}
	err := d.DB.QueryRowContext(ctx, `SELECT i.id, i.email, i.workspace_id, w.name FROM dashboard_invitations i JOIN workspaces w ON w.id = i.workspace_id
		WHERE i.token_hash = $1 AND i.accepted IS NULL AND i.expires > $2`, hashOf(token), d.Clock.Now().UnixMicro()).
		Scan(&inv.ID, &inv.Email, &inv.Workspace, &inv.WorkspaceName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return inv, err
}

type pendingInvite struct {
	ID, Email, Workspace, WorkspaceName string
}

// errInviteUsed: the link was used (or replaced by a newer email) while
// its form was open.
var errInviteUsed = errors.New("invitation already used")

// invitePage is GET /app/invite/{token}: the invitee chooses a password.
func (d *Dashboard) invitePage(w http.ResponseWriter, r *http.Request) {
	inv, err := d.invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	d.inviteForm(w, r, inv, http.StatusOK, nil)
}

// inviteForm draws the set-password page, or says the link is spent.
func (d *Dashboard) inviteForm(w http.ResponseWriter, r *http.Request, inv *pendingInvite, status int, errs map[string]string) {
	lang := d.lang(w, r, "")
	v := &view{Lang: lang, CSRF: d.loginCSRF(w, r), Title: tr(lang, "invite.title"), Errors: errs, Data: inv}
	if inv == nil {
		status, v.Error = http.StatusGone, tr(lang, "invite.spent")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := d.pages.ExecuteTemplate(w, "invite", v); err != nil {
		d.Logger.Error("dashboard", "error", err.Error())
	}
}

// acceptInvite is POST /app/invite/{token}: a new user with the password
// chosen joins the workspace, and the link stops working; then they sign in.
func (d *Dashboard) acceptInvite(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !csrfOK(c.Value, r.PostFormValue("csrf")) {
		http.Error(w, "This form has expired or did not come from this site (CSRF token missing or wrong). Reload the page and try again.", http.StatusForbidden)
		return
	}
	ctx, lang := r.Context(), d.lang(w, r, "")
	inv, err := d.invitation(ctx, r.PathValue("token"))
	if err != nil || inv == nil {
		if err != nil {
			d.fail(w, r, err)
			return
		}
		d.inviteForm(w, r, nil, http.StatusGone, nil)
		return
	}
	password := r.PostFormValue("password")
	switch {
	case len([]rune(password)) < workspace.MinPasswordLen:
		d.inviteForm(w, r, inv, http.StatusBadRequest, map[string]string{"password": fmt.Sprintf(tr(lang, "password.short"), workspace.MinPasswordLen)})
		return
	case password != r.PostFormValue("password2"):
		d.inviteForm(w, r, inv, http.StatusBadRequest, map[string]string{"password2": tr(lang, "password.mismatch")})
		return
	}
	err = d.accept(ctx, inv, r.PathValue("token"), password)
	if errors.Is(err, errInviteUsed) {
		d.inviteForm(w, r, nil, http.StatusGone, nil)
		return
	}
	if err != nil {
		d.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/?joined=1", http.StatusSeeOther)
}

// accept makes the invitee's user and membership and spends the link, in
// one transaction: two posts of one link make one user.
func (d *Dashboard) accept(ctx context.Context, inv *pendingInvite, token, password string) error {
	now := d.Clock.Now().UnixMicro()
	hash := workspace.HashPassword(password)
	return d.DB.InTx(ctx, func(tx *sql.Tx) error {
		user := id.New("usr")
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, created) VALUES ($1, $2, $3, $4)`, user, inv.Email, hash, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, workspace_id, created) VALUES ($1, $2, $3)`, user, inv.Workspace, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE dashboard_invitations SET accepted = $1, user_id = $2 WHERE id = $3 AND token_hash = $4 AND accepted IS NULL AND expires > $1`,
			now, user, inv.ID, hashOf(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errInviteUsed
		}
		return nil
	})
}

// removeMember takes a user out of the workspace: their sessions in it
// end at once (a session needs the membership) and their API token no
// longer opens it. Nobody removes themselves, so a workspace keeps a member.
func (p *page) removeMember() error {
	user := p.R.PostFormValue("user")
	if user == p.S.Scope.UserID {
		return p.renderSettings(http.StatusBadRequest, "", nil, tr(p.Lang, "remove.self"))
	}
	ctx := p.R.Context()
	var removed int64
	err := p.d.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1 AND workspace_id = $2`, user, p.S.Scope.ID)
		if err != nil {
			return err
		}
		removed, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM dashboard_sessions WHERE user_id = $1 AND workspace_id = $2`, user, p.S.Scope.ID)
		return err
	})
	if err != nil {
		return err
	}
	if removed == 0 {
		return p.notFound()
	}
	return p.redirect("/app/settings#users")
}
