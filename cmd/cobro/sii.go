package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
	"github.com/cobrobilling/cobro/internal/sii/siifake"
	"github.com/cobrobilling/cobro/internal/taxid"
)

const siiUsage = `usage: cobro sii fake-cert [--rut RUT] [--out FILE.p12] [--password P]
       cobro sii fake-caf --type 33 --from 1 --to 100 --rut RUT [--out FILE.xml]
       cobro sii sandbox [--addr HOST:PORT]
       cobro sii test-set --file SET.txt --customer CUS [--url URL --token TOKEN --workspace WS] [--test-mode] [--dry-run]
`

// sii is `cobro sii …` (docs/operations.md#1-commands): test credentials for the
// sandbox agency.
func (e *env) sii(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, siiUsage)
		return exitUsage
	}
	switch args[0] {
	case "fake-cert":
		return e.siiFakeCert(args[1:])
	case "fake-caf":
		return e.siiFakeCAF(args[1:])
	case "sandbox":
		return e.siiSandbox(args[1:])
	case "test-set":
		return e.siiTestSet(args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(e.stdout, siiUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "cobro sii: unknown command %q\n%s", args[0], siiUsage)
	return exitUsage
}

// siiFakeCert writes a self-signed PKCS#12 test certificate (2 years)
// for a RUT and prints its password.
func (e *env) siiFakeCert(args []string) int {
	fs := e.flags("sii fake-cert")
	rut := fs.String("rut", sii.SandboxRUT, "RUT of the certificate holder (RutEnvia)")
	out := fs.String("out", "cert.p12", "file to write")
	password := fs.String("password", "", "password of the .p12 (default: a random one, printed)")
	name := fs.String("name", "COBRO SANDBOX SIGNER", "holder name (CN)")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	r, err := taxid.Normalize("CL", *rut)
	if err != nil {
		fmt.Fprintf(e.stderr, "cobro sii fake-cert: --rut: %v\n", err)
		return exitUsage
	}
	if *password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		*password = base64.RawURLEncoding.EncodeToString(b)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return e.fail(err)
	}
	now := time.Now()
	c, err := sii.FakeCertificate(key, r, *name, now.Add(-24*time.Hour), now.AddDate(2, 0, 0))
	if err != nil {
		return e.fail(err)
	}
	p12, err := c.PKCS12(*password)
	if err != nil {
		return e.fail(err)
	}
	if err := os.WriteFile(*out, p12, 0o600); err != nil {
		return e.fail(err)
	}
	fmt.Fprintln(e.stdout, *password)
	return exitOK
}

// siiFakeCAF writes a CAF signed by the sandbox agency's SII key.
func (e *env) siiFakeCAF(args []string) int {
	fs := e.flags("sii fake-caf")
	td := fs.Int("type", 0, "SII document type: 33, 34, 39, 46, 52, 56 or 61")
	from := fs.Int64("from", 1, "first folio")
	to := fs.Int64("to", 100, "last folio")
	rut := fs.String("rut", "", "issuer RUT (the biller settings rut)")
	name := fs.String("name", "COBRO SANDBOX", "issuer name (RS)")
	date := fs.String("date", "", "authorisation date FA, YYYY-MM-DD (default today in Chile)")
	out := fs.String("out", "", "file to write (default stdout)")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	if !sii.Supported(*td) {
		fmt.Fprintf(e.stderr, "cobro sii fake-caf: --type must be one of %v\n", sii.Types)
		return exitUsage
	}
	r, err := taxid.Normalize("CL", *rut)
	if err != nil {
		fmt.Fprintf(e.stderr, "cobro sii fake-caf: --rut: %v\n", err)
		return exitUsage
	}
	if *from < 1 || *from > *to {
		fmt.Fprintln(e.stderr, "cobro sii fake-caf: need 1 <= --from <= --to")
		return exitUsage
	}
	fa := time.Now()
	if *date != "" {
		if fa, err = time.Parse("2006-01-02", *date); err != nil {
			fmt.Fprintln(e.stderr, "cobro sii fake-caf: --date must be YYYY-MM-DD")
			return exitUsage
		}
	} else {
		fa, _ = time.Parse("2006-01-02", sii.LocalTime(fa)[:10])
	}
	raw, err := sii.GenerateCAF(sii.SandboxSIIKey(), sii.SandboxIDK, r, *name, *td, *from, *to, fa)
	if err != nil {
		return e.fail(err)
	}
	if *out == "" {
		e.stdout.Write(raw)
		return exitOK
	}
	if err := os.WriteFile(*out, raw, 0o600); err != nil {
		return e.fail(err)
	}
	return exitOK
}

// siiSandbox serves the sandbox agency over HTTP, speaking the SII's
// protocol (seed, token, upload, status, boleta API), until interrupted:
// point COBRO_SII_BASE_URL (or any SII client) at it.
func (e *env) siiSandbox(args []string) int {
	fs := e.flags("sii sandbox")
	addr := fs.String("addr", "127.0.0.1:8090", "listen address HOST:PORT")
	if code, ok := e.parse(fs, args); !ok {
		return code
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return e.fail(err)
	}
	srv := &http.Server{Handler: (&siifake.Server{}).Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stdout, "SII sandbox on http://%s (COBRO_SII_BASE_URL=http://%s)\n", ln.Addr(), ln.Addr())
	go func() {
		<-e.ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return e.fail(err)
	}
	return exitOK
}
