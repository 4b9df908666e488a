package workspace

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
)

// Argon2id parameters (docs/dashboard.md#1-sign-in-and-sessions): OWASP's
// password-storage minimum (19 MiB, 2 passes, 1 lane), so a sign-in costs a
// few tens of milliseconds on a small server and a stolen hash is slow to
// guess.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLen is the shortest password a user may set.
const MinPasswordLen = 10

// ErrWeakPassword is returned for a password shorter than MinPasswordLen.
var ErrWeakPassword = fmt.Errorf("the password must have at least %d characters", MinPasswordLen)

// HashPassword returns the password's argon2id hash in the PHC string
// format ($argon2id$v=19$m=…,t=…,p=…$salt$hash), parameters included so
// they can be raised later without invalidating stored hashes.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("workspace: crypto/rand failed: " + err.Error())
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether password matches a HashPassword result.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || mem > 256*1024 || t == 0 || t > 16 || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewPassword returns a generated password (`cobro init` without --password).
func NewPassword() string { return id.Random(20) }

// SetPassword stores a new password for the user.
func SetPassword(ctx context.Context, db *store.DB, userID, password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return ErrWeakPassword
	}
	res, err := db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, HashPassword(password), userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	return nil
}

// dummyHash is checked when the email is unknown, so a sign-in takes the
// same time whether or not the account exists.
var dummyHash = sync.OnceValue(func() string { return HashPassword(id.Random(20)) })

// SignIn returns the user whose email and password match; ErrNotFound
// otherwise (an unknown email and a wrong password are not told apart).
// Emails are not unique among users: each with a password is tried, the
// oldest first (at most 5, so a sign-in costs a bounded number of hashes).
func SignIn(ctx context.Context, q store.Querier, email, password string) (User, error) {
	type candidate struct {
		u    User
		hash string
	}
	cs, err := store.Collect(ctx, q, func(r store.Scanner) (c candidate, err error) {
		return c, r.Scan(&c.u.ID, &c.u.Email, &c.hash)
	}, `SELECT id, email, password_hash FROM users WHERE LOWER(email) = $1 AND password_hash IS NOT NULL ORDER BY created, id LIMIT 5`,
		strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return User{}, err
	}
	if len(cs) == 0 {
		CheckPassword(dummyHash(), password)
	}
	for _, c := range cs {
		if CheckPassword(c.hash, password) {
			return c.u, nil
		}
	}
	return User{}, ErrNotFound
}

// Memberships lists the workspaces a user belongs to, oldest first.
func Memberships(ctx context.Context, q store.Querier, userID string) ([]Workspace, error) {
	return store.Collect(ctx, q, func(r store.Scanner) (w Workspace, err error) {
		err = r.Scan(&w.ID, &w.Name, &w.Country, &w.Currency, &w.TimeZone)
		w.Loc = LoadLocation(w.TimeZone)
		return w, err
	}, `SELECT w.id, w.name, w.country, w.currency, w.time_zone FROM memberships m
		JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 ORDER BY m.created, w.id`, userID)
}

// Member is a user of a workspace as the dashboard lists them.
type Member struct {
	ID, Email   string
	HasPassword bool
}

// Members lists a workspace's users, oldest membership first.
func Members(ctx context.Context, q store.Querier, workspaceID string) ([]Member, error) {
	return store.Collect(ctx, q, func(r store.Scanner) (m Member, err error) {
		var email sql.NullString
		err = r.Scan(&m.ID, &email, &m.HasPassword)
		m.Email = email.String
		return m, err
	}, `SELECT u.id, u.email, u.password_hash IS NOT NULL FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = $1 ORDER BY m.created, u.id`, workspaceID)
}
