// Package workspace holds workspaces (accounts), their users and API
// tokens, memberships, and the Scope every store query is bound to.
package workspace

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
)

// Workspace is an account: a company using Cobro.
type Workspace struct {
	ID       string
	Name     string
	Country  string
	Currency string
	TimeZone string
	Loc      *time.Location
}

// Scope is the workspace and data set (live or test) a request acts on.
// Every store query of a workspace-owned object filters by both.
type Scope struct {
	Workspace
	TestMode bool
	// UserID and UserEmail: the user whose token made the request (""
	// for publishable calls and background work).
	UserID, UserEmail string
}

// ErrNotFound is returned when a user, token or workspace does not exist.
var ErrNotFound = errors.New("not found")

// Created is what init prints.
type Created struct {
	Workspace string `json:"workspace"`
	User      string `json:"user"`
	Token     string `json:"token"`
}

// NewToken returns a fresh API token: "sk_" + 40 base62 characters.
func NewToken() string { return "sk_" + id.Random(40) }

// HashToken is how tokens are stored: only the SHA-256, never the token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Create makes a workspace, a user who belongs to it and the user's token.
func Create(ctx context.Context, db *store.DB, name, country, email string, now time.Time) (Created, error) {
	c, ok := catalog.CountryByID(country)
	if !ok {
		return Created{}, fmt.Errorf("unknown country %q: use an ISO 3166-1 alpha-2 code such as CL or US", country)
	}
	if name == "" {
		return Created{}, errors.New("the workspace name may not be blank")
	}
	currency := "USD"
	if len(c.Currencies) > 0 {
		if _, ok := catalog.CurrencyByID(c.Currencies[0]); ok {
			currency = c.Currencies[0]
		}
	}
	out := Created{Workspace: id.New("acc"), User: id.New("usr"), Token: NewToken()}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		micros := now.UnixMicro()
		if _, err := tx.ExecContext(ctx, `INSERT INTO workspaces (id, name, country, currency, time_zone, created) VALUES ($1, $2, $3, $4, $5, $6)`,
			out.Workspace, name, c.ID, currency, catalog.DefaultTimeZone(c.ID), micros); err != nil {
			return err
		}
		var emailArg any
		if email != "" {
			emailArg = email
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, token_hash, token_created, created) VALUES ($1, $2, $3, $4, $4)`,
			out.User, emailArg, HashToken(out.Token), micros); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO memberships (user_id, workspace_id, created) VALUES ($1, $2, $3)`, out.User, out.Workspace, micros)
		return err
	})
	return out, err
}

// RotateToken issues a new token for the user; the old one stops working
// at once (only one hash is stored per user).
func RotateToken(ctx context.Context, db *store.DB, userID string, now time.Time) (string, error) {
	token := NewToken()
	res, err := db.ExecContext(ctx, `UPDATE users SET token_hash = $1, token_created = $2 WHERE id = $3`, HashToken(token), now.UnixMicro(), userID)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	return token, nil
}

// AddMember gives an existing user access to an existing workspace.
func AddMember(ctx context.Context, db *store.DB, userID, workspaceID string, now time.Time) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE id = $1) + 10 * (SELECT COUNT(*) FROM workspaces WHERE id = $2)`, userID, workspaceID).Scan(&n); err != nil {
		return err
	}
	if n%10 == 0 {
		return fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	if n < 10 {
		return fmt.Errorf("workspace %s: %w", workspaceID, ErrNotFound)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO memberships (user_id, workspace_id, created) VALUES ($1, $2, $3) ON CONFLICT (user_id, workspace_id) DO NOTHING`, userID, workspaceID, now.UnixMicro())
	return err
}

// ByID returns a workspace (used by publishable endpoints and commands).
func ByID(ctx context.Context, q store.Querier, workspaceID string) (Workspace, error) {
	var w Workspace
	err := q.QueryRowContext(ctx, `SELECT id, name, country, currency, time_zone FROM workspaces WHERE id = $1`, workspaceID).
		Scan(&w.ID, &w.Name, &w.Country, &w.Currency, &w.TimeZone)
	if errors.Is(err, sql.ErrNoRows) {
		return Workspace{}, ErrNotFound
	}
	if err != nil {
		return Workspace{}, err
	}
	w.Loc = LoadLocation(w.TimeZone)
	return w, nil
}

var locations sync.Map // zone name → *time.Location

// LoadLocation loads a zone, falling back to UTC for an unknown name.
// Zones are cached: time.LoadLocation reads the zone file on every call,
// and this runs on every authenticated request.
func LoadLocation(name string) *time.Location {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC
	}
	locations.Store(name, loc)
	return loc
}

// User is an API user.
type User struct{ ID, Email string }

// ErrNotMember is returned when the token is valid but its user does not
// belong to the workspace (or the workspace does not exist).
var ErrNotMember = errors.New("not a member")

// Authenticate resolves a token and a workspace id in one query (it runs
// on every request). ErrNotFound: the token is unknown or revoked.
// ErrNotMember: the user does not belong to workspaceID (also when it is "").
func Authenticate(ctx context.Context, q store.Querier, token, workspaceID string) (User, Workspace, error) {
	var (
		u                                  User
		email, wid, name, country, cur, tz sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT u.id, u.email, w.id, w.name, w.country, w.currency, w.time_zone FROM users u
		LEFT JOIN memberships m ON m.user_id = u.id AND m.workspace_id = $2
		LEFT JOIN workspaces w ON w.id = m.workspace_id
		WHERE u.token_hash = $1`, HashToken(token), workspaceID).Scan(&u.ID, &email, &wid, &name, &country, &cur, &tz)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, Workspace{}, ErrNotFound
	}
	if err != nil {
		return User{}, Workspace{}, err
	}
	u.Email = email.String
	if !wid.Valid {
		return u, Workspace{}, ErrNotMember
	}
	w := Workspace{ID: wid.String, Name: name.String, Country: country.String, Currency: cur.String, TimeZone: tz.String}
	w.Loc = LoadLocation(w.TimeZone)
	return u, w, nil
}
