package sii

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"
)

// The embedded SII keys are the published 512-bit keys, distinct from the
// sandbox's.
func TestSIICAFKeys(t *testing.T) {
	keys := SIICAFKeys(CertificationIDK, ProductionIDK, 999)
	if len(keys) != 2 {
		t.Fatalf("keys: %v", keys)
	}
	for idk, k := range keys {
		if k.N.BitLen() != 512 || k.E != 65537 || k.Equal(&SandboxSIIKey().PublicKey) {
			t.Errorf("IDK %d: %d bits, e=%d", idk, k.N.BitLen(), k.E)
		}
	}
}

// Live: a sandbox-signed CAF is refused whatever IDK it names; a CAF
// signed by a trusted key for its IDK passes; an IDK without a live key is
// refused. Test mode trusts the sandbox key.
func TestCAFSignatureLive(t *testing.T) {
	agency, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	fa := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	caf := func(key *rsa.PrivateKey, idk int) *CAF {
		raw, err := GenerateCAF(key, idk, "77123456-9", "Demo SpA", 33, 1, 10, fa)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCAF(raw)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	live := &Sandbox{Live: true, SIIKeys: map[int]*rsa.PublicKey{ProductionIDK: &agency.PublicKey}}
	for _, idk := range []int{SandboxIDK, ProductionIDK} {
		if got := live.cafSignatureProblem(caf(SandboxSIIKey(), idk)); !strings.Contains(got, "sandbox test key") {
			t.Errorf("live, sandbox CAF with IDK %d: %q", idk, got)
		}
	}
	if got := live.cafSignatureProblem(caf(agency, ProductionIDK)); got != "" {
		t.Errorf("live, agency CAF: %q", got)
	}
	if got := live.cafSignatureProblem(caf(agency, CertificationIDK)); !strings.Contains(got, "IDK 100") {
		t.Errorf("live, certification IDK: %q", got)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	if got := live.cafSignatureProblem(caf(other, ProductionIDK)); got != "The CAF signature is not valid." {
		t.Errorf("live, forged CAF: %q", got)
	}
	test := &Sandbox{}
	if got := test.cafSignatureProblem(caf(SandboxSIIKey(), SandboxIDK)); got != "" {
		t.Errorf("test mode, sandbox CAF: %q", got)
	}
}
