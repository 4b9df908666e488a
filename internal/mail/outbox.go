package mail

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/reminder"
	"github.com/cobrobilling/cobro/internal/store"
)

// Kind is what an email Cobro sends on its own is about
// (docs/documents.md#55-emails-cobro-sends).
type Kind string

const (
	// KindDocument is a finalized invoice, credit note or debit note.
	KindDocument Kind = "document"
	// KindReceipt is a succeeded payment.
	KindReceipt Kind = "receipt"
	// KindReminder is a reminder rule's email about an unpaid invoice.
	KindReminder Kind = "reminder"
	// KindDunning is a failed automatic charge: the button opens LinkURL
	// (where the customer updates the card).
	KindDunning Kind = "dunning"
)

// kindSpec is who gets a kind: the customers column that turns it on
// ("" = always) and the contacts column that picks the recipients.
type kindSpec struct{ optIn, contacts string }

var kinds = map[Kind]kindSpec{
	KindDocument: {"send_invoices", "invoicing"},
	KindReceipt:  {"send_vouchers", "invoicing"},
	KindReminder: {"send_collections", "collections"},
	KindDunning:  {"", "collections"},
}

// Email asks for one email about one document or payment.
type Email struct {
	Kind Kind
	// Doc is the invoice, credit note or debit note the email is about
	// (its PDF is attached). For a receipt, Payment is the payment and Doc
	// its invoice when it has one.
	Doc     *document.Doc
	Payment *payment.Payment
	// Key tells apart several emails of one kind about one object (a
	// reminder rule's id, a dunning attempt's number); "" = one per kind
	// and object.
	Key string
	// To replaces the recipients the kind picks (nil: the customer's
	// contacts of the kind, else the customer's email).
	To []string
	// Pay adds a button with a single-use payment link for what the
	// invoice still owes, when it owes something.
	Pay bool
	// LinkURL is the button's URL instead of a payment link.
	LinkURL string
	// Subject and Text replace the kind's default wording.
	Subject, Text string
	// Rule is the reminder rule that asks for the email, and Days its
	// place relative to the due date (the reminder's wording).
	Rule string
	Days int
}

// Outbox records and queues Cobro's own emails; wired in internal/app and
// handed to the work that causes them (finalize, payments, reminder rules,
// dunning).
type Outbox struct {
	// Base is the public URL payment links live under.
	Base string
	// Off records emails as skipped: no SMTP server is configured.
	Off bool
}

// Queue records the email as a reminder message and queues its sending, in
// e's transaction. It returns the message's id, or "" when nothing was
// recorded: the customer turned the kind off or has no address, or the
// same email (kind, object, Key) was recorded before — a retried request
// or another scheduler. Without SMTP, and in test mode (but for dunning,
// whose declining test cards exist only there), the message is recorded as
// skipped.
func (o Outbox) Queue(e document.Env, m Email) (string, error) {
	spec, ok := kinds[m.Kind]
	if !ok {
		return "", fmt.Errorf("mail: unknown kind %q", m.Kind)
	}
	target, targetID, customerID, err := m.about()
	if err != nil {
		return "", err
	}
	to := m.To
	if to == nil {
		if to, err = recipients(e, customerID, m.orgunit(e), spec); err != nil || len(to) == 0 {
			return "", err
		}
	}
	subject, text := m.Subject, m.Text
	if subject == "" || text == "" {
		s, t := wording(e, m)
		subject, text = or(subject, s), or(text, t)
	}
	rec := reminder.Record{Kind: string(m.Kind), Target: target, TargetID: targetID, Recipients: to, Subject: subject, Message: text,
		Queued: !o.Off && (!e.Scope.TestMode || m.Kind == KindDunning), DedupeKey: fmt.Sprintf("%s:%s:%s", m.Kind, targetID, m.Key)}
	if m.LinkURL != "" {
		rec.LinkURL = &m.LinkURL
	}
	if m.Rule != "" {
		rec.Rule = &m.Rule
	}
	rid, err := reminder.Insert(e, rec)
	if err != nil || rid == "" {
		return rid, err
	}
	// a skipped (test-mode) message gets its link too: it shows what
	// would be sent
	if m.Pay && m.LinkURL == "" && m.Doc != nil && m.Doc.Kind == document.Invoice.Name {
		if err := o.attachPayLink(e, rid, m.Doc); err != nil {
			return "", err
		}
	}
	if !rec.Queued {
		return rid, nil
	}
	return rid, EnqueueReminder(e.Ctx, e.Q, e.Scope, rid, e.Now)
}

// about names the object of the email: its message column, id and
// customer.
func (m Email) about() (target, id, customerID string, err error) {
	switch {
	case m.Payment != nil:
		if m.Payment.CustomerID != nil {
			customerID = *m.Payment.CustomerID
		}
		return "payment", m.Payment.ID, customerID, nil
	case m.Doc != nil && (m.Doc.Kind == document.Invoice.Name || m.Doc.Kind == document.CreditNote.Name || m.Doc.Kind == document.DebitNote.Name):
		return m.Doc.Kind, m.Doc.ID, m.Doc.CustomerID, nil
	}
	return "", "", "", fmt.Errorf("mail: an email of kind %q needs an invoice, note or payment", m.Kind)
}

// attachPayLink gives the message a payment link for what the invoice
// still owes; an invoice that owes nothing, or cannot be paid online, gets
// none.
func (o Outbox) attachPayLink(e document.Env, messageID string, d *document.Doc) error {
	link, err := reminder.PayLink(e, o.Base, d)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.Invalid {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = e.Q.ExecContext(e.Ctx, `UPDATE reminders SET action = 'pay', payment_link_id = $2 WHERE id = $1`, messageID, link)
	return err
}

// orgunit is the organizational unit of the subscription that billed the
// email's document ("" = none): its contacts come first.
func (m Email) orgunit(e document.Env) string {
	if m.Doc == nil || m.Doc.SubscriptionID == nil {
		return ""
	}
	var ou sql.NullString
	_ = e.Q.QueryRowContext(e.Ctx, `SELECT orgunit_id FROM subscriptions WHERE id = $1`, *m.Doc.SubscriptionID).Scan(&ou)
	return ou.String
}

// recipients are the contacts of the kind of the orgunit, else of the
// customer, else the customer's email; none when the customer turned the
// kind off.
func recipients(e document.Env, customerID, orgunitID string, spec kindSpec) ([]string, error) {
	if customerID == "" {
		return nil, nil
	}
	on, email := true, sql.NullString{}
	optIn := "TRUE"
	if spec.optIn != "" {
		optIn = spec.optIn
	}
	// optIn and contacts are column names from the kinds table, never input
	if err := e.Q.QueryRowContext(e.Ctx, `SELECT `+optIn+`, email FROM customers WHERE id = $1 AND workspace_id = $2`, customerID, e.Scope.ID).
		Scan(&on, &email); err != nil || !on {
		return nil, err
	}
	var to []string
	var err error
	if orgunitID != "" {
		if to, err = contacts(e, `orgunit_id`, orgunitID, spec.contacts); err != nil {
			return nil, err
		}
	}
	if len(to) == 0 {
		if to, err = contacts(e, `customer_id`, customerID, spec.contacts); err != nil {
			return nil, err
		}
	}
	if len(to) == 0 && email.Valid && strings.TrimSpace(email.String) != "" {
		to = []string{strings.TrimSpace(email.String)}
	}
	return to, nil
}

// contacts are the addresses of the contacts of a customer or orgunit
// (owner) with the flag, ten at most.
func contacts(e document.Env, owner, ownerID, flag string) ([]string, error) {
	// owner and flag are column names from this package, never input
	addrs, err := store.Strings(e.Ctx, e.Q, `SELECT email FROM contacts WHERE `+owner+` = $1 AND `+flag+` = $2 ORDER BY created, id`, ownerID, true)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, addr := range addrs {
		if addr = strings.TrimSpace(addr); addr != "" && len(to) < 10 {
			to = append(to, addr)
		}
	}
	return to, nil
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// DocumentFinalized emails a finalized invoice, credit note or debit note
// to the customer (document.Mailer), with a pay link for what an invoice
// still owes.
func (o Outbox) DocumentFinalized(e document.Env, d *document.Doc) error {
	_, err := o.Queue(e, Email{Kind: KindDocument, Doc: d, Pay: true})
	return err
}

// PaymentSucceeded emails the receipt of a payment (document.Mailer), with
// a pay link for what its invoice still owes.
func (o Outbox) PaymentSucceeded(e document.Env, paymentID string) error {
	p, err := payment.GetPayment(e, paymentID)
	if err != nil {
		return err
	}
	m := Email{Kind: KindReceipt, Payment: p, Pay: true}
	if p.Invoice != nil {
		if m.Doc, err = document.Get(e, document.Invoice, *p.Invoice); err != nil {
			return err
		}
	}
	_, err = o.Queue(e, m)
	return err
}

// RemindInvoice emails a reminder rule's reminder about an unpaid invoice
// (reminder.RuleMailer), once per rule and invoice.
func (o Outbox) RemindInvoice(e document.Env, d *document.Doc, r *reminder.Rule) error {
	m := Email{Kind: KindReminder, Doc: d, Key: r.ID, Rule: r.ID, Days: r.Days, Pay: r.Action == "pay"}
	if r.Subject != nil {
		m.Subject = *r.Subject
	}
	if r.Message != nil {
		m.Text = *r.Message
	}
	_, err := o.Queue(e, m)
	return err
}
