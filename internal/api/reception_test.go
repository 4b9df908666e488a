package api_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/cobrobilling/cobro/internal/apitest"
)

// receiverRUT is the RUT of custExample, the buyer of the issued invoices.
const receiverRUT = "76086428-5"

// receivingWorkspace is a Chilean workspace (test mode) whose SII settings
// carry rut: the buyer of another workspace's invoices.
func receivingWorkspace(t *testing.T, e *apitest.Env, rut string) *apitest.Client {
	t.Helper()
	c := e.Workspace("CL").Test()
	s := siiSettings()
	s["rut"], s["business_name"], s["email"] = rut, "Comercial Andes SpA", "dte@andes.cl"
	c.Patch("/billers/built_in/", s).Expect(200)
	return c
}

// upload posts an envelope as the multipart file of POST /purchases/received/.
func upload(t *testing.T, c *apitest.Client, xml []byte) *apitest.Resp {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile("file", "envio.xml")
	f.Write(xml)
	w.Close()
	return c.Do("POST", "/purchases/received/", b.Bytes(), "Content-Type", w.FormDataContentType())
}

// issuedEnvelopes finalizes, in an issuing workspace, a CL33 (taxable and
// exempt lines, a global discount) and a CL61 crediting part of it, for
// custExample; it returns both documents and their local_file envelopes.
func issuedEnvelopes(t *testing.T, e *apitest.Env) (inv, crn map[string]any, invXML, crnXML []byte) {
	t.Helper()
	c := e.Workspace("CL").Test()
	clBiller(t, c, false)
	cus := custNew(c, custExample())
	id := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
		"due_date": "2026-07-02", "discount": 5, "discount_scheme": "%",
		"lines": []any{docLine("Equipo", 3, 15990, "description", "Notebook 14 pulgadas"), docLine("Instalación", 1, 9990, "exempt", true)}}), "id")
	inv = c.Post("/invoices/"+id+"/finalize/", nil).Expect(200)
	cid := apitest.Str(docCreate(t, c, "/creditnotes/", map[string]any{"invoice": id, "date": "2026-06-02",
		"lines": []any{docLine("Equipo", 1, 15990)}}), "id")
	crn = c.Post("/creditnotes/"+cid+"/finalize/", nil).Expect(200)
	return inv, crn, fetchFile(t, apitest.Str(inv, "local_file")), fetchFile(t, apitest.Str(crn, "local_file"))
}

func TestReceiveEnvelopeByUpload(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		inv, crn, invXML, crnXML := issuedEnvelopes(t, e)
		c := receivingWorkspace(t, e, receiverRUT)

		in := upload(t, c, invXML).Expect(201)
		if in["status"] != "imported" || in["issuer_rut"] != siiRUT || len(in["messages"].([]any)) != 0 {
			t.Fatalf("intake: %v", in)
		}
		doc := in["documents"].([]any)[0].(map[string]any)
		if doc["document"] != "CL33" || apitest.Num(doc["number"]) != apitest.Num(inv["number"]) || doc["object"] != "purchase" ||
			doc["acceptance_deadline"] != "2026-06-10" {
			t.Fatalf("intake document: %v", doc)
		}
		pur := c.Get("/purchases/" + apitest.Str(doc, "id") + "/").Expect(200)
		samePurchase(t, inv, pur)
		sup := pur["supplier"].(map[string]any)
		if sup["tax_id"] != siiRUT || sup["name"] != "Servicios Cobro Demo SpA" || sup["address"] != "Av. Providencia 1208, of. 501" {
			t.Errorf("supplier from the issuer: %v", sup)
		}

		// the credit note becomes a purchase credit note of that purchase
		in = upload(t, c, crnXML).Expect(201)
		if in["status"] != "imported" {
			t.Fatalf("credit note intake: %v", in)
		}
		doc = in["documents"].([]any)[0].(map[string]any)
		if doc["object"] != "purchase_credit_note" || doc["acceptance_deadline"] != nil {
			t.Fatalf("credit note: %v", doc)
		}
		pcn := c.Get("/purchases/credit-notes/" + apitest.Str(doc, "id") + "/").Expect(200)
		if pcn["purchase"] != pur["id"] || pcn["total"] != crn["total"] ||
			apitest.Num(pcn["number"]) != apitest.Num(crn["number"]) || pcn["imported"] != true {
			t.Errorf("purchase credit note: %v", pcn)
		}

		// the same envelope again: a duplicate, nothing recorded
		in = upload(t, c, invXML).Expect(201)
		if in["status"] != "duplicate" || !hasCode(in, "DUP-001") {
			t.Fatalf("duplicate: %v", in)
		}
		page := c.Get("/purchases/received/").Expect(200)
		if apitest.Num(page["count"]) != "3" {
			t.Errorf("intakes: %v", page)
		}
		if got := c.Get("/purchases/").Expect(200); apitest.Num(got["count"]) != "1" {
			t.Errorf("purchases after the duplicate: %v", got["count"])
		}
		c.Get("/purchases/received/" + apitest.Str(in, "id") + "/").Expect(200)
		e.Workspace("CL").Test().Get("/purchases/received/"+apitest.Str(in, "id")+"/").ExpectBody(404, `{"detail": "Not found."}`)
		e.Workspace("US").Post("/purchases/received/", map[string]any{"file": "<x/>"}).ExpectBody(404, `{"detail": "Not found."}`)
		c.Post("/purchases/received/", map[string]any{}).ExpectBody(400, `{"file": ["This field is required."]}`)
	})
}

// samePurchase compares a received purchase with the issued invoice.
func samePurchase(t *testing.T, inv, pur map[string]any) {
	t.Helper()
	for _, k := range []string{"date", "due_date", "currency", "amount", "exempt", "tax", "total", "discount", "discount_scheme"} {
		if apitest.Num(pur[k]) != apitest.Num(inv[k]) {
			t.Errorf("%s: purchase %v, invoice %v", k, pur[k], inv[k])
		}
	}
	if apitest.Num(pur["number"]) != apitest.Num(inv["number"]) || pur["imported"] != true || pur["status"] != "finalized" ||
		pur["document"].(map[string]any)["id"] != "CL33" {
		t.Errorf("purchase: %v", pur)
	}
	il, pl := inv["lines"].([]any), pur["lines"].([]any)
	if len(il) != len(pl) {
		t.Fatalf("lines: %d, want %d", len(pl), len(il))
	}
	for i := range il {
		a, b := il[i].(map[string]any), pl[i].(map[string]any)
		for _, k := range []string{"name", "description", "quantity", "amount", "exempt", "subtotal"} {
			if apitest.Num(a[k]) != apitest.Num(b[k]) {
				t.Errorf("line %d %s: purchase %v, invoice %v", i, k, b[k], a[k])
			}
		}
	}
}

func hasCode(in map[string]any, code string) bool {
	for _, m := range in["messages"].([]any) {
		if m.(map[string]any)["code"] == code {
			return true
		}
	}
	return false
}

// Tampered envelopes are refused with their reason and record nothing.
func TestReceiveTamperedEnvelopes(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		_, _, invXML, _ := issuedEnvelopes(t, e)
		c := receivingWorkspace(t, e, receiverRUT)
		s := string(invXML)
		i := strings.Index(s, "<SignatureValue>")
		brokenSig := s[:i+16] + "A" + s[i+17:]
		for _, tc := range []struct {
			name, xml, code string
		}{
			{"changed amount", strings.Replace(s, "<MntTotal>", "<MntTotal>1", 1), "FRM-001"},
			{"broken signature", brokenSig, "FRM-001"},
			{"not XML", "factura", "SCH-001"},
		} {
			in := upload(t, c, []byte(tc.xml)).Expect(201)
			if in["status"] != "refused" || !hasCode(in, tc.code) {
				t.Errorf("%s: %v", tc.name, in)
			}
		}
		// addressed to another company
		other := receivingWorkspace(t, e, "12345678-5")
		in := upload(t, other, invXML).Expect(201)
		if in["status"] != "refused" || !hasCode(in, "REC-001") {
			t.Errorf("wrong receiver: %v", in)
		}
		for _, w := range []*apitest.Client{c, other} {
			if got := w.Get("/purchases/").Expect(200); apitest.Num(got["count"]) != "0" {
				t.Errorf("purchases recorded from refused envelopes: %v", got["count"])
			}
			if got := w.Get("/suppliers/").Expect(200); apitest.Num(got["count"]) != "0" {
				t.Errorf("suppliers recorded from refused envelopes: %v", got["count"])
			}
		}
		if page := c.Get("/purchases/received/?status=refused").Expect(200); apitest.Num(page["count"]) != "3" {
			t.Errorf("refused intakes: %v", page["count"])
		}
	})
}
