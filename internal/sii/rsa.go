package sii

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"math/big"
)

// CAF keys are 512-bit RSA keys with exponent 3, which crypto/rsa refuses
// to use since Go 1.24 (minimum 1024 bits, unless GODEBUG rsa1024min=0).
// The SII's format is fixed, so stamps are made and checked here with
// textbook PKCS #1 v1.5 (RFC 8017 §8.2) over math/big. Only public data
// and the CAF key (which the SII hands to the taxpayer in clear) go
// through it; the company certificate signs with crypto/rsa.

// sha1Prefix is the DigestInfo DER prefix of SHA-1 (RFC 8017 §9.2).
var sha1Prefix = []byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}

func emsaSHA1(msg []byte, k int) ([]byte, error) {
	h := sha1.Sum(msg)
	tLen := len(sha1Prefix) + len(h)
	if k < tLen+11 {
		return nil, errors.New("rsa key too short")
	}
	em := make([]byte, k)
	em[1] = 1
	for i := 2; i < k-tLen-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-tLen:], sha1Prefix)
	copy(em[k-len(h):], h[:])
	return em, nil
}

// SignSHA1 makes an RSA PKCS #1 v1.5 SHA-1 signature with any key size.
func SignSHA1(key *rsa.PrivateKey, msg []byte) ([]byte, error) {
	k := (key.N.BitLen() + 7) / 8
	em, err := emsaSHA1(msg, k)
	if err != nil {
		return nil, err
	}
	m := new(big.Int).SetBytes(em)
	var s *big.Int
	if len(key.Primes) == 2 && key.Precomputed.Dp != nil {
		// CRT
		p, q := key.Primes[0], key.Primes[1]
		m1 := new(big.Int).Exp(m, key.Precomputed.Dp, p)
		m2 := new(big.Int).Exp(m, key.Precomputed.Dq, q)
		h := new(big.Int).Sub(m1, m2)
		h.Mul(h, key.Precomputed.Qinv)
		h.Mod(h, p)
		s = h.Mul(h, q).Add(h, m2)
	} else {
		s = new(big.Int).Exp(m, key.D, key.N)
	}
	// check before release (fault attacks; also catches a broken key)
	if new(big.Int).Exp(s, big.NewInt(int64(key.E)), key.N).Cmp(m) != 0 {
		return nil, errors.New("rsa signature check failed")
	}
	return s.FillBytes(make([]byte, k)), nil
}

// VerifySHA1 checks an RSA PKCS #1 v1.5 SHA-1 signature with any key size.
func VerifySHA1(pub *rsa.PublicKey, msg, sig []byte) bool {
	if pub == nil || pub.N == nil || pub.E < 2 {
		return false
	}
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return false
	}
	em, err := emsaSHA1(msg, k)
	if err != nil {
		return false
	}
	got := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	return subtle.ConstantTimeCompare(got, em) == 1
}

// generateCAFKey makes a 512-bit RSA key with exponent 3, like the SII's.
func generateCAFKey() (*rsa.PrivateKey, error) {
	e := big.NewInt(3)
	one := big.NewInt(1)
	for {
		p, err := rand.Prime(rand.Reader, 256)
		if err != nil {
			return nil, err
		}
		q, err := rand.Prime(rand.Reader, 256)
		if err != nil {
			return nil, err
		}
		if p.Cmp(q) == 0 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != 512 {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: 3}, D: d, Primes: []*big.Int{p, q}}
		k.Precompute()
		return k, nil
	}
}
