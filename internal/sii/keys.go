package sii

import (
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"sync"
)

// The sandbox agency's fixed test keys. They are public (they are in the
// source): the sandbox trusts CAFs signed by SandboxSIIKey and signs with
// the sandbox certificate when a test-mode workspace has none. Nothing
// signed with them is accepted by the real SII.
var (
	//go:embed keys/sandbox_sii.key.pem
	sandboxSIIKeyPEM []byte
	//go:embed keys/sandbox_cert.key.pem
	sandboxCertKeyPEM []byte
	//go:embed keys/sandbox_cert.pem
	sandboxCertPEM []byte
)

// SandboxIDK is the key id of the sandbox's SII key (docs/tax-agency.md#45-sandbox-cafs-test-mode).
const SandboxIDK = 100

// SandboxRUT is the holder of the built-in test certificate (docs/tax-agency.md#3-certificate).
const SandboxRUT = "11111111-1"

var sandboxOnce = sync.OnceValues(func() (*rsa.PrivateKey, *Certificate) {
	must := func(b []byte) []byte {
		blk, _ := pem.Decode(b)
		if blk == nil {
			panic("sii: bad embedded key")
		}
		return blk.Bytes
	}
	sk, err := x509.ParsePKCS1PrivateKey(must(sandboxSIIKeyPEM))
	if err != nil {
		panic(err)
	}
	ck, err := x509.ParsePKCS1PrivateKey(must(sandboxCertKeyPEM))
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(must(sandboxCertPEM))
	if err != nil {
		panic(err)
	}
	c, err := NewCertificate(ck, cert)
	if err != nil {
		panic(err)
	}
	sk.Precompute()
	return sk, c
})

// SandboxSIIKey is the test "SII" key that signs sandbox CAFs.
func SandboxSIIKey() *rsa.PrivateKey { k, _ := sandboxOnce(); return k }

// SandboxCertificate is the built-in test certificate (RUT 11111111-1).
func SandboxCertificate() *Certificate { _, c := sandboxOnce(); return c }
