package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siiws"
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
