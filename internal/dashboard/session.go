package dashboard

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Session rules (docs/dashboard.md#1-sign-in-and-sessions).
const (
	sessionCookie   = "cobro_session"
	loginCSRFCookie = "cobro_login_csrf"
	sessionTTL      = 12 * time.Hour
	failureWindow   = 15 * time.Minute
	maxEmailFails   = 5
	maxAddrFails    = 20
)

// session is a signed-in browser: its user, workspace and mode.
type session struct {
	hash  string
	CSRF  string
	Scope workspace.Scope
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newSession stores a session for the user in their first workspace
// (live mode) and returns the cookie value.
func newSession(ctx context.Context, db *store.DB, userID, workspaceID string, now time.Time) (string, error) {
	raw := id.Random(43)
	_, err := db.ExecContext(ctx, `INSERT INTO dashboard_sessions (id_hash, user_id, workspace_id, test_mode, csrf, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		hashOf(raw), userID, workspaceID, false, id.Random(32), now.UnixMicro(), now.Add(sessionTTL).UnixMicro())
	return raw, err
}

// loadSession finds the session of the request's cookie; nil when there
// is none, it expired, or its user no longer belongs to its workspace.
func loadSession(ctx context.Context, db *store.DB, r *http.Request, now time.Time) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, nil
	}
	s := &session{hash: hashOf(c.Value)}
	var email sql.NullString
	w := &s.Scope.Workspace
	err = db.QueryRowContext(ctx, `SELECT s.csrf, s.test_mode, u.id, u.email, w.id, w.name, w.country, w.currency, w.time_zone
		FROM dashboard_sessions s JOIN users u ON u.id = s.user_id
		JOIN memberships m ON m.user_id = s.user_id AND m.workspace_id = s.workspace_id
		JOIN workspaces w ON w.id = s.workspace_id
		WHERE s.id_hash = $1 AND s.expires > $2`, s.hash, now.UnixMicro()).
		Scan(&s.CSRF, &s.Scope.TestMode, &s.Scope.UserID, &email, &w.ID, &w.Name, &w.Country, &w.Currency, &w.TimeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.Scope.UserEmail = email.String
	w.Loc = workspace.LoadLocation(w.TimeZone)
	return s, nil
}

// switchTo moves the session to another workspace the user belongs to
// and to a mode; false when the user is not a member.
func (s *session) switchTo(ctx context.Context, db *store.DB, workspaceID string, test bool) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE dashboard_sessions SET workspace_id = $1, test_mode = $2 WHERE id_hash = $3
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = dashboard_sessions.user_id AND m.workspace_id = $1)`, workspaceID, test, s.hash)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s *session) end(ctx context.Context, db *store.DB) error {
	_, err := db.ExecContext(ctx, `DELETE FROM dashboard_sessions WHERE id_hash = $1`, s.hash)
	return err
}

// csrfOK compares a form's token with the session's in constant time.
func csrfOK(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// throttled reports whether the email or the client address failed too
// often in the window; it also drops failures older than the window.
func throttled(ctx context.Context, db *store.DB, email, addr string, now time.Time) (bool, error) {
	since := now.Add(-failureWindow).UnixMicro()
	if _, err := db.ExecContext(ctx, `DELETE FROM dashboard_login_failures WHERE created < $1`, since); err != nil {
		return false, err
	}
	var byEmail, byAddr int
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM dashboard_login_failures WHERE key = $1 AND created >= $3),
		(SELECT COUNT(*) FROM dashboard_login_failures WHERE key = $2 AND created >= $3)`,
		"email:"+strings.ToLower(strings.TrimSpace(email)), "addr:"+addr, since).Scan(&byEmail, &byAddr)
	return byEmail >= maxEmailFails || byAddr >= maxAddrFails, err
}

func recordFailure(ctx context.Context, db *store.DB, email, addr string, now time.Time) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		for _, k := range []string{"email:" + strings.ToLower(strings.TrimSpace(email)), "addr:" + addr} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dashboard_login_failures (key, created) VALUES ($1, $2)`, k, now.UnixMicro()); err != nil {
				return err
			}
		}
		return nil
	})
}
