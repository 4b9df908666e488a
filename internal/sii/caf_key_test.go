package sii

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// multiPrimePEM is a PKCS #1 key of modulus n with random "primes" and
// exponent: crypto/rsa checks none of them for multi-prime keys.
func multiPrimePEM(t *testing.T, n *big.Int) string {
	r := func(bits int) *big.Int {
		v, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
		if err != nil {
			t.Fatal(err)
		}
		return v.SetBit(v, 0, 1)
	}
	type prime struct{ Prime, Exp, Coeff *big.Int }
	der, err := asn1.Marshal(struct {
		Version               int
		N                     *big.Int
		E                     int
		D, P, Q, Dp, Dq, Qinv *big.Int
		Additional            []prime
	}{1, n, 3, r(n.BitLen() - 8), r(256), r(256), r(256), r(256), r(256), []prime{{r(256), r(256), r(256)}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))
}

// Issue 13 #2: CAF keys are 512-bit two-prime RSA keys whose private half
// signs what the public half verifies; anything else is refused.
func TestParseCAFKeyChecks(t *testing.T) {
	raw, err := GenerateCAFWithKey(SandboxSIIKey(), SandboxIDK, testCAFKey(t), issuerRUT, "Demo", 33, 1, 100, time.Date(2025, 8, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	i, j := strings.Index(s, "-----BEGIN RSA"), strings.Index(s, "-----END RSA PRIVATE KEY-----")+len("-----END RSA PRIVATE KEY-----\n")
	m0, m1 := strings.Index(s, "<M>")+3, strings.Index(s, "</M>")
	withKey := func(n *big.Int, keyPEM string) []byte {
		out := s[:i] + keyPEM + s[j:]
		return []byte(out[:m0] + base64.StdEncoding.EncodeToString(n.Bytes()) + out[m1:])
	}
	huge := new(big.Int).SetBit(big.NewInt(1), 32767, 1)
	huge.SetBit(huge, 0, 1)
	n512 := testCAFKey(t).N
	for name, c := range map[string]struct {
		in   []byte
		want string
	}{
		"32768-bit":       {withKey(huge, multiPrimePEM(t, huge)), "The CAF key must be a 512-bit RSA key; this one has 32768 bits."},
		"1024-bit":        {withKey(SandboxSIIKey().N, multiPrimePEM(t, SandboxSIIKey().N)), "The CAF key must be a 512-bit RSA key; this one has 1024 bits."},
		"multi-prime 512": {withKey(n512, multiPrimePEM(t, n512)), "The CAF private key (RSASK) is not a valid two-prime RSA key."},
		"oversized PEM":   {withKey(n512, strings.Repeat("A", 5000)), "The CAF private key (RSASK) is not a valid two-prime RSA key."},
	} {
		_, err := ParseCAF(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
	// the probe: a private exponent that does not belong to the modulus
	k := *testCAFKey(t)
	k.D = new(big.Int).Add(k.D, big.NewInt(2))
	k.Precomputed.Dp = nil
	if err := probeKeyPair(&k, &k.PublicKey); err == nil || err.Error() != "The CAF private key does not match its public key." {
		t.Errorf("probe: %v", err)
	}
	if err := probeKeyPair(testCAFKey(t), &testCAFKey(t).PublicKey); err != nil {
		t.Errorf("probe of a good key: %v", err)
	}
}
