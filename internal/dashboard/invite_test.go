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
	"github.com/cobrobilling/cobro/internal/workspace"
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

// inviteAndSend invites the address from b's settings page with a new
// form key and returns the link of the email that went out.
func inviteAndSend(t *testing.T, e *apitest.Env, srv *mailtest.FakeSMTP, b *browserless, email string) string {
	t.Helper()
	before := len(srv.Received())
	form := url.Values{"csrf": {b.csrf("/app/settings")}, "idem": {"invite-" + email}, "email": {email}}
	if res, page := b.do("POST", "/app/settings/invite", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s: %d %s", email, res.StatusCode, page)
	}
	links := sendInvites(t, e, srv, before)
	if len(links) != 1 {
		t.Fatalf("invitations to %s: %v", email, links)
	}
	return links[0]
}

// count runs a COUNT(*) query.
func count(t *testing.T, e *apitest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInviteExistingAccount: an invitation to an email that already has
// a Cobro account asks that account's password (the email says so); a
// wrong one is a field error, counted with sign-in's failures until 429;
// the right one adds the existing user to the workspace (no new user) and
// spends the link; a second link for an account already a member is spent
// too and says so on the sign-in page. An account without a password
// does not count: its email gets the new-user form.
func TestInviteExistingAccount(t *testing.T) {
	var srv *mailtest.FakeSMTP
	eachWith(t, smtpSetup(&srv), func(t *testing.T, e *apitest.Env) {
		owner := withPassword(t, e, e.Workspace("US"), "correct horse battery")
		bob := account(t, e, "Bob's shop", "bob@acme.test", "bob's own password")
		if _, err := workspace.Create(t.Context(), e.DB, "API only", "US", "api@acme.test", e.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		first, second := inviteAndSend(t, e, srv, b, "Bob@acme.test"), inviteAndSend(t, e, srv, b, "bob@acme.test")
		if text := mailtest.Parse(t, srv.Received()[0].Data).Text; !strings.Contains(text, "You already have a Cobro account") {
			t.Fatalf("the email to an account: %s", text)
		}

		invitee := newBrowserless(t, e)
		res, page := invitee.do("GET", first, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `autocomplete="current-password"`) || strings.Contains(page, `name="password2"`) {
			t.Fatalf("the link of an account: %d %s", res.StatusCode, page)
		}
		csrf := invitee.csrf(first)
		if res, _ := invitee.do("POST", first, url.Values{"password": {"bob's own password"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("without CSRF: %d", res.StatusCode)
		}
		for i := range 5 {
			res, page := invitee.do("POST", first, url.Values{"csrf": {csrf}, "password": {"a guess " + string(rune('a'+i))}})
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, `id="e-password">That is not this account&#39;s password.`) {
				t.Fatalf("wrong password %d: %d %s", i, res.StatusCode, page)
			}
		}
		res, page = invitee.do("POST", first, url.Values{"csrf": {csrf}, "password": {"bob's own password"}})
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(page, `id="e-password">Too many failed attempts`) {
			t.Fatalf("the 6th attempt: %d %s", res.StatusCode, page)
		}
		if res := invitee.signIn("bob@acme.test", "bob's own password"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("sign-in shares the limit: %d", res.StatusCode)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM memberships WHERE user_id = $1`, bob); n != 1 {
			t.Fatalf("memberships after wrong passwords: %d", n)
		}
		e.Clock.Advance(16 * time.Minute)
		res, _ = invitee.do("POST", first, url.Values{"csrf": {csrf}, "password": {"bob's own password"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?joined=account" {
			t.Fatalf("the right password: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if n := count(t, e, `SELECT COUNT(*) FROM users WHERE LOWER(email) = 'bob@acme.test'`); n != 1 {
			t.Fatalf("users with bob's email: %d", n)
		}
		if res, _ := invitee.do("POST", first, url.Values{"csrf": {csrf}, "password": {"bob's own password"}}); res.StatusCode != http.StatusGone {
			t.Fatalf("the link used twice: %d", res.StatusCode)
		}
		if _, page := invitee.do("GET", "/?joined=account", nil); !strings.Contains(page, "The workspace was added to your account") {
			t.Fatalf("the sign-in page after joining: %s", page)
		}
		invitee.signIn("bob@acme.test", "bob's own password")
		if res, _ := invitee.do("POST", "/app/switch", url.Values{"csrf": {invitee.csrf("/app")}, "workspace": {owner.Workspace}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("bob switches to the inviting workspace: %d", res.StatusCode)
		}
		if _, page := b.do("GET", "/app/settings", nil); !strings.Contains(page, `<code>`+bob+`</code></td><td data-label="Email">bob@acme.test</td>`) {
			t.Fatal("bob is not listed among the workspace's users")
		}

		// the second link: already a member
		other := newBrowserless(t, e)
		res, _ = other.do("POST", second, url.Values{"csrf": {other.csrf(second)}, "password": {"bob's own password"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?joined=member" {
			t.Fatalf("a member's link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := other.do("GET", second, nil); res.StatusCode != http.StatusGone {
			t.Fatalf("a member's link afterwards: %d", res.StatusCode)
		}
		if _, page := other.do("GET", "/?joined=member", nil); !strings.Contains(page, "already belongs to this workspace") {
			t.Fatalf("the sign-in page for a member: %s", page)
		}

		// an account without a password: the new-user form
		link := inviteAndSend(t, e, srv, b, "api@acme.test")
		if _, page := newBrowserless(t, e).do("GET", link, nil); !strings.Contains(page, `name="password2"`) {
			t.Fatalf("an email whose user has no password: %s", page)
		}
	})
}

// TestRevokeInvitation: a pending invitation's Revoke button (CSRF, this
// workspace's members only) withdraws it: its link answers 410, and one
// revoked before its email went out is never sent.
func TestRevokeInvitation(t *testing.T) {
	var srv *mailtest.FakeSMTP
	eachWith(t, smtpSetup(&srv), func(t *testing.T, e *apitest.Env) {
		withPassword(t, e, e.Workspace("US"), "correct horse battery")
		b := newBrowserless(t, e)
		b.signIn("owner@example.com", "correct horse battery")
		link := inviteAndSend(t, e, srv, b, "ana@acme.test")
		_, page := b.do("GET", "/app/settings", nil)
		m := regexp.MustCompile(`name="invitation" value="(ivt_[A-Za-z0-9]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no Revoke button: %s", page)
		}
		ivt := m[1]

		// another workspace's member: 404, the invitation stays
		stranger := newBrowserless(t, e)
		account(t, e, "Elsewhere", "eve@acme.test", "eve's own password")
		stranger.signIn("eve@acme.test", "eve's own password")
		if res, _ := stranger.do("POST", "/app/settings/revoke-invite", url.Values{"csrf": {stranger.csrf("/app/settings")}, "invitation": {ivt}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("revoked from another workspace: %d", res.StatusCode)
		}
		if res, _ := b.do("POST", "/app/settings/revoke-invite", url.Values{"invitation": {ivt}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("revoke without CSRF: %d", res.StatusCode)
		}
		if res, _ := newBrowserless(t, e).do("GET", link, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("the link before revoking: %d", res.StatusCode)
		}

		csrf := b.csrf("/app/settings")
		res, _ := b.do("POST", "/app/settings/revoke-invite", url.Values{"csrf": {csrf}, "invitation": {ivt}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if _, page := b.do("GET", res.Header.Get("Location"), nil); !strings.Contains(page, `id="revoked">Invitation revoked: ana@acme.test`) || strings.Contains(page, ivt) {
			t.Fatalf("the settings page after revoking: %s", page)
		}
		invitee := newBrowserless(t, e)
		if res, page := invitee.do("GET", link, nil); res.StatusCode != http.StatusGone || !strings.Contains(page, "withdrawn") {
			t.Fatalf("a revoked link: %d", res.StatusCode)
		}
		res, _ = invitee.do("POST", link, url.Values{"csrf": {invitee.csrf("/")}, "password": {"ana's long password"}, "password2": {"ana's long password"}})
		if res.StatusCode != http.StatusGone || count(t, e, `SELECT COUNT(*) FROM users WHERE email = 'ana@acme.test'`) != 0 {
			t.Fatalf("posting a revoked link: %d", res.StatusCode)
		}
		if res, _ := b.do("POST", "/app/settings/revoke-invite", url.Values{"csrf": {csrf}, "invitation": {ivt}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("revoked twice: %d", res.StatusCode)
		}

		// revoked before its email went out: nothing is sent
		before := len(srv.Received())
		b.do("POST", "/app/settings/invite", url.Values{"csrf": {csrf}, "idem": {"invite-late"}, "email": {"late@acme.test"}})
		var late string
		if err := e.DB.QueryRow(`SELECT id FROM dashboard_invitations WHERE email = 'late@acme.test'`).Scan(&late); err != nil {
			t.Fatal(err)
		}
		if res, _ := b.do("POST", "/app/settings/revoke-invite", url.Values{"csrf": {csrf}, "invitation": {late}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke a queued invitation: %d", res.StatusCode)
		}
		if got := sendInvites(t, e, srv, before); len(got) != 0 {
			t.Fatalf("a revoked invitation was emailed: %v", got)
		}
	})
}
