package main

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/biller/clsii"
	"github.com/cobrobilling/cobro/internal/sii"
)

// multipartBody is what `curl -F file=@path -F key=value` sends.
func multipartBody(t *testing.T, file string, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fw, _ := mw.CreateFormFile("file", filepath.Base(file))
	fw.Write(data)
	for i := 0; i+1 < len(fields); i += 2 {
		mw.WriteField(fields[i], fields[i+1])
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// The README's "Chile: electronic documents" walk-through, step by step:
// a Chilean workspace, test credentials from the two commands, a factura
// (33), a nota de crédito (61) against it and a guía de despacho (52),
// each local_file passing xmllint and xmlsec1 on both signatures.
func TestSIIWalkthrough(t *testing.T) {
	for _, tool := range []string{"xmllint", "xmlsec1"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: %s is not installed (apt-get install libxml2-utils xmlsec1)", tool)
		}
	}
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.Clock.Set(time.Now()) // the fake certificate is valid from yesterday
		today := time.Now().In(sii.Santiago()).Format("2006-01-02")
		// 1. a Chilean workspace (cobro init --country CL)
		c := e.Workspace("CL")
		// 2. test credentials
		dir := t.TempDir()
		code, out, errs := runCmd(t, "sii", "fake-cert", "--rut", "12.345.678-5", "--out", filepath.Join(dir, "cert.p12"))
		if code != exitOK {
			t.Fatalf("fake-cert: %s", errs)
		}
		password := strings.TrimSpace(out)
		for _, td := range []string{"33", "61", "52"} {
			if code, _, errs := runCmd(t, "sii", "fake-caf", "--type", td, "--from", "1", "--to", "100", "--rut", "77.123.456-9",
				"--out", filepath.Join(dir, "caf"+td+".xml")); code != exitOK {
				t.Fatalf("fake-caf %s: %s", td, errs)
			}
		}
		// 3. issuer settings, certificate, CAFs
		c.Patch("/billers/built_in/", map[string]any{"rut": "77.123.456-9", "business_name": "Servicios Cobro Demo SpA",
			"activity_description": "Desarrollo de software", "activity_codes": []int{620100},
			"address": "Av. Providencia 1208, of. 501", "commune": "Providencia", "city": "Santiago",
			"sii_office": "SANTIAGO ORIENTE", "resolution_number": 0, "resolution_date": "2025-01-15"}).Expect(200)
		body, ct := multipartBody(t, filepath.Join(dir, "cert.p12"), "password", password)
		cert := c.Do("POST", "/billers/built_in/certificate/", body, "Content-Type", ct).Expect(200)
		if cert["subject_rut"] != "12345678-5" {
			t.Fatalf("certificate: %v", cert)
		}
		for _, td := range []string{"33", "61", "52"} {
			body, ct := multipartBody(t, filepath.Join(dir, "caf"+td+".xml"))
			c.Do("POST", "/billers/built_in/cafs/", body, "Content-Type", ct).Expect(201)
		}
		// 4. a customer and a factura
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501, of. 1201",
			"country": "CL", "state": "RM", "email": "facturas@andes.cl", "tax_id": "76.086.428-5",
			"tax_settings": map[string]any{"cl_activity_description": "Venta de equipos", "cl_commune": "Las Condes"}}).Expect(201), "id")
		inv := apitest.Str(c.Post("/invoices/", map[string]any{"customer": cus, "document": "CL33", "date": today,
			"lines": []any{map[string]any{"name": "Cloud Pro", "quantity": 5, "amount": 25000}}}).Expect(201), "id")
		files := map[string]map[string]any{}
		files["factura"] = c.Post("/invoices/"+inv+"/finalize/", nil).Expect(200)
		// 5. a nota de crédito crediting it in full
		crn := apitest.Str(c.Post("/creditnotes/", map[string]any{"invoice": inv, "date": today}).Expect(201), "id")
		files["nota de crédito"] = c.Post("/creditnotes/"+crn+"/finalize/", nil).Expect(200)
		// 6. a guía de despacho (an order)
		ord := apitest.Str(c.Post("/orders/", map[string]any{"customer": cus, "document": "CL52", "date": today, "shipping_type": "1",
			"address": "Camino Lo Boza 120, Pudahuel", "carrier_id": "12.345.678-5", "carrier_name": "Juan Pérez", "licence_plate": "ABCD12",
			"lines": []any{map[string]any{"name": "Equipo", "quantity": 2, "amount": 40000}}}).Expect(201), "id")
		files["guía de despacho"] = c.Post("/orders/"+ord+"/finalize/", nil).Expect(200)
		// the sandbox answers through the job queue (cobro serve runs the worker)
		e.Jobs.RunOnce(context.Background(), clsii.JobKind)
		e.Clock.Advance(2 * clsii.PollDelay)
		e.Jobs.RunOnce(context.Background(), clsii.JobKind)
		paths := map[string]string{"factura": "/invoices/" + inv + "/", "nota de crédito": "/creditnotes/" + crn + "/", "guía de despacho": "/orders/" + ord + "/"}
		for name := range files {
			files[name] = c.Get(paths[name]).Expect(200)
		}
		// 7. download each local_file; xmllint and xmlsec1 accept it
		for name, doc := range files {
			ta := doc["tax_agency"].(map[string]any)
			if doc["number"] == nil || doc["biller_status"] != "succeeded" || ta["result"] != "accepted" {
				t.Fatalf("%s: number %v biller_status %v tax_agency %v", name, doc["number"], doc["biller_status"], ta)
			}
			res, err := http.Get(apitest.Str(doc, "local_file"))
			if err != nil {
				t.Fatal(err)
			}
			xml, _ := io.ReadAll(res.Body)
			res.Body.Close()
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".xml")
			os.WriteFile(p, xml, 0o644)
			if out, err := exec.Command("xmllint", "--noout", "--schema", "../../internal/sii/schemas/EnvioDTE_v10.xsd", p).CombinedOutput(); err != nil {
				t.Fatalf("%s: xmllint: %s", name, out)
			}
			for _, node := range []string{"/*/*/*/*[local-name()='Signature']", "/*/*[local-name()='Signature']"} {
				if out, err := exec.Command("xmlsec1", "--verify", "--id-attr:ID", "Documento", "--id-attr:ID", "SetDTE", "--node-xpath", node, p).CombinedOutput(); err != nil {
					t.Fatalf("%s: xmlsec1 %s: %s", name, node, out)
				}
			}
		}
	})
}
