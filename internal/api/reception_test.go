package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/mail"
	"github.com/cobrobilling/cobro/internal/mail/mailtest"
	"github.com/cobrobilling/cobro/internal/reception"
	"github.com/cobrobilling/cobro/internal/sii"
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
	return uploadFile(c, "POST", "/purchases/received/", "envio.xml", xml)
}

// uploadFile sends data as the multipart "file" field named name, as a
// browser form does.
func uploadFile(c *apitest.Client, method, path, name string, data []byte) *apitest.Resp {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	f, _ := w.CreateFormFile("file", name)
	f.Write(data)
	w.Close()
	return c.Do(method, path, b.Bytes(), "Content-Type", w.FormDataContentType())
}

// issuedEnvelopes finalizes, in an issuing workspace, a CL33 (taxable and
// exempt lines, a global discount) and a CL61 crediting part of it, for
// custExample; it returns both documents and their local_file envelopes.
func issuedEnvelopes(t *testing.T, e *apitest.Env) (inv, crn map[string]any, invXML, crnXML []byte) {
	t.Helper()
	_, inv, crn, invXML, crnXML = issuedBy(t, e)
	return
}

// issuedBy is issuedEnvelopes with the issuing workspace's client.
func issuedBy(t *testing.T, e *apitest.Env) (c *apitest.Client, inv, crn map[string]any, invXML, crnXML []byte) {
	t.Helper()
	c = e.Workspace("CL").Test()
	clBiller(t, c, false)
	cus := custNew(c, custExample())
	id := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
		"due_date": "2026-07-02", "discount": 5, "discount_scheme": "%",
		"lines": []any{docLine("Equipo", 3, 15990, "description", "Notebook 14 pulgadas"), docLine("Instalación", 1, 9990, "exempt", true)}}), "id")
	inv = c.Post("/invoices/"+id+"/finalize/", nil).Expect(200)
	cid := apitest.Str(docCreate(t, c, "/creditnotes/", map[string]any{"invoice": id, "date": "2026-06-02",
		"lines": []any{docLine("Equipo", 1, 15990)}}), "id")
	crn = c.Post("/creditnotes/"+cid+"/finalize/", nil).Expect(200)
	return c, inv, crn, fetchFile(t, apitest.Str(inv, "local_file")), fetchFile(t, apitest.Str(crn, "local_file"))
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

// checkAnswer runs the external oracles on a signed exchange answer:
// xmllint against the SII schemas and xmlsec1 on every signature.
func checkAnswer(t *testing.T, xml []byte) *sii.Elem {
	t.Helper()
	if msgs := sii.ExchangeSchemaCheck(xml); msgs != nil {
		t.Fatalf("schema: %v\n%s", msgs, xml)
	}
	root, err := sii.Parse(xml)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("xmlsec1"); err != nil {
		t.Skip("SKIP: xmlsec1 is not installed")
	}
	p := filepath.Join(t.TempDir(), "answer.xml")
	os.WriteFile(p, xml, 0o644)
	nodes := []string{"/*/*[local-name()='Signature']"}
	if root.Local() == "EnvioRecibos" {
		nodes = append(nodes, "/*/*/*/*[local-name()='Signature']")
	}
	for _, node := range nodes {
		out, err := exec.Command("xmlsec1", "--verify", "--id-attr:ID", "Resultado", "--id-attr:ID", "SetRecibos", "--id-attr:ID", "DocumentoRecibo",
			"--node-xpath", node, p).CombinedOutput()
		if err != nil {
			t.Fatalf("xmlsec1 %s: %s", node, out)
		}
	}
	return root
}

// answerXML downloads an answer's signed XML.
func answerXML(t *testing.T, c *apitest.Client, id string) (map[string]any, []byte) {
	t.Helper()
	a := c.Get("/purchases/received/answers/" + id + "/").Expect(200)
	b, err := base64.StdEncoding.DecodeString(apitest.Str(a, "file"))
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// Every exchange answer is signed, schema-valid and emailed to the
// issuer's exchange address (docs/procurement.md#63-exchange-answers).
func TestReceptionAnswers(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		_, _, invXML, _ := issuedEnvelopes(t, e)
		c := receivingWorkspace(t, e, receiverRUT)
		// the supplier is known, with its exchange address
		sup := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Servicios Cobro Demo", "country": "CL", "tax_id": siiRUT,
			"email": "dte@cobro-demo.cl"}).Expect(201), "id")
		in := upload(t, c, invXML).Expect(201)
		if got := c.Get("/purchases/received/").Expect(200); apitest.Num(got["count"]) != "1" {
			t.Fatal(got)
		}
		if s := c.Get("/suppliers/").Expect(200); apitest.Num(s["count"]) != "1" || c.Get("/purchases/" + apitest.Str(in["documents"].([]any)[0].(map[string]any), "id") + "/").Expect(200)["supplier"].(map[string]any)["id"] != sup {
			t.Errorf("the known supplier is not the purchase's: %v", s)
		}
		pur := apitest.Str(in["documents"].([]any)[0].(map[string]any), "id")

		page := c.Get("/purchases/received/answers/?intake=" + apitest.Str(in, "id")).Expect(200)
		items := page["results"].([]any)
		if len(items) != 1 {
			t.Fatalf("reception answers: %v", page)
		}
		a, xml := answerXML(t, c, apitest.Str(items[0].(map[string]any), "id"))
		if a["kind"] != "reception" || a["email_to"] != "dte@cobro-demo.cl" || a["status"] != "queued" {
			t.Errorf("reception answer: %v", a)
		}
		re := checkAnswer(t, xml).Path("Resultado", "RecepcionEnvio")
		if re.Child("EstadoRecepEnv").Text() != "0" || re.Path("RecepcionDTE", "EstadoRecepDTE").Text() != "0" ||
			re.Path("RecepcionDTE", "RUTRecep").Text() != receiverRUT || re.Child("RutEmisor").Text() != siiRUT {
			t.Errorf("RecepcionEnvio: %s", xml)
		}

		// the commercial result, once
		c.Post("/purchases/"+pur+"/reject/", map[string]any{}).ExpectBody(400, `{"reason": ["This field is required."]}`)
		st := c.Post("/purchases/"+pur+"/accept/", map[string]any{"reason": "Conforme"}).Expect(200)
		if st["result"] != "accepted" || st["result_reason"] != "Conforme" || st["acceptance_deadline"] != "2026-06-10" || st["document_type"] != "CL33" {
			t.Errorf("state after accept: %v", st)
		}
		c.Post("/purchases/"+pur+"/reject/", map[string]any{"reason": "late"}).ExpectBody(400, `{"non_field_errors": ["The document was already accepted."]}`)
		// the receipt of goods, once
		st = c.Post("/purchases/"+pur+"/receipt/", map[string]any{"place": "Bodega Quilicura"}).Expect(200)
		if st["receipt"] == nil {
			t.Errorf("state after receipt: %v", st)
		}
		c.Post("/purchases/"+pur+"/receipt/", nil).ExpectBody(400, `{"non_field_errors": ["The receipt of this document was already sent."]}`)

		page = c.Get("/purchases/received/answers/?document=" + pur).Expect(200)
		kinds := map[string]bool{}
		for _, it := range page["results"].([]any) {
			a, xml := answerXML(t, c, apitest.Str(it.(map[string]any), "id"))
			kinds[apitest.Str(a, "kind")] = true
			root := checkAnswer(t, xml)
			switch a["kind"] {
			case "result":
				if r := root.Path("Resultado", "ResultadoDTE"); r.Child("EstadoDTE").Text() != "0" || r.Child("EstadoDTEGlosa").Text() != "Conforme" {
					t.Errorf("ResultadoDTE: %s", xml)
				}
			case "receipt":
				if r := root.Path("SetRecibos", "Recibo", "DocumentoRecibo"); r.Child("Recinto").Text() != "Bodega Quilicura" || r.Child("TipoDoc").Text() != "33" {
					t.Errorf("EnvioRecibos: %s", xml)
				}
			}
		}
		if !kinds["result"] || !kinds["receipt"] || len(kinds) != 2 {
			t.Errorf("answers of the purchase: %v", kinds)
		}

		// a refused envelope is answered too: signature error
		s := string(invXML)
		i := strings.Index(s, "<SignatureValue>")
		bad := upload(t, c, []byte(s[:i+16]+"A"+s[i+17:])).Expect(201)
		items = c.Get("/purchases/received/answers/?intake=" + apitest.Str(bad, "id")).Expect(200)["results"].([]any)
		_, xml = answerXML(t, c, apitest.Str(items[0].(map[string]any), "id"))
		if got := checkAnswer(t, xml).Path("Resultado", "RecepcionEnvio", "EstadoRecepEnv").Text(); got != "2" {
			t.Errorf("EstadoRecepEnv of a bad signature: %s", got)
		}

		// the emails: every queued answer, XML attached, to the issuer
		srv := mailtest.StartFakeSMTP(t)
		host, port, _ := net.SplitHostPort(srv.Addr)
		cfg, err := mail.Parse("smtp://" + host + ":" + port + "?from=dte@andes.cl")
		if err != nil {
			t.Fatal(err)
		}
		w := &reception.AnswerMailer{DB: e.DB, SMTP: cfg, Clock: e.Clock}
		if n, err := w.RunOnce(context.Background()); err != nil || n != 4 {
			t.Fatalf("mailer sent %d (%v), want 4", n, err)
		}
		got := srv.Received()
		if len(got) != 4 || strings.Join(got[0].To, ",") != "dte@cobro-demo.cl" || !strings.Contains(got[0].Data, "application/xml") {
			t.Fatalf("mails: %+v", got)
		}
		for _, it := range c.Get("/purchases/received/answers/").Expect(200)["results"].([]any) {
			if it.(map[string]any)["status"] != "sent" {
				t.Errorf("answer not marked sent: %v", it)
			}
		}
		// another workspace or mode sees none of it
		ansID := apitest.Str(items[0].(map[string]any), "id")
		live := *c
		live.TestMode = false
		for _, o := range []*apitest.Client{receivingWorkspace(t, e, receiverRUT), &live} {
			o.Get("/purchases/received/answers/"+ansID+"/").ExpectBody(404, `{"detail": "Not found."}`)
			o.Get("/purchases/"+pur+"/reception/").ExpectBody(404, `{"detail": "Not found."}`)
			o.Post("/purchases/"+pur+"/reject/", map[string]any{"reason": "x"}).ExpectBody(404, `{"detail": "Not found."}`)
		}
		// not a received document
		us := newPurchase(c, false)
		c.Get("/purchases/"+us+"/reception/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Post("/purchases/"+us+"/accept/", nil).ExpectBody(404, `{"detail": "Not found."}`)
	})
}

// issueCL33 finalizes a CL33 of the issuing workspace c for custExample
// and returns its envelope.
func issueCL33(t *testing.T, c *apitest.Client, cus, item string) []byte {
	t.Helper()
	id := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
		"lines": []any{docLine(item, 2, 10000)}}), "id")
	return fetchFile(t, apitest.Str(c.Post("/invoices/"+id+"/finalize/", nil).Expect(200), "local_file"))
}

// Accept and claim received facturas in the sandbox's register, read its
// events, and the deadline event two days before acceptance_deadline
// (docs/procurement.md#65-the-sii-register-rcv).
func TestReceptionRCV(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		issuer := e.Workspace("CL").Test()
		clBiller(t, issuer, false)
		cus := custNew(issuer, custExample())
		c := receivingWorkspace(t, e, receiverRUT)
		var purs []string
		for _, item := range []string{"Equipo", "Monitor", "Teclado"} {
			in := upload(t, c, issueCL33(t, issuer, cus, item)).Expect(201)
			purs = append(purs, apitest.Str(in["documents"].([]any)[0].(map[string]any), "id"))
		}
		w := &reception.Worker{DB: e.DB, Register: e.App.SII, Clock: e.Clock}
		run := func(kind string, want int) {
			t.Helper()
			if n, err := w.RunOnce(context.Background(), kind); err != nil || n != want {
				t.Fatalf("%s: ran %d (%v), want %d", kind, n, err, want)
			}
		}
		accepted, claimed := purs[0], purs[1]
		c.Post("/purchases/"+accepted+"/rcv/", map[string]any{"action": "XYZ"}).ExpectBody(400, `{"action": ["\"XYZ\" is not a valid choice."]}`)
		st := c.Post("/purchases/"+accepted+"/rcv/", map[string]any{"action": "ACD"}).Expect(200)
		if st["rcv_status"] != "pending" || st["rcv_action"] != "ACD" || st["rcv_state"] != nil {
			t.Fatalf("queued: %v", st)
		}
		c.Post("/purchases/"+accepted+"/rcv/", map[string]any{"action": "ACD"}).ExpectBody(400, `{"non_field_errors": ["An action is already on its way to the SII's register."]}`)
		c.Post("/purchases/"+claimed+"/rcv/", map[string]any{"action": "RCD"}).Expect(200)
		run(reception.RCVJobKind, 2)
		for pur, want := range map[string]string{accepted: "ACD", claimed: "RCD"} {
			st = c.Get("/purchases/" + pur + "/reception/").Expect(200)
			if st["rcv_state"] != want || st["rcv_status"] != "registered" || st["rcv_updated"] == nil {
				t.Errorf("%s after the register answered: %v", want, st)
			}
			// the in-process sandbox's register is the process's: the other
			// database's run may have filed the same folios
			evs := c.Get("/purchases/" + pur + "/rcv/").Expect(200)
			found := false
			for _, ev := range evs["events"].([]any) {
				ev := ev.(map[string]any)
				found = found || ev["code"] == want
				if ev["responsible"] != sii.SandboxCertificate().RUT || (ev["code"] != want && ev["code"] != "ERM") {
					t.Errorf("%s event: %v", want, ev)
				}
			}
			if apitest.Num(evs["code"]) != "0" || !found {
				t.Errorf("%s events: %v", want, evs)
			}
		}
		if evs := c.Get("/purchases/" + purs[2] + "/rcv/").Expect(200); len(evs["events"].([]any)) != 0 {
			t.Errorf("events of a factura nothing was filed for: %v", evs)
		}
		c.Post("/purchases/"+accepted+"/rcv/", map[string]any{"action": "RCD"}).ExpectBody(400, `{"non_field_errors": ["The document is already registered with ACD."]}`)
		// the receipt of goods may still be filed; it leaves the acceptance as it is
		c.Post("/purchases/"+accepted+"/rcv/", map[string]any{"action": "ERM"}).Expect(200)
		run(reception.RCVJobKind, 1)
		if st = c.Get("/purchases/" + accepted + "/reception/").Expect(200); st["rcv_state"] != "ACD" || st["rcv_action"] != "ERM" || st["rcv_status"] != "registered" {
			t.Errorf("after ERM: %v", st)
		}

		// the deadline event: 2026-06-10 − 2 days, for the factura neither accepted nor claimed
		run(reception.DeadlineJobKind, 0)
		e.Clock.Set(time.Date(2026, 6, 8, 13, 0, 0, 0, time.UTC)) // 09:00 in Santiago
		run(reception.DeadlineJobKind, 3)
		evs := c.Get("/events/?event=purchase.acceptance_due").Expect(200)["results"].([]any)
		if len(evs) != 1 || evs[0].(map[string]any)["object_id"] != purs[2] {
			t.Fatalf("deadline events: %v", evs)
		}
		// another workspace sees none of it
		o := receivingWorkspace(t, e, receiverRUT)
		o.Get("/purchases/"+accepted+"/rcv/").ExpectBody(404, `{"detail": "Not found."}`)
		o.Post("/purchases/"+accepted+"/rcv/", map[string]any{"action": "ACD"}).ExpectBody(404, `{"detail": "Not found."}`)
	})
}

// The month's books as CSV: the issuer's sales and the receiver's
// purchases list the same documents with the same amounts
// (docs/procurement.md#66-books).
func TestBooks(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		issuer, inv, crn, invXML, crnXML := issuedBy(t, e)
		c := receivingWorkspace(t, e, receiverRUT)
		pur := apitest.Str(upload(t, c, invXML).Expect(201)["documents"].([]any)[0].(map[string]any), "id")
		upload(t, c, crnXML).Expect(201)
		c.Post("/purchases/"+pur+"/accept/", nil).Expect(200)

		book := func(c *apitest.Client, path string) [][]string {
			t.Helper()
			r := c.Get(path)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s %s", path, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
			if err != nil || strings.Join(rows[0], ",") != "type,folio,date,rut,name,exempt,net,vat,total,state" {
				t.Fatalf("%s: %v %q", path, err, r.Body)
			}
			return rows[1:]
		}
		row := func(code string, d map[string]any, rut, name, state string) string {
			n := func(k string) string { return strings.TrimSuffix(apitest.Num(d[k]), ".00") }
			exempt := n("exempt")
			if d["exempt"] == nil {
				exempt = "0"
			}
			return strings.Join([]string{code, apitest.Num(d["number"]), apitest.Str(d, "date"), rut, name, exempt, n("amount"), n("tax"), n("total"), state}, ",")
		}
		purchases := book(c, "/books/purchases/?period=2026-06")
		want := []string{row("33", inv, siiRUT, "Servicios Cobro Demo SpA", "accepted"), row("61", crn, siiRUT, "Servicios Cobro Demo SpA", "received")}
		if len(purchases) != 2 || strings.Join(purchases[0], ",") != want[0] || strings.Join(purchases[1], ",") != want[1] {
			t.Errorf("purchases book:\n got %v\nwant %v", purchases, want)
		}
		if rows := book(c, "/books/purchases/?period=2026-07"); len(rows) != 0 {
			t.Errorf("July: %v", rows)
		}
		if rows := book(c, "/books/sales/?period=2026-06"); len(rows) != 0 {
			t.Errorf("the receiver's sales: %v", rows)
		}
		c.Get("/books/sales/?period=junio").ExpectBody(400, `{"period": ["Give the month as YYYY-MM."]}`)
		e.Workspace("US").Get("/books/sales/?period=2026-06").ExpectBody(404, `{"detail": "Not found."}`)
		// the issuer's sales book has the same figures
		sales := book(issuer, "/books/sales/?period=2026-06")
		want = []string{row("33", inv, receiverRUT, "Comercial Andes SpA", apitest.Str(inv, "status")),
			row("61", crn, receiverRUT, "Comercial Andes SpA", apitest.Str(crn, "status"))}
		if len(sales) != 2 || strings.Join(sales[0], ",") != want[0] || strings.Join(sales[1], ",") != want[1] {
			t.Errorf("sales book:\n got %v\nwant %v", sales, want)
		}
		if rows := book(issuer, "/books/purchases/?period=2026-06"); len(rows) != 0 {
			t.Errorf("the issuer's purchases: %v", rows)
		}
	})
}

// Copies of one envelope received at once: one import, the others
// duplicates, nothing recorded twice.
func TestReceiveConcurrentCopies(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		_, _, invXML, _ := issuedEnvelopes(t, e)
		c := receivingWorkspace(t, e, receiverRUT)
		statuses := make(chan string, 4)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var b bytes.Buffer
				w := multipart.NewWriter(&b)
				f, _ := w.CreateFormFile("file", "envio.xml")
				f.Write(invXML)
				w.Close()
				req, _ := http.NewRequest("POST", e.URL+"/purchases/received/", &b)
				req.Header.Set("Content-Type", w.FormDataContentType())
				req.Header.Set("Authorization", "Token "+c.Token)
				req.Header.Set("x-simple-workspace", c.Workspace)
				req.Header.Set("x-piriod-test-mode", "true")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- err.Error()
					return
				}
				defer res.Body.Close()
				var in map[string]any
				json.NewDecoder(res.Body).Decode(&in)
				statuses <- fmt.Sprintf("%d %v", res.StatusCode, in["status"])
			}()
		}
		wg.Wait()
		close(statuses)
		got := map[string]int{}
		for s := range statuses {
			got[s]++
		}
		if got["201 imported"] != 1 || got["201 duplicate"] != 3 {
			t.Fatalf("concurrent copies: %v", got)
		}
		if n := c.Get("/purchases/").Expect(200)["count"]; apitest.Num(n) != "1" {
			t.Errorf("purchases: %v", n)
		}
	})
}

// A live-mode intake trusts only CAFs signed by the SII: an envelope whose
// CAF is signed by the public sandbox key (cobro sii fake-caf) is refused
// with that reason and records nothing; test mode accepts it.
func TestReceiveLiveRefusesSandboxCAF(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		_, _, invXML, _ := issuedEnvelopes(t, e)
		c := receivingWorkspace(t, e, receiverRUT)
		live := *c
		live.TestMode = false
		s := siiSettings()
		s["rut"], s["business_name"], s["email"] = receiverRUT, "Comercial Andes SpA", "dte@andes.cl"
		live.Patch("/billers/built_in/", s).Expect(200)

		in := upload(t, &live, invXML).Expect(201)
		if in["status"] != "refused" || !hasCode(in, "CAF-001") || in["test_mode"] != false {
			t.Fatalf("live intake of a sandbox CAF: %v", in)
		}
		msg := in["messages"].([]any)[0].(map[string]any)["text"].(string)
		if !strings.Contains(msg, "sandbox test key") || !strings.Contains(msg, "live mode accepts only CAFs signed by the SII") {
			t.Errorf("reason: %q", msg)
		}
		for _, path := range []string{"/purchases/", "/suppliers/", "/purchases/received/?status=imported"} {
			if got := live.Get(path).Expect(200); apitest.Num(got["count"]) != "0" {
				t.Errorf("live %s after the refusal: %v", path, got["count"])
			}
		}
		if got := live.Get("/purchases/received/?status=refused").Expect(200); apitest.Num(got["count"]) != "1" {
			t.Errorf("live refused intakes: %v", got["count"])
		}
		// the same envelope in test mode is imported
		if in := upload(t, c, invXML).Expect(201); in["status"] != "imported" {
			t.Fatalf("test-mode intake: %v", in)
		}
	})
}
