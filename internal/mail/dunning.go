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
	w := dunningTexts[es]
	name := docName(d, es)
	text = fmt.Sprintf(w.opening, Amount(d.Currency, outstanding(d), es), name)
	if nextDay != "" {
		text += fmt.Sprintf(w.retry, nextDay)
	} else {
		text += w.last
	}
	return fmt.Sprintf(w.subject, name, sc.Name), text + w.closing + sc.Name + "\n"
}

// dunningTexts are the sentences of the dunning email, in Spanish (true)
// and English: the subject takes the document and workspace names, the
// opening the total and the document, retry the date.
var dunningTexts = map[bool]struct{ subject, opening, retry, last, closing string }{
	true: {"No pudimos cobrar %s de %s", "Estimado cliente:\n\nNo pudimos cobrar %s de %s con su tarjeta.\n\n", "Volveremos a intentarlo el %s. ",
		"Fue nuestro último intento automático. ", "Actualice su tarjeta o pague la factura con el enlace de este correo.\n\nSaludos,\n"},
	false: {"We could not charge %s from %s", "Hello,\n\nWe could not charge %s for %s to your card.\n\n", "We will try again on %s. ",
		"That was our last automatic attempt. ", "Update your card or pay the invoice with the link in this email.\n\nRegards,\n"},
}
