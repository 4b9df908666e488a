package api_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/document"
	"github.com/cobrobilling/cobro/internal/sii"
)

// The SII worker names its events like the document engine.
func TestSIIWorkerEventNames(t *testing.T) {
	for _, k := range document.Kinds {
		if k == document.Retention {
			continue
		}
		if got := clsii.EventPrefix(k.Name); got != k.Event {
			t.Errorf("%s: %q, want %q", k.Name, got, k.Event)
		}
	}
}

const siiRUT = "77123456-9"

// siiSettings is the PATCH example of docs/tax-agency.md#21-settings-object.
func siiSettings() map[string]any {
	return map[string]any{"rut": "77.123.456-9", "business_name": "Servicios Cobro Demo SpA",
		"activity_description": "Desarrollo de software", "activity_codes": []any{620100},
		"address": "Av. Providencia 1208, of. 501", "commune": "Providencia", "city": "Santiago",
		"sii_office": "SANTIAGO ORIENTE", "resolution_number": 0, "resolution_date": "2025-01-15", "email": "dte@cobro-demo.cl"}
}

var (
	p12Once sync.Once
	p12Data []byte
)

// sandboxP12 is the built-in test certificate as a .p12 (password "secreto").
func sandboxP12(t testing.TB) []byte {
	p12Once.Do(func() {
		var err error
		p12Data, err = sii.SandboxCertificate().PKCS12("secreto")
		if err != nil {
			t.Fatal(err)
		}
	})
	return p12Data
}

func fakeCAF(t testing.TB, rut string, td int, from, to int64, fa string) string {
	t.Helper()
	d, _ := time.Parse("2006-01-02", fa)
	raw, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, rut, "Servicios Cobro Demo SpA", td, from, to, d)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// clBiller configures the SII biller of a client's workspace and mode.
func clBiller(t *testing.T, c *apitest.Client, withCert bool) {
	t.Helper()
	c.Patch("/billers/built_in/", siiSettings()).Expect(200)
	if withCert {
		c.Post("/billers/built_in/certificate/", map[string]any{"file": base64.StdEncoding.EncodeToString(sandboxP12(t)), "password": "secreto"}).Expect(200)
	}
}

func TestBillerSettings(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		us := e.Workspace("US")
		us.Get("/billers/built_in/").ExpectBody(404, `{"detail": "Not found."}`)
		us.Get("/billers/built_in/cafs/").ExpectBody(404, `{"detail": "Not found."}`)
		c := e.Workspace("CL")
		c.Get("/billers/built_in/").ExpectBody(200, `{"rut": null, "business_name": null, "activity_description": null, "activity_codes": [],
			"address": null, "commune": null, "city": null, "branch_code": null, "sii_office": null, "resolution_number": null,
			"resolution_date": null, "environment": "sandbox", "email": null, "caf_low_percent": 10, "certificate": null, "configured": false, "warnings": [], "test_mode": false, "updated": null}`)
		got := c.Patch("/billers/built_in/", siiSettings()).Expect(200)
		if got["rut"] != siiRUT || got["configured"] != true || got["environment"] != "sandbox" || got["updated"] == nil {
			t.Fatalf("settings: %v", got)
		}
		for _, tc := range []struct {
			body map[string]any
			want string
		}{
			{map[string]any{"rut": "77123456-8"}, `{"rut": ["Invalid RUT: the check digit does not match."]}`},
			{map[string]any{"activity_codes": []any{}}, `{"activity_codes": ["Give between 1 and 4 codes."]}`},
			{map[string]any{"activity_codes": []any{1234567}}, `{"activity_codes": {"0": ["Ensure this value has no more than 6 digits."]}}`},
			{map[string]any{"environment": "prod"}, `{"environment": ["\"prod\" is not a valid choice."]}`},
			{map[string]any{"resolution_number": -1}, `{"resolution_number": ["Ensure this value is greater than or equal to 0."]}`},
		} {
			c.Patch("/billers/built_in/", tc.body).ExpectBody(400, tc.want)
		}
		// test mode has its own settings
		if c.Test().Get("/billers/built_in/").Expect(200)["configured"] != false {
			t.Error("test mode shares the live settings")
		}
	})
}

func TestBillerCertificate(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		c.Get("/billers/built_in/certificate/").ExpectBody(404, `{"detail": "Not found."}`)
		b64 := base64.StdEncoding.EncodeToString(sandboxP12(t))
		c.Post("/billers/built_in/certificate/", map[string]any{"password": "x"}).ExpectBody(400, `{"file": ["This field is required."]}`)
		c.Post("/billers/built_in/certificate/", map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("nope")), "password": "x"}).
			ExpectBody(400, `{"file": ["The file is not a valid PKCS#12 (.p12/.pfx) certificate."]}`)
		c.Post("/billers/built_in/certificate/", map[string]any{"file": b64, "password": "wrong"}).
			ExpectBody(400, `{"password": ["The certificate could not be opened with this password."]}`)
		// expired
		sc := sii.SandboxCertificate()
		old, err := sii.FakeCertificate(sc.Key, "12345678-5", "VIEJO", time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		oldP12, _ := old.PKCS12("pw")
		c.Post("/billers/built_in/certificate/", map[string]any{"file": base64.StdEncoding.EncodeToString(oldP12), "password": "pw"}).
			ExpectBody(400, `{"file": ["The certificate expired on 2024-01-31."]}`)

		// multipart upload, as a browser form sends it
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "empresa.p12")
		fw.Write(sandboxP12(t))
		mw.WriteField("password", "secreto")
		mw.Close()
		r := c.Do("POST", "/billers/built_in/certificate/", buf.Bytes(), "Content-Type", mw.FormDataContentType())
		if r.Status != 200 || !bytes.Contains(r.Body, []byte(`"subject_rut":"11111111-1"`)) {
			t.Fatalf("multipart upload: %d %s", r.Status, r.Body)
		}
		sum := c.Get("/billers/built_in/certificate/").Expect(200)
		if sum["subject_name"] != "COBRO SANDBOX TEST CERTIFICATE" || len(apitest.Str(sum, "fingerprint_sha1")) != 40 {
			t.Fatalf("summary: %v", sum)
		}
		// the key and password never come back
		for _, p := range []string{"/billers/built_in/", "/billers/built_in/certificate/"} {
			r := c.Get(p)
			if bytes.Contains(r.Body, []byte("PRIVATE")) || bytes.Contains(r.Body, []byte("secreto")) || bytes.Contains(r.Body, []byte(`"key"`)) {
				t.Errorf("%s leaks the key: %s", p, r.Body)
			}
		}
		// stored sealed: no DER key in the clear
		var sealed []byte
		if err := e.DB.QueryRow(`SELECT cert_key FROM sii_settings WHERE workspace_id = $1`, c.Workspace).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		der, _ := sc.MarshalKey()
		if len(sealed) == 0 || bytes.Contains(sealed, der[10:40]) {
			t.Error("certificate key stored in the clear")
		}
		c.Delete("/billers/built_in/certificate/").Expect(204)
		c.Get("/billers/built_in/certificate/").ExpectBody(404, `{"detail": "Not found."}`)
	})
}

// cl33Invoice creates a CL33 draft for a complete Chilean customer.
func cl33Invoice(t *testing.T, c *apitest.Client, cus string) string {
	return apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
		"lines": []any{docLine("Equipo", 3, 15990)}}), "id")
}

// Live mode: uploaded CAFs, gapless folios and the exact 400s of docs/tax-agency.md#4-caf-files-and-folios.
func TestCAFUploadAndFolios(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		cus := custNew(c, custExample())
		inv := cl33Invoice(t, c, cus)
		c.Post("/invoices/"+inv+"/finalize/", nil).ExpectBody(400, `{"non_field_errors": ["The SII biller is not configured: set rut, business_name, activity_description, activity_codes, address, commune, resolution_number and resolution_date."]}`)
		c.Patch("/billers/built_in/", siiSettings()).Expect(200)
		c.Post("/invoices/"+inv+"/finalize/", nil).ExpectBody(400, `{"non_field_errors": ["Upload the company's digital certificate before issuing documents."]}`)
		clBiller(t, c, true)
		c.Post("/invoices/"+inv+"/finalize/", nil).ExpectBody(400, `{"non_field_errors": ["No CAF uploaded for document type CL33."]}`)

		// upload checks
		c.Post("/billers/built_in/cafs/", map[string]any{"file": "<AUTORIZACION/>"}).ExpectBody(400, `{"file": ["The file is not a valid CAF."]}`)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, "76086428-5", 33, 1, 3, "2026-05-20")}).
			ExpectBody(400, `{"file": ["The CAF belongs to RUT 76086428-5, not 77123456-9."]}`)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 1, 3, "2025-10-01")}).
			ExpectBody(400, `{"file": ["The CAF expired on 2026-04-01."]}`)
		caf := c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 1, 3, "2026-05-20")}).Expect(201)
		if caf["document"] != "CL33" || apitest.Num(caf["available"]) != "3" || caf["expires"] != "2026-11-20" || caf["sandbox"] != true || caf["status"] != "active" {
			t.Fatalf("caf: %v", caf)
		}
		cafID := apitest.Str(caf, "id")
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 3, 5, "2026-05-20")}).
			ExpectBody(400, fmt.Sprintf(`{"file": ["Folios 3-5 overlap CAF %s (1-3)."]}`, cafID))
		r := c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 1, 3, "2026-05-20")})
		if r.Status != 400 {
			t.Fatalf("same range twice: %d", r.Status)
		}

		// folios 1, 2, 3 then exhaustion; in live mode the sandbox answers
		// through the job queue: queued → processing → succeeded
		for want := 1; want <= 3; want++ {
			id := inv
			if want > 1 {
				id = cl33Invoice(t, c, cus)
			}
			got := c.Post("/invoices/"+id+"/finalize/", nil).Expect(200)
			ta := got["tax_agency"].(map[string]any)
			if apitest.Num(got["number"]) != strconv.Itoa(want) || got["biller_status"] != "queued" || ta["result"] != "pending" || ta["caf"] != cafID {
				t.Fatalf("finalize %d: number %v biller %v tax_agency %v", want, got["number"], got["biller_status"], ta)
			}
		}
		if n, err := e.Jobs.RunOnce(context.Background(), clsii.JobKind); err != nil || n != 3 {
			t.Fatalf("sii worker send: %d %v", n, err)
		}
		got := c.Get("/invoices/" + inv + "/").Expect(200)
		if ta := got["tax_agency"].(map[string]any); got["biller_status"] != "processing" || len(apitest.Str(ta, "track_id")) != 10 || ta["status"] != "REC" { // received; EPR comes with the poll
			t.Fatalf("after send: %v %v", got["biller_status"], ta)
		}
		e.Clock.Advance(2 * clsii.PollDelay)
		if n, err := e.Jobs.RunOnce(context.Background(), clsii.JobKind); err != nil || n != 3 {
			t.Fatalf("sii worker poll: %d %v", n, err)
		}
		got = c.Get("/invoices/" + inv + "/").Expect(200)
		if ta := got["tax_agency"].(map[string]any); got["biller_status"] != "succeeded" || ta["result"] != "accepted" || ta["document_status"] != "DOK" ||
			apitest.Num(ta["attempts"]) != "1" || ta["answered"] == nil {
			t.Fatalf("after poll: %v %v", got["biller_status"], ta)
		}
		var evs []string
		rows, _ := e.DB.Query(`SELECT event FROM events WHERE object_id = $1 ORDER BY created, seq`, inv)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			evs = append(evs, s)
		}
		rows.Close()
		if strings.Join(evs, " ") != "invoice.created invoice.finalized invoice.biller_succeeded" {
			t.Errorf("events %v", evs)
		}
		last := cl33Invoice(t, c, cus)
		c.Post("/invoices/"+last+"/finalize/", nil).ExpectBody(400, `{"non_field_errors": ["All folios for document type CL33 are used; upload a new CAF."]}`)
		docFields(t, "refused", c.Get("/invoices/"+last+"/").Expect(200), "status", "draft", "number", "null")
		got = c.Get("/billers/built_in/cafs/" + cafID + "/").Expect(200)
		if got["status"] != "exhausted" || apitest.Num(got["used"]) != "3" || apitest.Num(got["available"]) != "0" {
			t.Fatalf("exhausted caf: %v", got)
		}
		c.Delete("/billers/built_in/cafs/" + cafID + "/").Expect(200) // used: voided, kept

		// skip ahead, then an expired CAF
		caf2 := apitest.Str(c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 101, 200, "2026-05-20")}).Expect(201), "id")
		c.Patch("/billers/built_in/cafs/"+caf2+"/", map[string]any{"next_folio": 150}).Expect(200)
		c.Patch("/billers/built_in/cafs/"+caf2+"/", map[string]any{"next_folio": 120}).ExpectBody(400, `{"next_folio": ["next_folio can only move forward (current 150)."]}`)
		got = c.Post("/invoices/"+last+"/finalize/", nil).Expect(200)
		if apitest.Num(got["number"]) != "150" {
			t.Fatalf("after skip: %v", got["number"])
		}
		e.Clock.Set(time.Date(2026, 11, 21, 15, 0, 0, 0, time.UTC))
		c.Post("/invoices/"+cl33Invoice(t, c, cus)+"/finalize/", nil).
			ExpectBody(400, `{"non_field_errors": ["The CAF for document type CL33 (folios 101-200) expired on 2026-11-20; upload a new CAF."]}`)
		list := c.Get("/billers/built_in/cafs/?status=expired").Expect(200)
		if apitest.Num(list["count"]) != "1" {
			t.Fatalf("expired list: %v", list)
		}
		// an unused CAF is destroyed
		caf3 := apitest.Str(c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 52, 1, 10, "2026-05-20")}).Expect(201), "id")
		c.Delete("/billers/built_in/cafs/" + caf3 + "/").Expect(204)
		c.Get("/billers/built_in/cafs/"+caf3+"/").ExpectBody(404, `{"detail": "Not found."}`)
		// another workspace cannot see them
		other := e.Workspace("CL")
		other.Get("/billers/built_in/cafs/"+caf2+"/").ExpectBody(404, `{"detail": "Not found."}`)
		other.Delete("/billers/built_in/cafs/"+caf2+"/").ExpectBody(404, `{"detail": "Not found."}`)
		c.Test().Get("/billers/built_in/cafs/"+caf2+"/").ExpectBody(404, `{"detail": "Not found."}`)
		if n := apitest.Num(other.Get("/billers/built_in/cafs/").Expect(200)["count"]); n != "0" {
			t.Errorf("other workspace lists %s CAFs", n)
		}
	})
}

// receiver without tax id on CL33 → the exact 400 (docs/tax-agency.md#5-finalize-for-chilean-documents).
func TestCL33ReceiverWithoutRUT(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		clBiller(t, c, false)
		// a foreign customer has no RUT
		cus := custNew(c, custUSBody("Tourist Inc"))
		inv := cl33Invoice(t, c, cus)
		c.Post("/invoices/"+inv+"/finalize/", nil).ExpectBody(400, `{"customer": ["The customer needs a valid RUT for document type CL33."]}`)
		body := custExample()
		body["tax_settings"] = map[string]any{"cl_activity_description": "Venta de equipos"}
		inv = cl33Invoice(t, c, custNew(c, body))
		c.Post("/invoices/"+inv+"/finalize/", nil).ExpectBody(400, `{"customer": ["The customer needs address and tax_settings.cl_commune for document type CL33."]}`)
		// nothing consumed: the next good finalize gets folio 1
		inv = cl33Invoice(t, c, custNew(c, custExample()))
		if n := apitest.Num(c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)["number"]); n != "1" {
			t.Errorf("first folio %s", n)
		}
	})
}

// fetchFile downloads a local_file.
func fetchFile(t *testing.T, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/xml; charset=ISO-8859-1" {
		t.Fatalf("local_file: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return b
}

// checkDTE runs the external oracles on a local_file: xmllint against the
// SII schemas, xmlsec1 on both signatures, and the TED against the CAF key.
func checkDTE(t *testing.T, xml []byte) {
	t.Helper()
	root, err := sii.Parse(xml)
	if err != nil {
		t.Fatal(err)
	}
	xsd := "EnvioDTE_v10.xsd"
	if root.Name == "EnvioBOLETA" {
		xsd = "EnvioBOLETA_v11.xsd"
	}
	p := filepath.Join(t.TempDir(), "envio.xml")
	os.WriteFile(p, xml, 0o644)
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("SKIP: xmllint is not installed (apt-get install libxml2-utils)")
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", filepath.Join("..", "sii", "schemas", xsd), p).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %s", out)
	}
	if _, err := exec.LookPath("xmlsec1"); err != nil {
		t.Skip("SKIP: xmlsec1 is not installed")
	}
	for _, node := range []string{"/*/*/*/*[local-name()='Signature']", "/*/*[local-name()='Signature']"} {
		out, err := exec.Command("xmlsec1", "--verify", "--id-attr:ID", "Documento", "--id-attr:ID", "SetDTE", "--node-xpath", node, p).CombinedOutput()
		if err != nil {
			t.Fatalf("xmlsec1 %s: %s", node, out)
		}
	}
	doc := root.Child("SetDTE").Child("DTE").Child("Documento")
	ted := doc.Child("TED")
	caf := ted.Child("DD").Child("CAF")
	m, _ := base64.StdEncoding.DecodeString(caf.Path("DA", "RSAPK", "M").Text())
	sig, _ := base64.StdEncoding.DecodeString(ted.Child("FRMT").Text())
	if !verifyTED(m, sii.Flat(ted.Child("DD")), sig) {
		t.Fatal("TED does not verify with the CAF public key")
	}
}

func verifyTED(modulus, dd, sig []byte) bool {
	pub := rsaPub(modulus, 3)
	return sii.VerifySHA1(pub, dd, sig)
}

// Every CL type finalized in test mode (sandbox CAFs, sandbox
// certificate): accepted, local_file valid, signed, stamped; totals of the
// docs/conventions.md#8-totals-formula worked examples digit for digit.
func TestCLFinalizeEveryType(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		clBiller(t, c, false)
		cus := custNew(c, custExample())
		sup := procCLSupplier(c, "Proveedora Andes SpA", true, true, true)
		fin := func(path, id string) map[string]any {
			t.Helper()
			got := c.Post(path+id+"/finalize/", nil).Expect(200)
			ta := got["tax_agency"].(map[string]any)
			if got["biller_status"] != "succeeded" || ta["result"] != "accepted" || ta["status"] != "EPR" || ta["document_status"] != "DOK" ||
				ta["agency"] != "cl_sii" || ta["environment"] != "sandbox" || len(apitest.Str(ta, "track_id")) != 10 {
				t.Fatalf("%s%s: %v %v", path, id, got["biller_status"], ta)
			}
			checkDTE(t, fetchFile(t, apitest.Str(got, "local_file")))
			return got
		}
		totals := func(label string, m map[string]any, amount, exempt, tax, total string) {
			t.Helper()
			docFields(t, label, m, "amount", amount, "exempt", exempt, "tax", tax, "total", total)
		}
		// CL33: 3 × 15990 taxable, 1 × 9990 exempt, 5 % global discount
		inv33 := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
			"due_date": "2026-07-02", "discount": 5, "discount_scheme": "%",
			"lines": []any{docLine("Equipo", 3, 15990), docLine("Instalación", 1, 9990, "exempt", true)}}), "id")
		got := fin("/invoices/", inv33)
		totals("CL33", got, "45571.00", "9490.00", "8658.00", "63719.00")
		// CL34
		got = fin("/invoices/", apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL34", "date": "2026-06-02",
			"lines": []any{docLine("Curso", 2, 50000)}}), "id"))
		docFields(t, "CL34", got, "total", "100000.00")
		// CL39: 2 × 5990 tax-inclusive, anonymous receiver
		got = fin("/invoices/", apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": custNew(c, custUSBody("Tourist Inc")), "document": "CL39", "date": "2026-06-02",
			"lines": []any{docLine("Café de grano", 2, 5990)}}), "id"))
		totals("CL39", got, "10067.00", "null", "1913.00", "11980.00")
		// CL46: 10 × 1000, VAT withheld
		got = fin("/purchases/", apitest.Str(docCreate(t, c, "/purchases/", map[string]any{"supplier": sup, "document": "CL46", "date": "2026-06-01",
			"lines": []any{docLine("Cobre en desuso", 10, 1000)}}), "id"))
		docFields(t, "CL46", got, "amount", "10000.00", "tax", "1900.00", "retention", "1900.00", "total", "10000.00")
		// CL52
		fin("/orders/", apitest.Str(docCreate(t, c, "/orders/", map[string]any{"customer": cus, "document": "CL52", "date": "2026-06-02",
			"shipping_type": "1", "carrier_id": "12345678-5", "carrier_name": "Juan Pérez", "licence_plate": "ABCD12", "address": "Camino Lo Boza 120",
			"lines": []any{docLine("Equipo", 1, 10000)}}), "id"))
		// CL61: full credit of the CL33
		crn := docCreate(t, c, "/creditnotes/", map[string]any{"invoice": inv33, "date": "2026-06-02"})
		got = fin("/creditnotes/", apitest.Str(crn, "id"))
		totals("CL61", got, "45571.00", "9490.00", "8658.00", "63719.00")
		// CL56: reverses part of the credit note
		fin("/debitnotes/", apitest.Str(docCreate(t, c, "/debitnotes/", map[string]any{"credit_note": crn["id"], "date": "2026-06-02",
			"lines": []any{docLine("Equipo", 1, 5000)}}), "id"))
	})
}

// 64 concurrent CL33 finalizes → 64 distinct consecutive folios.
func TestConcurrentFolios(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		clBiller(t, c, true)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 501, 600, "2026-05-20")}).Expect(201)
		cus := custNew(c, custExample())
		const n = 64
		ids := make([]string, n)
		for i := range ids {
			ids[i] = cl33Invoice(t, c, cus)
		}
		folios := make([]int, n)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Go(func() {
				r := c.Do("POST", "/invoices/"+ids[i]+"/finalize/", nil)
				if r.Status != 200 {
					t.Errorf("finalize %d: %d %s", i, r.Status, r.Body)
					return
				}
				folios[i], _ = strconv.Atoi(apitest.Num(r.JSON()["number"]))
			})
		}
		wg.Wait()
		sort.Ints(folios)
		for i, f := range folios {
			if f != 501+i {
				t.Fatalf("folios %v are not 501..564", folios)
			}
		}
	})
}

// The PDF of a finalized CL33 prints the SII elements (docs/tax-agency.md#11-pdf-with-pdf417-chile);
// the draft has no folio and no stamp. SII_PDF_OUT=file keeps the PDF.
func TestCL33PDF(t *testing.T) {
	e := apitest.New(t, "sqlite")
	c := e.Workspace("CL").Test()
	clBiller(t, c, false)
	cus := custNew(c, custExample())
	inv := apitest.Str(docCreate(t, c, "/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": "2026-06-02",
		"due_date": "2026-06-12", "discount": 20, "discount_scheme": "%",
		"lines": []any{docLine("Cloud Pro", 5, 25000, "code", "CLOUD-PRO", "description", "Cobro Cloud, plan Pro", "unit_label", "user"),
			docLine("Setup (cuota 1/2)", 1, 60000, "description", "Implementation and onboarding")}}), "id")
	draft := pdfText(t, c.Do("GET", "/invoices/"+inv+"/pdf/", nil, "Accept", "application/pdf").Body)
	if !strings.Contains(draft, "BORRADOR") || strings.Contains(draft, "Timbre") {
		t.Errorf("draft PDF:\n%s", draft)
	}
	got := c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
	docFields(t, "CL33 docs/tax-agency.md#6-dte-xml-and-field-mapping example", got, "amount", "148000.00", "tax", "28120.00", "total", "176120.00")
	r := c.Do("GET", "/invoices/"+inv+"/pdf/", nil, "Accept", "application/pdf")
	if out := os.Getenv("SII_PDF_OUT"); out != "" {
		os.WriteFile(out, r.Body, 0o644)
	}
	text := pdfText(t, r.Body)
	for _, want := range []string{"R.U.T.: 77.123.456-9", "FACTURA ELECTRÓNICA", "N° 1", "S.I.I. - SANTIAGO ORIENTE", "Servicios Cobro Demo SpA",
		"Giro: Desarrollo de software", "R.U.T.: 76086428-5", "Comercial Andes SpA", "Forma de pago", "Crédito",
		"176.120", "28.120", "IVA 19%", "Timbre Electrónico SII", "Res. N° 0 de 2025", "Verifique documento: www.sii.cl"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "CEDIBLE") {
		t.Error("CEDIBLE without ?cedible=true")
	}
	// ?cedible=true: the legend and the receipt-acknowledgement box
	r = c.Do("GET", "/invoices/"+inv+"/pdf/?cedible=true", nil, "Accept", "application/pdf")
	if out := os.Getenv("SII_PDF_OUT"); out != "" {
		os.WriteFile(strings.TrimSuffix(out, ".pdf")+"-cedible.pdf", r.Body, 0o644)
	}
	text = pdfText(t, r.Body)
	for _, want := range []string{"CEDIBLE", "ACUSE DE RECIBO", "Nombre:", "R.U.T.:", "Recinto:", "Firma:", "Ley 19.983", "Timbre Electrónico SII"} {
		if !strings.Contains(text, want) {
			t.Errorf("cedible PDF lacks %q:\n%s", want, text)
		}
	}
}

// Secrets at rest (issue 9, item 7): the certificate's and the CAFs'
// private keys are stored sealed, never as keys a database reader could
// use, and the certificate password is not stored at all.
func TestSIISecretsEncryptedAtRest(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL")
		clBiller(t, c, true)
		c.Post("/billers/built_in/cafs/", map[string]any{"file": fakeCAF(t, siiRUT, 33, 1, 10, "2026-05-20")}).Expect(201)
		var certKey, cafKey, cafXML []byte
		if err := e.DB.QueryRowContext(context.Background(), `SELECT cert_key FROM sii_settings WHERE cert_key IS NOT NULL`).Scan(&certKey); err != nil {
			t.Fatal(err)
		}
		if err := e.DB.QueryRowContext(context.Background(), `SELECT caf_key, caf_xml FROM sii_cafs`).Scan(&cafKey, &cafXML); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"certificate key": certKey, "CAF key": cafKey, "CAF file": cafXML} {
			if len(b) == 0 {
				t.Errorf("%s: nothing stored", name)
			}
			if bytes.Contains(b, []byte("PRIVATE KEY")) || bytes.Contains(b, []byte("RSASK")) || bytes.Contains(b, []byte("AUTORIZACION")) {
				t.Errorf("%s stored in the clear", name)
			}
			if _, err := x509.ParsePKCS8PrivateKey(b); err == nil {
				t.Errorf("%s is a usable PKCS#8 key", name)
			}
			if _, err := x509.ParsePKCS1PrivateKey(b); err == nil {
				t.Errorf("%s is a usable PKCS#1 key", name)
			}
		}
		// the password appears in no table the biller writes
		for _, q := range []string{`SELECT data FROM sii_settings`, `SELECT CAST(cert_der AS TEXT) FROM sii_settings`} {
			var s sql.NullString
			_ = e.DB.QueryRowContext(context.Background(), q).Scan(&s)
			if strings.Contains(s.String, "secreto") {
				t.Errorf("%s holds the certificate password", q)
			}
		}
		// and the API never returns the key or the password
		got := c.Get("/billers/built_in/").Expect(200)
		if b, _ := json.Marshal(got); bytes.Contains(b, []byte("secreto")) || bytes.Contains(b, []byte("PRIVATE")) {
			t.Errorf("settings leak a secret: %s", b)
		}
	})
}
