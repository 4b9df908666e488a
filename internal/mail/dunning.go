package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// DunningJobKind is the queue kind of dunning emails
// (docs/billing.md#813-dunning).
const DunningJobKind = "email.dunning"

type dunningPayload struct {
	Workspace string `json:"workspace"`
	TestMode  bool   `json:"test_mode"`
	Dunning   string `json:"dunning"`
	Step      int    `json:"step"`
	Attempts  int    `json:"attempts"`
}

// EnqueueDunning queues the email of a dunning step (subscription.DunningMailer),
// in the caller's transaction; one per dunning and step (unique key).
func (Queue) EnqueueDunning(ctx context.Context, q store.Querier, sc workspace.Scope, dunningID string, step int, now time.Time) error {
	return jobs.Enqueue(ctx, q, DunningJobKind, fmt.Sprintf("email:dunning:%s:%d", dunningID, step),
		dunningPayload{Workspace: sc.ID, TestMode: sc.TestMode, Dunning: dunningID, Step: step}, now, now)
}

// PortalLinks makes the customer-portal URL a dunning email links to.
type PortalLinks interface {
	SessionURL(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, base string, now time.Time) (string, error)
}

// DunningWorker sends dunning emails: the failed charge, a link to the
// customer portal to update the card or pay, and what happens next. Both
// modes send (the test gateway, whose cards decline on purpose, exists
// only in test mode).
type DunningWorker struct {
	DB     *store.DB
	SMTP   *Config
	Base   string
	Portal PortalLinks
	Clock  clock.Clock
	Logger *slog.Logger
	Deps   document.Deps
}

// Kind is the job kind of dunning emails for the runner.
func (w *DunningWorker) Kind() jobs.Kind {
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Clock == nil {
		w.Clock = clock.System{}
	}
	return jobs.Kind{Name: DunningJobKind, Handle: w.handle, Poll: 5 * time.Second, Lease: 2 * time.Minute, RetryAfter: time.Minute}
}

// handle sends one email; a refused one is retried with backoff and
// dropped after MaxAttempts.
func (w *DunningWorker) handle(ctx context.Context, j jobs.Job) error {
	var p dunningPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Complete(ctx, w.DB, j.ID)
	}
	err := w.send(ctx, p)
	switch {
	case err == nil:
		return jobs.Complete(ctx, w.DB, j.ID)
	case p.Attempts+1 >= MaxAttempts:
		w.Logger.Error("dunning email not sent; giving up", "dunning", p.Dunning, "step", p.Step, "error", err.Error())
		return jobs.Complete(ctx, w.DB, j.ID)
	default:
		w.Logger.Warn("dunning email not sent; will retry", "dunning", p.Dunning, "step", p.Step, "error", err.Error())
		p.Attempts++
		b, _ := json.Marshal(p)
		_, err := w.DB.ExecContext(ctx, `UPDATE jobs SET payload = $1, run_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $3`,
			string(b), w.Clock.Now().Add(backoff(p.Attempts)).UnixMicro(), j.ID)
		return err
	}
}

// dunningFacts are what a dunning email says.
type dunningFacts struct {
	invoiceID, customerID, finalAction string
	retries, steps                     int
	nextRetry                          sql.NullInt64
	to                                 []string
}

func (w *DunningWorker) send(ctx context.Context, p dunningPayload) error {
	ws, err := workspace.ByID(ctx, w.DB, p.Workspace)
	if err != nil {
		return err
	}
	sc := workspace.Scope{Workspace: ws, TestMode: p.TestMode}
	f, err := w.facts(ctx, sc, p.Dunning)
	if err != nil || len(f.to) == 0 {
		return err // no address: nothing to send
	}
	e := document.Env{Ctx: ctx, Q: w.DB, D: w.DB.Dialect, Scope: sc, Now: w.Clock.Now(), Deps: w.Deps}
	d, err := document.Get(e, document.Invoice, f.invoiceID)
	if err != nil {
		return err
	}
	link, err := w.Portal.SessionURL(ctx, w.DB, sc, f.customerID, w.Base, w.Clock.Now())
	if err != nil {
		return err
	}
	m := dunningMessage(sc, d, f, p.Step, link)
	m.To = f.to
	_, err = w.SMTP.Send(ctx, m)
	return err
}

// facts reads the dunning and its recipients: the customer's contacts
// with collections, else the customer's email.
func (w *DunningWorker) facts(ctx context.Context, sc workspace.Scope, dunningID string) (dunningFacts, error) {
	var (
		f    dunningFacts
		days string
	)
	err := w.DB.QueryRowContext(ctx, `SELECT invoice_id, customer_id, final_action, retries, retry_days, next_retry FROM dunnings WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		dunningID, sc.ID, sc.TestMode).Scan(&f.invoiceID, &f.customerID, &f.finalAction, &f.retries, &days, &f.nextRetry)
	if err != nil {
		return f, err
	}
	var list []int
	_ = json.Unmarshal([]byte(days), &list)
	f.steps = len(list)
	f.to, err = store.Strings(ctx, w.DB, `SELECT email FROM contacts WHERE customer_id = $1 AND collections = $2 AND email IS NOT NULL AND email <> '' ORDER BY created, id`, f.customerID, true)
	if err != nil || len(f.to) > 0 {
		return f, err
	}
	f.to, err = store.Strings(ctx, w.DB, `SELECT email FROM customers WHERE id = $1 AND email IS NOT NULL AND email <> ''`, f.customerID)
	return f, err
}

// dunningMessage is the text of step `step` in the workspace's language.
func dunningMessage(sc workspace.Scope, d *document.Doc, f dunningFacts, step int, link string) Message {
	number := d.ID
	if d.Number != nil {
		number = fmt.Sprintf("N° %d", *d.Number)
	}
	total := d.Total.StringFixed(2)
	if c, ok := catalog.CurrencyByID(d.Currency); ok && c.Rounded {
		total = d.Total.StringFixed(0)
	}
	next := ""
	if step < f.steps && f.nextRetry.Valid {
		next = time.UnixMicro(f.nextRetry.Int64).In(sc.Loc).Format(time.DateOnly)
	}
	if catalog.Language(sc.Country) == "es" {
		m := Message{Subject: fmt.Sprintf("No pudimos cobrar la factura %s de %s", number, sc.Name)}
		m.Text = fmt.Sprintf("Estimado cliente:\n\nNo pudimos cobrar %s %s de la factura %s con su tarjeta.\n\n", d.Currency, total, number)
		if next != "" {
			m.Text += fmt.Sprintf("Volveremos a intentarlo el %s. ", next)
		} else {
			m.Text += "Fue nuestro último intento automático. "
		}
		m.Text += "Actualice su tarjeta o pague la factura aquí:\n" + link + "\n\nSaludos,\n" + sc.Name + "\n"
		return m
	}
	m := Message{Subject: fmt.Sprintf("We could not charge invoice %s from %s", number, sc.Name)}
	m.Text = fmt.Sprintf("Hello,\n\nWe could not charge %s %s for invoice %s to your card.\n\n", d.Currency, total, number)
	if next != "" {
		m.Text += fmt.Sprintf("We will try again on %s. ", next)
	} else {
		m.Text += "That was our last automatic attempt. "
	}
	m.Text += "Update your card or pay the invoice here:\n" + link + "\n\nRegards,\n" + sc.Name + "\n"
	return m
}
