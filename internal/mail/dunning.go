package mail

import (
	"encoding/json"
	"fmt"
	"time"

	"context"
	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// PortalLinks makes the customer-portal URL a dunning email's button opens.
type PortalLinks interface {
	SessionURL(ctx context.Context, q store.Querier, sc workspace.Scope, customerID, base string, now time.Time) (string, error)
}

// DunningOutbox is the Outbox as subscription.DunningMailer
// (docs/billing.md#813-dunning): each step of a dunning is one `dunning`
// message, keyed by its step so no scheduler sends it twice, whose button
// opens a customer-portal session where the customer adds a card or pays.
type DunningOutbox struct {
	Outbox Outbox
	Portal PortalLinks
}

// EnqueueDunning records and queues the email of step `step` (0 = the
// failed charge of the run, n = the n-th failed retry) in e's transaction.
func (o DunningOutbox) EnqueueDunning(e document.Env, dunningID string, step int) error {
	var (
		invoiceID, customerID, days string
		next                        *int64
	)
	if err := e.Q.QueryRowContext(e.Ctx, `SELECT invoice_id, customer_id, retry_days, next_retry FROM dunnings WHERE id = $1 AND workspace_id = $2 AND test_mode = $3`,
		dunningID, e.Scope.ID, e.Scope.TestMode).Scan(&invoiceID, &customerID, &days, &next); err != nil {
		return err
	}
	d, err := document.Get(e, document.Invoice, invoiceID)
	if err != nil {
		return err
	}
	link, err := o.Portal.SessionURL(e.Ctx, e.Q, e.Scope, customerID, o.Outbox.Base, e.Now)
	if err != nil {
		return err
	}
	var schedule []int
	_ = json.Unmarshal([]byte(days), &schedule)
	nextDay := ""
	if step < len(schedule) && next != nil {
		nextDay = time.UnixMicro(*next).In(e.Scope.Loc).Format(time.DateOnly)
	}
	subject, text := dunningWording(e.Scope, d, nextDay)
	_, err = o.Outbox.Queue(e, Email{Kind: KindDunning, Doc: d, Key: fmt.Sprint(step), LinkURL: link, Subject: subject, Text: text})
	return err
}

// dunningWording says what failed and what happens next (the date of the
// next retry, or that it was the last), in the workspace's language.
func dunningWording(sc workspace.Scope, d *document.Doc, nextDay string) (subject, text string) {
	es := catalog.Language(sc.Country) == "es"
	name := docName(d, es)
	total := Amount(d.Currency, outstanding(d), es)
	if es {
		subject = "No pudimos cobrar " + name + " de " + sc.Name
		text = fmt.Sprintf("Estimado cliente:\n\nNo pudimos cobrar %s de %s con su tarjeta.\n\n", total, name)
		if nextDay != "" {
			text += "Volveremos a intentarlo el " + nextDay + ". "
		} else {
			text += "Fue nuestro último intento automático. "
		}
		return subject, text + "Actualice su tarjeta o pague la factura con el enlace de este correo.\n\nSaludos,\n" + sc.Name + "\n"
	}
	subject = "We could not charge " + name + " from " + sc.Name
	text = fmt.Sprintf("Hello,\n\nWe could not charge %s for %s to your card.\n\n", total, name)
	if nextDay != "" {
		text += "We will try again on " + nextDay + ". "
	} else {
		text += "That was our last automatic attempt. "
	}
	return subject, text + "Update your card or pay the invoice with the link in this email.\n\nRegards,\n" + sc.Name + "\n"
}
