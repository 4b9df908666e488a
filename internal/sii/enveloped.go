package sii

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"fmt"
)

const algEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

// SignEnveloped appends to root an enveloped XML-DSig Signature over the
// whole document (Reference URI "" with the enveloped-signature
// transform), the form the SII's token service wants around a seed.
// root must not carry a Signature yet.
func SignEnveloped(root *Elem, cert *Certificate) error {
	dg := sha1.Sum(C14N(root))
	ref := E("Reference", "URI", "").
		Add(E("Transforms").Add(E("Transform", "Algorithm", algEnveloped))).
		Add(E("DigestMethod", "Algorithm", algSHA1)).T("DigestValue", base64.StdEncoding.EncodeToString(dg[:]))
	si := E("SignedInfo").Add(E("CanonicalizationMethod", "Algorithm", algC14N), E("SignatureMethod", "Algorithm", algRSA), ref)
	return appendSignature(root, si, cert)
}

// VerifyEnveloped checks the enveloped Signature (the last child of root)
// made by SignEnveloped and returns the signing certificate.
func VerifyEnveloped(root *Elem) (*x509.Certificate, error) {
	sig := root.Child("Signature")
	if sig == nil {
		return nil, fmt.Errorf("no enveloped signature")
	}
	si := sig.Child("SignedInfo")
	ref := si.Child("Reference")
	if si == nil || ref == nil || ref.Attr("URI") != "" {
		return nil, fmt.Errorf("the signature must reference the whole document (URI \"\")")
	}
	if si.Child("CanonicalizationMethod").Attr("Algorithm") != algC14N || si.Child("SignatureMethod").Attr("Algorithm") != algRSA ||
		ref.Child("DigestMethod").Attr("Algorithm") != algSHA1 {
		return nil, fmt.Errorf("unsupported signature algorithms")
	}
	tr := ref.Path("Transforms", "Transform")
	if tr == nil || tr.Attr("Algorithm") != algEnveloped {
		return nil, fmt.Errorf("the enveloped-signature transform is missing")
	}
	cert := sigCert(sig)
	if cert == nil {
		return nil, fmt.Errorf("no X509Certificate in KeyInfo")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the certificate has no RSA key")
	}
	// the digest covers the document without its signature
	unsigned := *root
	unsigned.Children = nil
	for _, c := range root.Children {
		if c != Node(sig) {
			unsigned.Children = append(unsigned.Children, c)
		}
	}
	dg := sha1.Sum(C14N(&unsigned))
	want, err := b64(ref.Child("DigestValue").Text())
	if err != nil || string(want) != string(dg[:]) {
		return nil, fmt.Errorf("the digest does not match the document")
	}
	sv, err := b64(sig.Child("SignatureValue").Text())
	if err != nil || !VerifySHA1(pub, C14N(si), sv) {
		return nil, fmt.Errorf("the signature value does not verify")
	}
	return cert, nil
}
