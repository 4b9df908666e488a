package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/paylink"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// JobKind is the queue kind of emails.
const JobKind = "email"

// MaxAttempts: a message the server keeps refusing is dropped (and
// logged) after this many tries, about a day apart at the end.
const MaxAttempts = 8

type payload struct {
	Workspace string   `json:"workspace"`
	TestMode  bool     `json:"test_mode"`
	Invoice   string   `json:"invoice,omitempty"`  // an invoice's email
	Reminder  string   `json:"reminder,omitempty"` // or a reminder message
	To        []string `json:"to,omitempty"`
	Attempts  int      `json:"attempts"`
}

// Queue is the email queue as reminder.Mailer.
type Queue struct{}

// EnqueueReminder queues a reminder's email (EnqueueReminder).
func (Queue) EnqueueReminder(ctx context.Context, q store.Querier, sc workspace.Scope, reminderID string, now time.Time) error {
	return EnqueueReminder(ctx, q, sc, reminderID, now)
}

// EnqueueReminder queues a reminder message's email, in the caller's
// transaction.
func EnqueueReminder(ctx context.Context, q store.Querier, sc workspace.Scope, reminderID string, now time.Time) error {
	return jobs.Enqueue(ctx, q, JobKind, "email:reminder:"+reminderID, payload{Workspace: sc.ID, TestMode: sc.TestMode, Reminder: reminderID}, now, now)
}

// Worker sends the queued emails: it is the handler of JobKind, run by
// the job runner (internal/jobs).
type Worker struct {
	DB   *store.DB
	SMTP *Config
	// Base is the public URL of the server (pay links in reminders).
	Base   string
	Clock  clock.Clock
	Logger *slog.Logger
	Poll   time.Duration // default 5 s
	// Deps are the document collaborators (the PDFs' customers).
	Deps document.Deps
}

func (w *Worker) init() {
	if w.Poll == 0 {
		w.Poll = 5 * time.Second
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Clock == nil {
		w.Clock = clock.System{}
	}
}

// Kind is the job kind of emails for the runner: one at a time, the
// lease covering one SMTP exchange.
func (w *Worker) Kind() jobs.Kind {
	w.init()
	return jobs.Kind{Name: JobKind, Handle: w.handle, Poll: w.Poll, Lease: 2 * time.Minute, RetryAfter: time.Minute}
}

// RunOnce sends the due emails and returns how many it handled (tests).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.init()
	return jobs.RunOnce(ctx, w.DB, w.Clock, w.Logger, w.Kind())
}

// backoff is the wait after failed attempt n (1-based).
func backoff(n int) time.Duration {
	steps := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}
	return steps[min(n-1, len(steps)-1)]
}

// handle sends one email; a refused one is retried with backoff (the
// attempts counted in its payload) and dropped after MaxAttempts. The
// message records each answer of the server; its final status, its event
// and the job's completion are one transaction.
func (w *Worker) handle(ctx context.Context, j jobs.Job) error {
	now := w.Clock.Now()
	var p payload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		w.Logger.Error("email job unreadable; dropped", "job", j.ID)
		return jobs.Complete(ctx, w.DB, j.ID)
	}
	ws, err := workspace.ByID(ctx, w.DB, p.Workspace)
	if err != nil {
		return err
	}
	sc := workspace.Scope{Workspace: ws, TestMode: p.TestMode}
	answer, sendErr := w.send(ctx, sc, p)
	final := sendErr == nil || p.Attempts+1 >= MaxAttempts
	switch {
	case sendErr != nil && final:
		w.Logger.Error("email not sent; giving up", "invoice", p.Invoice, "reminder", p.Reminder, "attempts", p.Attempts+1, "error", sendErr.Error())
	case sendErr != nil:
		w.Logger.Warn("email not sent; will retry", "invoice", p.Invoice, "reminder", p.Reminder, "attempt", p.Attempts+1, "error", sendErr.Error())
	}
	if final {
		return w.DB.InTx(ctx, func(tx *sql.Tx) error {
			if p.Reminder != "" {
				if err := reminder.Delivered(ctx, tx, sc, p.Reminder, answer, sendErr, w.Clock.Now()); err != nil {
					return err
				}
			}
			return jobs.Complete(ctx, tx, j.ID)
		})
	}
	if p.Reminder != "" {
		if err := reminder.Retrying(ctx, w.DB, p.Reminder, sendErr); err != nil {
			return err
		}
	}
	p.Attempts++
	b, _ := json.Marshal(p)
	_, err = w.DB.ExecContext(ctx, `UPDATE jobs SET payload = $1, run_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $3`,
		string(b), now.Add(backoff(p.Attempts)).UnixMicro(), j.ID)
	return err
}

// send renders the email (a message's, or an invoice's of a job queued
// before messages recorded every email) and sends it.
func (w *Worker) send(ctx context.Context, sc workspace.Scope, p payload) (string, error) {
	e := document.Env{Ctx: ctx, Q: w.DB, D: w.DB.Dialect, Scope: sc, Now: w.Clock.Now(), Deps: w.Deps}
	if p.Reminder != "" {
		m, err := w.messageEmail(e, p.Reminder)
		if err != nil {
			return "", err
		}
		return w.SMTP.Send(ctx, m)
	}
	d, err := document.Get(e, document.Invoice, p.Invoice)
	if err != nil {
		return "", err
	}
	m, err := InvoiceMessage(e, d, sc.Name)
	if err != nil {
		return "", err
	}
	m.To = p.To
	return w.SMTP.Send(ctx, m)
}

// Render is the email of a message as it is (or would be, for a skipped
// one) sent: previews and tests.
func (w *Worker) Render(ctx context.Context, sc workspace.Scope, messageID string) (Message, error) {
	w.init()
	e := document.Env{Ctx: ctx, Q: w.DB, D: w.DB.Dialect, Scope: sc, Now: w.Clock.Now(), Deps: w.Deps}
	return w.messageEmail(e, messageID)
}

// InvoiceMessage is the email of an invoice in the workspace's language,
// with its PDF.
func InvoiceMessage(e document.Env, d *document.Doc, sender string) (Message, error) {
	pdf, name, err := document.PDF(e, d)
	if err != nil {
		return Message{}, err
	}
	subject, text := wording(e, Email{Kind: KindDocument, Doc: d})
	return Message{Subject: subject, Text: text, Attachments: []Attachment{{Name: name, ContentType: "application/pdf", Data: pdf}}}, nil
}

// messageEmail is a message's email: its text, its button (the payment
// link, or the link it carries), the HTML of both, and the PDF of its
// document (docs/documents.md#52-object-and-body).
func (w *Worker) messageEmail(e document.Env, messageID string) (Message, error) {
	r, err := reminder.Get(e.Ctx, e.Q, e.Scope, messageID)
	if err != nil {
		return Message{}, err
	}
	m := Message{To: r.Recipient, Subject: r.Subject, Text: r.Message}
	b := button{Label: buttonLabel(document.Lang(e.Scope) == "es", r.Kind)}
	switch {
	case r.LinkURL != nil:
		b.URL = *r.LinkURL
	case r.PaymentLink != nil:
		l, err := paylink.GetLink(paylink.Env{Env: e, Base: w.Base}, *r.PaymentLink)
		if err != nil {
			return Message{}, err
		}
		b.URL = l.URL
	}
	if b.URL != "" {
		m.Text = strings.TrimRight(m.Text, "\n") + "\n\n" + b.Label + ": " + b.URL + "\n"
	}
	logo, err := workspace.LoadLogo(e.Ctx, e.Q, e.Scope.ID)
	if err != nil {
		return Message{}, err
	}
	logoSrc := ""
	if logo != nil { // inline: shown without fetching anything (docs/billing.md#12-workspace-logo)
		cid := "logo-" + logo.Digest + "@cobro"
		logoSrc = "cid:" + cid
		m.Inline = []Attachment{{Name: "logo" + logoExt[logo.ContentType], ContentType: logo.ContentType, Data: logo.Data, ContentID: cid}}
	}
	if m.HTML, err = renderHTML(document.Lang(e.Scope), e.Scope.Name, logoSrc, r.Subject, r.Message, b); err != nil {
		return Message{}, err
	}
	m.Attachments, err = w.attachments(e, r)
	return m, err
}

// attachments are the PDFs of the message's document, or of the invoice
// of its payment.
func (w *Worker) attachments(e document.Env, r *reminder.Message) ([]Attachment, error) {
	targets := []struct {
		id   *string
		kind *document.Kind
	}{{r.Invoice, document.Invoice}, {r.Order, document.Order}, {r.CreditNote, document.CreditNote}, {r.DebitNote, document.DebitNote}}
	if r.Payment != nil {
		p, err := payment.GetPayment(e, *r.Payment)
		if err != nil {
			return nil, err
		}
		targets = append(targets, struct {
			id   *string
			kind *document.Kind
		}{p.Invoice, document.Invoice})
	}
	var out []Attachment
	for _, t := range targets {
		if t.id == nil {
			continue
		}
		d, err := document.Get(e, t.kind, *t.id)
		if err != nil {
			return nil, err
		}
		pdf, name, err := document.PDF(e, d)
		if err != nil {
			return nil, err
		}
		out = append(out, Attachment{Name: name, ContentType: "application/pdf", Data: pdf})
	}
	return out, nil
}

// buttonLabel names the button of a kind of email.
func buttonLabel(es bool, kind string) string {
	if kind == string(KindDunning) {
		return tr(es, "Actualizar medio de pago", "Update payment method")
	}
	return tr(es, "Pagar en línea", "Pay online")
}

// logoExt names the inline logo's file by its type.
var logoExt = map[string]string{"image/png": ".png", "image/jpeg": ".jpg"}
