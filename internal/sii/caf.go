package sii

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/taxid"
)

// Types are the SII document codes Cobro issues (docs/tax-agency.md#41-upload).
var Types = []int{33, 34, 39, 46, 52, 56, 61}

// Supported reports whether Cobro issues the SII document code td.
func Supported(td int) bool {
	for _, t := range Types {
		if t == td {
			return true
		}
	}
	return false
}

// CAF is a parsed folio authorisation (docs/tax-agency.md#4-caf-files-and-folios).
type CAF struct {
	RE     string // issuer RUT
	RS     string // issuer name
	TD     int
	From   int64 // D
	To     int64 // H
	FA     time.Time
	IDK    int
	PubKey *rsa.PublicKey
	FRMA   []byte
	Key    *rsa.PrivateKey // RSASK
	Elem   *Elem           // <CAF>…</CAF>, copied into every TED
}

// CAFError is a CAF upload failure (message for the "file" field).
type CAFError struct{ Msg string }

func (e *CAFError) Error() string { return e.Msg }

// ErrCAFInvalid is the message of a file that is not a CAF.
var ErrCAFInvalid = &CAFError{"The file is not a valid CAF."}

// ParseCAF reads a CAF file (ISO-8859-1 or UTF-8 XML) and checks what it
// can alone: elements, range and that the private key matches RSAPK. The
// checks that need context (issuer, overlap, expiry, SII signature) are
// CheckUpload's.
func ParseCAF(data []byte) (*CAF, error) {
	root, err := Parse(data)
	if err != nil || root.Local() != "AUTORIZACION" {
		return nil, ErrCAFInvalid
	}
	ce := root.Child("CAF")
	da := ce.Path("DA")
	if ce == nil || da == nil {
		return nil, ErrCAFInvalid
	}
	c := &CAF{Elem: ce}
	c.RE = strings.TrimSpace(da.Child("RE").Text())
	c.RS = strings.TrimSpace(da.Child("RS").Text())
	if da.Child("RE") == nil || da.Child("RS") == nil || da.Child("TD") == nil || da.Path("RNG", "D") == nil ||
		da.Path("RNG", "H") == nil || da.Child("FA") == nil || da.Path("RSAPK", "M") == nil || da.Path("RSAPK", "E") == nil ||
		da.Child("IDK") == nil || ce.Child("FRMA") == nil || root.Child("RSASK") == nil {
		return nil, ErrCAFInvalid
	}
	if r, err := taxid.Normalize("CL", c.RE); err == nil {
		c.RE = r
	} else {
		return nil, ErrCAFInvalid
	}
	if c.TD, err = strconv.Atoi(strings.TrimSpace(da.Child("TD").Text())); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.From, err = strconv.ParseInt(strings.TrimSpace(da.Path("RNG", "D").Text()), 10, 64); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.To, err = strconv.ParseInt(strings.TrimSpace(da.Path("RNG", "H").Text()), 10, 64); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.FA, err = time.Parse("2006-01-02", strings.TrimSpace(da.Child("FA").Text())); err != nil {
		return nil, ErrCAFInvalid
	}
	if c.IDK, err = strconv.Atoi(strings.TrimSpace(da.Child("IDK").Text())); err != nil {
		return nil, ErrCAFInvalid
	}
	m, err1 := b64(da.Path("RSAPK", "M").Text())
	e, err2 := b64(da.Path("RSAPK", "E").Text())
	frma, err3 := b64(ce.Child("FRMA").Text())
	if err1 != nil || err2 != nil || err3 != nil || len(m) == 0 || len(e) == 0 || len(e) > 4 {
		return nil, ErrCAFInvalid
	}
	ev := new(big.Int).SetBytes(e)
	c.PubKey = &rsa.PublicKey{N: new(big.Int).SetBytes(m), E: int(ev.Int64())}
	c.FRMA = frma
	if n := c.PubKey.N.BitLen(); n != CAFKeyBits {
		return nil, &CAFError{fmt.Sprintf("The CAF key must be a %d-bit RSA key; this one has %d bits.", CAFKeyBits, n)}
	}
	key, err := parseCAFKey(root.Child("RSASK").Text())
	if err != nil {
		return nil, err
	}
	if key.N.Cmp(c.PubKey.N) != 0 || key.E != c.PubKey.E {
		return nil, &CAFError{"The CAF private key does not match its public key."}
	}
	if err := probeKeyPair(key, c.PubKey); err != nil {
		return nil, err
	}
	c.Key = key
	if c.From < 1 || c.From > c.To {
		return nil, &CAFError{"The CAF range is invalid."}
	}
	return c, nil
}

// CAFKeyBits is the size of every SII stamp key (docs/tax-agency.md#4-caf-files-and-folios).
const CAFKeyBits = 512

// maxCAFKeyPEM bounds the RSASK block before it is parsed: a 512-bit
// PKCS #1 key is about 500 bytes of PEM.
const maxCAFKeyPEM = 4096

var errCAFKey = &CAFError{"The CAF private key (RSASK) is not a valid two-prime RSA key."}

// parseCAFKey reads RSASK (PKCS #1, or PKCS #8 as some tools write it).
// Multi-prime keys are refused: crypto/rsa does not check them, so any
// numbers would pass.
func parseCAFKey(text string) (*rsa.PrivateKey, error) {
	text = strings.TrimSpace(text)
	if len(text) > maxCAFKeyPEM {
		return nil, errCAFKey
	}
	blk, _ := pem.Decode([]byte(text))
	if blk == nil {
		return nil, ErrCAFInvalid
	}
	key, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		k8, err8 := x509.ParsePKCS8PrivateKey(blk.Bytes)
		rk, ok := k8.(*rsa.PrivateKey)
		if err8 != nil || !ok {
			return nil, errCAFKey
		}
		key = rk
	}
	if len(key.Primes) != 2 {
		return nil, errCAFKey
	}
	return key, nil
}

// probeKeyPair signs a probe with the private key and verifies it with the
// public one, so that a key whose private exponent does not belong to its
// modulus is refused at upload rather than at every finalize.
func probeKeyPair(key *rsa.PrivateKey, pub *rsa.PublicKey) error {
	probe := []byte("cobro CAF key probe")
	sig, err := SignSHA1(key, probe)
	if err != nil || !VerifySHA1(pub, probe, sig) {
		return &CAFError{"The CAF private key does not match its public key."}
	}
	return nil
}

func b64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

// Expires is the CAF's expiry date (docs/tax-agency.md#43-expiry): FA + 6 months, month-end
// clamped, for 33, 46, 56 and 61; none (zero time) for 34, 39 and 52.
func (c *CAF) Expires() (time.Time, bool) { return CAFExpiry(c.TD, c.FA) }

// CAFExpiry computes docs/tax-agency.md#43-expiry's expiry for a type and authorisation date.
func CAFExpiry(td int, fa time.Time) (time.Time, bool) {
	switch td {
	case 34, 39, 52:
		return time.Time{}, false
	}
	y, m, d := fa.Date()
	first := time.Date(y, m+6, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC), true
}

// Flat serialises an element the way SII signs DA and DD (docs/tax-agency.md#7-ted-stamp): no
// declaration, no namespace declarations, no whitespace between elements,
// text escaped with the five entities, ISO-8859-1.
func Flat(e *Elem) []byte {
	var b bytes.Buffer
	flat(&b, e)
	return appendLatin1(nil, b.Bytes())
}

func flat(b *bytes.Buffer, e *Elem) {
	var attrs []Attr
	for _, a := range e.Attrs {
		if !isNSDecl(a.Name) {
			attrs = append(attrs, a)
		}
	}
	startTag(b, e.Name, flatEscaper, attrs)
	for _, c := range significant(e.Children) {
		switch c := c.(type) {
		case Text:
			_, _ = flatEscaper.WriteString(b, string(c))
		case *Elem:
			flat(b, c)
		}
	}
	endTag(b, e.Name)
}

// flatEscaper escapes text and attribute values with the five entities.
var flatEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// VerifySignature checks FRMA over DA with an SII public key.
func (c *CAF) VerifySignature(sii *rsa.PublicKey) bool {
	return VerifySHA1(sii, Flat(c.Elem.Child("DA")), c.FRMA)
}

// GenerateCAF issues a CAF the way the SII does, signed with siiKey (the
// sandbox's test SII key, IDK idk). It makes a fresh 512-bit stamp key.
func GenerateCAF(siiKey *rsa.PrivateKey, idk int, rut, name string, td int, from, to int64, fa time.Time) ([]byte, error) {
	key, err := generateCAFKey()
	if err != nil {
		return nil, err
	}
	return GenerateCAFWithKey(siiKey, idk, key, rut, name, td, from, to, fa)
}

// GenerateCAFWithKey is GenerateCAF with a given stamp key (tests use
// fixed keys).
func GenerateCAFWithKey(siiKey *rsa.PrivateKey, idk int, key *rsa.PrivateKey, rut, name string, td int, from, to int64, fa time.Time) ([]byte, error) {
	rut, err := taxid.Normalize("CL", rut)
	if err != nil {
		return nil, err
	}
	if from < 1 || from > to {
		return nil, fmt.Errorf("invalid range %d-%d", from, to)
	}
	da := E("DA").T("RE", rut).T("RS", Clean(strings.ToUpper(name), 40)).T("TD", strconv.Itoa(td)).
		Add(E("RNG").T("D", strconv.FormatInt(from, 10)).T("H", strconv.FormatInt(to, 10))).
		T("FA", fa.Format("2006-01-02")).
		Add(E("RSAPK").T("M", base64.StdEncoding.EncodeToString(key.N.Bytes())).
			T("E", base64.StdEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()))).
		T("IDK", strconv.Itoa(idk))
	sig, err := SignSHA1(siiKey, Flat(da))
	if err != nil {
		return nil, err
	}
	caf := E("CAF", "version", "1.0").Add(da, frmaElem(sig))
	root := E("AUTORIZACION").Add(caf)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	root.T("RSASK", "\n"+string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	root.T("RSAPUBK", "\n"+string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})))
	indent(root, 0)
	return Latin1Document(root), nil
}

func frmaElem(sig []byte) *Elem {
	f := E("FRMA", "algoritmo", "SHA1withRSA")
	f.Children = []Node{Text(base64.StdEncoding.EncodeToString(sig))}
	return f
}

// indent adds the line breaks and indentation SII files have, so that
// parsers are exercised on whitespace the signatures must ignore.
func indent(e *Elem, depth int) {
	var out []Node
	if !hasElem(e.Children) {
		return
	}
	pad := "\n" + strings.Repeat("  ", depth+1)
	for _, c := range e.Children {
		if ce, ok := c.(*Elem); ok {
			out = append(out, Text(pad), ce)
			indent(ce, depth+1)
		} else {
			out = append(out, c)
		}
	}
	out = append(out, Text("\n"+strings.Repeat("  ", depth)))
	e.Children = out
}
