// Package portal is the customer portal (docs/billing.md#11-customer-portal):
// short-lived sessions that let one customer see and pay their invoices,
// manage their saved cards and subscriptions on a hosted page. A session
// is a random URL token of which only the SHA-256 is stored; everything
// the page shows or does is scoped to the session's customer.
package portal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Lifetimes of sessions: the API's default and bounds, and the sessions
// of dunning emails (valid until the customer can act on the next retry).
const (
	DefaultTTL = time.Hour
	MinTTL     = 5 * time.Minute
	MaxTTL     = 24 * time.Hour
	EmailTTL   = 7 * 24 * time.Hour
)

// Session is a portal session as the API answers it; URL is shown only
// when created (the token is not stored).
type Session struct {
	ID        string      `json:"id"`
	Customer  string      `json:"customer"`
	URL       string      `json:"url,omitempty"`
	ReturnURL *string     `json:"return_url"`
	Expires   clock.Stamp `json:"expires"`
	TestMode  bool        `json:"test_mode"`
	Created   clock.Stamp `json:"created"`
}

// Params create a session: the customer (an id of the scope, checked by
// the caller), where the page's "back" link goes, how long it lives.
type Params struct {
	Customer  string
	ReturnURL *string
	TTL       time.Duration
}

// PagePath is the hosted page of a session token.
func PagePath(token string) string { return "/publishable/customer_base/sessions/" + token + "/" }

func hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Create stores a new session and returns it with its URL under base.
func Create(ctx context.Context, q store.Querier, sc workspace.Scope, p Params, base string, now time.Time) (*Session, error) {
	if p.TTL == 0 {
		p.TTL = DefaultTTL
	}
	token := id.Random(40)
	s := &Session{ID: id.New("cbs"), Customer: p.Customer, URL: base + PagePath(token), ReturnURL: p.ReturnURL, TestMode: sc.TestMode,
		Expires: clock.Stamp{Micros: now.Add(p.TTL).UnixMicro(), Loc: sc.Loc}, Created: clock.Stamp{Micros: now.UnixMicro(), Loc: sc.Loc}}
	_, err := q.ExecContext(ctx, `INSERT INTO portal_sessions (id, workspace_id, test_mode, customer_id, token_hash, return_url, expires, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.ID, sc.ID, sc.TestMode, s.Customer, hash(token), s.ReturnURL, s.Expires.Micros, s.Created.Micros)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Links makes portal URLs for emails (mail.PortalLinks).
type Links struct{}

// SessionURL creates an email session for a customer and returns its URL.
func (Links) SessionURL(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, base string, now time.Time) (string, error) {
	s, err := Create(ctx, q, sc, Params{Customer: customerID, TTL: EmailTTL}, base, now)
	if err != nil {
		return "", err
	}
	return s.URL, nil
}

// Open finds the live session of a token: its scope and session. An
// unknown or expired token is a 404 (the page says the link expired).
func Open(ctx context.Context, q store.Querier, token string, now time.Time) (workspace.Scope, *Session, error) {
	var (
		sc       workspace.Scope
		s        Session
		wsID     string
		ret      sql.NullString
		exp, cre int64
	)
	if len(token) != 40 {
		return sc, nil, apperr.NotFoundErr()
	}
	err := q.QueryRowContext(ctx, `SELECT id, workspace_id, test_mode, customer_id, return_url, expires, created FROM portal_sessions WHERE token_hash = $1`, hash(token)).
		Scan(&s.ID, &wsID, &s.TestMode, &s.Customer, &ret, &exp, &cre)
	if errors.Is(err, sql.ErrNoRows) || err == nil && exp <= now.UnixMicro() {
		return sc, nil, apperr.NotFoundErr()
	}
	if err != nil {
		return sc, nil, err
	}
	ws, err := workspace.ByID(ctx, q, wsID)
	if err != nil {
		return sc, nil, err
	}
	sc = workspace.Scope{Workspace: ws, TestMode: s.TestMode}
	if ret.Valid {
		s.ReturnURL = &ret.String
	}
	s.Expires, s.Created = clock.Stamp{Micros: exp, Loc: sc.Loc}, clock.Stamp{Micros: cre, Loc: sc.Loc}
	return sc, &s, nil
}
