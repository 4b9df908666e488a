package webhook

import "strings"

// Catalogue lists every event name of docs/webhooks.md#6-event-catalogue, in the order of its
// table. webhook.ping is not in it: it is only sent by the ping action and
// never recorded, so endpoints cannot subscribe to it.
var Catalogue = []string{
	"customer.created", "customer.updated", "customer.archived", "customer.deleted",
	"contact.created", "contact.updated", "contact.deleted",
	"orgunit.created", "orgunit.updated", "orgunit.deleted",
	"product.created", "product.updated", "product.archived",
	"plan.created", "plan.updated", "plan.archived",
	"addon.created", "addon.updated", "addon.archived",
	"coupon.created", "coupon.updated", "coupon.archived",
	"subscription.created", "subscription.updated", "subscription.paused", "subscription.resumed",
	"subscription.cancelled", "subscription.finalized", "subscription.needs_attention", "subscription.invoice_created",
	"subscription.dunning_started", "subscription.dunning_retry_failed", "subscription.dunning_recovered", "subscription.dunning_exhausted",
	"usage.created", "usage.deleted",
	"invoice.created", "invoice.updated", "invoice.deleted", "invoice.pending", "invoice.finalized", "invoice.paid",
	"invoice.uncollectible", "invoice.cancelled", "invoice.biller_succeeded", "invoice.biller_failed",
	"creditnote.created", "creditnote.updated", "creditnote.deleted", "creditnote.finalized", "creditnote.cancelled",
	"creditnote.biller_succeeded", "creditnote.biller_failed",
	"debitnote.created", "debitnote.updated", "debitnote.deleted", "debitnote.finalized",
	"debitnote.biller_succeeded", "debitnote.biller_failed",
	"order.created", "order.updated", "order.deleted", "order.finalized", "order.cancelled",
	"order.biller_succeeded", "order.biller_failed",
	"reminder.created", "reminder.sent", "reminder.failed",
	"payment.created", "payment.updated", "payment.authorized", "payment.succeeded", "payment.failed",
	"payment.cancelled", "payment.deleted", "payment.refunded",
	"source.created", "source.chargeable", "source.failed", "source.consumed", "source.finalized",
	"payment_link.created", "payment_link.updated", "payment_link.archived",
	"payment_link.intent.authorized", "payment_link.intent.captured", "payment_link.intent.finalized",
	"payment_link.intent.failed", "payment_link.intent.cancelled",
	"supplier.created", "supplier.updated", "supplier.deleted",
	"purchase.created", "purchase.updated", "purchase.deleted", "purchase.finalized", "purchase.cancelled",
	"purchase.biller_succeeded", "purchase.biller_failed", "purchase.acceptance_due",
	"purchase.creditnote.created", "purchase.creditnote.updated", "purchase.creditnote.deleted",
	"purchase.creditnote.finalized", "purchase.creditnote.biller_succeeded", "purchase.creditnote.biller_failed",
	"retention.created", "retention.updated", "retention.deleted", "retention.finalized", "retention.cancelled",
	"retention.biller_succeeded", "retention.biller_failed",
	"cancellation.created",
	// Cobro: the Chile SII biller's warnings (docs/tax-agency.md#3-certificate, docs/tax-agency.md#4-caf-files-and-folios)
	"biller.certificate_expiring", "biller.caf_low",
}

// PingEvent is the name of the ping action's delivery (docs/webhooks.md#11-endpoints).
const PingEvent = "webhook.ping"

var known = func() map[string]bool {
	m := make(map[string]bool, len(Catalogue))
	for _, n := range Catalogue {
		m[n] = true
	}
	return m
}()

// Known reports whether name is an event of the catalogue.
func Known(name string) bool { return known[name] }

// ValidFilter reports whether f may appear in an endpoint's events: "*",
// a catalogue name, or "family.*" selecting at least one catalogue name.
func ValidFilter(f string) bool {
	if f == "*" || known[f] {
		return true
	}
	prefix, ok := strings.CutSuffix(f, "*")
	if !ok || !strings.HasSuffix(prefix, ".") || len(prefix) < 2 {
		return false
	}
	for _, n := range Catalogue {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
