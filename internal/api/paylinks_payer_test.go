package api_test

import (
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// Issue 13 #3: an anonymous payer who types an existing customer's email
// (in any case) or tax id gets a customer of their own; the victim's
// record, ledger and aggregations do not change, and the intent's public
// PDF prints only what the payer typed.
func TestPaymentLinkPayerNeverBoundToExistingCustomer(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		clBiller(t, c, false)
		victimBody := custExample()
		victimBody["phone"] = "+56 2 2345 6789"
		victim := custNew(c, victimBody)
		before := c.Get("/customers/" + victim + "/").Body
		anon := e.Anonymous()
		boleta := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 9990, "currency": "CLP", "description": "Taller"}).Expect(201), "publishable_key")
		factura := apitest.Str(c.Post("/payment_links/links/", map[string]any{"amount": 11900, "currency": "CLP", "document": 33, "description": "Curso"}).Expect(201), "publishable_key")
		attacks := []struct {
			key   string
			payer map[string]any
		}{
			{boleta, map[string]any{"name": "Mallory", "email": "FACTURAS@Andes.CL"}},
			{factura, map[string]any{"name": "Mallory SpA", "email": "m@example.cl", "tax_id": "76.086.428-5",
				"address": "Calle Falsa 123", "state": "RM", "activity": "Curiosidades", "commune": "Santiago"}},
		}
		for _, a := range attacks {
			in := anon.Post(pubPath(a.key)+"intents/", map[string]any{"payer": a.payer, "card": card(cardOK)}).Expect(201)
			if in["status"] != "finalized" {
				t.Fatalf("intent %v", c.Get("/payment_links/intents/"+apitest.Str(in, "id")+"/").Expect(200))
			}
			full := c.Get("/payment_links/intents/" + apitest.Str(in, "id") + "/").Expect(200)
			cus := full["customer"].(map[string]any)
			if cus["id"] == victim || cus["name"] != a.payer["name"] {
				t.Errorf("payer %v bound to customer %v (victim %s)", a.payer, cus, victim)
			}
			r := anon.Do("GET", pubPath(a.key)+"intents/"+apitest.Str(in, "id")+"/pdf/", nil, "Accept", "application/pdf")
			if r.Status != 200 {
				t.Fatalf("pdf: %d %s", r.Status, r.Body)
			}
			text := pdfText(t, r.Body)
			for _, leak := range []string{"Comercial Andes", "Apoquindo", "2345 6789", "Venta de equipos", "Las Condes", "facturas@andes.cl"} {
				if strings.Contains(text, leak) {
					t.Errorf("the payer's PDF shows the victim's %q:\n%s", leak, text)
				}
			}
			if !strings.Contains(text, apitest.Str(a.payer, "name")) {
				t.Errorf("the PDF lacks the payer's name %q:\n%s", a.payer["name"], text)
			}
		}
		// the victim is untouched: record, aggregations, ledger
		if after := c.Get("/customers/" + victim + "/").Body; !apitest.JSONEqual(before, after) {
			t.Errorf("victim changed:\n%s\n%s", before, after)
		}
		for _, p := range []string{"/invoices/?customer=", "/payments/?customer="} {
			if n := apitest.Num(c.Get(p + victim).Expect(200)["count"]); n != "0" {
				t.Errorf("%s%s: %s documents in the victim's ledger", p, victim, n)
			}
		}
		if n := apitest.Num(c.Get("/customers/?search=Mallory").Expect(200)["count"]); n != "2" {
			t.Errorf("%s payer customers, want 2", n)
		}
	})
}
