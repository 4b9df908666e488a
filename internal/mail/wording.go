package mail

import (
	"fmt"
	"strconv"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/money"
	"github.com/shopspring/decimal"
)

// wording is the default subject and plain text of an email, in the
// workspace's language (docs/documents.md#55-emails-cobro-sends).
func wording(e document.Env, m Email) (subject, text string) {
	es := document.Lang(e.Scope) == "es"
	sender := e.Scope.Name
	name, owed, due := "", "", ""
	if m.Doc != nil {
		name = docName(m.Doc, es)
		owed = Amount(m.Doc.Currency, outstanding(m.Doc), es)
		if m.Doc.DueDate != nil {
			due = *m.Doc.DueDate
		}
	}
	greeting, closing := "Hello,", "Regards,\n"+sender
	if es {
		greeting, closing = "Estimado cliente:", "Saludos,\n"+sender
	}
	var body string
	switch m.Kind {
	case KindDocument:
		total := Amount(m.Doc.Currency, docTotal(m.Doc), es)
		subject = tr(es, name+" de "+sender, name+" from "+sender)
		if es {
			body = fmt.Sprintf("Adjuntamos %s por %s", name, total)
			if due != "" && m.Doc.Kind == document.Invoice.Name {
				body += ", con vencimiento el " + due
			}
		} else {
			body = fmt.Sprintf("Attached is %s for %s", name, total)
			if due != "" && m.Doc.Kind == document.Invoice.Name {
				body += ", due " + due
			}
		}
		body += "."
	case KindReceipt:
		paid := Amount(m.Payment.Currency, m.Payment.Captured(), es)
		subject = tr(es, "Comprobante de pago de "+sender, "Payment receipt from "+sender)
		body = tr(es, "Recibimos su pago de "+paid+" el "+m.Payment.Date, "We received your payment of "+paid+" on "+m.Payment.Date)
		if name != "" {
			body += tr(es, " por ", " for ") + name
		}
		body += tr(es, ". Gracias.", ". Thank you.")
	case KindReminder:
		subject, body = reminderWording(es, name, owed, due, m.Days)
		subject += " — " + sender
	case KindDunning:
		subject = tr(es, "No pudimos cobrar "+name, "We could not charge your card for "+name)
		body = tr(es, fmt.Sprintf("No pudimos cobrar %s de %s a su tarjeta. Por favor actualice su medio de pago para que podamos intentarlo de nuevo.", owed, name),
			fmt.Sprintf("We could not charge %s for %s to your card. Please update your payment method so we can try again.", owed, name))
	}
	return subject, greeting + "\n\n" + body + "\n\n" + closing + "\n"
}

// reminderWording says where the invoice stands against its due date.
func reminderWording(es bool, name, owed, due string, days int) (subject, body string) {
	switch {
	case days < 0 && es:
		return "Recordatorio: " + name + " vence el " + due, fmt.Sprintf("Le recordamos que %s, por %s, vence el %s.", name, owed, due)
	case days < 0:
		return "Reminder: " + name + " is due on " + due, fmt.Sprintf("This is a reminder that %s, for %s, is due on %s.", name, owed, due)
	case days == 0 && es:
		return "Recordatorio: " + name + " vence hoy", fmt.Sprintf("Le recordamos que %s, por %s, vence hoy.", name, owed)
	case days == 0:
		return "Reminder: " + name + " is due today", fmt.Sprintf("This is a reminder that %s, for %s, is due today.", name, owed)
	case es:
		return name + " está vencida", fmt.Sprintf("%s venció el %s y tiene un saldo pendiente de %s. Si ya la pagó, ignore este mensaje.", name, due, owed)
	}
	return name + " is overdue", fmt.Sprintf("%s was due on %s and %s is still outstanding. If you have already paid it, please ignore this message.", name, due, owed)
}

func tr(es bool, spanish, english string) string {
	if es {
		return spanish
	}
	return english
}

// docName is "<type name> N° <number>"; in English a type without a
// local name is an "Invoice", "Credit note", "Debit note".
func docName(d *document.Doc, es bool) string {
	t := d.Type()
	name := t.Name
	if !es && !t.HasLocalFormat {
		name = map[string]string{document.Invoice.Name: "Invoice", document.CreditNote.Name: "Credit note", document.DebitNote.Name: "Debit note"}[d.Kind]
	}
	if d.Number != nil {
		name += " N° " + strconv.FormatInt(*d.Number, 10)
	}
	return name
}

func docTotal(d *document.Doc) decimal.Decimal {
	if d.TotalAdjusted != nil {
		return *d.TotalAdjusted
	}
	return d.Total
}

// outstanding is what the invoice still owes.
func outstanding(d *document.Doc) decimal.Decimal {
	return docTotal(d).Sub(decimal.NewFromInt(d.CollectedCents).Shift(-2))
}

// Amount writes money for people: the currency, thousands grouped ("." in
// Spanish, "," in English) and the currency's decimals (none for CLP).
func Amount(currency string, d decimal.Decimal, es bool) string {
	places := int32(2)
	if c, ok := catalog.CurrencyByID(currency); ok && c.Rounded {
		places = 0
	}
	out := money.Format(d, places, es)
	return currency + " " + out
}
