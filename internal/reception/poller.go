package reception

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Poller reads the exchange mailboxes over IMAP (TLS) and receives every
// attached EnvioDTE, once per message: the handler of MailboxJobKind.
type Poller struct {
	DB      *store.DB
	Service *Service
	Clock   clock.Clock
	Logger  *slog.Logger
	Deps    document.Deps
	// TLS replaces the TLS settings of the connections (tests' roots).
	TLS *tls.Config
}

// maxPerPoll bounds the messages read in one poll; the rest wait for the
// next one.
const maxPerPoll = 100

// maxAttachment is the largest envelope read (the upload's limit).
const maxAttachment = 1 << 20

func (p *Poller) init() {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Clock == nil {
		p.Clock = clock.System{}
	}
}

// Kind is the job kind for the runner.
func (p *Poller) Kind() jobs.Kind {
	p.init()
	return jobs.Kind{Name: MailboxJobKind, Handle: p.handle, Poll: 30 * time.Second, Lease: 3 * time.Minute, RetryAfter: time.Minute}
}

// RunOnce runs the due polls (tests).
func (p *Poller) RunOnce(ctx context.Context) (int, error) {
	p.init()
	return jobs.RunOnce(ctx, p.DB, p.Clock, p.Logger, p.Kind())
}

// handle polls one mailbox, records the outcome and queues the next poll.
func (p *Poller) handle(ctx context.Context, j jobs.Job) error {
	var pj pollJob
	if err := json.Unmarshal(j.Payload, &pj); err != nil {
		return jobs.Complete(ctx, p.DB, j.ID)
	}
	ws, err := workspace.ByID(ctx, p.DB, pj.Workspace)
	if err != nil {
		return err
	}
	sc := workspace.Scope{Workspace: ws, TestMode: pj.TestMode}
	m, err := GetMailbox(ctx, p.DB, sc)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.NotFound {
		return jobs.Complete(ctx, p.DB, j.ID)
	}
	if err != nil {
		return err
	}
	if !m.Enabled {
		return jobs.Complete(ctx, p.DB, j.ID)
	}
	var lastErr *string
	if err := p.poll(ctx, sc, m); err != nil {
		p.Logger.Warn("exchange mailbox poll failed", "workspace", sc.ID, "error", err.Error())
		msg := pollError(err)
		lastErr = &msg
	}
	now := p.Clock.Now()
	return p.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE reception_mailboxes SET last_poll = $1, last_error = $2 WHERE workspace_id = $3 AND test_mode = $4`,
			now.UnixMicro(), lastErr, sc.ID, sc.TestMode); err != nil {
			return err
		}
		if err := schedulePoll(ctx, tx, sc, nextSlot(now)); err != nil {
			return err
		}
		return jobs.Complete(ctx, tx, j.ID)
	})
}

// poll reads the messages of the folder not yet taken.
func (p *Poller) poll(ctx context.Context, sc workspace.Scope, m *Mailbox) error {
	pw, err := p.Service.Sealer.OpenSecret(sc, mailboxPassword, m.password)
	if err != nil {
		return err
	}
	c, err := imapclient.DialTLS(dialAddr(m), &imapclient.Options{TLSConfig: tlsFor(p.TLS, m.Host)})
	if err != nil {
		return fmt.Errorf("connect to %s: %w", dialAddr(m), err)
	}
	defer c.Close()
	if err := c.Login(m.Username, string(pw)).Wait(); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	sel, err := c.Select(m.Folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", m.Folder, err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	taken := 0
	for _, uid := range found.AllUIDs() {
		if taken == maxPerPoll {
			break
		}
		key := fmt.Sprintf("%d:%d", sel.UIDValidity, uid)
		seen, err := p.seen(ctx, sc, key)
		if err != nil || seen {
			if err != nil {
				return err
			}
			continue
		}
		taken++
		if err := p.take(ctx, c, sc, uid, key); err != nil {
			return err
		}
	}
	return c.Logout().Wait()
}

func (p *Poller) seen(ctx context.Context, sc workspace.Scope, key string) (bool, error) {
	var n int
	err := p.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reception_mail_seen WHERE workspace_id = $1 AND test_mode = $2 AND message_key = $3`,
		sc.ID, sc.TestMode, key).Scan(&n)
	return n > 0, err
}

// take fetches one message and receives its envelopes, recording the
// message as seen in the same transaction: once per message, even when
// two nodes poll or one dies midway.
func (p *Poller) take(ctx context.Context, c *imapclient.Client, sc workspace.Scope, uid imap.UID, key string) error {
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return fmt.Errorf("fetch %d: %w", uid, err)
	}
	if len(msgs) == 0 {
		return nil
	}
	from, files := Attachments(msgs[0].FindBodySection(section))
	now := p.Clock.Now()
	return p.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO reception_mail_seen (workspace_id, test_mode, message_key, created) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, sc.ID, sc.TestMode, key, now.UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		e := document.Env{Ctx: ctx, Q: tx, D: p.DB.Dialect, Scope: sc, Now: now, Deps: p.Deps}
		for _, f := range files {
			if _, err := p.Service.Receive(e, Upload{Source: "mailbox", Filename: f.Name, XML: f.Data, ReplyTo: from}); err != nil {
				return err
			}
		}
		return nil
	})
}

// File is an attachment that holds an EnvioDTE.
type File struct {
	Name string
	Data []byte
}

// Attachments reads a message's sender and its EnvioDTE attachments;
// anything unreadable is skipped.
func Attachments(raw []byte) (from string, files []File) {
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !gomessage.IsUnknownCharset(err) {
		return "", nil
	}
	if addrs, err := mr.Header.AddressList("From"); err == nil && len(addrs) > 0 {
		from = addrs[0].Address
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !gomessage.IsUnknownCharset(err) {
			break
		}
		name := ""
		if h, ok := part.Header.(*mail.AttachmentHeader); ok {
			name, _ = h.Filename()
		}
		data, err := io.ReadAll(io.LimitReader(part.Body, maxAttachment+1))
		if err != nil || len(data) > maxAttachment || !bytes.Contains(data[:min(len(data), 4096)], []byte("<EnvioDTE")) {
			continue
		}
		if name == "" {
			name = "envio.xml"
		}
		files = append(files, File{Name: strings.TrimSpace(name), Data: data})
	}
	return from, files
}
