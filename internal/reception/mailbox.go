package reception

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Sealer seals the mailbox password at rest (the SII biller's key).
type Sealer interface {
	SealSecret(sc workspace.Scope, what string, plain []byte) ([]byte, error)
	OpenSecret(sc workspace.Scope, what string, sealed []byte) ([]byte, error)
}

// MailboxJobKind polls the exchange mailboxes.
const MailboxJobKind = "reception_mailbox"

// PollEvery is the time between two polls of a mailbox.
const PollEvery = 5 * time.Minute

// Mailbox is the exchange mailbox of a workspace and mode
// (docs/procurement.md#67-exchange-mailbox); the password is never shown.
type Mailbox struct {
	Host        string          `json:"host"`
	Port        int             `json:"port"`
	Username    string          `json:"username"`
	PasswordSet bool            `json:"password_set"`
	Folder      string          `json:"folder"`
	Enabled     bool            `json:"enabled"`
	LastPoll    clock.NullStamp `json:"last_poll"`
	LastError   *string         `json:"last_error"`
	TestMode    bool            `json:"test_mode"`
	Updated     clock.Stamp     `json:"updated"`

	password []byte // sealed
}

// MailboxPatch is the command that sets the mailbox (nil: unchanged).
type MailboxPatch struct {
	Host, Username, Password, Folder *string
	Port                             *int64
	Enabled                          *bool
	// Errs are the fields the edge could not decode.
	Errs *apperr.Fields
}

const mailboxPassword = "imap-password"

// GetMailbox reads the mailbox settings (404 when never set).
func GetMailbox(ctx context.Context, q store.Querier, sc workspace.Scope) (*Mailbox, error) {
	m := &Mailbox{}
	err := q.QueryRowContext(ctx, `SELECT host, port, username, password, folder, enabled, last_poll, last_error, test_mode, updated
		FROM reception_mailboxes WHERE workspace_id = $1 AND test_mode = $2`, sc.ID, sc.TestMode).
		Scan(&m.Host, &m.Port, &m.Username, &m.password, &m.Folder, &m.Enabled, &m.LastPoll.Micros, &m.LastError, &m.TestMode, &m.Updated.Micros)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundErr()
	}
	if err != nil {
		return nil, err
	}
	m.PasswordSet = len(m.password) > 0
	m.LastPoll.Loc, m.Updated.Loc = sc.Loc, sc.Loc
	return m, nil
}

// SetMailbox creates or updates the mailbox settings, the password
// sealed, and starts polling when enabled.
func (s *Service) SetMailbox(ctx context.Context, q store.Querier, sc workspace.Scope, p *MailboxPatch, now time.Time) (*Mailbox, error) {
	if s.Sealer == nil {
		return nil, apperr.NotFoundErr()
	}
	m, err := GetMailbox(ctx, q, sc)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		m, err = &Mailbox{Port: 993, Folder: "INBOX", Enabled: true, TestMode: sc.TestMode}, nil
	}
	if err != nil {
		return nil, err
	}
	fe := p.Errs
	if fe == nil {
		fe = &apperr.Fields{}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&m.Host, p.Host)
	set(&m.Username, p.Username)
	set(&m.Folder, p.Folder)
	if p.Port != nil {
		if *p.Port < 1 || *p.Port > 65535 {
			fe.Add("port", "Ensure this value is between 1 and 65535.")
		}
		m.Port = int(*p.Port)
	}
	if p.Enabled != nil {
		m.Enabled = *p.Enabled
	}
	for field, v := range map[string]string{"host": m.Host, "username": m.Username, "folder": m.Folder} {
		if v == "" && !fe.Has(field) {
			fe.Add(field, "This field is required.")
		}
	}
	if p.Password != nil {
		if m.password, err = s.Sealer.SealSecret(sc, mailboxPassword, []byte(*p.Password)); err != nil {
			return nil, err
		}
	}
	if len(m.password) == 0 && !fe.Has("password") {
		fe.Add("password", "This field is required.")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO reception_mailboxes (workspace_id, test_mode, host, port, username, password, folder, enabled, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (workspace_id, test_mode) DO UPDATE SET host = excluded.host, port = excluded.port, username = excluded.username,
		password = excluded.password, folder = excluded.folder, enabled = excluded.enabled, last_error = NULL, updated = excluded.updated`,
		sc.ID, sc.TestMode, m.Host, m.Port, m.Username, m.password, m.Folder, m.Enabled, now.UnixMicro())
	if err != nil {
		return nil, err
	}
	if m.Enabled {
		if err := schedulePoll(ctx, q, sc, now); err != nil {
			return nil, err
		}
	}
	return GetMailbox(ctx, q, sc)
}

type pollJob struct {
	Workspace string `json:"workspace"`
	TestMode  bool   `json:"test_mode"`
}

// schedulePoll queues the mailbox's poll at the next PollEvery boundary
// after now (now itself when immediate): chains of polls started by
// several saves meet on the same slot and its unique key.
func schedulePoll(ctx context.Context, q store.Querier, sc workspace.Scope, at time.Time) error {
	key := "reception_mailbox:" + sc.ID + ":" + strconv.FormatBool(sc.TestMode) + ":" + strconv.FormatInt(at.Unix(), 10)
	return jobs.Enqueue(ctx, q, MailboxJobKind, key, pollJob{Workspace: sc.ID, TestMode: sc.TestMode}, at, at)
}

func nextSlot(now time.Time) time.Time { return now.Truncate(PollEvery).Add(PollEvery) }

func dialAddr(m *Mailbox) string { return net.JoinHostPort(m.Host, strconv.Itoa(m.Port)) }

func pollError(err error) string { return fmt.Sprintf("%.250s", err.Error()) }

// tlsFor is the TLS configuration of a mailbox: the system's roots,
// unless the poller was given its own (tests).
func tlsFor(base *tls.Config, host string) *tls.Config {
	if base != nil {
		c := base.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}
