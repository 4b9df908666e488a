package sii

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	encasn1 "encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
	"software.sslmate.com/src/go-pkcs12"
)

// p12Shape says where a synthetic PFX puts which iteration count.
type p12Shape struct {
	mac, certs, key *big.Int
	pbmac1, pbes2   bool
}

func oidOf(b *cryptobyte.Builder, oid encasn1.ObjectIdentifier) { b.AddASN1ObjectIdentifier(oid) }

// kdf adds PBKDF2 AlgorithmIdentifier with the count.
func kdf(b *cryptobyte.Builder, n *big.Int) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		oidOf(b, oidPBKDF2)
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString([]byte("saltsalt"))
			b.AddASN1BigInt(n)
		})
	})
}

// pbe adds an encryption AlgorithmIdentifier: PBES2 or pbeWithSHAAnd3-KeyTripleDES-CBC.
func pbe(b *cryptobyte.Builder, n *big.Int, pbes2 bool) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if !pbes2 {
			oidOf(b, append(append(encasn1.ObjectIdentifier{}, oidPKCS12PBE...), 3))
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString([]byte("saltsalt"))
				b.AddASN1BigInt(n)
			})
			return
		}
		oidOf(b, oidPBES2)
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			kdf(b, n)
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				oidOf(b, encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42})
				b.AddASN1OctetString(make([]byte, 16))
			})
		})
	})
}

func contentInfo(b *cryptobyte.Builder, oid encasn1.ObjectIdentifier, content cryptobyte.BuilderContinuation) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		oidOf(b, oid)
		b.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), content)
	})
}

// synthPFX builds the skeleton of a password-protected PFX (RFC 7292):
// an encrypted certificate safe, a plain safe with a shrouded key, a MAC.
func synthPFX(s p12Shape) []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		contentInfo(b, oidP12Data, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					contentInfo(b, oidP12EncryptedData, func(b *cryptobyte.Builder) {
						b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1Int64(0)
							b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
								oidOf(b, oidP12Data)
								pbe(b, s.certs, s.pbes2)
								b.AddASN1(asn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 32)) })
							})
						})
					})
					contentInfo(b, oidP12Data, func(b *cryptobyte.Builder) {
						b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) {
							b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
								contentInfo(b, oidP12ShroudedKey, func(b *cryptobyte.Builder) {
									b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
										pbe(b, s.key, s.pbes2)
										b.AddASN1OctetString(make([]byte, 32))
									})
								})
							})
						})
					})
				})
			})
		})
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
					if s.pbmac1 {
						oidOf(b, oidPBMAC1)
						b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
							kdf(b, s.mac)
							b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { oidOf(b, encasn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}) })
						})
					} else {
						oidOf(b, encasn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1})
						b.AddASN1NULL()
					}
				})
				b.AddASN1OctetString(make([]byte, 32))
			})
			b.AddASN1OctetString([]byte("macsalt!"))
			if s.pbmac1 {
				b.AddASN1Int64(1)
			} else {
				b.AddASN1BigInt(s.mac)
			}
		})
	})
	return b.BytesOrPanic()
}

func TestCheckPKCS12Cost(t *testing.T) {
	ok, bomb := big.NewInt(2048), big.NewInt(150_000_000)
	huge, _ := new(big.Int).SetString("340282366920938463463374607431768211456", 10) // 2^128: beyond any int
	for _, pbmac1 := range []bool{false, true} {
		for _, pbes2 := range []bool{false, true} {
			if err := CheckPKCS12Cost(synthPFX(p12Shape{ok, ok, ok, pbmac1, pbes2})); err != nil {
				t.Errorf("pbmac1=%v pbes2=%v: %v", pbmac1, pbes2, err)
			}
			if err := CheckPKCS12Cost(synthPFX(p12Shape{big.NewInt(MaxPKCS12Iterations), ok, ok, pbmac1, pbes2})); err != nil {
				t.Errorf("the limit itself is refused: %v", err)
			}
			for _, c := range []struct {
				shape p12Shape
				want  string
			}{
				{p12Shape{bomb, ok, ok, pbmac1, pbes2}, "MAC iteration count (150000000)"},
				{p12Shape{huge, ok, ok, pbmac1, pbes2}, "MAC iteration count (340282366920938463463374607431768211456)"},
				{p12Shape{ok, bomb, ok, pbmac1, pbes2}, "encryption iteration count (150000000)"},
				{p12Shape{ok, ok, huge, pbmac1, pbes2}, "encryption iteration count (3402823"},
			} {
				err := CheckPKCS12Cost(synthPFX(c.shape))
				ce, isCert := err.(*CertError)
				if !isCert || ce.Field != "file" || !strings.Contains(ce.Msg, c.want) || !strings.Contains(ce.Msg, "limit of 1000000") {
					t.Errorf("pbmac1=%v pbes2=%v: %v, want %q", pbmac1, pbes2, err, c.want)
				}
			}
		}
	}
	// what go-pkcs12's encoders produce passes and opens
	sc := SandboxCertificate()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, enc := range map[string]*pkcs12.Encoder{"LegacyRC2": pkcs12.LegacyRC2, "LegacyDES": pkcs12.LegacyDES, "Modern": pkcs12.Modern,
		"Modern2023": pkcs12.Modern2023, "Passwordless": pkcs12.Passwordless} {
		pw := "secreto"
		if enc == pkcs12.Passwordless {
			pw = ""
		}
		p12, err := enc.Encode(sc.Key, sc.Cert, nil, pw)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := LoadPKCS12(p12, pw, now); err != nil || c.RUT != SandboxRUT {
			t.Errorf("%s: %v", name, err)
		}
	}
	// truncated or foreign input is "not a PKCS#12", never a panic
	p12, _ := sc.PKCS12("secreto")
	for i := 0; i < len(p12); i += 7 {
		if err := CheckPKCS12Cost(p12[:i]); err != ErrCertNotPKCS12 {
			t.Fatalf("truncated at %d: %v", i, err)
		}
	}
}

// FuzzLoadPKCS12: any uploaded bytes are opened or refused with a
// CertError; the seeds include a valid file and one with a raised MAC count.
func FuzzLoadPKCS12(f *testing.F) {
	sc := SandboxCertificate()
	p12, err := sc.PKCS12("secreto")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p12, "secreto")
	f.Add(synthPFX(p12Shape{big.NewInt(150_000_000), big.NewInt(1), big.NewInt(1), false, true}), "x")
	f.Add(synthPFX(p12Shape{big.NewInt(1), big.NewInt(1), big.NewInt(1), true, false}), "")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		c, err := LoadPKCS12(data, password, now)
		if err != nil {
			if _, ok := err.(*CertError); !ok {
				t.Fatalf("error type %T: %v", err, err)
			}
			return
		}
		if c.Key == nil || c.Cert == nil || c.RUT == "" || c.Key.N.BitLen() > MaxCertKeyBits {
			t.Fatalf("accepted an incomplete certificate: %+v", c)
		}
	})
}

// Certificate keys above MaxCertKeyBits are refused: every finalize signs
// with the key inside the write transaction.
func TestCertificateKeyCap(t *testing.T) {
	sc := SandboxCertificate()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 8192))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, 8191, 1).SetBit(n, 0, 1)
	pub := &rsa.PublicKey{N: n, E: 65537}
	tmpl := *sc.Cert
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, sc.Cert, pub, sc.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewCertificate(&rsa.PrivateKey{PublicKey: *pub}, cert)
	if ce, ok := err.(*CertError); !ok || ce.Msg != "The certificate's RSA key has 8192 bits; the limit is 4096." {
		t.Fatalf("8192-bit key: %v", err)
	}
}
