package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/sii"
)

// cobro sii fake-cert and fake-caf make credentials the sandbox trusts.
func TestSIIFakeCredentials(t *testing.T) {
	dir := t.TempDir()
	p12 := filepath.Join(dir, "cert.p12")
	code, out, errs := runCmd(t, "sii", "fake-cert", "--rut", "12.345.678-5", "--out", p12)
	if code != exitOK {
		t.Fatalf("fake-cert: %d %s", code, errs)
	}
	password := strings.TrimSpace(out)
	data, err := os.ReadFile(p12)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sii.LoadPKCS12(data, password, time.Now())
	if err != nil || c.RUT != "12345678-5" {
		t.Fatalf("load: %v %+v", err, c)
	}
	if _, err := sii.LoadPKCS12(data, password+"x", time.Now()); err != sii.ErrCertPassword {
		t.Fatalf("wrong password: %v", err)
	}

	cafPath := filepath.Join(dir, "caf33.xml")
	code, _, errs = runCmd(t, "sii", "fake-caf", "--type", "33", "--from", "1", "--to", "100", "--rut", "77123456-9", "--out", cafPath)
	if code != exitOK {
		t.Fatalf("fake-caf: %d %s", code, errs)
	}
	raw, _ := os.ReadFile(cafPath)
	caf, err := sii.ParseCAF(raw)
	if err != nil || caf.TD != 33 || caf.From != 1 || caf.To != 100 || caf.RE != "77123456-9" || !caf.VerifySignature(&sii.SandboxSIIKey().PublicKey) {
		t.Fatalf("caf: %v %+v", err, caf)
	}
	for _, args := range [][]string{
		{"sii"}, {"sii", "nope"}, {"sii", "fake-caf", "--type", "41", "--rut", "77123456-9"},
		{"sii", "fake-caf", "--type", "33", "--rut", "77123456-8"}, {"sii", "fake-caf", "--type", "33", "--rut", "77123456-9", "--from", "5", "--to", "4"},
		{"sii", "fake-cert", "--rut", "1-2"},
	} {
		if code, _, _ := runCmd(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
