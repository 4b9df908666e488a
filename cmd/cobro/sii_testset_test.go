package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
	"github.com/shopspring/decimal"
)

const testSetFile = "SET BASICO - NUMERO DE ATENCION: 4123456\n\n" +
	"CASO 4123456-1\n==============\nDOCUMENTO\tFACTURA ELECTRONICA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"Cajon AFECTO\t\t\t\t123\t\t1513\n" +
	"Relleno AFECTO\t\t\t\t53\t\t1787\n\n" +
	"CASO 4123456-2\n==============\nDOCUMENTO\tFACTURA ELECTRONICA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\tDESCUENTO ITEM\n" +
	"Panuelo AFECTO\t\t\t\t235\t\t1015\t\t4%\n" +
	"Servicio EXENTO\t\t\t\t1\t\t34985\n\n" +
	"DESCUENTO GLOBAL ITEMES AFECTOS\t\t7%\n\n" +
	"CASO 4123456-3\n==============\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n" +
	"REFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 4123456-1\n" +
	"RAZON REFERENCIA\tCORRIGE GIRO DEL RECEPTOR\n\n" +
	"CASO 4123456-4\n==============\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n" +
	"REFERENCIA\tFACTURA ELECTRONICA CORRESPONDIENTE A CASO 4123456-2\n" +
	"RAZON REFERENCIA\tDEVOLUCION DE MERCADERIAS\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\n" +
	"Panuelo AFECTO\t\t\t\t86\n\n" +
	"CASO 4123456-5\n==============\nDOCUMENTO\tNOTA DE DEBITO ELECTRONICA\n" +
	"REFERENCIA\tNOTA DE CREDITO ELECTRONICA CORRESPONDIENTE A CASO 4123456-3\n" +
	"RAZON REFERENCIA\tANULA NOTA DE CREDITO ELECTRONICA\n"

// the guías and facturas de compra sets, as the SII writes them
const testSetGuiasCompras = "\nSET GUIA DE DESPACHO - NUMERO DE ATENCION: 4123457\n\n" +
	"CASO 4123457-1\n==============\nMOTIVO:       TRASLADO DE MATERIALES ENTRE BODEGAS DE LA EMPRESA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\n" +
	"ITEM 1\t\t\t\t\t56\n" +
	"ITEM 2\t\t\t\t\t39\n\n" +
	"CASO 4123457-2\n==============\nMOTIVO:       VENTA\nTRASLADO POR: EMISOR DEL DOCUMENTO AL LOCAL DEL CLIENTE\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"ITEM 1\t\t\t\t\t237\t\t3485\n\n" +
	"CASO 4123457-3\n==============\nMOTIVO:       VENTA\nTRASLADO POR: CLIENTE\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"ITEM 1\t\t\t\t\t175\t\t4821\n\n" +
	"SET FACTURA DE COMPRA - NUMERO DE ATENCION: 4123458\n\n" +
	"CASO 4123458-1\n==============\nDOCUMENTO\tFACTURA DE COMPRA ELECTRONICA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\tPRECIO UNITARIO\n" +
	"Producto 1\t\t\t\t\t430\t\t5120\n\n" +
	"CASO 4123458-2\n==============\nDOCUMENTO\tNOTA DE CREDITO ELECTRONICA\n" +
	"REFERENCIA\tFACTURA DE COMPRA ELECTRONICA CORRESPONDIENTE A CASO 4123458-1\n" +
	"RAZON REFERENCIA\tDEVOLUCION DE MERCADERIA\n\n" +
	"ITEM\t\t\t\t\tCANTIDAD\n" +
	"Producto 1\t\t\t\t\t143\n\n" +
	"CASO 4123458-3\n==============\nDOCUMENTO\tNOTA DE DEBITO ELECTRONICA\n" +
	"REFERENCIA\tNOTA DE CREDITO ELECTRONICA CORRESPONDIENTE A CASO 4123458-2\n" +
	"RAZON REFERENCIA\tANULA NOTA DE CREDITO ELECTRONICA\n"

// cobro sii test-set issues every case of a test set through the API,
// notes referencing the earlier cases' documents; in test mode the
// sandbox accepts each one.
func TestSIITestSet(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		c.Patch("/billers/built_in/", map[string]any{"rut": "77.123.456-9", "business_name": "Servicios Cobro Demo SpA",
			"activity_description": "Desarrollo de software", "activity_codes": []any{620100}, "address": "Av. Providencia 1208",
			"commune": "Providencia", "resolution_number": 0, "resolution_date": "2025-01-15"}).Expect(200)
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501",
			"country": "CL", "state": "RM", "tax_id": "76.086.428-5",
			"tax_settings": map[string]any{"cl_activity_description": "Venta de equipos", "cl_commune": "Las Condes"}}).Expect(201), "id")
		file := filepath.Join(t.TempDir(), "SET.txt")
		os.WriteFile(file, []byte(testSetFile), 0o600)
		code, out, errs := runCmd(t, "sii", "test-set", "--file", file, "--dry-run")
		if code != exitOK || !strings.Contains(out, "CASO 4123456-4\tCL61\t1 items\t4123456-2") {
			t.Fatalf("dry run: %d %s %s", code, out, errs)
		}
		code, out, errs = runCmd(t, "sii", "test-set", "--file", file, "--url", e.URL, "--token", c.Token, "--workspace", c.Workspace,
			"--customer", cus, "--test-mode", "--date", "2026-06-02")
		if code != exitOK {
			t.Fatalf("test-set: %d\n%s\n%s", code, out, errs)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 6 || lines[0] != "SET 4123456: 5 cases" {
			t.Fatalf("output:\n%s", out)
		}
		for i, want := range []string{"CL33", "CL33", "CL61", "CL61", "CL56"} {
			if f := strings.Split(lines[i+1], "\t"); f[1] != want || f[len(f)-1] != "succeeded" {
				t.Errorf("case %d: %s", i+1, lines[i+1])
			}
		}
	})
}

// The guías (52, one an internal transfer without prices to the company
// itself) and the factura de compra (46) with the buyer's credit note on
// it are issued and accepted by the sandbox; the buyer's debit note on
// that credit note is reported, as Cobro has no purchase debit notes.
func TestSIITestSetGuiasAndCompras(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		c := e.Workspace("CL").Test()
		c.Patch("/billers/built_in/", map[string]any{"rut": "77.123.456-9", "business_name": "Servicios Cobro Demo SpA",
			"activity_description": "Desarrollo de software", "activity_codes": []any{620100}, "address": "Av. Providencia 1208",
			"commune": "Providencia", "resolution_number": 0, "resolution_date": "2025-01-15"}).Expect(200)
		chileanParty := map[string]any{"cl_activity_description": "Venta de equipos", "cl_commune": "Las Condes"}
		cus := apitest.Str(c.Post("/customers/", map[string]any{"name": "Comercial Andes SpA", "address": "Av. Apoquindo 4501",
			"country": "CL", "state": "RM", "tax_id": "76.086.428-5", "tax_settings": chileanParty}).Expect(201), "id")
		own := apitest.Str(c.Post("/customers/", map[string]any{"name": "Servicios Cobro Demo SpA", "address": "Av. Providencia 1208",
			"country": "CL", "state": "RM", "tax_id": "77.123.456-9",
			"tax_settings": map[string]any{"cl_activity_description": "Desarrollo de software", "cl_commune": "Providencia"}}).Expect(201), "id")
		sup := apitest.Str(c.Post("/suppliers/", map[string]any{"name": "Juan Perez Soto", "address": "Calle Larga 12",
			"country": "CL", "state": "RM", "tax_id": "12.345.678-5", "tax_settings": chileanParty}).Expect(201), "id")
		file := filepath.Join(t.TempDir(), "SET.txt")
		os.WriteFile(file, []byte(testSetFile+testSetGuiasCompras), 0o600)
		code, out, errs := runCmd(t, "sii", "test-set", "--file", file, "--url", e.URL, "--token", c.Token, "--workspace", c.Workspace,
			"--customer", cus, "--own-customer", own, "--supplier", sup, "--test-mode", "--date", "2026-06-02")
		if code != exitFailure {
			t.Fatalf("test-set: %d (want %d: the buyer's debit note)\n%s\n%s", code, exitFailure, out, errs)
		}
		var lines []string // without the indented notes under a case
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(l, "\t") {
				lines = append(lines, l)
			}
		}
		if len(lines) != 12 || !strings.Contains(out, "CL52\t"+"ord_") ||
			!strings.Contains(out, "\n\tTRASLADO POR CLIENTE (TipoDespacho 1) not sent: orders have no field for it\n") {
			t.Fatalf("output:\n%s", out)
		}
		for i, want := range []string{"CL33", "CL33", "CL61", "CL61", "CL56", "CL52", "CL52", "CL52", "CL46", "CL61"} {
			if f := strings.Split(lines[i+1], "\t"); f[1] != want || f[len(f)-1] != "succeeded" {
				t.Errorf("case %d: %s", i+1, lines[i+1])
			}
		}
		if !strings.Contains(lines[11], "CASO 4123458-3\tCL56\tnot issued: Cobro has no debit notes on purchases") {
			t.Errorf("debit note on a purchase credit note: %s", lines[11])
		}
		orders := c.Get("/orders/?ordering=number").Expect(200)["results"].([]any)
		want := []struct{ customer, shipping, total string }{{own, "5", "0"}, {cus, "1", "982875"}, {cus, "1", "1003973"}}
		if len(orders) != len(want) {
			t.Fatalf("orders: %v", orders)
		}
		for i, w := range want {
			o := orders[i].(map[string]any)
			if apitest.Str(o["customer"].(map[string]any), "id") != w.customer || apitest.Str(o, "shipping_type") != w.shipping ||
				!sameAmount(o["total"], w.total) {
				t.Errorf("guía %d: customer %v shipping_type %v total %v", i+1, o["customer"], o["shipping_type"], o["total"])
			}
		}
		internal := localFile(t, apitest.Str(orders[0].(map[string]any), "local_file"))
		for _, want := range []string{"<TipoDTE>52</TipoDTE>", "<IndTraslado>5</IndTraslado>", "<RUTRecep>77123456-9</RUTRecep>"} {
			if !strings.Contains(internal, want) {
				t.Errorf("the internal transfer's XML lacks %s", want)
			}
		}
		// the buyer's credit note cites the factura de compra, corrects
		// amounts (CodRef 3) and withholds the VAT as the factura did
		pcn := c.Get("/purchases/credit-notes/").Expect(200)["results"].([]any)[0].(map[string]any)
		x := localFile(t, apitest.Str(pcn, "local_file"))
		for _, want := range []string{"<TpoDocRef>46</TpoDocRef>", "<CodRef>3</CodRef>", "<CodImpAdic>15</CodImpAdic>",
			"<IVA>139110</IVA><ImptoReten><TipoImp>15</TipoImp><TasaImp>19</TasaImp><MontoImp>139110</MontoImp></ImptoReten><MntTotal>732160</MntTotal>"} {
			if !strings.Contains(x, want) {
				t.Errorf("the buyer's credit note lacks %s", want)
			}
		}
		// the sale credit note correcting the receiver's giro says so (CodRef 2)
		giro := c.Get("/creditnotes/?ordering=number").Expect(200)["results"].([]any)[0].(map[string]any)
		if x := localFile(t, apitest.Str(giro, "local_file")); !strings.Contains(x, "<CodRef>2</CodRef>") {
			t.Errorf("the text correction is not cited with CodRef 2")
		}
		pur := c.Get("/purchases/").Expect(200)["results"].([]any)[0].(map[string]any)
		if !sameAmount(pur["retention"], "418304") || !sameAmount(pur["total"], "2201600") || !sameAmount(pur["total_adjusted"], "1469440") {
			t.Errorf("factura de compra: retention %v total %v total_adjusted %v", pur["retention"], pur["total"], pur["total_adjusted"])
		}
	})
}

// localFile downloads a document's XML.
func localFile(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("local_file %s: %d", url, res.StatusCode)
	}
	return string(b)
}

func sameAmount(v any, want string) bool {
	got, err := decimal.NewFromString(apitest.Num(v))
	return err == nil && got.Equal(decimal.RequireFromString(want))
}

// cobro sii sandbox serves the SII's protocol: a client gets a token from
// a signed seed and uploads an envelope the sandbox checks.
func TestSIISandboxCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"sii", "sandbox", "--addr", addr}, noenv, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("exit %d", code)
		}
	}()
	c := &siiws.Client{Env: siiws.Certification, BaseURL: "http://" + addr, Tokens: &siiws.TokenCache{}}
	var tok string
	for i := 0; i < 100; i++ { // until it listens
		if tok, err = c.Token(ctx, sii.SandboxCertificate(), false); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || len(tok) != 13 {
		t.Fatalf("token %q: %v", tok, err)
	}
	if _, err := c.UploadStatus(ctx, sii.SandboxCertificate(), "77123456-9", "1234567890", false); err != nil {
		t.Fatalf("status of an unknown envelope: %v", err)
	}
}
