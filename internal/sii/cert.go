package sii

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/cobrobilling/cobro/internal/taxid"
	"software.sslmate.com/src/go-pkcs12"
)

// Certificate is the company's signing certificate (docs/tax-agency.md#3-certificate).
type Certificate struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
	RUT  string // the holder's RUT (RutEnvia)
}

// CertError is a certificate upload failure: Field ("file" or "password")
// and the user-facing message of docs/tax-agency.md#3-certificate.
type CertError struct{ Field, Msg string }

func (e *CertError) Error() string { return e.Msg }

// Certificate upload errors.
var (
	ErrCertNotPKCS12 = &CertError{"file", "The file is not a valid PKCS#12 (.p12/.pfx) certificate."}
	ErrCertPassword  = &CertError{"password", "The certificate could not be opened with this password."}
	ErrCertNotRSA    = &CertError{"file", "The certificate must have an RSA key."}
	ErrCertNoRUT     = &CertError{"file", "The certificate does not identify a RUT."}
)

// oidSIIRUT is the otherName type of the holder's RUT in Chilean
// certificates' subjectAltName.
var oidSIIRUT = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 8321, 1}
var oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}

// MaxCertKeyBits caps the certificate's RSA key: Chilean CAs issue 2048-bit
// keys, and every finalize signs with it inside the write transaction.
const MaxCertKeyBits = 4096

// LoadPKCS12 opens a .p12/.pfx container and checks it (docs/tax-agency.md#3-certificate): iteration
// counts bounded before any key derivation, an RSA key of at most
// MaxCertKeyBits, its certificate valid at now, and the holder's RUT.
func LoadPKCS12(data []byte, password string, now time.Time) (*Certificate, error) {
	if err := CheckPKCS12Cost(data); err != nil {
		return nil, err
	}
	key, cert, _, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, ErrCertPassword
		}
		return nil, ErrCertNotPKCS12
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, ErrCertNotRSA
	}
	c, err := NewCertificate(rk, cert)
	if err != nil {
		return nil, err
	}
	if now.After(cert.NotAfter) {
		return nil, &CertError{"file", "The certificate expired on " + cert.NotAfter.UTC().Format("2006-01-02") + "."}
	}
	if now.Before(cert.NotBefore) {
		return nil, &CertError{"file", "The certificate is not valid before " + cert.NotBefore.UTC().Format("2006-01-02") + "."}
	}
	return c, nil
}

// NewCertificate pairs a key and its certificate and reads the RUT.
func NewCertificate(key *rsa.PrivateKey, cert *x509.Certificate) (*Certificate, error) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, ErrCertNotRSA
	}
	if n := pub.N.BitLen(); n > MaxCertKeyBits {
		return nil, &CertError{"file", fmt.Sprintf("The certificate's RSA key has %d bits; the limit is %d.", n, MaxCertKeyBits)}
	}
	if pub.N.Cmp(key.N) != 0 || pub.E != key.E {
		return nil, &CertError{"file", "The private key does not match the certificate."}
	}
	rut := CertRUT(cert)
	if rut == "" {
		return nil, ErrCertNoRUT
	}
	return &Certificate{Key: key, Cert: cert, RUT: rut}, nil
}

// CertRUT reads the holder's RUT: subjectAltName otherName
// 1.3.6.1.4.1.8321.1, else the subject serial number. "" when none.
func CertRUT(cert *x509.Certificate) string {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidSAN) {
			continue
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &seq); err != nil {
			break
		}
		rest := seq.Bytes
		for len(rest) > 0 {
			var gn asn1.RawValue
			var err error
			rest, err = asn1.Unmarshal(rest, &gn)
			if err != nil {
				break
			}
			if gn.Class != asn1.ClassContextSpecific || gn.Tag != 0 {
				continue
			}
			var oid asn1.ObjectIdentifier
			inner, err := asn1.Unmarshal(gn.Bytes, &oid)
			if err != nil || !oid.Equal(oidSIIRUT) {
				continue
			}
			var explicit asn1.RawValue
			if _, err := asn1.Unmarshal(inner, &explicit); err != nil {
				continue
			}
			var str asn1.RawValue
			if _, err := asn1.Unmarshal(explicit.Bytes, &str); err != nil {
				continue
			}
			if r, err := taxid.Normalize("CL", string(str.Bytes)); err == nil {
				return r
			}
		}
	}
	if r, err := taxid.Normalize("CL", cert.Subject.SerialNumber); err == nil {
		return r
	}
	return ""
}

// Summary is the certificate summary of the API (docs/tax-agency.md#3-certificate), without the key.
type Summary struct {
	SubjectName, SubjectRUT, Issuer, SerialNumber, FingerprintSHA1 string
	NotBefore, NotAfter                                            time.Time
}

// Summary describes the certificate.
func (c *Certificate) Summary() Summary {
	fp := sha1.Sum(c.Cert.Raw)
	return Summary{
		SubjectName: c.Cert.Subject.CommonName, SubjectRUT: c.RUT, Issuer: c.Cert.Issuer.CommonName,
		SerialNumber: hex.EncodeToString(c.Cert.SerialNumber.Bytes()), FingerprintSHA1: hex.EncodeToString(fp[:]),
		NotBefore: c.Cert.NotBefore, NotAfter: c.Cert.NotAfter,
	}
}

// MarshalKey returns the private key as PKCS #8 DER (to be encrypted by
// the caller before it is stored).
func (c *Certificate) MarshalKey() ([]byte, error) { return x509.MarshalPKCS8PrivateKey(c.Key) }

// LoadStored rebuilds a certificate from its DER certificate and PKCS #8
// key, as stored after an upload.
func LoadStored(certDER, keyDER []byte) (*Certificate, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, ErrCertNotRSA
	}
	return NewCertificate(rk, cert)
}

// FakeCertificate makes a self-signed test certificate for rut with key,
// carrying the RUT both in subjectAltName (as Chilean CAs do) and in the
// subject serial number.
func FakeCertificate(key *rsa.PrivateKey, rut, name string, notBefore, notAfter time.Time) (*Certificate, error) {
	rut, err := taxid.Normalize("CL", rut)
	if err != nil {
		return nil, err
	}
	ia5, err := asn1.MarshalWithParams(rut, "ia5")
	if err != nil {
		return nil, err
	}
	explicit, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: ia5})
	oid, _ := asn1.Marshal(oidSIIRUT)
	other, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: append(oid, explicit...)})
	san, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: other})
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120)) // positive, ≤ 20 octets (RFC 5280)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, SerialNumber: rut, Country: []string{"CL"}, Organization: []string{"Cobro sandbox"}},
		NotBefore:    notBefore, NotAfter: notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: oidSAN, Value: san}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return NewCertificate(key, cert)
}

// PKCS12 encodes the certificate and key in a password-protected .p12.
func (c *Certificate) PKCS12(password string) ([]byte, error) {
	p, err := pkcs12.Modern.Encode(c.Key, c.Cert, nil, password)
	if err != nil {
		return nil, fmt.Errorf("encode p12: %w", err)
	}
	return p, nil
}
