package webhook

import "testing"

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range Catalogue {
		if seen[n] {
			t.Errorf("%s twice", n)
		}
		seen[n] = true
	}
	if len(Catalogue) != 117 {
		t.Errorf("%d events, want the 117 of docs/webhooks.md#6-event-catalogue", len(Catalogue))
	}
	for f, want := range map[string]bool{
		"*": true, "invoice.finalized": true, "invoice.*": true, "payment_link.intent.*": true, "payment_link.*": true,
		"purchase.creditnote.*": true, "cancellation.*": true,
		"invoice.voided": false, "webhook.ping": false, "webhook.*": false, "nothing.*": false, "*.created": false, ".*": false,
		"invoice*": false, "invoice.created.*": false, "": false, "**": false, "invoice.": false,
	} {
		if got := ValidFilter(f); got != want {
			t.Errorf("ValidFilter(%q) = %v", f, got)
		}
	}
}

// Subscribed and ValidFilter agree: a family selects exactly the
// catalogue names under it, and "payment.*" is not "payment_link.*".
func TestFamilySelection(t *testing.T) {
	e := &Endpoint{Events: []string{"payment.*"}}
	if !e.Subscribed("payment.succeeded") || e.Subscribed("payment_link.created") || e.Subscribed("payment_link.intent.captured") {
		t.Error("payment.* selection")
	}
}
