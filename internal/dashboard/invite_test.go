package dashboard_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/dashboard"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
)

var inviteLinkRe = regexp.MustCompile(`http://[^\s]+/app/invite/[A-Za-z0-9]+`)

// sendInvites runs the invitation queue once and returns the links of
// the emails the fake SMTP server got since `before`.
func sendInvites(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP, before int) []string {
	t.Helper()
	if _, err := e.Jobs.RunOnce(t.Context(), dashboard.InviteJobKind); err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, m := range srv.Received()[before:] {
		p := mailtest.Parse(t, m.Data)
		link := inviteLinkRe.FindString(p.Text)
		if link == "" {
			t.Fatalf("an invitation without a link: %q\n%s", p.Subject, p.Text)
		}
		if !strings.HasPrefix(link, e.URL+"/app/invite/") {
			t.Fatalf("the link %q is not on this server", link)
		}
		links = append(links, strings.TrimPrefix(link, e.URL))
	}
	return links
}

// TestInviteUser: a member invites an address from the settings page (the
// same form twice: one email); the email from the SMTP fake carries a
// one-time link whose token is stored only as its hash; the invitee sets a
// password there and signs in to the workspace; the link then no longer
// works, nor does one past 72 hours; a removed user's session ends and
// can invite no one, and nobody removes themselves.
func TestInviteUser(t *testing.T) {
	var srv *mailtest.FakeSMTP
	eachWith(t, smtpSetup(&srv), func(t *testing.T, e *apitest.Env) {
		owner := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		form := url.Values{"idem": {"invite-1"}, "email": {"ana@acme.test"}}
		if res, _ := b.do("POST", "/app/settings/invite", form); res.StatusCode != http.StatusForbidden {
			t.Fatalf("invite without CSRF: %d", res.StatusCode)
		}
		form.Set("csrf", b.csrf("/app/settings"))
		bad := url.Values{"csrf": form["csrf"], "idem": {"invite-0"}, "email": {"ana at acme"}}
		if res, page := b.do("POST", "/app/settings/invite", bad); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="e-invite">Enter a valid email address.`) {
			t.Fatalf("a bad address: %d %s", res.StatusCode, page)
		}
		for range 2 {
			if res, _ := b.do("POST", "/app/settings/invite", form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("invite: %d", res.StatusCode)
			}
		}
		if _, page := b.do("GET", "/app/settings", nil); !strings.Contains(page, `<td data-label="Invited">ana@acme.test</td>`) {
			t.Fatal("the pending invitation is not listed")
		}
		links := sendInvites(t, e, srv, 0)
		if len(links) != 1 || srv.Received()[0].To[0] != "ana@acme.test" {
			t.Fatalf("emails: %v", links)
		}
		link := links[0]
		token := link[strings.LastIndex(link, "/")+1:]
		sum := sha256.Sum256([]byte(token))
		var stored string
		if err := e.DB.QueryRow(`SELECT token_hash FROM dashboard_invitations WHERE email = 'ana@acme.test'`).Scan(&stored); err != nil || stored != hex.EncodeToString(sum[:]) {
			t.Fatalf("stored token %q (%v): not the link's hash", stored, err)
		}

		invitee := newBrowserless(t, e)
		if res, page := invitee.do("GET", link, nil); res.StatusCode != http.StatusOK || !strings.Contains(page, `value="ana@acme.test" readonly`) {
			t.Fatalf("the link: %d %s", res.StatusCode, page)
		}
		csrf := invitee.csrf(link)
		for _, tc := range []struct{ p1, p2, want string }{{"short", "short", `id="e-password"`}, {"long enough pass", "long enough pas", `id="e-password2"`}} {
			res, page := invitee.do("POST", link, url.Values{"csrf": {csrf}, "password": {tc.p1}, "password2": {tc.p2}})
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, tc.want) {
				t.Fatalf("password %q/%q: %d", tc.p1, tc.p2, res.StatusCode)
			}
		}
		if res, _ := invitee.do("POST", link, url.Values{"password": {"ana's long password"}, "password2": {"ana's long password"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("set password without CSRF: %d", res.StatusCode)
		}
		res, _ := invitee.do("POST", link, url.Values{"csrf": {csrf}, "password": {"ana's long password"}, "password2": {"ana's long password"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?joined=1" {
			t.Fatalf("set password: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := invitee.do("POST", link, url.Values{"csrf": {csrf}, "password": {"another long password"}, "password2": {"another long password"}}); res.StatusCode != http.StatusGone {
			t.Fatalf("the link used twice: %d", res.StatusCode)
		}
		if res := invitee.signIn("ana@acme.test", "ana's long password"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app" {
			t.Fatalf("the invitee signs in: %d", res.StatusCode)
		}
		_, page := invitee.do("GET", "/app/settings", nil)
		m := regexp.MustCompile(`<code>(usr_[A-Za-z0-9]+)</code></td><td data-label="Email">ana@acme.test</td>`).FindStringSubmatch(page)
		if m == nil || !strings.Contains(page, owner.Workspace) {
			t.Fatalf("the invitee's settings page: %s", page)
		}
		anaID := m[1]

		// a link past its 72 hours
		before := len(srv.Received())
		b.do("POST", "/app/settings/invite", url.Values{"csrf": form["csrf"], "idem": {"invite-2"}, "email": {"late@acme.test"}})
		late := sendInvites(t, e, srv, before)
		e.Clock.Advance(73 * time.Hour)
		if res, page := newBrowserless(t, e).do("GET", late[0], nil); res.StatusCode != http.StatusGone || !strings.Contains(page, "expired") {
			t.Fatalf("an expired link: %d", res.StatusCode)
		}

		// removing: not oneself; the removed user's session ends (both sign
		// in again: sessions last 12 hours)
		b.signIn("owner@example.com", "correct horse battery")
		invitee.signIn("ana@acme.test", "ana's long password")
		ownerCSRF := b.csrf("/app/settings")
		if res, _ := b.do("POST", "/app/settings/remove-user", url.Values{"csrf": {ownerCSRF}, "user": {owner.User}}); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("removing oneself: %d", res.StatusCode)
		}
		anaCSRF := invitee.csrf("/app/settings")
		if res, _ := b.do("POST", "/app/settings/remove-user", url.Values{"csrf": {ownerCSRF}, "user": {anaID}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		if res, _ := invitee.do("GET", "/app", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a removed user's page: %d", res.StatusCode)
		}
		before = len(srv.Received())
		if res, _ := invitee.do("POST", "/app/settings/invite", url.Values{"csrf": {anaCSRF}, "idem": {"invite-3"}, "email": {"mallory@acme.test"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a removed user invites: %d", res.StatusCode)
		}
		if got := sendInvites(t, e, srv, before); len(got) != 0 {
			t.Fatalf("a removed user's invitation was sent: %v", got)
		}
	})
}
